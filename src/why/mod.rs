//! `authlint why`: predict the answer a request gets from the linted configuration, and
//! the config lines that decide it.
//!
//! The request is resolved as the server resolves it, phase by phase, on the same model
//! the rules use. Whenever the input does not decide a step (an upstream answers, a
//! variable, an include that was not read, a client address that an allow list needs),
//! the answer is "unknown" with the reason: never a guess.
pub mod apache;
pub mod nginx;

use crate::htpasswd::scheme::Server;
use crate::model::paths::PathMap;
use crate::model::Model;
use crate::source::{Fs, Span};
use std::net::IpAddr;

/// The request to explain.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    /// The host of the URL (`None` for a bare path: the default server).
    pub url_host: Option<String>,
    /// The port of the URL (`None`: 80, or the default server's for a bare path).
    pub port: Option<u16>,
    /// The `Host` header when it differs from the URL's host (`--host`).
    pub host_header: Option<String>,
    /// The path and query as sent.
    pub target: String,
    /// Sent over TLS (`https://`).
    pub https: bool,
    /// Basic credentials: user and password bytes.
    pub credentials: Option<(String, Vec<u8>)>,
    /// The client's address, when known (`--client`).
    pub client: Option<IpAddr>,
}

impl Request {
    /// Parse `http://host[:port]/path`, `https://...` or a bare `/path`.
    pub fn parse_url(url: &str) -> Result<Request, String> {
        let (url_host, port, target) = if let Some(rest) = url
            .strip_prefix("http://")
            .or_else(|| url.strip_prefix("https://"))
        {
            let tls = url.starts_with("https://");
            let (authority, path) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            if authority.contains('@') {
                return Err("credentials in the URL are not supported: use --user".into());
            }
            let (host, port) = split_host_port(authority)?;
            let port = port.or(Some(if tls { 443 } else { 80 }));
            (Some(host.to_ascii_lowercase()), port, path.to_string())
        } else if url.starts_with('/') {
            (None, None, url.to_string())
        } else {
            return Err(format!(
                "`{url}` is neither an absolute http(s) URL nor a path starting with `/`"
            ));
        };
        Ok(Request {
            method: "GET".into(),
            url_host,
            port,
            target,
            https: url.starts_with("https://"),
            ..Request::default()
        })
    }

    /// The host name the server matches (`Host` header), lowercased, without a port.
    pub fn host(&self) -> Option<String> {
        let h = self.host_header.as_ref().or(self.url_host.as_ref())?;
        let h = split_host_port(h).map(|(h, _)| h).unwrap_or(h.as_str());
        Some(h.trim_end_matches('.').to_ascii_lowercase())
    }

    /// The `Authorization` header the request carries.
    pub fn authorization(&self) -> Option<String> {
        use base64::Engine as _;
        let (user, password) = self.credentials.as_ref()?;
        let mut raw = format!("{user}:").into_bytes();
        raw.extend_from_slice(password);
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        ))
    }

    /// The path part of the target (without the query).
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    if let Some(rest) = authority.strip_prefix('[') {
        let end = rest
            .find(']')
            .ok_or_else(|| format!("unbalanced `[` in `{authority}`"))?;
        let host = &authority[..end + 2];
        let port = match &rest[end + 1..] {
            "" => None,
            p => Some(parse_port(p.trim_start_matches(':'))?),
        };
        return Ok((host, port));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) => Ok((h, Some(parse_port(p)?))),
        None => Ok((authority, None)),
    }
}

fn parse_port(p: &str) -> Result<u16, String> {
    p.parse::<u16>()
        .map_err(|_| format!("`{p}` is not a port number"))
}

/// A config line that took part in the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub span: Span,
    pub label: String,
}

/// What the server does with the credentials given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserCheck {
    /// The password file has no entry the server finds for the user.
    UnknownUser,
    Match,
    Mismatch,
    /// authlint cannot compute the hash (says why).
    Unverifiable(String),
}

/// What a server finds when it checks a login against the password file a directive
/// names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Login {
    /// Known not to exist.
    Missing,
    /// The account the workers run as cannot read it.
    Unreadable,
    UnknownUser,
    Match {
        line: u32,
    },
    Mismatch {
        line: u32,
    },
    Unverifiable(String),
}

impl Login {
    /// The [`UserCheck`] the answer reports, for the outcomes about the user.
    pub(crate) fn user_check(&self) -> Option<UserCheck> {
        match self {
            Login::UnknownUser => Some(UserCheck::UnknownUser),
            Login::Match { .. } => Some(UserCheck::Match),
            Login::Mismatch { .. } => Some(UserCheck::Mismatch),
            Login::Unverifiable(why) => Some(UserCheck::Unverifiable(why.clone())),
            Login::Missing | Login::Unreadable => None,
        }
    }
}

