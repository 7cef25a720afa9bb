//! Apache httpd's answer to a request, as `ap_process_request_internal()` reaches it:
//! virtual host by port and name, URL to file (`Alias`, `DocumentRoot`), the directory walk
//! (`<Directory>` shortest first with each level's `.htaccess`, then `<Files>` and
//! `<Location>`), a `.htaccess` Apache cannot read (500), authorization without a user
//! (mod_authz_core: `Require` with `RequireAll`/`RequireAny`/`RequireNone`, `AuthMerging
//! Off`), authentication (`AuthType Basic`, the file provider, the password verified as
//! APR does), authorization with the user, then the static content (`DirectorySlash`,
//! `DirectoryIndex` as a subrequest, 404, methods).
//!
//! Unknown, never guessed: mod_rewrite or `Redirect` in play, `<If>`, regex sections that
//! carry settings, access_compat (`Order`/`Allow`/`Deny`/`Satisfy`), Digest, providers
//! other than `file`, `ErrorDocument`, a document root that is not in the input.
use super::{check_login, status_text, Answer, Login, Request, Trace};
use crate::diag::Diagnostic;
use crate::htpasswd::scheme::Server;
use crate::model::apache::{ApacheModel, HtaccessContext, Item, ScopeId, ScopeKind};
use crate::model::paths::PathMap;
use crate::model::Model;
use crate::source::{Fs, Span};
use crate::syntax::apache::Directive;
use std::path::{Path, PathBuf};

/// Findings that make Apache answer 500 when they stand in a `.htaccess` it reads.
pub const HTACCESS_500: &[&str] = &["AL001", "AL103", "AL104", "AL109", "AL116"];

/// mod_authz_core's results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Authz {
    Granted,
    Denied,
    DeniedNoUser,
    Neutral,
}

struct Ap<'m> {
    model: &'m Model,
    apache: &'m ApacheModel,
    findings: &'m [Diagnostic],
    maps: &'m PathMap,
    fs: &'m dyn Fs,
    req: &'m Request,
    /// The sections of the request being resolved.
    current_sections: Vec<ScopeId>,
    trace: Trace,
}

/// Resolve `req` against the Apache configuration of the model.
pub fn resolve(
    model: &Model,
    findings: &[Diagnostic],
    maps: &PathMap,
    fs: &dyn Fs,
    req: &Request,
) -> Answer {
    let mut x = Ap {
        model,
        apache: &model.apache,
        findings,
        maps,
        fs,
        req,
        current_sections: Vec::new(),
        trace: Trace::default(),
    };
    let outcome = x.run().map(|(s, l)| (s, l, status_text(s).to_string()));
    x.trace.answer(Server::Apache, outcome)
}

type Res<T> = Result<T, String>;

impl<'m> Ap<'m> {
    fn step(&mut self, span: Span, label: impl Into<String>) {
        self.trace.step(span, label);
    }

    fn run(&mut self) -> Res<(u16, Option<String>)> {
        let a = self.apache;
        if !a.has_main_config || a.assumed.is_some() {
            return Err("the main server config is not in the input".into());
        }
        let roots: Vec<ScopeId> = a
            .roots
            .iter()
            .copied()
            .filter(|r| a.scope(*r).is_some_and(|s| s.kind == ScopeKind::Server))
            .collect();
        let [root] = roots.as_slice() else {
            return Err("the input holds more than one Apache server config".into());
        };
        let root = *root;
        let vhost = self.select_vhost(root)?;
        let server_scopes: Vec<ScopeId> = std::iter::once(root).chain(vhost).collect();
        let mut path = super::nginx::normalize_uri(self.req.path())
            .ok_or_else(|| "the path is not one Apache maps (400)".to_string())?;
        // mod_rewrite translates first (APR_HOOK_FIRST); without [PT] mod_alias then
        // does not run, and <Location> still sees the original URL.
        match self.server_rewrite(root, vhost, &path)? {
            Rewritten::Untouched => {}
            Rewritten::Answer(status, location) => return Ok((status, location)),
            Rewritten::PassThrough(next) => path = next,
            Rewritten::File(file) => return self.serve(root, vhost, &path, Some(file), 0),
            Rewritten::Url(url) => {
                let docroot = server_scopes
                    .iter()
                    .rev()
                    .find_map(|s| a.last_in(*s, "documentroot"))
                    .and_then(|d| d.args.first())
                    .map(|w| w.text.trim_end_matches('/').to_string())
                    .ok_or_else(|| "no DocumentRoot in the config".to_string())?;
                let file = PathBuf::from(format!("{docroot}{url}"));
                return self.serve(root, vhost, &path, Some(file), 0);
            }
        }
        // mod_alias in translate_name: redirects first, then aliases (ours follow in
        // `serve`); what does not match the URL takes no part.
        for s in &server_scopes {
            for d in a.directives_in(*s) {
                let words: Vec<&str> = d.args.iter().map(|w| w.text.as_str()).collect();
                match d.key.as_str() {
                    "redirect" | "redirectpermanent" | "redirecttemp" => {
                        if let Some((status, target)) = redirect_of(&d.key, &words, &path)? {
                            self.step(
                                d.span,
                                format!("this redirect answers {status} before any access check"),
                            );
                            return Ok((status, target));
                        }
                    }
                    "scriptalias"
                        if words
                            .first()
                            .is_some_and(|p| alias_rest(p, &path).is_some()) =>
                    {
                        return Err("a ScriptAlias (CGI) answers the URL".into());
                    }
                    "redirectmatch" | "aliasmatch" | "scriptaliasmatch" => {
                        let re = match d.key.as_str() {
                            "redirectmatch" if words.len() > 2 => words.get(1),
                            _ => words.first(),
                        };
                        let hit = re.and_then(|re| {
                            crate::model::pcre::compile(
                                re,
                                crate::model::pcre::Flavor::Apache,
                                false,
                            )
                            .ok()
                            .and_then(|r| r.is_match(path.as_bytes()).ok())
                        });
                        if hit != Some(false) {
                            return Err(format!("`{}` matches the URL (not followed yet)", d.name));
                        }
                    }
                    _ => {}
                }
            }
        }
        self.serve(root, vhost, &path, None, 0)
    }

