//! AL219: a regular expression nginx's PCRE2 does not compile: nginx refuses to start.
//!
//! Patterns are compiled with PCRE2 and nginx's options ([`crate::model::pcre`]) where nginx
//! compiles them at start-up: `location ~`/`~*`, `if (... ~ ...)`, `rewrite`, `server_name
//! ~`, `fastcgi_split_path_info` and `~` keys of `map`. A pattern with a variable is
//! compiled as written too: nginx does not expand variables in these patterns.
use crate::model::nginx::{NgItem, NginxModel};
use crate::model::nginx_match::{location_spec, Modifier};
use crate::model::pcre::{self, Flavor};
use crate::rules::prelude::*;
use crate::source::Span;
use crate::syntax::Word;

pub static RULE: Rule = Rule {
    code: "AL219",
    name: "nginx-invalid-regex",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A regular expression nginx cannot compile: nginx refuses to start",
    why: "nginx compiles every regex of its configuration with PCRE2 when it starts (or \
          reloads): location regexes, `if` conditions, `rewrite`, `server_name ~`, \
          `map` keys. One that does not compile stops it with `pcre2_compile() failed: \
          ...`, and `nginx -s reload` keeps the old configuration, so the change never goes \
          live. An unbalanced parenthesis or a dangling quantifier is enough.",
    bad: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location ~ ^/(admin|staff/ {\n            auth_basic \"Staff\";\n            auth_basic_user_file /etc/nginx/staff.htpasswd;\n        }\n    }\n}\n",
    }]],
    good: &[&[Example {
        path: "nginx.conf",
        text: "events {}\nhttp {\n    server {\n        listen 443 ssl;\n        location ~ ^/(admin|staff)/ {\n            auth_basic \"Staff\";\n            auth_basic_user_file /etc/nginx/staff.htpasswd;\n        }\n    }\n}\n",
    }]],
    evidence: &[
        "scenario: nginx_invalid_location_regex",
        "scenario: nginx_pcre_lookahead_location_healthy",
    ],
    check: Check::Model(check),
};

/// A pattern nginx compiles, where it is written.
struct Pattern<'a> {
    text: &'a str,
    /// The word holding it (a `~` prefix of `server_name` or `map` is part of the word).
    word: &'a Word,
    caseless: bool,
    what: &'static str,
}

/// The regex of an `if` condition: the word after `~`, `~*`, `!~` or `!~*`, without the
/// `)` that closes the condition when it is glued to it.
fn if_pattern(args: &[Word]) -> Option<Pattern<'_>> {
    let op = args
        .iter()
        .position(|a| matches!(a.text.as_str(), "~" | "~*" | "!~" | "!~*"))?;
    let word = args.get(op + 1)?;
    let last = op + 2 >= args.len();
    let text = match word.text.strip_suffix(')') {
        Some(t) if last && !word.quoted => t,
        _ => word.text.as_str(),
    };
    Some(Pattern {
        text,
        word,
        caseless: args.get(op).is_some_and(|a| a.text.ends_with('*')),
        what: "`if` condition",
    })
}

fn patterns(ng: &NginxModel) -> Vec<Pattern<'_>> {
    let mut out = Vec::new();
    for ctx in &ng.contexts {
        if let Some(head) = &ctx.head {
            match ctx.kind.as_str() {
                "location" => {
                    let spec = location_spec(head);
                    let caseless =
                        spec.as_ref().map(|s| s.modifier) == Some(Modifier::RegexCaseless);
                    let regex = spec.as_ref().is_some_and(|s| s.modifier.is_regex());
                    if let (true, Some(s), Some(word)) = (regex, &spec, head.args.last()) {
                        out.push(Pattern {
                            text: s.pattern,
                            word,
                            caseless,
                            what: "location regex",
                        });
                    }
                }
                "if" => out.extend(if_pattern(&head.args)),
                _ => {}
            }
        }
        for item in &ctx.items {
            let NgItem::Directive(s) = item else { continue };
            match (ctx.kind.as_str(), s.name.text.as_str()) {
                (_, "rewrite") | (_, "fastcgi_split_path_info") => {
                    if let Some(word) = s.args.first() {
                        out.push(Pattern {
                            text: &word.text,
                            word,
                            caseless: false,
                            what: "regex",
                        });
                    }
                }
                (_, "server_name") => {
                    for word in &s.args {
                        if let Some(text) = word.text.strip_prefix('~') {
                            out.push(Pattern {
                                text,
                                word,
                                caseless: false,
                                what: "server name regex",
                            });
                        }
                    }
                }
                ("map", key) if key.starts_with('~') => {
                    let (text, caseless) = match key.strip_prefix("~*") {
                        Some(t) => (t, true),
                        None => (&key[1..], false),
                    };
                    out.push(Pattern {
                        text,
                        word: &s.name,
                        caseless,
                        what: "map key regex",
                    });
                }
                _ => {}
            }
        }
    }
    out
}

fn check(model: &Model, out: &mut Sink) {
    for p in patterns(&model.nginx) {
        let Err(e) = pcre::compile(p.text, Flavor::Nginx, p.caseless) else {
            continue;
        };
        // Point at the offset PCRE2 names when the pattern is written verbatim in the word.
        let span = p.word.span;
        let source = model.sources.get(span.file).map_or("", |f| f.slice(span));
        let label_span = match (e.offset, source.find(p.text)) {
            (Some(off), Some(lead)) => {
                let at =
                    (span.start as usize + lead + off).min(span.end.saturating_sub(1) as usize);
                Span::new(span.file, at, at + 1)
            }
            _ => span,
        };
        let d = out
            .diag(format!(
                "this {} does not compile (`{}`): nginx refuses to start (pcre2_compile() failed)",
                p.what, e.message
            ))
            .at(label_span, e.message.clone())
            .label(span, "the pattern")
            .help("fix the pattern (balance the parentheses and brackets, escape a literal `(`, `[`, `*` or `+` with `\\`); `nginx -t` shows the same error");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(server: &str) -> String {
        format!("events {{}}\nhttp {{\nmap $uri $m {{ default 0; ~^/a(b 1; }}\nserver {{\n{server}\n}}\n}}\n")
    }

    #[test]
    fn every_place_nginx_compiles_a_regex() {
        for bad in [
            "location ~ ^/(x { }",
            "location ~* \\.(php { }",
            "if ($http_user_agent ~* \"(bot|crawl\") { return 403; }",
            "rewrite ^/old/(.*$ /new/$1 last;",
            "server_name ~^(www\\.)?(.+$;",
            "location ~ \\.php$ { fastcgi_split_path_info ^(.+\\.php)(/.+$; }",
        ] {
            let text = format!("events {{}}\nhttp {{\nserver {{\n{bad}\n}}\n}}\n");
            fires(&super::RULE, &[("nginx.conf", text.as_str())]);
        }
        // The map key of conf() itself.
        fires(&super::RULE, &[("nginx.conf", conf("").as_str())]);
    }

    #[test]
    fn pcre_syntax_nginx_accepts_is_silent() {
        for good in [
            "location ~ ^/(?!api)(.*)\\.php$ { }",
            "location ~ ^/(a)\\1$ { }",
            "if ($uri ~ ^/x(y)) { return 404; }",
            "if ($uri ~ ^/x(y) ) { return 404; }",
            "server_name ~^(?<sub>.+)\\.example\\.com$;",
            "location /a(b { }",
        ] {
            let text = format!("events {{}}\nhttp {{\nserver {{\n{good}\n}}\n}}\n");
            silent(&super::RULE, &[("nginx.conf", text.as_str())]);
        }
    }
}
