//! AL101: `AuthType Basic|Digest` with no `AuthName` in effect.
use crate::model::apache::Lookup;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL101",
    name: "auth-type-without-auth-name",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AuthType is set but no AuthName applies, so logins fail with 500",
    why: "Basic and Digest authentication need a realm. Without `AuthName`, Apache answers every \
          request that needs a login with 500 Internal Server Error and logs `AH01615: need \
          AuthName` — valid users included. The realm is also what the browser shows in its \
          login prompt.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &["scenario: apache_auth_type_without_auth_name", "scenario: apache_htaccess_without_auth_name"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, _) in apache.scopes.iter().enumerate() {
        let Some(auth_type) = apache.last_in(id, "authtype") else {
            continue;
        };
        let Some(kind) = auth_type.args.first() else {
            continue;
        };
        let scheme = kind.text.to_ascii_lowercase();
        if scheme != "basic" && scheme != "digest" {
            continue;
        }
        if apache.effective(id, "authname") != Lookup::NotSet {
            continue;
        }
        let d = out
            .diag(format!(
                "`AuthType {}` is set but no `AuthName` applies here",
                kind.text
            ))
            .at(
                auth_type.name_span.to(kind.span),
                "authentication without a realm",
            )
            .help("add `AuthName \"Restricted area\"` next to AuthType");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn auth_name_from_an_enclosing_section_counts() {
        silent(
            &super::RULE,
            &[("httpd.conf", "ServerRoot /x\n<Location /a>\nAuthName x\n<Limit GET>\nAuthType Basic\n</Limit>\n</Location>\n")],
        );
    }

    #[test]
    fn lone_htaccess_has_unknown_context_so_it_stays_silent() {
        silent(
            &super::RULE,
            &[("site/.htaccess", "AuthType Basic\nRequire valid-user\n")],
        );
    }

    #[test]
    fn htaccess_under_a_known_directory_fires() {
        fires(
            &super::RULE,
            &[
                ("/srv/conf/httpd.conf", "ServerRoot /srv/conf\n<Directory /srv/www>\nAllowOverride AuthConfig\n</Directory>\n"),
                ("/srv/www/.htaccess", "AuthType Digest\nRequire valid-user\n"),
            ],
        );
    }

    #[test]
    fn auth_type_none_is_fine() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Location /a>\nAuthType None\n</Location>\n",
            )],
        );
    }
}
