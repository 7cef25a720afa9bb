//! AL203: another location serves URIs under a protected prefix location, without its auth.
//!
//! For each prefix location with Basic auth in effect, sample URIs under its prefix are made
//! for every location that could take them (the `=`/prefix location's own path; for a
//! regex, the prefix plus common file names and strings built from the regex), and the
//! location matcher says which location really serves each one. A finding needs a sample
//! that the matcher sends, with certainty, to a location outside the protected one whose
//! Basic auth is off and that serves content (no `deny`, `auth_request`, `internal`,
//! `return` or `rewrite` there). Locations nested in the protected one are left to the
//! rules about `auth_basic off` inside a protected area. An `include` left unread where the
//! search goes, a regex the `regex` crate cannot compile, or a variable realm: silence.
//! Samples and selections are bounded per pair and per server, so the rule stays linear.
use crate::model::nginx::{BlockHead, CtxId, Lookup, NgItem, NginxModel};
use crate::model::nginx_match::{location_spec, BasicAuth, LocationMatcher, Modifier, Selected};
use crate::rules::prelude::*;
use crate::source::Span;
use std::collections::{HashMap, HashSet};

pub static RULE: Rule = Rule {
    code: "AL203",
    name: "protected-prefix-bypassed",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Another location serves URIs under a protected prefix location, without its auth",
    why: "nginx picks one location per request: an `=` match, else the longest prefix, and \
          then (unless that prefix has `^~`) the first regex location that matches. Only the \
          chosen location's settings apply; sibling locations inherit nothing from each \
          other. So with `location /admin/ { auth_basic ...; }`, a server-level \
          `location ~ \\.php$` serves `/admin/index.php`, and `location /admin/logs/` or \
          `location = /admin/x` serve their URIs, all without a password.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        root /srv/www;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n        location ~ \\.php$ {\n            fastcgi_pass unix:/run/php/php-fpm.sock;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 80;\n        root /srv/www;\n        location ^~ /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n            location ~ \\.php$ {\n                fastcgi_pass unix:/run/php/php-fpm.sock;\n            }\n        }\n        location ~ \\.php$ {\n            fastcgi_pass unix:/run/php/php-fpm.sock;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_regex_location_beside_protected_prefix",
        "scenario: nginx_exact_location_under_protected_prefix",
        "scenario: nginx_no_regex_location_under_protected_prefix",
        "scenario: nginx_longer_prefix_beside_protected_prefix",
        "scenario: nginx_nested_regex_inherits_auth",
        "scenario: nginx_locations_split_across_includes",
        "scenario: nginx_limit_except_methods",
    ],
    check: Check::Model(check),
};

/// File names tried under a protected prefix for every regex location.
const SUFFIXES: &[&str] = &[
    "x.php",
    "index.php",
    "x.html",
    "x.json",
    "x.txt",
    "x.js",
    "x.css",
    "x.png",
    "x.jpg",
    "x.gif",
    "x.svg",
    "x.ico",
    "x.xml",
    "x.woff2",
    "x.map",
];
/// Sample URIs tried per (protected, other) pair.
const MAX_CANDIDATES: usize = 48;
/// Selections per server; beyond it the server is not searched further.
const SERVER_BUDGET: usize = 4096;
/// Samples built from one regex, and nesting followed inside it.
const MAX_SAMPLES: usize = 16;
const MAX_SAMPLE_DEPTH: usize = 16;
const MAX_SAMPLE_LEN: usize = 512;

/// A location in a server's tree.
struct Loc<'m> {
    id: CtxId,
    modifier: Modifier,
    pattern: &'m str,
    /// The context it is written in (the server or a location).
    parent: CtxId,
    /// Enclosing locations, innermost first.
    ancestors: Vec<CtxId>,
    head: &'m BlockHead,
}

