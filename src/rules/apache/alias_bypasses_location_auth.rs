//! AL127: an `Alias`, `AliasMatch` or server-context `RewriteRule` that serves the files a
//! `<Location>` protects from another URL, where no password is asked.
//!
//! `<Location>` matches the request URL (`r->uri`); `<Directory>` matches the file the URL
//! was mapped to. A server-context mapping that lands in the same files under another URL
//! leaves the URL outside the `<Location>`, so its auth never runs; a `<Directory>` on the
//! files would still apply. A per-directory `RewriteRule` and `[PT]` hand the new URL back
//! to the URL mapping, so `<Location>` sees it: those are not reported.
use super::{grants_all, require_needs_user};
use crate::model::apache::{ApacheModel, HtaccessContext, ScopeId, ScopeKind};
use crate::model::apache_merge::location_matches;
use crate::model::paths::normalize;
use crate::model::pcre::{Cache, Flavor};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;
use std::path::{Path, PathBuf};

pub static RULE: Rule = Rule {
    code: "AL127",
    name: "alias-bypasses-location-auth",
    severity: Severity::Error,
    default_enabled: true,
    summary: "An Alias or RewriteRule serves the files a <Location> protects from a URL the <Location> does not cover",
    why: "`<Location>` protects URLs, not files. A server-context `Alias`, `AliasMatch` or \
          `RewriteRule` that maps another URL onto the same files serves them under that URL, \
          and the `<Location>`'s password is never asked: anyone gets in. Apache's own \
          documentation warns about this. A `<Directory>` follows the file, whatever URL \
          reaches it, so protect files with `<Directory>`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Location /private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Location>\nAlias /mirror /srv/www/private\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\nAlias /mirror /srv/www/private\n",
    }]],
    evidence: &[
        "scenario: apache_flow_alias_bypasses_location",
        "scenario: apache_flow_alias_directory_protected",
    ],
    check: Check::Model(check),
};

/// Top-level directories of a Unix file system: a server-context substitution whose first
/// segment is one of these is a file path (mod_rewrite checks that the segment exists).
const FS_TOPS: &[&str] = &[
    "bin", "boot", "data", "dev", "etc", "home", "lib", "media", "mnt", "opt", "proc", "root",
    "run", "sbin", "srv", "sys", "tmp", "usr", "var",
];

/// One server: the main server (`vhost: None`) or a `<VirtualHost>`.
pub(super) struct Server {
    pub vhost: Option<ScopeId>,
    /// Scopes whose top-level directives configure it: the server config roots, then the
    /// virtual host.
    pub tops: Vec<ScopeId>,
}

/// The main server and every virtual host.
pub(super) fn servers(apache: &ApacheModel) -> Vec<Server> {
    let mut out = vec![Server {
        vhost: None,
        tops: apache.roots.clone(),
    }];
    for (i, s) in apache.scopes.iter().enumerate() {
        if s.kind == ScopeKind::VirtualHost {
            let mut tops = apache.roots.clone();
            tops.push(i);
            out.push(Server {
                vhost: Some(i),
                tops,
            });
        }
    }
    out
}

/// The scopes whose server-context mod_rewrite rules run for `server`'s requests: the
/// virtual host's own (rules are not inherited without `RewriteOptions Inherit`), or the
/// main server's when no virtual host exists (with virtual hosts, which requests still
/// reach the main server depends on addresses the input may not show).
pub(super) fn rewrite_scopes_of(apache: &ApacheModel, server: &Server) -> Vec<ScopeId> {
    match server.vhost {
        Some(v) => vec![v],
        None if apache
            .scopes
            .iter()
            .any(|s| s.kind == ScopeKind::VirtualHost) =>
        {
            Vec::new()
        }
        None => apache.roots.clone(),
    }
}

