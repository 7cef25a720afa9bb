//! AL307: an htdigest entry whose realm is not the `AuthName` of the section using the file.
use super::{quoted, who};
use crate::htpasswd::file::{Facts, Format, LineKind};
use crate::model::apache::Lookup;
use crate::rules::prelude::*;
use crate::source::{FileKind, Span};

pub static RULE: Rule = Rule {
    code: "AL307",
    name: "digest-realm-mismatch",
    severity: Severity::Error,
    default_enabled: true,
    summary: "An htdigest entry's realm differs from the AuthName that uses the file",
    why: "With `AuthType Digest`, the realm is part of the stored digest (the MD5 of \
          `user:realm:password`), and mod_auth_digest looks up the user together with the \
          realm, which is the `AuthName` of the section, byte for byte: case and blanks count. \
          An entry made for another realm is never found (`AH01790: user alice in realm Staff \
          not found`), and the user gets 401 with the right password.",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Digest\n    AuthName \"Staff\"\n    AuthUserFile /srv/auth/digest\n    Require valid-user\n</Directory>\n",
        },
        Example {
            path: "/srv/auth/digest",
            text: "alice:Members:151239daa5f1408602543b81b1f68fb7\n",
        },
    ]],
    good: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Digest\n    AuthName \"Members\"\n    AuthUserFile /srv/auth/digest\n    Require valid-user\n</Directory>\n",
        },
        Example {
            path: "/srv/auth/digest",
            text: "alice:Members:151239daa5f1408602543b81b1f68fb7\n",
        },
    ]],
    evidence: &[
        "scenario: apache_digest_realm_mismatch",
        "scenario: apache_digest_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        if pf.format != Format::Htdigest {
            continue;
        }
        // The realms of the Digest sections that use this file.
        let mut realms: Vec<(&str, Span)> = Vec::new();
        let mut unknown = false;
        for r in model.refs_to(pf.file) {
            if r.server != Server::Apache || r.kind != FileKind::Htdigest {
                continue;
            }
            match model.apache.effective(r.scope, "authname") {
                Lookup::Found(d) => {
                    if let Some(a) = d.args.first() {
                        realms.push((a.text.as_str(), a.span));
                    }
                }
                _ => unknown = true,
            }
        }
        if realms.is_empty() || unknown {
            continue;
        }
        let text = super::text_of(model, pf);
        for line in &pf.lines {
            if line.kind != LineKind::Entry
                || line.facts.contains(Facts::MISSING_FIELD)
                || line.facts.contains(Facts::EMPTY_FIELD)
            {
                continue;
            }
            let realm = line.realm.slice(text);
            if realms.iter().any(|(r, _)| *r == realm) {
                continue;
            }
            let (auth_name, _) = realms[0];
            let near = realms
                .iter()
                .any(|(r, _)| r.trim().eq_ignore_ascii_case(realm.trim()));
            let mut d = out
                .diag(format!(
                    "{} is in realm {}, but `AuthName` is {}: Apache never finds this entry",
                    who(line, text, pf.format),
                    quoted(realm),
                    quoted(auth_name)
                ))
                .at(line.realm.span(pf.file), "realm of this entry")
                .help(if near {
                    "the realm is compared byte for byte: match AuthName's case and blanks exactly"
                } else {
                    "re-create the entry for the AuthName realm: `htdigest FILE \"REALM\" USER`, or change AuthName"
                });
            for (_, span) in &realms {
                d = d.label(*span, "AuthName sets the realm here");
            }
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const D: &str = "151239daa5f1408602543b81b1f68fb7";

    fn conf(auth_name: &str) -> String {
        format!("ServerRoot /x\n<Location />\nAuthType Digest\nAuthName {auth_name}\nAuthUserFile /srv/auth/digest\n</Location>\n")
    }

    #[test]
    fn realm_must_match_exactly() {
        let users = format!("alice:Members:{D}\n");
        let c = conf("Staff");
        let d = fires(
            &super::RULE,
            &[("httpd.conf", &c), ("/srv/auth/digest", &users)],
        );
        assert!(d[0]
            .labels
            .iter()
            .any(|l| l.text == "AuthName sets the realm here"));
        let c = conf("members");
        let d = fires(
            &super::RULE,
            &[("httpd.conf", &c), ("/srv/auth/digest", &users)],
        );
        assert!(d[0].help.as_deref().unwrap_or("").contains("byte for byte"));
        let c = conf("\"Members\"");
        silent(
            &super::RULE,
            &[("httpd.conf", &c), ("/srv/auth/digest", &users)],
        );
    }

    #[test]
    fn basic_auth_files_and_unreferenced_digest_files_are_not_checked() {
        let users = format!("alice:Members:{D}\n");
        silent(&super::RULE, &[("site/.htdigest", &users)]);
        let c = "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName Staff\nAuthUserFile /srv/auth/digest\n</Location>\n";
        silent(
            &super::RULE,
            &[("httpd.conf", c), ("/srv/auth/digest", &users)],
        );
    }

    #[test]
    fn a_file_named_htpasswd_used_for_digest_is_read_as_htdigest() {
        let c = "ServerRoot /x\n<Location />\nAuthType Digest\nAuthName Staff\nAuthUserFile /srv/auth/.htpasswd\n</Location>\n";
        let users = format!("alice:Members:{D}\n");
        let d = fires(
            &super::RULE,
            &[("httpd.conf", c), ("/srv/auth/.htpasswd", &users)],
        );
        assert_eq!(d.len(), 1);
        let users = format!("alice:Staff:{D}\n");
        silent(
            &super::RULE,
            &[("httpd.conf", c), ("/srv/auth/.htpasswd", &users)],
        );
    }

    #[test]
    fn auth_name_inherited_from_an_outer_section() {
        let c = "ServerRoot /x\n<Location />\nAuthName Staff\n<Limit GET>\nAuthType Digest\nAuthUserFile /srv/auth/digest\n</Limit>\n</Location>\n";
        fires(
            &super::RULE,
            &[
                ("httpd.conf", c),
                ("/srv/auth/digest", &format!("alice:Members:{D}\n")),
            ],
        );
    }
}