impl Loc<'_> {
    /// `location` and its arguments.
    fn span(&self) -> Span {
        let end = self
            .head
            .args
            .last()
            .map_or(self.head.name.span, |a| a.span);
        self.head.name.span.to(end)
    }
    fn text(&self) -> String {
        std::iter::once(self.head.name.text.as_str())
            .chain(self.head.args.iter().map(|a| a.text.as_str()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Directives that keep a location from serving anyone: other auth modules and the
/// access module's lists.
const OTHER_AUTH: &[&str] = &[
    "auth_request",
    "auth_jwt",
    "auth_pam",
    "auth_gss",
    "auth_ldap",
    "auth_digest",
];

/// What one run of the rule keeps between servers.
struct Run<'m> {
    matcher: LocationMatcher<'m>,
    /// Regex pattern to the sample strings built from it.
    samples: HashMap<&'m str, Vec<String>>,
    /// Which of [`OTHER_AUTH`], `allow` and `deny` appear anywhere in the config: the
    /// others need no lookup.
    present: HashSet<&'m str>,
    /// Location to "serves anyone".
    open: HashMap<CtxId, bool>,
}

fn check(model: &Model, out: &mut Sink) {
    let nginx = &model.nginx;
    let mut present = HashSet::new();
    for ctx in &nginx.contexts {
        for item in &ctx.items {
            if let NgItem::Directive(s) = item {
                let name = s.name.text.as_str();
                if OTHER_AUTH.contains(&name) || name == "allow" || name == "deny" {
                    present.insert(name);
                }
            }
        }
    }
    let mut run = Run {
        matcher: super::matcher(model),
        samples: HashMap::new(),
        present,
        open: HashMap::new(),
    };
    for (server, ctx) in nginx.contexts.iter().enumerate() {
        if ctx.kind == "server" {
            check_server(&mut run, server, out);
        }
    }
}

fn check_server(run: &mut Run<'_>, server: CtxId, out: &mut Sink) {
    let locs = locations(run.matcher.model(), server);
    let mut protected: Vec<&Loc> = Vec::new();
    for l in &locs {
        if matches!(l.modifier, Modifier::Prefix | Modifier::NoRegex)
            && run.matcher.basic_auth(l.id) == BasicAuth::On
        {
            protected.push(l);
        }
    }
    if protected.is_empty() {
        return;
    }
    let mut budget = SERVER_BUDGET;
    // (escaping, protected) pairs reported: a location nested in a protected one that
    // loses URIs to the same location is not reported again.
    let mut pairs: HashSet<(CtxId, CtxId)> = HashSet::new();
    for p in protected {
        let mut reported: HashSet<CtxId> = pairs
            .iter()
            .filter(|(_, q)| p.ancestors.contains(q))
            .map(|(esc, _)| *esc)
            .collect();
        for other in &locs {
            if budget == 0 {
                return;
            }
            if other.id == p.id
                || other.ancestors.contains(&p.id)
                || p.ancestors.contains(&other.id)
                || reported.contains(&other.id)
                || !could_take(p, other, server)
                || !serves_openly(run, other.id)
            {
                continue;
            }
            let is_regex = other.modifier.is_regex();
            // Taken out of the cache while in use, put back below.
            let samples = match is_regex {
                true => run
                    .samples
                    .remove(other.pattern)
                    .unwrap_or_else(|| regex_samples(other.pattern)),
                false => Vec::new(),
            };
            let fixed = [other.pattern.to_string()];
            let mut regex_uris;
            let uris: &mut dyn Iterator<Item = String> = if is_regex {
                regex_uris = RegexCandidates {
                    prefix: p.pattern,
                    samples: &samples,
                    next: 0,
                };
                &mut regex_uris
            } else {
                &mut fixed.into_iter()
            };
            let mut tried: Vec<String> = Vec::new();
            for uri in uris {
                if budget == 0 || tried.len() >= MAX_CANDIDATES {
                    break;
                }
                if tried.contains(&uri) {
                    continue;
                }
                if is_regex && run.matcher.regex_matches(other.id, &uri) != Some(true) {
                    continue;
                }
                budget -= 1;
                let Selected::Location(chosen) = run.matcher.select(server, &uri) else {
                    tried.push(uri);
                    continue;
                };
                let esc = locs.iter().find(|l| l.id == chosen);
                let Some(esc) = esc else {
                    tried.push(uri);
                    continue;
                };
                if chosen == p.id
                    || esc.ancestors.contains(&p.id)
                    || reported.contains(&chosen)
                    || !serves_openly(run, chosen)
                {
                    tried.push(uri);
                    continue;
                }
                reported.insert(chosen);
                pairs.insert((chosen, p.id));
                let d = finding(out, p, esc, &uri);
                out.emit(d);
                break;
            }
            if is_regex {
                run.samples.insert(other.pattern, samples);
            }
        }
    }
}

/// Could `other` serve URIs under the prefix of `p`, by the shape of the two?
fn could_take(p: &Loc, other: &Loc, server: CtxId) -> bool {
    let prefix = p.pattern;
    match other.modifier {
        Modifier::Named => false,
        Modifier::Exact => other.pattern.starts_with(prefix),
        Modifier::Prefix | Modifier::NoRegex => {
            other.pattern.len() > prefix.len() && other.pattern.starts_with(prefix)
        }
        // Only regexes at the server level or around the protected location are tried
        // for its URIs (its own nested ones are its children).
        Modifier::Regex | Modifier::RegexCaseless => {
            other.parent == server || p.ancestors.contains(&other.parent)
        }
    }
}

fn finding(out: &Sink, p: &Loc, esc: &Loc, uri: &str) -> crate::diag::Diagnostic {
    let (p_text, esc_text) = (p.text(), esc.text());
    let top_level_prefix = p.ancestors.is_empty() && p.modifier == Modifier::Prefix;
    let help = if esc.modifier.is_regex() && top_level_prefix {
        format!(
            "write `location ^~ {} {{ ... }}` with a copy of `{esc_text}` nested inside it, so requests under the prefix never reach the outer regex and the nested one inherits the auth",
            p.pattern
        )
    } else {
        format!(
            "nest `{esc_text}` inside `{p_text}` so it inherits the auth, or give it its own `auth_basic` and `auth_basic_user_file`"
        )
    };
    out.diag(format!(
        "`{uri}` is served by `{esc_text}` without the password that `{p_text}` asks for"
    ))
    .at(esc.span(), format!("serves `{uri}` to anyone"))
    .label(
        p.span(),
        "auth applies only to the requests this location serves",
    )
    .help(help)
}

/// Every location of a server, depth first in config order, with its enclosing locations.
fn locations(nginx: &NginxModel, server: CtxId) -> Vec<Loc<'_>> {
    let mut out = Vec::new();
    let mut stack: Vec<(CtxId, Vec<CtxId>)> = vec![(server, Vec::new())];
    while let Some((level, ancestors)) = stack.pop() {
        let Some(ctx) = nginx.context(level) else {
            continue;
        };
        let mut children = Vec::new();
        for item in &ctx.items {
            let NgItem::Context(id) = item else { continue };
            let Some(c) = nginx.context(*id) else {
                continue;
            };
            if c.kind != "location" {
                continue;
            }
            let Some(head) = c.head.as_ref() else {
                continue;
            };
            let Some(spec) = location_spec(head) else {
                continue;
            };
            out.push(Loc {
                id: *id,
                modifier: spec.modifier,
                pattern: spec.pattern,
                parent: level,
                ancestors: ancestors.clone(),
                head,
            });
            let mut inner = vec![*id];
            inner.extend(ancestors.iter().copied());
            children.push((*id, inner));
        }
        // Reversed so that the stack pops them in config order.
        stack.extend(children.into_iter().rev());
    }
    out
}

/// Known to serve content to anyone: Basic auth is off and nothing else in the location
/// (or inherited) restricts or diverts the request.
fn serves_openly(run: &mut Run<'_>, loc: CtxId) -> bool {
    if let Some(known) = run.open.get(&loc) {
        return *known;
    }
    let open = compute_open(run, loc);
    run.open.insert(loc, open);
    open
}

fn compute_open(run: &mut Run<'_>, loc: CtxId) -> bool {
    let m = &mut run.matcher;
    // An include left unread here or around could set auth.
    if !m.sees_all(loc) || m.basic_auth(loc) != BasicAuth::Off {
        return false;
    }
    // `auth_basic off;` written here: deliberately public. `internal`, `return` and
    // `rewrite` answer or move the request before content is served.
    for name in ["auth_basic", "internal", "return", "rewrite"] {
        if !m.directives_in(loc, name).is_empty() {
            return false;
        }
    }
    for name in OTHER_AUTH.iter().filter(|n| run.present.contains(*n)) {
        match m.lookup(loc, name) {
            Lookup::NotSet => {}
            Lookup::Found(v)
                if v.iter()
                    .all(|s| s.args.first().is_some_and(|a| a.text == "off")) => {}
            _ => return false,
        }
    }
    if !run.present.contains("allow") && !run.present.contains("deny") {
        return true;
    }
    !denies(m, loc)
}

/// Could the access module refuse someone here? `allow`/`deny` form one array, inherited
/// only by levels that set neither.
fn denies(m: &mut LocationMatcher<'_>, loc: CtxId) -> bool {
    let nginx = m.model();
    let mut cur = Some(loc);
    let mut guard = 0;
    while let Some(id) = cur {
        guard += 1;
        if guard > 1024 {
            return true;
        }
        if !m.directives_in(id, "deny").is_empty() {
            return true;
        }
        if !m.directives_in(id, "allow").is_empty() {
            return false;
        }
        let Some(ctx) = nginx.context(id) else {
            return true;
        };
        if ctx.kind == "snippet" {
            return true; // the unseen includer may deny
        }
        cur = ctx.parent;
    }
    false
}

/// Sample URIs under a protected prefix for a regex location, made one at a time (most
/// searches end at the first): the prefix itself, the prefix plus common file names, then
/// strings built from the regex, placed under the prefix.
struct RegexCandidates<'a> {
    prefix: &'a str,
    samples: &'a [String],
    next: usize,
}

