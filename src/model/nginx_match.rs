//! nginx location selection: which `location` serves a URI in a server, exactly as
//! `ngx_http_core_find_location()` of nginx 1.22 chooses it, and the auth in effect there.
//!
//! At each level (the server, then the chosen location): an `=` location equal to the URI
//! ends the search; else the longest matching prefix is remembered and its nested locations
//! are searched the same way; then, unless the prefix chosen at this level has `^~`, this
//! level's regex locations (`~`, `~*`) are tried in config order and the first that matches
//! wins (its nested locations are searched too). So regexes nested inside the chosen prefix
//! are tried before the outer ones, and a `^~` prefix only stops the regexes of the level it
//! sits at. Named `@` locations are never selected for a request URI. A `/dir/` location
//! whose handler is a `*_pass` answers `/dir` with a 301 ([`Selected::Redirect`]).
//!
//! Guarantees: the URI is taken as nginx matches it (already percent-decoded, dot segments
//! resolved, slashes merged). Regexes are compiled with PCRE2 and nginx's options
//! ([`super::pcre`]), so they match as nginx matches them; one that does not compile (nginx
//! would refuse to start) or that PCRE2 gives up on makes the answer [`Selected::Unknown`]
//! when the search reaches it, never a guess. So does an `include` that was not followed (its file
//! may hold locations) at a level the search enters, and anything that is not a server.
//! Compiled regexes are cached per pattern, so matching many URIs stays cheap.

use super::nginx::{BlockHead, CtxId, Lookup, NgItem, NginxModel};
use super::pcre::{self, Flavor};
use crate::source::Span;
use crate::syntax::nginx::Stmt;
use pcre2::bytes::Regex;
use std::collections::{HashMap, HashSet};

/// How a location matches, from its modifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// `location /p`
    Prefix,
    /// `location = /p`
    Exact,
    /// `location ^~ /p`: a prefix that, when it is the longest, stops the regexes.
    NoRegex,
    /// `location ~ re`
    Regex,
    /// `location ~* re`
    RegexCaseless,
    /// `location @name`
    Named,
}

impl Modifier {
    /// Matched by the prefix tree (not a regex, not named).
    pub fn is_static(self) -> bool {
        matches!(self, Modifier::Prefix | Modifier::Exact | Modifier::NoRegex)
    }
    pub fn is_regex(self) -> bool {
        matches!(self, Modifier::Regex | Modifier::RegexCaseless)
    }
}

/// A location's modifier and its path or pattern (unescaped, as nginx reads it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocationSpec<'a> {
    pub modifier: Modifier,
    pub pattern: &'a str,
}

/// Read a location head as `ngx_http_core_location()` does: `location [mod] name`, where a
/// one-word form may glue the modifier to the name (`=/x`, `^~/x`, `~\.php$`, `~*\.jpg$`).
/// `None` for heads nginx refuses (an unknown modifier, a wrong word count).
pub fn location_spec(head: &BlockHead) -> Option<LocationSpec<'_>> {
    if head.name.text != "location" {
        return None;
    }
    match head.args.as_slice() {
        [one] => {
            let t = one.text.as_str();
            let (modifier, pattern) = if let Some(rest) = t.strip_prefix('=') {
                (Modifier::Exact, rest)
            } else if let Some(rest) = t.strip_prefix("^~") {
                (Modifier::NoRegex, rest)
            } else if let Some(rest) = t.strip_prefix("~*") {
                (Modifier::RegexCaseless, rest)
            } else if let Some(rest) = t.strip_prefix('~') {
                (Modifier::Regex, rest)
            } else if t.starts_with('@') {
                (Modifier::Named, t)
            } else {
                (Modifier::Prefix, t)
            };
            Some(LocationSpec { modifier, pattern })
        }
        [m, name] => {
            let modifier = match m.text.as_str() {
                "=" => Modifier::Exact,
                "^~" => Modifier::NoRegex,
                "~" => Modifier::Regex,
                "~*" => Modifier::RegexCaseless,
                _ => return None,
            };
            Some(LocationSpec {
                modifier,
                pattern: name.text.as_str(),
            })
        }
        _ => None,
    }
}

