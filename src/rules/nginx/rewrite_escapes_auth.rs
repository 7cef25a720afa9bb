//! AL215: `rewrite ... last` (or a `rewrite` without a flag) in a protected location moves
//! the request, before the password is checked, to a location that asks none.
//!
//! Checked with nginx 1.22: a location's `rewrite` runs in the rewrite phase, before the
//! access phase. With `last`, or with no flag, a changed URI sends the request back to
//! location search (post-rewrite phase), and only the new location's access rules apply:
//! `location /admin/ { auth_basic ...; rewrite ^ /index.php last; }` beside
//! `location ~ \.php$ { fastcgi_pass ...; }` runs the application for `/admin/...` without
//! a password (it still sees `$request_uri` `/admin/...`), and an `internal` location is
//! reached too. With `break` the request stays in the location and its auth applies; a
//! redirect (`redirect`, `permanent`, `http://...`) is answered with only its target.
//!
//! Each protected prefix or exact location is tried with a few URIs it really serves. The
//! location's rewrite-module directives are followed in order for each (PCRE2 with
//! nginx's options, `$1`..`$9` expanded); an `if`, a pattern that does not compile, or a
//! variable in the new path stops the walk (silence). A server-level `rewrite` that
//! matches the URI, or any server-level `return` or `if`, also means silence. The target
//! must be selected with certainty, ask no password, have no `allow`/`deny`/`auth_request`
//! and not move the request again.
use super::{matcher, realm_in_effect, rewrite_steps, server_leaves_alone, server_of, RewriteStep};
use crate::model::nginx::{CtxId, Lookup, NginxModel};
use crate::model::nginx_match::{location_spec, BasicAuth, LocationMatcher, Modifier, Selected};
use crate::model::pcre::{Cache, Flavor};
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;

pub static RULE: Rule = Rule {
    code: "AL215",
    name: "rewrite-escapes-auth",
    severity: Severity::Error,
    default_enabled: true,
    summary: "`rewrite ... last` moves requests out of a protected location before the password is checked",
    why: "`rewrite` runs in the rewrite phase, before the access phase where `auth_basic` \
          asks for the password. With `last` (or no flag) the rewritten URI goes back to \
          location search, and only the new location's auth applies. So \
          `location /admin/ { auth_basic ...; rewrite ^ /index.php last; }` runs the \
          application for every `/admin/` URI without a password when `location ~ \\.php$` \
          has none. Use `try_files` (it runs after the access phase), `rewrite ... break` \
          (the request stays in the location), or protect the target too.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            rewrite ^ /index.php last;\n        }\n        location ~ \\.php$ {\n            fastcgi_pass unix:/run/php/php-fpm.sock;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            try_files $uri /index.php;\n        }\n        location ~ \\.php$ {\n            fastcgi_pass unix:/run/php/php-fpm.sock;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_flow_rewrite_last_escapes_auth",
        "scenario: nginx_flow_rewrite_break_keeps_auth_healthy",
        "scenario: nginx_flow_try_files_error_page_after_auth_healthy",
    ],
    check: Check::Model(check),
};

