//! AL3xx: password, digest and group files, judged as the server that reads them would.
//!
//! A file named by a directive is judged for that server (Apache or nginx), with a label on
//! the directive. A file no linted config names (found by name, or `authlint htpasswd
//! check` without `--server`) is judged for every server that could read it, and a
//! server-specific finding is reported only when every such server is affected: unknown
//! means "do not guess". Messages name the user and the scheme, never the hash.

pub mod bcrypt_cost_out_of_range;
pub mod digest_realm_mismatch;
pub mod duplicate_user;
pub mod group_member_not_in_user_file;
pub mod malformed_hash;
pub mod misread_password_line;
pub mod password_file_readable_by_others;
pub mod password_file_unreadable_by_server;
pub mod password_file_writable_by_others;
pub mod unsupported_hash_scheme;
pub mod weak_hash_scheme;

use crate::diag::Diagnostic;
use crate::htpasswd::file::{Format, Line, PasswordFile};
use crate::htpasswd::scheme::Server;
use crate::model::Model;
use crate::source::Span;

/// The servers that read a password file, and where their configs name it.
pub(crate) struct Readers {
    /// Each server with the directive arguments that name the file (none when assumed).
    pub servers: Vec<(Server, Vec<Span>)>,
    /// No linted config names the file and no `--server` was given: `servers` lists every
    /// server that could read it.
    pub unknown: bool,
}

impl Readers {
    pub fn of(model: &Model, pf: &PasswordFile) -> Readers {
        let possible = pf.format.readers();
        let mut servers: Vec<(Server, Vec<Span>)> = Vec::new();
        for r in model.refs_to(pf.file) {
            if !possible.contains(&r.server) {
                continue;
            }
            match servers.iter_mut().find(|(s, _)| *s == r.server) {
                Some((_, spans)) => spans.push(r.span),
                None => servers.push((r.server, vec![r.span])),
            }
        }
        if !servers.is_empty() {
            return Readers {
                servers,
                unknown: false,
            };
        }
        if let Some(s) = model.assumed_server.filter(|s| possible.contains(s)) {
            return Readers {
                servers: vec![(s, Vec::new())],
                unknown: false,
            };
        }
        Readers {
            servers: possible.iter().map(|s| (*s, Vec::new())).collect(),
            unknown: true,
        }
    }

    /// The servers to report for: those `hit` holds for, or none when the readers are
    /// unknown and some possible reader is not hit.
    pub fn affected(&self, hit: impl Fn(Server) -> bool) -> Vec<Server> {
        let list: Vec<Server> = self
            .servers
            .iter()
            .map(|(s, _)| *s)
            .filter(|s| hit(*s))
            .collect();
        if self.unknown && list.len() < self.servers.len() {
            return Vec::new();
        }
        list
    }

    /// Add a label on every directive that makes one of `servers` read the file.
    pub fn label(&self, mut d: Diagnostic, servers: &[Server]) -> Diagnostic {
        for (s, spans) in &self.servers {
            if !servers.contains(s) {
                continue;
            }
            for span in spans {
                d = d.label(
                    *span,
                    format!("{} reads the file named here", server_name(*s)),
                );
            }
        }
        d
    }

    /// "Apache", "nginx", "Apache and nginx".
    pub fn phrase(&self, servers: &[Server]) -> String {
        servers_phrase(servers)
    }
}

pub(crate) fn server_name(s: Server) -> &'static str {
    match s {
        Server::Apache => "Apache",
        Server::Nginx => "nginx",
    }
}

pub(crate) fn servers_phrase(servers: &[Server]) -> String {
    let names: Vec<&str> = servers.iter().map(|s| server_name(*s)).collect();
    match names.as_slice() {
        [] => "no server".to_string(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A name from a password file, safe to print: quoted, control characters and the BOM
/// escaped, at most 40 characters.
pub(crate) fn quoted(name: &str) -> String {
    let mut out = String::from("\"");
    for (i, c) in name.chars().enumerate() {
        if i == 40 {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{feff}' => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `user "alice"` (htpasswd, htdigest) or `group "admins"` (htgroup), for a line's name
/// as meant.
pub(crate) fn who(line: &Line, text: &str, format: Format) -> String {
    let what = if format == Format::Htgroup {
        "group"
    } else {
        "user"
    };
    let name = line.user.slice(text);
    if name.is_empty() {
        format!("line {}", line.number)
    } else {
        format!("{what} {}", quoted(name))
    }
}

/// The text of a password file.
/// Call `f` for every entry of every htpasswd file, with the servers that read the file,
/// the file's text and the entry's classified hash.
pub(crate) fn for_each_htpasswd_entry(
    model: &Model,
    mut f: impl FnMut(
        &PasswordFile,
        &Readers,
        &str,
        &crate::htpasswd::file::Line,
        &crate::htpasswd::scheme::Classified,
    ),
) {
    for pf in model.password_files.values() {
        if pf.format != crate::htpasswd::file::Format::Htpasswd {
            continue;
        }
        let readers = Readers::of(model, pf);
        let text = text_of(model, pf);
        for (index, line) in pf.lines.iter().enumerate() {
            if line.kind != crate::htpasswd::file::LineKind::Entry {
                continue;
            }
            if let Some(c) = pf.hash_of(index) {
                f(pf, &readers, text, line, c);
            }
        }
    }
}

pub(crate) fn text_of<'m>(model: &'m Model, pf: &PasswordFile) -> &'m str {
    model
        .sources
        .get(pf.file)
        .map(|f| f.text.as_str())
        .unwrap_or("")
}

/// The help line that re-creates an htpasswd entry with bcrypt.
pub(crate) fn recreate_help(name: &str) -> String {
    let user = if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
    {
        "USER".to_string()
    } else {
        name.to_string()
    };
    format!("re-create the entry with bcrypt: `htpasswd -B FILE {user}`")
}

#[cfg(test)]
pub(crate) mod testing {
    //! Lint password files with Unix modes, in memory.
    use crate::diag::Diagnostic;
    use crate::discover::{classify_by_name, Found};
    use crate::model::ModelOptions;
    use crate::source::{FileKind, MemFs};
    use std::path::PathBuf;

    /// Lint `(path, text, mode)` files; directories get the given modes too.
    pub fn lint_with_modes(files: &[(&str, &str, u32)], dirs: &[(&str, u32)]) -> Vec<Diagnostic> {
        let mut fs = MemFs::default();
        let mut found = Vec::new();
        for (p, t, m) in files {
            fs.files.insert(PathBuf::from(p), t.as_bytes().to_vec());
            fs.modes.insert(PathBuf::from(p), *m);
            let kind = classify_by_name(&PathBuf::from(p))
                .map(|(k, _)| k)
                .unwrap_or(FileKind::Htpasswd);
            found.push(Found {
                path: PathBuf::from(p),
                kind,
                reason: "test".into(),
                text: t.to_string(),
            });
        }
        for (d, m) in dirs {
            fs.modes.insert(PathBuf::from(d), *m);
        }
        let opts = ModelOptions {
            linted_roots: vec![PathBuf::from("site")],
            ..ModelOptions::default()
        };
        crate::lint_found(found, Vec::new(), &opts, &fs).diagnostics
    }
}