/// Which configuration serves a URI in a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    Location(CtxId),
    /// No location matches: the server's own configuration applies.
    ServerLevel,
    /// nginx answers 301 to the URI with a `/` appended (this `/dir/` location has a
    /// `*_pass` handler and the URI is `/dir`).
    Redirect(CtxId),
    /// Cannot be told from what authlint sees.
    Unknown,
}

/// Whether HTTP Basic authentication applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BasicAuth {
    /// A realm (not `off`) and a user file are both in effect.
    On,
    /// One of them is missing or the realm is `off`: nginx checks no password.
    Off,
    /// Depends on what authlint cannot see (an unseen includer, a variable realm).
    Unknown,
}

/// The auth directives in effect for a context, by nginx inheritance.
#[derive(Debug, PartialEq)]
pub struct EffectiveAuth<'a> {
    pub auth_basic: Lookup<'a>,
    pub auth_basic_user_file: Lookup<'a>,
    pub satisfy: Lookup<'a>,
}

impl EffectiveAuth<'_> {
    /// `ngx_http_auth_basic_handler()` declines unless both a realm and a user file are set
    /// and the realm is not the exact word `off` (a realm with a variable may become `off`
    /// per request).
    pub fn basic(&self) -> BasicAuth {
        let realm = match &self.auth_basic {
            Lookup::Found(v) => match v.first().and_then(|s| s.args.first()) {
                Some(a) if a.text == "off" => BasicAuth::Off,
                Some(a) if a.text.contains('$') => BasicAuth::Unknown,
                Some(_) => BasicAuth::On,
                None => BasicAuth::Unknown,
            },
            Lookup::NotSet => BasicAuth::Off,
            Lookup::Unknown => BasicAuth::Unknown,
        };
        let file = match &self.auth_basic_user_file {
            Lookup::Found(_) => BasicAuth::On,
            Lookup::NotSet => BasicAuth::Off,
            Lookup::Unknown => BasicAuth::Unknown,
        };
        match (realm, file) {
            (BasicAuth::Off, _) | (_, BasicAuth::Off) => BasicAuth::Off,
            (BasicAuth::On, BasicAuth::On) => BasicAuth::On,
            _ => BasicAuth::Unknown,
        }
    }
}

/// Handlers that set `auto_redirect` on a location whose name ends in `/`.
const AUTO_REDIRECT_HANDLERS: &[&str] = &[
    "proxy_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "memcached_pass",
    "grpc_pass",
];

/// Nesting deeper than this is not followed (the model bounds it already).
const MAX_LEVELS: usize = 256;

/// Where a static search at one level ended (nginx's NGX_OK / NGX_DONE / NGX_AGAIN /
/// NGX_DECLINED).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    Exact,
    Redirect,
    Inclusive,
    Declined,
    Unknown,
}

/// Selects locations; keeps compiled regexes between calls.
pub struct LocationMatcher<'m> {
    model: &'m NginxModel,
    /// `(pattern, caseless)` to the compiled regex, `None` when it does not compile.
    regexes: HashMap<(&'m str, bool), Option<Regex>>,
    /// Contexts holding an `include` whose file was not read (stock parameter files
    /// aside).
    unseen: HashSet<CtxId>,
    /// Directives by name, for contexts with many items (an http block of thousands of
    /// servers), so inheritance lookups stay cheap.
    index: HashMap<CtxId, HashMap<&'m str, Vec<&'m Stmt>>>,
}

/// Contexts with more items than this get a by-name index on first lookup.
const INDEX_FROM: usize = 32;

