//! What the fuzz targets share: one check per input kind.
use authlint::htpasswd::file::{lookup, Format, PasswordFile};
use authlint::htpasswd::scheme::{classify, Server};
use authlint::source::FileId;

/// Any bytes through a password-file line parser, the per-server replays, the hash
/// classifier and the password-file rules: no panic, every range inside the text and on a
/// char boundary. `name` is the file name the linter sees (`site/.htpasswd`...).
pub fn password_file(data: &[u8], format: Format, name: &str) {
    let text = String::from_utf8_lossy(data);
    let parsed = PasswordFile::parse(FileId(0), &text, format);
    for line in &parsed.lines {
        for r in [line.range, line.user, line.realm, line.hash] {
            assert!(text.get(r.start as usize..r.end as usize).is_some());
        }
        for (_, r) in line.problems(&text, format) {
            assert!(text.get(r.start as usize..r.end as usize).is_some());
        }
        let _ = classify(line.hash.slice(&text));
    }
    for server in [Server::Apache, Server::Nginx] {
        let _ = lookup(&text, server, "alice");
        let _ = lookup(&text, server, "");
    }
    let _ = authlint::lint_memory(&[(name, &text)]);
}
