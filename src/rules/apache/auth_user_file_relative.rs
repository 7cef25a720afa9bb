//! AL120: a relative `AuthUserFile` / `AuthGroupFile`, and what it resolves to.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL120",
    name: "auth-user-file-relative",
    severity: Severity::Info,
    default_enabled: true,
    summary: "A relative AuthUserFile or AuthGroupFile path resolves against ServerRoot, not the config's directory",
    why: "Apache resolves a relative `AuthUserFile` (and `AuthGroupFile`) against ServerRoot \
          (`/etc/apache2` on Debian) — also in a `.htaccess`, where people expect the \
          `.htaccess` directory. authlint says what the path resolves to; when nothing is \
          there, AL111 reports the 500 that follows. An absolute path says what it means.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile users/private\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users/private\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_relative_auth_user_file_server_root",
        "scenario: apache_relative_auth_user_file_htaccess_dir",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for r in model
        .password_refs
        .iter()
        .filter(|r| r.server == Server::Apache && r.relative && !r.missing)
    {
        let d = out
            .diag(format!(
                "relative path: Apache reads `{}` (relative to ServerRoot, even in a .htaccess)",
                r.server_path.display()
            ))
            .at(r.span, "resolved against ServerRoot")
            .help("write the absolute path, so that it reads the same wherever it stands");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn says_what_a_relative_path_resolves_to() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /etc/apache2\n<Directory /w>\nAuthUserFile u\n</Directory>\n",
            )],
        );
        assert!(
            found[0].message.contains("/etc/apache2/u"),
            "{}",
            found[0].message
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /etc/apache2\n<Directory /w>\nAuthUserFile /u\n</Directory>\n",
            )],
        );
    }
}
