//! AL132: a `<Directory>` asks for a password, but its URL is proxied (`ProxyPass`, or a
//! server-context `RewriteRule ... [P]`), so the request never maps to the directory and
//! the auth never runs.
//!
//! A proxied request's file name is `proxy:http://...`: `<Directory>` sections and
//! `.htaccess` files do not apply to it; `<Location>` and `<Proxy>` do. Stays silent when
//! exclusions (`ProxyPass ... !`), conditions, regex sections or `<Proxy>` sections with
//! auth make the outcome uncertain.
use super::alias_bypasses_location_auth::{
    anchored_literal, applies_to, asks_password, docroot, rewrite_scopes_of, servers, Server,
};
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::model::apache_merge::location_matches;
use crate::model::pcre::{Cache, Flavor};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL132",
    name: "directory-auth-on-proxied-url",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A <Directory> asks for a password, but its URL is proxied, so the password is never asked",
    why: "`ProxyPass` and `RewriteRule ... [P]` hand the URL to mod_proxy before it is mapped \
          to a file: the request's file name becomes `proxy:http://...`, so `<Directory>` \
          sections and `.htaccess` files for the DocumentRoot directory of that URL never \
          apply. Their `Require valid-user` is dead, and the backend answers anyone (unless it \
          asks for a password itself). Protect proxied URLs with `<Location>` (or `<Proxy>`).",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www/app>\n    AuthType Basic\n    AuthName \"App\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\nProxyPass /app/ http://127.0.0.1:8080/\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Location /app/>\n    AuthType Basic\n    AuthName \"App\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Location>\nProxyPass /app/ http://127.0.0.1:8080/\n",
    }]],
    evidence: &[
        "scenario: apache_flow_proxied_directory_auth",
        "scenario: apache_flow_proxied_location_auth",
    ],
    check: Check::Model(check),
};

/// A URL space handed to mod_proxy.
enum Proxied<'m> {
    /// `ProxyPass /path url`: the prefix.
    Prefix(&'m Directive, String),
    /// `RewriteRule regex url [P]`.
    Regex(&'m Directive, String),
}

impl<'m> Proxied<'m> {
    fn directive(&self) -> &'m Directive {
        match self {
            Proxied::Prefix(d, _) | Proxied::Regex(d, _) => d,
        }
    }
    /// Does it take every request for the directory served at `url`?
    fn takes(&self, url: &str, cache: &mut Cache) -> bool {
        let dir_url = format!("{}/", url.trim_end_matches('/'));
        match self {
            Proxied::Prefix(_, p) => {
                // mod_proxy compares the prefix at a segment boundary, like mod_alias.
                dir_url.starts_with(p.as_str())
                    && (p.ends_with('/') || dir_url[p.len()..].starts_with('/'))
            }
            Proxied::Regex(_, re) => {
                let Some(lit) = anchored_literal(re) else {
                    return false;
                };
                // The pattern must start the way the URL does, and take it with anything
                // after it.
                let samples = [dir_url.clone(), format!("{dir_url}index.html")];
                dir_url.starts_with(&lit)
                    && samples
                        .iter()
                        .all(|s| cache.is_match(re, Flavor::Apache, false, s) == Some(true))
            }
        }
    }
}

