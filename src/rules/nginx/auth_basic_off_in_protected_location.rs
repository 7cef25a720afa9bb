//! AL205: `auth_basic off` in a context nested in (or inheriting from) one where Basic auth
//! is on: that context is open to anonymous users.
//!
//! Often intended (a public sub-path), sometimes not (copied from another location, or left
//! from testing); nginx cannot tell, so this is a warning. Clearly public places stay silent:
//! ACME challenges, `favicon.ico`, `robots.txt`, `internal` locations, the pages that
//! `error_page` names, and places that an `allow`/`deny` list closed with `deny all` still
//! restricts.
use super::user_file_without_auth_basic::{basic_on, Inherited, Value, AUTH_GROUPS};
use crate::model::nginx::{Context, CtxId, NginxModel};
use crate::model::nginx_match::{location_spec, Modifier};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL205",
    name: "auth-basic-off-in-protected-location",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "auth_basic off inside a protected context opens it to anyone",
    why: "`auth_basic off` turns off the password inherited from the enclosing location, \
          server or http block. Everything that context serves is then public: anonymous \
          requests get 200 while its parent still answers 401. That is right for a public \
          sub-path, and a leak when it was copied from elsewhere or left from testing.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        auth_basic \"Staff\";\n        auth_basic_user_file /etc/nginx/staff.htpasswd;\n        location /reports/ {\n            auth_basic off;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        auth_basic \"Staff\";\n        auth_basic_user_file /etc/nginx/staff.htpasswd;\n        location /.well-known/acme-challenge/ {\n            auth_basic off;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_auth_basic_off_nested",
        "scenario: nginx_auth_basic_off_inherited_from_server",
    ],
    check: Check::Model(check),
};

/// A short name for a context: `location /private/`, `server`, `http`.
pub(super) fn describe(ctx: &Context) -> String {
    match &ctx.head {
        Some(h) => {
            let mut s = h.name.text.clone();
            for a in &h.args {
                s.push(' ');
                s.push_str(&a.text);
            }
            s
        }
        None => ctx.kind.clone(),
    }
}

/// Does the location look meant to be public, or is it still restricted another way?
fn clearly_public(ng: &NginxModel, inh: &Inherited<'_>, id: CtxId) -> bool {
    if !ng.directives_in(id, "internal").is_empty() {
        return true;
    }
    if let Value::Set(rules) = inh.get(id, ACCESS) {
        if rules
            .iter()
            .any(|r| r.name.text == "deny" && r.args.first().is_some_and(|a| a.text == "all"))
        {
            return true;
        }
    }
    let Some(spec) = ng
        .context(id)
        .and_then(|c| c.head.as_ref())
        .and_then(location_spec)
    else {
        return false;
    };
    let p = spec.pattern;
    if p.contains(".well-known")
        || p.contains("favicon")
        || p.contains("robots")
        || p.contains("acme-challenge")
    {
        return true;
    }
    // A page `error_page` sends clients to must be readable without a password.
    if matches!(
        spec.modifier,
        Modifier::Exact | Modifier::Prefix | Modifier::NoRegex | Modifier::Named
    ) {
        if let Value::Set(pages) = inh.get(id, ERROR_PAGE) {
            if pages
                .iter()
                .any(|s| s.args.last().is_some_and(|a| a.text == p))
            {
                return true;
            }
        }
    }
    false
}

const ACCESS: usize = 2;
const ERROR_PAGE: usize = 3;

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let mut inh: Option<Inherited<'_>> = None;
    for (id, ctx) in ng.contexts.iter().enumerate() {
        let Some(parent) = ctx.parent else { continue };
        for stmt in ng.directives_in(id, "auth_basic") {
            if stmt.args.first().is_none_or(|a| a.text != "off") {
                continue;
            }
            let inh = inh.get_or_insert_with(|| {
                Inherited::new(
                    ng,
                    &[
                        AUTH_GROUPS[0],
                        AUTH_GROUPS[1],
                        &["allow", "deny"],
                        &["error_page"],
                    ],
                )
            });
            let Some(on) = basic_on(inh, parent) else {
                continue;
            };
            if clearly_public(ng, inh, id) {
                continue;
            }
            let outer = inh
                .holder(parent, 0)
                .and_then(|h| ng.context(h))
                .map(describe)
                .unwrap_or_default();
            let here = describe(ctx);
            let d = out
                .diag(format!(
                    "`auth_basic off` opens `{here}` to anonymous users, inside the password-protected `{outer}`"
                ))
                .at(stmt.span, "no password asked here")
                .label(on.span, "password required here")
                .help("remove `auth_basic off;` unless this place is meant to be public; to restrict it another way, use `allow ...; deny all;`");
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(http: &str) -> String {
        format!("events {{}}\nhttp {{\nauth_basic_user_file u;\n{http}\n}}\n")
    }

    #[test]
    fn nested_and_inherited_fire() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf(
                    "server { location /a/ { auth_basic x; location /a/b/ { auth_basic off; } } }",
                )
                .as_str(),
            )],
        );
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("auth_basic x; server { location /pub/ { auth_basic off; } }").as_str(),
            )],
        );
        assert!(found[0].message.contains("`http`"), "{}", found[0].message);
    }

    #[test]
    fn off_under_no_auth_is_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { location /a/ { auth_basic off; } }").as_str(),
            )],
        );
    }

    #[test]
    fn clearly_public_places_are_silent() {
        for loc in [
            "location /.well-known/acme-challenge/ { auth_basic off; }",
            "location = /favicon.ico { auth_basic off; }",
            "location = /401.html { auth_basic off; internal; }",
            "location /status { auth_basic off; allow 127.0.0.1; deny all; }",
        ] {
            silent(
                &super::RULE,
                &[(
                    "nginx.conf",
                    conf(&format!("server {{ auth_basic x; {loc} }}")).as_str(),
                )],
            );
        }
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { auth_basic x; error_page 401 /e.html; location = /e.html { auth_basic off; } }")
                    .as_str(),
            )],
        );
    }
}