impl<'m> LocationMatcher<'m> {
    pub fn new(model: &'m NginxModel) -> LocationMatcher<'m> {
        LocationMatcher {
            model,
            regexes: HashMap::new(),
            unseen: HashSet::new(),
            index: HashMap::new(),
        }
    }

    /// Tell the matcher which `include` arguments were not followed (their primary spans);
    /// a level holding one answers [`Selected::Unknown`].
    pub fn with_unseen_includes(mut self, spans: impl IntoIterator<Item = Span>) -> Self {
        let spans: HashSet<Span> = spans.into_iter().collect();
        if spans.is_empty() {
            return self;
        }
        for (id, ctx) in self.model.contexts.iter().enumerate() {
            let unseen = ctx.items.iter().any(|i| match i {
                NgItem::Directive(s) if s.name.text == "include" => s
                    .args
                    .first()
                    .is_some_and(|a| spans.contains(&a.span) && !is_stock_include(&a.text)),
                _ => false,
            });
            if unseen {
                self.unseen.insert(id);
            }
        }
        self
    }

    /// The simple directives named `name` directly in a context.
    pub fn directives_in(&mut self, ctx: CtxId, name: &str) -> Vec<&'m Stmt> {
        let model = self.model;
        let Some(c) = model.context(ctx) else {
            return Vec::new();
        };
        if c.items.len() <= INDEX_FROM {
            return model.directives_in(ctx, name);
        }
        let index = self.index.entry(ctx).or_insert_with(|| {
            let mut by_name: HashMap<&'m str, Vec<&'m Stmt>> = HashMap::new();
            for item in &c.items {
                if let NgItem::Directive(s) = item {
                    by_name.entry(s.name.text.as_str()).or_default().push(s);
                }
            }
            by_name
        });
        index.get(name).cloned().unwrap_or_default()
    }