/// Check `user`/`password` against the file named by the directive argument at `arg`,
/// as `server` reads and verifies it. `Err` when the file is not in the input.
pub(crate) fn check_login(
    model: &Model,
    server: Server,
    arg: Span,
    user: &str,
    password: &[u8],
) -> Result<Login, String> {
    use crate::htpasswd::file::{lookup, Lookup};
    use crate::htpasswd::verify::{verify, Verdict};
    let r = model
        .password_refs
        .iter()
        .find(|r| r.server == server && r.span == arg)
        .ok_or_else(|| "the password file is not in the input".to_string())?;
    if r.missing {
        return Ok(Login::Missing);
    }
    let fid = r
        .file
        .ok_or_else(|| format!("`{}` is not in the input", r.server_path.display()))?;
    if let Some(ra) = crate::model::accounts::run_as(model, r) {
        let ids = model.accounts.get(&(ra.user, ra.group)).cloned().flatten();
        let access = model
            .password_files
            .get(&fid)
            .and_then(|pf| pf.access.as_ref());
        if let (Some(ids), Some(access)) = (ids, access) {
            if access.blocked_for(&ids).is_some() {
                return Ok(Login::Unreadable);
            }
        }
    }
    let text = model.sources.get(fid).map_or("", |f| f.text.as_str());
    Ok(match lookup(text, server, user) {
        Lookup::NotFound => Login::UnknownUser,
        Lookup::Found { line, hash } => match verify(server, &hash, password) {
            Verdict::Match => Login::Match { line },
            Verdict::Mismatch => Login::Mismatch { line },
            Verdict::Unverifiable(why) => Login::Unverifiable(why),
        },
    })
}

/// What a resolver gathers on its way: the deciding lines and what it learnt of the
/// credentials. Both servers' resolvers keep one.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub steps: Vec<Step>,
    pub challenge: Option<String>,
    pub password_file: Option<String>,
    pub user: Option<UserCheck>,
    pub fix: Option<String>,
}

impl Trace {
    /// Note a deciding line; a line passed again (an internal redirect, a subrequest) is
    /// said once.
    pub(crate) fn step(&mut self, span: Span, label: impl Into<String>) {
        let step = Step {
            span,
            label: label.into(),
        };
        if !self.steps.contains(&step) {
            self.steps.push(step);
        }
    }

    /// The answer: a status with its `Location` and reason, or why it is unknown. A 401
    /// carries the challenge.
    pub(crate) fn answer(
        self,
        server: Server,
        outcome: Result<(u16, Option<String>, String), String>,
    ) -> Answer {
        let (status, location, reason) = match outcome {
            Ok((401, location, _)) => (
                Some(401),
                location,
                "authentication is required and was not satisfied".to_string(),
            ),
            Ok((status, location, reason)) => (Some(status), location, reason),
            Err(reason) => (None, None, reason),
        };
        Answer {
            server: Some(server),
            status,
            reason,
            challenge: self.challenge.filter(|_| status == Some(401)),
            location,
            steps: self.steps,
            password_file: self.password_file,
            user: self.user,
            fix: self.fix,
        }
    }
}

/// The predicted answer.
#[derive(Clone, Debug, Default)]
pub struct Answer {
    pub server: Option<Server>,
    /// `None`: unknown (see `reason`).
    pub status: Option<u16>,
    pub reason: String,
    /// The `WWW-Authenticate` challenge sent with a 401.
    pub challenge: Option<String>,
    /// The `Location` of a redirect.
    pub location: Option<String>,
    pub steps: Vec<Step>,
    /// The password file the server reads, as the server names it.
    pub password_file: Option<String>,
    pub user: Option<UserCheck>,
    /// The one change that would make the request succeed or be refused.
    pub fix: Option<String>,
}

impl Answer {
    pub fn unknown(reason: impl Into<String>) -> Answer {
        Answer {
            reason: reason.into(),
            ..Answer::default()
        }
    }
}

/// Which server's configuration answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Which {
    Apache,
    Nginx,
    /// The one the input holds.
    Auto,
}

/// Predict the answer to `req` from the model; `findings` are the run's diagnostics (a
/// `.htaccess` Apache cannot parse answers 500).
pub fn why(
    model: &Model,
    findings: &[crate::diag::Diagnostic],
    maps: &PathMap,
    fs: &dyn Fs,
    req: &Request,
    which: Which,
) -> Answer {
    let has_nginx = model.nginx.contexts.iter().any(|c| c.kind == "server");
    let has_apache = !model.apache.roots.is_empty();
    let which = match which {
        Which::Auto if has_nginx && !has_apache => Which::Nginx,
        Which::Auto if has_apache && !has_nginx => Which::Apache,
        Which::Auto if has_nginx => {
            return Answer::unknown(
                "the input holds both Apache and nginx configuration: choose one with --server",
            )
        }
        Which::Auto => return Answer::unknown("the input holds no server configuration"),
        w => w,
    };
    let mut answer = match which {
        Which::Nginx => nginx::resolve(model, maps, fs, req),
        _ => apache::resolve(model, findings, maps, fs, req),
    };
    answer.server = Some(match which {
        Which::Apache => Server::Apache,
        _ => Server::Nginx,
    });
    answer
}

