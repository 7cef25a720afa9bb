//! AL212: an `auth_basic_user_file` under a server's `root` that nginx serves to anyone.
use crate::model::nginx::{CtxId, Lookup};
use crate::model::nginx_match::{BasicAuth, LocationMatcher, Selected};
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use crate::source::Span;
use std::path::Path;

pub static RULE: Rule = Rule {
    code: "AL212",
    name: "user-file-served",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The password file lies under the server's root and no location denies it: anyone can download the hashes",
    why: "nginx serves every file under `root` that the selected location does not deny, \
          dot-files included: unlike Apache's stock `.ht*` denial, nginx has none by default \
          (Debian's default site only carries it commented out). A password file kept next \
          to the content — `auth_basic_user_file $document_root/.htpasswd` is a common \
          recipe — is handed to anyone who asks for it, and its hashes can be cracked \
          offline. Keep it outside every root, or deny it (`location ~ /\\.ht { deny all; }`).",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        root /srv/www;\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /srv/www/.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        root /srv/www;\n        location ~ /\\.ht {\n            deny all;\n        }\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /srv/www/.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_user_file_under_root",
        "scenario: nginx_user_file_under_root_denied",
    ],
    check: Check::Model(check),
};

/// Does the context that serves the URI refuse it outright (or hand it elsewhere)?
fn refuses(m: &mut LocationMatcher<'_>, ctx: CtxId) -> bool {
    let nginx = m.model();
    let here = |name: &str| !nginx.directives_in(ctx, name).is_empty();
    if here("return") || here("rewrite") || here("internal") || here("alias") {
        return true;
    }
    for handler in [
        "proxy_pass",
        "fastcgi_pass",
        "uwsgi_pass",
        "scgi_pass",
        "grpc_pass",
    ] {
        if here(handler) {
            return true;
        }
    }
    // An allow/deny list in effect that could refuse someone.
    matches!(m.lookup(ctx, "deny"), Lookup::Found(_) | Lookup::Unknown)
}

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let unseen: Vec<Span> = model
        .diagnostics
        .iter()
        .filter(|d| d.code == "AL005" || d.code == "AL002")
        .filter_map(|d| d.span())
        .collect();
    let mut m = LocationMatcher::new(nginx).with_unseen_includes(unseen);
    let servers: Vec<CtxId> = nginx
        .contexts
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == "server")
        .map(|(i, _)| i)
        .collect();
    // Each server's own root (inherited from http when not set), once; then each file
    // is checked only against the servers whose root is one of its ancestors.
    let mut by_root: std::collections::BTreeMap<
        std::path::PathBuf,
        Vec<(CtxId, &crate::syntax::Word)>,
    > = Default::default();
    for &server in &servers {
        let Lookup::Found(roots) = m.lookup(server, "root") else {
            continue;
        };
        let Some(root) = roots.last().and_then(|s| s.args.first()) else {
            continue;
        };
        if root.text.contains('$') {
            continue;
        }
        by_root
            .entry(normalize(Path::new(&root.text)))
            .or_default()
            .push((server, root));
    }
    for r in model
        .password_refs
        .iter()
        .filter(|r| r.server == Server::Nginx)
    {
        let candidates = r
            .server_path
            .ancestors()
            .skip(1)
            .filter_map(|a| by_root.get(a).map(|v| (a, v)));
        'refs: for (root_path, servers) in candidates {
            let Ok(rest) = r.server_path.strip_prefix(root_path) else {
                continue;
            };
            let uri = format!("/{}", rest.to_string_lossy());
            for &(server, root) in servers {
                let ctx = match m.select(server, &uri) {
                    Selected::Location(c) => c,
                    Selected::ServerLevel => server,
                    Selected::Redirect(_) | Selected::Unknown => continue,
                };
                // The selected location must serve from the same root.
                match m.lookup(ctx, "root") {
                    Lookup::Found(v)
                        if v.last().and_then(|s| s.args.first()).map(|a| &a.text)
                            == Some(&root.text) => {}
                    _ => continue,
                }
                if refuses(&mut m, ctx) || m.basic_auth(ctx) != BasicAuth::Off {
                    continue;
                }
                let d = out
                    .diag(format!(
                        "the password file `{}` is under this server's root and nothing denies it: anyone can download it at `{uri}`",
                        r.server_path.display()
                    ))
                    .at(r.span, "served to anyone")
                    .label(root.span, "the server's root")
                    .help("move the file outside every root (e.g. /etc/nginx/), or add `location ~ /\\.ht { deny all; }` before other regex locations");
                out.emit(d);
                break 'refs;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(extra: &str, file: &str) -> String {
        format!("events {{}}\nhttp {{ server {{ root /w; {extra} location /p/ {{ auth_basic x; auth_basic_user_file {file}; }} }} }}\n")
    }

    #[test]
    fn under_root_fires_outside_or_denied_does_not() {
        fires(&super::RULE, &[("nginx.conf", &conf("", "/w/.htpasswd"))]);
        silent(
            &super::RULE,
            &[("nginx.conf", &conf("", "/etc/nginx/htpasswd"))],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location ~ /\\.ht { deny all; }", "/w/.htpasswd"),
            )],
        );
    }

    #[test]
    fn inside_the_protected_location_only_users_get_it() {
        silent(&super::RULE, &[("nginx.conf", &conf("", "/w/p/users"))]);
    }
}
