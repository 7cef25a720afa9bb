//! AL115: a `<Location>` whose `Require all granted` replaces a directory's password.
use super::grants_all;
use super::require_needs_user;
use crate::model::apache::ScopeKind;
use crate::model::apache_merge::location_matches;
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL115",
    name: "location-overrides-directory-auth",
    severity: Severity::Error,
    default_enabled: true,
    summary: "A <Location> that grants everyone is merged after the <Directory> that asks for a password, and wins",
    why: "Apache merges `<Location>` sections after every `<Directory>` and `.htaccess`. With \
          the default `AuthMerging Off`, a later section that has its own `Require` replaces \
          the earlier authorization. So a `<Location \"/\"> Require all granted </Location>` — \
          common in proxy and application vhosts — silently switches off every password that \
          a `<Directory>` below it asks for: anyone gets in.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n<Location \"/\">\n    Require all granted\n</Location>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_location_grants_over_directory_auth",
        "scenario: apache_location_auth_merging_and",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(scope.kind, ScopeKind::Directory | ScopeKind::Htaccess) {
            continue;
        }
        let Some(protect) = apache
            .directives_in(id)
            .into_iter()
            .find(|d| d.key == "require" && require_needs_user(d))
        else {
            continue;
        };
        let Some(dir) = apache.anchor_dir(id) else {
            continue;
        };
        let vhost = apache.vhost_of(id);
        let Some(url) = apache.url_of(&dir, vhost) else {
            continue;
        };
        for (lid, l) in apache.scopes.iter().enumerate() {
            if l.kind != ScopeKind::Location {
                continue;
            }
            let lv = apache.vhost_of(lid);
            if lv.is_some() && lv != vhost {
                continue;
            }
            let Some(path) = l.head.as_ref().and_then(|h| h.args.first()) else {
                continue;
            };
            if !location_matches(&path.text, &url) {
                continue;
            }
            let own = apache.directives_in(lid);
            let merges = own.iter().any(|d| {
                d.key == "authmerging"
                    && d.args
                        .first()
                        .is_some_and(|a| !a.text.eq_ignore_ascii_case("off"))
            });
            if merges {
                continue;
            }
            // Only a Location whose own logic lets everyone in.
            let requires: Vec<&&Directive> = own.iter().filter(|d| d.key == "require").collect();
            let Some(grant) = requires.iter().find(|d| grants_all(d)) else {
                continue;
            };
            let d = out
                .diag(format!(
                    "<Location {}> grants everyone, and Locations merge after Directories: the password asked for `{url}` is switched off",
                    path.text
                ))
                .at(grant.span, "replaces the authorization below")
                .label(protect.span, "this password requirement never applies")
                .help("drop the Require from the <Location>, or add `AuthMerging And` to it so both must pass");
            out.emit(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(loc: &str, body: &str) -> String {
        format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /u\nRequire valid-user\n</Directory>\n<Location {loc}>\n{body}</Location>\n")
    }

    #[test]
    fn covering_locations_fire_and_others_do_not() {
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("/", "Require all granted\n"))],
        );
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("/p", "Require all granted\n"))],
        );
        silent(
            &super::RULE,
            &[("httpd.conf", &conf("/other", "Require all granted\n"))],
        );
    }

    #[test]
    fn auth_merging_and_keeps_the_password() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &conf("/", "AuthMerging And\nRequire all granted\n"),
            )],
        );
    }
}
