//! AL111: a password file named by the config that is not where the config says.
use crate::rules::prelude::*;
use crate::source::FileKind;

pub static RULE: Rule = Rule {
    code: "AL111",
    name: "auth-user-file-not-found",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The password file the config names does not exist, so nobody can log in",
    why: "Neither server checks at start-up that `AuthUserFile`, `AuthGroupFile` or \
          `auth_basic_user_file` names a file that exists; they open it when someone logs \
          in. Apache then asks for a password (401) and answers every login with 500 \
          (`AH01620: Could not open password file`); nginx asks (401) and answers every \
          login with 403 (`open() ... failed`). Valid users never get in. authlint reports \
          this only where it knows where the file would be: under the linted paths or \
          under a `--map`.",
    bad: &[&[Example {
        path: "/srv/conf/httpd.conf",
        text: "ServerRoot /srv/conf\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /srv/conf/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[
        Example {
            path: "/srv/conf/httpd.conf",
            text: "ServerRoot /srv/conf\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /srv/conf/users\n    Require valid-user\n</Directory>\n",
        },
        Example {
            path: "/srv/conf/users",
            text: "alice:$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.\n",
        },
    ]],
    evidence: &[
        "scenario: apache_auth_user_file_missing",
        "scenario: apache_relative_auth_user_file_htaccess_dir",
        "scenario: nginx_auth_basic_user_file_missing",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for r in model.password_refs.iter().filter(|r| r.missing) {
        let what = match r.kind {
            FileKind::Htgroup => "group file",
            FileKind::Htdigest => "digest file",
            _ => "password file",
        };
        let effect = match (r.server, r.kind) {
            (Server::Apache, FileKind::Htgroup) => {
                "every login to `Require group` gets 401 again (AH01665)"
            }
            (Server::Apache, _) => {
                "Apache asks for a password and answers every login with 500 (AH01620)"
            }
            (Server::Nginx, _) => "nginx asks for a password and answers every login with 403",
        };
        let (label, help) = match (r.relative, r.server) {
            (true, Server::Apache) => (
                format!("relative: Apache reads `{}` (ServerRoot), not a file beside this config", r.server_path.display()),
                "write the absolute path of the file; relative paths start at ServerRoot, even in .htaccess",
            ),
            (true, Server::Nginx) => (
                format!("relative: nginx reads `{}` (the configuration prefix)", r.server_path.display()),
                "write the absolute path of the file; relative paths start at the configuration prefix",
            ),
            (false, _) => (
                "no such file".to_string(),
                "create it (htpasswd -c FILE USER) outside the web root, or correct the path",
            ),
        };
        let d = out
            .diag(format!(
                "{what} `{}` does not exist: {effect}",
                r.server_path.display()
            ))
            .at(r.span, label)
            .help(help);
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn nginx_user_file_under_the_linted_tree_fires() {
        fires(
            &super::RULE,
            &[(
                "/srv/nginx.conf",
                "events {}\nhttp { server { location / { auth_basic \"x\"; auth_basic_user_file /srv/users; } } }\n",
            )],
        );
    }

    #[test]
    fn a_path_outside_what_we_see_is_not_claimed_missing() {
        silent(
            &super::RULE,
            &[(
                "/srv/conf/httpd.conf",
                "ServerRoot /srv/conf\n<Directory /w>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\n</Directory>\n",
            )],
        );
    }
}
