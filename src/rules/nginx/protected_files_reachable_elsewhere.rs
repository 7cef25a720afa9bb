//! AL216: files that a protected location serves are also served, without the password, by
//! another location or server whose `root` or `alias` reaches the same directory.
//!
//! nginx maps a URI to a file by the selected location only: `root` + URI, or for an
//! `alias` location the alias + the URI after the location's prefix. Auth guards URIs,
//! not files: checked with nginx 1.22, `location /private/ { auth_basic ...; }` under
//! `root /srv/www` asks a password for `/private/s.txt` (401), while `location /files/ {
//! alias /srv/www/private/; }` in the same server, or a second server with the same root,
//! hands the same file to anyone (200).
//!
//! For each protected prefix location ending in `/` with a known directory (`root` + prefix,
//! or its `alias`; no variables, absolute paths), each `root` and `alias` of every server
//! that contains that directory gives the URI that would reach a file in it. The URI is
//! selected with the location matcher; a finding needs a selected location (or server
//! level) that maps the URI back to the very same file, asks no password, has no
//! `allow`/`deny`, other auth, `internal`, handler (`*_pass`), `return` or `rewrite`, in
//! a server whose own rewrite phase (`return`, `rewrite`, `if`) does not act first. URIs under the protected prefix in its own server are left to AL203.
use super::{matcher, realm_in_effect, rewrite_steps, server_of, RewriteStep};
use crate::model::nginx::{CtxId, Lookup, NginxModel};
use crate::model::nginx_match::{location_spec, BasicAuth, LocationMatcher, Modifier, Selected};
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use crate::syntax::nginx::Stmt;
use std::collections::HashMap;
use std::path::Path;

pub static RULE: Rule = Rule {
    code: "AL216",
    name: "protected-files-reachable-elsewhere",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Another root or alias serves the files of a protected location without the password",
    why: "nginx's auth guards URIs, not files. When `location /private/ { auth_basic ...; }` \
          serves `/srv/www/private/` and another location (`location /files/ { alias \
          /srv/www/private/; }`) or another server with `root /srv/www` reaches the same \
          directory, the files are handed to anyone there. Protect every URI that reaches \
          the files, or keep one way to them.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /etc/nginx/private.htpasswd;\n        }\n        location /files/ {\n            alias /srv/www/private/;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        root /srv/www;\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /etc/nginx/private.htpasswd;\n        }\n        location /files/ {\n            alias /srv/www/public/;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_flow_alias_reaches_protected_files",
        "scenario: nginx_flow_alias_beside_protected_files_healthy",
    ],
    check: Check::Model(check),
};

/// A `root` or `alias` that maps URIs to files.
struct Mapper<'m> {
    server: CtxId,
    stmt: &'m Stmt,
    /// The alias location's prefix; `None` for `root`.
    prefix: Option<&'m str>,
    /// The directory, normalised, without a final `/`.
    base: String,
}

/// Mappers by the directories whose files they can reach (their own base, and for an
/// alias whose location prefix lacks the final `/`, the parent too), so that each
/// protected directory only meets the mappers above it.
fn index(mappers: &[Mapper<'_>]) -> HashMap<String, Vec<usize>> {
    let mut by_dir: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, mp) in mappers.iter().enumerate() {
        by_dir.entry(mp.base.clone()).or_default().push(i);
        let climbs = mp.prefix.is_some_and(|p| !p.ends_with('/'))
            && mp.stmt.args.first().is_some_and(|a| a.text.ends_with('/'));
        if let (true, Some(parent)) = (climbs, Path::new(&mp.base).parent()) {
            let parent = parent.to_string_lossy().trim_end_matches('/').to_string();
            by_dir.entry(parent).or_default().push(i);
        }
    }
    by_dir
}

