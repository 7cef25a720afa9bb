//! AL118: Apache 2.2 access directives (Order/Allow/Deny/Satisfy) mixed with 2.4 `Require`.
use crate::model::apache::ScopeKind;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL118",
    name: "mixed-access-generations",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "Order/Allow/Deny (Apache 2.2) mixed with Require (2.4) in one section: the two combine in ways that surprise",
    why: "In Apache 2.4 the old host-based directives live on in mod_access_compat and are \
          checked beside the new `Require` logic. With the default `Satisfy All` a request \
          must pass both: a client outside `Allow from` gets 403 even with the right \
          password, and with `Satisfy Any` passing either one is enough, which can open the \
          area. The upgrade guide warns that mixing them \"leads to unexpected results\". \
          Write the intent in 2.4 form: `<RequireAll>` (both) or `<RequireAny>` (either) \
          with `Require ip ...` and `Require valid-user`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    Order deny,allow\n    Deny from all\n    Allow from 10.0.0.0/8\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    <RequireAll>\n        Require ip 10.0.0.0/8\n        Require valid-user\n    </RequireAll>\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_mixed_deny_from_all_with_require",
        "scenario: apache_satisfy_any_allow_from_all",
        "scenario: apache_satisfy_any_intranet_only",
    ],
    check: Check::Model(check),
};

const OLD: &[&str] = &["order", "allow", "deny"];

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for (id, scope) in apache.scopes.iter().enumerate() {
        if matches!(
            scope.kind,
            ScopeKind::Conditional | ScopeKind::Server | ScopeKind::VirtualHost
        ) {
            continue;
        }
        // Written directly in this section: the usual `<IfModule mod_authz_core.c>` /
        // `<IfModule !mod_authz_core.c>` pair keeps the generations apart on purpose.
        let own: Vec<&crate::syntax::apache::Directive> = scope
            .items
            .iter()
            .filter_map(|i| match i {
                crate::model::apache::Item::Directive(d) => Some(d),
                _ => None,
            })
            .collect();
        let Some(old) = own.iter().find(|d| OLD.contains(&d.key.as_str())) else {
            continue;
        };
        // `Require` directly here or in a <RequireAll|Any|None> inside.
        let require = std::iter::once(id)
            .chain(apache.sections_below(id).into_iter().filter(|s| {
                apache
                    .scope(*s)
                    .and_then(|s| s.head.as_ref())
                    .is_some_and(|h| h.key.starts_with("require"))
            }))
            .filter_map(|s| apache.scope(s))
            .flat_map(|s| s.items.iter())
            .find_map(|i| match i {
                crate::model::apache::Item::Directive(d) if d.key == "require" => Some(d),
                _ => None,
            });
        let Some(require) = require else { continue };
        let d = out
            .diag(format!(
                "`{}` (Apache 2.2, mod_access_compat) mixed with `Require` (2.4) in one section: with Satisfy All both must pass, with Satisfy Any either is enough",
                old.name
            ))
            .at(old.span, "2.2 access control")
            .label(require.span, "2.4 authorization")
            .help("say it in 2.4 form: <RequireAll> (or <RequireAny>) with `Require ip ...` and `Require valid-user`, and drop Order/Allow/Deny");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn one_generation_alone_is_fine() {
        silent(
            &super::RULE,
            &[("site/.htaccess", "Order allow,deny\nAllow from all\n")],
        );
        silent(&super::RULE, &[("site/.htaccess", "Require all granted\n")]);
        fires(
            &super::RULE,
            &[("site/.htaccess", "Require valid-user\nDeny from all\n")],
        );
    }
}