impl Iterator for RegexCandidates<'_> {
    type Item = String;
    fn next(&mut self) -> Option<String> {
        let prefix = self.prefix;
        loop {
            let i = self.next;
            self.next += 1;
            let uri = if i == 0 {
                prefix.to_string()
            } else if let Some(s) = SUFFIXES.get(i - 1) {
                format!("{prefix}{s}")
            } else {
                let k = i - 1 - SUFFIXES.len();
                let s = self.samples.get(k / 4)?;
                let tail = s.trim_start_matches('/');
                match k % 4 {
                    0 if s.starts_with('/') => s.clone(),
                    0 => continue,
                    1 => format!("{prefix}{tail}"),
                    2 => format!("{prefix}x{tail}"),
                    _ => format!("{prefix}x/{tail}"),
                }
            };
            if uri.starts_with(prefix) && normalised(&uri) {
                return Some(uri);
            }
        }
    }
}

/// A URI as nginx matches it: absolute, no `//`, no `.`/`..` segment, printable ASCII.
fn normalised(uri: &str) -> bool {
    uri.starts_with('/')
        && uri.len() <= MAX_SAMPLE_LEN
        && uri.bytes().all(|b| b.is_ascii_graphic())
        && !uri.contains("//")
        && !uri.split('/').any(|seg| seg == "." || seg == "..")
}

