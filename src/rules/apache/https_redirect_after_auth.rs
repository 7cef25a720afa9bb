//! AL128: a redirect to `https://` written where Apache runs it after authentication.
//!
//! mod_rewrite in per-directory context (`.htaccess`, `<Directory>`, `<Location>`, `<If>`)
//! and mod_alias's `Redirect` there both act in the fixup phase, after the auth checks. A
//! plain-HTTP request to a protected area therefore gets 401 first, and the browser sends
//! the password in clear before it ever sees the redirect. In server or virtual-host
//! context the same redirect runs while the URL is translated, before any auth.
use super::alias_bypasses_location_auth::{asks_password, docroot, Server};
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::model::apache_merge::{location_matches, AuthzSource};
use crate::model::pcre::{Cache, Flavor};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL128",
    name: "https-redirect-after-auth",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "The redirect to HTTPS runs after authentication: plain-HTTP visitors are asked for the password first",
    why: "In `.htaccess`, `<Directory>`, `<Location>` and `<If>`, mod_rewrite and `Redirect` \
          run in the fixup phase, after authentication. A plain-HTTP request to a protected \
          area gets `401` instead of the redirect, the browser asks for the password and \
          sends it in clear; only then is it redirected to HTTPS. Redirect in the \
          `<VirtualHost *:80>` itself (server context), where it runs before any auth.",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride All\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/www/admin/.htaccess",
            text: "AuthType Basic\nAuthName \"Admin\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\nRewriteEngine On\nRewriteCond %{HTTPS} off\nRewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n",
        },
    ]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\nRewriteEngine On\nRewriteCond %{HTTPS} off\nRewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n<Directory /srv/www/admin>\n    AuthType Basic\n    AuthName \"Admin\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_flow_https_redirect_after_auth",
        "scenario: apache_flow_https_redirect_before_auth",
    ],
    check: Check::Model(check),
};

/// Variables a condition tests to tell plain HTTP from HTTPS (`%{HTTPS}`, `%{HTTPS} != 'on'`
/// in an expression...).
const SCHEME_TESTS: &[&str] = &[
    "%{https",
    "%{server_port",
    "%{request_scheme",
    "%{http:x-forwarded-proto",
];

fn tests_scheme(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    SCHEME_TESTS.iter().any(|v| t.contains(v))
}

/// Is the scope inside a virtual host that serves TLS (`SSLEngine on`)?
fn in_tls_vhost(apache: &ApacheModel, id: ScopeId) -> bool {
    apache.vhost_of(id).is_some_and(|v| {
        apache.directives_in(v).iter().any(|d| {
            d.key == "sslengine"
                && d.args
                    .first()
                    .is_some_and(|a| a.text.eq_ignore_ascii_case("on"))
        })
    })
}

