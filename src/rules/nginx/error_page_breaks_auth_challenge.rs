//! AL207: `error_page 401` that replaces the 401 in a place where Basic auth is on, so the
//! client never sees 401 + `WWW-Authenticate` and browsers never ask for the password.
//!
//! What nginx 1.22 answers, checked with real nginx (`ngx_http_send_error_page()`):
//! - a target that is neither `/uri` nor `@name` (`http://...`) is a redirect: 302, or the
//!   `=301`/`=303`/`=307`/`=308` given;
//! - `=code` (other than 401) or a bare `=` to a `/uri`/`@name` whose location checks no
//!   password: that code, or the target's own status (200 for a page);
//! - a target location that answers with `return` (rewrite phase, before any access check):
//!   that status;
//! - otherwise the 401 stays: a plain `error_page 401 /401.html;` keeps the challenge, and a
//!   target under the same password fails again, so nginx sends its built-in 401 page.
//!
//! `error_page` lists inherit whole, only into levels that set none.
use super::auth_request_target_missing::{content, Content};
use super::user_file_without_auth_basic::{basic_on, Inherited, Value, AUTH_GROUPS};
use super::{matcher, server_of};
use crate::model::nginx::{CtxId, NgItem, NginxModel};
use crate::model::nginx_match::{location_spec, BasicAuth, LocationMatcher, Modifier, Selected};
use crate::rules::prelude::*;
use crate::source::Span;
use crate::syntax::nginx::Stmt;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "AL207",
    name: "error-page-breaks-auth-challenge",
    severity: Severity::Error,
    default_enabled: true,
    summary: "error_page 401 replaces the 401 challenge, so browsers never ask for a password",
    why: "Browsers show the password prompt only on a 401 with `WWW-Authenticate`. `error_page \
          401 https://login.example/;` turns it into a 302, and `error_page 401 =200 /401.html;` \
          (to a page without auth) into a 200: the browser follows the redirect or shows the \
          page, never prompts, and nobody can log in from a browser. Keep the status: \
          `error_page 401 /401.html;` with the page in a location that has `auth_basic off`.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            error_page 401 https://example.org/login;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            error_page 401 /401.html;\n        }\n        location = /401.html {\n            auth_basic off;\n            internal;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_error_page_401_redirect",
        "scenario: nginx_error_page_401_status_override",
        "scenario: nginx_error_page_401_custom_page_healthy",
    ],
    check: Check::Model(check),
};

/// An `error_page` line: its codes, `=` override (`Some(None)` for a bare `=`), and target.
struct ErrorPage<'a> {
    codes: Vec<u16>,
    overwrite: Option<Option<u16>>,
    overwrite_span: Option<Span>,
    target: &'a str,
    target_span: Span,
}

fn parse(stmt: &Stmt) -> Option<ErrorPage<'_>> {
    let (target, rest) = stmt.args.split_last()?;
    let mut codes = Vec::new();
    let mut overwrite = None;
    let mut overwrite_span = None;
    for a in rest {
        if let Some(code) = a.text.strip_prefix('=') {
            overwrite = Some(code.parse::<u16>().ok());
            overwrite_span = Some(a.span);
        } else {
            codes.push(a.text.parse::<u16>().ok()?);
        }
    }
    Some(ErrorPage {
        codes,
        overwrite,
        overwrite_span,
        target: &target.text,
        target_span: target.span,
    })
}

/// The named location `@name` of a server (named locations stand at server level).
fn named(ng: &NginxModel, server: CtxId, name: &str) -> Option<CtxId> {
    ng.context(server)?.items.iter().find_map(|i| match i {
        NgItem::Context(c) => {
            let spec = ng.context(*c)?.head.as_ref().and_then(location_spec)?;
            (spec.modifier == Modifier::Named && spec.pattern == name).then_some(*c)
        }
        NgItem::Directive(_) => None,
    })
}

/// What the client gets instead of the 401, when it is not a 401.
fn outcome(
    ng: &NginxModel,
    matcher: &mut LocationMatcher<'_>,
    server: CtxId,
    page: &ErrorPage<'_>,
) -> Option<(String, Option<CtxId>)> {
    let t = page.target;
    let internal = t.starts_with('/') || t.starts_with('@');
    if !internal {
        if t.starts_with('$') && !t.contains("://") {
            return None; // a variable may hold a local URI
        }
        let code = match page.overwrite {
            Some(Some(c @ (301 | 302 | 303 | 307 | 308))) => c,
            _ => 302,
        };
        return Some((format!("a {code} redirect to `{t}`"), None));
    }
    let target = if t.starts_with('@') {
        named(ng, server, t)?
    } else {
        let uri = t.split('?').next().unwrap_or(t);
        if uri.contains('$') {
            return None;
        }
        match matcher.select(server, uri) {
            Selected::Location(c) => c,
            Selected::ServerLevel => server,
            Selected::Redirect(_) | Selected::Unknown => return None,
        }
    };
    if let Content::Return(code, _) = content(ng, target) {
        return (code != 401)
            .then(|| (format!("a {code} from the target's `return`"), Some(target)));
    }
    let overwrite = page.overwrite?;
    if overwrite == Some(401) || ng.effective_auth(target).basic() != BasicAuth::Off {
        return None; // the target asks for the password again: nginx keeps the 401
    }
    let status = match overwrite {
        Some(c) => format!("a {c}"),
        None => "the target's own status (200 for a page)".to_string(),
    };
    Some((status, Some(target)))
}