/// The mappers that could reach `file`, in config order.
fn candidates(by_dir: &HashMap<String, Vec<usize>>, file: &str) -> Vec<usize> {
    let mut out: Vec<usize> = Path::new(file)
        .ancestors()
        .filter_map(|a| by_dir.get(a.to_string_lossy().trim_end_matches('/')))
        .flatten()
        .copied()
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The file name tried inside a protected directory.
const PROBE: &str = "x";
/// Location selections per run (many servers sharing one root would otherwise make it
/// quadratic); beyond it the rule stops searching.
const BUDGET: usize = 20_000;

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let mut m = matcher(model);
    let mut budget = BUDGET;
    let mappers = mappers(nginx);
    if mappers.len() < 2 {
        return;
    }
    let by_dir = index(&mappers);
    for (id, ctx) in nginx.contexts.iter().enumerate() {
        if ctx.kind != "location" {
            continue;
        }
        let Some(spec) = ctx.head.as_ref().and_then(location_spec) else {
            continue;
        };
        if !matches!(spec.modifier, Modifier::Prefix | Modifier::NoRegex)
            || !spec.pattern.ends_with('/')
            || !serves_files(nginx, id)
        {
            continue;
        }
        let Some(server) = server_of(nginx, id) else {
            continue;
        };
        let own = format!("{}{PROBE}", spec.pattern);
        if m.select(server, &own) != Selected::Location(id) {
            continue;
        }
        let Some((target, _)) = file_for(&mut m, id, &own) else {
            continue;
        };
        let Some(realm) = realm_in_effect(&mut m, id, "GET") else {
            continue;
        };
        // One finding per place that serves the files.
        let mut reported: Vec<CtxId> = Vec::new();
        for mp in candidates(&by_dir, &target)
            .into_iter()
            .filter_map(|i| mappers.get(i))
        {
            let Some(uri) = uri_for(mp, &target) else {
                continue;
            };
            if mp.server == server && uri.starts_with(spec.pattern) {
                continue;
            }
            if budget == 0 {
                return;
            }
            budget -= 1;
            let chosen = match m.select(mp.server, &uri) {
                Selected::Location(c) => c,
                Selected::ServerLevel => mp.server,
                _ => continue,
            };
            if chosen == id || inside(nginx, chosen, id) || reported.contains(&chosen) {
                continue;
            }
            let Some((file, by)) = file_for(&mut m, chosen, &uri) else {
                continue;
            };
            if file != target || !serves_anyone(&mut m, chosen) || rewrites_first(nginx, mp.server)
            {
                continue;
            }
            let dir = target.trim_end_matches(PROBE).trim_end_matches('/');
            let p_text = head_text(nginx, id);
            let where_ = if mp.server == server {
                String::new()
            } else {
                match nginx
                    .directives_in(mp.server, "server_name")
                    .first()
                    .and_then(|s| s.args.first())
                {
                    Some(n) if !n.text.is_empty() => format!(" on server `{}`", n.text),
                    _ => " on another server".to_string(),
                }
            };
            let mut d = out
                .diag(format!(
                    "`{uri}`{where_} serves the files of `{dir}/` to anyone; `{p_text}` serves them only with a password"
                ))
                .at(
                    by.span,
                    if nginx.context(chosen).is_some_and(|c| c.kind == "location") {
                        format!("`{}` maps `{uri}` to `{file}`", head_text(nginx, chosen))
                    } else {
                        format!("no location takes `{uri}`: this root maps it to `{file}`")
                    },
                );
            if let Some(h) = ctx.head.as_ref() {
                let end = h.args.last().map_or(h.name.span, |a| a.span);
                d = d.label(h.name.span.to(end), "asks a password only for its own URIs");
            }
            let help = if uri.contains("../") {
                "end the location's prefix with `/` like its alias (`location /img/ { alias /srv/img/; }`), so `..` cannot follow it".to_string()
            } else {
                format!(
                    "give the location that serves `{uri}` the same `auth_basic` and `auth_basic_user_file`, or point its `{}` elsewhere",
                    by.name.text
                )
            };
            d = d
                .label(realm.span, "not in effect for the other URI")
                .help(help);
            out.emit(d);
            reported.push(chosen);
        }
    }
}

