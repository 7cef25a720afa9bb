//! AL121: a `RewriteRule` or `RewriteCond` flag argument mod_rewrite cannot parse.
use super::rewrite_support::{
    live_scopes, mod_rewrite_args, parse_failure, rewrite_directives, span_in_word,
};
use crate::model::rewrite::{known_flags, parse_cond_flags, parse_rule_flags, FlagsProblem};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;
use crate::syntax::Word;

pub static RULE: Rule = Rule {
    code: "AL121",
    name: "rewrite-flags-invalid",
    severity: Severity::Error,
    default_enabled: true,
    summary: "RewriteRule/RewriteCond flags mod_rewrite cannot parse: no start, or 500",
    why: "mod_rewrite reads the third argument as a comma-separated list of flags in `[...]`. \
          A name it does not know (`[QSX]`), an empty flag (`[L,]`) or an argument without \
          the brackets (`L`, or `[R=301, L]` where the space splits the list in two) is a \
          syntax error: in the server config Apache refuses to start (`RewriteRule: unknown \
          flag 'QSX'`, `RewriteRule: bad flag delimiters`); in a `.htaccess` every request \
          under that directory gets 500.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteRule ^/old/(.*)$ /new/$1 [R=301, L]\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteCond %{HTTP_HOST} ^www\\. [NC,QSA]\nRewriteRule ^/(.*)$ http://example.com/$1 [R=301,L]\n",
        }],
    ],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteCond %{HTTP_HOST} ^www\\. [NC]\nRewriteRule ^/(.*)$ http://example.com/$1 [R=301,L,QSA]\n",
    }]],
    evidence: &[
        "scenario: apache_rewrite_flags_space_refuses_start",
        "scenario: apache_rewrite_htaccess_unknown_flag",
        "scenario: apache_rewrite_flags_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in live_scopes(apache) {
        let rw = apache.rewrites(id);
        let cost = parse_failure(apache, id);
        for d in rewrite_directives(&rw) {
            let Some(words) = mod_rewrite_args(model, d) else {
                continue;
            };
            let flags = words.get(2);
            let (_, problem) = if d.key == "rewritecond" {
                parse_cond_flags(flags)
            } else {
                parse_rule_flags(flags)
            };
            if let (Some(p), Some(arg)) = (problem, flags) {
                report(model, out, d, arg, &p, cost);
            }
        }
    }
}

fn report(
    model: &Model,
    out: &mut Sink,
    d: &Directive,
    arg: &Word,
    problem: &FlagsProblem,
    cost: &str,
) {
    let what = &d.name;
    let diag = match problem {
        FlagsProblem::Delimiters => {
            let split = arg.text.starts_with('[')
                && d.args.last().is_some_and(|l| l.span.start > arg.span.start);
            let help = if split {
                "remove the spaces between the flags (`[R=301,L]`), or quote the whole list"
            } else {
                "write the flags in brackets, comma-separated: `[L]`, `[R=301,L]`"
            };
            let label = if split {
                "the space ends the flag list here: no closing `]`"
            } else {
                "not enclosed in `[...]`"
            };
            out.diag(format!(
                "{cost}: `{what}` flags must be one `[...]` argument (\"{what}: bad flag delimiters\")"
            ))
            .at(arg.span, label)
            .help(help)
        }
        FlagsProblem::Unknown(name) => {
            let (at, label) = if name.is_empty() {
                (arg.span, "an empty flag: a stray comma or `[]`".to_string())
            } else {
                let offset = arg.text.find(name.as_str()).unwrap_or(0);
                (
                    span_in_word(model, arg, offset, name.len()),
                    format!("`{name}` is not a {what} flag"),
                )
            };
            let cond = d.key == "rewritecond";
            let near = near_names(name, cond);
            let help = if !near.is_empty() {
                format!("did you mean {}?", near.join(" or "))
            } else if cond {
                "RewriteCond takes only NC (nocase), OR (ornext) and NV (novary)".to_string()
            } else {
                "see the RewriteRule flags: L, R[=code], NC, QSA, QSD, PT, F, G, END, NE, B, C, S=n, E=var:val..."
                    .to_string()
            };
            out.diag(format!("{cost}: \"{what}: unknown flag '{name}'\""))
                .at(at, label)
                .help(help)
        }
    };
    out.emit(diag);
}

/// Known flag names one edit away from `name` (case aside), short forms first.
fn near_names(name: &str, cond: bool) -> Vec<String> {
    let name = name.to_ascii_uppercase();
    if name.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (long, short) in known_flags(cond) {
        for cand in [*short, *long] {
            let c = cand.to_ascii_uppercase();
            if edit_distance(&name, &c) <= 1 && !out.iter().any(|o| o == short) {
                out.push((*short).to_string());
            }
        }
    }
    out.sort();
    out.into_iter().map(|n| format!("`{n}`")).collect()
}

/// Levenshtein distance over bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn unknown_rule_flag_points_at_the_flag() {
        let text = "ServerRoot /x\nRewriteEngine On\nRewriteRule ^/a /b [L,QSX]\n";
        let found = fires(&super::RULE, &[("httpd.conf", text)]);
        let p = found[0].primary.as_ref().map(|l| l.span.range());
        assert_eq!(p.map(|r| &text[r]), Some("QSX"));
        assert!(found[0].message.contains("refuses to start"));
        let help = found[0].help.as_deref().unwrap_or("");
        assert!(help.contains("`QSA`") && help.contains("`QSD`"), "{help}");
    }

    #[test]
    fn trailing_comma_and_cond_flags() {
        fires(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\nRewriteRule ^/a /b [L,]\n")],
        );
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{HTTPS} off NC\nRewriteRule ^/a /b\n",
            )],
        );
        // A dangling condition is parsed too.
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{HTTPS} off [L]\n",
            )],
        );
    }

    #[test]
    fn htaccess_answers_500() {
        let found = fires(
            &super::RULE,
            &[
                (
                    "/srv/conf/httpd.conf",
                    "ServerRoot /srv/conf\n<Directory /srv/www>\nAllowOverride All\n</Directory>\n",
                ),
                (
                    "/srv/www/.htaccess",
                    "RewriteEngine On\nRewriteRule ^a b R=301\n",
                ),
            ],
        );
        assert!(found[0].message.contains("500"));
    }

    #[test]
    fn long_names_any_case_and_quoted_spaces_are_fine() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{HTTPS} off [nocase,OrNext]\nRewriteRule ^/a /b \"[l, redirect=302, qsappend]\"\nRewriteRule ^/c - [E=X:1,END,NE,B,BNP,UnsafeAllow3F]\n",
            )],
        );
    }
}
