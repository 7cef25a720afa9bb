//! AL125: a per-directory `RewriteRule` pattern anchored at a leading `/`, which the path it
//! is matched against never has.
use super::rewrite_support::{live_scopes, mod_rewrite_args, span_in_word};
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL125",
    name: "rewrite-leading-slash-per-dir",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "RewriteRule pattern `^/...` in a .htaccess or <Directory>: it never matches",
    why: "In a `.htaccess` or `<Directory>`, mod_rewrite strips the directory's path, slash \
          included, before matching: a request for `/old.html` is matched as `old.html`. A \
          pattern anchored as `^/old` can never match there, so the rule is skipped for \
          every request: the redirect never happens, the `[F]` never blocks. The same \
          pattern works at server or virtual-host level, which is where it is usually \
          copied from. (In `<Location>` nothing is stripped and the pattern sees the file \
          path; in `<DirectoryMatch>` and wildcard `<Directory>` nothing is stripped either.)",
    bad: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "RewriteEngine On\nRewriteRule ^/old\\.html$ /new.html [R=301,L]\n",
        },
    ]],
    good: &[&[
        Example {
            path: "/etc/apache2/apache2.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AllowOverride FileInfo\n</Directory>\n",
        },
        Example {
            path: "/srv/www/.htaccess",
            text: "RewriteEngine On\nRewriteRule ^old\\.html$ /new.html [R=301,L]\n",
        },
    ]],
    evidence: &[
        "scenario: apache_rewrite_htaccess_leading_slash",
        "scenario: apache_rewrite_leading_slash_where_it_works",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in live_scopes(apache) {
        let Some(kind) = strips_directory(apache, id) else {
            continue;
        };
        for rule in apache.rewrites(id).rules {
            let Some(words) = mod_rewrite_args(model, rule.directive) else {
                continue;
            };
            let Some(p) = words.first() else { continue };
            if !anchored_at_slash(&p.text) {
                continue;
            }
            let fixed = format!("^{}", &p.text[2..]);
            out.emit(
                out.diag(format!(
                    "`{}` never matches in {kind}: mod_rewrite matches the path without the \
                     directory and its leading `/`",
                    p.text
                ))
                .at(span_in_word(model, p, 1, 1), "no path here starts with `/`")
                .help(format!(
                    "drop the slash: `{fixed}` (or write `^/?` to work in both server and \
                     directory context)"
                )),
            );
        }
    }
}

/// Where mod_rewrite strips the directory prefix before matching: a plain `<Directory>`
/// without wildcards, or a `.htaccess`. Sections nested in them (`<Files>`, `<If>`) are
/// left out: what they strip was not observed.
fn strips_directory(apache: &ApacheModel, id: ScopeId) -> Option<&'static str> {
    let s = apache.scope(id)?;
    match s.kind {
        ScopeKind::Htaccess => Some("a .htaccess"),
        ScopeKind::Directory => {
            let arg = s.head.as_ref()?.args.first()?;
            let wild = arg.text.contains(['*', '?', '[']) || arg.text == "~";
            (!wild).then_some("a <Directory> section")
        }
        _ => None,
    }
}

/// `^/` followed by something other than a quantifier, with no alternation or inline
/// option that could change what `^` means: the subject must start with `/`.
fn anchored_at_slash(pattern: &str) -> bool {
    let Some(rest) = pattern.strip_prefix("^/") else {
        return false;
    };
    let quantified = rest.starts_with(['?', '*', '{']);
    !quantified && !pattern.contains('|') && !pattern.contains("(?")
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn with_dir(body: &str) -> String {
        format!("ServerRoot /x\nRewriteEngine On\n<Directory /srv/www>\n{body}\n</Directory>\n")
    }

    #[test]
    fn directory_rule_with_leading_slash_fires_at_the_slash() {
        let text = with_dir("RewriteRule ^/admin - [F]");
        let found = fires(&super::RULE, &[("httpd.conf", &text)]);
        let at = found[0].primary.as_ref().map(|l| l.span.start as usize);
        assert_eq!(at, text.find("^/admin").map(|i| i + 1));
    }

    #[test]
    fn optional_slash_alternation_and_unanchored_are_silent() {
        for p in [
            "^/?admin",
            "^/*admin",
            "^/admin|^admin",
            "/admin",
            "!^/admin",
            "^admin",
        ] {
            silent(
                &super::RULE,
                &[("httpd.conf", &with_dir(&format!("RewriteRule {p} - [F]")))],
            );
        }
    }

    #[test]
    fn server_location_and_wildcard_directory_are_silent() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteEngine On\nRewriteRule ^/admin - [F]\n\
                 <Location /a>\nRewriteRule ^/admin - [F]\n</Location>\n\
                 <Directory /srv/*/www>\nRewriteRule ^/admin - [F]\n</Directory>\n\
                 <DirectoryMatch \"^/srv/\">\nRewriteRule ^/admin - [F]\n</DirectoryMatch>\n",
            )],
        );
    }

    #[test]
    fn lone_htaccess_fires() {
        fires(
            &super::RULE,
            &[(
                "site/.htaccess",
                "RewriteEngine On\nRewriteRule ^/old$ /new [R=301,L]\n",
            )],
        );
    }
}