const ERROR_PAGE: usize = 2;

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let any_401 = ng.contexts.iter().any(|c| {
        c.items.iter().any(|i| {
            matches!(i, NgItem::Directive(s) if s.name.text == "error_page"
                && s.args.iter().any(|a| a.text == "401"))
        })
    });
    if !any_401 {
        return;
    }
    let inh = Inherited::new(ng, &[AUTH_GROUPS[0], AUTH_GROUPS[1], &["error_page"]]);
    let mut seen: BTreeSet<Span> = BTreeSet::new();
    let mut m: Option<LocationMatcher<'_>> = None;
    for (id, ctx) in ng.contexts.iter().enumerate() {
        if !matches!(ctx.kind.as_str(), "server" | "location" | "limit_except") {
            continue;
        }
        let Value::Set(pages) = inh.get(id, ERROR_PAGE) else {
            continue;
        };
        let Some(auth) = basic_on(&inh, id) else {
            continue;
        };
        let Some(server) = server_of(ng, id) else {
            continue;
        };
        for stmt in pages.iter().copied() {
            if seen.contains(&stmt.span) {
                continue;
            }
            let Some(page) = parse(stmt) else { continue };
            if !page.codes.contains(&401) {
                continue;
            }
            let matcher = m.get_or_insert_with(|| matcher(model));
            let Some((instead, target)) = outcome(ng, matcher, server, &page) else {
                continue;
            };
            seen.insert(stmt.span);
            let at = page
                .overwrite_span
                .map_or(page.target_span, |s| s.to(page.target_span));
            let mut d = out
                .diag(format!(
                    "`error_page 401` sends {instead} instead of the 401 challenge, so browsers never ask for the password and nobody can log in from one"
                ))
                .at(at, "replaces the 401");
            if let Some(h) = target
                .and_then(|t| ng.context(t))
                .and_then(|c| c.head.as_ref())
            {
                d = d.label(h.span, "the error page is served here");
            }
            d = d.label(auth.span, "asks for a password");
            out.emit(d.help(
                "keep the status: `error_page 401 /401.html;` with `location = /401.html { auth_basic off; internal; }`",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(server: &str) -> String {
        format!(
            "events {{}}\nhttp {{\nserver {{\nauth_basic x;\nauth_basic_user_file u;\n{server}\n}}\n}}\n"
        )
    }

    fn fire(server: &str) -> String {
        let found = fires(&super::RULE, &[("nginx.conf", conf(server).as_str())]);
        found[0].message.clone()
    }

    #[test]
    fn external_targets_redirect() {
        assert!(fire("error_page 401 https://x.example/login;").contains("302"));
        assert!(fire("error_page 401 =301 https://x.example/;").contains("301"));
        assert!(fire("error_page 401 403 $scheme://x.example/;").contains("302"));
    }

    #[test]
    fn overrides_to_open_targets_fire() {
        assert!(
            fire("error_page 401 =200 /e.html; location = /e.html { auth_basic off; }")
                .contains("200")
        );
        assert!(
            fire("error_page 401 = @open; location @open { auth_basic off; }")
                .contains("own status")
        );
        assert!(fire("error_page 401 @r; location @r { return 302 /login; }").contains("302"));
    }

    #[test]
    fn kept_401_is_silent() {
        for s in [
            "error_page 401 /e.html; location = /e.html { auth_basic off; }",
            "error_page 401 =200 /e.html;",
            "error_page 401 = @x; location @x { }",
            "error_page 401 =401 /e.html; location = /e.html { auth_basic off; }",
            "error_page 404 https://x.example/;",
            "error_page 401 $target;",
            "location /a/ { auth_basic off; error_page 401 https://x.example/; }",
        ] {
            silent(&super::RULE, &[("nginx.conf", conf(s).as_str())]);
        }
    }

    #[test]
    fn inherited_error_page_is_reported_once() {
        let text =
            "events {}\nhttp {\nerror_page 401 https://x.example/;\nauth_basic_user_file u;\n\
                    server { auth_basic x; location /a/ { } location /b/ { } }\n}\n";
        assert_eq!(fires(&super::RULE, &[("nginx.conf", text)]).len(), 1);
    }
}
