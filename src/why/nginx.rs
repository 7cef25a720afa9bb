//! nginx's answer to a request, phase by phase as `ngx_http_core_module` runs them:
//! server selection (listen + server_name), server rewrite, location selection, location
//! rewrite (`return`, `rewrite`, `break`, `if`), access (`allow`/`deny`, `auth_basic`,
//! `auth_request`, `satisfy`; access handlers run access, auth_basic, auth_request, and with
//! `satisfy any` a 401 outranks a 403), then content (`try_files`, static files with
//! `index`, `autoindex`). An `error_page` for the final status is not followed yet: the
//! answer is then unknown.
//!
//! Unknown, never guessed: an upstream (`*_pass`), a variable the request does not fix, an
//! `if` condition it cannot evaluate, an include that was not read, a client address an
//! allow list needs, a document root that is not in the input.
use super::{check_login, status_text, Answer, Login, Request, Trace};
use crate::htpasswd::scheme::Server;
use crate::model::nginx::{CtxId, Lookup, NgItem, NginxModel};
use crate::model::nginx_match::{BasicAuth, LocationMatcher, Selected};
use crate::model::paths::PathMap;
use crate::model::pcre::{self, Flavor};
use crate::model::Model;
use crate::source::{Fs, Span};
use crate::syntax::nginx::Stmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The reason [`Ngx::select_server`] gives for a plain request on an ssl port.
const SSL_PLAIN: &str = "400: the plain HTTP request was sent to an HTTPS port";

/// nginx stops after this many URI changes (`rewrite or internal redirection cycle`).
const MAX_CYCLES: usize = 10;

/// How a phase ended.
enum Flow {
    /// Answered: a status (with a `Location` for redirects).
    Status(u16, Option<String>),
    /// Go on with this URI in the current configuration.
    Continue,
    /// Search the locations again with a new URI (`rewrite ... last`, an internal
    /// redirect).
    Restart(String),
    /// Cannot tell.
    Unknown(String),
}

struct Ngx<'m> {
    model: &'m Model,
    ng: &'m NginxModel,
    maps: &'m PathMap,
    fs: &'m dyn Fs,
    req: &'m Request,
    /// The method as the phases see it (an error page is fetched with GET).
    method: String,
    /// The server chosen for the request.
    server: CtxId,
    /// Inside an error page's internal redirect (`recursive_error_pages off`).
    in_error_page: bool,
    /// The request was redirected inside nginx (rewrite, index, try_files, error_page):
    /// `internal` locations serve it.
    internal: bool,
    matcher: LocationMatcher<'m>,
    trace: Trace,
}

/// Resolve `req` against the nginx configuration of the model.
pub fn resolve(model: &Model, maps: &PathMap, fs: &dyn Fs, req: &Request) -> Answer {
    let ng = &model.nginx;
    let unseen = model
        .diagnostics
        .iter()
        .filter(|d| d.code == "AL002" || d.code == "AL005")
        .filter_map(|d| d.primary.as_ref().map(|p| p.span));
    let mut x = Ngx {
        model,
        ng,
        maps,
        fs,
        req,
        method: req.method.clone(),
        server: 0,
        in_error_page: false,
        internal: false,
        matcher: LocationMatcher::new(ng).with_unseen_includes(unseen),
        trace: Trace::default(),
    };
    let outcome = x.run();
    x.trace.answer(Server::Nginx, outcome)
}

/// A `listen` socket: address (`None`: any), port, `default_server`.
struct Listen {
    addr: Option<String>,
    port: u16,
    default: bool,
    ssl: bool,
    span: Span,
}

fn listens(ng: &NginxModel, server: CtxId) -> Vec<Listen> {
    let stmts = ng.directives_in(server, "listen");
    if stmts.is_empty() {
        let span = ng
            .context(server)
            .and_then(|c| c.head.as_ref())
            .map_or(Span::default(), |h| h.span);
        return vec![Listen {
            addr: None,
            port: 80,
            default: false,
            ssl: false,
            span,
        }];
    }
    let mut out = Vec::new();
    for s in stmts {
        let Some(a) = s.args.first() else { continue };
        let t = a.text.as_str();
        if t.starts_with("unix:") {
            continue;
        }
        let (addr, port) = if let Some(rest) = t.strip_prefix('[') {
            match rest.split_once("]:") {
                Some((h, p)) => (Some(format!("[{h}]")), p.parse().ok()),
                None => (Some(format!("[{}", rest)), Some(80)),
            }
        } else if let Ok(p) = t.parse::<u16>() {
            (None, Some(p))
        } else {
            match t.rsplit_once(':') {
                Some((h, p)) => (Some(h.to_string()), p.parse().ok()),
                None => (Some(t.to_string()), Some(80)),
            }
        };
        let Some(port) = port else { continue };
        let addr = addr.filter(|a| a != "*" && a != "0.0.0.0" && a != "[::]");
        out.push(Listen {
            addr,
            port,
            default: s
                .args
                .iter()
                .any(|w| w.text == "default_server" || w.text == "default"),
            ssl: s.args.iter().any(|w| w.text == "ssl"),
            span: s.span,
        });
    }
    out
}