/// A few strings the regex likely matches, built from its literal parts: the first
/// alternatives, one repetition of `+`, none and one of `*`/`?`, a letter for `.` and
/// classes. Not exact: every sample is checked against the compiled regex afterwards.
fn regex_samples(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut pos = 0;
    let mut samples = alternation(&chars, &mut pos, 0).unwrap_or_default();
    samples.retain(|s| !s.is_empty());
    samples.truncate(MAX_SAMPLES);
    samples
}

type Samples = Vec<String>;

fn product(a: &Samples, b: &Samples) -> Samples {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            if out.len() >= MAX_SAMPLES {
                return out;
            }
            if x.len() + y.len() <= MAX_SAMPLE_LEN {
                out.push(format!("{x}{y}"));
            }
        }
    }
    out
}

/// `a|b|c` up to a `)` or the end.
fn alternation(chars: &[char], pos: &mut usize, depth: usize) -> Option<Samples> {
    if depth > MAX_SAMPLE_DEPTH {
        return None;
    }
    let mut all = sequence(chars, pos, depth)?;
    while chars.get(*pos) == Some(&'|') {
        *pos += 1;
        let more = sequence(chars, pos, depth)?;
        all.extend(more);
    }
    all.truncate(MAX_SAMPLES);
    Some(all)
}