    /// Server-context mod_rewrite (the vhost's rules, or the main server's when no vhost
    /// serves): what it makes of the URL.
    fn server_rewrite(
        &mut self,
        root: ScopeId,
        vhost: Option<ScopeId>,
        path: &str,
    ) -> Res<Rewritten> {
        let a = self.apache;
        let scope = vhost.unwrap_or(root);
        let rw = a.rewrites(scope);
        if rw.rules.is_empty() {
            if vhost.is_some() && !a.rewrites(root).rules.is_empty() && !rw.options.is_empty() {
                return Err("RewriteOptions in a virtual host is not followed yet".into());
            }
            return Ok(Rewritten::Untouched);
        }
        if !rw.options.is_empty() {
            return Err("RewriteOptions is not followed yet".into());
        }
        let engine = rw
            .engine
            .or(a.rewrites(root).engine)
            .is_some_and(|(_, on)| on);
        if !engine {
            return Ok(Rewritten::Untouched);
        }
        let original = path.to_string();
        let mut uri = path.to_string();
        let mut changed = false;
        let mut pass_through = false;
        for rule in &rw.rules {
            if rule.flags_problem.is_some() {
                return Err("a RewriteRule with flags Apache refuses".into());
            }
            for f in rule.flags.iter().filter(|f| f.known) {
                if !matches!(
                    f.name.as_str(),
                    "L" | "END"
                        | "R"
                        | "F"
                        | "G"
                        | "NC"
                        | "QSA"
                        | "QSD"
                        | "NE"
                        | "PT"
                        | "NS"
                        | "DPI"
                ) {
                    return Err(format!(
                        "the RewriteRule flag [{}] is not followed yet",
                        f.name
                    ));
                }
            }
            let Some(regex) = rule.regex() else { continue };
            let re = crate::model::pcre::compile(
                regex,
                crate::model::pcre::Flavor::Apache,
                rule.has_flag("NC"),
            )
            .map_err(|_| "a RewriteRule pattern does not compile".to_string())?;
            let caps: Vec<String> = match re.captures(uri.as_bytes()) {
                Ok(Some(c)) => (0..c.len())
                    .map(|i| {
                        c.get(i).map_or(String::new(), |m| {
                            String::from_utf8_lossy(m.as_bytes()).into_owned()
                        })
                    })
                    .collect(),
                Ok(None) => Vec::new(),
                Err(_) => return Err("PCRE2 gave up on a RewriteRule pattern".into()),
            };
            let matched = !caps.is_empty();
            if matched == rule.negated {
                continue;
            }
            let Some(cond_caps) = self.conditions(rule, &original)? else {
                continue;
            };
            let Some(sub) = rule.substitution else {
                continue;
            };
            let status_flag = |name: &str| rule.flag(name).map(|f| f.value.clone());
            if rule.has_flag("F") {
                self.step(rule.directive.span, "this RewriteRule forbids the URL [F]");
                return Ok(Rewritten::Answer(403, None));
            }
            if rule.has_flag("G") {
                self.step(rule.directive.span, "this RewriteRule answers 410 [G]");
                return Ok(Rewritten::Answer(410, None));
            }
            let target = if sub.text == "-" {
                uri.clone()
            } else {
                self.expand(&sub.text, &caps, &cond_caps, &original)?
            };
            let target = target.split('?').next().unwrap_or("").to_string();
            let external = target.starts_with("http://") || target.starts_with("https://");
            if let Some(code) = status_flag("R") {
                let code = match code.as_deref() {
                    None => 302,
                    Some(c) if c.eq_ignore_ascii_case("permanent") => 301,
                    Some(c) if c.eq_ignore_ascii_case("temp") => 302,
                    Some(c) if c.eq_ignore_ascii_case("seeother") => 303,
                    Some(c) => c.parse().map_err(|_| "an [R=...] code".to_string())?,
                };
                self.step(
                    rule.directive.span,
                    format!("this RewriteRule redirects ({code}) before any access check"),
                );
                if !(300..400).contains(&code) {
                    return Ok(Rewritten::Answer(code, None));
                }
                return Ok(Rewritten::Answer(code, Some(target)));
            }
            if external {
                return Err("a RewriteRule to an absolute URL without [R]".into());
            }
            if sub.text != "-" {
                self.step(
                    rule.directive.span,
                    format!("this RewriteRule maps the URL to `{target}`"),
                );
                uri = target;
                changed = true;
                pass_through = rule.has_flag("PT");
            }
            if rule.has_flag("L") || rule.has_flag("END") {
                break;
            }
        }
        if !changed {
            return Ok(Rewritten::Untouched);
        }
        if pass_through {
            return Ok(Rewritten::PassThrough(uri));
        }
        // A file path when its first segment exists on disk (mod_rewrite's prefix_stat).
        let first = uri.split('/').find(|s| !s.is_empty()).unwrap_or("");
        let is_file = !first.is_empty() && self.fs.is_dir(Path::new(&format!("/{first}")));
        Ok(if is_file {
            Rewritten::File(PathBuf::from(uri))
        } else {
            Rewritten::Url(uri)
        })
    }

    /// The conditions of a rule as mod_rewrite chains them (`[OR]` joins a condition with
    /// the next). `Some(captures of the last matching regex condition)` when they hold.
    fn conditions(
        &self,
        rule: &crate::model::rewrite::RewriteRule<'_>,
        original: &str,
    ) -> Res<Option<Vec<String>>> {
        use crate::model::rewrite::CondKind;
        let mut last_caps: Vec<String> = Vec::new();
        let mut i = 0;
        let conds = &rule.conds;
        while i < conds.len() {
            let c = &conds[i];
            let test = c.test.map(|w| w.text.as_str()).unwrap_or("");
            let value = self.expand(test, &[], &last_caps, original)?;
            let pattern = c.pattern.map(|w| w.text.as_str()).unwrap_or("");
            let body = pattern.strip_prefix('!').unwrap_or(pattern);
            let hit = match c.kind {
                CondKind::Regex => {
                    let re = crate::model::pcre::compile(
                        body,
                        crate::model::pcre::Flavor::Apache,
                        c.has_flag("NC"),
                    )
                    .map_err(|_| "a RewriteCond pattern does not compile".to_string())?;
                    match re.captures(value.as_bytes()) {
                        Ok(Some(m)) => {
                            if !c.negated {
                                last_caps = (0..m.len())
                                    .map(|k| {
                                        m.get(k).map_or(String::new(), |x| {
                                            String::from_utf8_lossy(x.as_bytes()).into_owned()
                                        })
                                    })
                                    .collect();
                            }
                            true
                        }
                        Ok(None) => false,
                        Err(_) => return Err("PCRE2 gave up on a RewriteCond".into()),
                    }
                }
                CondKind::Compare if body.starts_with('=') => value == body[1..],
                _ => {
                    return Err(
                        "a RewriteCond test other than a regex or = is not followed yet".into(),
                    )
                }
            };
            let holds = hit != c.negated;
            if c.has_flag("OR") {
                if holds {
                    // Skip the rest of the OR chain (and its last member).
                    while i < conds.len() && conds[i].has_flag("OR") {
                        i += 1;
                    }
                }
                i += 1;
                continue;
            }
            if !holds {
                return Ok(None);
            }
            i += 1;
        }
        Ok(Some(last_caps))
    }

