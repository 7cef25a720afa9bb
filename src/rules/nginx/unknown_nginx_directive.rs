//! AL210: a directive name that no module in the nginx documentation defines.
//!
//! nginx looks every name up in its modules' command tables while reading the config; an
//! unknown one makes `nginx -t` fail with `unknown directive "auth_basic_user_fle"`, and the
//! server refuses to start or reload. Names are checked against `data/nginx-directives.tsv`
//! (every module on nginx.org, including njs and the commercial ones), case-sensitively, as
//! nginx compares them.
//!
//! Third-party modules (lua, headers-more, upload-progress, ...) define names the table
//! cannot know, loaded from Debian's libnginx-mod-* packages or built in (the corpus has a
//! Drupal config that `nginx -t` accepts with `upload_progress`). So only near misses of
//! known names are reported: those are typos either way. Bodies nginx does not read as
//! directives (`map`, `geo`, `types`, `split_clients`, `charset_map`, `match`, and the blocks
//! of unknown block directives) are skipped, as are names inside an AL001 syntax error.
use crate::diag::Diagnostic;
use crate::model::directives::{nginx, nginx_is_context};
use crate::model::nginx::{NgItem, NginxModel};
use crate::rules::prelude::*;
use crate::source::Span;
use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

pub static RULE: Rule = Rule {
    code: "AL210",
    name: "unknown-nginx-directive",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A misspelt directive that no nginx module defines, so nginx refuses to start",
    why: "nginx rejects a directive name that none of its modules defines, usually a typo such \
          as `auth_basic_user_fle` or `Auth_basic` (names are case-sensitive): `nginx -t` \
          fails with `unknown directive \"auth_basic_user_fle\"` and the server refuses to \
          start or reload. authlint knows every directive in the nginx documentation and reports \
          names close to one of them (a typo either way); a name far from all of them is \
          taken for a third-party module's directive (Debian's libnginx-mod-* packages, or a \
          module built in) and left alone.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_fle /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    map $http_upgrade $connection_upgrade {\n        default upgrade;\n        '' close;\n    }\n    server {\n        listen 443 ssl;\n        location /admin/ {\n            auth_basic \"Admin\";\n            auth_basic_user_file /etc/nginx/admin.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &["scenario: nginx_unknown_directive"],
    check: Check::Model(check),
};

const TABLE: &str = include_str!("../../../data/nginx-directives.tsv");

/// Every directive name in the documentation's table, once each.
fn names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out: Vec<&'static str> = TABLE
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next())
            .filter(|n| !n.is_empty())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    })
}

/// How many unknown names per run get a did-you-mean (each costs a pass over the table).
const MAX_SUGGESTIONS: usize = 500;

/// The known name closest to `typed` within a few edits (case differences count as one).
fn did_you_mean(typed: &str) -> Option<&'static str> {
    let lower = typed.to_ascii_lowercase();
    let len = lower.chars().count();
    let max_edits = (len / 4).max(1);
    let mut best: Option<(usize, &'static str)> = None;
    for candidate in names() {
        if candidate.len().abs_diff(lower.len()) > max_edits {
            continue;
        }
        let mut edits = strsim::osa_distance(&lower, candidate);
        if edits == 0 {
            edits = 1; // differs only in case
        }
        if edits <= max_edits && best.is_none_or(|(b, _)| edits < b) {
            best = Some((edits, candidate));
        }
    }
    best.map(|(_, n)| n)
}

/// FNV-1a: directive names are short and trusted enough (a hostile config can only slow its
/// own lint), so SipHash's cost per name is not worth paying tens of thousands of times.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// Contexts whose items nginx reads as directives: the main context, snippet tops, and the
/// blocks the documentation names as contexts, when every block around them is one too.
fn checked_contexts(ng: &NginxModel) -> Vec<bool> {
    let mut out: Vec<bool> = Vec::with_capacity(ng.contexts.len());
    for ctx in &ng.contexts {
        let own = ctx.kind == "main" || ctx.kind == "snippet" || nginx_is_context(&ctx.kind);
        // Parents come before their children in the model.
        let parent_ok = ctx
            .parent
            .is_none_or(|p| out.get(p).copied().unwrap_or(false));
        out.push(own && parent_ok);
    }
    out
}