/// Where a request ends after a location's rewrite-module directives.
enum Flow<'m> {
    /// Answered here, redirected, or still served here (`break`, no match).
    Stays,
    /// The URI changed and location search starts again.
    Moves {
        uri: String,
        by: &'m Stmt,
    },
    Unknown,
}

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
        if !spec.modifier.is_static() || !has_rewrite(nginx, id) {
            continue;
        }
        let Some(server) = server_of(nginx, id) else {
            continue;
        };
        let Some(realm) = realm_in_effect(&mut m, id, "GET") else {
            continue;
        };
        for uri in samples(spec.modifier, spec.pattern) {
            if m.select(server, &uri) != Selected::Location(id)
                || !server_leaves_alone(nginx, &mut cache, server, &uri)
            {
                continue;
            }
            let Flow::Moves { uri: new, by } = walk(nginx, &mut cache, id, &uri) else {
                continue;
            };
            let target = match m.select(server, &new) {
                Selected::Location(c) => c,
                Selected::ServerLevel => server,
                _ => continue,
            };
            if target == id || !serves_anyone(&mut m, target) {
                continue;
            }
            let d = finding(out, nginx, realm, by, target, &uri, &new);
            out.emit(d);
            break;
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    out: &Sink,
    nginx: &NginxModel,
    realm: &Stmt,
    by: &Stmt,
    target: CtxId,
    uri: &str,
    new: &str,
) -> crate::diag::Diagnostic {
    let head_text = |c: CtxId| {
        nginx
            .context(c)
            .and_then(|c| c.head.as_ref())
            .map(|h| {
                std::iter::once(h.name.text.as_str())
                    .chain(h.args.iter().map(|a| a.text.as_str()))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .unwrap_or_else(|| "the server level".to_string())
    };
    let internal = !nginx.directives_in(target, "internal").is_empty();
    let target_text = head_text(target);
    let mut d = out
        .diag(format!(
            "`{uri}` is rewritten to `{new}` before the password is checked, and `{target_text}` serves it without one"
        ))
        .at(by.span, "runs in the rewrite phase, before the access phase")
        .label(realm.span, "never asked for the rewritten requests");
    if let Some(h) = nginx.context(target).and_then(|c| c.head.as_ref()) {
        let text = if internal {
            "asks no password (`internal` only keeps out direct requests)"
        } else {
            "asks no password"
        };
        let end = h.args.last().map_or(h.name.span, |a| a.span);
        d = d.label(h.name.span.to(end), text);
    }
    d.help(
        "use `try_files` (it runs after the access phase) or `rewrite ... break` to stay in this location, or give the target location the same `auth_basic` and `auth_basic_user_file`",
    )
}

fn has_rewrite(nginx: &NginxModel, id: CtxId) -> bool {
    !nginx.directives_in(id, "rewrite").is_empty()
}

/// URIs a static location serves (checked against the matcher before use).
fn samples(modifier: Modifier, pattern: &str) -> Vec<String> {
    match modifier {
        Modifier::Exact => vec![pattern.to_string()],
        Modifier::Prefix | Modifier::NoRegex => {
            let mut v = vec![pattern.to_string()];
            let base = if pattern.ends_with('/') {
                pattern.to_string()
            } else {
                format!("{pattern}/")
            };
            for tail in ["x", "index.php", "x/y.html", "x.txt"] {
                v.push(format!("{base}{tail}"));
            }
            v
        }
        _ => Vec::new(),
    }
}

/// Follow a location's rewrite-module directives for `uri`, as `ngx_http_rewrite_handler()`
/// runs them.
fn walk<'m>(nginx: &'m NginxModel, cache: &mut Cache, id: CtxId, uri: &str) -> Flow<'m> {
    let mut cur = uri.to_string();
    let mut moved_by: Option<&Stmt> = None;
    for step in rewrite_steps(nginx, id) {
        let s = match step {
            RewriteStep::If(_) => return Flow::Unknown,
            RewriteStep::Directive(s) => s,
        };
        match s.name.text.as_str() {
            "set" => continue,
            // `return` answers; `break` keeps the request (and a changed URI) here.
            "return" | "break" => return Flow::Stays,
            _ => {}
        }
        let [re, repl, rest @ ..] = s.args.as_slice() else {
            return Flow::Unknown;
        };
        let flag = match rest {
            [] => None,
            [f] => Some(f.text.as_str()),
            _ => return Flow::Unknown,
        };
        let Ok(regex) = cache.get(&re.text, Flavor::Nginx, false) else {
            return Flow::Unknown;
        };
        let caps = match regex.captures(cur.as_bytes()) {
            Ok(Some(c)) => c,
            Ok(None) => continue,
            Err(_) => return Flow::Unknown,
        };
        let r = repl.text.as_str();
        if r.starts_with("http://") || r.starts_with("https://") || r.starts_with("$scheme") {
            return Flow::Stays;
        }
        match flag {
            Some("redirect") | Some("permanent") | Some("break") => return Flow::Stays,
            Some("last") | None => {}
            Some(_) => return Flow::Unknown,
        }
        let Some(new) = expand(r, |n| {
            caps.get(n)
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
        }) else {
            return Flow::Unknown;
        };
        cur = new;
        if flag == Some("last") {
            return Flow::Moves { uri: cur, by: s };
        }
        moved_by = Some(s);
    }
    match moved_by {
        Some(by) => Flow::Moves { uri: cur, by },
        None => Flow::Stays,
    }
}

