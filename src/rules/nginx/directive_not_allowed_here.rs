//! AL202: a directive in a context where nginx does not accept it.
use crate::model::directives::{nginx, nginx_is_context};
use crate::model::nginx::{NgItem, NginxModel};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL202",
    name: "directive-not-allowed-here",
    severity: Severity::Error,
    default_enabled: true,
    summary: "nginx does not accept this directive in this context and refuses to start",
    why: "Every nginx directive is valid only in some contexts. `auth_basic` inside `if`, or \
          `add_header` in a server-level `if`, makes `nginx -t` fail with \"directive is not \
          allowed here\", so the whole server refuses to start or reload. Which contexts accept \
          which directive comes from the nginx documentation's directive table.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        location /admin/ {\n            if ($remote_addr != 10.0.0.1) {\n                auth_basic \"Admin\";\n            }\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        location /admin/ {\n            satisfy any;\n            allow 10.0.0.1;\n            deny all;\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &["scenario: nginx_auth_basic_in_if"],
    check: Check::Model(check),
};

/// Context names whose bodies hold directives (not key/value lists).
fn checkable(kind: &str) -> bool {
    kind == "main" || nginx_is_context(kind)
}

fn allowed(name: &str, kind: &str, parent_kind: Option<&str>) -> Option<bool> {
    let rows = nginx(name);
    if rows.is_empty() {
        return None; // a third-party module's directive: nothing to say
    }
    Some(rows.iter().flat_map(|r| r.contexts.iter()).any(|c| {
        c == "any"
            || c == kind
            || (kind == "if" && c == "if in location" && parent_kind == Some("location"))
    }))
}

fn check(model: &Model, out: &mut Sink) {
    let ng: &NginxModel = &model.nginx;
    for ctx in &ng.contexts {
        if !checkable(&ctx.kind) {
            continue;
        }
        let parent_kind = ctx
            .parent
            .and_then(|p| ng.context(p))
            .map(|p| p.kind.as_str());
        if ctx.kind == "if" && parent_kind == Some("snippet") {
            continue; // an `if` in server or in location: the includer decides
        }
        for item in &ctx.items {
            let (name, span) = match item {
                NgItem::Directive(s) => (s.name.text.as_str(), s.name.span),
                NgItem::Context(c) => match ng.context(*c).and_then(|c| c.head.as_ref()) {
                    Some(h) => (h.name.text.as_str(), h.name.span),
                    None => continue,
                },
            };
            if allowed(name, &ctx.kind, parent_kind) != Some(false) {
                continue;
            }
            let d = out
                .diag(format!("`{name}` is not allowed in `{}`; nginx refuses to start", ctx.kind))
                .at(span, "not allowed here")
                .help(format!("move `{name}` to a context that accepts it (`authlint explain AL202`; nginx docs list the contexts)"));
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn add_header_in_server_if_fires_but_rewrite_does_not() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { if ($a) { add_header X y; } } }\n",
            )],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { if ($a) { rewrite ^ /x; } } }\n",
            )],
        );
    }

    #[test]
    fn location_if_accepts_if_in_location_directives() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { location / { if ($a) { add_header X y; } } } }\n",
            )],
        );
    }

    #[test]
    fn unknown_directives_and_snippet_tops_are_left_alone() {
        silent(&super::RULE, &[("nginx.conf", "events {}\nhttp { server { content_by_lua_block { ngx.say(1) } more_set_headers x; } }\n")]);
        silent(
            &super::RULE,
            &[("site.conf", "auth_basic x;\nlocation / { }\n")],
        );
    }

    #[test]
    fn location_directly_in_http_fires() {
        fires(
            &super::RULE,
            &[("nginx.conf", "events {}\nhttp { location / { } }\n")],
        );
    }
}
