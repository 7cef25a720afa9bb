//! AL209: Basic auth in an nginx `server` that accepts only plain HTTP.
//!
//! TLS is on for a server when one of its `listen` lines has `ssl` (or `quic`), or `ssl on;`
//! (nginx before 1.25) is in effect. `ssl_certificate` alone does not turn it on: checked with
//! nginx 1.22, such a server still answers plain HTTP and sends the Basic challenge over it.
//! Left alone: servers that listen only on loopback or Unix sockets (a local TLS proxy in
//! front), servers that answer everything with a server-level `return` or an `https://`
//! rewrite (the redirect runs before the access phase, so no password is asked), and servers
//! with at least one TLS listener (the plain one usually only redirects).
use super::user_file_without_auth_basic::{basic_on, children, Inherited, Value, AUTH_GROUPS};
use crate::model::nginx::{CtxId, NginxModel};
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;

pub static RULE: Rule = Rule {
    code: "AL209",
    name: "basic-auth-over-plain-http",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "Basic auth on an nginx server without TLS: passwords cross the network in clear",
    why: "Basic auth sends the user name and password with every request, only \
          base64-encoded. On a server whose `listen` lines have no `ssl`, anyone on the path \
          can read them. `ssl_certificate` alone does not help: without `listen ... ssl` nginx \
          never uses it. Serve the protected site over TLS and let the plain-HTTP server only \
          redirect to https://.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        server_name example.org;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        server_name example.org;\n        return 301 https://$host$request_uri;\n    }\n    server {\n        listen 443 ssl;\n        server_name example.org;\n        ssl_certificate /etc/ssl/example.org.pem;\n        ssl_certificate_key /etc/ssl/example.org.key;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_basic_auth_over_plain_http",
        "scenario: nginx_basic_auth_tls_healthy",
    ],
    check: Check::Model(check),
};

const SSL: usize = 2;

fn uses_tls(ng: &NginxModel, inh: &Inherited<'_>, server: CtxId) -> bool {
    let listen_tls = ng.directives_in(server, "listen").iter().any(|l| {
        l.args
            .iter()
            .skip(1)
            .any(|a| a.text == "ssl" || a.text == "quic")
    });
    let ssl_on = match inh.get(server, SSL) {
        Value::Set(v) => v
            .first()
            .and_then(|s| s.args.first())
            .is_some_and(|a| a.text.eq_ignore_ascii_case("on")),
        Value::NotSet => false,
        Value::Unknown => true, // an unseen http block could turn it on
    };
    listen_tls || ssl_on
}

/// Does a `listen` address stay on this host?
fn local_only(listen: &Stmt) -> bool {
    let Some(addr) = listen.args.first().map(|a| a.text.as_str()) else {
        return false;
    };
    if addr.starts_with("unix:") {
        return true;
    }
    let host = if let Some(rest) = addr.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        addr.rsplit_once(':').map_or(addr, |(h, _)| h)
    };
    host.starts_with("127.") || host == "localhost" || host == "::1"
}

/// A server-level `return`, or a `rewrite` to https://, answers before any password.
fn redirects_first(ng: &NginxModel, id: CtxId) -> bool {
    !ng.directives_in(id, "return").is_empty()
        || ng.directives_in(id, "rewrite").iter().any(|r| {
            r.args
                .get(1)
                .is_some_and(|a| a.text.starts_with("https://"))
        })
}

/// The `auth_basic` that turns Basic auth on somewhere in the server, if any.
fn protected_by<'a>(ng: &NginxModel, inh: &Inherited<'a>, server: CtxId) -> Option<&'a Stmt> {
    let mut stack = vec![server];
    let mut steps = 0usize;
    while let Some(c) = stack.pop() {
        steps += 1;
        if steps > ng.contexts.len() {
            return None;
        }
        if c != server && redirects_first(ng, c) {
            continue;
        }
        if let Some(s) = basic_on(inh, c) {
            return Some(s);
        }
        let mut below: Vec<CtxId> = children(ng, c).collect();
        below.reverse();
        stack.extend(below);
    }
    None
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let inh = Inherited::new(ng, &[AUTH_GROUPS[0], AUTH_GROUPS[1], &["ssl"]]);
    for (id, ctx) in ng.contexts.iter().enumerate() {
        if ctx.kind != "server" {
            continue;
        }
        // A `server` inside `upstream` is an address, not a block.
        if ctx.head.is_none() || uses_tls(ng, &inh, id) || redirects_first(ng, id) {
            continue;
        }
        let listens = ng.directives_in(id, "listen");
        if !listens.is_empty() && listens.iter().all(|l| local_only(l)) {
            continue;
        }
        let Some(auth) = protected_by(ng, &inh, id) else {
            continue;
        };
        let (at, what) = match listens.first() {
            Some(l) => (l.span, "plain HTTP listener"),
            None => match &ctx.head {
                Some(h) => (h.name.span, "no `listen`: plain HTTP on port 80"),
                None => continue,
            },
        };
        let mut d = out
            .diag("Basic auth on a server without TLS: the password crosses the network in clear with every request")
            .at(at, what)
            .label(auth.span, "asks for a password");
        if let Some(cert) = ng.directives_in(id, "ssl_certificate").first() {
            d = d.label(cert.span, "a certificate no `listen ... ssl` uses");
        }
        out.emit(d.help(
            "listen with TLS (`listen 443 ssl;` and a certificate), and let the plain-HTTP server only `return 301 https://$host$request_uri;`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(http: &str) -> String {
        format!("events {{}}\nhttp {{\nauth_basic_user_file u;\n{http}\n}}\n")
    }

    #[test]
    fn plain_listeners_fire_even_with_a_certificate() {
        for s in [
            "server { listen 80; auth_basic x; }",
            "server { location / { auth_basic x; } }",
            "auth_basic x; server { listen 8080; }",
            "server { listen 0.0.0.0:80; ssl_certificate c; location /a/ { auth_basic x; } }",
            "server { listen [::]:80; location /a/ { limit_except GET { auth_basic x; } } }",
        ] {
            fires(&super::RULE, &[("nginx.conf", conf(s).as_str())]);
        }
    }

    #[test]
    fn tls_local_and_redirecting_servers_are_silent() {
        for s in [
            "server { listen 443 ssl; auth_basic x; }",
            "server { listen 443 quic; listen 443 ssl; auth_basic x; }",
            "ssl on; server { listen 443; auth_basic x; }",
            "server { listen 127.0.0.1:8080; listen [::1]:8080; auth_basic x; }",
            "server { listen unix:/run/a.sock; auth_basic x; }",
            "auth_basic x; server { listen 80; return 301 https://$host$request_uri; }",
            "server { listen 80; location /a/ { auth_basic x; return 301 https://x/; } }",
            "server { listen 80; auth_basic off; }",
            "upstream u { server 127.0.0.1:9; } server { listen 443 ssl; auth_basic x; }",
        ] {
            silent(&super::RULE, &[("nginx.conf", conf(s).as_str())]);
        }
    }
}