/// The path of a replacement with `$1`..`$9` expanded; `None` when the path holds another
/// variable or is not absolute. Arguments (after `?`) do not choose the location.
fn expand(repl: &str, cap: impl Fn(usize) -> Option<String>) -> Option<String> {
    let path = repl.split('?').next().unwrap_or("");
    let mut out = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        let d = chars.next()?.to_digit(10)?;
        out.push_str(&cap(d as usize).unwrap_or_default());
    }
    out.starts_with('/').then_some(out)
}

/// Does the target serve anyone: no password, no access lists or other auth, and no
/// rewrite-module directive that could move or refuse the request again?
fn serves_anyone(m: &mut LocationMatcher<'_>, ctx: CtxId) -> bool {
    if !m.sees_all(ctx) || m.basic_auth(ctx) != BasicAuth::Off {
        return false;
    }
    for name in [
        "deny",
        "auth_request",
        "auth_jwt",
        "auth_pam",
        "auth_gss",
        "auth_ldap",
        "auth_digest",
    ] {
        match m.lookup(ctx, name) {
            Lookup::NotSet => {}
            Lookup::Found(v)
                if name != "deny"
                    && v.iter()
                        .all(|s| s.args.first().is_some_and(|a| a.text == "off")) => {}
            _ => return false,
        }
    }
    let nginx = m.model();
    for step in rewrite_steps(nginx, ctx) {
        match step {
            RewriteStep::If(_) => return false,
            RewriteStep::Directive(s) => match s.name.text.as_str() {
                "set" => {}
                "return" => {
                    let code = s.args.first().and_then(|a| a.text.parse::<u16>().ok());
                    if code.is_none_or(|c| c >= 400) {
                        return false;
                    }
                }
                _ => return false,
            },
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(body: &str) -> String {
        format!("events {{}}\nhttp {{\n server {{\n  listen 80;\n{body}\n }}\n}}\n")
    }
    const AUTH: &str = "auth_basic A; auth_basic_user_file /u;";

    #[test]
    fn last_to_an_open_regex_location_fires_and_names_both_uris() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "location /admin/ {{ {AUTH} rewrite ^ /index.php?q=$uri last; }}\n\
                     location ~ \\.php$ {{ fastcgi_pass unix:/s; }}"
                )),
            )],
        );
        assert!(
            found[0]
                .message
                .contains("`/admin/` is rewritten to `/index.php`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn captures_no_flag_and_internal_targets_fire() {
        for body in [
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /in/$1 last; }}\nlocation /in/ {{ internal; }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /open/$1; }}\nlocation /open/ {{ }}"),
            format!("location = /a {{ {AUTH} rewrite ^ /open/ last; }}\nlocation /open/ {{ }}"),
        ] {
            fires(&super::RULE, &[("nginx.conf", &conf(&body))]);
        }
    }

    #[test]
    fn break_redirects_protected_targets_and_unknowns_are_silent() {
        for body in [
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /open/$1 break; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /open/$1 permanent; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^ https://x/ last; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /p/$1 last; }}\nlocation /p/ {{ {AUTH} }}"),
            format!("{AUTH}\nlocation /a/ {{ rewrite ^/a/(.*)$ /p/$1 last; }}\nlocation /p/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ $target last; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /open/$1; break; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} if ($x) {{ return 403; }} rewrite ^ /open/ last; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/a/(.*)$ /open/$1 last; }}\nlocation /open/ {{ deny all; }}"),
            format!("location /a/ {{ {AUTH} rewrite ^/zzz/ /open/ last; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite (?<=a)b( /open/ last; }}\nlocation /open/ {{ }}"),
            format!("rewrite ^/a/ /b/ last;\nlocation /a/ {{ {AUTH} rewrite ^ /open/ last; }}\nlocation /open/ {{ }}"),
            format!("location /a/ {{ {AUTH} rewrite ^ /open/ last; }}\nlocation /open/ {{ include /nowhere/x.conf; }}"),
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(&body))]);
        }
    }

    #[test]
    fn expand_substitutes_captures_and_refuses_variables() {
        let cap = |n: usize| (n == 1).then(|| "x/y".to_string());
        assert_eq!(super::expand("/o/$1?a=$args", cap), Some("/o/x/y".into()));
        assert_eq!(super::expand("/o/$uri", cap), None);
        assert_eq!(super::expand("o/$1", cap), None);
        assert_eq!(super::expand("/o/$2", cap), Some("/o/".into()));
    }
}
