//! AL218: an `error_page` in a public location whose page is served by a location that asks
//! a password, so anonymous visitors get 401 and a password prompt instead of the page.
//!
//! Checked with nginx 1.22: `error_page` moves the request to its target by an internal
//! redirect, and the target's access phase runs like for any request. So with
//! `auth_basic` at server level, `location /public/ { auth_basic off; }` and
//! `error_page 404 /404.html` (where `/404.html` inherits the server's auth), a missing
//! page under `/public/` answers 401 with `WWW-Authenticate`; a named target `@nf` that
//! asks a password does the same. A target answered by `return` (rewrite phase) gives its
//! own status, and a target with `auth_basic off` its page.
//!
//! `error_page 401` is left to AL207. In a location that hands requests to a backend,
//! only 5xx codes count unless `*_intercept_errors on` (the backend's own 404 passes
//! through). Reported once per `error_page` line and target; the
//! public context must ask no password with certainty, the target must be a literal
//! `/uri` or `@name` in the same server whose location certainly asks one, with no
//! rewrite-module directive (which could answer first).
use super::{matcher, realm_in_effect, rewrite_steps, server_of, RewriteStep};
use crate::model::nginx::{CtxId, Lookup, NgItem, NginxModel};
use crate::model::nginx_match::{location_spec, BasicAuth, Modifier, Selected};
use crate::rules::prelude::*;
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    code: "AL218",
    name: "error-page-behind-auth",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A public location's error page asks for a password: visitors get 401 instead of the page",
    why: "`error_page 404 /404.html` sends the request to `/404.html` by an internal redirect, \
          and nginx runs that location's access checks as for any request. When the page \
          sits under `auth_basic` (often inherited from the server) while the location that \
          failed is public (`auth_basic off`), anonymous visitors get 401 and a browser \
          password prompt instead of the error page. Serve error pages from a location with \
          `auth_basic off;`.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        auth_basic \"Staff\";\n        auth_basic_user_file /etc/nginx/staff.htpasswd;\n        error_page 404 /404.html;\n        location /public/ {\n            auth_basic off;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        auth_basic \"Staff\";\n        auth_basic_user_file /etc/nginx/staff.htpasswd;\n        error_page 404 /404.html;\n        location /public/ {\n            auth_basic off;\n        }\n        location = /404.html {\n            auth_basic off;\n            internal;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_flow_error_page_behind_auth",
        "scenario: nginx_flow_error_page_public_target_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let mut m = matcher(model);
    if !nginx.contexts.iter().any(|c| {
        c.items
            .iter()
            .any(|i| matches!(i, NgItem::Directive(s) if s.name.text == "error_page"))
    }) {
        return;
    }
    let mut seen: HashSet<(crate::source::Span, CtxId)> = HashSet::new();
    for (id, ctx) in nginx.contexts.iter().enumerate() {
        match ctx.kind.as_str() {
            // The server level serves only URIs no location takes: none with `location /`.
            "server" if catches_all(nginx, id) => continue,
            "server" => {}
            "location" => {
                let spec = ctx.head.as_ref().and_then(location_spec);
                if spec.is_none_or(|s| s.modifier == Modifier::Named) {
                    continue;
                }
            }
            _ => continue,
        }
        let Some(server) = server_of(nginx, id) else {
            continue;
        };
        if !m.sees_all(id) || m.basic_auth(id) != BasicAuth::Off {
            continue;
        }
        let Lookup::Found(pages) = m.lookup(id, "error_page") else {
            continue;
        };
        for page in pages {
            let Some((target, rest)) = page.args.split_last() else {
                continue;
            };
            let codes: Vec<&str> = rest
                .iter()
                .map(|a| a.text.as_str())
                .filter(|t| !t.starts_with('='))
                .collect();
            // A backend's own error statuses reach `error_page` only when intercepted; nginx's
            // 5xx for a failed backend always do.
            let codes: Vec<&str> = match handler_passes_errors(&mut m, id) {
                true => codes.into_iter().filter(|c| c.starts_with('5')).collect(),
                false => codes,
            };
            if codes.is_empty() || codes.iter().all(|c| *c == "401") {
                continue;
            }
            let Some(t) = target_ctx(&mut m, server, &target.text) else {
                continue;
            };
            if t == id || !seen.insert((page.span, t)) {
                continue;
            }
            if rewrite_steps(nginx, t).iter().any(|s| match s {
                RewriteStep::If(_) => true,
                RewriteStep::Directive(s) => s.name.text != "set",
            }) {
                continue;
            }
            let Some(realm) = realm_in_effect(&mut m, t, "GET") else {
                continue;
            };
            let public = describe(nginx, id);
            let codes = codes.join(" ");
            let d = out
                .diag(format!(
                    "`error_page {codes}` sends anonymous visitors of {public} to `{}`, which asks a password: they get 401 and a password prompt instead of the page",
                    target.text
                ))
                .at(page.span, format!("in effect in {public}, where no password is asked"))
                .label(realm.span, format!("asks a password for `{}`", target.text))
                .help(format!(
                    "serve `{}` from a location with `auth_basic off;` (e.g. `location = {} {{ auth_basic off; internal; }}`)",
                    target.text,
                    if target.text.starts_with('/') { target.text.as_str() } else { "/error.html" }
                ));
            out.emit(d);
        }
    }
}