fn check(model: &Model, out: &mut Sink) {
    let ng = &model.nginx;
    let syntax_errors: Vec<Span> = model
        .diagnostics
        .iter()
        .filter(|d| d.code == "AL001")
        .flat_map(|d| d.primary.iter().chain(d.labels.iter()).map(|l| l.span))
        .collect();
    let checked = checked_contexts(ng);
    let mut seen: BTreeSet<Span> = BTreeSet::new();
    let mut suggested = 0;
    // A config repeats a few dozen names: ask the table once per name, through a cheap hash.
    let mut known: HashMap<&str, bool, BuildHasherDefault<Fnv>> = HashMap::default();
    for (id, ctx) in ng.contexts.iter().enumerate() {
        if !checked.get(id).copied().unwrap_or(false) {
            continue;
        }
        for item in &ctx.items {
            let word = match item {
                NgItem::Directive(s) => &s.name,
                NgItem::Context(c) => match ng.context(*c).and_then(|c| c.head.as_ref()) {
                    Some(h) => &h.name,
                    None => continue,
                },
            };
            let name = word.text.as_str();
            let span = word.span;
            let is_known = *known.entry(name).or_insert_with(|| !nginx(name).is_empty());
            if is_known {
                continue;
            }
            if syntax_errors
                .iter()
                .any(|e| e.file == span.file && e.start < span.end && span.start < e.end)
            {
                continue; // already an AL001
            }
            if !seen.insert(span) {
                continue; // the same file included twice
            }
            suggested += 1;
            let guess = if suggested <= MAX_SUGGESTIONS {
                did_you_mean(name)
            } else {
                None
            };
            let refused = format!("nginx refuses to start (unknown directive \"{name}\")");
            let d: Diagnostic = match guess {
                Some(g) => out
                    .diag(format!("no nginx module defines `{name}`: {refused}"))
                    .at(span, format!("did you mean `{g}`?"))
                    .help(format!("replace `{name}` with `{g}`")),
                // Not near any known name: a third-party module's directive (Debian
                // ships a dozen as libnginx-mod-*, others are built in), not a typo.
                None => continue,
            };
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(http: &str) -> String {
        format!("events {{}}\nhttp {{\n{http}\n}}\n")
    }

    #[test]
    fn typos_get_a_suggestion() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { location / { auth_basic_user_fle u; } }").as_str(),
            )],
        );
        let label = &found[0].primary.as_ref().map(|p| p.text.clone());
        assert_eq!(
            label.as_deref(),
            Some("did you mean `auth_basic_user_file`?")
        );
        let found = fires(
            &super::RULE,
            &[("nginx.conf", conf("server { Auth_Basic x; }").as_str())],
        );
        assert!(found[0]
            .primary
            .as_ref()
            .is_some_and(|p| p.text.contains("`auth_basic`")));
    }

    #[test]
    fn special_bodies_and_known_names_are_skipped() {
        silent(
            &super::RULE,
            &[(
                "nginx.conf",
                conf(
                    "map $a $b { default x; foo bar; }\ntypes { text/html html; }\n\
                      geo $g { default 0; 10.0.0.0/8 1; }\nserver { location / { } }",
                )
                .as_str(),
            )],
        );
    }

    #[test]
    fn third_party_modules_leave_only_typos() {
        let text = "load_module modules/ngx_http_headers_more_filter_module.so;\nevents {}\n\
                    http { server { more_set_headers 'X: y'; auth_basic_user_fle u; } }\n";
        let found = fires(&super::RULE, &[("nginx.conf", text)]);
        assert_eq!(found.len(), 1, "{:?}", found);
        let text =
            "events {}\nhttp { server { location / { content_by_lua_block { ngx.say(1) } } } }\n";
        silent(&super::RULE, &[("nginx.conf", text)]);
        // Far from every known name: a module's directive, even without load_module.
        let text =
            "events {}\nhttp { server { more_set_headers 'X: y'; upload_progress u 1m; } }\n";
        silent(&super::RULE, &[("nginx.conf", text)]);
    }

    #[test]
    fn unknown_block_is_reported_once_and_its_body_skipped() {
        let found = fires(
            &super::RULE,
            &[(
                "nginx.conf",
                conf("server { locatoin /x { whatever 1; } }").as_str(),
            )],
        );
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn snippets_are_checked_too() {
        fires(
            &super::RULE,
            &[("site.conf", "location / {\n    auth_basic_user_fle u;\n}\n")],
        );
    }
}
