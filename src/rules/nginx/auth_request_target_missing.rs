//! AL208: `auth_request /uri` where no location is defined for the URI: the subrequest is
//! served by whatever catches it, and nginx turns anything but 2xx/401/403 into 500.
//!
//! The subrequest selects its location like any request, but skips the access phase. When
//! nothing matches, the server's own configuration serves it (static files: 404); when only
//! the catch-all `location /` or the protected location itself matches, that location's
//! content answers, which was not written as an auth endpoint. A `/dir/` location with a
//! `*_pass` handler answers `/dir` with a 301. The auth module then says `auth request
//! unexpected status: 404` (or 301) and answers 500; a catch-all that answers 2xx lets
//! everyone in. A location that matches the URI more specifically (an `=` location, a prefix
//! other than `/`, a regex) counts as defined.
use super::user_file_without_auth_basic::Inherited;
use super::{matcher, server_of};
use crate::model::nginx::{CtxId, NginxModel};
use crate::model::nginx_match::{location_spec, LocationMatcher, Modifier, Selected};
use crate::rules::prelude::*;
use crate::source::Span;
use crate::syntax::nginx::Stmt;

pub static RULE: Rule = Rule {
    code: "AL208",
    name: "auth-request-target-missing",
    severity: Severity::Error,
    default_enabled: true,
    summary: "auth_request names a URI that no location is defined for",
    why: "`auth_request /auth` makes a subrequest to `/auth` and lets the client in only on \
          2xx (401 and 403 refuse). Without a location for that URI the subrequest lands in \
          whatever else matches: static files answer 404 and nginx answers 500 to every \
          request (`auth request unexpected status: 404`); a catch-all `location /` that \
          answers 200 lets everyone in without credentials.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /private/ {\n            auth_request /auth;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /private/ {\n            auth_request /auth;\n        }\n        location = /auth {\n            internal;\n            proxy_pass http://127.0.0.1:9000/verify;\n            proxy_pass_request_body off;\n            proxy_set_header Content-Length \"\";\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_auth_request_target_missing",
        "scenario: nginx_auth_request_internal_healthy",
    ],
    check: Check::Model(check),
};

/// What a context answers with, as far as its own directives tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Content<'a> {
    /// A `return` (rewrite phase, before any access check): its status (302 for a bare URL).
    Return(u16, &'a Stmt),
    /// A `*_pass` or `try_files`: what answers is outside the config.
    Handed(&'a Stmt),
    /// Static files under `root`/`alias`.
    Static,
}

const HANDLERS: &[&str] = &[
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "grpc_pass",
    "memcached_pass",
    "try_files",
];

/// The first `return` directly in the context (rewrite-module directives run in order), else
/// a content handler, else static files.
pub(super) fn content(ng: &NginxModel, id: CtxId) -> Content<'_> {
    if let Some(r) = ng.directives_in(id, "return").into_iter().next() {
        let code = r
            .args
            .first()
            .and_then(|a| a.text.parse::<u16>().ok())
            .unwrap_or(302);
        return Content::Return(code, r);
    }
    for h in HANDLERS {
        if let Some(s) = ng.directives_in(id, h).into_iter().next() {
            return Content::Handed(s);
        }
    }
    Content::Static
}

/// Is `target` or one of its ancestors `ctx`, or `ctx` inside `target`?
fn encloses(ng: &NginxModel, outer: CtxId, inner: CtxId) -> bool {
    let mut cur = Some(inner);
    let mut guard = 0;
    while let Some(c) = cur {
        guard += 1;
        if guard > 1024 {
            return false;
        }
        if c == outer {
            return true;
        }
        cur = ng.context(c).and_then(|x| x.parent);
    }
    false
}

/// The servers an `auth_request` applies to: its own, or, at http level, each server below
/// that inherits it.
fn servers_for(ng: &NginxModel, inh: &Inherited<'_>, ctx: CtxId) -> Vec<CtxId> {
    if let Some(s) = server_of(ng, ctx) {
        return vec![s];
    }
    ng.contexts
        .iter()
        .enumerate()
        .filter(|(i, c)| c.kind == "server" && inh.holder(*i, 0) == Some(ctx))
        .map(|(i, _)| i)
        .collect()
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let mut m: Option<LocationMatcher<'_>> = None;
    let mut inh: Option<Inherited<'_>> = None;
    for id in 0..ng.contexts.len() {
        for stmt in ng.directives_in(id, "auth_request") {
            let Some(arg) = stmt.args.first() else {
                continue;
            };
            if arg.text == "off" || arg.text.contains('$') {
                continue;
            }
            let uri = arg.text.split('?').next().unwrap_or("");
            let matcher = m.get_or_insert_with(|| matcher(model));
            let inh = inh.get_or_insert_with(|| Inherited::new(ng, &[&["auth_request"]]));
            for server in servers_for(ng, inh, id) {
                if let Some(d) = diagnose(ng, matcher, server, id, uri, arg.span, out) {
                    out.emit(d);
                    break; // one finding per directive
                }
            }
        }
    }
}