fn sequence(chars: &[char], pos: &mut usize, depth: usize) -> Option<Samples> {
    let mut acc: Samples = vec![String::new()];
    while let Some(&c) = chars.get(*pos) {
        if c == '|' || c == ')' {
            break;
        }
        let atom = atom(chars, pos, depth)?;
        let atom = quantified(chars, pos, atom)?;
        acc = product(&acc, &atom);
        if acc.is_empty() {
            return None;
        }
    }
    Some(acc)
}

fn atom(chars: &[char], pos: &mut usize, depth: usize) -> Option<Samples> {
    let c = *chars.get(*pos)?;
    *pos += 1;
    let one = |s: &str| Some(vec![s.to_string()]);
    match c {
        '^' | '$' => one(""),
        '.' => one("x"),
        '(' => {
            if chars.get(*pos) == Some(&'?') {
                // (?:...), (?i), (?P<n>...), (?<n>...); lookarounds and the rest: give up.
                *pos += 1;
                match chars.get(*pos) {
                    Some(':') => *pos += 1,
                    Some('P') | Some('<') => {
                        if chars.get(*pos) == Some(&'P') {
                            *pos += 1;
                        }
                        if chars.get(*pos) != Some(&'<') {
                            return None;
                        }
                        let close = chars[*pos..].iter().position(|&x| x == '>')?;
                        let name = &chars[*pos + 1..*pos + close];
                        if name.is_empty() || name.iter().any(|c| matches!(c, '=' | '!')) {
                            return None; // a lookbehind
                        }
                        *pos += close + 1;
                    }
                    _ => {
                        // Inline flags: (?i) or (?i:...).
                        while chars
                            .get(*pos)
                            .is_some_and(|c| c.is_ascii_alphabetic() || *c == '-')
                        {
                            *pos += 1;
                        }
                        match chars.get(*pos) {
                            Some(')') => {
                                *pos += 1;
                                return one("");
                            }
                            Some(':') => *pos += 1,
                            _ => return None,
                        }
                    }
                }
            }
            let inner = alternation(chars, pos, depth + 1)?;
            if chars.get(*pos) != Some(&')') {
                return None;
            }
            *pos += 1;
            Some(inner)
        }
        '[' => class(chars, pos),
        '\\' => {
            let e = *chars.get(*pos)?;
            *pos += 1;
            match e {
                'd' => one("1"),
                'w' => one("x"),
                'b' | 'B' | 'A' | 'z' | 'Z' | 'G' => one(""),
                'D' | 'W' | 'S' => one("-"),
                c if c.is_ascii_alphanumeric() => None,
                c => Some(vec![c.to_string()]),
            }
        }
        '*' | '+' | '?' | '{' => None,
        c => Some(vec![c.to_string()]),
    }
}

