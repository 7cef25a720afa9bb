//! AL212: an `auth_basic_user_file` under a server's `root` that nginx serves to anyone.
use crate::model::nginx::{CtxId, Lookup};
use crate::model::nginx_match::{BasicAuth, LocationMatcher, Selected};
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use std::path::Path;

pub static RULE: Rule = Rule {
    code: "AL212",
    name: "user-file-served",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The password file lies under a root or alias and no location denies it: anyone can download the hashes",
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
        "scenario: nginx_user_file_under_alias",
    ],
    check: Check::Model(check),
};

/// Does the context that serves the URI refuse it outright (or hand it elsewhere)?
fn refuses(m: &mut LocationMatcher<'_>, ctx: CtxId) -> bool {
    let nginx = m.model();
    let here = |name: &str| !nginx.directives_in(ctx, name).is_empty();
    if here("return") || here("rewrite") || here("internal") {
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
    let mut m = super::matcher(model);
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
    // Locations that set their own `root`, or map a prefix with `alias`.
    let mut by_alias: std::collections::BTreeMap<std::path::PathBuf, Vec<(CtxId, CtxId, String)>> =
        Default::default();
    for (id, c) in nginx.contexts.iter().enumerate() {
        if c.kind != "location" {
            continue;
        }
        let Some(server) = super::server_of(nginx, id) else {
            continue;
        };
        for s in nginx.directives_in(id, "root") {
            if let Some(root) = s.args.first().filter(|a| !a.text.contains('$')) {
                by_root
                    .entry(normalize(Path::new(&root.text)))
                    .or_default()
                    .push((server, root));
            }
        }
        let prefix = c.head.as_ref().and_then(|h| match h.args.as_slice() {
            [p] => Some(p.text.clone()),
            [m, p] if m.text == "^~" => Some(p.text.clone()),
            _ => None, // regex and exact locations: the URI is not a plain prefix
        });
        if let (Some(prefix), Some(alias)) = (prefix, nginx.directives_in(id, "alias").last()) {
            if let Some(a) = alias.args.first().filter(|a| !a.text.contains('$')) {
                by_alias
                    .entry(normalize(Path::new(&a.text)))
                    .or_default()
                    .push((server, id, prefix));
            }
        }
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
                // The selected location must serve from the same root, not an alias.
                if !m.directives_in(ctx, "alias").is_empty() {
                    continue;
                }
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
        // Through an alias: the location prefix stands for the alias directory.
        let aliased = r
            .server_path
            .ancestors()
            .skip(1)
            .filter_map(|a| by_alias.get(a).map(|v| (a, v)));
        'aliases: for (dir, locations) in aliased {
            let Ok(rest) = r.server_path.strip_prefix(dir) else {
                continue;
            };
            for (server, location, prefix) in locations {
                let uri = format!(
                    "{}/{}",
                    prefix.trim_end_matches('/'),
                    rest.to_string_lossy()
                );
                if m.select(*server, &uri) != Selected::Location(*location) {
                    continue;
                }
                if refuses(&mut m, *location) || m.basic_auth(*location) != BasicAuth::Off {
                    continue;
                }
                let d = out
                    .diag(format!(
                        "the password file `{}` is under an alias and nothing denies it: anyone can download it at `{uri}`",
                        r.server_path.display()
                    ))
                    .at(r.span, "served to anyone")
                    .help("move the file outside every root and alias (e.g. /etc/nginx/), or deny it in that location");
                out.emit(d);
                break 'aliases;
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
    fn location_roots_and_aliases_count() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location /files/ { alias /data/; }", "/data/users"),
            )],
        );
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location /static/ { root /srv; }", "/srv/static/users"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(
                    "location /files/ { alias /data/; deny all; }",
                    "/data/users",
                ),
            )],
        );
    }

    #[test]
    fn inside_the_protected_location_only_users_get_it() {
        silent(&super::RULE, &[("nginx.conf", &conf("", "/w/p/users"))]);
    }
}
