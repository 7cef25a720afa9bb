//! AL217: a location that allows cross-origin requests but asks a password of `OPTIONS`
//! too, so every CORS preflight gets 401 and browsers refuse the real request.
//!
//! Browsers send a preflight `OPTIONS` before a cross-origin request that carries an
//! `Authorization` header, and they send it without credentials; the preflight must
//! answer 2xx. Checked with nginx 1.22: `location /api/ { auth_basic ...; add_header
//! Access-Control-Allow-Origin * always; }` answers `OPTIONS` with 401.
//! `if ($request_method = OPTIONS) { return 204; }` answers it in the rewrite phase,
//! before auth (204), and `limit_except OPTIONS { auth_basic ...; }` lets it past auth to
//! the handler (a static location then answers 405, a backend its own answer).
//!
//! Reported once per `add_header Access-Control-Allow-Origin` (or `more_set_headers`) and
//! realm pair, where Basic auth is certainly on for `OPTIONS` (`limit_except` followed),
//! `satisfy any` is not in effect, and neither the location nor its server has an `if`,
//! `return` or `rewrite` that could answer the preflight first.
use super::{matcher, realm_in_effect, rewrite_steps, server_of, RewriteStep};
use crate::model::nginx::{CtxId, Lookup, NginxModel};
use crate::model::nginx_match::{location_spec, Modifier};
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    code: "AL217",
    name: "cors-preflight-asks-password",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "Cross-origin requests are allowed, but the OPTIONS preflight is asked for a password and gets 401",
    why: "Before a cross-origin request that sends `Authorization`, browsers send a preflight \
          `OPTIONS` request without credentials, and go on only if it answers 2xx. Here \
          `auth_basic` applies to `OPTIONS` too, so the preflight gets 401 and the browser \
          reports a CORS error: the cross-origin client cannot log in at all. Answer the \
          preflight before auth (`if ($request_method = OPTIONS) { return 204; }`, which \
          runs in the rewrite phase) or exempt `OPTIONS` (`limit_except OPTIONS { ... }` \
          holds the auth for every other method) when the backend answers it.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /api/ {\n            auth_basic \"API\";\n            auth_basic_user_file /etc/nginx/api.htpasswd;\n            add_header Access-Control-Allow-Origin https://app.example always;\n            proxy_pass http://127.0.0.1:8080;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /api/ {\n            if ($request_method = OPTIONS) {\n                add_header Access-Control-Allow-Origin https://app.example;\n                add_header Access-Control-Allow-Headers Authorization;\n                return 204;\n            }\n            auth_basic \"API\";\n            auth_basic_user_file /etc/nginx/api.htpasswd;\n            add_header Access-Control-Allow-Origin https://app.example always;\n            proxy_pass http://127.0.0.1:8080;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_flow_cors_preflight_401",
        "scenario: nginx_flow_cors_preflight_healthy",
    ],
    check: Check::Model(check),
};

const ACAO: &str = "access-control-allow-origin";

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let mut m = matcher(model);
    let mut seen: HashSet<(crate::source::Span, crate::source::Span)> = HashSet::new();
    for (id, ctx) in nginx.contexts.iter().enumerate() {
        if ctx.kind != "location" {
            continue;
        }
        let named = ctx
            .head
            .as_ref()
            .and_then(location_spec)
            .is_none_or(|s| s.modifier == Modifier::Named);
        if named {
            continue;
        }
        let Some(server) = server_of(nginx, id) else {
            continue;
        };
        let Some(header) =
            allow_origin(m.lookup(id, "add_header"), m.lookup(id, "more_set_headers"))
        else {
            continue;
        };
        if answers_early(nginx, id) || answers_early(nginx, server) {
            continue;
        }
        let Some(realm) = realm_in_effect(&mut m, id, "OPTIONS") else {
            continue;
        };
        let any = match m.effective_auth_for(id, "OPTIONS").satisfy {
            Lookup::Found(v) => v
                .last()
                .and_then(|s| s.args.first())
                .is_none_or(|a| a.text != "all"),
            Lookup::NotSet => false,
            Lookup::Unknown => true,
        };
        if any || !seen.insert((header.span, realm.span)) {
            continue;
        }
        let d = out
            .diag("cross-origin requests are allowed here, but the `OPTIONS` preflight is asked for a password: browsers send it without one, get 401 and refuse the request")
            .at(header.span, "allows cross-origin requests")
            .label(realm.span, "asks `OPTIONS` for a password too")
            .help("answer the preflight before auth: `if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin ...; add_header Access-Control-Allow-Headers Authorization; return 204; }` in this location; or put the auth in `limit_except OPTIONS { ... }` when the backend answers OPTIONS itself");
        out.emit(d);
    }
}

