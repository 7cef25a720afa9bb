//! Apache's merge of per-directory configuration, as far as the input shows it.
//!
//! For a request that lands in a directory, Apache merges (sections.html, "How the
//! sections are merged"): the non-regex `<Directory>` sections that cover it, shortest path
//! first, each directory level followed by the `.htaccess` of that directory; then
//! `<DirectoryMatch>`, `<Files>`, `<Location>` and `<If>`. Main-server sections come
//! before a virtual host's own at the same level. [`ApacheModel::chain`] gives the
//! sections in that order for the area a scope governs, and says whether the input shows
//! everything that could take part; [`ApacheModel::effective`] and
//! [`ApacheModel::authz_source`] answer from it. Rules ask these; they never re-derive the
//! merge.

use super::apache::{ApacheModel, DirIndex, HtaccessContext, Item, Lookup, ScopeId, ScopeKind};
use super::paths::{directory_covers, normalize};
use crate::syntax::apache::Directive;
use std::path::{Component, Path, PathBuf};

/// The sections whose configuration a request in an area sees, in merge order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub scopes: Vec<ScopeId>,
    /// The input shows every section that could take part (a main config is present, the
    /// area's directory is known, and no `<Location>`, `<DirectoryMatch>` or `<If>` with
    /// auth settings might apply without us being able to tell).
    pub complete: bool,
}

/// Directives that decide who gets in: a section holding any of them takes part in the
/// authorization merge.
pub const AUTHZ_KEYS: &[&str] = &["require", "satisfy", "allow", "deny", "order"];
/// Sections that hold authorization logic.
pub const AUTHZ_SECTIONS: &[&str] = &["requireall", "requireany", "requirenone"];
/// Directives whose presence makes a section matter to the auth merge.
const AUTH_KEYS: &[&str] = &[
    "authtype",
    "authname",
    "authuserfile",
    "authgroupfile",
    "authbasicprovider",
    "authdigestprovider",
    "require",
    "satisfy",
    "allow",
    "deny",
    "order",
    "authmerging",
];

/// The key of a `<Directory>` path as [`directory_covers`] compares it: its non-empty
/// segments under `/`.
fn dir_key(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    format!("/{}", parts.join("/"))
}

/// How many directory levels a path has (`/` has 0).
fn depth(p: &Path) -> usize {
    p.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .count()
}

/// Is `ancestor` the same directory as `dir`, or above it?
fn at_or_above(ancestor: &Path, dir: &Path) -> bool {
    dir.starts_with(ancestor)
}

impl ApacheModel {
    /// The `<VirtualHost>` a scope stands in, if any.
    pub fn vhost_of(&self, id: ScopeId) -> Option<ScopeId> {
        let mut cur = self.scope(id)?.parent;
        let mut guard = 0;
        while let Some(p) = cur {
            guard += 1;
            let s = self.scope(p)?;
            if s.kind == ScopeKind::VirtualHost {
                return Some(p);
            }
            if guard > 1024 {
                return None;
            }
            cur = s.parent;
        }
        None
    }

    /// The section that decides where a scope applies: itself or the nearest enclosing
    /// `<Directory>`, `.htaccess`, `<Location>`, `<DirectoryMatch>` or `<LocationMatch>`.
    pub fn anchor(&self, id: ScopeId) -> Option<ScopeId> {
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(sid) = cur {
            guard += 1;
            let s = self.scope(sid)?;
            if matches!(
                s.kind,
                ScopeKind::Directory
                    | ScopeKind::Htaccess
                    | ScopeKind::Location
                    | ScopeKind::LocationMatch
                    | ScopeKind::DirectoryMatch
            ) {
                return Some(sid);
            }
            if guard > 1024 {
                return None;
            }
            cur = s.parent;
        }
        None
    }

    /// The server directory an anchor governs: a `<Directory>` path without wildcards, or
    /// a `.htaccess` whose place on the server is known.
    pub fn anchor_dir(&self, anchor: ScopeId) -> Option<PathBuf> {
        let s = self.scope(anchor)?;
        match s.kind {
            ScopeKind::Directory => {
                let arg = s.head.as_ref()?.args.first()?;
                if arg.text.contains(['*', '?', '[']) || !arg.text.starts_with('/') {
                    return None;
                }
                Some(normalize(Path::new(&arg.text)))
            }
            ScopeKind::Htaccess => {
                let h = self.htaccess_of(anchor)?;
                match h.context {
                    HtaccessContext::Known { .. } => Some(h.server_dir.clone()),
                    HtaccessContext::Unknown => None,
                }
            }
            _ => None,
        }
    }

