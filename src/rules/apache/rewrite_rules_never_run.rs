//! AL124: `RewriteRule` lines that never run: no `RewriteEngine On` applies to them, or
//! they stand at main-server level while virtual hosts serve every address.
//!
//! What the real server does (apache2 2.4, observed): `RewriteEngine` at server level sets
//! both the server's state and the base of every per-directory config, so `<Directory>`,
//! `.htaccess` and `<VirtualHost>` sections inherit it (only the rules themselves stay out
//! of virtual hosts without `RewriteOptions Inherit`); per-directory sections inherit it from
//! the sections above them. The engine is off by default. So rules are skipped only when no
//! `RewriteEngine On` anywhere that could apply: that is what this rule reports, and only
//! when the input shows the whole configuration.
//!
//! The rules themselves are not inherited by virtual hosts (observed: not even with
//! `RewriteOptions InheritDown` in the main server; `RewriteOptions Inherit` inside the
//! virtual host does it). Main-server rules run only for requests the main server answers,
//! so when a `<VirtualHost *:port>` (or `_default_`) covers every `Listen`, they never run.
use super::rewrite_support::live_scopes;
use crate::model::apache::{ApacheModel, HtaccessContext, ScopeId, ScopeKind};
use crate::model::paths::directory_covers;
use crate::rules::prelude::*;
use std::path::PathBuf;

pub static RULE: Rule = Rule {
    code: "AL124",
    name: "rewrite-rules-never-run",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "RewriteRule lines that never run: engine never on, or main-server rules under vhosts",
    why: "mod_rewrite is off unless `RewriteEngine On` applies to the request: in the \
          section itself, in a `<Directory>` or `.htaccess` above it, or at server level \
          (which virtual hosts and directories inherit). Without it Apache starts without a \
          word and every `RewriteRule` there is skipped: redirects never happen, and `[F]` \
          rules meant to block paths let everyone through. The same happens to rules written \
          at main-server level (e.g. in apache2.conf or conf-enabled/) when virtual hosts \
          answer every address Apache listens on: virtual hosts inherit the engine setting \
          but not the rules (unless they say `RewriteOptions Inherit`).",
    bad: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "# block the backups\nRewriteRule \\.(bak|sql)$ - [F]\n",
        },
    ]],
    good: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "RewriteEngine On\nRewriteRule \\.(bak|sql)$ - [F]\n",
        },
    ]],
    evidence: &[
        "scenario: apache_rewrite_htaccess_engine_never_on",
        "scenario: apache_rewrite_vhost_engine_never_on",
        "scenario: apache_rewrite_engine_inherited_from_server",
        "scenario: apache_rewrite_main_rules_under_vhost",
        "scenario: apache_rewrite_main_rules_inherited_by_vhost",
        "scenario: apache_rewrite_main_rules_other_address",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    // An assumed stock config or an Include we could not follow may hide the line that
    // turns the engine on.
    if !apache.has_main_config
        || apache.assumed.is_some()
        || model.diagnostics.iter().any(|d| d.code == "AL002")
    {
        return;
    }
    for id in live_scopes(apache) {
        // A file no main config includes: whoever includes it may turn the engine on.
        if apache.root_of(id).is_none_or(|r| {
            !apache.main_roots.contains(&r)
                && apache.scope(r).is_some_and(|s| s.kind == ScopeKind::Server)
        }) {
            continue;
        }
        let rw = apache.rewrites(id);
        let Some(first) = rw.rules.first() else {
            continue;
        };
        if let Some(vhost) = main_rules_shadowed(apache, id) {
            let n = rw.rules.len();
            let what = if n == 1 {
                "this main-server `RewriteRule` never runs".to_string()
            } else {
                format!("these {n} main-server `RewriteRule` lines never run")
            };
            let mut d = out
                .diag(format!(
                    "{what}: virtual hosts answer every address Apache listens on, and they \
                     do not inherit the main server's rules"
                ))
                .at(first.directive.name_span, "never runs");
            if let Some(head) = apache.scope(vhost).and_then(|s| s.head.as_ref()) {
                d = d.label(
                    head.open_span,
                    "requests are served by virtual hosts like this one",
                );
            }
            out.emit(d.help(
                "move the rules into each `<VirtualHost>`, or write `RewriteOptions Inherit` \
                 inside them",
            ));
            continue;
        }
        if rw.engine.is_some() || engine_may_be_on(apache, id) != Some(false) {
            continue;
        }
        let n = rw.rules.len();
        let what = if n == 1 {
            "this `RewriteRule` is".to_string()
        } else {
            format!("these {n} `RewriteRule` lines are")
        };
        out.emit(
            out.diag(format!(
                "{what} never applied: no `RewriteEngine On` applies here, and mod_rewrite is \
                 off by default"
            ))
            .at(
                first.directive.name_span,
                "skipped: the rewrite engine is off",
            )
            .help("add `RewriteEngine On` above the rules, in the same section or file"),
        );
    }
}