/// nginx's server_name matching: exact, then the longest leading wildcard, then the
/// longest trailing wildcard, then the first regex in config order. `Err` when a regex
/// cannot be evaluated.
fn name_rank(names: &[&str], host: &str) -> Result<Option<(u8, usize)>, String> {
    let mut best: Option<(u8, usize)> = None;
    let mut better = |rank: (u8, usize)| {
        if best.is_none_or(|b| rank.0 < b.0 || (rank.0 == b.0 && rank.1 > b.1)) {
            best = Some(rank);
        }
    };
    for n in names {
        let n = n.to_ascii_lowercase();
        if let Some(re) = n.strip_prefix('~') {
            // Regexes are ranked after wildcards, first match wins: rank 3 with no length.
            match pcre::compile(re, Flavor::Nginx, false) {
                Ok(r) => {
                    if r.is_match(host.as_bytes()).unwrap_or(false) {
                        better((3, 0));
                    }
                }
                Err(_) => return Err(format!("the server_name regex `{re}` does not compile")),
            }
        } else if n == host {
            better((0, n.len()));
        } else if let Some(suffix) = n.strip_prefix("*.") {
            if host.ends_with(&format!(".{suffix}")) {
                better((1, suffix.len()));
            }
        } else if let Some(suffix) = n.strip_prefix('.') {
            if host == suffix || host.ends_with(&format!(".{suffix}")) {
                better((1, suffix.len()));
            }
        } else if let Some(prefix) = n.strip_suffix(".*") {
            if host.starts_with(&format!("{prefix}.")) {
                better((2, prefix.len()));
            }
        }
    }
    Ok(best)
}

impl<'m> Ngx<'m> {
    fn step(&mut self, span: Span, label: impl Into<String>) {
        self.trace.step(span, label);
    }

    fn run(&mut self) -> Result<(u16, Option<String>, String), String> {
        let server = match self.select_server() {
            Err(e) if e == SSL_PLAIN => {
                return Ok(self.done(
                    400,
                    None,
                    "the plain HTTP request was sent to an HTTPS port",
                ))
            }
            other => other?,
        };
        self.server = server;
        let uri = normalize_uri(self.req.path())
            .ok_or_else(|| "the path is not one nginx accepts (400)".to_string())?;
        // Server rewrite phase.
        let mut uri = uri;
        match self.rewrites(server, &mut uri)? {
            Flow::Status(s, l) => return Ok(self.finish(server, s, l)),
            Flow::Unknown(r) => return Err(r),
            Flow::Continue | Flow::Restart(_) => {}
        }
        let mut cycles = 0;
        loop {
            cycles += 1;
            if cycles > MAX_CYCLES {
                return Ok(self.done(
                    500,
                    None,
                    "nginx stops after 10 URI changes (rewrite or internal redirection cycle)",
                ));
            }
            match self.location_phases(server, &uri)? {
                Flow::Status(s, l) => return Ok(self.finish(server, s, l)),
                Flow::Restart(next) => {
                    uri = next;
                    self.internal = true;
                }
                Flow::Continue => return Err("the request ended without an answer".into()),
                Flow::Unknown(r) => return Err(r),
            }
        }
    }

    fn done(
        &self,
        status: u16,
        location: Option<String>,
        reason: &str,
    ) -> (u16, Option<String>, String) {
        (status, location, reason.to_string())
    }

    /// The answer with its reason phrase; 4xx/5xx go through `error_page` first.
    fn finish(
        &mut self,
        _server: CtxId,
        status: u16,
        location: Option<String>,
    ) -> (u16, Option<String>, String) {
        (status, location, status_text(status).to_string())
    }

