//! AL301: a password-file line the server misreads, so the user it names is refused.
use super::{who, Readers};
use crate::htpasswd::file::{Facts, LineKind, Problem, Range};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL301",
    name: "misread-password-line",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A password-file line the server misreads, so its user is refused",
    why: "Apache and nginx read password files byte for byte, and each has its own quirks. \
          Neither strips a UTF-8 byte order mark, so the first user's name starts with it; \
          blanks around the colon become part of the name or the hash; nginx keeps blanks \
          before the name and after the hash, which Apache trims; nginx reads `user::hash` as \
          an empty hash; Apache joins a line ending in a backslash with the next one and stops \
          reading at a line longer than 8190 bytes; nginx skips the line after a colon-less \
          line that is a prefix of the user's name. Each of these refuses a valid user with \
          401 while the file looks right. CRLF line endings are fine on both servers.",
    bad: &[
        &[Example {
            path: "site/.htpasswd",
            text: "\u{feff}alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        }],
        &[Example {
            path: "site/.htpasswd",
            text: "alice : $2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        }],
        &[
            Example {
                path: "nginx.conf",
                text: "events {}\nhttp {\n    server {\n        location / {\n            auth_basic \"Private\";\n            auth_basic_user_file /srv/auth/users;\n        }\n    }\n}\n",
            },
            Example {
                path: "/srv/auth/users",
                text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG  \n",
            },
        ],
    ],
    good: &[
        &[Example {
            path: "site/.htpasswd",
            text: "# staff\r\nalice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\r\n",
        }],
        &[
            Example {
                path: "httpd.conf",
                text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /srv/auth/users\n    Require valid-user\n</Directory>\n",
            },
            Example {
                path: "/srv/auth/users",
                text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG  \n",
            },
        ],
    ],
    evidence: &[
        "scenario: pw_apache_bom",
        "scenario: pw_nginx_bom",
        "scenario: pw_apache_space_around_colon",
        "scenario: pw_nginx_space_around_colon",
        "scenario: pw_nginx_trailing_space",
        "scenario: pw_apache_trailing_space",
        "scenario: pw_apache_crlf",
        "scenario: pw_nginx_crlf",
        "scenario: pw_apache_line_quirks",
        "scenario: pw_nginx_line_quirks",
    ],
    check: Check::Model(check),
};

/// The servers a set of problems on one line affects, and the problems.
type Group = (Vec<Server>, Vec<(Problem, Range)>);

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        let readers = Readers::of(model, pf);
        let text = super::text_of(model, pf);
        let format = pf.format;
        for (index, line) in pf.lines.iter().enumerate() {
            if line.facts.is_empty() {
                continue;
            }
            let problems = line.problems(text, format);
            if problems.is_empty() {
                continue;
            }
            // One finding per line and set of affected servers.
            let mut groups: Vec<Group> = Vec::new();
            for (p, r) in problems {
                let servers = readers.affected(|s| p.affects(format, s));
                if servers.is_empty() {
                    continue;
                }
                match groups.iter_mut().find(|(s, _)| *s == servers) {
                    Some((_, list)) => list.push((p, r)),
                    None => groups.push((servers, vec![(p, r)])),
                }
            }
            for (servers, list) in groups {
                let Some(&(first, first_range)) = list.first() else {
                    continue;
                };
                let on = readers.phrase(&servers);
                let causes: Vec<&str> = list.iter().map(|(p, _)| p.cause(format)).collect();
                let message = match first {
                    Problem::TooLong => {
                        let after = pf.lines[index + 1..]
                            .iter()
                            .filter(|l| matches!(l.kind, LineKind::Entry))
                            .count();
                        format!(
                            "line {} is longer than Apache's line buffer (8190 bytes): Apache \
                             stops reading the file here, so {} never found",
                            line.number,
                            match after {
                                0 => "the entries on this line are".to_string(),
                                1 => "this line and the 1 entry after it are".to_string(),
                                n => format!("this line and the {n} entries after it are"),
                            }
                        )
                    }
                    Problem::Continued => {
                        let next = pf
                            .lines
                            .get(index + 1)
                            .filter(|l| l.kind == LineKind::Entry)
                            .map(|l| {
                                format!(
                                    "{} on line {} is never found",
                                    who(l, text, format),
                                    l.number
                                )
                            });
                        let (this, refused) = if line.kind == LineKind::Entry {
                            (
                                who(line, text, format),
                                Some(format!("{on} refuses this user")),
                            )
                        } else {
                            (format!("line {}", line.number), None)
                        };
                        let consequences: Vec<String> = refused.into_iter().chain(next).collect();
                        format!(
                            "{this}: the backslash at the end makes {on} join the next line onto this one{}",
                            if consequences.is_empty() {
                                String::new()
                            } else {
                                format!("; {}", consequences.join(", and "))
                            }
                        )
                    }
                    _ => {
                        let refused = if format == crate::htpasswd::file::Format::Htgroup {
                            format!("{on} grants this group to nobody on this line")
                        } else if line.facts.contains(Facts::MID_CR) && first == Problem::MidCr {
                            format!("{on} never finds the entries after it")
                        } else {
                            format!("{on} refuses this user")
                        };
                        format!(
                            "{}: {}; {refused}",
                            who(line, text, format),
                            causes.join("; ")
                        )
                    }
                };
                let mut d = out
                    .diag(message)
                    .at(first_range.span(pf.file), first.label())
                    .help(first.help(format));
                for (p, r) in list.iter().skip(1) {
                    d = d.label(r.span(pf.file), p.label());
                }
                d = readers.label(d, &servers);
                out.emit(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const H: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";

    fn nginx(users: &str) -> Vec<(&'static str, String)> {
        vec![
            ("nginx.conf", "events {}\nhttp { server { location / { auth_basic x; auth_basic_user_file /srv/auth/users; } } }\n".to_string()),
            ("/srv/auth/users", users.to_string()),
        ]
    }

    fn apache(users: &str) -> Vec<(&'static str, String)> {
        vec![
            ("httpd.conf", "ServerRoot /etc/apache2\n<Location />\nAuthType Basic\nAuthName x\nAuthUserFile /srv/auth/users\nRequire valid-user\n</Location>\n".to_string()),
            ("/srv/auth/users", users.to_string()),
        ]
    }

    fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(p, t)| (*p, t.as_str())).collect()
    }

    #[test]
    fn bom_fires_on_both_servers_and_for_an_unreferenced_file() {
        let t = format!("\u{feff}alice:{H}\nbob:{H}\n");
        for files in [apache(&t), nginx(&t)] {
            let d = fires(&super::RULE, &refs(&files));
            assert_eq!(d.len(), 1);
            assert!(d[0].message.contains("user \"alice\""), "{}", d[0].message);
            assert!(
                d[0].labels
                    .iter()
                    .any(|l| l.text.contains("reads the file")),
                "{:?}",
                d[0].labels
            );
        }
        fires(&super::RULE, &[("site/.htpasswd", &t)]);
    }

    #[test]
    fn trailing_blanks_fire_for_nginx_only() {
        let t = format!("alice:{H}  \n");
        let d = fires(&super::RULE, &refs(&nginx(&t)));
        assert!(d[0].message.contains("nginx refuses"), "{}", d[0].message);
        silent(&super::RULE, &refs(&apache(&t)));
        // Unknown reader: Apache would cope, so no guess.
        silent(&super::RULE, &[("site/.htpasswd", &t)]);
    }

    #[test]
    fn crlf_comments_and_a_third_field_are_fine() {
        let t = format!("# staff\r\n\r\nalice:{H}:Alice Smith\r\n");
        silent(&super::RULE, &refs(&nginx(&t)));
        silent(&super::RULE, &refs(&apache(&t)));
    }

    #[test]
    fn leading_blanks_and_double_colons_matter_to_nginx() {
        for t in [format!("  alice:{H}\n"), format!("alice::{H}\n")] {
            fires(&super::RULE, &refs(&nginx(&t)));
            silent(&super::RULE, &refs(&apache(&t)));
        }
    }

    #[test]
    fn continuation_and_long_lines_matter_to_apache() {
        let t = format!("# note \\\nalice:{H}\n");
        let d = fires(&super::RULE, &refs(&apache(&t)));
        assert!(d[0].message.contains("backslash"), "{}", d[0].message);
        silent(&super::RULE, &refs(&nginx(&t)));
        let t = format!("{}\nalice:{H}\n", "x".repeat(9000));
        let d = fires(&super::RULE, &refs(&apache(&t)));
        assert!(
            d[0].message.contains("1 entry after it"),
            "{}",
            d[0].message
        );
        silent(&super::RULE, &refs(&nginx(&t)));
    }

    #[test]
    fn missing_colon_empty_hash_and_inline_comment() {
        for t in [
            "alice\n".to_string(),
            "alice:\n".to_string(),
            format!("alice:{H} # admin\n"),
        ] {
            fires(&super::RULE, &[("site/.htpasswd", &t)]);
        }
    }

    #[test]
    fn group_line_without_colon() {
        let d = fires(&super::RULE, &[("site/.htgroup", "admins alice bob\n")]);
        assert!(
            d[0].message.contains("group \"admins alice bob\""),
            "{}",
            d[0].message
        );
        silent(&super::RULE, &[("site/.htgroup", "admins : alice bob\n")]);
    }

    #[test]
    fn message_never_shows_the_hash() {
        let t = format!("alice : {H}\n");
        let d = fires(&super::RULE, &[("site/.htpasswd", &t)]);
        let shown = format!("{:?}", d);
        assert!(!shown.contains("wRFc2e6e"), "{shown}");
    }
}