/// Does the context hand requests to a backend whose error answers pass through (no
/// `*_intercept_errors on`)?
fn handler_passes_errors(
    m: &mut crate::model::nginx_match::LocationMatcher<'_>,
    id: CtxId,
) -> bool {
    for (pass, intercept) in [
        ("proxy_pass", "proxy_intercept_errors"),
        ("fastcgi_pass", "fastcgi_intercept_errors"),
        ("uwsgi_pass", "uwsgi_intercept_errors"),
        ("scgi_pass", "scgi_intercept_errors"),
        ("grpc_pass", "grpc_intercept_errors"),
    ] {
        if m.directives_in(id, pass).is_empty() {
            continue;
        }
        let on = match m.lookup(id, intercept) {
            Lookup::Found(v) => v
                .last()
                .and_then(|s| s.args.first())
                .is_some_and(|a| a.text == "on"),
            _ => false,
        };
        return !on;
    }
    false
}

/// The context that serves an error page target in a server: a literal `/uri` as the
/// matcher selects it, or a named location written in the server.
fn target_ctx(
    m: &mut crate::model::nginx_match::LocationMatcher<'_>,
    server: CtxId,
    target: &str,
) -> Option<CtxId> {
    if target.contains('$') {
        return None;
    }
    if target.starts_with('@') {
        let nginx = m.model();
        let ctx = nginx.context(server)?;
        return ctx.items.iter().find_map(|i| match i {
            NgItem::Context(c) => nginx
                .context(*c)
                .and_then(|x| x.head.as_ref())
                .and_then(location_spec)
                .filter(|s| s.modifier == Modifier::Named && s.pattern == target)
                .map(|_| *c),
            _ => None,
        });
    }
    if !target.starts_with('/') {
        return None;
    }
    let path = target.split('?').next().unwrap_or(target);
    match m.select(server, path) {
        Selected::Location(c) => Some(c),
        Selected::ServerLevel => Some(server),
        _ => None,
    }
}

/// Does the server have a `location /` (which takes every URI)?
fn catches_all(nginx: &NginxModel, server: CtxId) -> bool {
    nginx.context(server).is_some_and(|c| {
        c.items.iter().any(|i| match i {
            NgItem::Context(l) => nginx
                .context(*l)
                .and_then(|x| x.head.as_ref())
                .and_then(location_spec)
                .is_some_and(|s| {
                    matches!(s.modifier, Modifier::Prefix | Modifier::NoRegex) && s.pattern == "/"
                }),
            _ => false,
        })
    })
}

fn describe(nginx: &NginxModel, id: CtxId) -> String {
    match nginx.context(id).and_then(|c| c.head.as_ref()) {
        Some(h) if h.name.text == "location" => format!(
            "`location {}`",
            h.args
                .iter()
                .map(|a| a.text.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        _ => "this server".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "auth_basic A; auth_basic_user_file /u;";

    fn conf(server: &str) -> String {
        format!("events {{}}\nhttp {{\n server {{\n  listen 80;\n{server}\n }}\n}}\n")
    }

    #[test]
    fn inherited_auth_on_the_page_fires_once_per_line() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "{AUTH} error_page 404 /404.html;\n\
                     location /a/ {{ auth_basic off; }} location /b/ {{ auth_basic off; }}"
                )),
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("`/404.html`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn named_and_protected_prefix_targets_fire() {
        for server in [
            format!("location /p/ {{ error_page 404 @nf; }} location @nf {{ {AUTH} }}"),
            format!("error_page 500 502 /err/50x.html; location /err/ {{ {AUTH} }}"),
            format!(
                "location /p/ {{ error_page 404 =200 /err/x.html; }} location /err/ {{ {AUTH} }}"
            ),
        ] {
            fires(&super::RULE, &[("nginx.conf", &conf(&server))]);
        }
    }

    #[test]
    fn public_targets_protected_sources_returns_and_401_are_silent() {
        for server in [
            format!("{AUTH} error_page 404 /404.html; location /a/ {{ auth_basic off; }} location = /404.html {{ auth_basic off; }}"),
            format!("{AUTH} error_page 404 /404.html; location /a/ {{ }}"),
            format!("location /p/ {{ error_page 404 @nf; }} location @nf {{ {AUTH} return 404; }}"),
            format!("location /p/ {{ error_page 401 /err/x.html; }} location /err/ {{ {AUTH} }}"),
            format!("location /p/ {{ error_page 404 https://x/; }} location /err/ {{ {AUTH} }}"),
            format!("location /p/ {{ error_page 404 $page; }} location /err/ {{ {AUTH} }}"),
            format!("error_page 404 /404.html; location / {{ {AUTH} }}"),
            format!("location /p/ {{ proxy_pass http://b; error_page 404 /err/x; }} location /err/ {{ {AUTH} }}"),
            format!("location /p/ {{ error_page 404 /err/x; }} location /err/ {{ include /nowhere/a.conf; {AUTH} }}"),
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(&server))]);
        }
    }
}