/// Does a section written at `scope` apply to requests of `server`?
pub(super) fn applies_to(apache: &ApacheModel, scope: ScopeId, server: &Server) -> bool {
    let v = apache.vhost_of(scope);
    v.is_none() || v == server.vhost
}

/// The DocumentRoot of a server (a virtual host inherits the main server's), when written
/// as a plain absolute path.
pub(super) fn docroot(apache: &ApacheModel, server: &Server) -> Option<PathBuf> {
    let last = server
        .tops
        .iter()
        .rev()
        .find_map(|t| apache.last_in(*t, "documentroot"))?;
    let text = &last.args.first()?.text;
    (text.starts_with('/') && !text.contains('$')).then(|| normalize(Path::new(text)))
}

/// Does a section ask for a logged-in user: a `Require` that needs one, directly or in a
/// `<RequireAll|Any>` inside, and no `Require all granted` directly beside it?
pub(super) fn asks_password(apache: &ApacheModel, scope: ScopeId) -> bool {
    let direct = apache.directives_in(scope);
    if direct.iter().any(|d| grants_all(d)) {
        return false;
    }
    let nested = apache
        .sections_below(scope)
        .into_iter()
        .filter(|s| {
            apache
                .scope(*s)
                .and_then(|s| s.head.as_ref())
                .is_some_and(|h| h.key == "requireall" || h.key == "requireany")
        })
        .flat_map(|s| apache.directives_in(s));
    direct
        .into_iter()
        .chain(nested)
        .any(|d| d.key == "require" && require_needs_user(d))
}

/// mod_alias's prefix test: `fake` matches `url` at a segment boundary. The rest of the URL.
pub(super) fn alias_rest<'u>(fake: &str, url: &'u str) -> Option<&'u str> {
    let rest = url.strip_prefix(fake)?;
    (rest.is_empty() || fake.ends_with('/') || rest.starts_with('/')).then_some(rest)
}

/// The literal text a regex must start with when anchored with `^` (`None` when not
/// anchored).
pub(super) fn anchored_literal(regex: &str) -> Option<String> {
    let body = regex.strip_prefix('^')?;
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(n) if n.is_ascii_punctuation() => {
                    out.push(*n);
                    chars.next();
                }
                _ => break,
            },
            '.' | '[' | ']' | '(' | ')' | '*' | '+' | '?' | '{' | '}' | '|' | '$' | '^' => {
                // A quantifier applies to the char before it: drop that one too.
                if matches!(c, '*' | '?' | '{') {
                    out.pop();
                }
                break;
            }
            _ => out.push(c),
        }
    }
    Some(out)
}

/// A substitution's fixed start (before any `$n`, `%n` or `%{VAR}`) and whether it is
/// fixed throughout.
fn fixed_part(text: &str) -> (&str, bool) {
    match text.find(['$', '%']) {
        Some(i) => (&text[..i], false),
        None => (text, true),
    }
}

/// The directory every target of a substitution lies in: the fixed start up to a `/`, or
/// the whole path when nothing varies.
fn target_dir(path: &str, whole: bool) -> Option<PathBuf> {
    if !path.starts_with('/') {
        return None;
    }
    if whole || path.ends_with('/') {
        return Some(normalize(Path::new(path)));
    }
    None
}

/// How a mapping reaches files.
struct Mapping<'m> {
    directive: &'m Directive,
    kind: &'static str,
    /// URLs it takes: a fixed prefix (`Alias`), or a regex.
    url: MapUrl,
    /// The directory all its targets lie in, or the fixed target.
    target: PathBuf,
}

enum MapUrl {
    Prefix(String),
    Regex(String),
}