    /// Does a scope (or a section nested in it) hold auth settings?
    fn has_auth(&self, id: ScopeId) -> bool {
        self.any_below(id, &|d: &Directive| AUTH_KEYS.contains(&d.key.as_str()))
    }

    /// Does a scope hold authorization logic (`Require`, `<RequireAll>`..., or the 2.2
    /// access directives), directly or in `<Limit>`/conditional sections inside it?
    pub fn has_authz(&self, id: ScopeId) -> bool {
        self.any_below(id, &|d: &Directive| AUTHZ_KEYS.contains(&d.key.as_str()))
            || self.sections_below(id).iter().any(|s| {
                self.scope(*s)
                    .and_then(|s| s.head.as_ref())
                    .is_some_and(|h| AUTHZ_SECTIONS.contains(&h.key.as_str()))
            })
    }

    /// Every section nested in a scope (not the scope itself), bounded.
    pub fn sections_below(&self, id: ScopeId) -> Vec<ScopeId> {
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(sid) = stack.pop() {
            if out.len() > 100_000 {
                break;
            }
            let Some(s) = self.scope(sid) else { continue };
            for item in &s.items {
                if let Item::Scope(c) = item {
                    out.push(*c);
                    stack.push(*c);
                }
            }
        }
        out
    }

    fn any_below(&self, id: ScopeId, pred: &dyn Fn(&Directive) -> bool) -> bool {
        std::iter::once(id)
            .chain(self.sections_below(id))
            .filter_map(|s| self.scope(s))
            .flat_map(|s| s.items.iter())
            .any(|i| matches!(i, Item::Directive(d) if pred(d)))
    }

    /// The sections that apply, in merge order, to requests in the area `id` governs. The
    /// area's own anchor section is always in the chain; sections nested inside the
    /// anchor (`<Limit>`, `<RequireAll>`...) belong to it and are not listed.
    pub fn chain(&self, id: ScopeId) -> Chain {
        let Some(anchor) = self.anchor(id) else {
            return Chain {
                scopes: Vec::new(),
                complete: false,
            };
        };
        let Some(dir) = self.anchor_dir(anchor) else {
            // A <Location>, a regex section, a wildcard <Directory> or a .htaccess whose
            // place is unknown: only the section itself is certain.
            return Chain {
                scopes: vec![anchor],
                complete: false,
            };
        };
        let vhost = self.vhost_of(anchor);
        let mut chain = self.chain_for_dir(&dir, vhost);
        if !chain.scopes.contains(&anchor) {
            chain.scopes.push(anchor);
        }
        chain
    }