    /// [`NginxModel::lookup`], with big contexts indexed.
    pub fn lookup(&mut self, ctx: CtxId, name: &str) -> Lookup<'m> {
        let model = self.model;
        let mut cur = Some(ctx);
        let mut guard = 0;
        while let Some(cid) = cur {
            guard += 1;
            if guard > 1024 {
                return Lookup::Unknown;
            }
            let found = self.directives_in(cid, name);
            if !found.is_empty() {
                return Lookup::Found(found);
            }
            let Some(c) = model.context(cid) else {
                return Lookup::Unknown;
            };
            if c.kind == "snippet" {
                return Lookup::Unknown;
            }
            cur = c.parent;
        }
        Lookup::NotSet
    }

    /// [`EffectiveAuth::basic`] for a GET request served by a context, looking up only
    /// what decides it.
    pub fn basic_auth(&mut self, ctx: CtxId) -> BasicAuth {
        let ctx = self.model.request_conf(ctx, "GET");
        let auth_basic = self.lookup(ctx, "auth_basic");
        if auth_basic == Lookup::NotSet {
            return BasicAuth::Off;
        }
        EffectiveAuth {
            auth_basic,
            auth_basic_user_file: self.lookup(ctx, "auth_basic_user_file"),
            satisfy: Lookup::NotSet,
        }
        .basic()
    }

    /// [`NginxModel::effective_auth`], with big contexts indexed.
    pub fn effective_auth(&mut self, ctx: CtxId) -> EffectiveAuth<'m> {
        self.effective_auth_for(ctx, "GET")
    }

    /// The auth in effect for a request with `method` served by a context
    /// ([`NginxModel::request_conf`]).
    pub fn effective_auth_for(&mut self, ctx: CtxId, method: &str) -> EffectiveAuth<'m> {
        let ctx = self.model.request_conf(ctx, method);
        EffectiveAuth {
            auth_basic: self.lookup(ctx, "auth_basic"),
            auth_basic_user_file: self.lookup(ctx, "auth_basic_user_file"),
            satisfy: self.lookup(ctx, "satisfy"),
        }
    }

    pub fn model(&self) -> &'m NginxModel {
        self.model
    }

    /// The location that serves `uri` (normalised, as nginx matches it) in `server`.
    pub fn select(&mut self, server: CtxId, uri: &str) -> Selected {
        let is_server = self
            .model
            .context(server)
            .is_some_and(|c| c.kind == "server");
        if !is_server || self.unseen_around(server) {
            return Selected::Unknown;
        }
        let mut cur = None;
        match self.find(server, uri, &mut cur, 0) {
            Step::Unknown => Selected::Unknown,
            Step::Redirect => cur.map_or(Selected::Unknown, Selected::Redirect),
            _ => cur.map_or(Selected::ServerLevel, Selected::Location),
        }
    }

    /// The selected configuration and the auth in effect there; `None` when unknown or a
    /// redirect.
    pub fn auth_for_uri(
        &mut self,
        server: CtxId,
        uri: &str,
    ) -> Option<(Selected, EffectiveAuth<'m>)> {
        let sel = self.select(server, uri);
        let ctx = match sel {
            Selected::Location(c) => c,
            Selected::ServerLevel => server,
            Selected::Redirect(_) | Selected::Unknown => return None,
        };
        Some((sel, self.effective_auth(ctx)))
    }

    /// Does this regex location match `uri`? `None`: not a regex location, or a pattern the
    /// `regex` crate cannot compile.
    pub fn regex_matches(&mut self, location: CtxId, uri: &str) -> Option<bool> {
        let model = self.model;
        let spec = model
            .context(location)
            .and_then(|c| c.head.as_ref())
            .and_then(location_spec)?;
        let caseless = match spec.modifier {
            Modifier::Regex => false,
            Modifier::RegexCaseless => true,
            _ => return None,
        };
        let re = self
            .regexes
            .entry((spec.pattern, caseless))
            .or_insert_with(|| compile(spec.pattern, caseless));
        re.as_ref().and_then(|r| r.is_match(uri.as_bytes()).ok())
    }

    /// `ngx_http_core_find_location()`: `cur` is `r->loc_conf` (`None`: the server's).
    fn find(&mut self, level: CtxId, uri: &str, cur: &mut Option<CtxId>, depth: usize) -> Step {
        if depth > MAX_LEVELS || self.has_unseen_include(level) {
            return Step::Unknown;
        }
        let mut noregex = false;
        let mut rc = self.find_static(level, uri, cur);
        if rc == Step::Inclusive {
            let Some(prefix) = *cur else {
                return Step::Unknown;
            };
            noregex = self.spec(prefix).map(|s| s.modifier) == Some(Modifier::NoRegex);
            rc = self.find(prefix, uri, cur, depth + 1);
        }
        if matches!(rc, Step::Exact | Step::Redirect | Step::Unknown) {
            return rc;
        }
        if !noregex {
            for loc in self.children(level) {
                if !self.spec(loc).is_some_and(|s| s.modifier.is_regex()) {
                    continue;
                }
                match self.regex_matches(loc, uri) {
                    None => return Step::Unknown,
                    Some(false) => continue,
                    Some(true) => {
                        *cur = Some(loc);
                        return match self.find(loc, uri, cur, depth + 1) {
                            Step::Unknown => Step::Unknown,
                            _ => Step::Exact,
                        };
                    }
                }
            }
        }
        rc
    }

    /// `ngx_http_core_find_static_location()` over one level's `=`, `^~` and prefix
    /// locations: an exact or equal-length node ends the walk, a `/dir/` auto-redirect node
    /// for `/dir` comes next, else the longest prefix.
    fn find_static(&self, level: CtxId, uri: &str, cur: &mut Option<CtxId>) -> Step {
        let mut exact = None;
        let mut equal = None;
        let mut redirect: Option<(CtxId, bool)> = None;
        let mut longest: Option<(usize, CtxId)> = None;
        for loc in self.children(level) {
            let Some(spec) = self.spec(loc) else { continue };
            if !spec.modifier.is_static() {
                continue;
            }
            let name = spec.pattern;
            let is_exact = spec.modifier == Modifier::Exact;
            if name == uri {
                if is_exact {
                    exact = exact.or(Some(loc));
                } else {
                    equal = equal.or(Some(loc));
                }
            } else if name.len() == uri.len() + 1
                && name.starts_with(uri)
                && name.ends_with('/')
                && self.auto_redirect(loc)
            {
                // nginx redirects to the node's exact location when it has one.
                match redirect {
                    Some((_, true)) => {}
                    _ if is_exact => redirect = Some((loc, true)),
                    None => redirect = Some((loc, false)),
                    _ => {}
                }
            } else if !is_exact
                && uri.starts_with(name)
                && longest.is_none_or(|(len, _)| name.len() > len)
            {
                longest = Some((name.len(), loc));
            }
        }
        if let Some(loc) = exact {
            *cur = Some(loc);
            return Step::Exact;
        }
        if let Some(loc) = equal {
            *cur = Some(loc);
            return Step::Inclusive;
        }
        if let Some((loc, _)) = redirect {
            *cur = Some(loc);
            return Step::Redirect;
        }
        if let Some((_, loc)) = longest {
            *cur = Some(loc);
            return Step::Inclusive;
        }
        Step::Declined
    }

    fn spec(&self, loc: CtxId) -> Option<LocationSpec<'m>> {
        let model = self.model;
        model
            .context(loc)
            .filter(|c| c.kind == "location")
            .and_then(|c| c.head.as_ref())
            .and_then(location_spec)
    }

    /// The `location` blocks directly in a context, in config order (included files in
    /// place).
    fn children(&self, level: CtxId) -> impl Iterator<Item = CtxId> + 'm {
        let model = self.model;
        model
            .context(level)
            .into_iter()
            .flat_map(|c| c.items.iter())
            .filter_map(move |i| match i {
                NgItem::Context(id) if model.context(*id).is_some_and(|c| c.kind == "location") => {
                    Some(*id)
                }
                _ => None,
            })
    }

    fn auto_redirect(&self, loc: CtxId) -> bool {
        AUTO_REDIRECT_HANDLERS
            .iter()
            .any(|h| !self.model.directives_in(loc, h).is_empty())
    }

    /// An `include` here was not followed, and it is not one of the stock parameter files
    /// (which hold no locations and no auth).
    fn has_unseen_include(&self, level: CtxId) -> bool {
        self.unseen.contains(&level)
    }

    /// No `include` in this context or around it was left unread (stock parameter files
    /// aside), so what inheritance finds here is all there is.
    pub fn sees_all(&self, ctx: CtxId) -> bool {
        !self.has_unseen_include(ctx) && !self.unseen_around(ctx)
    }

    /// A level around the context (up to main) includes a file that was not followed.
    fn unseen_around(&self, ctx: CtxId) -> bool {
        let mut cur = self.model.context(ctx).and_then(|c| c.parent);
        let mut guard = 0;
        while let Some(id) = cur {
            guard += 1;
            if guard > MAX_LEVELS || self.has_unseen_include(id) {
                return true;
            }
            cur = self.model.context(id).and_then(|c| c.parent);
        }
        false
    }
}

