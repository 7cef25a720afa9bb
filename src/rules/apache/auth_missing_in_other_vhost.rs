//! AL133: a password asked inside one `<VirtualHost>`, for files that another virtual host
//! serves from the same DocumentRoot without one.
//!
//! `<Directory>` and `<Location>` sections written inside a `<VirtualHost>` apply to that
//! virtual host's requests only. A second virtual host (the plain-HTTP twin of an HTTPS
//! site, a `www.` alias written as its own vhost...) that maps the same directory serves
//! the files to anyone. Silent when the other host moves requests elsewhere (`Redirect`,
//! `RewriteRule`, `ProxyPass`, an `Alias`), protects them itself, or does not grant access.
use super::alias_bypasses_location_auth::{
    alias_rest, applies_to, asks_password, docroot, servers,
};
use super::grants_all;
use crate::model::apache::{ApacheModel, HtaccessContext, ScopeId, ScopeKind};
use crate::model::apache_merge::location_matches;
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use std::path::{Path, PathBuf};

pub static RULE: Rule = Rule {
    code: "AL133",
    name: "auth-missing-in-other-vhost",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A password asked in one virtual host, for files another virtual host serves without it",
    why: "Sections inside a `<VirtualHost>` apply to that virtual host only. When another \
          virtual host has the same DocumentRoot (typically the plain-HTTP twin of an HTTPS \
          site, or a second name written as its own vhost), it serves the same files, and the \
          `<Directory>` or `<Location>` that asks for the password is not part of its \
          configuration: anyone gets in through that host name. Put the protection at server \
          level, repeat it in every vhost that serves the files, or let the other vhost only \
          redirect.",
    bad: &[&[Example {
        path: "sites-enabled/site.conf",
        text: "<VirtualHost *:443>\n    ServerName example.org\n    SSLEngine on\n    DocumentRoot /var/www/html\n    <Directory /var/www/html/admin>\n        AuthType Basic\n        AuthName \"Admin\"\n        AuthUserFile /etc/apache2/users\n        Require valid-user\n    </Directory>\n</VirtualHost>\n<VirtualHost *:80>\n    ServerName example.org\n    DocumentRoot /var/www/html\n</VirtualHost>\n",
    }]],
    good: &[&[Example {
        path: "sites-enabled/site.conf",
        text: "<VirtualHost *:443>\n    ServerName example.org\n    SSLEngine on\n    DocumentRoot /var/www/html\n    <Directory /var/www/html/admin>\n        AuthType Basic\n        AuthName \"Admin\"\n        AuthUserFile /etc/apache2/users\n        Require valid-user\n    </Directory>\n</VirtualHost>\n<VirtualHost *:80>\n    ServerName example.org\n    DocumentRoot /var/www/html\n    Redirect permanent / https://example.org/\n</VirtualHost>\n",
    }]],
    evidence: &[
        "scenario: apache_flow_auth_missing_in_other_vhost",
        "scenario: apache_flow_auth_in_every_vhost",
    ],
    check: Check::Model(check),
};

/// Does a virtual host move requests somewhere else at its top level (redirects, rewrites,
/// proxying), so what it serves for a URL is not a plain file read?
fn moves_requests(apache: &ApacheModel, vhost: ScopeId, url: &str) -> bool {
    let tops = apache.roots.iter().copied().chain(Some(vhost));
    let mut moved = false;
    for t in tops {
        for d in apache.directives_in(t) {
            moved |= matches!(
                d.key.as_str(),
                "redirect"
                    | "redirectmatch"
                    | "redirectpermanent"
                    | "redirecttemp"
                    | "rewriterule"
                    | "proxypass"
                    | "proxypassmatch"
                    | "aliasmatch"
                    | "scriptaliasmatch"
            ) && (t == vhost || d.key != "rewriterule");
            let aliased = matches!(d.key.as_str(), "alias" | "scriptalias")
                && d.args
                    .first()
                    .is_some_and(|f| alias_rest(&f.text, url).is_some());
            moved |= aliased;
        }
    }
    moved
}

/// The files a protected section of `vhost` covers: a `<Directory>` path, or a
/// `<Location>` under the vhost's DocumentRoot (not taken by an Alias).
fn protected_dir(
    apache: &ApacheModel,
    section: ScopeId,
    root: Option<&Path>,
    vhost: ScopeId,
) -> Option<PathBuf> {
    let s = apache.scope(section)?;
    match s.kind {
        ScopeKind::Directory => apache.anchor_dir(section),
        ScopeKind::Location => {
            let path = &s.head.as_ref()?.args.first()?.text;
            if path.contains(['*', '?', '[']) || moves_requests(apache, vhost, path) {
                return None;
            }
            Some(normalize(&root?.join(path.trim_start_matches('/'))))
        }
        _ => None,
    }
}