/// Every literal absolute `root` and prefix-location `alias`.
fn mappers(nginx: &NginxModel) -> Vec<Mapper<'_>> {
    let mut out = Vec::new();
    for (id, ctx) in nginx.contexts.iter().enumerate() {
        let is_loc = ctx.kind == "location";
        if !matches!(ctx.kind.as_str(), "http" | "server" | "location") {
            continue;
        }
        let servers: Vec<CtxId> = if ctx.kind == "http" {
            nginx
                .contexts
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == "server" && c.parent == Some(id))
                .map(|(i, _)| i)
                .collect()
        } else {
            server_of(nginx, id).into_iter().collect()
        };
        let prefix = ctx
            .head
            .as_ref()
            .and_then(location_spec)
            .filter(|s| matches!(s.modifier, Modifier::Prefix | Modifier::NoRegex))
            .map(|s| s.pattern);
        for name in ["root", "alias"] {
            for s in nginx.directives_in(id, name) {
                let Some(a) = s.args.first() else { continue };
                if a.text.contains('$') || !a.text.starts_with('/') {
                    continue;
                }
                let prefix = match (name, is_loc) {
                    ("root", _) => None,
                    ("alias", true) if prefix.is_some() => prefix,
                    _ => continue,
                };
                let base = norm(&a.text).trim_end_matches('/').to_string();
                for &server in &servers {
                    out.push(Mapper {
                        server,
                        stmt: s,
                        prefix,
                        base: base.clone(),
                    });
                }
            }
        }
    }
    out
}

/// The URI that this root or alias maps to `file`, if any.
fn uri_for(mp: &Mapper<'_>, file: &str) -> Option<String> {
    let dir = mp.stmt.args.first()?.text.as_str();
    let uri = match mp.prefix {
        None => {
            let rest = file.strip_prefix(mp.base.as_str())?;
            if !rest.starts_with('/') {
                return None;
            }
            rest.to_string()
        }
        Some(prefix) => match file.strip_prefix(dir) {
            Some(rest) => format!("{prefix}{rest}"),
            // `location /img { alias /srv/img/; }`: `/img../x` opens `/srv/img/../x`, one
            // level above the alias (a prefix without its final `/` lets `..` follow it).
            None if !prefix.ends_with('/') && dir.ends_with('/') => {
                let dir = norm(dir);
                let parent = Path::new(&dir).parent()?.to_string_lossy().into_owned();
                let rest = file.strip_prefix(parent.trim_end_matches('/'))?;
                if !rest.starts_with('/') {
                    return None;
                }
                format!("{prefix}..{rest}")
            }
            None => return None,
        },
    };
    (uri.starts_with('/') && !uri.contains("//") && !uri.contains("/.")).then_some(uri)
}

/// The file nginx opens for `uri` in a context, and the `root`/`alias` that decides it.
fn file_for<'m>(m: &mut LocationMatcher<'m>, ctx: CtxId, uri: &str) -> Option<(String, &'m Stmt)> {
    let nginx = m.model();
    let mut cur = Some(ctx);
    let mut guard = 0;
    while let Some(id) = cur {
        guard += 1;
        if guard > 256 {
            return None;
        }
        let c = nginx.context(id)?;
        if c.kind == "snippet" {
            return None;
        }
        let alias = m.directives_in(id, "alias");
        let root = m.directives_in(id, "root");
        if let Some(s) = alias.last() {
            let a = s.args.first()?;
            let spec = c.head.as_ref().and_then(location_spec)?;
            if a.text.contains('$')
                || !matches!(spec.modifier, Modifier::Prefix | Modifier::NoRegex)
            {
                return None;
            }
            let rest = uri.strip_prefix(spec.pattern)?;
            return Some((norm(&format!("{}{rest}", a.text)), s));
        }
        if let Some(s) = root.last() {
            let r = s.args.first()?;
            if r.text.contains('$') || !r.text.starts_with('/') {
                return None;
            }
            return Some((norm(&format!("{}{uri}", r.text)), s));
        }
        cur = c.parent;
    }
    None
}

fn norm(p: &str) -> String {
    normalize(Path::new(p)).to_string_lossy().into_owned()
}

/// Is `ctx` nested (at any depth) in `outer`?
fn inside(nginx: &NginxModel, ctx: CtxId, outer: CtxId) -> bool {
    let mut cur = nginx.context(ctx).and_then(|c| c.parent);
    let mut guard = 0;
    while let Some(id) = cur {
        guard += 1;
        if guard > 256 {
            return true;
        }
        if id == outer {
            return true;
        }
        cur = nginx.context(id).and_then(|c| c.parent);
    }
    false
}

/// Handlers and rewrite-module directives that keep a location from serving its files.
const NOT_FILES: &[&str] = &[
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "grpc_pass",
    "memcached_pass",
    "return",
    "rewrite",
    "internal",
];

