//! AL109: auth in a `.htaccess` whose AllowOverride lacks AuthConfig: 500.
use super::{auth_directives_of, override_for, Override};
use crate::model::apache::HtaccessContext;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL109",
    name: "htaccess-auth-forbidden",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AllowOverride lets this .htaccess be read but forbids its auth lines: every request gets 500",
    why: "When the `<Directory>` covering a `.htaccess` allows some overrides (say \
          `AllowOverride FileInfo`) but not the class a directive needs (`AuthConfig` for \
          AuthType, AuthName, AuthUserFile, Require; `Limit` for Order/Allow/Deny), Apache \
          stops reading the file at that line (`AuthType not allowed here`) and answers every \
          request for the directory and everything below it with 500 Internal Server Error — \
          valid users included.",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AllowOverride FileInfo\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/www/private/.htaccess",
            text: "AuthType Basic\nAuthName \"Private\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\n",
        },
    ]],
    good: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/www>\n    AllowOverride FileInfo AuthConfig\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/www/private/.htaccess",
            text: "AuthType Basic\nAuthName \"Private\"\nAuthUserFile /etc/apache2/users\nRequire valid-user\n",
        },
    ]],
    evidence: &["scenario: apache_htaccess_allow_override_fileinfo"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for h in &apache.htaccess {
        let HtaccessContext::Known { allow_override, .. } = &h.context else {
            continue;
        };
        // Apache stops at the first forbidden line; report that one.
        let Some(first) = auth_directives_of(apache, h.scope)
            .into_iter()
            .find(|d| override_for(apache, h, d) == Some(Override::Forbidden))
        else {
            continue;
        };
        let class = crate::model::directives::apache(&first.key)
            .map(|d| d.override_classes.join(" or "))
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "AuthConfig".to_string());
        let mut d = out
            .diag(format!(
                "`{}` is not allowed here: AllowOverride lacks {class}, so every request for this directory gets 500",
                first.name
            ))
            .at(first.name_span, format!("needs AllowOverride {class}"))
            .help(format!(
                "add {class} to the AllowOverride of the <Directory> that covers this directory"
            ));
        if let Some(ao) = allow_override {
            d = d.label(ao.span, "decided here");
        }
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "AuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n";

    fn conf(allow: &str) -> String {
        format!("ServerRoot /x\n<Directory /srv/www>\n{allow}Require all granted\n</Directory>\n")
    }

    #[test]
    fn file_info_alone_forbids_auth() {
        let found = fires(
            &super::RULE,
            &[
                ("httpd.conf", &conf("AllowOverride FileInfo\n")),
                ("/srv/www/p/.htaccess", AUTH),
            ],
        );
        assert_eq!(found.len(), 1);
        assert!(found[0].message.contains("AuthType"));
    }

    #[test]
    fn order_allow_deny_need_limit() {
        let found = fires(
            &super::RULE,
            &[
                ("httpd.conf", &conf("AllowOverride AuthConfig\n")),
                ("/srv/www/p/.htaccess", "Order deny,allow\nDeny from all\n"),
            ],
        );
        assert!(found[0].message.contains("Limit"), "{}", found[0].message);
    }

    #[test]
    fn none_nonfatal_and_allowed_are_not_this_rule() {
        for allow in [
            "",
            "AllowOverride None\n",
            "AllowOverride AuthConfig\n",
            "AllowOverride FileInfo Nonfatal=Override\n",
        ] {
            silent(
                &super::RULE,
                &[("httpd.conf", &conf(allow)), ("/srv/www/p/.htaccess", AUTH)],
            );
        }
    }
}
