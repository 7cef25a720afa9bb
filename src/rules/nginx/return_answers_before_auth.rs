//! AL214: `return 2xx "text"` in a location that asks for a password: the rewrite phase
//! answers before the access phase, so anyone gets the text.
//!
//! nginx runs a location's rewrite-module directives (`rewrite`, `return`, `if`, `set`) in
//! the rewrite phase, which comes before the access phase where `auth_basic` checks the
//! password. A `return` reached there ends the request: checked with nginx 1.22, `location
//! /r/ { auth_basic ...; return 200 "secret"; }` answers 200 with the text and no
//! password. Only a `return` that every request reaches is reported: written directly in
//! the location, with no `rewrite`, `break` or `if` before it, in a server with no
//! `return` or `if` of its own and no server-level `rewrite` matching the location's URIs
//! (the server's rewrite phase runs first). Redirects (`return 301 URL`) give away
//! only their target and are not reported; an empty 2xx neither.
use super::{matcher, realm_in_effect, rewrite_steps, server_leaves_alone, server_of, RewriteStep};
use crate::model::nginx_match::{location_spec, Modifier};
use crate::model::pcre::Cache;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL214",
    name: "return-answers-before-auth",
    severity: Severity::Error,
    default_enabled: true,
    summary: "`return 200 \"text\"` in a protected location answers before the password is checked",
    why: "nginx handles `return` (like `rewrite` and `if`) in the rewrite phase, which runs \
          before the access phase where `auth_basic` asks for the password. So in \
          `location /status/ { auth_basic ...; return 200 \"...\"; }` the text goes to anyone, \
          and the password is never asked. Serve the content from a file or a backend \
          (content handlers run after the access phase), or, if it is meant to be public, \
          say so with `auth_basic off;`.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /config/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            return 200 '{\"db\": \"db.internal:5432\"}';\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /config/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            alias /srv/config/;\n        }\n        location = /health {\n            auth_basic off;\n            return 200 'ok';\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_flow_return_before_auth",
        "scenario: nginx_flow_redirect_before_auth_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let mut m = matcher(model);
    let mut cache = Cache::default();
    for (id, ctx) in nginx.contexts.iter().enumerate() {
        if ctx.kind != "location" {
            continue;
        }
        let Some(spec) = ctx.head.as_ref().and_then(location_spec) else {
            continue;
        };
        if spec.modifier == Modifier::Named {
            continue;
        }
        let Some(server) = server_of(nginx, id) else {
            continue;
        };
        // The server's own rewrite phase runs first: a `return`, an `if`, or a `rewrite`
        // matching the location's URIs may answer or move them before this location.
        // Regex locations have no URI to try: any server-level step means silence.
        let sample = match spec.modifier {
            Modifier::Exact | Modifier::Prefix | Modifier::NoRegex => spec.pattern,
            _ => "",
        };
        if !server_leaves_alone(nginx, &mut cache, server, sample) {
            continue;
        }
        let Some(ret) = first_return(nginx, id) else {
            continue;
        };
        let [code, text] = ret.args.as_slice() else {
            continue;
        };
        let Ok(status) = code.text.parse::<u16>() else {
            continue;
        };
        if !(200..300).contains(&status) || text.text.is_empty() {
            continue;
        }
        let Some(realm) = realm_in_effect(&mut m, id, "GET") else {
            continue;
        };
        let d = out
            .diag(format!(
                "`return {status}` answers before the password is checked: anyone gets its text"
            ))
            .at(
                ret.span,
                "runs in the rewrite phase, before the access phase",
            )
            .label(
                realm.span,
                "the password would be asked only in the access phase",
            )
            .help(
                "serve this content from a file (`alias`/`root`) or a backend, which run after the access phase; if it is meant to be public, write `auth_basic off;` in this location",
            );
        out.emit(d);
    }
}

/// The `return` every request to the location reaches: the first rewrite-module step, with
/// only `set` before it.
fn first_return(
    nginx: &crate::model::nginx::NginxModel,
    id: usize,
) -> Option<&crate::syntax::nginx::Stmt> {
    for step in rewrite_steps(nginx, id) {
        match step {
            RewriteStep::If(_) => return None,
            RewriteStep::Directive(s) => match s.name.text.as_str() {
                "set" => continue,
                "return" => return Some(s),
                _ => return None,
            },
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(loc: &str) -> String {
        format!("events {{}}\nhttp {{\n server {{\n  listen 80;\n{loc}\n }}\n}}\n")
    }
    const AUTH: &str = "auth_basic A; auth_basic_user_file /u;";

    #[test]
    fn return_200_with_text_fires_also_with_server_level_auth() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!("location /s/ {{ {AUTH} return 200 \"x\"; }}")),
            )],
        );
        assert!(
            found[0].message.contains("`return 200`"),
            "{}",
            found[0].message
        );
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &format!("events {{}}\nhttp {{ server {{ {AUTH} location = /h {{ return 204 \"ok\"; }} }} }}\n"),
            )],
        );
    }

    #[test]
    fn redirects_errors_empty_bodies_and_public_locations_are_silent() {
        for l in [
            format!("location /s/ {{ {AUTH} return 301 https://x/; }}"),
            format!("location /s/ {{ {AUTH} return https://x/; }}"),
            format!("location /s/ {{ {AUTH} return 403 \"no\"; }}"),
            format!("location /s/ {{ {AUTH} return 204; }}"),
            format!("location /s/ {{ {AUTH} return 200 \"\"; }}"),
            "location /s/ { return 200 \"x\"; }".to_string(),
            format!("{AUTH} location /s/ {{ auth_basic off; return 200 \"x\"; }}"),
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(&l))]);
        }
    }

    #[test]
    fn return_after_if_rewrite_or_break_is_silent() {
        for pre in [
            "if ($request_method = POST) { return 405; }",
            "rewrite ^ /other/ last;",
            "break;",
        ] {
            let l = format!("location /s/ {{ {AUTH} {pre} return 200 \"x\"; }}");
            silent(&super::RULE, &[("nginx.conf", &conf(&l))]);
        }
    }

    #[test]
    fn server_level_rewrite_matching_the_location_is_silent_and_others_fire() {
        let server = |pre: &str| {
            format!("events {{}}\nhttp {{ server {{ {pre} location /s/ {{ {AUTH} return 200 \"x\"; }} }} }}\n")
        };
        silent(
            &super::RULE,
            &[("nginx.conf", &server("rewrite ^/s/(.*)$ /t/$1 last;"))],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &server("if ($scheme = http) { return 301 https://x; }"),
            )],
        );
        fires(
            &super::RULE,
            &[("nginx.conf", &server("rewrite ^/old$ /new permanent;"))],
        );
    }

    #[test]
    fn server_level_return_include_unread_and_named_location_are_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &format!("events {{}}\nhttp {{ server {{ return 301 https://x; location /s/ {{ {AUTH} return 200 \"x\"; }} }} }}\n"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "location /s/ {{ include /nowhere/x.conf; {AUTH} return 200 \"x\"; }}"
                )),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!("location @s {{ {AUTH} return 200 \"x\"; }}")),
            )],
        );
    }
}