/// An `<If>`/`<ElseIf>` around `id` (or `id` itself) whose expression tests the scheme.
fn if_tests_scheme(apache: &ApacheModel, id: ScopeId) -> bool {
    let mut cur = Some(id);
    let mut guard = 0;
    while let Some(sid) = cur {
        guard += 1;
        let Some(s) = apache.scope(sid) else {
            return false;
        };
        if guard > 1024 {
            return false;
        }
        if matches!(s.kind, ScopeKind::If | ScopeKind::ElseIf) {
            let expr = s.head.as_ref().map(|h| {
                h.args
                    .iter()
                    .map(|a| a.text.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            });
            if expr.is_some_and(|e| tests_scheme(&e) || e.to_ascii_lowercase().contains("-secure"))
            {
                return true;
            }
        }
        cur = s.parent;
    }
    false
}

/// HTTP-to-HTTPS redirects written directly in a per-directory scope.
fn redirects_in(apache: &ApacheModel, id: ScopeId) -> Vec<&Directive> {
    let mut out = Vec::new();
    let rw = apache.rewrites(id);
    if rw.per_dir && rw.engine.is_some_and(|(_, on)| on) {
        for r in &rw.rules {
            let https = r
                .substitution
                .is_some_and(|s| s.text.to_ascii_lowercase().starts_with("https://"));
            let guarded = r.conds.iter().any(|c| {
                c.test.is_some_and(|t| tests_scheme(&t.text))
                    || c.pattern.is_some_and(|p| tests_scheme(&p.text))
            }) || if_tests_scheme(apache, id);
            if https && guarded {
                out.push(r.directive);
            }
        }
    }
    for d in apache.directives_in(id) {
        let redirect = matches!(
            d.key.as_str(),
            "redirect" | "redirectmatch" | "redirectpermanent" | "redirecttemp"
        );
        let https = d
            .args
            .iter()
            .any(|a| a.text.to_ascii_lowercase().starts_with("https://"));
        // A virtual host without SSLEngine on that does not listen on 443 either.
        let plain_vhost = apache.vhost_of(id).is_some_and(|v| {
            !in_tls_vhost(apache, id)
                && apache
                    .scope(v)
                    .and_then(|s| s.head.as_ref())
                    .is_some_and(|h| h.args.iter().all(|a| !a.text.ends_with(":443")))
        });
        if redirect && https && (if_tests_scheme(apache, id) || plain_vhost) {
            out.push(d);
        }
    }
    out
}

/// The `Require` that asks for a password in a section (for the label).
fn password_require(apache: &ApacheModel, id: ScopeId) -> Option<&Directive> {
    std::iter::once(id)
        .chain(apache.sections_below(id))
        .flat_map(|s| apache.directives_in(s))
        .find(|d| d.key == "require" && super::require_needs_user(d))
}

/// A protected section the redirect's scope applies to: its own area's authorization, or
/// for a directory scope, a protected directory below it (same server).
fn protected_area(apache: &ApacheModel, id: ScopeId) -> Option<ScopeId> {
    if let AuthzSource::Section(s) = apache.authz_source(id) {
        if asks_password(apache, s) {
            return Some(s);
        }
    }
    let anchor = apache.anchor(id)?;
    let vhost = apache.vhost_of(anchor);
    let dir = apache.anchor_dir(anchor);
    (0..apache.scopes.len()).find(|p| {
        let same_server = {
            let v = apache.vhost_of(*p);
            v.is_none() || v == vhost
        };
        let Some(ps) = apache.scope(*p) else {
            return false;
        };
        if !same_server
            || !matches!(
                ps.kind,
                ScopeKind::Directory | ScopeKind::Htaccess | ScopeKind::Location
            )
            || !asks_password(apache, *p)
        {
            return false;
        }
        match (&dir, apache.anchor_dir(*p)) {
            (Some(d), Some(pd)) => pd.starts_with(d) && !rewrites_replaced(apache, d, &pd, vhost),
            _ => false,
        }
    })
}

/// Do per-directory mod_rewrite settings between `dir` (exclusive) and `below` replace the
/// rules of `dir`? Without `RewriteOptions Inherit`, a deeper section that has any mod_rewrite
/// directive of its own starts from its own rules; sections without any keep the parent's.
fn rewrites_replaced(
    apache: &ApacheModel,
    dir: &std::path::Path,
    below: &std::path::Path,
    vhost: Option<ScopeId>,
) -> bool {
    apache
        .chain_for_dir(below, vhost)
        .scopes
        .iter()
        .filter(|s| {
            apache
                .anchor_dir(**s)
                .is_some_and(|sd| sd.starts_with(dir) && sd != dir)
        })
        .any(|s| {
            apache
                .directives_in(*s)
                .iter()
                .any(|d| d.key.starts_with("rewrite"))
        })
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in 0..apache.scopes.len() {
        let Some(scope) = apache.scope(id) else {
            continue;
        };
        if !scope.kind.is_per_dir() || in_tls_vhost(apache, id) {
            continue;
        }
        let redirects = redirects_in(apache, id);
        let Some(first) = redirects.first() else {
            continue;
        };
        let area = match scope.kind {
            // A server-level <If> covers every request of its server.
            ScopeKind::If | ScopeKind::ElseIf | ScopeKind::Else if apache.anchor(id).is_none() => {
                server_wide_protected(apache, id, first)
            }
            _ => protected_area(apache, id),
        };
        let Some(area) = area else { continue };
        let Some(req) = password_require(apache, area) else {
            continue;
        };
        let d = out
            .diag(format!(
                "`{}` here runs after authentication: a plain-HTTP request to the protected area gets 401, and the password is sent in clear before any redirect to HTTPS",
                first.name
            ))
            .at(first.span, "redirects to HTTPS only after the password check")
            .label(req.span, "asks for the password first, over plain HTTP")
            .help("move the redirect to server context (the `<VirtualHost *:80>` itself, outside any <Directory>, <Location> or <If>), where it runs before authentication");
        out.emit(d);
    }
}

/// For a server-level `<If>`: a protected section of the same server whose URL the
/// redirect covers. Silent when the expression also tests the URL.
fn server_wide_protected(
    apache: &ApacheModel,
    id: ScopeId,
    redirect: &Directive,
) -> Option<ScopeId> {
    let expr = apache
        .scope(id)?
        .head
        .as_ref()?
        .args
        .iter()
        .map(|a| a.text.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(" ");
    if expr.contains("request_uri") || expr.contains("the_request") || expr.contains("%{path") {
        return None;
    }
    let vhost = apache.vhost_of(id);
    let mut tops = apache.roots.clone();
    tops.extend(vhost);
    let root = docroot(apache, &Server { vhost, tops });
    let mut cache = Cache::default();
    (0..apache.scopes.len()).find(|p| {
        let v = apache.vhost_of(*p);
        let Some(s) = apache.scope(*p) else {
            return false;
        };
        if !(v.is_none() || v == vhost) || !asks_password(apache, *p) {
            return false;
        }
        let url = match s.kind {
            ScopeKind::Location => s
                .head
                .as_ref()
                .and_then(|h| h.args.first())
                .map(|a| a.text.clone())
                .filter(|t| !t.contains(['*', '?', '['])),
            ScopeKind::Directory | ScopeKind::Htaccess => {
                match (apache.anchor_dir(*p), root.as_ref()) {
                    (Some(dir), Some(r)) => dir
                        .strip_prefix(r)
                        .ok()
                        .map(|rest| format!("/{}", rest.to_string_lossy())),
                    _ => None,
                }
            }
            _ => None,
        };
        url.is_some_and(|u| redirect_covers(redirect, &u, &mut cache))
    })
}

/// Does a redirect directive act on requests for the area served at `url`?
fn redirect_covers(d: &Directive, url: &str, cache: &mut Cache) -> bool {
    let dir_url = format!("{}/", url.trim_end_matches('/'));
    let texts: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    let target_at = texts
        .iter()
        .position(|t| t.to_ascii_lowercase().starts_with("https://"));
    match d.key.as_str() {
        "rewriterule" | "redirectmatch" => {
            let pattern = if d.key == "rewriterule" {
                texts.first()
            } else {
                target_at
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| texts.get(i))
            };
            pattern
                .is_some_and(|p| cache.is_match(p, Flavor::Apache, false, &dir_url) == Some(true))
        }
        _ => texts
            .iter()
            .find(|t| t.starts_with('/'))
            .is_some_and(|path| location_matches(path, url)),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "AuthType Basic\nAuthName \"A\"\nAuthUserFile /u\nRequire valid-user\n";
    const RW: &str =
        "RewriteEngine On\nRewriteCond %{HTTPS} off\nRewriteRule ^ https://%{HTTP_HOST}%{REQUEST_URI} [R=301,L]\n";

    #[test]
    fn per_directory_redirects_in_protected_areas_fire() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n<Directory /w/a>\n{AUTH}{RW}</Directory>\n"),
            )],
        );
        // A root .htaccess forcing HTTPS above a protected directory.
        fires(
            &super::RULE,
            &[
                (
                    "httpd.conf",
                    &format!("ServerRoot /x\n<Directory /w>\nAllowOverride All\nRequire all granted\n</Directory>\n<Directory /w/a>\n{AUTH}</Directory>\n"),
                ),
                ("/w/.htaccess", RW),
            ],
        );
        // A server-level <If> is per-directory too.
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w/a>\n{AUTH}</Directory>\n<If \"%{{HTTPS}} != 'on'\">\nRedirect permanent / https://example.org/\n</If>\n"),
            )],
        );
        // ... but not when the redirect is for other URLs.
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w/a>\n{AUTH}</Directory>\n<If \"%{{HTTPS}} != 'on'\">\nRedirect permanent /b https://example.org/b\n</If>\n"),
            )],
        );
    }

    #[test]
    fn server_context_redirects_and_unprotected_areas_are_silent() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n{RW}<Directory /w/a>\n{AUTH}</Directory>\n"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n<Directory /w/a>\n{RW}</Directory>\n<Directory /w/b>\n{AUTH}</Directory>\n"),
            )],
        );
        // A protected directory with rewrite rules of its own does not run the parent's.
        silent(
            &super::RULE,
            &[
                (
                    "httpd.conf",
                    &format!("ServerRoot /x\n<Directory /w>\nAllowOverride All\nRequire all granted\n</Directory>\n<Directory /w/a>\n{AUTH}RewriteEngine On\nRewriteRule ^x$ y.html\n</Directory>\n"),
                ),
                ("/w/.htaccess", RW),
            ],
        );
        // A TLS virtual host never sees plain HTTP.
        silent(
            &super::RULE,
            &[(
                "site.conf",
                &format!("<VirtualHost *:443>\nSSLEngine on\n<Directory /w/a>\n{AUTH}{RW}</Directory>\n</VirtualHost>\n"),
            )],
        );
    }
}