/// The proxy mappings of a server, or `None` when one makes the outcome uncertain (an
/// exclusion `!`, or a proxied rewrite with conditions).
fn proxied<'m>(apache: &'m ApacheModel, server: &Server) -> Option<Vec<Proxied<'m>>> {
    let mut out = Vec::new();
    // mod_proxy merges the main server's ProxyPass into every virtual host.
    for top in &server.tops {
        for d in apache.directives_in(*top) {
            if d.key != "proxypass" {
                continue;
            }
            let (Some(path), Some(target)) = (d.args.first(), d.args.get(1)) else {
                continue;
            };
            if target.text == "!" || path.text.contains('$') {
                return None;
            }
            out.push(Proxied::Prefix(d, path.text.clone()));
        }
    }
    for top in rewrite_scopes_of(apache, server) {
        let rw = apache.rewrites(top);
        if !rw.engine.is_some_and(|(_, on)| on) {
            continue;
        }
        for r in &rw.rules {
            if !r.has_flag("P") {
                continue;
            }
            if !r.conds.is_empty() {
                return None;
            }
            if let Some(re) = r.regex().filter(|_| !r.negated) {
                out.push(Proxied::Regex(r.directive, re.to_string()));
            }
        }
    }
    Some(out)
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let mut cache = Cache::default();
    let mut seen: Vec<(crate::source::Span, ScopeId)> = Vec::new();
    for server in servers(apache) {
        let Some(root) = docroot(apache, &server) else {
            continue;
        };
        let Some(maps) = proxied(apache, &server) else {
            continue;
        };
        if maps.is_empty() {
            continue;
        }
        let in_server: Vec<ScopeId> = (0..apache.scopes.len())
            .filter(|i| applies_to(apache, *i, &server))
            .collect();
        // Sections that apply to proxied URLs and ask for a password.
        let url_sections: Vec<(ScopeKind, Option<String>)> = in_server
            .iter()
            .filter_map(|i| {
                let s = apache.scope(*i)?;
                let url_based = matches!(s.kind, ScopeKind::Location | ScopeKind::LocationMatch)
                    || matches!(s.kind, ScopeKind::If | ScopeKind::ElseIf | ScopeKind::Else)
                    || (s.kind == ScopeKind::Other
                        && s.head
                            .as_ref()
                            .is_some_and(|h| matches!(h.key.as_str(), "proxy" | "proxymatch")));
                (url_based && asks_password(apache, *i)).then(|| {
                    let plain = s.kind == ScopeKind::Location;
                    let path = s.head.as_ref().and_then(|h| h.args.first());
                    (s.kind, path.filter(|_| plain).map(|p| p.text.clone()))
                })
            })
            .collect();
        for (id, scope) in apache.scopes.iter().enumerate() {
            if scope.kind != ScopeKind::Directory
                || !applies_to(apache, id, &server)
                || !asks_password(apache, id)
            {
                continue;
            }
            let Some(dir) = apache.anchor_dir(id) else {
                continue;
            };
            let Ok(rest) = dir.strip_prefix(&root) else {
                continue;
            };
            let url = format!("/{}", rest.to_string_lossy());
            // A URL-based section with auth that covers it (or might): protected anyway.
            let covered = url_sections.iter().any(|(_, path)| match path {
                Some(p) => location_matches(p, &url),
                None => true,
            });
            if covered {
                continue;
            }
            let Some(m) = maps.iter().find(|m| m.takes(&url, &mut cache)) else {
                continue;
            };
            let key = (m.directive().span, id);
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let Some(require) = std::iter::once(id)
                .chain(apache.sections_below(id))
                .flat_map(|s| apache.directives_in(s))
                .find(|d| d.key == "require" && super::require_needs_user(d))
            else {
                continue;
            };
            let d = out
                .diag(format!(
                    "`{}/` is proxied, so its requests never map to `{}`: this <Directory>'s password is never asked, and the backend answers anyone it does not check itself",
                    url.trim_end_matches('/'),
                    dir.display()
                ))
                .at(m.directive().span, "hands the URL to mod_proxy before any <Directory> applies")
                .label(require.span, "never applies to the proxied URL")
                .help(format!(
                    "protect the proxied URL with `<Location {url}>` (or `<Proxy>`) instead of <Directory>"
                ));
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(extra: &str) -> String {
        format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w/app>\nAuthType Basic\nAuthName \"A\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n{extra}")
    }

    #[test]
    fn proxy_pass_and_proxied_rewrites_over_the_directory_fire() {
        for extra in [
            "ProxyPass /app/ http://127.0.0.1:8080/\n",
            "ProxyPass / http://127.0.0.1:8080/\n",
            "RewriteEngine On\nRewriteRule ^/app/(.*)$ http://127.0.0.1:8080/$1 [P]\n",
        ] {
            fires(&super::RULE, &[("httpd.conf", &conf(extra))]);
        }
    }

    #[test]
    fn other_urls_locations_exclusions_and_conditions_are_silent() {
        for extra in [
            "ProxyPass /api/ http://127.0.0.1:8080/\n",
            "ProxyPass /application/ http://127.0.0.1:8080/\n",
            "ProxyPass /app/ http://127.0.0.1:8080/\n<Location /app/>\nAuthType Basic\nAuthName \"A\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n",
            "ProxyPass /app/static !\nProxyPass /app/ http://127.0.0.1:8080/\n",
            "RewriteEngine On\nRewriteCond %{HTTP:Upgrade} websocket [NC]\nRewriteRule ^/app/(.*)$ ws://127.0.0.1:8080/$1 [P]\n",
            "RewriteEngine On\nRewriteRule ^/app/api/(.*)$ http://127.0.0.1:8080/$1 [P]\n",
            "RewriteRule ^/app/(.*)$ http://127.0.0.1:8080/$1 [P]\n",
        ] {
            silent(&super::RULE, &[("httpd.conf", &conf(extra))]);
        }
    }
}