/// `[...]`: one member (the first literal, or a letter not excluded by `[^...]`).
fn class(chars: &[char], pos: &mut usize) -> Option<Samples> {
    let negated = chars.get(*pos) == Some(&'^');
    if negated {
        *pos += 1;
    }
    let mut members: Vec<char> = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(*pos)?;
        *pos += 1;
        match c {
            ']' if !first => break,
            '[' if chars.get(*pos) == Some(&':') => {
                let close = chars[*pos..].iter().position(|&x| x == ']')?;
                let name: String = chars[*pos + 1..*pos + close].iter().collect();
                *pos += close + 1;
                members.push(match name.trim_end_matches(':') {
                    "digit" => '1',
                    "alpha" | "alnum" | "lower" | "word" => 'x',
                    "upper" => 'X',
                    _ => '-',
                });
            }
            '\\' => {
                let e = *chars.get(*pos)?;
                *pos += 1;
                members.push(match e {
                    'd' => '1',
                    'w' => 'x',
                    c if c.is_ascii_alphanumeric() => return None,
                    c => c,
                });
            }
            c => members.push(c),
        }
        first = false;
    }
    if negated {
        let pick = ['x', 'a', '1', '_']
            .into_iter()
            .find(|c| !members.contains(c))?;
        return Some(vec![pick.to_string()]);
    }
    let pick = *members.first()?;
    Some(vec![pick.to_string()])
}

/// Apply a following `*`, `+`, `?` or `{n,m}` (and a lazy or possessive mark).
fn quantified(chars: &[char], pos: &mut usize, atom: Samples) -> Option<Samples> {
    let (min, max_one) = match chars.get(*pos) {
        Some('*') => (0, true),
        Some('+') => (1, false),
        Some('?') => (0, true),
        Some('{') => {
            let close = chars[*pos..].iter().position(|&x| x == '}')?;
            let body: String = chars[*pos + 1..*pos + close].iter().collect();
            let n: usize = body.split(',').next()?.trim().parse().ok()?;
            if n > 8 {
                return None;
            }
            *pos += close;
            (n, false)
        }
        _ => return Some(atom),
    };
    *pos += 1;
    if matches!(chars.get(*pos), Some('?') | Some('+')) {
        *pos += 1;
    }
    let mut rep: Samples = vec![String::new()];
    for _ in 0..min {
        rep = product(&rep, &atom);
    }
    if max_one && min == 0 {
        rep.extend(atom);
        rep.truncate(MAX_SAMPLES);
    }
    Some(rep)
}

#[cfg(test)]
mod tests {
    use super::regex_samples;
    use crate::rules::testing::{fires, silent};

    fn conf(server: &str) -> String {
        format!("events {{}}\nhttp {{\n server {{\n  listen 80;\n  location /admin/ {{ auth_basic A; auth_basic_user_file /u; }}\n{server}\n }}\n}}\n")
    }

