//! AL211: a relative `auth_basic_user_file`, and what it resolves to.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL211",
    name: "user-file-relative",
    severity: Severity::Info,
    default_enabled: true,
    summary: "A relative auth_basic_user_file resolves against the configuration prefix, not the including file's directory",
    why: "nginx makes a relative `auth_basic_user_file` absolute against the configuration \
          prefix — the directory of the main nginx.conf (`/etc/nginx` on Debian), or `-p` — \
          never against the directory of the file that holds the directive (say \
          `sites-enabled/`). authlint says what it resolves to; pass `--nginx-prefix` when the \
          main config is not in the input. An absolute path says what it means.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file htpasswd/admin;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/htpasswd/admin;\n        }\n    }\n}\n",
    }]],
    evidence: &["scenario: nginx_auth_basic_user_file_relative"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for r in model
        .password_refs
        .iter()
        .filter(|r| r.server == Server::Nginx && r.relative && !r.missing)
    {
        let d = out
            .diag(format!(
                "relative path: nginx reads `{}` (relative to the configuration prefix)",
                r.server_path.display()
            ))
            .at(r.span, "resolved against the configuration prefix")
            .help(
                "write the absolute path, so that it reads the same wherever the file is included",
            );
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn relative_fires_absolute_does_not() {
        let conf = |p: &str| {
            format!("events {{}}\nhttp {{ server {{ location / {{ auth_basic x; auth_basic_user_file {p}; }} }} }}\n")
        };
        fires(&super::RULE, &[("/etc/nginx/nginx.conf", &conf("users"))]);
        silent(
            &super::RULE,
            &[("/etc/nginx/nginx.conf", &conf("/etc/nginx/users"))],
        );
        // A variable makes the path unknown, not relative.
        silent(
            &super::RULE,
            &[("/etc/nginx/nginx.conf", &conf("$document_root/users"))],
        );
    }
}