/// Where a server-context RewriteRule substitution lands on disk, as mod_rewrite decides:
/// a path under the DocumentRoot or one whose first segment is a file-system top is a
/// file; any other `/...` is a URL-path that gets the DocumentRoot prepended.
fn rewrite_target(sub: &str, root: Option<&Path>) -> Option<String> {
    if !sub.starts_with('/') {
        return None;
    }
    let first = sub.trim_start_matches('/').split('/').next().unwrap_or("");
    let under_root = root.is_some_and(|r| {
        let r = r.to_string_lossy();
        sub == r || sub.starts_with(&format!("{}/", r.trim_end_matches('/')))
    });
    if under_root || FS_TOPS.contains(&first) {
        return Some(sub.to_string());
    }
    let root = root?.to_string_lossy().trim_end_matches('/').to_string();
    Some(format!("{root}{sub}"))
}

fn mappings<'m>(apache: &'m ApacheModel, server: &Server) -> Vec<Mapping<'m>> {
    let root = docroot(apache, server);
    let mut out = Vec::new();
    // mod_alias merges the main server's aliases into every virtual host.
    for top in &server.tops {
        for d in apache.directives_in(*top) {
            let [from, to] = d.args.as_slice() else {
                continue;
            };
            let (fixed, whole) = fixed_part(&to.text);
            let url = match d.key.as_str() {
                "alias" if !from.text.contains('$') && whole => MapUrl::Prefix(from.text.clone()),
                "aliasmatch" => MapUrl::Regex(from.text.clone()),
                _ => continue,
            };
            let Some(target) = target_dir(fixed, whole) else {
                continue;
            };
            out.push(Mapping {
                directive: d,
                kind: if d.key == "alias" {
                    "Alias"
                } else {
                    "AliasMatch"
                },
                url,
                target,
            });
        }
    }
    // mod_rewrite: only the server's own scope (no RewriteOptions Inherit is followed).
    for top in rewrite_scopes_of(apache, server) {
        let rw = apache.rewrites(top);
        if !rw.engine.is_some_and(|(_, on)| on) {
            continue;
        }
        let inherits = rw.options.iter().any(|o| {
            o.args
                .iter()
                .any(|a| a.text.to_ascii_lowercase().starts_with("inherit"))
        });
        if inherits {
            continue;
        }
        for r in &rw.rules {
            let (Some(sub), Some(re)) = (r.substitution, r.regex()) else {
                continue;
            };
            let hands_on = ["R", "P", "PT", "F", "G", "C"];
            if r.is_dash() || r.negated || hands_on.iter().any(|f| r.has_flag(f)) {
                continue;
            }
            let Some(path) = rewrite_target(&sub.text, root.as_deref()) else {
                continue;
            };
            let (fixed, whole) = fixed_part(&path);
            let Some(target) = target_dir(fixed, whole) else {
                continue;
            };
            out.push(Mapping {
                directive: r.directive,
                kind: "RewriteRule",
                url: MapUrl::Regex(re.to_string()),
                target,
            });
        }
    }
    out
}