    #[test]
    fn regex_at_server_level_fires_and_names_the_uri() {
        let found = fires(
            &super::RULE,
            &[("nginx.conf", &conf("location ~ \\.php$ { }"))],
        );
        assert!(
            found[0].message.contains("`/admin/x.php`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn exact_longer_prefix_and_no_regex_locations_fire() {
        for l in [
            "location = /admin/stats { }",
            "location /admin/logs/ { }",
            "location ^~ /admin/static/ { }",
        ] {
            fires(&super::RULE, &[("nginx.conf", &conf(l))]);
        }
    }

    #[test]
    fn own_auth_deny_internal_return_and_unrelated_regexes_are_silent() {
        for l in [
            "location ~ \\.php$ { auth_basic B; auth_basic_user_file /v; }",
            "location ~ /\\.ht { deny all; }",
            "location = /admin/x { internal; }",
            "location = /admin/x { return 404; }",
            "location ~ ^/api/ { }",
            "location /adminx/ { }",
            "location ~ \\.php$ { auth_request /auth; }",
            "location /admin/public/ { auth_basic off; }",
            "location @fallback { }",
        ] {
            silent(&super::RULE, &[("nginx.conf", &conf(l))]);
        }
    }

    #[test]
    fn no_regex_prefix_and_nested_regex_are_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { location ^~ /admin/ { auth_basic A; auth_basic_user_file /u;\n\
                 location ~ \\.php$ { } } location ~ \\.php$ { } } }\n",
            )],
        );
    }

    #[test]
    fn server_level_auth_inherited_by_the_regex_is_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { auth_basic A; auth_basic_user_file /u;\n\
                 location /admin/ { } location ~ \\.php$ { } } }\n",
            )],
        );
    }

    #[test]
    fn pcre_lookahead_is_matched_and_a_broken_regex_is_silent() {
        // PCRE-only syntax is matched as nginx matches it.
        fires(
            &super::RULE,
            &[("nginx.conf", &conf("location ~ ^/(?!api)(.*)\\.php$ { }"))],
        );
        silent(
            &super::RULE,
            &[("nginx.conf", &conf("location ~ ^/(?!admin)(.*)\\.php$ { }"))],
        );
        // nginx refuses to start on it; which location would serve is not a question.
        silent(
            &super::RULE,
            &[("nginx.conf", &conf("location ~ ^/(.*\\.php$ { }"))],
        );
    }

    #[test]
    fn server_snippet_is_read_inside_the_assumed_stock_http_block() {
        fires(
            &super::RULE,
            &[(
                "site.conf",
                "server { location /admin/ { auth_basic A; auth_basic_user_file /u; }\n\
                 location ~ \\.php$ { } }\n",
            )],
        );
    }

    #[test]
    fn locations_without_a_known_server_are_silent() {
        silent(
            &super::RULE,
            &[(
                "locations.conf",
                "location /admin/ { auth_basic A; auth_basic_user_file /u; }\n\
                 location ~ \\.php$ { }\n",
            )],
        );
    }

    #[test]
    fn include_not_followed_in_the_server_is_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("include /nowhere/locations.conf;\nlocation ~ \\.php$ { }"),
            )],
        );
    }

    #[test]
    fn stock_parameter_include_not_followed_still_fires() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location ~ \\.php$ { include fastcgi_params; fastcgi_pass unix:/s; }"),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location ~ \\.php$ { include snippets/auth.conf; fastcgi_pass unix:/s; }"),
            )],
        );
    }

    #[test]
    fn include_not_followed_in_an_exact_location_is_silent() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location = /admin/x { include /nowhere/auth.conf; }"),
            )],
        );
    }

    #[test]
    fn nested_protected_prefix_is_not_reported_twice() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                "events {}\nhttp { server { location /a/ { auth_basic A; auth_basic_user_file /u;\n\
                 location /a/b/ { } } location ~ \\.php$ { } } }\n",
            )],
        );
        assert_eq!(found.len(), 1, "{found:?}");
    }

    #[test]
    fn regex_literals_give_samples() {
        let s = regex_samples("^/admin/(stats|logs)/.*\\.json$");
        assert!(s.contains(&"/admin/stats/.json".to_string()), "{s:?}");
        assert!(s.contains(&"/admin/logs/x.json".to_string()), "{s:?}");
        assert!(regex_samples("(?<=x)a").is_empty());
        let s = regex_samples("\\.(jpe?g|png)$");
        assert!(s.iter().any(|x| x.ends_with(".jpg")), "{s:?}");
    }

    #[test]
    fn regex_reaching_into_the_prefix_by_its_literals_fires() {
        fires(
            &super::RULE,
            &[(
                "nginx.conf",
                &conf("location ~ ^/admin/(reports|exports)/ { }"),
            )],
        );
    }
}