/// Files the nginx packages ship to be included for their directives (`fastcgi_param`,
/// `proxy_set_header`, `types`...): never locations or auth.
const STOCK_INCLUDES: &[&str] = &[
    "fastcgi_params",
    "fastcgi.conf",
    "proxy_params",
    "uwsgi_params",
    "scgi_params",
    "mime.types",
    "koi-utf",
    "koi-win",
    "win-utf",
    "snippets/fastcgi-php.conf",
    "snippets/snakeoil.conf",
];

fn is_stock_include(path: &str) -> bool {
    STOCK_INCLUDES
        .iter()
        .any(|s| path == *s || path.strip_suffix(s).is_some_and(|d| d.ends_with('/')))
}

/// Compile a location regex as nginx does; `None` when nginx would refuse it.
fn compile(pattern: &str, caseless: bool) -> Option<Regex> {
    pcre::compile(pattern, Flavor::Nginx, caseless).ok()
}

impl NginxModel {
    /// The configuration a request with `method` runs under once `ctx` is selected:
    /// `ngx_http_update_location_config()` switches to the location's `limit_except` block
    /// when the method is not one the block lists (listing GET also lets HEAD through;
    /// names compare without case, as nginx reads them). Any other context is returned
    /// as it is.
    pub fn request_conf(&self, ctx: CtxId, method: &str) -> CtxId {
        let Some(c) = self.context(ctx).filter(|c| c.kind == "location") else {
            return ctx;
        };
        // nginx allows one limit_except per location; the first is the one it keeps.
        let block = c.items.iter().find_map(|i| match i {
            NgItem::Context(id) => self
                .context(*id)
                .filter(|b| b.kind == "limit_except")
                .map(|b| (*id, b)),
            _ => None,
        });
        let Some((id, block)) = block else {
            return ctx;
        };
        let listed = |m: &str| {
            block
                .head
                .as_ref()
                .is_some_and(|h| h.args.iter().any(|a| a.text.eq_ignore_ascii_case(m)))
        };
        let allowed = listed(method) || (method == "HEAD" && listed("GET"));
        if allowed {
            ctx
        } else {
            id
        }
    }