/// The directory a `<Location>` path serves from: the first Alias that takes it, else the
/// DocumentRoot. `None` when a regex mapping could take it instead.
fn files_of(
    apache: &ApacheModel,
    server: &Server,
    maps: &[Mapping<'_>],
    url: &str,
    cache: &mut Cache,
) -> Option<PathBuf> {
    let probe = format!("{}/x", url.trim_end_matches('/'));
    for m in maps {
        match &m.url {
            MapUrl::Prefix(fake) => {
                if let Some(rest) = alias_rest(fake, url) {
                    return Some(normalize(&m.target.join(rest.trim_start_matches('/'))));
                }
            }
            MapUrl::Regex(re) => {
                let hit = [url, probe.as_str()]
                    .iter()
                    .map(|u| cache.is_match(re, Flavor::Apache, false, u))
                    .any(|m| m != Some(false));
                if hit {
                    return None;
                }
            }
        }
    }
    let root = docroot(apache, server)?;
    Some(normalize(&root.join(url.trim_start_matches('/'))))
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let mut cache = Cache::default();
    let mut seen: Vec<(crate::source::Span, ScopeId)> = Vec::new();
    for server in servers(apache) {
        let in_server: Vec<ScopeId> = (0..apache.scopes.len())
            .filter(|i| applies_to(apache, *i, &server))
            .collect();
        // A regex section or <If> that asks for a password might cover the other URL or the
        // files: not certain.
        let uncertain = in_server.iter().any(|i| {
            apache.scope(*i).is_some_and(|s| {
                matches!(
                    s.kind,
                    ScopeKind::LocationMatch
                        | ScopeKind::DirectoryMatch
                        | ScopeKind::Files
                        | ScopeKind::FilesMatch
                        | ScopeKind::If
                        | ScopeKind::ElseIf
                        | ScopeKind::Else
                )
            }) && asks_password(apache, *i)
        });
        if uncertain {
            continue;
        }
        let protecting: Vec<(ScopeId, String)> = in_server
            .iter()
            .filter_map(|i| {
                let s = apache.scope(*i)?;
                let path = &s.head.as_ref()?.args.first()?.text;
                (s.kind == ScopeKind::Location
                    && !path.contains(['*', '?', '['])
                    && asks_password(apache, *i))
                .then(|| (*i, path.clone()))
            })
            .collect();
        if protecting.is_empty() {
            continue;
        }
        let maps = mappings(apache, &server);
        let covered = |url: &str| protecting.iter().any(|(_, p)| location_matches(p, url));
        for (loc, path) in &protecting {
            let Some(files) = files_of(apache, &server, &maps, path, &mut cache) else {
                continue;
            };
            if directory_protects(apache, &files, server.vhost) {
                continue;
            }
            for m in &maps {
                let Some(entry) = entry_url(m, &files) else {
                    continue;
                };
                let shown = match &entry {
                    Some(u) if covered(u) => continue,
                    Some(u) => format!("`{u}`"),
                    None => match &m.url {
                        MapUrl::Regex(re) => {
                            if anchored_literal(re)
                                .is_some_and(|lit| !lit.is_empty() && location_matches(path, &lit))
                            {
                                continue;
                            }
                            format!("URLs matching `{re}`")
                        }
                        MapUrl::Prefix(p) => format!("`{p}`"),
                    },
                };
                let key = (m.directive.span, *loc);
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let Some(head) = apache.scope(*loc).and_then(|s| s.head.as_ref()) else {
                    continue;
                };
                let d = out
                    .diag(format!(
                        "the {} serves `{}`, which <Location {path}> protects, at {shown} without a password: <Location> matches URLs, not files",
                        m.kind,
                        files.display(),
                    ))
                    .at(m.directive.span, "serves the protected files under another URL")
                    .label(head.open_span, "protects only the URLs under this path")
                    .help(format!(
                        "protect the files with `<Directory {}>` (it applies whatever URL reaches them), or drop the mapping",
                        files.display()
                    ));
                out.emit(d);
            }
        }
    }
}

/// Do the directory sections (and `.htaccess` files) for `files` already ask for a
/// password, or might an unseen `.htaccess` do so?
fn directory_protects(apache: &ApacheModel, files: &Path, vhost: Option<ScopeId>) -> bool {
    let unknown_htaccess = apache
        .htaccess
        .iter()
        .any(|h| matches!(h.context, HtaccessContext::Unknown) && files.starts_with(&h.server_dir));
    unknown_htaccess
        || apache
            .chain_for_dir(files, vhost)
            .scopes
            .iter()
            .any(|s| asks_password(apache, *s))
}

/// The URL through which a mapping reaches `files`: `Some(Some(url))` for a fixed one,
/// `Some(None)` when it is a regex whose URLs are described by the pattern, `None` when the
/// mapping does not land in `files`.
fn entry_url(m: &Mapping<'_>, files: &Path) -> Option<Option<String>> {
    if m.target.starts_with(files) {
        return Some(match &m.url {
            MapUrl::Prefix(p) => Some(p.clone()),
            MapUrl::Regex(_) => None,
        });
    }
    // An Alias to a directory above the files reaches them one level further down.
    if let (MapUrl::Prefix(p), Ok(rest)) = (&m.url, files.strip_prefix(&m.target)) {
        return Some(Some(format!(
            "{}/{}/",
            p.trim_end_matches('/'),
            rest.to_string_lossy()
        )));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::anchored_literal;
    use crate::rules::testing::{fires, silent};

    fn conf(extra: &str) -> String {
        format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w>\nRequire all granted\n</Directory>\n<Location /p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n{extra}")
    }

    #[test]
    fn alias_rewrite_and_alias_match_onto_the_files_fire() {
        for m in [
            "Alias /m /w/p\n",
            "Alias /files /w\n",
            "AliasMatch ^/m/(.*)$ /w/p/$1\n",
            "RewriteEngine On\nRewriteRule ^/m/(.*)$ /w/p/$1\n",
            "RewriteEngine On\nRewriteRule ^/m/(.*)$ /p/$1\n",
        ] {
            fires(&super::RULE, &[("httpd.conf", &conf(m))]);
        }
    }

    #[test]
    fn mappings_that_stay_under_the_location_or_hand_on_are_silent() {
        for m in [
            "Alias /p/sub /w/p/sub\n",
            "Alias /m /w/other\n",
            "RewriteEngine On\nRewriteRule ^/m/(.*)$ /p/$1 [PT]\n",
            "RewriteEngine On\nRewriteRule ^/m/(.*)$ /p/$1 [R=302]\n",
            "RewriteRule ^/m/(.*)$ /p/$1\n",
            "RewriteEngine On\nRewriteRule ^/p/old/(.*)$ /w/p/$1\n",
            "RewriteEngine On\nRewriteRule ^/m/(.*)$ ${root}/p/$1\n",
        ] {
            silent(&super::RULE, &[("httpd.conf", &conf(m))]);
        }
    }

    #[test]
    fn directory_auth_on_the_files_or_a_location_on_the_alias_keeps_it_closed() {
        silent(
            &super::RULE,
            &[("httpd.conf", &conf("Alias /m /w/p\n<Directory /w/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n"))],
        );
        silent(
            &super::RULE,
            &[("httpd.conf", &conf("Alias /m /w/p\n<Location /m>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n"))],
        );
    }

    #[test]
    fn a_location_served_by_an_alias_is_followed_to_its_files() {
        let c = "ServerRoot /x\n<Location /app>\nAuthType Basic\nAuthName \"A\"\nAuthUserFile /u\nRequire valid-user\n</Location>\nAlias /app /srv/app\nAlias /app2 /srv/app\n";
        let found = fires(&super::RULE, &[("httpd.conf", c)]);
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("`/app2`"));
    }

    #[test]
    fn virtual_hosts_see_main_server_aliases_and_only_their_own_rewrites() {
        let vhost = |inner: &str| {
            format!("ServerRoot /x\nAlias /m /w/p\n<VirtualHost *:80>\nDocumentRoot /w\n<Location /p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n{inner}</VirtualHost>\n")
        };
        // The main server's Alias is merged into the virtual host.
        fires(&super::RULE, &[("httpd.conf", &vhost(""))]);
        // A Location of another virtual host protects nothing here.
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<VirtualHost *:80>\nDocumentRoot /w\n<Location /p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Location>\n</VirtualHost>\n<VirtualHost *:81>\nDocumentRoot /w\nRewriteEngine On\nRewriteRule ^/m/(.*)$ /w/p/$1\n</VirtualHost>\n",
            )],
        );
    }

    #[test]
    fn literal_prefixes() {
        assert_eq!(anchored_literal("^/m/(.*)$").as_deref(), Some("/m/"));
        assert_eq!(anchored_literal(r"^/a\.b/x?").as_deref(), Some("/a.b/"));
        assert_eq!(anchored_literal("/m"), None);
    }
}