/// The reason phrase of a status.
pub fn status_text(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Not Allowed",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// `GET /private/ -> 401 Unauthorized (nginx)`, or `... -> unknown: REASON`.
pub fn headline(a: &Answer, req: &Request) -> String {
    let server = match a.server {
        Some(Server::Apache) => " (Apache)",
        Some(Server::Nginx) => " (nginx)",
        None => "",
    };
    let mut s = match a.status {
        Some(st) => format!(
            "{} {} -> {st} {}{server}",
            req.method,
            req.target,
            status_text(st)
        ),
        None => format!(
            "{} {} -> unknown{server}: {}",
            req.method, req.target, a.reason
        ),
    };
    if let Some(c) = &a.challenge {
        s.push_str(&format!("\n  WWW-Authenticate: {c}"));
    }
    if let Some(l) = &a.location {
        s.push_str(&format!("\n  Location: {l}"));
    }
    if let Some(f) = &a.password_file {
        s.push_str(&format!("\n  password file: {f}"));
    }
    if let (Some(u), Some((user, _))) = (&a.user, &req.credentials) {
        s.push_str(&format!("\n  user `{user}`: {}", user_text(u)));
    }
    s
}

fn user_text(u: &UserCheck) -> String {
    match u {
        UserCheck::UnknownUser => "not in the password file".into(),
        UserCheck::Match => "the password matches".into(),
        UserCheck::Mismatch => "the password does not match".into(),
        UserCheck::Unverifiable(why) => format!("cannot be verified: {why}"),
    }
}

/// The deciding config lines as one diagnostic (labels in order), for the human renderer.
pub fn to_diagnostic(a: &Answer) -> Option<crate::diag::Diagnostic> {
    use crate::diag::{Diagnostic, Severity};
    let (first, rest) = a.steps.split_first()?;
    let severity = match a.status {
        Some(s) if s >= 500 => Severity::Error,
        Some(s) if s >= 400 => Severity::Warning,
        _ => Severity::Info,
    };
    let message = match a.status {
        Some(s) => format!("{s} {}: {}", status_text(s), a.reason),
        None => format!("unknown: {}", a.reason),
    };
    let mut d = Diagnostic::new("why", "answer", severity, message)
        .at(first.span, format!("1. {}", first.label));
    for (i, s) in rest.iter().enumerate() {
        d = d.label(s.span, format!("{}. {}", i + 2, s.label));
    }
    if let Some(fix) = &a.fix {
        d = d.help(fix.clone());
    }
    Some(d)
}

/// The answer as data: `status` (integer or null), `reason`, and the rest.
pub fn to_json(a: &Answer, req: &Request, sources: &crate::source::SourceMap) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = a
        .steps
        .iter()
        .map(|s| {
            let (file, line) = match sources.get(s.span.file) {
                Some(f) => (f.path.display().to_string(), f.line_col(s.span.start).0),
                None => (String::new(), 0),
            };
            serde_json::json!({ "file": file, "line": line, "label": s.label })
        })
        .collect();
    serde_json::json!({
        "method": req.method,
        "target": req.target,
        "server": a.server.map(|s| match s { Server::Apache => "apache", Server::Nginx => "nginx" }),
        "status": a.status,
        "reason": a.reason,
        "www_authenticate": a.challenge,
        "location": a.location,
        "password_file": a.password_file,
        "user": a.user.as_ref().map(user_text),
        "steps": steps,
        "fix": a.fix,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_parse() {
        let r = Request::parse_url("http://Example.com:8080/a/b?x=1").ok();
        let r = r.as_ref();
        assert_eq!(r.and_then(|r| r.url_host.as_deref()), Some("example.com"));
        assert_eq!(r.and_then(|r| r.port), Some(8080));
        assert_eq!(r.map(|r| r.path()), Some("/a/b"));
        let r = Request::parse_url("https://[::1]/").ok();
        assert_eq!(r.as_ref().and_then(|r| r.port), Some(443));
        assert_eq!(r.as_ref().and_then(|r| r.host()).as_deref(), Some("[::1]"));
        let r = Request::parse_url("/private/").ok();
        assert!(r
            .as_ref()
            .is_some_and(|r| r.url_host.is_none() && r.port.is_none()));
        assert!(Request::parse_url("private").is_err());
        assert!(Request::parse_url("http://h:99999/").is_err());
        assert!(Request::parse_url("http://u:p@h/").is_err());
    }
}
