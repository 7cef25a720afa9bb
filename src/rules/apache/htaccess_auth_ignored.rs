//! AL108: auth in a `.htaccess` that the server config never lets Apache read.
use super::{auth_directives_of, override_for, Override};
use crate::model::apache::HtaccessContext;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL108",
    name: "htaccess-auth-ignored",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The .htaccess asks for a password, but AllowOverride makes Apache ignore the file or skip its auth",
    why: "Apache reads a `.htaccess` only where the `<Directory>` covering it allows \
          overrides. With `AllowOverride None` — also what applies when none is written, the \
          default since 2.3.9 — the file is never opened: the password it asks for is never \
          asked, and anyone gets the content (200), without a word in the log. With \
          `AllowOverride Nonfatal=Override` (or `Nonfatal=All`) but no `AuthConfig`, the auth \
          lines are skipped with a log warning (AH02295) and the area is open just the same.",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride None\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/www/private/.htaccess",
            text: "AuthType Basic\nAuthName \"Private\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\n",
        },
    ]],
    good: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride AuthConfig\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/www/private/.htaccess",
            text: "AuthType Basic\nAuthName \"Private\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\n",
        },
    ]],
    evidence: &[
        "scenario: apache_htaccess_allow_override_none",
        "scenario: apache_htaccess_allow_override_omitted",
        "scenario: apache_htaccess_allow_override_nonfatal",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for h in &apache.htaccess {
        let HtaccessContext::Known {
            directory,
            allow_override,
        } = &h.context
        else {
            continue;
        };
        let auth = auth_directives_of(apache, h.scope);
        // Only a file that asks for a login: a `.htaccess` with nothing but
        // `Require all granted` loses nothing by being ignored.
        let Some(first) = auth
            .iter()
            .find(|d| d.key == "authtype" || (d.key == "require" && super::require_needs_user(d)))
        else {
            continue;
        };
        let verdict = override_for(apache, h, first);
        let (message, help) = match verdict {
            Some(Override::Ignored) => (
                "Apache never reads this .htaccess (AllowOverride None), so its password is never asked: anyone gets in",
                "allow it with `AllowOverride AuthConfig` in the <Directory> that covers this directory, or better, move these lines into that <Directory>",
            ),
            Some(Override::Skipped) => (
                "AllowOverride Nonfatal without AuthConfig: Apache skips these auth lines with a log warning, so anyone gets in",
                "add AuthConfig to the AllowOverride of the <Directory> that covers this directory",
            ),
            _ => continue,
        };
        let mut d = out
            .diag(message)
            .at(first.name_span, "this is never applied")
            .help(help);
        match (allow_override, directory) {
            (Some(ao), _) => d = d.label(ao.span, "decided here"),
            (None, Some(dir)) => {
                if let Some(head) = apache.scope(*dir).and_then(|s| s.head.as_ref()) {
                    d = d.label(
                        head.open_span,
                        "no AllowOverride for this directory: the default None applies",
                    );
                }
            }
            (None, None) => {}
        }
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "AuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n";

    fn conf(allow: &str) -> String {
        format!("ServerRoot /x\n<Directory /srv/www>\n{allow}Require all granted\n</Directory>\n")
    }

    #[test]
    fn omitted_allow_override_is_none() {
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("")), ("/srv/www/p/.htaccess", AUTH)],
        );
    }

    #[test]
    fn nonfatal_without_auth_config_skips_auth() {
        let found = fires(
            &super::RULE,
            &[
                (
                    "httpd.conf",
                    &conf("AllowOverride FileInfo Nonfatal=Override\n"),
                ),
                ("/srv/www/p/.htaccess", AUTH),
            ],
        );
        assert!(found[0].message.contains("Nonfatal"));
    }

    #[test]
    fn auth_config_and_all_are_honoured() {
        for allow in ["AllowOverride AuthConfig\n", "AllowOverride All\n"] {
            silent(
                &super::RULE,
                &[("httpd.conf", &conf(allow)), ("/srv/www/p/.htaccess", AUTH)],
            );
        }
    }

    #[test]
    fn forbidding_is_another_rule_and_unknown_context_is_silent() {
        silent(
            &super::RULE,
            &[
                ("httpd.conf", &conf("AllowOverride FileInfo\n")),
                ("/srv/www/p/.htaccess", AUTH),
            ],
        );
        silent(&super::RULE, &[("site/.htaccess", AUTH)]);
    }

    #[test]
    fn a_file_without_login_is_not_reported() {
        silent(
            &super::RULE,
            &[
                ("httpd.conf", &conf("")),
                ("/srv/www/p/.htaccess", "Require all granted\n"),
            ],
        );
    }
}
