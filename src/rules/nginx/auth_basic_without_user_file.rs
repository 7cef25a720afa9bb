//! AL201: `auth_basic` is on but no `auth_basic_user_file` is in effect.
use crate::model::nginx::Lookup;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL201",
    name: "auth-basic-without-user-file",
    severity: Severity::Error,
    default_enabled: true,
    summary: "auth_basic without auth_basic_user_file protects nothing",
    why: "nginx only checks passwords when both `auth_basic` and `auth_basic_user_file` apply to \
          a location. With the realm alone, nginx starts without a word and serves the \
          \"protected\" location to anyone (200, no login prompt).",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        location /admin/ {\n            auth_basic \"Admin\";\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &["scenario: nginx_auth_basic_without_user_file"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    for (id, _) in nginx.contexts.iter().enumerate() {
        for stmt in nginx.directives_in(id, "auth_basic") {
            let Some(realm) = stmt.args.first() else {
                continue;
            };
            if realm.text == "off" {
                continue;
            }
            if nginx.lookup(id, "auth_basic_user_file") != Lookup::NotSet {
                continue;
            }
            let d = out
                .diag("`auth_basic` is on but no `auth_basic_user_file` applies here, so anyone gets in")
                .at(stmt.name.span.to(realm.span), "realm without a password file")
                .help("add `auth_basic_user_file /etc/nginx/.htpasswd;` in the same context (create it with `htpasswd -B`)");
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn user_file_inherited_from_server_counts() {
        silent(
            &super::RULE,
            &[("nginx.conf", "events {}\nhttp { auth_basic_user_file u; server { location / { auth_basic x; } } }\n")],
        );
    }

    #[test]
    fn off_is_fine_and_snippets_stay_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { location / { auth_basic off; } } }\n",
            )],
        );
        // A location-level snippet: its includer could set the file.
        silent(
            &super::RULE,
            &[("snippets/auth.conf", "location / { auth_basic x; }\n")],
        );
    }

    #[test]
    fn a_server_block_alone_sits_in_the_assumed_stock_http() {
        // Debian's nginx.conf sets no auth_basic_user_file in http {}.
        fires(
            &super::RULE,
            &[(
                "sites-enabled/site",
                "server { location / { auth_basic x; } }\n",
            )],
        );
    }

    #[test]
    fn http_level_realm_without_file_fires() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { auth_basic x; server { listen 80; } }\n",
            )],
        );
    }
}
