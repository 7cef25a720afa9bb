//! AL122: a regular expression Apache cannot compile, in `RewriteRule`, `RewriteCond` or a
//! regex section (`<LocationMatch>`, `<DirectoryMatch>`, `<FilesMatch>`, `<Location ~>`...).
use super::rewrite_support::{
    in_htaccess, live_scopes, mod_rewrite_args, parse_failure, rewrite_directives, span_in_word,
};
use crate::model::apache::ScopeKind;
use crate::model::pcre::{compile, Flavor};
use crate::model::rewrite::{cond_kind, parse_cond_flags, parse_rule_flags, CondKind};
use crate::rules::prelude::*;
use crate::syntax::Word;

pub static RULE: Rule = Rule {
    code: "AL122",
    name: "rewrite-regex-invalid",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A regular expression PCRE2 refuses: Apache does not start, or answers 500",
    why: "Apache compiles every `RewriteRule` and `RewriteCond` pattern, and the regex of \
          `<LocationMatch>`, `<DirectoryMatch>`, `<FilesMatch>` and the `~` forms, with PCRE2 \
          when it reads the configuration. A pattern PCRE2 refuses (an unclosed group or \
          class, a quantifier with nothing before it) stops the start-up (`RewriteRule: cannot \
          compile regular expression '^(a$'`, or `Regex could not be compiled` for sections); \
          in a `.htaccess` every request under that directory gets 500.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteRule ^/(blog|news/(.*)$ /index.php?p=$2 [L]\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<LocationMatch \"^/(admin|private\">\n    Require all denied\n</LocationMatch>\n",
        }],
    ],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteRule ^/(blog|news)/(.*)$ /index.php?p=$2 [L]\n<LocationMatch \"^/(admin|private)\">\n    Require all denied\n</LocationMatch>\n",
    }]],
    evidence: &[
        "scenario: apache_rewrite_regex_refuses_start",
        "scenario: apache_rewrite_htaccess_regex_500",
        "scenario: apache_rewrite_location_match_regex_refuses_start",
        "scenario: apache_rewrite_htaccess_files_match_regex_500",
        "scenario: apache_rewrite_flags_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in live_scopes(apache) {
        let rw = apache.rewrites(id);
        let cost = parse_failure(apache, id);
        // Apache stops at the first error (flags are parsed before the pattern); both must
        // be fixed, so AL121 and this rule both report.
        for d in rewrite_directives(&rw) {
            let Some(words) = mod_rewrite_args(model, d) else {
                continue;
            };
            let is_cond = d.key == "rewritecond";
            let Some(p) = words.get(usize::from(is_cond)) else {
                continue;
            };
            if is_cond && cond_kind(&p.text) != CondKind::Regex {
                continue;
            }
            if is_cond
                && words
                    .first()
                    .is_some_and(|t| t.text.eq_ignore_ascii_case("expr"))
            {
                continue;
            }
            let (flags, _) = if is_cond {
                parse_cond_flags(words.get(2))
            } else {
                parse_rule_flags(words.get(2))
            };
            let caseless = flags.iter().any(|f| f.known && f.name == "NC");
            let negated = p.text.starts_with('!');
            let what = format!("\"{}: cannot compile regular expression\"", d.name);
            try_compile(model, out, p, negated, caseless, cost, &what);
        }
    }
    // Regex sections.
    for (id, s) in apache.scopes.iter().enumerate() {
        let Some(head) = &s.head else { continue };
        let pattern = match s.kind {
            ScopeKind::LocationMatch | ScopeKind::DirectoryMatch | ScopeKind::FilesMatch => {
                if head.args.first().is_some_and(|a| a.text == "~") {
                    head.args.get(1)
                } else {
                    head.args.first()
                }
            }
            _ => None,
        };
        let Some(p) = pattern else { continue };
        let cost = if in_htaccess(apache, id) {
            "Apache answers 500 for every request under this directory"
        } else {
            "Apache refuses to start"
        };
        try_compile(
            model,
            out,
            p,
            false,
            false,
            cost,
            "\"Regex could not be compiled\"",
        );
    }
}

fn try_compile(
    model: &Model,
    out: &mut Sink,
    word: &Word,
    negated: bool,
    caseless: bool,
    cost: &str,
    logged: &str,
) {
    let skip = usize::from(negated);
    let Some(text) = word.text.get(skip..) else {
        return;
    };
    let Err(e) = compile(text, Flavor::Apache, caseless) else {
        return;
    };
    let span = match e.offset {
        Some(o) => span_in_word(model, word, o + skip, 1),
        None => word.span,
    };
    let help = if text.starts_with(['*', '+', '?']) {
        format!(
            "this is a regular expression, not a shell glob: `*` repeats what comes before it; \
             write `.*` for \"anything\" (`{}`), or leave it out: patterns match anywhere \
             unless anchored",
            glob_to_regex(text)
        )
    } else {
        "fix the pattern: close every `(` and `[`, escape literal `(`, `[`, `*`, `+`, `?` with `\\`"
            .to_string()
    };
    out.emit(
        out.diag(format!("{cost}: PCRE2 cannot compile `{text}` ({logged})"))
            .at(span, e.message.clone())
            .help(help),
    );
}

/// `*bot*` as the regex its author meant: `.*bot.*`.
fn glob_to_regex(glob: &str) -> String {
    let mut out = String::new();
    for c in glob.chars() {
        match c {
            '*' => out.push_str(".*"),
            '?' => out.push('.'),
            '.' => out.push_str("\\."),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn label_points_at_the_offset_pcre_reports() {
        let text = "ServerRoot /x\nRewriteEngine On\nRewriteRule !^/a** /b\n";
        let found = fires(&super::RULE, &[("httpd.conf", text)]);
        let p = found[0].primary.as_ref().map(|l| l.span.range());
        // "a**": PCRE2 stops at the second `*`.
        assert_eq!(p.map(|r| r.start), text.find("**").map(|i| i + 1));
    }

    #[test]
    fn cond_patterns_and_sections() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{HTTP_HOST} ^a[b\nRewriteRule ^/ - [F]\n",
            )],
        );
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Location ~ \"^/(a\">\n</Location>\n",
            )],
        );
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<FilesMatch \"*.php\">\n</FilesMatch>\n",
            )],
        );
    }

    #[test]
    fn non_regex_conditions_and_valid_patterns_are_silent() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteCond %{HTTP:X} =(\nRewriteCond expr \"%{HTTPS} == 'on'\"\nRewriteRule ^/(?<n>a)|(?<n>b)$ - [F]\n<Directory ~ \"^/srv/(a|b)\">\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn words_are_split_as_mod_rewrite_splits_them() {
        // `\ ` keeps the space in the pattern, and a `"` inside an unquoted word is a
        // plain character (certbot's test configs, accepted by Apache).
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{THE_REQUEST} ^[A-Z]{3,9}\\ /.+/trackback/?\\ HTTP/ [NC]\nRewriteCond %{REQUEST_URI} ^.*(,|;|:|<|>|\">|\"<|/|\\\\\\.\\.\\\\).* [NC,OR]\nRewriteRule ^(.*)$ - [F,L]\n",
            )],
        );
        silent(
            &super::super::rewrite_flags_invalid::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteCond %{THE_REQUEST} ^[A-Z]{3,9}\\ /x\\ HTTP/ [NC]\nRewriteRule ^(.*)$ - [F,L]\n",
            )],
        );
    }
}
