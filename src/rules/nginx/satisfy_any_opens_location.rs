//! AL206: `satisfy any` with an `allow` rule that matches every client, where Basic auth is
//! on: the access module lets everyone through and the password is never asked for.
//!
//! With `satisfy any`, `ngx_http_core_access_phase()` stops at the first access handler that
//! answers OK and drops the pending `WWW-Authenticate`. The access module checks its rules in
//! order, first match wins, with one list per address family (`all` goes into each); a client
//! no rule matches is declined, so the password still applies to it. The rules inherit as one
//! list: a level that sets any `allow` or `deny` drops all inherited ones.
use super::user_file_without_auth_basic::{basic_on, Inherited, Value, AUTH_GROUPS};
use crate::model::nginx::{CtxId, NgItem, NginxModel};
use crate::rules::prelude::*;
use crate::source::Span;
use crate::syntax::nginx::Stmt;
use std::collections::BTreeSet;

pub static RULE: Rule = Rule {
    code: "AL206",
    name: "satisfy-any-opens-location",
    severity: Severity::Error,
    default_enabled: true,
    summary: "satisfy any with an allow rule for every client skips the password",
    why: "`satisfy any` grants access as soon as one check passes. An `allow all` (or \
          `allow 0.0.0.0/0`, `allow ::/0`) reached before any `deny` that covers the same \
          clients passes the IP check for everyone, so `auth_basic` never asks for a password \
          and an `auth_request` subrequest never runs: anonymous requests and wrong \
          passwords get 200. The rule can come from an upper \
          level: `allow`/`deny` lists are inherited whole, unless the level sets its own.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            satisfy any;\n            allow all;\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            satisfy any;\n            allow 10.0.0.0/8;\n            deny all;\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_satisfy_any_allow_all",
        "scenario: nginx_satisfy_any_inherited_allow_all",
        "scenario: nginx_satisfy_any_allow_list_healthy",
        "scenario: nginx_satisfy_any_allow_all_auth_request",
    ],
    check: Check::Model(check),
};

/// Which address families a rule's argument matches as a whole: (IPv4, IPv6). `all` goes
/// into every list; an address with a `/0` mask matches every address of its family.
fn whole_families(arg: &str) -> (bool, bool) {
    if arg == "all" {
        return (true, true);
    }
    match arg.split_once('/') {
        Some((addr, "0")) if addr.contains(':') => (false, true),
        Some((addr, "0")) if addr.contains('.') => (true, false),
        _ => (false, false),
    }
}

fn family_of(arg: &str) -> (bool, bool) {
    if arg == "all" {
        (true, true)
    } else if arg.starts_with("unix:") {
        (false, false)
    } else if arg.contains(':') {
        (false, true)
    } else {
        (true, false)
    }
}

/// The `allow` that opens the door to a whole family, per family: `(v4, v6)`, and whether a
/// narrower `deny` came before it (some clients are still refused by IP).
struct Opening<'a> {
    allow: &'a Stmt,
    v4: bool,
    v6: bool,
    narrower_deny_first: bool,
}

fn opening<'a>(rules: &[&'a Stmt]) -> Option<Opening<'a>> {
    let mut found: Option<Opening<'a>> = None;
    for v4 in [true, false] {
        let pick = |(a, b): (bool, bool)| if v4 { a } else { b };
        let mut partial_deny = false;
        // The first rule that covers the whole family decides for it.
        let decisive = rules.iter().find(|rule| {
            let Some(arg) = rule.args.first() else {
                return false;
            };
            if !pick(family_of(&arg.text)) {
                return false;
            }
            let whole = pick(whole_families(&arg.text));
            partial_deny |= !whole && rule.name.text == "deny";
            whole
        });
        let Some(rule) = decisive.filter(|r| r.name.text == "allow") else {
            continue;
        };
        match &mut found {
            Some(o) if o.allow.span == rule.span => {
                o.v6 |= !v4;
                o.narrower_deny_first |= partial_deny;
            }
            Some(_) => {}
            None => {
                found = Some(Opening {
                    allow: rule,
                    v4,
                    v6: !v4,
                    narrower_deny_first: partial_deny,
                })
            }
        }
    }
    found
}

/// The address families the enclosing server accepts connections on: `(IPv4, IPv6)`. No
/// `listen` means `*:80`; `listen 80` and `listen 1.2.3.4:80` are IPv4 only, `[::]:80` IPv6
/// only (`ipv6only` is on by default). Unknown outside a server: both.
fn listen_families(ng: &NginxModel, id: CtxId) -> (bool, bool) {
    let Some(server) = super::server_of(ng, id) else {
        return (true, true);
    };
    let listens = ng.directives_in(server, "listen");
    if listens.is_empty() {
        return (true, false);
    }
    let addrs = listens.iter().filter_map(|l| l.args.first());
    let (mut v4, mut v6) = (false, false);
    for a in addrs {
        if a.text.starts_with('[') {
            v6 = true;
        } else if !a.text.starts_with("unix:") {
            v4 = true;
        }
    }
    (v4, v6)
}

/// The [`Inherited`] groups asked about after the auth ones.
const SATISFY: usize = 2;
const ACCESS: usize = 3;
const AUTH_REQUEST: usize = 4;