    fn select_server(&mut self) -> Result<CtxId, String> {
        let ng = self.ng;
        let servers: Vec<CtxId> = ng
            .contexts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.kind == "server")
            .map(|(i, _)| i)
            .filter(|i| ng.is_known(*i) || ng.assumed.is_some())
            .collect();
        if servers.is_empty() {
            return Err("no nginx server block is in the input".into());
        }
        let port = match self.req.port {
            Some(p) => p,
            None => servers
                .iter()
                .flat_map(|s| listens(ng, *s))
                .map(|l| l.port)
                .next()
                .unwrap_or(80),
        };
        let host_ip: Option<IpAddr> = self
            .req
            .url_host
            .as_deref()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .and_then(|h| h.parse().ok());
        // Servers listening on the port (and the address, when the URL names one).
        let mut candidates: Vec<(CtxId, Listen)> = Vec::new();
        for s in &servers {
            for l in listens(ng, *s) {
                let addr_ok = match (&l.addr, host_ip) {
                    (None, _) | (_, None) => true,
                    (Some(a), Some(ip)) => {
                        a.trim_start_matches('[')
                            .trim_end_matches(']')
                            .parse::<IpAddr>()
                            .ok()
                            == Some(ip)
                            || a == "localhost" && ip.is_loopback()
                    }
                };
                if l.port == port && addr_ok {
                    candidates.push((*s, l));
                    break;
                }
            }
        }
        let Some(first) = candidates.first() else {
            return Err(format!("no server block listens on port {port}"));
        };
        let default = candidates.iter().find(|(_, l)| l.default).unwrap_or(first);
        // The TLS handshake comes before any server name: a plain request on an ssl port
        // is refused (400), and TLS is not something `why` speaks.
        if default.1.ssl && !self.req.https {
            self.step(
                default.1.span,
                "an ssl listener: plain HTTP is refused with 400",
            );
            return Err(SSL_PLAIN.into());
        }
        if self.req.https {
            return Err("requests over TLS are not modelled (certificates, SNI)".into());
        }
        let mut chosen = (
            default.0,
            default.1.span,
            "the default server for this port",
        );
        if self.req.url_host.is_some() || self.req.host_header.is_some() {
            if let Some(host) = self.req.host() {
                let mut best: Option<((u8, usize), CtxId, Span)> = None;
                for (s, _) in &candidates {
                    let names = ng.directives_in(*s, "server_name");
                    let words: Vec<&str> = names
                        .iter()
                        .flat_map(|n| n.args.iter().map(|a| a.text.as_str()))
                        .collect();
                    if words.iter().any(|w| w.contains('$')) {
                        return Err("a server_name holds a variable".into());
                    }
                    if let Some(rank) = name_rank(&words, &host)? {
                        let span = names.first().map_or(Span::default(), |n| n.span);
                        // Regexes: the first in config order wins.
                        if best.is_none_or(|(b, _, _)| {
                            rank.0 < b.0 || (rank.0 == b.0 && rank.0 < 3 && rank.1 > b.1)
                        }) {
                            best = Some((rank, *s, span));
                        }
                    }
                }
                if let Some((_, s, span)) = best {
                    chosen = (s, span, "server_name matches the Host");
                }
            }
        }
        self.step(chosen.1, format!("server chosen: {}", chosen.2));
        Ok(chosen.0)
    }

    /// The rewrite-module directives of a context, in order (`return`, `rewrite`, `break`,
    /// `if`, `set`). `if` blocks whose condition holds become the configuration.
    fn rewrites(&mut self, ctx: CtxId, uri: &mut String) -> Result<Flow, String> {
        let Some(c) = self.ng.context(ctx) else {
            return Ok(Flow::Continue);
        };
        let start = uri.clone();
        for item in &c.items {
            match item {
                NgItem::Directive(s) => match s.name.text.as_str() {
                    "return" => return Ok(self.ret(s)),
                    "break" => {
                        self.step(s.span, "break: no more rewrite directives here");
                        return Ok(Flow::Continue);
                    }
                    "rewrite" => match self.rewrite(s, uri)? {
                        Some(flow) => return Ok(flow),
                        None => continue,
                    },
                    "set" => {}
                    _ => {}
                },
                NgItem::Context(id) => {
                    let Some(ic) = self.ng.context(*id) else {
                        continue;
                    };
                    if ic.kind != "if" {
                        continue;
                    }
                    let head = ic.head.as_ref().map(|h| h.args.as_slice()).unwrap_or(&[]);
                    match self.condition(head, uri) {
                        Some(false) => {}
                        Some(true) => {
                            let span = ic.head.as_ref().map_or(Span::default(), |h| h.span);
                            self.step(span, "this if condition holds");
                            let id = *id;
                            let flow = self.rewrites(id, uri)?;
                            if !matches!(flow, Flow::Continue) {
                                return Ok(flow);
                            }
                            // The if block's own configuration now serves the request:
                            // not followed further.
                            if ic
                                .items
                                .iter()
                                .any(|i| !matches!(i, NgItem::Directive(s) if s.name.text == "set"))
                            {
                                return Ok(Flow::Unknown(
                                    "an if block whose condition holds serves the request with its own configuration (not modelled)".into(),
                                ));
                            }
                        }
                        None => {
                            return Ok(Flow::Unknown(
                                "an if condition depends on what the request does not fix".into(),
                            ))
                        }
                    }
                }
            }
        }
        if *uri != start {
            return Ok(Flow::Restart(uri.clone()));
        }
        Ok(Flow::Continue)
    }

    fn ret(&mut self, s: &Stmt) -> Flow {
        let args: Vec<&str> = s.args.iter().map(|a| a.text.as_str()).collect();
        let (code, target) = match args.as_slice() {
            [one] if one.parse::<u16>().is_err() => (302, Some(*one)),
            [code] => (code.parse().unwrap_or(0), None),
            [code, rest, ..] => (code.parse().unwrap_or(0), Some(*rest)),
            [] => (0, None),
        };
        if code == 0 {
            return Flow::Unknown("a return with an unknown code".into());
        }
        self.step(
            s.span,
            format!("return {code}: answered before the access checks"),
        );
        let location = matches!(code, 301 | 302 | 303 | 307 | 308)
            .then(|| target.map(str::to_string))
            .flatten();
        Flow::Status(code, location)
    }

    /// One `rewrite`: `None` to go on with the next directive.
    fn rewrite(&mut self, s: &Stmt, uri: &mut String) -> Result<Option<Flow>, String> {
        let (Some(re), Some(repl)) = (s.args.first(), s.args.get(1)) else {
            return Ok(None);
        };
        let flag = s.args.get(2).map(|f| f.text.as_str());
        let regex = pcre::compile(&re.text, Flavor::Nginx, false)
            .map_err(|_| format!("the rewrite regex `{}` does not compile", re.text))?;
        let caps = match regex.captures(uri.as_bytes()) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(None),
            Err(_) => return Err("PCRE2 gave up on a rewrite regex".into()),
        };
        // Substitute $1..$9; any other variable makes the result unknown.
        let mut out = String::new();
        let mut chars = repl.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '$' {
                out.push(c);
                continue;
            }
            match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    chars.next();
                    let i = d.to_digit(10).unwrap_or(0) as usize;
                    if let Some(m) = caps.get(i) {
                        out.push_str(&String::from_utf8_lossy(m.as_bytes()));
                    }
                }
                _ => {
                    // The variables a request fixes; any other makes the result unknown.
                    let rest: String = chars.clone().collect();
                    let name_len = rest
                        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len());
                    let query = self.req.target.split_once('?').map(|(_, q)| q);
                    let value = match &rest[..name_len] {
                        "uri" | "document_uri" => uri.clone(),
                        "request_uri" => self.req.target.clone(),
                        "args" | "query_string" => query.unwrap_or("").to_string(),
                        "is_args" if query.is_some() => "?".into(),
                        "is_args" => String::new(),
                        _ => return Err(format!("the rewrite to `{}` uses a variable", repl.text)),
                    };
                    out.push_str(&value);
                    for _ in 0..name_len {
                        chars.next();
                    }
                }
            }
        }
        // The query part is not part of the URI locations match.
        if let Some((path, _)) = out.split_once('?') {
            if !repl.text.starts_with("http") && !repl.text.starts_with("$scheme") {
                out = path.to_string();
            }
        }
        let external = ["http://", "https://", "$scheme"]
            .iter()
            .any(|p| repl.text.starts_with(p));
        match (flag, external) {
            (Some("permanent"), _) => {
                self.step(
                    s.span,
                    "rewrite ... permanent: 301 before the access checks",
                );
                Ok(Some(Flow::Status(301, Some(out))))
            }
            (Some("redirect"), _) | (_, true) => {
                self.step(s.span, "rewrite ... redirect: 302 before the access checks");
                Ok(Some(Flow::Status(302, Some(out))))
            }
            (Some("last"), _) => {
                self.step(
                    s.span,
                    format!("rewrite ... last: the URI becomes `{out}`, locations searched again"),
                );
                Ok(Some(Flow::Restart(out)))
            }
            (Some("break"), _) => {
                self.step(
                    s.span,
                    format!("rewrite ... break: the URI becomes `{out}` in this location"),
                );
                *uri = out;
                Ok(Some(Flow::Continue))
            }
            _ => {
                self.step(s.span, format!("rewrite: the URI becomes `{out}`"));
                *uri = out;
                Ok(None)
            }
        }
    }

    /// An `if` condition, when the request fixes it.
    fn condition(&self, head: &[crate::syntax::Word], uri: &str) -> Option<bool> {
        let words: Vec<String> = head.iter().map(|w| w.text.clone()).collect();
        let mut words: Vec<String> = words;
        if let Some(first) = words.first_mut() {
            *first = first.trim_start_matches('(').to_string();
        }
        if let Some(last) = words.last_mut() {
            if last == ")" {
                words.pop();
            } else if let Some(t) = last.strip_suffix(')') {
                *last = t.to_string();
            }
        }
        let value = |v: &str| -> Option<String> {
            match v {
                "$request_method" => Some(self.method.clone()),
                "$uri" | "$document_uri" => Some(uri.to_string()),
                "$request_uri" => Some(self.req.target.clone()),
                "$scheme" => Some("http".into()),
                "$host" | "$http_host" => self.req.host(),
                "$remote_addr" => self.req.client.map(|c| c.to_string()),
                "$http_authorization" => Some(self.req.authorization().unwrap_or_default()),
                v if v.contains('$') => None,
                v => Some(v.to_string()),
            }
        };
        match words.as_slice() {
            [var] => value(var).map(|v| !v.is_empty() && v != "0"),
            [var, op, rhs] => {
                let v = value(var)?;
                match op.as_str() {
                    "=" => Some(v == *rhs),
                    "!=" => Some(v != *rhs),
                    "~" | "~*" | "!~" | "!~*" => {
                        let caseless = op.ends_with('*');
                        let m = pcre::compile(rhs, Flavor::Nginx, caseless)
                            .ok()?
                            .is_match(v.as_bytes())
                            .ok()?;
                        Some(if op.starts_with('!') { !m } else { m })
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Location selection, rewrite, access and content for one URI.
    fn location_phases(&mut self, server: CtxId, uri: &str) -> Result<Flow, String> {
        let ctx = match self.matcher.select(server, uri) {
            Selected::Unknown => {
                return Err("which location serves the URI depends on what the input does not show (an include not read, or a regex PCRE2 refuses)".into())
            }
            Selected::Redirect(loc) => {
                let span = self.head_span(loc);
                self.step(span, "a proxied `/dir/` location answers `/dir` with a redirect");
                return Ok(Flow::Status(301, Some(format!("{uri}/"))));
            }
            Selected::ServerLevel => server,
            Selected::Location(loc) => {
                let span = self.head_span(loc);
                self.step(span, format!("location chosen for `{uri}`"));
                loc
            }
        };
        self.phases_in(server, ctx, uri)
    }

    /// Rewrite, access, content and error pages in the configuration `ctx`.
    fn phases_in(&mut self, server: CtxId, ctx: CtxId, uri: &str) -> Result<Flow, String> {
        if ctx != server && !self.internal && !self.ng.directives_in(ctx, "internal").is_empty() {
            self.step(self.head_span(ctx), "an internal location: 404 to clients");
            return Ok(Flow::Status(404, None));
        }
        let mut cur = uri.to_string();
        match self.rewrites(ctx, &mut cur)? {
            Flow::Continue => {}
            other => return Ok(other),
        }
        let conf = self.ng.request_conf(ctx, &self.method);
        if conf != ctx {
            let span = self.head_span(conf);
            self.step(
                span,
                format!("{} is not a method limit_except lets through", self.method),
            );
        }
        if let Some(status) = self.access(conf)? {
            return self.error_page(conf, Flow::Status(status, None));
        }
        let flow = self.content(conf, &cur)?;
        self.error_page(conf, flow)
    }

    /// An `error_page` in effect for the status takes over the answer: a redirect for an
    /// external URL (or a 3xx override), else an internal redirect (GET) whose answer is
    /// sent with the original status, the override, or (`=`) its own status. An error page
    /// that fails answers with its own error (`recursive_error_pages off`).
    fn error_page(&mut self, conf: CtxId, flow: Flow) -> Result<Flow, String> {
        let Flow::Status(status, _) = &flow else {
            return Ok(flow);
        };
        let status = *status;
        if status < 300 || self.in_error_page {
            return Ok(flow);
        }
        let code = status.to_string();
        let stmts = match self.matcher.lookup(conf, "error_page") {
            Lookup::Found(v) => v,
            Lookup::NotSet => return Ok(flow),
            Lookup::Unknown => {
                return Err("error_page may be set where the input does not show".into())
            }
        };
        let Some(s) = stmts.into_iter().find(|s| {
            let n = s.args.len();
            s.args
                .iter()
                .take(n.saturating_sub(1))
                .any(|a| a.text == code)
        }) else {
            return Ok(flow);
        };
        let Some(uri) = s.args.last().map(|a| a.text.clone()) else {
            return Ok(flow);
        };
        // `=` or `=N` before the URI.
        let over = s
            .args
            .iter()
            .rev()
            .nth(1)
            .and_then(|a| a.text.strip_prefix('='))
            .map(|n| n.parse::<u16>().ok());
        let redirect_over = over
            .flatten()
            .filter(|n| matches!(n, 301 | 302 | 303 | 307 | 308));
        if uri.contains('$') && !uri.starts_with("$scheme") {
            return Err("the error_page target uses a variable".into());
        }
        let external = ["http://", "https://", "$scheme"]
            .iter()
            .any(|p| uri.starts_with(p));
        if external || redirect_over.is_some() {
            let st = redirect_over.unwrap_or(302);
            self.step(
                s.span,
                format!("error_page {code}: the client is redirected ({st}) instead"),
            );
            return Ok(Flow::Status(st, Some(uri)));
        }
        self.step(
            s.span,
            format!("error_page {code}: the body comes from `{uri}`"),
        );
        let saved = (self.method.clone(), self.in_error_page);
        if self.method != "HEAD" {
            self.method = "GET".into();
        }
        self.in_error_page = true;
        let was_internal = std::mem::replace(&mut self.internal, true);
        let server = self.server;
        let mut target = uri;
        let mut result = None;
        for _ in 0..MAX_CYCLES {
            let step = match target.strip_prefix('@') {
                Some(name) => match self.named_location(server, name) {
                    Some(loc) => {
                        let span = self.head_span(loc);
                        self.step(span, "the named location");
                        let uri = self.req.path().to_string();
                        self.phases_in(server, loc, &uri)
                    }
                    None => Err(format!("no location @{name}")),
                },
                None => self.location_phases(server, &target),
            };
            match step {
                Ok(Flow::Restart(next)) => target = next,
                Ok(Flow::Status(st, loc)) => {
                    result = Some(Ok((st, loc)));
                    break;
                }
                Ok(Flow::Unknown(r)) | Err(r) => {
                    result = Some(Err(r));
                    break;
                }
                Ok(Flow::Continue) => break,
            }
        }
        (self.method, self.in_error_page) = saved;
        self.internal = was_internal;
        let (got, loc) = match result {
            Some(Ok(x)) => x,
            Some(Err(r)) => return Err(r),
            None => return Err("the error page never answered".into()),
        };
        Ok(match over {
            Some(None) => Flow::Status(got, loc),
            Some(Some(n)) if (200..300).contains(&got) => Flow::Status(n, None),
            None if (200..300).contains(&got) => Flow::Status(status, None),
            _ => Flow::Status(got, loc),
        })
    }

    /// The `location @name` of a server.
    fn named_location(&self, server: CtxId, name: &str) -> Option<CtxId> {
        let c = self.ng.context(server)?;
        c.items.iter().find_map(|i| match i {
            NgItem::Context(id) => self
                .ng
                .context(*id)
                .filter(|l| l.kind == "location")
                .and_then(|l| l.head.as_ref())
                .filter(|h| h.args.len() == 1 && h.args[0].text.strip_prefix('@') == Some(name))
                .map(|_| *id),
            _ => None,
        })
    }

    fn head_span(&self, ctx: CtxId) -> Span {
        self.ng
            .context(ctx)
            .and_then(|c| c.head.as_ref())
            .map_or(Span::default(), |h| h.span)
    }

    /// The allow/deny list in effect: the nearest level that sets any.
    fn access_rules(&self, ctx: CtxId) -> Option<Vec<&'m Stmt>> {
        let ng = self.ng;
        let mut cur = Some(ctx);
        for _ in 0..1024 {
            let c = ng.context(cur?)?;
            let rules: Vec<&Stmt> = c
                .items
                .iter()
                .filter_map(|i| match i {
                    NgItem::Directive(s) if s.name.text == "allow" || s.name.text == "deny" => {
                        Some(s)
                    }
                    _ => None,
                })
                .collect();
            if !rules.is_empty() {
                return Some(rules);
            }
            if c.kind == "snippet" {
                return None;
            }
            cur = c.parent;
        }
        None
    }

    /// The access phase: `Ok(None)` to go on to content, `Ok(Some(status))` when refused.
    fn access(&mut self, conf: CtxId) -> Result<Option<u16>, String> {
        let any = match self.matcher.lookup(conf, "satisfy") {
            Lookup::Found(v) => {
                let s = v.last().copied();
                let any = s.is_some_and(|s| {
                    s.args
                        .first()
                        .is_some_and(|a| a.text.eq_ignore_ascii_case("any"))
                });
                if let (true, Some(s)) = (any, s) {
                    self.step(s.span, "satisfy any: one passing check is enough");
                }
                any
            }
            Lookup::NotSet => false,
            Lookup::Unknown => {
                return Err("satisfy may be set where the input does not show".into())
            }
        };
        // Each handler: None = declined (not configured), Some(Ok) = passes,
        // Some(Err(status)) = refuses.
        let results: Vec<Option<Result<(), u16>>> = vec![
            self.ip_check(conf)?,
            self.basic_check(conf)?,
            self.auth_request_check(conf)?,
        ];
        if any {
            if results.iter().any(|r| matches!(r, Some(Ok(())))) {
                return Ok(None);
            }
            // A 401 outranks a 403 (r->access_code).
            let refused: Vec<u16> = results
                .iter()
                .filter_map(|r| r.and_then(|r| r.err()))
                .collect();
            if refused.contains(&401) {
                return Ok(Some(401));
            }
            return Ok(refused.first().copied());
        }
        for r in results.into_iter().flatten() {
            if let Err(s) = r {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    fn ip_check(&mut self, conf: CtxId) -> Result<Option<Result<(), u16>>, String> {
        let Some(rules) = self.access_rules(conf) else {
            return Ok(None);
        };
        for r in rules {
            let Some(arg) = r.args.first() else { continue };
            let matches = match arg.text.as_str() {
                "all" => Some(true),
                a if a.starts_with("unix:") => Some(false),
                a => self.req.client.map(|c| cidr_contains(a, c)),
            };
            match matches {
                Some(true) => {
                    let allow = r.name.text == "allow";
                    self.step(
                        r.span,
                        if allow {
                            "the client matches this allow"
                        } else {
                            "the client matches this deny"
                        },
                    );
                    return Ok(Some(if allow { Ok(()) } else { Err(403) }));
                }
                Some(false) => continue,
                None => return Err("an allow/deny rule needs the client address (--client)".into()),
            }
        }
        Ok(None)
    }

    fn basic_check(&mut self, conf: CtxId) -> Result<Option<Result<(), u16>>, String> {
        // `conf` already is the method's configuration (limit_except applied).
        let method = self.method.clone();
        match self.matcher.effective_auth_for(conf, &method).basic() {
            BasicAuth::Off => return Ok(None),
            BasicAuth::Unknown => {
                return Err(
                    "whether auth_basic applies depends on what the input does not show".into(),
                )
            }
            BasicAuth::On => {}
        }
        let auth = self.matcher.effective_auth_for(conf, &method);
        let (Lookup::Found(realm), Lookup::Found(file)) =
            (&auth.auth_basic, &auth.auth_basic_user_file)
        else {
            return Err("auth_basic settings are not all visible".into());
        };
        let (Some(realm), Some(file)) = (realm.last().copied(), file.last().copied()) else {
            return Err("auth_basic settings are not all visible".into());
        };
        let realm_text = realm.args.first().map_or(String::new(), |a| a.text.clone());
        self.trace.challenge = Some(format!("Basic realm=\"{realm_text}\""));
        self.step(realm.span, "asks for a password (Basic)");
        let path = file.args.first().map_or(String::new(), |a| a.text.clone());
        self.trace.password_file = Some(path.clone());
        let Some((user, password)) = self.req.credentials.clone() else {
            self.step(file.span, "the user file");
            self.trace.fix = Some("send credentials of a user in the user file".into());
            return Ok(Some(Err(401)));
        };
        let Some(arg) = file.args.first() else {
            return Err("auth_basic_user_file without a path".into());
        };
        let login = check_login(self.model, Server::Nginx, arg.span, &user, &password)?;
        self.trace.user = login.user_check();
        let (status, label) = match &login {
            Login::Missing => (
                Err(403),
                "this user file does not exist: every login is refused".to_string(),
            ),
            Login::Unreadable => (
                Err(500),
                "the workers cannot read this user file".to_string(),
            ),
            Login::UnknownUser => (Err(401), format!("no entry for user `{user}` in this file")),
            Login::Match { line } => (
                Ok(()),
                format!("`{user}` (line {line}): the password matches"),
            ),
            Login::Mismatch { line } => (
                Err(401),
                format!("`{user}` (line {line}): the password does not match"),
            ),
            Login::Unverifiable(why) => {
                return Err(format!("the hash of `{user}` cannot be computed: {why}"))
            }
        };
        self.step(file.span, label);
        Ok(Some(status))
    }

    fn auth_request_check(&mut self, conf: CtxId) -> Result<Option<Result<(), u16>>, String> {
        let stmt = match self.matcher.lookup(conf, "auth_request") {
            Lookup::Found(v) => match v.last().copied() {
                Some(s) => s,
                None => return Ok(None),
            },
            Lookup::NotSet => return Ok(None),
            Lookup::Unknown => {
                return Err("auth_request may be set where the input does not show".into())
            }
        };
        let Some(target) = stmt.args.first() else {
            return Ok(None);
        };
        if target.text == "off" {
            return Ok(None);
        }
        self.step(stmt.span, "a subrequest decides access");
        let Some(server) = crate::rules::nginx::server_of(self.ng, conf) else {
            return Err("auth_request outside a server".into());
        };
        // The subrequest: its location's `return` decides; anything else is unknown.
        let loc = match self.matcher.select(server, &target.text) {
            Selected::Location(l) => l,
            Selected::ServerLevel => server,
            _ => return Err("the auth_request target cannot be resolved".into()),
        };
        let mut sub_uri = target.text.clone();
        let code = match self.rewrites(loc, &mut sub_uri)? {
            Flow::Status(c, _) => Some(c),
            Flow::Continue => None,
            Flow::Restart(_) | Flow::Unknown(_) => {
                return Err("the auth_request subrequest is rewritten (not followed)".into())
            }
        };
        match code {
            Some(c) if (200..300).contains(&c) => Ok(Some(Ok(()))),
            Some(c) if c == 401 || c == 403 => Ok(Some(Err(c))),
            Some(_) => Ok(Some(Err(500))),
            None => {
                // No location of its own: static content answers, usually 404 -> 500.
                if loc == server
                    || self.ng.directives_in(loc, "proxy_pass").is_empty()
                        && self.ng.directives_in(loc, "fastcgi_pass").is_empty()
                {
                    match self.static_status(loc, &target.text)? {
                        s if (200..300).contains(&s) => Ok(Some(Ok(()))),
                        401 => Ok(Some(Err(401))),
                        403 => Ok(Some(Err(403))),
                        _ => Ok(Some(Err(500))),
                    }
                } else {
                    Err("the auth_request subrequest is answered by an upstream".into())
                }
            }
        }
    }

    /// The content phase.
    fn content(&mut self, conf: CtxId, uri: &str) -> Result<Flow, String> {
        for h in [
            "proxy_pass",
            "fastcgi_pass",
            "uwsgi_pass",
            "scgi_pass",
            "grpc_pass",
            "memcached_pass",
        ] {
            if let Some(s) = self.ng.directives_in(conf, h).into_iter().next() {
                self.step(s.span, "an upstream answers");
                return Err("an upstream answers the request".into());
            }
        }
        if let Lookup::Found(v) = self.matcher.lookup(conf, "try_files") {
            if let Some(s) = v.last().copied() {
                return self.try_files(conf, s, uri);
            }
        }
        if uri.ends_with('/') {
            return self.index(conf, uri);
        }
        let status = self.static_status(conf, uri)?;
        if status == 301 {
            return Ok(Flow::Status(301, Some(format!("{uri}/"))));
        }
        Ok(Flow::Status(status, None))
    }

    fn try_files(&mut self, conf: CtxId, s: &'m Stmt, uri: &str) -> Result<Flow, String> {
        let n = s.args.len();
        for (i, a) in s.args.iter().enumerate() {
            let t = a.text.replace("$uri", uri);
            if i + 1 == n {
                self.step(s.span, format!("try_files falls back to `{}`", a.text));
                if let Some(code) = t.strip_prefix('=') {
                    let code = code
                        .parse()
                        .map_err(|_| "a try_files code is not a number".to_string())?;
                    return Ok(Flow::Status(code, None));
                }
                if let Some(name) = t.strip_prefix('@') {
                    let server = self.server;
                    let Some(loc) = self.named_location(server, name) else {
                        return Err(format!("no location @{name}"));
                    };
                    self.internal = true;
                    return self.phases_in(server, loc, uri);
                }
                if t.contains('$') {
                    return Err("the try_files fallback uses a variable".into());
                }
                return Ok(Flow::Restart(t));
            }
            if t.contains('$') {
                return Err("a try_files argument uses a variable".into());
            }
            let Some(local) = self.local_path(conf, t.trim_end_matches('/'))? else {
                return Err("the document root is not in the input".into());
            };
            let hit = if t.ends_with('/') {
                self.fs.is_dir(&local)
            } else {
                self.fs.exists(&local) && !self.fs.is_dir(&local)
            };
            if hit {
                self.step(s.span, format!("try_files finds `{t}`"));
                if t.ends_with('/') {
                    return self.index(conf, &t);
                }
                return Ok(Flow::Status(self.method_status(), None));
            }
        }
        Err("try_files without arguments".into())
    }

    /// GET and HEAD of a static file: 200; other methods: 405.
    fn method_status(&self) -> u16 {
        match self.method.as_str() {
            "GET" | "HEAD" => 200,
            _ => 405,
        }
    }

    fn index(&mut self, conf: CtxId, uri: &str) -> Result<Flow, String> {
        let names: Vec<String> = match self.matcher.lookup(conf, "index") {
            Lookup::Found(v) => v
                .iter()
                .flat_map(|s| s.args.iter().map(|a| a.text.clone()))
                .collect(),
            Lookup::NotSet => vec!["index.html".into()],
            Lookup::Unknown => return Err("index may be set where the input does not show".into()),
        };
        let Some(dir) = self.local_path(conf, uri.trim_end_matches('/'))? else {
            return Err("the document root is not in the input".into());
        };
        for n in &names {
            if n.contains('$') {
                return Err("an index name uses a variable".into());
            }
            if n.starts_with('/') {
                return Ok(Flow::Restart(n.clone()));
            }
            if self.fs.exists(&dir.join(n)) && !self.fs.is_dir(&dir.join(n)) {
                // An internal redirect to the index file: locations are searched again.
                if let Some(span) = self.trace.steps.last().map(|s| s.span) {
                    self.step(span, format!("index: internal redirect to `{uri}{n}`"));
                }
                return Ok(Flow::Restart(format!("{uri}{n}")));
            }
        }
        let autoindex = matches!(self.matcher.lookup(conf, "autoindex"), Lookup::Found(v) if v.last().and_then(|s| s.args.first()).is_some_and(|a| a.text == "on"));
        if self.fs.is_dir(&dir) {
            if autoindex {
                return Ok(Flow::Status(self.method_status(), None));
            }
            return Ok(Flow::Status(403, None));
        }
        Ok(Flow::Status(404, None))
    }

    /// The status of a static file request (no index): 200/405, 301 for a directory,
    /// 404 when missing.
    fn static_status(&mut self, conf: CtxId, uri: &str) -> Result<u16, String> {
        let Some(local) = self.local_path(conf, uri)? else {
            return Err("the document root is not in the input".into());
        };
        if self.fs.is_dir(&local) {
            return Ok(301);
        }
        if self.fs.exists(&local) {
            return Ok(self.method_status());
        }
        Ok(404)
    }

    /// The local path of a URI under the `root` or `alias` in effect; `Ok(None)` when the
    /// root is not in the input.
    fn local_path(&mut self, conf: CtxId, uri: &str) -> Result<Option<PathBuf>, String> {
        let ng = self.ng;
        // alias: only in the location itself.
        let loc = {
            let mut cur = Some(conf);
            let mut found = None;
            for _ in 0..1024 {
                let Some(c) = cur.and_then(|c| ng.context(c)) else {
                    break;
                };
                if c.kind == "location" {
                    found = cur;
                    break;
                }
                cur = c.parent;
            }
            found
        };
        let server_path = if let Some(alias) =
            loc.and_then(|l| ng.directives_in(l, "alias").into_iter().next())
        {
            let a = alias.args.first().map_or("", |a| a.text.as_str());
            let spec = loc
                .and_then(|l| ng.context(l))
                .and_then(|c| c.head.as_ref())
                .and_then(crate::model::nginx_match::location_spec);
            let Some(spec) = spec.filter(|s| !s.modifier.is_regex()) else {
                return Err("an alias in a regex location (captures not modelled)".into());
            };
            if a.contains('$') {
                return Err("the alias uses a variable".into());
            }
            let rest = uri.strip_prefix(spec.pattern).unwrap_or(uri);
            format!("{a}{rest}")
        } else {
            let root = match self.matcher.lookup(conf, "root") {
                Lookup::Found(v) => v
                    .last()
                    .and_then(|s| s.args.first())
                    .map(|a| a.text.clone()),
                Lookup::NotSet => Some("html".into()),
                Lookup::Unknown => {
                    return Err("root may be set where the input does not show".into())
                }
            };
            let root = root.unwrap_or_default();
            if root.contains('$') {
                return Err("the root uses a variable".into());
            }
            let root = if root.starts_with('/') {
                root
            } else {
                match &ng.prefix {
                    Some(p) => p.join(&root).display().to_string(),
                    None => return Err("a relative root needs the configuration prefix".into()),
                }
            };
            // The root itself must be in the input for a missing file to mean 404.
            if self.maps.to_local(Path::new(&root), self.fs).is_none() {
                return Ok(None);
            }
            format!("{}{uri}", root.trim_end_matches('/'))
        };
        Ok(Some(
            self.maps
                .to_local(Path::new(&server_path), self.fs)
                .unwrap_or_else(|| PathBuf::from(server_path)),
        ))
    }
}

/// Does an allow/deny address (`1.2.3.4`, `10.0.0.0/8`, `::1`, `2001:db8::/32`) cover the
/// client?
pub(crate) fn cidr_contains(rule: &str, client: IpAddr) -> bool {
    let (addr, bits) = match rule.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (rule, None),
    };
    let Ok(net) = addr.parse::<IpAddr>() else {
        return false;
    };
    match (net, client) {
        (IpAddr::V4(n), IpAddr::V4(c)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(c) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(c)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(c) & mask
        }
        _ => false,
    }
}

/// The URI nginx matches: percent-decoded, slashes merged, dot segments resolved. `None`
/// for what nginx answers with 400.
pub fn normalize_uri(path: &str) -> Option<String> {
    if !path.starts_with('/') {
        return None;
    }
    let b = path.as_bytes();
    let mut decoded = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let s = std::str::from_utf8(hex).ok()?;
            decoded.push(u8::from_str_radix(s, 16).ok()?);
            i += 3;
        } else {
            decoded.push(b[i]);
            i += 1;
        }
    }
    let text = String::from_utf8_lossy(&decoded).into_owned();
    let mut out: Vec<&str> = Vec::new();
    let trailing = text.ends_with('/') || text.ends_with("/.") || text.ends_with("/..");
    for seg in text.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            s => out.push(s),
        }
    }
    let mut uri = format!("/{}", out.join("/"));
    if trailing && !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_normalise_as_nginx_does() {
        assert_eq!(normalize_uri("/a//b/./c/../d").as_deref(), Some("/a/b/d"));
        assert_eq!(normalize_uri("/%70rivate/").as_deref(), Some("/private/"));
        assert_eq!(normalize_uri("/a/..").as_deref(), Some("/"));
        assert_eq!(normalize_uri("/.."), None);
        assert_eq!(normalize_uri("/%zz"), None);
    }

    #[test]
    fn cidrs() {
        let c: IpAddr = "127.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        assert!(cidr_contains("127.0.0.0/8", c));
        assert!(cidr_contains("127.0.0.1", c));
        assert!(!cidr_contains("10.0.0.0/8", c));
        assert!(!cidr_contains("::1", c));
        assert!(cidr_contains("0.0.0.0/0", c));
    }

    #[test]
    fn server_names_rank_as_nginx_ranks_them() {
        let r = |names: &[&str], host: &str| name_rank(names, host).ok().flatten();
        assert_eq!(r(&["example.com"], "example.com"), Some((0, 11)));
        assert_eq!(r(&["*.example.com"], "a.example.com"), Some((1, 11)));
        assert_eq!(r(&[".example.com"], "example.com"), Some((1, 11)));
        assert_eq!(r(&["mail.*"], "mail.example.com"), Some((2, 4)));
        assert_eq!(r(&["~^w+\\.x$"], "www.x"), Some((3, 0)));
        assert_eq!(r(&["other"], "example.com"), None);
    }
}