/// For the main server's own rules: a virtual host, when virtual hosts answer every
/// `Listen` and none can inherit the rules (no `RewriteOptions` anywhere).
fn main_rules_shadowed(apache: &ApacheModel, id: ScopeId) -> Option<ScopeId> {
    if apache.scope(id)?.kind != ScopeKind::Server {
        return None;
    }
    let mut listens = Vec::new();
    let mut vhosts = Vec::new();
    for (i, s) in apache.scopes.iter().enumerate() {
        if apache.root_of(i) != Some(id) || s.kind == ScopeKind::Other {
            continue;
        }
        if s.kind == ScopeKind::VirtualHost {
            vhosts.push(i);
        }
        for d in apache.directives_in(i) {
            if d.key == "rewriteoptions" {
                return None;
            }
            if d.key == "listen" && s.kind != ScopeKind::VirtualHost {
                listens.push(d.args.first()?.text.clone());
            }
        }
    }
    if listens.is_empty() {
        return None;
    }
    let addrs: Vec<(ScopeId, String)> = vhosts
        .iter()
        .flat_map(|v| {
            apache
                .scope(*v)
                .and_then(|s| s.head.as_ref())
                .map(|h| {
                    h.args
                        .iter()
                        .map(|a| (*v, a.text.to_ascii_lowercase()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    let mut witness = None;
    for listen in &listens {
        let port = listen.rsplit(':').next().unwrap_or(listen);
        let covering = addrs.iter().find(|(_, a)| {
            a == "*"
                || a == "_default_"
                || *a == format!("*:{port}")
                || *a == format!("_default_:{port}")
                || *a == listen.to_ascii_lowercase()
        })?;
        witness.get_or_insert(covering.0);
    }
    witness
}

/// Could a `RewriteEngine On` apply to the scope? `Some(false)` only when none in the
/// input can; `None` when the scope's place cannot be told.
pub(super) fn engine_may_be_on(apache: &ApacheModel, id: ScopeId) -> Option<bool> {
    let vhost = apache.vhost_of(id);
    let here = apache.scope(id)?;
    // Server-context rules run with the server's state: the main server's, or their own
    // virtual host's.
    let server_context = matches!(here.kind, ScopeKind::Server | ScopeKind::VirtualHost);
    let dir = area_dir(apache, id)?;
    for (i, s) in apache.scopes.iter().enumerate() {
        let on = apache.directives_in(i).into_iter().any(|d| {
            d.key == "rewriteengine"
                && d.args
                    .first()
                    .is_none_or(|a| !a.text.eq_ignore_ascii_case("off"))
        });
        if !on || s.kind == ScopeKind::Conditional || s.kind == ScopeKind::Other {
            continue;
        }
        let v = apache.vhost_of(i);
        let applies = match s.kind {
            // The main server's setting reaches every virtual host.
            ScopeKind::Server => apache.root_of(id) == Some(i),
            ScopeKind::VirtualHost => Some(i) == vhost || (Some(i) == Some(id)),
            _ if server_context => false,
            _ if v.is_some() && v != vhost => false,
            ScopeKind::Directory => match (&dir, s.head.as_ref().and_then(|h| h.args.first())) {
                (Some(d), Some(a)) => directory_covers(&a.text, d),
                _ => true,
            },
            ScopeKind::Htaccess => match (&dir, apache.htaccess_of(i)) {
                (Some(d), Some(h)) => d.starts_with(&h.server_dir),
                _ => true,
            },
            // URL- and regex-matched sections might apply.
            _ => true,
        };
        if applies {
            return Some(true);
        }
    }
    Some(false)
}

/// The server directory a per-directory scope governs (`Some(None)`: not a directory
/// section, or not known), `None` when a `.htaccess` has no server config above it.
fn area_dir(apache: &ApacheModel, id: ScopeId) -> Option<Option<PathBuf>> {
    let Some(anchor) = apache.anchor(id) else {
        return Some(None);
    };
    if let Some(h) = apache.htaccess_of(anchor) {
        if matches!(h.context, HtaccessContext::Unknown) {
            return None;
        }
    }
    Some(apache.anchor_dir(anchor))
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const MAIN: &str =
        "ServerRoot /etc/apache2\n<Directory /srv/www>\nAllowOverride All\n</Directory>\n";

    #[test]
    fn htaccess_without_engine_fires() {
        fires(
            &super::RULE,
            &[
                ("/etc/apache2/apache2.conf", MAIN),
                ("/srv/www/.htaccess", "RewriteRule ^a$ - [F]\n"),
            ],
        );
    }

    #[test]
    fn a_snippet_no_main_config_includes_is_left_alone() {
        // h5bp ships optional snippets that the including config pairs with RewriteEngine.
        silent(
            &super::RULE,
            &[
                ("/etc/apache2/apache2.conf", MAIN),
                (
                    "/etc/apache2/h5bp/pre-compressed.conf",
                    "<IfModule mod_rewrite.c>\nRewriteRule \\.gz$ - [E=no-gzip:1]\n</IfModule>\n",
                ),
            ],
        );
    }

    #[test]
    fn engine_on_at_server_level_or_in_a_parent_directory_is_inherited() {
        silent(
            &super::RULE,
            &[
                (
                    "/etc/apache2/apache2.conf",
                    &format!("{MAIN}RewriteEngine On\n"),
                ),
                ("/srv/www/.htaccess", "RewriteRule ^a$ - [F]\n"),
            ],
        );
        silent(
            &super::RULE,
            &[
                ("/etc/apache2/apache2.conf", MAIN),
                ("/srv/www/.htaccess", "RewriteEngine On\n"),
                ("/srv/www/sub/.htaccess", "RewriteRule ^a$ - [F]\n"),
            ],
        );
    }

    #[test]
    fn engine_in_another_vhost_or_directory_does_not_count() {
        fires(
            &super::RULE,
            &[(
                "/etc/apache2/apache2.conf",
                "ServerRoot /etc/apache2\n<VirtualHost *:80>\nRewriteEngine On\n</VirtualHost>\n\
                 <VirtualHost *:80>\nRewriteRule ^/a$ - [F]\n</VirtualHost>\n\
                 <Directory /srv/other>\nRewriteEngine On\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn lone_htaccess_or_vhost_file_is_silent() {
        silent(
            &super::RULE,
            &[("/srv/www/.htaccess", "RewriteRule ^a$ - [F]\n")],
        );
        silent(
            &super::RULE,
            &[(
                "/etc/apache2/sites-enabled/a.conf",
                "<VirtualHost *:80>\nRewriteRule ^/a$ - [F]\n</VirtualHost>\n",
            )],
        );
    }

    #[test]
    fn engine_off_written_in_the_section_is_deliberate() {
        silent(
            &super::RULE,
            &[(
                "/etc/apache2/apache2.conf",
                "ServerRoot /x\nRewriteEngine Off\nRewriteRule ^/a$ - [F]\n",
            )],
        );
    }

    #[test]
    fn main_server_rules_under_a_catch_all_vhost_never_run() {
        let base = "ServerRoot /x\nListen 80\nRewriteEngine On\nRewriteRule ^/a$ - [F]\n";
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("{base}<VirtualHost *:80>\n</VirtualHost>\n"),
            )],
        );
        assert!(
            found[0].message.contains("main-server"),
            "{}",
            found[0].message
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("{base}<VirtualHost *:80>\nRewriteOptions Inherit\n</VirtualHost>\n"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("{base}<VirtualHost 10.0.0.1:80>\n</VirtualHost>\n"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("{base}Listen 8080\n<VirtualHost *:80>\n</VirtualHost>\n"),
            )],
        );
    }
}