/// The check `satisfy any` skips: the realm of `auth_basic` when Basic auth is on, else an
/// `auth_request` in effect (not `off`), with the words for it.
fn skipped_check<'a>(inh: &Inherited<'a>, id: CtxId) -> Option<(&'a Stmt, &'static str)> {
    if let Some(realm) = basic_on(inh, id) {
        return Some((realm, "`auth_basic` never asks for a password"));
    }
    match inh.get(id, AUTH_REQUEST) {
        Value::Set(v) => v
            .first()
            .filter(|s| s.args.first().is_some_and(|a| a.text != "off"))
            .map(|s| (*s, "the `auth_request` subrequest never runs")),
        _ => None,
    }
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let any_satisfy_any = ng.contexts.iter().any(|c| {
        c.items.iter().any(|i| {
            matches!(i, NgItem::Directive(s) if s.name.text == "satisfy"
                && s.args.first().is_some_and(|a| a.text.eq_ignore_ascii_case("any")))
        })
    });
    if !any_satisfy_any {
        return;
    }
    let inh = Inherited::new(
        ng,
        &[
            AUTH_GROUPS[0],
            AUTH_GROUPS[1],
            &["satisfy"],
            &["allow", "deny"],
            &["auth_request"],
        ],
    );
    let mut seen: BTreeSet<(Span, Span)> = BTreeSet::new();
    for (id, ctx) in ng.contexts.iter().enumerate() {
        if !matches!(ctx.kind.as_str(), "server" | "location" | "limit_except") {
            continue;
        }
        let Some((auth, skipped)) = skipped_check(&inh, id) else {
            continue;
        };
        let Value::Set(satisfy) = inh.get(id, SATISFY) else {
            continue;
        };
        let Some(satisfy) = satisfy.first() else {
            continue;
        };
        if !satisfy
            .args
            .first()
            .is_some_and(|a| a.text.eq_ignore_ascii_case("any"))
        {
            continue;
        }
        // `ngx_http_access_merge_loc_conf()`: the nearest level with any `allow` or `deny`.
        let Value::Set(rules) = inh.get(id, ACCESS) else {
            continue;
        };
        let Some(mut open) = opening(rules) else {
            continue;
        };
        let (v4, v6) = listen_families(ng, id);
        open.v4 &= v4;
        open.v6 &= v6;
        if !open.v4 && !open.v6 {
            continue;
        }
        if !seen.insert((open.allow.span, satisfy.span)) {
            continue;
        }
        let who = if open.v4 == v4 && open.v6 == v6 {
            "every client"
        } else if open.v4 {
            "every IPv4 client"
        } else {
            "every IPv6 client"
        };
        let but = if open.narrower_deny_first {
            " not denied above it"
        } else {
            ""
        };
        let text = open.allow.args.first().map_or("allow", |a| a.text.as_str());
        let d = out
            .diag(format!(
                "with `satisfy any`, `allow {text}` lets {who}{but} pass the access check, so {skipped}"
            ))
            .at(open.allow.span, "passes the access check for everyone")
            .label(satisfy.span, "one passing check is enough")
            .label(auth.span, "the check that is skipped");
        out.emit(d.help(
            "list only the trusted networks and end with `deny all;` (`allow 10.0.0.0/8; deny all;`), or drop `satisfy any` to require both",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn check(server: &str, fire: bool) {
        let text = format!("events {{}}\nhttp {{\nauth_basic_user_file u;\n{server}\n}}\n");
        if fire {
            fires(&super::RULE, &[("nginx.conf", text.as_str())]);
        } else {
            silent(&super::RULE, &[("nginx.conf", text.as_str())]);
        }
    }

    #[test]
    fn auth_request_is_skipped_too() {
        check(
            "server { listen 443 ssl; location /a/ { satisfy any; allow all; auth_request /check; } location = /check { internal; return 401; } }",
            true,
        );
        check(
            "server { listen 443 ssl; location /a/ { satisfy any; allow all; auth_request off; } }",
            false,
        );
        check(
            "server { listen 443 ssl; location /a/ { satisfy any; allow 10.0.0.1; deny all; auth_request /check; } location = /check { internal; return 401; } }",
            false,
        );
    }

    #[test]
    fn first_match_wins() {
        check(
            "server { auth_basic x; satisfy any; deny all; allow all; }",
            false,
        );
        check(
            "server { auth_basic x; satisfy any; deny 10.0.0.0/8; allow all; }",
            true,
        );
        check(
            "server { auth_basic x; satisfy any; allow 10.0.0.1; }",
            false,
        );
        check(
            "server { auth_basic x; satisfy any; allow 0.0.0.0/0; deny all; }",
            true,
        );
        // The families the server listens on decide who the rule opens the door to.
        check("server { auth_basic x; satisfy any; allow ::/0; }", false);
        check(
            "server { listen [::]:80; auth_basic x; satisfy any; allow ::/0; }",
            true,
        );
        check(
            "server { auth_basic x; satisfy any; deny 0.0.0.0/0; allow all; }",
            false,
        );
        check(
            "server { listen 80; listen [::]:80; auth_basic x; satisfy any; deny 0.0.0.0/0; allow all; }",
            true,
        );
        check(
            "server { auth_basic x; satisfy any; deny 0.0.0.0/0; deny ::/0; allow all; }",
            false,
        );
    }

    #[test]
    fn lists_inherit_whole() {
        check(
            "allow all;\nserver { location / { auth_basic x; satisfy any; } }",
            true,
        );
        check(
            "allow all;\nserver { location / { auth_basic x; satisfy ANY; deny 10.0.0.1; } }",
            false,
        );
    }

    #[test]
    fn needs_satisfy_any_and_auth_on() {
        check("server { auth_basic x; allow all; }", false);
        check("server { auth_basic off; satisfy any; allow all; }", false);
        check(
            "satisfy any; allow all;\nserver { location / { auth_basic x; } }",
            true,
        );
    }

    #[test]
    fn one_finding_per_rule_and_satisfy() {
        let text =
            "events {}\nhttp {\nauth_basic_user_file u; auth_basic x; satisfy any; allow all;\n\
                    server { location /a/ { } location /b/ { } }\nserver { }\n}\n";
        assert_eq!(fires(&super::RULE, &[("nginx.conf", text)]).len(), 1);
    }
}