/// The header directive that sends `Access-Control-Allow-Origin`, if any.
fn allow_origin<'m>(add: Lookup<'m>, more: Lookup<'m>) -> Option<&'m Stmt> {
    if let Lookup::Found(v) = add {
        if let Some(s) = v.into_iter().find(|s| {
            s.args
                .first()
                .is_some_and(|a| a.text.eq_ignore_ascii_case(ACAO))
        }) {
            return Some(s);
        }
    }
    if let Lookup::Found(v) = more {
        return v.into_iter().find(|s| {
            s.args.iter().any(|a| {
                a.text
                    .split(':')
                    .next()
                    .is_some_and(|h| h.trim().eq_ignore_ascii_case(ACAO))
            })
        });
    }
    None
}

/// Could a rewrite-module directive answer or move the request before the access phase?
fn answers_early(nginx: &NginxModel, ctx: CtxId) -> bool {
    rewrite_steps(nginx, ctx).iter().any(|s| match s {
        RewriteStep::If(_) => true,
        RewriteStep::Directive(s) => s.name.text != "set",
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "auth_basic A; auth_basic_user_file /u;";

    fn conf(server: &str) -> String {
        format!("events {{}}\nhttp {{\n server {{\n  listen 80;\n{server}\n }}\n}}\n")
    }

    #[test]
    fn allow_origin_with_auth_fires_once_per_pair() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "{AUTH} add_header Access-Control-Allow-Origin *;\n\
                     location /a/ {{ }} location /b/ {{ }}"
                )),
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "location /a/ {{ {AUTH} more_set_headers \"Access-Control-Allow-Origin: *\"; }}"
                )),
            )],
        );
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "location /a/ {{ add_header access-control-allow-origin $http_origin; limit_except GET {{ {AUTH} }} }}"
                )),
            )],
        );
    }

    #[test]
    fn preflight_answered_exempted_or_no_cors_is_silent() {
        for server in [
            format!("location /a/ {{ if ($request_method = OPTIONS) {{ return 204; }} {AUTH} add_header Access-Control-Allow-Origin *; }}"),
            format!("location /a/ {{ limit_except OPTIONS {{ {AUTH} }} add_header Access-Control-Allow-Origin *; }}"),
            format!("location /a/ {{ {AUTH} add_header X-Frame-Options DENY; }}"),
            format!("location /a/ {{ {AUTH} add_header X-Frame-Options DENY; }} add_header Access-Control-Allow-Origin *;"),
            "location /a/ { add_header Access-Control-Allow-Origin *; }".to_string(),
            format!("location /a/ {{ {AUTH} satisfy any; allow 10.0.0.0/8; add_header Access-Control-Allow-Origin *; }}"),
            format!("if ($request_method = OPTIONS) {{ return 204; }}\nlocation /a/ {{ {AUTH} add_header Access-Control-Allow-Origin *; }}"),
            format!("location /a/ {{ include /nowhere/x.conf; {AUTH} add_header Access-Control-Allow-Origin *; }}"),
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(&server))]);
        }
    }
}
