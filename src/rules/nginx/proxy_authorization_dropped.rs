//! AL213: a `proxy_set_header` in a child level that drops an inherited
//! `proxy_set_header Authorization ...`.
use crate::model::nginx::{CtxId, NgItem, NginxModel};
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;

pub static RULE: Rule = Rule {
    code: "AL213",
    name: "proxy-authorization-dropped",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A proxy_set_header here drops the inherited Authorization header the upstream needs: it answers 401",
    why: "`proxy_set_header` is an array directive: a level that sets any of them inherits \
          none from the levels above. A server that sends the upstream its credentials with \
          `proxy_set_header Authorization \"Basic ...\"` loses them in every location that \
          adds a header of its own (`X-Forwarded-Proto`, `Host`...): requests proxied from \
          there reach the upstream without them, and it answers 401 — every user refused. \
          Repeat the Authorization line in that location, or move the shared headers to one \
          level.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        proxy_set_header Authorization \"Basic YWxpY2U6c2VjcmV0\";\n        location /api/ {\n            proxy_set_header X-Forwarded-Proto https;\n            proxy_pass http://backend;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        proxy_set_header Authorization \"Basic YWxpY2U6c2VjcmV0\";\n        location /api/ {\n            proxy_set_header Authorization \"Basic YWxpY2U6c2VjcmV0\";\n            proxy_set_header X-Forwarded-Proto https;\n            proxy_pass http://backend;\n        }\n    }\n}\n",
    }]],
    evidence: &["scenario: nginx_child_proxy_set_header_drops_authorization"],
    check: Check::Model(check),
};

fn sets_authorization(list: &[&Stmt]) -> Option<usize> {
    list.iter().position(|s| {
        s.args
            .first()
            .is_some_and(|h| h.text.eq_ignore_ascii_case("authorization"))
    })
}

/// Does the context, or a context below it that inherits its header list, proxy?
fn proxies(ng: &NginxModel, id: CtxId, depth: usize) -> bool {
    if depth > 64 {
        return false;
    }
    let Some(c) = ng.context(id) else {
        return false;
    };
    c.items.iter().any(|i| match i {
        NgItem::Directive(s) => s.name.text == "proxy_pass",
        NgItem::Context(child) => {
            ng.directives_in(*child, "proxy_set_header").is_empty()
                && proxies(ng, *child, depth + 1)
        }
    })
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    for (id, c) in ng.contexts.iter().enumerate() {
        let own = ng.directives_in(id, "proxy_set_header");
        if own.is_empty() || sets_authorization(&own).is_some() {
            continue;
        }
        // The list it would otherwise inherit: the nearest level above that sets any.
        let mut up = c.parent;
        let mut inherited = Vec::new();
        let mut guard = 0;
        while let Some(p) = up {
            guard += 1;
            if guard > 1024 {
                break;
            }
            let here = ng.directives_in(p, "proxy_set_header");
            if !here.is_empty() {
                inherited = here;
                break;
            }
            up = ng.context(p).and_then(|x| x.parent);
        }
        let Some(auth) = sets_authorization(&inherited).and_then(|i| inherited.get(i)) else {
            continue;
        };
        // `proxy_set_header Authorization ""` above means "do not send": nothing lost.
        if auth.args.get(1).is_none_or(|v| v.text.is_empty()) {
            continue;
        }
        if !proxies(ng, id, 0) {
            continue;
        }
        // The dropped line carries credentials: say where it is, never show it.
        let line = model
            .sources
            .get(auth.span.file)
            .map(|f| f.line_col(auth.span.start).0)
            .unwrap_or(0);
        let d = out
            .diag(format!(
                "this proxy_set_header replaces the whole inherited list, so the Authorization header set at {}:{line} is not sent: the upstream answers 401",
                model.sources.path(auth.span.file)
            ))
            .at(own[0].span, "a level with its own proxy_set_header inherits none")
            .help("repeat `proxy_set_header Authorization ...` here, or keep all proxy_set_header lines on one level");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(child: &str) -> String {
        format!("events {{}}\nhttp {{ server {{ proxy_set_header Authorization \"Basic x\"; location /a/ {{ {child} proxy_pass http://b; }} }} }}\n")
    }

    #[test]
    fn child_headers_drop_it_unless_repeated() {
        fires(
            &super::RULE,
            &[("nginx.conf", &conf("proxy_set_header Host h;"))],
        );
        silent(&super::RULE, &[("nginx.conf", &conf(""))]);
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("proxy_set_header Host h; proxy_set_header authorization \"Basic x\";"),
            )],
        );
    }

    #[test]
    fn no_proxy_no_finding() {
        silent(
            &super::RULE,
            &[("nginx.conf", "events {}\nhttp { server { proxy_set_header Authorization \"Basic x\"; location /a/ { proxy_set_header Host h; } } }\n")],
        );
    }
}