    /// Expand `$N`, `%N` and the `%{VAR}`s a request fixes; anything else is unknown.
    fn expand(
        &self,
        text: &str,
        caps: &[String],
        cond_caps: &[String],
        original: &str,
    ) -> Res<String> {
        let mut out = String::new();
        let b: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let next = b.get(i + 1).copied();
            match (c, next) {
                ('\\', Some(n)) => {
                    out.push(n);
                    i += 2;
                }
                ('$', Some(d)) if d.is_ascii_digit() => {
                    out.push_str(
                        caps.get(d.to_digit(10).unwrap_or(0) as usize)
                            .map_or("", String::as_str),
                    );
                    i += 2;
                }
                ('%', Some(d)) if d.is_ascii_digit() => {
                    out.push_str(
                        cond_caps
                            .get(d.to_digit(10).unwrap_or(0) as usize)
                            .map_or("", String::as_str),
                    );
                    i += 2;
                }
                ('%', Some('{')) => {
                    let rest: String = b[i + 2..].iter().collect();
                    let end = rest.find('}').ok_or_else(|| "an unclosed %{".to_string())?;
                    let var = &rest[..end];
                    let query = self.req.target.split_once('?').map_or("", |(_, q)| q);
                    let v = match var.to_ascii_uppercase().as_str() {
                        "REQUEST_URI" => original.to_string(),
                        "HTTPS" => {
                            if self.req.https {
                                "on".into()
                            } else {
                                "off".into()
                            }
                        }
                        "REQUEST_SCHEME" => {
                            if self.req.https {
                                "https".into()
                            } else {
                                "http".into()
                            }
                        }
                        "REQUEST_METHOD" => self.req.method.clone(),
                        "QUERY_STRING" => query.to_string(),
                        "HTTP_HOST" | "HTTP:HOST" => self
                            .req
                            .host_header
                            .clone()
                            .or_else(|| self.req.url_host.clone())
                            .ok_or_else(|| "the Host header is not known".to_string())?,
                        "REMOTE_ADDR" => self
                            .req
                            .client
                            .map(|c| c.to_string())
                            .ok_or_else(|| "REMOTE_ADDR needs --client".to_string())?,
                        "HTTP:AUTHORIZATION" | "HTTP_AUTHORIZATION" => {
                            self.req.authorization().unwrap_or_default()
                        }
                        other => return Err(format!("%{{{other}}} is not followed yet")),
                    };
                    out.push_str(&v);
                    i += 2 + end + 1;
                }
                _ => {
                    out.push(c);
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    /// The `<VirtualHost>` that serves the request, `None` for the main server.
    fn select_vhost(&mut self, root: ScopeId) -> Res<Option<ScopeId>> {
        let a = self.apache;
        let vhosts: Vec<ScopeId> = (0..a.scopes.len())
            .filter(|i| {
                a.scope(*i)
                    .is_some_and(|s| s.kind == ScopeKind::VirtualHost)
                    && a.root_of(*i) == Some(root)
            })
            .collect();
        let listens: Vec<&Directive> = a
            .directives_in(root)
            .into_iter()
            .filter(|d| d.key == "listen")
            .collect();
        let port_of = |text: &str| -> Option<u16> {
            let t = text.rsplit(':').next()?;
            t.parse().ok()
        };
        let port = match self.req.port {
            Some(p) => p,
            None => listens
                .iter()
                .find_map(|d| d.args.first().and_then(|w| port_of(&w.text)))
                .ok_or_else(|| "no Listen in the config".to_string())?,
        };
        if let Some(l) = listens
            .iter()
            .find(|d| d.args.first().and_then(|w| port_of(&w.text)) == Some(port))
        {
            self.step(l.span, format!("listens on port {port}"));
        } else {
            return Err(format!("Apache does not listen on port {port}"));
        }
        if vhosts.is_empty() {
            return Ok(None);
        }
        // The address the request came in on: the URL's, when it is an IP.
        let ip: Option<std::net::IpAddr> = self
            .req
            .url_host
            .as_deref()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|h| h.parse().ok());
        let mut matching: Vec<ScopeId> = Vec::new();
        for v in &vhosts {
            let args = a
                .scope(*v)
                .and_then(|s| s.head.as_ref())
                .map(|h| h.args.clone())
                .unwrap_or_default();
            let mut hit = false;
            for w in &args {
                if port_of(&w.text).is_some_and(|p| p != port) {
                    continue;
                }
                let addr = match w.text.rsplit_once(':') {
                    Some((addr, p)) if p.parse::<u16>().is_ok() => addr,
                    _ => w.text.as_str(),
                };
                let addr = addr.trim_start_matches('[').trim_end_matches(']');
                if addr == "*" || addr == "_default_" {
                    hit = true;
                } else {
                    match (ip, addr.parse::<std::net::IpAddr>()) {
                        (Some(ip), Ok(a)) => hit |= ip == a,
                        _ => {
                            return Err(
                                "which address a <VirtualHost> answers on is not known here".into(),
                            )
                        }
                    }
                }
            }
            if hit {
                matching.push(*v);
            }
        }
        let Some(first) = matching.first().copied() else {
            return Ok(None);
        };
        let host = self.req.host();
        let mut chosen = first;
        if let Some(host) = host {
            for v in &matching {
                let names: Vec<String> = a
                    .directives_in(*v)
                    .into_iter()
                    .filter(|d| d.key == "servername" || d.key == "serveralias")
                    .flat_map(|d| d.args.iter().map(|w| w.text.to_ascii_lowercase()))
                    .map(|n| n.split(':').next().unwrap_or("").to_string())
                    .collect();
                let hit = names.iter().any(|n| {
                    if n.contains(['*', '?']) {
                        glob::Pattern::new(n).is_ok_and(|p| p.matches(&host))
                    } else {
                        *n == host
                    }
                });
                if hit {
                    chosen = *v;
                    break;
                }
            }
        }
        let span = a
            .scope(chosen)
            .and_then(|s| s.head.as_ref())
            .map_or(Span::default(), |h| h.open_span);
        self.step(span, "the virtual host that serves the request");
        Ok(Some(chosen))
    }

    /// Map the URL path to a file and run the per-directory phases; `depth` counts
    /// subrequests (DirectoryIndex).
    fn serve(
        &mut self,
        root: ScopeId,
        vhost: Option<ScopeId>,
        path: &str,
        mapped: Option<PathBuf>,
        depth: usize,
    ) -> Res<(u16, Option<String>)> {
        if depth > 4 {
            return Err("too many subrequests".into());
        }
        let a = self.apache;
        let rewritten = mapped.is_some();
        let server_scopes: Vec<ScopeId> = std::iter::once(root).chain(vhost).collect();
        // Alias, then DocumentRoot (unless mod_rewrite already mapped the file).
        let mut server_file: Option<PathBuf> = mapped;
        for s in server_scopes.iter().filter(|_| !rewritten) {
            for d in a.directives_in(*s).into_iter().filter(|d| d.key == "alias") {
                let (Some(fake), Some(real)) = (d.args.first(), d.args.get(1)) else {
                    continue;
                };
                if let Some(rest) = alias_rest(&fake.text, path) {
                    self.step(d.span, "this Alias maps the URL");
                    server_file = Some(PathBuf::from(format!("{}{rest}", real.text)));
                }
            }
        }
        let server_file = match server_file {
            Some(f) => f,
            None => {
                let docroot = server_scopes
                    .iter()
                    .rev()
                    .find_map(|s| a.last_in(*s, "documentroot"))
                    .ok_or_else(|| "no DocumentRoot in the config".to_string())?;
                let r = docroot.args.first().map_or("", |w| w.text.as_str());
                if r.contains('$') {
                    return Err("the DocumentRoot uses a variable".into());
                }
                self.step(docroot.span, "the URL maps under this DocumentRoot");
                PathBuf::from(format!("{}{path}", r.trim_end_matches('/')))
            }
        };
        // Walk the path on disk: the deepest existing part decides the directory.
        let (dir, file_name, kind) = self.walk(&server_file)?;
        let sections = self.sections(&server_scopes, vhost, &dir, file_name.as_deref(), path)?;
        // A .htaccess Apache reads but cannot parse: 500 for every request.
        for s in &sections {
            let Some(sc) = a.scope(*s) else { continue };
            if sc.kind != ScopeKind::Htaccess {
                continue;
            }
            let nonfatal = a
                .htaccess
                .iter()
                .find(|h| h.scope == *s)
                .and_then(|h| a.allow_override_words(h))
                .is_none_or(|w| w.iter().any(|w| w.starts_with("nonfatal")));
            if nonfatal {
                return Err(
                    "a .htaccess read with AllowOverride Nonfatal (skipped lines are not modelled)"
                        .into(),
                );
            }
            if let Some(f) = self.findings.iter().find(|f| {
                HTACCESS_500.contains(&f.code)
                    && f.primary.as_ref().is_some_and(|p| p.span.file == sc.file)
            }) {
                let span = f.primary.as_ref().map_or(Span::default(), |p| p.span);
                self.step(
                    span,
                    format!("Apache cannot use this .htaccess ({})", f.code),
                );
                self.trace.fix = Some(format!("fix what {} reports here", f.code));
                return Ok((500, None));
            }
        }
        if let Some(status) = self.auth(&sections)? {
            return self.error_document(&sections, status);
        }
        match kind {
            Kind::Missing => self.error_document(&sections, 404),
            Kind::File => Ok((self.method_status(), None)),
            Kind::Dir if !path.ends_with('/') => Ok((301, Some(format!("{path}/")))),
            Kind::Dir => {
                let names: Vec<String> = match sections
                    .iter()
                    .rev()
                    .find_map(|s| a.last_in(*s, "directoryindex"))
                {
                    Some(d) => d.args.iter().map(|w| w.text.clone()).collect(),
                    None => vec!["index.html".into()],
                };
                let local_dir = self.local(&server_file)?;
                for n in names {
                    if n.eq_ignore_ascii_case("disabled") {
                        break;
                    }
                    if n.starts_with('/') || n.contains('$') {
                        return Err("a DirectoryIndex with a path is not followed".into());
                    }
                    let candidate = local_dir.join(&n);
                    if self.fs.exists(&candidate) && !self.fs.is_dir(&candidate) {
                        if rewritten {
                            return Err(
                                "a DirectoryIndex after a rewrite is not followed yet".into()
                            );
                        }
                        return self.serve(root, vhost, &format!("{path}{n}"), None, depth + 1);
                    }
                }
                if self
                    .apache
                    .modules_for(root)
                    .is_none_or(|m| m.has("autoindex_module") != Some(false))
                {
                    return Err("mod_autoindex may list the directory".into());
                }
                self.error_document(&sections, 404)
            }
        }
    }

    fn method_status(&self) -> u16 {
        match self.req.method.as_str() {
            "GET" | "HEAD" | "POST" | "OPTIONS" => 200,
            _ => 405,
        }
    }

    fn error_document(&mut self, sections: &[ScopeId], status: u16) -> Res<(u16, Option<String>)> {
        let code = status.to_string();
        for s in sections.iter().rev() {
            let found = self.apache.directives_in(*s).into_iter().rev().find(|d| {
                d.key == "errordocument" && d.args.first().is_some_and(|w| w.text == code)
            });
            if let Some(d) = found {
                self.step(d.span, format!("ErrorDocument {code}"));
                return Err(format!("an ErrorDocument for {code} is not followed yet"));
            }
        }
        Ok((status, None))
    }

    fn local(&self, server: &Path) -> Res<PathBuf> {
        self.maps
            .to_local(server, self.fs)
            .ok_or_else(|| format!("`{}` is not in the input", server.display()))
    }

    /// The directory the request lands in, the file name (if it names a file), and what
    /// is there.
    fn walk(&self, server_file: &Path) -> Res<(PathBuf, Option<String>, Kind)> {
        // The deepest existing ancestor, on the local side.
        let mut cur = server_file.to_path_buf();
        let mut missing = false;
        for _ in 0..256 {
            if let Some(local) = self.maps.to_local(&cur, self.fs) {
                if self.fs.is_dir(&local) {
                    if missing || cur == server_file {
                        let kind = if missing { Kind::Missing } else { Kind::Dir };
                        // A missing name in an existing directory.
                        return Ok((cur, None, kind));
                    }
                    return Ok((cur, None, Kind::Dir));
                }
                if self.fs.exists(&local) {
                    if cur != server_file {
                        // PATH_INFO on a static file: 404.
                        let dir = cur.parent().map(Path::to_path_buf).unwrap_or_default();
                        return Ok((dir, None, Kind::Missing));
                    }
                    let dir = cur.parent().map(Path::to_path_buf).unwrap_or_default();
                    let name = cur.file_name().map(|n| n.to_string_lossy().into_owned());
                    return Ok((dir, name, Kind::File));
                }
            }
            missing = true;
            match cur.parent() {
                Some(p) if p != cur => cur = p.to_path_buf(),
                _ => break,
            }
        }
        Err(format!("`{}` is not in the input", server_file.display()))
    }

    /// The sections that apply, in merge order.
    fn sections(
        &mut self,
        server_scopes: &[ScopeId],
        vhost: Option<ScopeId>,
        dir: &Path,
        file_name: Option<&str>,
        url: &str,
    ) -> Res<Vec<ScopeId>> {
        let a = self.apache;
        let chain = a.chain_for_dir(dir, vhost);
        for h in &a.htaccess {
            if matches!(h.context, HtaccessContext::Unknown) && dir.starts_with(&h.server_dir) {
                return Err("a .htaccess on the way has no known server config".into());
            }
        }
        let mut out: Vec<ScopeId> = server_scopes.to_vec();
        out.extend(chain.scopes.iter().copied());
        let in_play = |id: ScopeId, out: &[ScopeId]| -> bool {
            // Sections directly in the server, the vhost, or a section already applied.
            let mut cur = a.real_parent(id);
            for _ in 0..64 {
                match cur {
                    Some(p) if out.contains(&p) => return true,
                    Some(p) => {
                        let k = a.scope(p).map(|s| s.kind);
                        if k == Some(ScopeKind::VirtualHost) || k == Some(ScopeKind::Server) {
                            return false;
                        }
                        cur = a.real_parent(p);
                    }
                    None => return false,
                }
            }
            false
        };
        let mut files = Vec::new();
        let mut locations = Vec::new();
        for (i, s) in a.scopes.iter().enumerate() {
            match s.kind {
                ScopeKind::Files | ScopeKind::FilesMatch if in_play(i, &out) => {
                    let Some(name) = file_name else { continue };
                    if files_match(a, i, name)? {
                        files.push(i);
                    }
                }
                ScopeKind::Location | ScopeKind::LocationMatch
                    if a.real_parent(i).is_some_and(|p| server_scopes.contains(&p)) =>
                {
                    let args: Vec<&str> = s
                        .head
                        .as_ref()
                        .map(|h| h.args.iter().map(|w| w.text.as_str()).collect())
                        .unwrap_or_default();
                    let hit = match (s.kind, args.as_slice()) {
                        (ScopeKind::LocationMatch, ["~", re, ..])
                        | (ScopeKind::LocationMatch, [re, ..]) => crate::model::pcre::compile(
                            re,
                            crate::model::pcre::Flavor::Apache,
                            false,
                        )
                        .ok()
                        .and_then(|r| r.is_match(url.as_bytes()).ok())
                        .ok_or_else(|| "a LocationMatch regex cannot be evaluated".to_string())?,
                        (_, [p, ..]) if p.contains(['*', '?', '[']) => {
                            return Err("a wildcard <Location> is not evaluated".into())
                        }
                        (_, [p, ..]) => location_prefix(p, url),
                        _ => false,
                    };
                    if hit {
                        locations.push(i);
                    }
                }
                ScopeKind::DirectoryMatch | ScopeKind::If | ScopeKind::ElseIf | ScopeKind::Else
                    if (in_play(i, &out)
                        || a.real_parent(i).is_some_and(|p| server_scopes.contains(&p)))
                        && a.has_authz(i) =>
                {
                    return Err(
                        "a <DirectoryMatch> or <If> with access settings is not evaluated yet"
                            .into(),
                    );
                }
                _ => {}
            }
        }
        out.extend(files);
        out.extend(locations);
        Ok(out)
    }

    /// Access, authentication and authorization: `Some(status)` when the request stops.
    fn auth(&mut self, sections: &[ScopeId]) -> Res<Option<u16>> {
        let a = self.apache;
        self.current_sections = sections.to_vec();
        for s in sections {
            for d in a.directives_in(*s) {
                if matches!(d.key.as_str(), "dav") {
                    return Err(format!("`{}` is not evaluated yet", d.name));
                }
                let server_level = a.scope(*s).is_some_and(|sc| {
                    matches!(sc.kind, ScopeKind::Server | ScopeKind::VirtualHost)
                });
                if d.key == "rewriterule" && !server_level && engine_anywhere(a) {
                    return Err("per-directory mod_rewrite rules are not followed yet".into());
                }
            }
        }
        // mod_access_compat has no merger: the last section that writes any of its
        // directives brings its whole configuration (Order, Allow, Deny, Satisfy).
        let compat_keys = ["order", "allow", "deny", "satisfy"];
        for sid in sections {
            let in_limit = a.scope(*sid).is_some_and(|sc| {
                sc.items.iter().any(|i| match i {
                    Item::Scope(c) => a.scope(*c).is_some_and(|cs| {
                        matches!(cs.kind, ScopeKind::Limit | ScopeKind::LimitExcept)
                            && cs.items.iter().any(|i| matches!(i, Item::Directive(d) if compat_keys.contains(&d.key.as_str())))
                    }),
                    _ => false,
                })
            });
            if in_limit {
                return Err("Order/Allow/Deny inside <Limit> are not evaluated yet".into());
            }
        }
        let compat = sections.iter().rev().copied().find(|sid| {
            a.directives_in(*sid)
                .iter()
                .any(|d| compat_keys.contains(&d.key.as_str()))
        });
        let (satisfy_any, host_ok) = match compat {
            None => (false, true),
            Some(sid) => self.host_check(sid)?,
        };
        if satisfy_any && host_ok {
            return Ok(None);
        }
        if !satisfy_any && !host_ok {
            return Ok(Some(403));
        }
        // The Require logic along the merge: a section with Require replaces what came
        // before (AuthMerging Off), or joins it with And / Or.
        let mut logic: Option<Logic> = None;
        for sid in sections {
            if !has_require(a, *sid) {
                continue;
            }
            let merging = a
                .last_in(*sid, "authmerging")
                .and_then(|d| d.args.first())
                .map(|w| w.text.to_ascii_lowercase());
            logic = Some(match (merging.as_deref(), logic.take()) {
                (Some("and"), Some(prev)) => {
                    Logic::All(Box::new(prev), Box::new(Logic::Section(*sid)))
                }
                (Some("or"), Some(prev)) => {
                    Logic::Any(Box::new(prev), Box::new(Logic::Section(*sid)))
                }
                _ => Logic::Section(*sid),
            });
        }
        let Some(logic) = logic else {
            return Ok(None);
        };
        let source = logic.last_section();
        let userless = self.eval_logic(&logic, None)?;
        match userless {
            Authz::Granted | Authz::Neutral => return Ok(None),
            Authz::Denied => {
                self.note_require(source, "refuses this request");
                return Ok(Some(403));
            }
            Authz::DeniedNoUser => self.note_require(source, "needs an authenticated user"),
        }
        let last = |key: &str| sections.iter().rev().find_map(|s| a.last_in(*s, key));
        let Some(auth_type) = last("authtype") else {
            return Ok(Some(500)); // AH01796: AuthType not set
        };
        let t = auth_type
            .args
            .first()
            .map_or("", |w| w.text.as_str())
            .to_ascii_lowercase();
        let module = match t.as_str() {
            "basic" => "auth_basic_module",
            "digest" => "auth_digest_module",
            "form" => "auth_form_module",
            _ => "",
        };
        let root = sections.first().copied().unwrap_or(0);
        let loaded = a.modules_for(root).and_then(|m| m.has(module));
        if module.is_empty() || loaded == Some(false) {
            self.step(
                auth_type.span,
                "no loaded module handles this AuthType (AH01796)",
            );
            return Ok(Some(500));
        }
        if loaded.is_none() {
            return Err("whether the AuthType's module is loaded is not known".into());
        }
        if t == "digest" {
            let Some(name) = last("authname") else {
                return Ok(Some(500));
            };
            let realm = name.args.first().map_or(String::new(), |w| w.text.clone());
            self.step(auth_type.span, "Digest authentication");
            self.trace.challenge = Some(format!("Digest realm=\"{realm}\""));
            // `why` sends no Digest answer: a Basic header is not one.
            return Ok(Some(401));
        }
        if t != "basic" {
            return Err(format!("AuthType {t} is not followed yet"));
        }
        self.step(auth_type.span, "Basic authentication");
        let Some(name) = last("authname") else {
            return Ok(Some(500));
        };
        let realm = name.args.first().map_or(String::new(), |w| w.text.clone());
        self.trace.challenge = Some(format!("Basic realm=\"{realm}\""));
        if let Some(p) = last("authbasicprovider") {
            if !p.args.iter().all(|w| w.text.eq_ignore_ascii_case("file")) {
                return Err("an AuthBasicProvider other than file".into());
            }
        }
        let Some((user, password)) = self.req.credentials.clone() else {
            self.trace.fix = Some("send credentials of a user in the AuthUserFile".into());
            return Ok(Some(401));
        };
        let Some(file) = last("authuserfile") else {
            return Ok(Some(500)); // AH01619
        };
        let Some(arg) = file.args.first() else {
            return Ok(Some(500));
        };
        self.trace.password_file = Some(arg.text.clone());
        let login = check_login(self.model, Server::Apache, arg.span, &user, &password)?;
        self.trace.user = login.user_check();
        let (refused, label) = match &login {
            Login::Missing => (
                Some(500),
                "this password file does not exist (AH01620)".to_string(),
            ),
            Login::Unreadable => (
                Some(500),
                "the server cannot read this password file (AH01620)".to_string(),
            ),
            Login::UnknownUser => (Some(401), format!("no entry for user `{user}` (AH01618)")),
            Login::Match { line } => (
                None,
                format!("`{user}` (line {line}): the password matches"),
            ),
            Login::Mismatch { line } => (
                Some(401),
                format!("`{user}` (line {line}): the password does not match (AH01617)"),
            ),
            Login::Unverifiable(why) => {
                return Err(format!("the hash of `{user}` cannot be computed: {why}"))
            }
        };
        self.step(file.span, label);
        if refused.is_some() {
            return Ok(refused);
        }
        match self.eval_logic(&logic, Some(&user))? {
            Authz::Granted => Ok(None),
            _ => {
                self.note_require(source, format!("does not let `{user}` in (AH01631)"));
                Ok(Some(401))
            }
        }
    }

    /// The groups the AuthGroupFile in effect where `d` stands gives `user`.
    fn groups_of(&mut self, d: &Directive, user: &str) -> Res<Vec<String>> {
        let a = self.apache;
        let file = self
            .current_sections
            .iter()
            .rev()
            .find_map(|s| a.last_in(*s, "authgroupfile"))
            .ok_or_else(|| "Require group without an AuthGroupFile".to_string())?;
        let arg = file
            .args
            .first()
            .ok_or_else(|| "AuthGroupFile without a path".to_string())?;
        let r = self
            .model
            .password_refs
            .iter()
            .find(|r| r.server == Server::Apache && r.span == arg.span)
            .ok_or_else(|| "the AuthGroupFile is not in the input".to_string())?;
        if r.missing {
            self.step(file.span, "this group file does not exist (AH01664)");
            return Ok(Vec::new());
        }
        let fid = r
            .file
            .ok_or_else(|| format!("`{}` is not in the input", r.server_path.display()))?;
        let text = self.model.sources.get(fid).map_or("", |f| f.text.as_str());
        let mut groups = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                continue;
            }
            if let Some((g, members)) = line.split_once(':') {
                if members.split_whitespace().any(|m| m == user) {
                    groups.push(g.trim().to_string());
                }
            }
        }
        self.step(
            d.span,
            format!(
                "`{user}` is in: {}",
                if groups.is_empty() {
                    "no group".to_string()
                } else {
                    groups.join(", ")
                }
            ),
        );
        Ok(groups)
    }

