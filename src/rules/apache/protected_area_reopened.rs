//! AL113: `Require all granted` inside an area that a parent section protects with a
//! password.
use super::grants_all;
use super::{override_for, require_needs_user, Override};
use crate::model::apache::ScopeKind;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL113",
    name: "protected-area-reopened",
    severity: Severity::Error,
    default_enabled: true,
    summary: "`Require all granted` below a password-protected directory opens that part to anyone",
    why: "With Apache's default `AuthMerging Off`, a section or `.htaccess` that has its own \
          `Require` lines replaces the authorization it inherits. A `Require all granted` in \
          a subdirectory of a password-protected area therefore serves that subdirectory to \
          anyone — often a leftover from testing, or a `.htaccess` copied from a public site. \
          When a public subdirectory is intended, say so the way the Apache manual does: \
          `AuthType None` next to `Require all granted`; authlint then stays silent.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n<Directory /srv/www/private/reports>\n    Require all granted\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n<Directory /srv/www/private/public>\n    AuthType None\n    Require all granted\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_htaccess_subdir_require_all_granted",
        "scenario: apache_subdir_auth_type_none_public",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(scope.kind, ScopeKind::Directory | ScopeKind::Htaccess) {
            continue;
        }
        // Directly in the section (not in <Limit> or <RequireAll>, which change the logic).
        let own = apache.directives_in(id);
        let Some(grant) = own.iter().find(|d| grants_all(d)) else {
            continue;
        };
        let says_public = own.iter().any(|d| {
            d.key == "authtype"
                && d.args
                    .first()
                    .is_some_and(|a| a.text.eq_ignore_ascii_case("none"))
        });
        if says_public {
            continue;
        }
        if scope.kind == ScopeKind::Htaccess {
            let Some(h) = apache.htaccess_of(id) else {
                continue;
            };
            if override_for(apache, h, grant) != Some(Override::Allowed) {
                continue;
            }
        }
        // The authorization this section replaces: the nearest one before it in the merge.
        let chain = apache.chain(id);
        let Some(pos) = chain.scopes.iter().position(|s| *s == id) else {
            continue;
        };
        let Some(parent) = chain.scopes[..pos]
            .iter()
            .rev()
            .copied()
            .find(|s| apache.has_authz(*s))
        else {
            continue;
        };
        let Some(protect) = apache
            .directives_in(parent)
            .into_iter()
            .find(|d| d.key == "require" && require_needs_user(d))
        else {
            continue;
        };
        let d = out
            .diag("`Require all granted` here replaces the password requirement of the area around it: anyone gets in")
            .at(grant.span, "opens this directory to everyone")
            .label(protect.span, "the password requirement it replaces")
            .help("remove it to keep the password; if this part is meant to be public, add `AuthType None` beside it");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const PARENT: &str = "ServerRoot /x\n<Directory /w>\nAllowOverride AuthConfig\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n";

    #[test]
    fn htaccess_below_reopens() {
        fires(
            &super::RULE,
            &[
                ("httpd.conf", PARENT),
                ("/w/open/.htaccess", "Require all granted\n"),
            ],
        );
    }

    #[test]
    fn ignored_htaccess_reopens_nothing() {
        let parent = PARENT.replace("AllowOverride AuthConfig", "AllowOverride None");
        silent(
            &super::RULE,
            &[
                ("httpd.conf", &parent),
                ("/w/open/.htaccess", "Require all granted\n"),
            ],
        );
    }

    #[test]
    fn granting_under_a_granting_parent_is_not_reopening() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /w>\nRequire all granted\n</Directory>\n<Directory /w/a>\nRequire all granted\n</Directory>\n",
            )],
        );
    }
}
