//! AL102: a `Require` that needs a logged-in user, with no `AuthType` in effect.
use super::NEEDS_USER;
use crate::model::apache::Lookup;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL102",
    name: "require-user-without-auth-type",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Require needs a user but no AuthType applies, so every request gets 500",
    why: "`Require valid-user`, `Require user ...` and `Require group ...` can only be decided \
          after a login, and Apache only asks for one when `AuthType` is set. Without it, \
          Apache answers every request with 500 Internal Server Error and logs `AH00027: No \
          authentication done but request not allowed without authentication` — valid users \
          included.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &["scenario: apache_require_without_auth_type"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !scope.kind.is_per_dir() && scope.kind != crate::model::apache::ScopeKind::Other {
            continue;
        }
        for require in apache
            .directives_in(id)
            .into_iter()
            .filter(|d| d.key == "require")
        {
            let Some(provider) = require.args.first() else {
                continue;
            };
            if !NEEDS_USER.contains(&provider.text.to_ascii_lowercase().as_str()) {
                continue;
            }
            if apache.effective(id, "authtype") != Lookup::NotSet {
                continue;
            }
            let d = out
                .diag(format!(
                    "`Require {}` needs a logged-in user but no `AuthType` applies here",
                    provider.text
                ))
                .at(require.name_span.to(provider.span), "needs authentication")
                .help("add `AuthType Basic` (with AuthName and AuthUserFile) in the same section");
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn require_all_granted_needs_no_login() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /a>\nRequire all granted\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn auth_type_on_an_enclosing_section_counts() {
        silent(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\n<Location /a>\nAuthType Basic\n<RequireAll>\nRequire user bob\n</RequireAll>\n</Location>\n")],
        );
    }

    #[test]
    fn inside_require_any_fires() {
        fires(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\n<Location /a>\n<RequireAny>\nRequire group admins\n</RequireAny>\n</Location>\n")],
        );
    }

    #[test]
    fn lone_htaccess_stays_silent() {
        silent(&super::RULE, &[("site/.htaccess", "Require valid-user\n")]);
    }
}
