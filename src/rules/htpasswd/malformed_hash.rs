//! AL302: a hash (or htdigest digest) whose structure no password can ever match.
use super::{recreate_help, who};
use crate::htpasswd::file::{Facts, Format, LineKind, Range};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL302",
    name: "malformed-hash",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A hash is malformed, so no password ever matches it",
    why: "The servers verify a password by recomputing the hash from the stored salt and \
          parameters and comparing the result with the stored text, byte for byte. A hash cut \
          short by copy and paste, a character outside the scheme's alphabet, a salt that is too \
          long, a bcrypt cost or SHA-crypt rounds out of range, or a last character that the \
          encoder can never produce: the recomputed text never equals the stored one, and the \
          user gets 401 with the right password. An htdigest digest must be 32 lowercase hex \
          digits (MD5 of `user:realm:password`).",
    bad: &[
        &[Example {
            path: "site/.htpasswd",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBh\n",
        }],
        &[Example {
            path: "site/.htdigest",
            text: "alice:Members:151239DAA5F1408602543B81B1F68FB7\n",
        }],
    ],
    good: &[
        &[Example {
            path: "site/.htpasswd",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        }],
        &[Example {
            path: "site/.htdigest",
            text: "alice:Members:151239daa5f1408602543b81b1f68fb7\n",
        }],
    ],
    evidence: &[
        "scenario: pw_apache_malformed_hash",
        "scenario: pw_nginx_malformed_hash",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        let text = super::text_of(model, pf);
        for (index, line) in pf.lines.iter().enumerate() {
            if line.kind != LineKind::Entry
                || line.facts.contains(Facts::EMPTY_HASH)
                || line.facts.contains(Facts::MISSING_FIELD)
            {
                continue;
            }
            match pf.format {
                Format::Htpasswd => {
                    let Some(c) = pf.hash_of(index) else { continue };
                    for p in &c.problems {
                        let start = line.hash.start as usize + p.range.start;
                        let end =
                            (line.hash.start as usize + p.range.end).min(line.hash.end as usize);
                        let d = out
                            .diag(format!(
                                "{}: malformed {} hash: {}",
                                who(line, text, pf.format),
                                c.scheme,
                                p.message
                            ))
                            .at(
                                crate::source::Span::new(pf.file, start, end.max(start)),
                                "malformed here",
                            )
                            .help(recreate_help(line.user.slice(text)));
                        out.emit(d);
                    }
                }
                Format::Htdigest => {
                    let digest = line.hash.slice(text);
                    let Some((range, why)) = digest_problem(digest) else {
                        continue;
                    };
                    let at = Range {
                        start: line.hash.start + range.0 as u32,
                        end: line.hash.start + range.1 as u32,
                    };
                    let d = out
                        .diag(format!("{}: {why}", who(line, text, pf.format)))
                        .at(at.span(pf.file), "malformed digest")
                        .help("re-create the entry: `htdigest FILE REALM USER`");
                    out.emit(d);
                }
                Format::Htgroup => {}
            }
        }
    }
}

/// What is wrong with an htdigest digest: the byte range and why.
fn digest_problem(digest: &str) -> Option<((usize, usize), &'static str)> {
    let b = digest.as_bytes();
    if let Some(i) = b.iter().position(|c| !c.is_ascii_hexdigit()) {
        let end = i + digest[i..].chars().next().map_or(1, char::len_utf8);
        return Some((
            (i, end),
            "the digest holds a character that is not a hex digit; it never matches",
        ));
    }
    if let Some(i) = b.iter().position(|c| c.is_ascii_uppercase()) {
        return Some((
            (i, b.len()),
            "the digest has uppercase hex digits, and mod_auth_digest compares the lowercase form; it never matches",
        ));
    }
    if b.len() != 32 {
        return Some((
            (0, b.len()),
            "the digest must be 32 hex digits (the MD5 of `user:realm:password`); it never matches",
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn truncated_bcrypt_points_at_the_hash() {
        let t = "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBh\n";
        let d = fires(&super::RULE, &[("site/.htpasswd", t)]);
        let span = d[0].span().unwrap_or_default();
        assert!(span.start >= 6 && (span.end as usize) < t.len(), "{span:?}");
        assert!(
            d[0].message
                .contains("user \"alice\": malformed bcrypt hash"),
            "{}",
            d[0].message
        );
        assert!(!d[0].message.contains("wRFc"), "{}", d[0].message);
    }

    #[test]
    fn well_formed_schemes_and_plaintext_are_not_malformed() {
        silent(
            &super::RULE,
            &[(
                "site/.htpasswd",
                "a:$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/\nb:p2U66clGIuUvw\nc:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\nd:secret\ne:\n",
            )],
        );
    }

    #[test]
    fn digest_checks() {
        for bad in [
            "151239daa5f1408602543b81b1f68fb",
            "151239daa5f1408602543b81b1f68fbz",
            "151239DAA5F1408602543B81B1F68FB7",
        ] {
            fires(
                &super::RULE,
                &[("site/.htdigest", &format!("alice:Members:{bad}\n"))],
            );
        }
        silent(
            &super::RULE,
            &[(
                "site/.htdigest",
                "alice:Members:151239daa5f1408602543b81b1f68fb7\nbob:Members:\n",
            )],
        );
    }
}
