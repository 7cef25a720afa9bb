//! AL110: `AuthType` with no `Require` of its own, under an inherited `Require all granted`.
use super::grants_all;
use crate::model::apache::ScopeKind;
use crate::model::apache_merge::AuthzSource;
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL110",
    name: "auth-type-without-require",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AuthType is set but no Require asks for a user, and an inherited `Require all granted` lets everyone in",
    why: "`AuthType` only says how to log in; `Require` says who may enter. A section or \
          `.htaccess` that sets up Basic auth without its own `Require` inherits the \
          authorization of the sections merged before it. Under a `Require all granted` \
          (Debian's `<Directory /var/www/>` has one) nobody is ever asked for a password: the \
          content is served to anyone, and the log says only `authorization result of \
          Require all granted: granted`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &["scenario: apache_auth_type_without_require"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(
            scope.kind,
            ScopeKind::Directory | ScopeKind::Htaccess | ScopeKind::Location
        ) {
            continue;
        }
        let Some(auth_type) = apache.last_in(id, "authtype") else {
            continue;
        };
        if auth_type
            .args
            .first()
            .is_none_or(|a| a.text.eq_ignore_ascii_case("none"))
        {
            continue;
        }
        let AuthzSource::Section(source) = apache.authz_source(id) else {
            continue;
        };
        if source == id {
            continue;
        }
        // The inherited logic decides: report only when it lets everyone in.
        let requires: Vec<&Directive> = apache
            .directives_in(source)
            .into_iter()
            .filter(|d| d.key == "require")
            .collect();
        let Some(grant) = requires.iter().find(|d| grants_all(d)) else {
            continue;
        };
        let help = if apache.assumed.is_some_and(|(_, f)| f == grant.span.file) {
            "add `Require valid-user` next to AuthType; the grant comes from the assumed stock main config (see --assume)"
        } else {
            "add `Require valid-user` (or `Require user ...`) next to AuthType"
        };
        let d = out
            .diag("AuthType is set here but no Require asks for a user, so the inherited `Require all granted` lets everyone in without a password")
            .at(auth_type.name_span, "no Require in this section")
            .label(grant.span, "inherited from here: everyone is granted")
            .help(help);
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const PRIVATE: &str = "<Directory /var/www/html/private>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\n</Directory>\n";

    #[test]
    fn inherits_the_grant_of_the_assumed_debian_var_www() {
        let found = fires(&super::RULE, &[("sites-enabled/site.conf", PRIVATE)]);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_real_main_config_that_denies_is_silent() {
        silent(
            &super::RULE,
            &[
                (
                    "httpd.conf",
                    "ServerRoot /x\n<Directory />\nRequire all denied\n</Directory>\n",
                ),
                ("site.conf", PRIVATE),
            ],
        );
    }

    #[test]
    fn inherited_valid_user_is_fine() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /w>\nAuthType Basic\nRequire valid-user\n</Directory>\n<Directory /w/a>\nAuthType Basic\nAuthName \"A\"\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn auth_type_none_is_meant_to_open() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /w>\nRequire all granted\n</Directory>\n<Directory /w/a>\nAuthType None\n</Directory>\n",
            )],
        );
    }
}
