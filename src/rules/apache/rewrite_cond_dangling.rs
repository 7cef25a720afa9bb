//! AL123: a `RewriteCond` with no `RewriteRule` after it in the same section.
use super::rewrite_support::live_scopes;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL123",
    name: "rewrite-cond-dangling",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "RewriteCond with no RewriteRule after it in the same section: it is ignored",
    why: "A `RewriteCond` belongs to the next `RewriteRule` of the same section (or the same \
          `.htaccess`). With no rule after it, mod_rewrite keeps it nowhere: Apache starts \
          without a word and the condition never guards anything. It usually was written \
          below the rule it was meant for, or left behind when that rule moved to another \
          section.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nRewriteEngine On\n# only the office may see /admin/ ... or so it seems\nRewriteRule ^/admin/ - [F]\nRewriteCond %{REMOTE_ADDR} !=10.0.0.5\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nRewriteEngine On\nRewriteCond %{REMOTE_ADDR} !=10.0.0.5\nRewriteRule ^/admin/ - [F]\n",
    }]],
    evidence: &[
        "scenario: apache_rewrite_cond_after_its_rule",
        "scenario: apache_rewrite_cond_before_its_rule",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in live_scopes(apache) {
        let rw = apache.rewrites(id);
        let Some(first) = rw.dangling.first() else {
            continue;
        };
        let last = rw.dangling.last().unwrap_or(first);
        let n = rw.dangling.len();
        let (what, it) = if n == 1 {
            ("`RewriteCond` has".to_string(), "it")
        } else {
            (format!("{n} `RewriteCond` lines have"), "them")
        };
        let mut d = out
            .diag(format!(
                "this {what} no `RewriteRule` after {it} in this section: mod_rewrite ignores {it}"
            ))
            .at(
                first.directive.span.to(last.directive.span),
                "guards no rule",
            );
        if let Some(rule) = rw.rules.last() {
            d = d.label(
                rule.directive.span,
                "not guarded: a condition belongs to the rule after it",
            );
        }
        out.emit(d.help(
            "move the condition just above the `RewriteRule` it should guard, in the same \
             section, or delete it",
        ));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn condition_after_the_last_rule_fires_once() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteRule ^/a - [F]\nRewriteCond %{HTTPS} off\nRewriteCond %{HTTP_HOST} x\n",
            )],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 1);
    }

    #[test]
    fn condition_before_a_rule_in_another_section_is_dangling() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\nRewriteEngine On\nRewriteCond %{HTTPS} off\n<Directory /srv>\nRewriteRule ^ - [F]\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn conditions_inside_ifmodule_before_a_rule_count() {
        silent(
            &super::RULE,
            &[(
                "/srv/www/.htaccess",
                "<IfModule mod_rewrite.c>\nRewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\n</IfModule>\nRewriteRule . /index.php [L]\n",
            )],
        );
    }
}