fn diagnose(
    ng: &NginxModel,
    matcher: &mut LocationMatcher<'_>,
    server: CtxId,
    holder: CtxId,
    uri: &str,
    span: Span,
    out: &Sink,
) -> Option<crate::diag::Diagnostic> {
    let (target, landed) = match matcher.select(server, uri) {
        Selected::Unknown => return None,
        Selected::Redirect(loc) => {
            let head = ng.context(loc).and_then(|c| c.head.as_ref())?;
            return Some(
                out.diag(format!(
                    "no location is defined for `{uri}`: `{}` answers it with a 301 to `{uri}/`, so nginx answers 500 to every request here (\"auth request unexpected status: 301\")",
                    super::auth_basic_off_in_protected_location::describe(ng.context(loc)?)
                ))
                .at(span, "the subrequest gets a redirect")
                .label(head.span, "answers with 301")
                .help(format!("point auth_request at the URI the auth location serves (`{uri}/...`), or add `location = {uri} {{ internal; ... }}`")),
            );
        }
        Selected::ServerLevel => (server, None),
        Selected::Location(loc) => {
            let spec = ng
                .context(loc)
                .and_then(|c| c.head.as_ref())
                .and_then(location_spec)?;
            let catch_all = matches!(spec.modifier, Modifier::Prefix | Modifier::NoRegex)
                && spec.pattern == "/";
            if !catch_all && !encloses(ng, loc, holder) {
                return None; // a location written for it
            }
            (loc, ng.context(loc))
        }
    };
    let place = match landed {
        Some(c) => format!(
            "`{}`",
            super::auth_basic_off_in_protected_location::describe(c)
        ),
        None => "the server's own configuration (static files)".to_string(),
    };
    let effect = match content(ng, target) {
        Content::Return(code, _) if (200..300).contains(&code) => {
            format!("which answers {code}, so every client is let in without credentials")
        }
        Content::Return(code, _) if code == 401 || code == 403 => {
            format!("which answers {code}, so every client is refused")
        }
        Content::Return(code, _) => format!(
            "which answers {code}, so nginx answers 500 to every request here (\"auth request unexpected status: {code}\")"
        ),
        Content::Handed(h) => format!(
            "which hands it to `{}`: whatever that answers decides (2xx lets everyone in, 401/403 refuses everyone, anything else gives 500)",
            h.name.text
        ),
        Content::Static => "which answers 404, so nginx answers 500 to every request here (\"auth request unexpected status: 404\")".to_string(),
    };
    let mut d = out
        .diag(format!(
            "no location is defined for `{uri}`: the auth subrequest is served by {place}, {effect}"
        ))
        .at(span, "no location for this URI");
    if let Some(h) = landed.and_then(|c| c.head.as_ref()) {
        d = d.label(h.span, "the subrequest lands here");
    }
    Some(d.help(format!(
        "add `location = {uri} {{ internal; proxy_pass http://auth-service/...; }}` for the auth endpoint"
    )))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(server: &str) -> String {
        format!("events {{}}\nhttp {{\nserver {{\nroot /srv;\n{server}\n}}\n}}\n")
    }

    #[test]
    fn missing_target_fires_with_what_answers() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("location /p/ { auth_request /auth; }").as_str(),
            )],
        );
        assert!(found[0].message.contains("404"), "{}", found[0].message);
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("location / { return 200 ok; } location /p/ { auth_request /auth; }").as_str(),
            )],
        );
        assert!(found[0].message.contains("let in"), "{}", found[0].message);
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("location /p/ { auth_request /p/check; }").as_str(),
            )],
        );
        assert_eq!(found[0].labels.len(), 1);
    }

    #[test]
    fn defined_targets_are_silent() {
        for s in [
            "location /p/ { auth_request /auth; } location = /auth { internal; return 204; }",
            "auth_request /oauth2/auth; location /oauth2/ { proxy_pass http://127.0.0.1:4180; }",
            "location /p/ { auth_request /auth.php; } location ~ \\.php$ { fastcgi_pass x; }",
            "location /p/ { auth_request off; }",
            "location /p/ { auth_request $auth_uri; }",
        ] {
            silent(&super::RULE, &[("nginx.conf", conf(s).as_str())]);
        }
    }

    #[test]
    fn trailing_slash_redirect_fires() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("location /p/ { auth_request /api; } location /api/ { proxy_pass http://127.0.0.1:9; }")
                    .as_str(),
            )],
        );
        assert!(found[0].message.contains("301"), "{}", found[0].message);
    }

    #[test]
    fn http_level_auth_request_checks_each_server_once() {
        let text = "events {}\nhttp {\nauth_request /auth;\nserver { }\nserver { location = /auth { return 204; } }\n}\n";
        assert_eq!(fires(&super::RULE, &[("nginx.conf", text)]).len(), 1);
    }
}