/// Does the server's own rewrite phase (`return`, `rewrite`, `if` at server level) act
/// before any location is chosen? (An http-to-https server answers everything with 301.)
fn rewrites_first(nginx: &NginxModel, server: CtxId) -> bool {
    rewrite_steps(nginx, server).iter().any(|s| match s {
        RewriteStep::If(_) => true,
        RewriteStep::Directive(s) => s.name.text != "set",
    })
}

fn serves_files(nginx: &NginxModel, id: CtxId) -> bool {
    NOT_FILES
        .iter()
        .all(|n| nginx.directives_in(id, n).is_empty())
}

/// Serves its files to anyone: no password, no access list or other auth.
fn serves_anyone(m: &mut LocationMatcher<'_>, ctx: CtxId) -> bool {
    let nginx = m.model();
    if !serves_files(nginx, ctx) || !m.sees_all(ctx) || m.basic_auth(ctx) != BasicAuth::Off {
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
    true
}

fn head_text(nginx: &NginxModel, id: CtxId) -> String {
    nginx
        .context(id)
        .and_then(|c| c.head.as_ref())
        .map(|h| {
            std::iter::once(h.name.text.as_str())
                .chain(h.args.iter().map(|a| a.text.as_str()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "auth_basic A; auth_basic_user_file /u;";

    fn conf(servers: &str) -> String {
        format!("events {{}}\nhttp {{\n{servers}\n}}\n")
    }

    #[test]
    fn alias_into_the_protected_directory_fires_and_names_the_uri() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "server {{ root /srv/www; location /private/ {{ {AUTH} }}\n\
                     location /files/ {{ alias /srv/www/private/; }} }}"
                )),
            )],
        );
        assert!(
            found[0]
                .message
                .starts_with("`/files/x` serves the files of `/srv/www/private/`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn alias_above_it_another_server_and_a_location_root_fire() {
        for servers in [
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /all/ {{ alias /srv/www/; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }} }}\nserver {{ listen 81; root /srv/www; }}"),
            format!("root /srv/www;\nserver {{ location /private/ {{ {AUTH} }} }}\nserver {{ listen 81; }}"),
            format!("server {{ location /p/ {{ alias /data/p/; {AUTH} }}\nlocation /data/ {{ root /; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /img {{ alias /srv/www/img/; }} }}"),
        ] {
            fires(&super::RULE, &[("nginx.conf", &conf(&servers))]);
        }
    }

    #[test]
    fn other_directories_protection_and_unknowns_are_silent() {
        for servers in [
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/public/; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/private/; {AUTH} }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/private/; deny all; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias $dir; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/private/; internal; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/private/; proxy_pass http://b; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }} }}\nserver {{ listen 81; root /srv/other; }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }} }}\nserver {{ listen 80; root /srv/www; return 301 https://$host$request_uri; location / {{ }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }} }}\nserver {{ listen 81; root /srv/www; {AUTH} }}"),
            format!("server {{ root $root; location /private/ {{ {AUTH} }} }}\nserver {{ listen 81; root /srv/www; }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /files/ {{ alias /srv/www/private/; include /nowhere/a.conf; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /img/ {{ alias /srv/www/img/; }} }}"),
            format!("server {{ root /srv/www; location /private/ {{ {AUTH} }}\nlocation /img {{ alias /srv/www/img; }} }}"),
            // A location's own root maps only the URIs that location serves.
            format!("server {{ location /p/ {{ alias /data/p/; {AUTH} }}\nlocation /static/ {{ root /data; }} }}"),
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(&servers))]);
        }
    }

    #[test]
    fn same_server_uris_under_the_prefix_are_left_to_al203() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "server {{ root /srv/www; location /private/ {{ {AUTH} }}\n\
                     location /private/pub/ {{ }} }}"
                )),
            )],
        );
    }

    #[test]
    fn alias_prefix_without_slash_reaches_the_parent() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf(&format!(
                    "server {{ root /srv/www; location /private/ {{ {AUTH} }}\n\
                     location /img {{ alias /srv/www/img/; }} }}"
                )),
            )],
        );
        assert!(
            found[0].message.starts_with("`/img../private/x`"),
            "{}",
            found[0].message
        );
    }
}