/// Does `vhost` let anyone read `dir` at `url`: the last authorization along its chain
/// grants all, nothing asks for a password, and nothing unseen or URL-based might?
fn open_in(apache: &ApacheModel, vhost: ScopeId, dir: &Path, url: &str) -> bool {
    let chain = apache.chain_for_dir(dir, Some(vhost));
    if chain.scopes.iter().any(|s| asks_password(apache, *s)) {
        return false;
    }
    let unknown_htaccess = apache
        .htaccess
        .iter()
        .any(|h| matches!(h.context, HtaccessContext::Unknown) && dir.starts_with(&h.server_dir));
    if unknown_htaccess {
        return false;
    }
    let last_authz = chain.scopes.iter().rev().find(|s| apache.has_authz(**s));
    let granted = last_authz.is_some_and(|s| {
        let ds = apache.directives_in(*s);
        ds.iter().any(|d| grants_all(d)) && !ds.iter().any(|d| d.key == "require" && !grants_all(d))
    });
    if !granted {
        return false;
    }
    // URL- or regex-based sections of this host (or the main server) with auth.
    let server = servers(apache).into_iter().find(|s| s.vhost == Some(vhost));
    let Some(server) = server else {
        return false;
    };
    !(0..apache.scopes.len()).any(|i| {
        let Some(s) = apache.scope(i) else {
            return false;
        };
        if !applies_to(apache, i, &server) || !asks_password(apache, i) {
            return false;
        }
        match s.kind {
            ScopeKind::Location => s
                .head
                .as_ref()
                .and_then(|h| h.args.first())
                .is_none_or(|p| location_matches(&p.text, url)),
            ScopeKind::LocationMatch
            | ScopeKind::DirectoryMatch
            | ScopeKind::Files
            | ScopeKind::FilesMatch
            | ScopeKind::If
            | ScopeKind::ElseIf
            | ScopeKind::Else
            | ScopeKind::Other => true,
            _ => false,
        }
    })
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let all = servers(apache);
    let vhosts: Vec<_> = all.iter().filter(|s| s.vhost.is_some()).collect();
    for a in &vhosts {
        let Some(va) = a.vhost else { continue };
        let root_a = docroot(apache, a);
        for section in apache.sections_below(va) {
            if apache.vhost_of(section) != Some(va)
                || !matches!(
                    apache.scope(section).map(|s| s.kind),
                    Some(ScopeKind::Directory | ScopeKind::Location)
                )
                || !asks_password(apache, section)
            {
                continue;
            }
            let Some(dir) = protected_dir(apache, section, root_a.as_deref(), va) else {
                continue;
            };
            let Some(require) = std::iter::once(section)
                .chain(apache.sections_below(section))
                .flat_map(|s| apache.directives_in(s))
                .find(|d| d.key == "require" && super::require_needs_user(d))
            else {
                continue;
            };
            for b in &vhosts {
                let Some(vb) = b.vhost else { continue };
                if vb == va {
                    continue;
                }
                let Some(root_b) = docroot(apache, b) else {
                    continue;
                };
                let Ok(rest) = dir.strip_prefix(&root_b) else {
                    continue;
                };
                let url = format!("/{}", rest.to_string_lossy());
                if moves_requests(apache, vb, &url) || !open_in(apache, vb, &dir, &url) {
                    continue;
                }
                let Some(head) = apache.scope(vb).and_then(|s| s.head.as_ref()) else {
                    continue;
                };
                let own_root = apache.last_in(vb, "documentroot");
                let at = own_root.map_or(head.open_span, |d| d.span);
                let name = apache
                    .last_in(vb, "servername")
                    .and_then(|d| d.args.first())
                    .map_or_else(String::new, |a| format!(" `{}`", a.text));
                let d = out
                    .diag(format!(
                        "the virtual host{name} serves `{}` at `{}/` without a password: the section that asks for one stands in another virtual host and applies only there",
                        dir.display(),
                        url.trim_end_matches('/')
                    ))
                    .at(at, "serves the same files")
                    .label(require.span, "asks for the password only in its own virtual host")
                    .help("put the protection at server level (outside <VirtualHost>), repeat it in this virtual host, or let this one only redirect (e.g. `Redirect permanent / https://...`)");
                out.emit(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const A: &str = "<VirtualHost *:443>\nServerName a.org\nDocumentRoot /w\n<Directory /w/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n</VirtualHost>\n";

    fn conf(b: &str) -> String {
        format!("ServerRoot /x\n<Directory /w>\nRequire all granted\n</Directory>\n{A}<VirtualHost *:80>\nServerName a.org\n{b}</VirtualHost>\n")
    }

    #[test]
    fn a_twin_serving_the_same_root_fires() {
        fires(&super::RULE, &[("httpd.conf", &conf("DocumentRoot /w\n"))]);
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("DocumentRoot /srv/../w\n"))],
        );
    }

    #[test]
    fn redirecting_protecting_denying_or_other_roots_are_silent() {
        for b in [
            "DocumentRoot /w\nRedirect permanent / https://a.org/\n",
            "DocumentRoot /w\nRewriteEngine On\nRewriteRule ^ https://a.org%{REQUEST_URI} [R=301,L]\n",
            "DocumentRoot /other\n",
            "DocumentRoot /w\n<Directory /w/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n",
            "DocumentRoot /w\n<Location /p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n",
            "DocumentRoot /w\n<Directory /w/p>\nRequire all denied\n</Directory>\n",
        ] {
            silent(&super::RULE, &[("httpd.conf", &conf(b))]);
        }
        // Nothing grants access to /w at all: the other host answers 403.
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n<Directory />\nRequire all denied\n</Directory>\n{A}<VirtualHost *:80>\nDocumentRoot /w\n</VirtualHost>\n"),
            )],
        );
    }
}