    fn note_require(&mut self, source: ScopeId, what: impl Into<String>) {
        let span = self
            .apache
            .directives_in(source)
            .into_iter()
            .rev()
            .find(|d| d.key == "require")
            .map(|d| d.span)
            .or_else(|| {
                self.apache
                    .scope(source)
                    .and_then(|s| s.head.as_ref())
                    .map(|h| h.open_span)
            })
            .unwrap_or_default();
        self.step(span, format!("this Require {}", what.into()));
    }

    /// mod_access_compat's host check for the section that configures it: `(Satisfy Any,
    /// the client passes Order/Allow/Deny)`.
    fn host_check(&mut self, sid: ScopeId) -> Res<(bool, bool)> {
        let a = self.apache;
        let ds = a.directives_in(sid);
        let mut satisfy_any = false;
        let mut order = "deny,allow".to_string();
        let mut allows = Vec::new();
        let mut denys = Vec::new();
        for d in &ds {
            let words: Vec<String> = d.args.iter().map(|w| w.text.to_ascii_lowercase()).collect();
            match d.key.as_str() {
                "satisfy" => satisfy_any = words.first().is_some_and(|w| w == "any"),
                "order" => order = words.concat().replace(' ', ""),
                "allow" | "deny" => {
                    let Some(("from", hosts)) = words.split_first().map(|(f, r)| (f.as_str(), r))
                    else {
                        return Err(format!("`{}` without `from`", d.name));
                    };
                    let list = if d.key == "allow" {
                        &mut allows
                    } else {
                        &mut denys
                    };
                    for h in hosts {
                        list.push((h.clone(), d.span));
                    }
                }
                _ => {}
            }
        }
        let client = self.req.client;
        let matches = |list: &[(String, Span)]| -> Res<Option<Span>> {
            for (h, span) in list {
                let hit = if h == "all" {
                    true
                } else if h.starts_with("env=") {
                    return Err("Allow/Deny from env= is not evaluated".into());
                } else if h
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '/' || c == ':')
                {
                    match client {
                        Some(c) => {
                            let net = match h.split_once('/') {
                                Some((addr, mask)) if mask.contains('.') => {
                                    let bits: u32 = mask
                                        .split('.')
                                        .filter_map(|o| o.parse::<u8>().ok())
                                        .map(|o| o.count_ones())
                                        .sum();
                                    format!("{addr}/{bits}")
                                }
                                _ => h.clone(),
                            };
                            ip_matches(&net, c)
                        }
                        None => return Err("Allow/Deny from an address needs --client".into()),
                    }
                } else {
                    return Err("Allow/Deny from a host name needs DNS".into());
                };
                if hit {
                    return Ok(Some(*span));
                }
            }
            Ok(None)
        };
        let allowed = matches(&allows)?;
        let denied = matches(&denys)?;
        let ok = match order.as_str() {
            "allow,deny" => allowed.is_some() && denied.is_none(),
            "mutual-failure" => allowed.is_some() && denied.is_none(),
            _ => denied.is_none() || allowed.is_some(),
        };
        let decisive = if ok {
            allowed.or(denied)
        } else {
            denied.or(allowed)
        };
        if let Some(span) = decisive {
            self.step(
                span,
                if ok {
                    "the client passes the host check"
                } else {
                    "the client fails the host check"
                },
            );
        }
        if satisfy_any {
            if let Some(d) = ds.iter().find(|d| d.key == "satisfy") {
                self.step(d.span, "Satisfy Any: the host check alone is enough");
            }
        }
        Ok((satisfy_any, ok))
    }

    fn eval_logic(&mut self, logic: &Logic, user: Option<&str>) -> Res<Authz> {
        match logic {
            Logic::Section(s) => self.eval(*s, user, true),
            Logic::All(a, b) => {
                let x = self.eval_logic(a, user)?;
                let y = self.eval_logic(b, user)?;
                Ok(combine(&[x, y], false))
            }
            Logic::Any(a, b) => {
                let x = self.eval_logic(a, user)?;
                let y = self.eval_logic(b, user)?;
                Ok(combine(&[x, y], true))
            }
        }
    }

    /// Evaluate the Require logic of a section (an implicit RequireAny over its Require
    /// lines and containers).
    fn eval(&mut self, scope: ScopeId, user: Option<&str>, any: bool) -> Res<Authz> {
        let a = self.apache;
        let Some(s) = a.scope(scope) else {
            return Ok(Authz::Neutral);
        };
        let mut results = Vec::new();
        for item in &s.items {
            match item {
                Item::Directive(d) if d.key == "require" => results.push(self.require(d, user)?),
                Item::Scope(c) => {
                    let Some(cs) = a.scope(*c) else { continue };
                    let key = cs.head.as_ref().map_or("", |h| h.key.as_str());
                    match key {
                        "requireall" => results.push(self.eval(*c, user, false)?),
                        "requireany" => results.push(self.eval(*c, user, true)?),
                        "requirenone" => {
                            let r = self.eval(*c, user, true)?;
                            results.push(match r {
                                Authz::Granted => Authz::Denied,
                                Authz::Denied => Authz::Neutral,
                                other => other,
                            });
                        }
                        _ if cs.kind == ScopeKind::Conditional => {
                            results.push(self.eval(*c, user, any)?)
                        }
                        _ if matches!(cs.kind, ScopeKind::Limit | ScopeKind::LimitExcept) => {
                            let methods: Vec<String> = cs
                                .head
                                .as_ref()
                                .map(|h| {
                                    h.args.iter().map(|w| w.text.to_ascii_uppercase()).collect()
                                })
                                .unwrap_or_default();
                            let m = self.req.method.as_str();
                            let listed = methods
                                .iter()
                                .any(|x| x == m || (m == "HEAD" && x == "GET"));
                            let applies = (cs.kind == ScopeKind::Limit) == listed;
                            if applies {
                                results.push(self.eval(*c, user, any)?);
                            }
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        Ok(combine(&results, any))
    }

    fn require(&mut self, d: &Directive, user: Option<&str>) -> Res<Authz> {
        let words: Vec<&str> = d.args.iter().map(|w| w.text.as_str()).collect();
        let (negated, words) = match words.split_first() {
            Some((n, rest)) if n.eq_ignore_ascii_case("not") => (true, rest),
            _ => (false, words.as_slice()),
        };
        let Some((kind, rest)) = words.split_first() else {
            return Err("an empty Require".into());
        };
        let r = match kind.to_ascii_lowercase().as_str() {
            "all" => match rest.first().map(|w| w.to_ascii_lowercase()) {
                Some(w) if w == "granted" => Authz::Granted,
                Some(w) if w == "denied" => Authz::Denied,
                _ => return Err("Require all with an unknown argument".into()),
            },
            "valid-user" => match user {
                Some(_) => Authz::Granted,
                None => Authz::DeniedNoUser,
            },
            "user" => match user {
                Some(u) if rest.contains(&u) => Authz::Granted,
                Some(_) => Authz::Denied,
                None => Authz::DeniedNoUser,
            },
            "group" => match user {
                None => Authz::DeniedNoUser,
                Some(u) => {
                    let groups = self.groups_of(d, u)?;
                    if rest.iter().any(|g| groups.iter().any(|x| x == g)) {
                        Authz::Granted
                    } else {
                        Authz::Denied
                    }
                }
            },
            "method" => {
                if rest
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(&self.req.method))
                {
                    Authz::Granted
                } else {
                    Authz::Denied
                }
            }
            "local" => match self.req.client {
                Some(c) if c.is_loopback() => Authz::Granted,
                Some(_) => Authz::Denied,
                None => return Err("Require local needs the client address (--client)".into()),
            },
            "ip" => match self.req.client {
                Some(c) => {
                    if rest.iter().any(|net| ip_matches(net, c)) {
                        Authz::Granted
                    } else {
                        Authz::Denied
                    }
                }
                None => return Err("Require ip needs the client address (--client)".into()),
            },
            other => return Err(format!("Require {other} is not evaluated yet")),
        };
        Ok(match (negated, r) {
            (false, r) => r,
            (true, Authz::Granted) => Authz::Denied,
            (true, Authz::Denied) => Authz::Neutral,
            (true, other) => other,
        })
    }
}

/// Some `RewriteEngine On` is written: it reaches virtual hosts, directories and
/// `.htaccess` files below it.
fn engine_anywhere(a: &ApacheModel) -> bool {
    (0..a.scopes.len()).any(|s| {
        a.directives_in(s).iter().any(|d| {
            d.key == "rewriteengine"
                && d.args
                    .first()
                    .is_some_and(|w| w.text.eq_ignore_ascii_case("on"))
        })
    })
}

/// Combine results as RequireAny (`any`) or RequireAll does.
fn combine(results: &[Authz], any: bool) -> Authz {
    let real: Vec<Authz> = results
        .iter()
        .copied()
        .filter(|r| *r != Authz::Neutral)
        .collect();
    if real.is_empty() {
        return Authz::Neutral;
    }
    if any {
        if real.contains(&Authz::Granted) {
            Authz::Granted
        } else if real.contains(&Authz::DeniedNoUser) {
            Authz::DeniedNoUser
        } else {
            Authz::Denied
        }
    } else if real.contains(&Authz::Denied) {
        Authz::Denied
    } else if real.contains(&Authz::DeniedNoUser) {
        Authz::DeniedNoUser
    } else {
        Authz::Granted
    }
}

fn has_require(a: &ApacheModel, s: ScopeId) -> bool {
    a.scope(s).is_some_and(|sc| {
        sc.items.iter().any(|i| match i {
            Item::Directive(d) => d.key == "require",
            Item::Scope(c) => a.scope(*c).is_some_and(|cs| {
                cs.head.as_ref().is_some_and(|h| {
                    matches!(h.key.as_str(), "requireall" | "requireany" | "requirenone")
                }) || (matches!(
                    cs.kind,
                    ScopeKind::Conditional | ScopeKind::Limit | ScopeKind::LimitExcept
                ) && has_require(a, *c))
            }),
        })
    })
}

/// What server-context mod_rewrite made of the URL.
enum Rewritten {
    Untouched,
    /// An answer before any access check ([R], [F], [G]).
    Answer(u16, Option<String>),
    /// `[PT]`: a new URL, mapped by Alias and DocumentRoot, seen by `<Location>`.
    PassThrough(String),
    /// A file path.
    File(PathBuf),
    /// A URL-path without `[PT]`: put under DocumentRoot; `<Location>` sees the original.
    Url(String),
}

/// The Require logic along the merge (`AuthMerging`).
enum Logic {
    Section(ScopeId),
    All(Box<Logic>, Box<Logic>),
    Any(Box<Logic>, Box<Logic>),
}

impl Logic {
    /// The section that closes the merge (for labels).
    fn last_section(&self) -> ScopeId {
        match self {
            Logic::Section(s) => *s,
            Logic::All(_, b) | Logic::Any(_, b) => b.last_section(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Missing,
}

/// mod_alias: the rest of the URL after an `Alias` prefix, when it matches at a segment
/// boundary (a trailing `/` on the alias must be in the URL too).
fn alias_rest<'u>(fake: &str, url: &'u str) -> Option<&'u str> {
    let rest = url.strip_prefix(fake)?;
    if fake.ends_with('/') || rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// A mod_alias `Redirect` that matches the URL: its status and `Location` (`None` for
/// 410 Gone). `Ok(None)` when it does not match.
fn redirect_of(key: &str, words: &[&str], path: &str) -> Res<Option<(u16, Option<String>)>> {
    let status_word = |w: &str| -> Option<u16> {
        match w.to_ascii_lowercase().as_str() {
            "permanent" => Some(301),
            "temp" => Some(302),
            "seeother" => Some(303),
            "gone" => Some(410),
            n => n.parse().ok(),
        }
    };
    let (status, rest) = match (key, words) {
        ("redirectpermanent", w) => (301, w),
        ("redirecttemp", w) => (302, w),
        (_, [first, rest @ ..]) if status_word(first).is_some() => {
            (status_word(first).unwrap_or(302), rest)
        }
        (_, w) => (302, w),
    };
    let Some(from) = rest.first() else {
        return Ok(None);
    };
    let Some(tail) = alias_rest(from, path) else {
        return Ok(None);
    };
    if status == 410 {
        return Ok(Some((410, None)));
    }
    let to = rest
        .get(1)
        .ok_or_else(|| "a Redirect without a target".to_string())?;
    Ok(Some((status, Some(format!("{to}{tail}")))))
}

/// `<Location /p>` covers `/p`, `/p/...`; not `/pother`.
fn location_prefix(loc: &str, url: &str) -> bool {
    if loc == "/" {
        return true;
    }
    match url.strip_prefix(loc) {
        Some(rest) => loc.ends_with('/') || rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

fn files_match(a: &ApacheModel, id: ScopeId, name: &str) -> Res<bool> {
    let Some(s) = a.scope(id) else {
        return Ok(false);
    };
    let args: Vec<&str> = s
        .head
        .as_ref()
        .map(|h| h.args.iter().map(|w| w.text.as_str()).collect())
        .unwrap_or_default();
    match (s.kind, args.as_slice()) {
        (ScopeKind::FilesMatch, ["~", re, ..]) | (ScopeKind::FilesMatch, [re, ..]) => {
            crate::model::pcre::compile(re, crate::model::pcre::Flavor::Apache, false)
                .ok()
                .and_then(|r| r.is_match(name.as_bytes()).ok())
                .ok_or_else(|| "a FilesMatch regex cannot be evaluated".into())
        }
        (ScopeKind::Files, [p, ..]) => {
            Ok(glob::Pattern::new(p).map_or(*p == name, |g| g.matches(name)))
        }
        _ => Ok(false),
    }
}

/// `Require ip` forms: a full or partial address (`10.1`), or CIDR.
fn ip_matches(net: &str, client: std::net::IpAddr) -> bool {
    if net.contains('/') || net.parse::<std::net::IpAddr>().is_ok() {
        return super::nginx::cidr_contains(net, client);
    }
    // A partial IPv4 address: `10.1` covers 10.1.x.x.
    let c = client.to_string();
    c.starts_with(&format!("{}.", net.trim_end_matches('.')))
}