    /// The directory-based sections that apply to requests for files in the server
    /// directory `dir`, served by `vhost` (or the main server), in merge order.
    pub fn chain_for_dir(&self, dir: &Path, vhost: Option<ScopeId>) -> Chain {
        let dir = dir.to_path_buf();
        let mut complete = self.has_main_config;
        // (directory level, 0 = <Directory> / 1 = .htaccess, main before vhost, order)
        let mut ranked: Vec<((usize, u8, u8, usize), ScopeId)> = Vec::new();
        let index = self.index();
        let mut candidates: Vec<ScopeId> = index.wildcard.clone();
        candidates.extend(index.others.iter().copied());
        for a in dir.ancestors() {
            if let Some(v) = index.directories.get(&dir_key(&a.to_string_lossy())) {
                candidates.extend(v.iter().copied());
            }
            if let Some(v) = index.htaccess.get(a) {
                candidates.extend(v.iter().copied());
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        for i in candidates {
            let Some(s) = self.scopes.get(i) else {
                continue;
            };
            let in_other_vhost = || {
                let v = self.vhost_of(i);
                v.is_some() && v != vhost
            };
            match s.kind {
                ScopeKind::Directory => {
                    let Some(arg) = s.head.as_ref().and_then(|h| h.args.first()) else {
                        continue;
                    };
                    if in_other_vhost() || !directory_covers(&arg.text, &dir) {
                        continue;
                    }
                    let level = arg
                        .text
                        .trim_end_matches('/')
                        .split('/')
                        .filter(|p| !p.is_empty())
                        .count();
                    let own = u8::from(self.vhost_of(i).is_some());
                    ranked.push(((level, 0, own, i), i));
                }
                ScopeKind::Htaccess => {
                    let Some(h) = self.htaccess_of(i) else {
                        continue;
                    };
                    if !at_or_above(&h.server_dir, &dir) {
                        continue;
                    }
                    match &h.context {
                        // A file Apache never reads takes no part.
                        HtaccessContext::Known { .. }
                            if self.allow_override_words(h).is_some_and(|w| w.is_empty()) => {}
                        HtaccessContext::Known { .. } => {
                            ranked.push(((depth(&h.server_dir), 1, 0, i), i))
                        }
                        HtaccessContext::Unknown => complete = false,
                    }
                }
                ScopeKind::DirectoryMatch
                | ScopeKind::Location
                | ScopeKind::LocationMatch
                | ScopeKind::If
                | ScopeKind::ElseIf
                | ScopeKind::Else
                    // Whether these apply depends on the URL or on a regex; when one could
                    // change the auth settings, the answer is not certain.
                    if !in_other_vhost() && self.may_reach(i, &dir, vhost) && self.has_auth(i) =>
                {
                    complete = false;
                }
                _ => {}
            }
        }
        ranked.sort();
        let scopes: Vec<ScopeId> = ranked.into_iter().map(|(_, s)| s).collect();
        Chain { scopes, complete }
    }

    /// Sections by the directory they name (see [`DirIndex`]).
    fn build_dir_index(&self) -> DirIndex {
        let mut index = DirIndex::default();
        for (i, s) in self.scopes.iter().enumerate() {
            match s.kind {
                ScopeKind::Directory => match s.head.as_ref().and_then(|h| h.args.first()) {
                    Some(a) if a.text.contains(['*', '?', '[']) => index.wildcard.push(i),
                    Some(a) => index
                        .directories
                        .entry(dir_key(&a.text))
                        .or_default()
                        .push(i),
                    None => {}
                },
                ScopeKind::DirectoryMatch
                | ScopeKind::Location
                | ScopeKind::LocationMatch
                | ScopeKind::If
                | ScopeKind::ElseIf
                | ScopeKind::Else => index.others.push(i),
                _ => {}
            }
        }
        for (n, h) in self.htaccess.iter().enumerate() {
            index
                .htaccess
                .entry(h.server_dir.clone())
                .or_default()
                .push(h.scope);
            index.htaccess_at.insert(h.scope, n);
        }
        index
    }

    fn index(&self) -> &DirIndex {
        self.dir_index.get_or_init(|| self.build_dir_index())
    }

    /// The `.htaccess` whose top scope is `scope`.
    pub fn htaccess_of(&self, scope: ScopeId) -> Option<&super::apache::Htaccess> {
        self.htaccess.get(*self.index().htaccess_at.get(&scope)?)
    }

    /// The non-regex `<Directory>` sections that may cover `dir` (exact paths of its
    /// ancestors, and every wildcard one), in model order.
    fn directories_around(&self, dir: &Path) -> Vec<ScopeId> {
        let index = self.index();
        let mut out = index.wildcard.clone();
        for a in dir.ancestors() {
            if let Some(v) = index.directories.get(&dir_key(&a.to_string_lossy())) {
                out.extend(v.iter().copied());
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Could a URL- or regex-matched section apply to requests in `dir`? A `<Location>`
    /// whose path is outside the URL space that the vhost's DocumentRoot maps onto `dir`
    /// cannot; everything else might.
    fn may_reach(&self, section: ScopeId, dir: &Path, vhost: Option<ScopeId>) -> bool {
        let Some(s) = self.scope(section) else {
            return false;
        };
        if s.kind != ScopeKind::Location {
            return true;
        }
        let Some(loc) = s.head.as_ref().and_then(|h| h.args.first()) else {
            return true;
        };
        let Some(url) = self.url_of(dir, vhost) else {
            return true;
        };
        location_matches(&loc.text, &url)
    }

    /// The URL path that serves `dir` through the DocumentRoot of the vhost (or the main
    /// server), when `dir` is under it.
    pub fn url_of(&self, dir: &Path, vhost: Option<ScopeId>) -> Option<String> {
        let root_scope = vhost.or_else(|| self.roots.first().copied())?;
        let docroot = self
            .directives_in(root_scope)
            .into_iter()
            .rev()
            .find(|d| d.key == "documentroot")?;
        let root = normalize(Path::new(&docroot.args.first()?.text));
        let rest = dir.strip_prefix(&root).ok()?;
        let mut url = String::from("/");
        url.push_str(&rest.to_string_lossy());
        Some(url)
    }

    /// The directive `key` in effect for the area of `id`: the last one along the merge
    /// chain. `Unknown` when nothing in the chain sets it and the chain is incomplete.
    pub fn effective(&self, id: ScopeId, key: &str) -> Lookup<'_> {
        if let Some(found) = self.effective_for_location(id, key) {
            return found;
        }
        let chain = self.chain(id);
        // Within the area's own anchor, what is nested around `id` counts too.
        if let Some(d) = self.nearest_within_anchor(id, key) {
            return Lookup::Found(d);
        }
        for sid in chain.scopes.iter().rev() {
            if let Some(d) = self.last_in(*sid, key) {
                return Lookup::Found(d);
            }
        }
        if chain.complete {
            Lookup::NotSet
        } else {
            Lookup::Unknown
        }
    }

    /// For an area under a `<Location>`: the `<Location>` sections whose path covers it, in
    /// file order; directory-based sections count only if one of them sets `key` (then
    /// the answer depends on the file, and is `Unknown` unless a Location sets it).
    /// `None` when the anchor is not a plain `<Location>`.
    fn effective_for_location(&self, id: ScopeId, key: &str) -> Option<Lookup<'_>> {
        let anchor = self.anchor(id)?;
        let s = self.scope(anchor)?;
        if s.kind != ScopeKind::Location {
            return None;
        }
        let path = s.head.as_ref()?.args.first()?.text.clone();
        if path.contains(['*', '?', '[']) {
            return None;
        }
        if let Some(d) = self.nearest_within_anchor(id, key) {
            return Some(Lookup::Found(d));
        }
        let vhost = self.vhost_of(anchor);
        let same_server = |i: ScopeId| {
            let v = self.vhost_of(i);
            v.is_none() || v == vhost
        };
        let mut locations: Vec<ScopeId> = Vec::new();
        let mut by_file = false;
        for (i, sc) in self.scopes.iter().enumerate() {
            if !same_server(i) {
                continue;
            }
            match sc.kind {
                ScopeKind::Location => {
                    let covers = sc
                        .head
                        .as_ref()
                        .and_then(|h| h.args.first())
                        .is_some_and(|a| location_matches(&a.text, &path));
                    if covers {
                        locations.push(i);
                    }
                }
                ScopeKind::Directory
                | ScopeKind::DirectoryMatch
                | ScopeKind::Files
                | ScopeKind::FilesMatch
                | ScopeKind::LocationMatch
                | ScopeKind::If
                | ScopeKind::ElseIf
                | ScopeKind::Else
                | ScopeKind::Htaccess
                    if self.any_below(i, &|d: &Directive| d.key == key) =>
                {
                    by_file = true;
                }
                _ => {}
            }
        }
        // Main-server sections come before the vhost's; within each, file order.
        locations.sort_by_key(|i| (self.vhost_of(*i).is_some(), *i));
        for l in locations.iter().rev() {
            if let Some(d) = self.last_in(*l, key) {
                return Some(Lookup::Found(d));
            }
        }
        Some(if self.has_main_config && !by_file {
            Lookup::NotSet
        } else {
            Lookup::Unknown
        })
    }

    /// `key` in `id` or the sections between it and its anchor.
    fn nearest_within_anchor(&self, id: ScopeId, key: &str) -> Option<&Directive> {
        let anchor = self.anchor(id)?;
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(sid) = cur {
            guard += 1;
            if guard > 1024 {
                return None;
            }
            if let Some(d) = self.last_in(sid, key) {
                return Some(d);
            }
            if sid == anchor {
                return None;
            }
            cur = self.real_parent(sid);
        }
        None
    }

    /// The section whose authorization logic decides requests in the area of `id`, with
    /// Apache's default `AuthMerging Off`: the last section along the chain that holds any.
    /// `Found(None)`-like answers are expressed as [`AuthzSource`].
    pub fn authz_source(&self, id: ScopeId) -> AuthzSource {
        let chain = self.chain(id);
        for sid in chain.scopes.iter().rev() {
            if self.has_authz(*sid) {
                return AuthzSource::Section(*sid);
            }
        }
        if chain.complete {
            AuthzSource::None
        } else {
            AuthzSource::Unknown
        }
    }
}

impl ApacheModel {
    /// The `AllowOverride` words in effect for a `.htaccess`, lowercased, with `None`
    /// resetting what came before it (empty: the file is never read). `None` when that
    /// cannot be told: no server config above it, or an `AllowOverrideList` in play.
    pub fn allow_override_words(&self, h: &super::apache::Htaccess) -> Option<Vec<String>> {
        let HtaccessContext::Known {
            directory,
            allow_override,
        } = &h.context
        else {
            return None;
        };
        // AllowOverrideList on any <Directory> covering the file lets single directives in.
        let listed = directory.is_some()
            && self.directories_around(&h.server_dir).into_iter().any(|i| {
                self.scope(i).is_some_and(|s| {
                    s.head
                        .as_ref()
                        .and_then(|hd| hd.args.first())
                        .is_some_and(|a| directory_covers(&a.text, &h.server_dir))
                }) && self.last_in(i, "allowoverridelist").is_some()
            });
        if listed {
            return None;
        }
        let mut words: Vec<String> = Vec::new();
        for w in allow_override
            .iter()
            .flat_map(|ao| ao.args.iter())
            .map(|a| a.text.to_ascii_lowercase())
        {
            if w == "none" {
                words.clear();
            } else {
                words.push(w);
            }
        }
        Some(words)
    }
}

/// Where the authorization for an area comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthzSource {
    Section(ScopeId),
    /// No section along the complete chain holds any.
    None,
    /// Not in what we see; an unseen section could hold it.
    Unknown,
}

/// `<Location "/p">` matches `/p`, `/p/` and `/p/x`, but not `/pother`; `<Location "/p/">`
/// does not match `/p`. Wildcards make the answer "maybe" (true).
pub fn location_matches(location: &str, url: &str) -> bool {
    if location.contains(['*', '?', '[']) {
        return true;
    }
    if location == "/" {
        return true;
    }
    let url_dir = if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    };
    // Requests in the directory have URLs under `url_dir`; the Location covers them when
    // its path is a prefix of that URL at a segment boundary.
    let loc = location.trim_end_matches('/');
    url_dir == format!("{loc}/") || url_dir.starts_with(&format!("{loc}/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::apache::Lookup;

    fn model(files: &[(&str, &str)]) -> crate::Outcome {
        crate::lint_memory(files)
    }

    fn scope_with(m: &ApacheModel, key: &str, arg: &str) -> ScopeId {
        m.scopes
            .iter()
            .position(|s| {
                s.head
                    .as_ref()
                    .is_some_and(|h| h.key == key && h.args.first().is_some_and(|a| a.text == arg))
            })
            .unwrap_or(usize::MAX)
    }

    #[test]
    fn sibling_directories_merge_by_path_not_by_nesting() {
        let l = model(&[(
            "httpd.conf",
            "ServerRoot /x\n<Directory /www>\nRequire all granted\nAuthName \"A\"\n</Directory>\n<Directory /www/private>\nAuthType Basic\n</Directory>\n",
        )]);
        let m = &l.model.apache;
        let private = scope_with(m, "directory", "/www/private");
        let www = scope_with(m, "directory", "/www");
        let chain = m.chain(private);
        assert_eq!(chain.scopes, vec![www, private]);
        assert!(chain.complete);
        assert!(
            matches!(m.effective(private, "authname"), Lookup::Found(d) if d.args[0].text == "A")
        );
        assert_eq!(m.authz_source(private), AuthzSource::Section(www));
        assert_eq!(m.effective(private, "authuserfile"), Lookup::NotSet);
    }

    #[test]
    fn htaccess_comes_after_the_directory_of_its_level() {
        let l = model(&[
            (
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv/a>\nAllowOverride All\nRequire all granted\n</Directory>\n<Directory /srv/a/b>\nRequire all denied\n</Directory>\n",
            ),
            ("/srv/a/.htaccess", "Require valid-user\n"),
        ]);
        let m = &l.model.apache;
        let b = scope_with(m, "directory", "/srv/a/b");
        let a = scope_with(m, "directory", "/srv/a");
        let h = m.htaccess.first().map(|h| h.scope).unwrap_or(usize::MAX);
        assert_eq!(m.chain(b).scopes, vec![a, h, b]);
    }

    #[test]
    fn nested_htaccess_files_merge_shallow_to_deep() {
        let l = model(&[
            (
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv>\nAllowOverride All\nRequire all granted\n</Directory>\n",
            ),
            ("/srv/a/.htaccess", "AuthType Basic\nAuthName \"A\"\nRequire valid-user\n"),
            ("/srv/a/b/.htaccess", "AuthName \"B\"\n"),
            ("/srv/a/b/c/.htaccess", "Require all granted\n"),
        ]);
        let m = &l.model.apache;
        let srv = scope_with(m, "directory", "/srv");
        let ht = |dir: &str| {
            m.htaccess
                .iter()
                .find(|h| h.server_dir == Path::new(dir))
                .map(|h| h.scope)
                .unwrap_or(usize::MAX)
        };
        let (a, b, c) = (ht("/srv/a"), ht("/srv/a/b"), ht("/srv/a/b/c"));
        assert_eq!(m.chain(c).scopes, vec![srv, a, b, c]);
        assert!(matches!(m.effective(b, "authname"), Lookup::Found(d) if d.args[0].text == "B"));
        assert!(
            matches!(m.effective(c, "authtype"), Lookup::Found(d) if d.args[0].text == "Basic")
        );
        // b has no Require of its own: a's decides; c's replaces it.
        assert_eq!(m.authz_source(b), AuthzSource::Section(a));
        assert_eq!(m.authz_source(c), AuthzSource::Section(c));
    }

    #[test]
    fn an_ignored_htaccess_takes_no_part() {
        let l = model(&[
            (
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv>\nAllowOverride AuthConfig None\n</Directory>\n",
            ),
            ("/srv/a/.htaccess", "Require valid-user\n"),
        ]);
        let m = &l.model.apache;
        let srv = scope_with(m, "directory", "/srv");
        assert_eq!(m.chain_for_dir(Path::new("/srv/a"), None).scopes, vec![srv]);
    }

    #[test]
    fn an_unrelated_location_keeps_the_chain_complete_but_slash_does_not() {
        let conf = |loc: &str| {
            format!("ServerRoot /x\nDocumentRoot /www\n<Directory /www/p>\nAuthType Basic\n</Directory>\n<Location {loc}>\nRequire all granted\n</Location>\n")
        };
        let l = model(&[("httpd.conf", &conf("/other"))]);
        let m = &l.model.apache;
        assert!(m.chain(scope_with(m, "directory", "/www/p")).complete);
        let l = model(&[("httpd.conf", &conf("/"))]);
        let m = &l.model.apache;
        assert!(!m.chain(scope_with(m, "directory", "/www/p")).complete);
    }

    #[test]
    fn other_vhosts_sections_do_not_apply() {
        let l = model(&[(
            "httpd.conf",
            "ServerRoot /x\n<VirtualHost *:80>\n<Directory /www>\nRequire all granted\n</Directory>\n</VirtualHost>\n<VirtualHost *:81>\n<Directory /www/p>\nAuthType Basic\n</Directory>\n</VirtualHost>\n",
        )]);
        let m = &l.model.apache;
        let p = scope_with(m, "directory", "/www/p");
        assert_eq!(m.chain(p).scopes, vec![p]);
    }

    #[test]
    fn locations_merge_with_covering_locations() {
        let l = model(&[(
            "httpd.conf",
            "ServerRoot /x\n<Location /app>\nAuthName \"App\"\n</Location>\n<Location /app/admin>\nAuthType Basic\n</Location>\n<Location /other>\nAuthUserFile /u\n</Location>\n",
        )]);
        let m = &l.model.apache;
        let admin = scope_with(m, "location", "/app/admin");
        assert!(
            matches!(m.effective(admin, "authname"), Lookup::Found(d) if d.args[0].text == "App")
        );
        assert_eq!(m.effective(admin, "authuserfile"), Lookup::NotSet);
        // A <Directory> that sets the key could apply: unknown.
        let l = model(&[(
            "httpd.conf",
            "ServerRoot /x\n<Directory /w>\nAuthUserFile /u\n</Directory>\n<Location /app>\nAuthType Basic\n</Location>\n",
        )]);
        let m = &l.model.apache;
        let app = scope_with(m, "location", "/app");
        assert_eq!(m.effective(app, "authuserfile"), Lookup::Unknown);
    }

    #[test]
    fn location_prefixes_match_at_segment_boundaries() {
        assert!(location_matches("/p", "/p"));
        assert!(location_matches("/p", "/p/x"));
        assert!(!location_matches("/p", "/pother"));
        assert!(location_matches("/", "/anything"));
        assert!(location_matches("/p/", "/p/x"));
    }
}
