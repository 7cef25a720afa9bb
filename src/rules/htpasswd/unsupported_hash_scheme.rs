//! AL303: a hash scheme the server that reads the file cannot verify.
use super::{recreate_help, who};
use crate::htpasswd::scheme::{server_refuses, Scheme};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL303",
    name: "unsupported-hash-scheme",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The server that reads the file cannot verify this hash scheme",
    why: "Apache verifies bcrypt (`$2y$`, `$2a$`, cost 4 to 17), `$apr1$` and `{SHA}` itself and \
          hands everything else to the system's crypt(3); nginx verifies `$apr1$`, `{SHA}`, \
          `{SSHA}` and `{PLAIN}` itself and hands the rest to crypt(3). A plaintext password \
          works on neither on Linux (crypt(3) takes it for a DES salt), `{SSHA}` and `{PLAIN}` \
          work on nginx only, argon2 on neither, and what crypt(3) knows depends on the \
          platform (`--crypt-lib`: libxcrypt on Debian 11+, glibc's own on Debian 10 and \
          CentOS 7, musl on Alpine). The user gets 401 with the right password (nginx with \
          glibc answers 500).",
    bad: &[
        &[Example {
            path: "site/.htpasswd",
            text: "alice:secret\n",
        }],
        &[
            Example {
                path: "httpd.conf",
                text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /srv/auth/users\n    Require valid-user\n</Directory>\n",
            },
            Example {
                path: "/srv/auth/users",
                text: "alice:{SSHA}Wcm1xEisNjqp921ALcHfuQ7avFdzYWx0MTIzNA==\n",
            },
        ],
    ],
    good: &[
        &[Example {
            path: "site/.htpasswd",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        }],
        &[
            Example {
                path: "nginx.conf",
                text: "events {}\nhttp {\n    server {\n        location / {\n            auth_basic \"Private\";\n            auth_basic_user_file /srv/auth/users;\n        }\n    }\n}\n",
            },
            Example {
                path: "/srv/auth/users",
                text: "alice:{SSHA}Wcm1xEisNjqp921ALcHfuQ7avFdzYWx0MTIzNA==\n",
            },
        ],
    ],
    evidence: &[
        "scenario: pw_apache_plaintext",
        "scenario: pw_nginx_plaintext",
        "scenario: pw_apache_schemes",
        "scenario: pw_nginx_schemes",
        "scenario: pw_apache_ssha_plain",
        "scenario: pw_nginx_ssha_plain",
        "scenario: pw_apache_bcrypt_cost_cap",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let lib = model.crypt_lib;
    super::for_each_htpasswd_entry(model, |pf, readers, text, line, c| {
        // Malformed and empty hashes are reported as such (AL302, AL301).
        if !c.problems.is_empty() || c.scheme == Scheme::Empty {
            return;
        }
        let servers = readers.affected(|s| server_refuses(s, lib, c).is_some());
        if servers.is_empty() {
            return;
        }
        let reasons: Vec<String> = servers
            .iter()
            .filter_map(|s| server_refuses(*s, lib, c))
            .collect();
        let message = format!("{}: {}", who(line, text, pf.format), reasons.join("; "));
        let help = if looks_like_htdigest(line, text) {
            "this is an htdigest line (`user:realm:digest`): use the file with `AuthType \
             Digest`, or with `AuthBasicUseDigestAlgorithm MD5` for Basic (Apache only)"
                .to_string()
        } else {
            recreate_help(line.user.slice(text))
        };
        let d = out
            .diag(message)
            .at(line.hash.span(pf.file), format!("{} hash", c.scheme))
            .help(help);
        out.emit(readers.label(d, &servers));
    });
}

/// `user:realm:32-hex`: an htdigest entry read as htpasswd.
fn looks_like_htdigest(line: &crate::htpasswd::file::Line, text: &str) -> bool {
    let rest = text
        .get(line.hash.end as usize..line.range.end as usize)
        .unwrap_or("");
    rest.strip_prefix(':').is_some_and(|d| {
        let d = d.trim_end();
        d.len() == 32 && d.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const SSHA: &str = "alice:{SSHA}Wcm1xEisNjqp921ALcHfuQ7avFdzYWx0MTIzNA==\n";

    fn with(config: (&'static str, &'static str), users: &str) -> Vec<(&'static str, String)> {
        vec![
            (config.0, config.1.to_string()),
            ("/srv/auth/users", users.to_string()),
        ]
    }
    const APACHE: (&str, &str) = ("httpd.conf", "ServerRoot /x\n<Location />\nAuthType Basic\nAuthName x\nAuthUserFile /srv/auth/users\n</Location>\n");
    const NGINX: (&str, &str) = (
        "nginx.conf",
        "events {}\nhttp { server { auth_basic x; auth_basic_user_file /srv/auth/users; } }\n",
    );

    fn refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
        v.iter().map(|(p, t)| (*p, t.as_str())).collect()
    }

    #[test]
    fn ssha_and_plain_depend_on_the_server() {
        for users in [SSHA, "alice:{PLAIN}secret\n"] {
            let d = fires(&super::RULE, &refs(&with(APACHE, users)));
            assert!(
                d[0].message.contains("Apache cannot verify"),
                "{}",
                d[0].message
            );
            assert!(d[0]
                .labels
                .iter()
                .any(|l| l.text == "Apache reads the file named here"));
            silent(&super::RULE, &refs(&with(NGINX, users)));
            // Unknown reader: nginx would verify it, so no guess.
            silent(&super::RULE, &[("site/.htpasswd", users)]);
        }
    }

    #[test]
    fn plaintext_fails_everywhere() {
        let d = fires(&super::RULE, &[("site/.htpasswd", "alice:secret\n")]);
        assert!(
            d[0].message.contains("Apache cannot verify")
                && d[0].message.contains("nginx cannot verify"),
            "{}",
            d[0].message
        );
        assert!(!d[0].message.contains("secret"), "{}", d[0].message);
    }

    #[test]
    fn apr_caps_native_bcrypt_at_cost_17() {
        let h = "alice:$2y$18$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n";
        fires(&super::RULE, &refs(&with(APACHE, h)));
        silent(&super::RULE, &refs(&with(NGINX, h)));
    }

    #[test]
    fn an_htdigest_line_in_an_htpasswd_file_says_so() {
        let d = fires(
            &super::RULE,
            &[(
                "site/.htpasswd",
                "alice:Members:151239daa5f1408602543b81b1f68fb7\n",
            )],
        );
        assert!(
            d[0].help.as_deref().unwrap_or("").contains("htdigest line"),
            "{:?}",
            d[0].help
        );
    }

    #[test]
    fn common_schemes_pass_on_libxcrypt() {
        let t = "a:$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/\nb:p2U66clGIuUvw\nc:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\nd:$1$ar05k.EY$KXrRH8fH7wq8GqcgQ.4Tz0\n";
        silent(&super::RULE, &refs(&with(APACHE, t)));
        silent(&super::RULE, &refs(&with(NGINX, t)));
    }
}