    /// The location that serves `uri` in `server` (one-off; use [`LocationMatcher`] to
    /// match many URIs with cached regexes).
    pub fn select_location(&self, server: CtxId, uri: &str) -> Selected {
        LocationMatcher::new(self).select(server, uri)
    }

    /// `auth_basic`, `auth_basic_user_file` and `satisfy` in effect for a GET request
    /// served by a context.
    pub fn effective_auth(&self, ctx: CtxId) -> EffectiveAuth<'_> {
        let ctx = self.request_conf(ctx, "GET");
        EffectiveAuth {
            auth_basic: self.lookup(ctx, "auth_basic"),
            auth_basic_user_file: self.lookup(ctx, "auth_basic_user_file"),
            satisfy: self.lookup(ctx, "satisfy"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of an nginx.conf whose http block holds `servers`, and its first server.
    fn model(servers: &str) -> (NginxModel, CtxId) {
        let text = format!("events {{}}\nhttp {{\n{servers}\n}}\n");
        let outcome = crate::lint_memory(&[("nginx.conf", text.as_str())]);
        let m = outcome.model.nginx;
        let server = m
            .contexts
            .iter()
            .position(|c| c.kind == "server")
            .unwrap_or(usize::MAX);
        (m, server)
    }

    /// The first argument text of the location a URI selects, `-` for server level.
    fn pick(m: &NginxModel, server: CtxId, uri: &str) -> String {
        match m.select_location(server, uri) {
            Selected::Location(c) | Selected::Redirect(c) => {
                let head = m.context(c).and_then(|c| c.head.as_ref());
                let words: Vec<&str> = head
                    .map(|h| h.args.iter().map(|a| a.text.as_str()).collect())
                    .unwrap_or_default();
                let mut s = words.join(" ");
                if matches!(m.select_location(server, uri), Selected::Redirect(_)) {
                    s.insert_str(0, "301 ");
                }
                s
            }
            Selected::ServerLevel => "-".into(),
            Selected::Unknown => "?".into(),
        }
    }

    #[test]
    fn exact_beats_prefix_and_regex() {
        let (m, s) =
            model("server { location = /a { } location /a { } location ~ a { } location / { } }");
        assert_eq!(pick(&m, s, "/a"), "= /a");
        assert_eq!(pick(&m, s, "/ab"), "~ a");
        assert_eq!(pick(&m, s, "/b"), "/");
    }

    #[test]
    fn longest_prefix_then_first_regex_in_config_order() {
        let (m, s) = model(
            "server { location / { } location /admin/ { } location /admin/logs/ { }\n\
             location ~ \\.php$ { } location ~ admin { } }",
        );
        assert_eq!(pick(&m, s, "/admin/x"), "~ admin");
        assert_eq!(pick(&m, s, "/admin/x.php"), "~ \\.php$");
        assert_eq!(pick(&m, s, "/adm/x.html"), "/");
        assert_eq!(pick(&m, s, "/admin/logs/x"), "~ admin");
        let (m, s) =
            model("server { location / { } location /admin/ { } location /admin/logs/ { } }");
        assert_eq!(pick(&m, s, "/admin/logs/x"), "/admin/logs/");
        assert_eq!(pick(&m, s, "/admin/log"), "/admin/");
    }

    #[test]
    fn no_regex_prefix_stops_regexes_only_when_longest() {
        let (m, s) = model(
            "server { location ^~ /static/ { } location /static/app/ { } location ~ \\.css$ { } }",
        );
        assert_eq!(pick(&m, s, "/static/x.css"), "^~ /static/");
        // The longest prefix has no ^~, so the regex is tried.
        assert_eq!(pick(&m, s, "/static/app/x.css"), "~ \\.css$");
        let (m, s) = model("server { location ^~/s/ { } location =/e { } location ~\\.css$ { } }");
        assert_eq!(pick(&m, s, "/s/x.css"), "^~/s/");
        assert_eq!(pick(&m, s, "/e"), "=/e");
        assert_eq!(pick(&m, s, "/e.css"), "~\\.css$");
    }

    #[test]
    fn nested_regex_is_tried_before_the_servers() {
        let (m, s) = model(
            "server { location ~ \\.php$ { } location /admin/ { location ~ \\.php$ { } }\n\
             location ^~ /app/ { location ~ \\.php$ { } } }",
        );
        let nested = m.select_location(s, "/admin/x.php");
        let Selected::Location(c) = nested else {
            panic!("{nested:?}")
        };
        let parent = m.context(c).and_then(|c| c.parent);
        let parent_args = parent
            .and_then(|p| m.context(p))
            .and_then(|p| p.head.as_ref())
            .map(|h| h.args[0].text.clone());
        assert_eq!(parent_args.as_deref(), Some("/admin/"));
        // ^~ stops the server's regexes, not its own nested ones.
        let Selected::Location(c) = m.select_location(s, "/app/x.php") else {
            panic!()
        };
        assert_ne!(m.context(c).and_then(|c| c.parent), Some(s));
        assert_eq!(pick(&m, s, "/app/x.html"), "^~ /app/");
    }

    #[test]
    fn nested_no_regex_does_not_stop_outer_regexes() {
        // Source: `noregex` is taken from the prefix chosen at each level, so a nested ^~
        // only skips its parent's regexes.
        let (m, s) = model(
            "server { location /a/ { location ^~ /a/b/ { } location ~ x { } } location ~ \\.css$ { } }",
        );
        assert_eq!(pick(&m, s, "/a/b/x.css"), "~ \\.css$");
        assert_eq!(pick(&m, s, "/a/b/x.txt"), "^~ /a/b/");
        assert_eq!(pick(&m, s, "/a/x.txt"), "~ x");
    }

    #[test]
    fn case_insensitive_regex_and_case_sensitive_prefixes() {
        let (m, s) =
            model("server { location /Admin/ { } location ~* \\.JPG$ { } location ~ \\.PNG$ { } }");
        assert_eq!(pick(&m, s, "/x/a.jpg"), "~* \\.JPG$");
        assert_eq!(pick(&m, s, "/x/a.png"), "-");
        assert_eq!(pick(&m, s, "/admin/a"), "-");
        assert_eq!(pick(&m, s, "/Admin/a"), "/Admin/");
    }

    #[test]
    fn named_locations_are_never_selected() {
        let (m, s) = model("server { location @fallback { } location /a/ { } }");
        assert_eq!(pick(&m, s, "@fallback"), "-");
        assert_eq!(pick(&m, s, "/b"), "-");
    }

    #[test]
    fn pcre_forms_match_and_broken_regexes_are_unknown_only_when_reached() {
        let (m, s) = model(
            "server { location ~ \\.php$ { } location ~ ^/(?!public) { } location ~ ^/(x { } location ^~ /s/ { } }",
        );
        assert_eq!(pick(&m, s, "/a.php"), "~ \\.php$");
        // Lookahead, as PCRE reads it.
        assert_eq!(pick(&m, s, "/a.html"), "~ ^/(?!public)");
        // The broken pattern is reached only when the lookahead fails.
        assert_eq!(pick(&m, s, "/public/a.html"), "?");
        assert_eq!(pick(&m, s, "/s/a.html"), "^~ /s/");
    }

    #[test]
    fn slash_location_with_proxy_pass_redirects() {
        let (m, s) = model(
            "server { location /api/ { proxy_pass http://127.0.0.1:9; } location /app/ { } location / { } }",
        );
        assert_eq!(pick(&m, s, "/api"), "301 /api/");
        assert_eq!(pick(&m, s, "/app"), "/");
    }

    #[test]
    fn common_pcre_forms_compile() {
        for p in [
            "\\.php$",
            "^/admin/.*\\.(jpg|css|js)$",
            "\\/\\.ht",
            "^/(?<name>[a-z]+)/",
            "^/(?P<name>[a-z]+)/",
            "[[:alpha:]]",
        ] {
            assert!(compile(p, false).is_some(), "{p}");
        }
        assert!(compile("(a)\\1", false).is_some());
        assert!(compile("(a", false).is_none());
    }

    #[test]
    fn effective_auth_follows_inheritance() {
        let (m, s) = model(
            "auth_basic_user_file u;\nserver { auth_basic x; location /a/ { } location /b/ { auth_basic off; } }",
        );
        let mut matcher = LocationMatcher::new(&m);
        let (_, a) = matcher.auth_for_uri(s, "/a/1").expect("known");
        assert_eq!(a.basic(), BasicAuth::On);
        let (_, b) = matcher.auth_for_uri(s, "/b/1").expect("known");
        assert_eq!(b.basic(), BasicAuth::Off);
        let (sel, c) = matcher.auth_for_uri(s, "/c").expect("known");
        assert_eq!(sel, Selected::ServerLevel);
        assert_eq!(c.basic(), BasicAuth::On);
    }

    #[test]
    fn limit_except_serves_the_methods_it_does_not_list() {
        let (m, s) = model(
            "server { auth_basic_user_file u;\n\
             location /w/ { limit_except GET { auth_basic w; } }\n\
             location /p/ { limit_except post { auth_basic p; } } }",
        );
        let mut matcher = LocationMatcher::new(&m);
        let w = match m.select_location(s, "/w/1") {
            Selected::Location(c) => c,
            other => panic!("{other:?}"),
        };
        // GET (and HEAD, which GET lets through) stay in the location: no password.
        assert_eq!(matcher.effective_auth_for(w, "GET").basic(), BasicAuth::Off);
        assert_eq!(
            matcher.effective_auth_for(w, "HEAD").basic(),
            BasicAuth::Off
        );
        assert_eq!(matcher.effective_auth_for(w, "POST").basic(), BasicAuth::On);
        assert_eq!(matcher.basic_auth(w), BasicAuth::Off);
        let p = match m.select_location(s, "/p/1") {
            Selected::Location(c) => c,
            other => panic!("{other:?}"),
        };
        // Listed without case; everything else, GET included, needs the password.
        assert_eq!(
            matcher.effective_auth_for(p, "POST").basic(),
            BasicAuth::Off
        );
        assert_eq!(matcher.basic_auth(p), BasicAuth::On);
        assert_eq!(m.effective_auth(p).basic(), BasicAuth::On);
    }

    #[test]
    fn include_not_followed_makes_its_levels_unknown() {
        let out = crate::lint_memory(&[(
            "nginx.conf",
            "events {}\nhttp { server { location /a/ { include /nowhere/x.conf; }\n\
             location /b/ { include /nowhere/fastcgi_params; } location /c/ { } } }\n",
        )]);
        let m = out.model.nginx;
        let s = m
            .contexts
            .iter()
            .position(|c| c.kind == "server")
            .unwrap_or(usize::MAX);
        let unseen: Vec<Span> = out
            .diagnostics
            .iter()
            .filter(|d| d.code == "AL005")
            .filter_map(|d| d.span())
            .collect();
        assert_eq!(unseen.len(), 2);
        let mut matcher = LocationMatcher::new(&m).with_unseen_includes(unseen);
        assert_eq!(matcher.select(s, "/a/1"), Selected::Unknown);
        assert!(matches!(matcher.select(s, "/b/1"), Selected::Location(_)));
        assert!(matches!(matcher.select(s, "/c/1"), Selected::Location(_)));
    }

    #[test]
    fn locations_from_an_included_file_keep_their_place() {
        let out = crate::lint_memory(&[
            (
                "nginx.conf",
                "events {}\nhttp { server { location /a/ { } include locs.conf; location ~ a { } } }\n",
            ),
            ("locs.conf", "location ~ \\.php$ { }\n"),
        ]);
        let m = out.model.nginx;
        let s = m
            .contexts
            .iter()
            .position(|c| c.kind == "server")
            .unwrap_or(usize::MAX);
        assert_eq!(pick(&m, s, "/a/x.php"), "~ \\.php$");
        assert_eq!(pick(&m, s, "/a/x"), "~ a");
    }
}
