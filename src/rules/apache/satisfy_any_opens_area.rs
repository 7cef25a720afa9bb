//! AL106: `Satisfy Any` where the old host check (mod_access_compat) passes every client, so
//! the `Require valid-user` beside it is never asked.
//!
//! mod_access_compat has no merger: a section that writes any of `Order`, `Allow`, `Deny` or
//! `Satisfy` starts from the defaults (`Order deny,allow`, no rules, no `Satisfy`) instead
//! of inheriting them. So the host check is read from the nearest section that writes one
//! of them, as a whole, never line by line up the chain.
use super::require_any_grants_everyone::authz::{self, Methods, Node};
use crate::model::apache::{ApacheModel, ScopeId};
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL106",
    name: "satisfy-any-opens-area",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Satisfy Any with a host check that passes everyone opens the area",
    why: "With `Satisfy Any`, Apache first runs the old host check (`Order`/`Allow`/`Deny`, \
          mod_access_compat) and skips authentication when it passes. `Allow from all` passes \
          every client, and so does the default `Order deny,allow` when no `Deny from all` is \
          written: the password is never asked and the content is served to anyone.",
    bad: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    Order allow,deny\n    Allow from all\n    Satisfy Any\n</Directory>\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    Satisfy Any\n</Directory>\n",
        }],
    ],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    # the office network gets in without a password, everyone else logs in\n    <RequireAny>\n        Require ip 10.0.0.0/8\n        Require valid-user\n    </RequireAny>\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_satisfy_any_allow_from_all",
        "scenario: apache_satisfy_any_without_allow",
        "scenario: apache_satisfy_any_intranet_only",
        "scenario: apache_htaccess_satisfy_any_resets_deny",
        "scenario: apache_htaccess_allow_from_all_without_satisfy",
        "scenario: apache_satisfy_any_inherited_by_subdirectory",
    ],
    check: Check::Model(check),
};

#[derive(Clone, Copy, PartialEq)]
enum Order {
    AllowDeny,
    DenyAllow,
    MutualFailure,
}

/// Why the host check passes every client for one method.
struct Open<'m> {
    satisfy: &'m Directive,
    order: Option<&'m Directive>,
    allow_all: Option<&'m Directive>,
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let mut reported = Vec::new();
    for id in authz::sections(apache) {
        // The authorization in effect (the last section with `Require`) and the host check
        // in effect (the last section writing any mod_access_compat directive).
        let authz_here = in_effect(apache, id, |s| authz::section_authz(apache, s));
        let access = in_effect(apache, id, |s| {
            let items = authz::access_compat(apache, s);
            (!items.is_empty()).then_some(items)
        });
        let (Some(section), Some(items)) = (authz_here, access) else {
            continue;
        };
        let users = section.top.user_requires();
        let mut open_methods = Vec::new();
        let mut why = None;
        for method in authz::PROBES {
            let Some(user) = users.iter().find(|u| u.methods().contains(method)) else {
                continue;
            };
            if let Some(open) = host_check_passes_everyone(&items, method) {
                open_methods.push(method);
                why.get_or_insert((open, *user));
            }
        }
        let Some((open, user)) = why else {
            continue;
        };
        if reported.contains(&open.satisfy.span) {
            continue;
        }
        reported.push(open.satisfy.span);
        let Node::Require {
            directive: user, ..
        } = user
        else {
            continue;
        };
        let scope = if open_methods.len() == authz::PROBES.len() {
            String::new()
        } else {
            format!(" for {}", authz::method_list(&open_methods))
        };
        let satisfy_span = match open.satisfy.args.first() {
            Some(a) => open.satisfy.name_span.to(a.span),
            None => open.satisfy.name_span,
        };
        let mut d = match open.allow_all {
            Some(allow) => out
                .diag(format!(
                    "`Satisfy Any` with `Allow from all` lets every client in without a password{scope}"
                ))
                .at(satisfy_span, "a passed host check is enough")
                .label(allow.span, "passes every client"),
            None => {
                let d = out
                    .diag(format!(
                        "`Satisfy Any` lets every client in without a password{scope}: with \
                         `Order deny,allow` and no `Deny from all`, the host check passes"
                    ))
                    .at(satisfy_span, "a passed host check is enough");
                match open.order {
                    Some(order) => d.label(order.span, "lets in every client no Deny names"),
                    None => d,
                }
            }
        };
        d = d.label(user.span, "never asked").help(
            "remove `Satisfy Any` and the Order/Allow/Deny lines; to let a network in without \
                 a password, write `<RequireAny>` with `Require ip 10.0.0.0/8` and `Require \
                 valid-user`",
        );
        out.emit(d);
    }
}

/// What the sections in effect for `id` say, the last one to say anything winning:
/// sections nested in the area's anchor around `id` (`<Files>` in `<Directory>`) merge
/// last, then the area's merge chain counts backwards. mod_authz_core and mod_access_compat
/// each take the whole of the last section that writes their directives (with the default
/// `AuthMerging Off`; mod_access_compat has no merger at all).
fn in_effect<T>(
    apache: &ApacheModel,
    id: ScopeId,
    get: impl Fn(ScopeId) -> Option<T>,
) -> Option<T> {
    let anchor = apache.anchor(id);
    let mut cur = Some(id);
    while let Some(sid) = cur {
        if Some(sid) == anchor || !authz::is_section(apache, sid) {
            break;
        }
        if let Some(found) = get(sid) {
            return Some(found);
        }
        cur = apache.real_parent(sid);
    }
    apache.chain(id).scopes.iter().rev().find_map(|s| get(*s))
}

/// Does mod_access_compat's check pass every client (bar those a partial `Deny` names) for
/// `method`, with `Satisfy Any` in force? Mirrors `check_dir_access()`.
fn host_check_passes_everyone<'m>(
    items: &[(&'m Directive, Methods)],
    method: &str,
) -> Option<Open<'m>> {
    let applies = |key: &'static str| {
        items
            .iter()
            .filter(move |(d, m)| d.key == key && m.contains(method))
            .map(|(d, _)| *d)
    };
    // For each of Satisfy and Order the last line for the method wins.
    let satisfy = applies("satisfy").next_back()?;
    if !satisfy
        .args
        .first()
        .is_some_and(|a| a.text.eq_ignore_ascii_case("any"))
    {
        return None;
    }
    let order_line = applies("order").next_back();
    let order = match order_line.and_then(|d| d.args.first()) {
        None => Order::DenyAllow,
        Some(a) => match a.text.to_ascii_lowercase().as_str() {
            "allow,deny" => Order::AllowDeny,
            "deny,allow" => Order::DenyAllow,
            "mutual-failure" => Order::MutualFailure,
            // Apache refuses anything else.
            _ => return None,
        },
    };
    let names_all = |d: &&Directive| {
        d.args
            .iter()
            .skip(1)
            .any(|a| a.text.eq_ignore_ascii_case("all"))
    };
    let allow_all = applies("allow").find(names_all);
    let deny_all = applies("deny").any(|d| names_all(&d));
    let passes = match order {
        Order::AllowDeny | Order::MutualFailure => allow_all.is_some() && !deny_all,
        Order::DenyAllow => allow_all.is_some() || !deny_all,
    };
    passes.then_some(Open {
        satisfy,
        order: order_line,
        allow_all,
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn dir(body: &str) -> String {
        format!(
            "ServerRoot /x\n<Directory /srv/www/private>\nAuthType Basic\nAuthName \"p\"\n\
             AuthUserFile /x/users\nRequire valid-user\n{body}</Directory>\n"
        )
    }

    #[test]
    fn allow_from_all_fires_with_three_labels() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Order allow,deny\nAllow from all\nSatisfy Any\n"),
            )],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].labels.len(), 2);
    }

    #[test]
    fn satisfy_any_alone_passes_by_the_default_order() {
        let found = fires(&super::RULE, &[("httpd.conf", &dir("Satisfy any\n"))]);
        assert!(
            found[0].message.contains("no `Deny from all`"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn deny_from_all_with_an_intranet_allow_is_the_intended_pattern() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Order deny,allow\nDeny from all\nAllow from 10.0.0.0/8\nSatisfy Any\n"),
            )],
        );
    }

    #[test]
    fn allow_deny_without_allow_falls_back_to_the_password() {
        silent(
            &super::RULE,
            &[("httpd.conf", &dir("Order allow,deny\nSatisfy Any\n"))],
        );
    }

    #[test]
    fn satisfy_all_is_fine() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Order allow,deny\nAllow from all\nSatisfy All\n"),
            )],
        );
    }

    #[test]
    fn without_a_user_require_there_is_no_password_to_skip() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv/www>\nRequire all granted\nSatisfy Any\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn a_section_writing_access_lines_does_not_inherit_the_parents() {
        // The inner section's own (default) host check applies, not the outer Deny.
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv/www>\nOrder deny,allow\nDeny from all\n\
                 <Files a.txt>\nAuthType Basic\nAuthName p\nRequire valid-user\nSatisfy Any\n\
                 </Files>\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn satisfy_above_a_section_with_its_own_allow_is_not_in_force() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv/www>\nSatisfy Any\n\
                 <Files a.txt>\nAuthType Basic\nAuthName p\nRequire valid-user\n\
                 Order allow,deny\nAllow from all\n</Files>\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn inherited_from_the_directory_above_an_htaccess() {
        fires(
            &super::RULE,
            &[
                (
                    "/srv/conf/httpd.conf",
                    "ServerRoot /srv/conf\n<Directory /srv/www>\nAllowOverride All\n\
                     Order allow,deny\nAllow from all\nSatisfy Any\n</Directory>\n",
                ),
                (
                    "/srv/www/.htaccess",
                    "AuthType Basic\nAuthName p\nAuthUserFile /x/u\nRequire valid-user\n",
                ),
            ],
        );
    }

    #[test]
    fn a_subdirectory_inherits_the_host_check_by_path() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /srv/www>\nRequire all granted\nSatisfy Any\n\
                 Order allow,deny\nAllow from all\n</Directory>\n<Directory /srv/www/private>\n\
                 AuthType Basic\nAuthName p\nRequire valid-user\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn an_htaccess_with_its_own_allow_replaces_the_directory_satisfy() {
        silent(
            &super::RULE,
            &[
                (
                    "/srv/conf/httpd.conf",
                    "ServerRoot /srv/conf\n<Directory /srv/www>\nAllowOverride All\n\
                     Satisfy Any\n</Directory>\n",
                ),
                (
                    "/srv/www/.htaccess",
                    "AuthType Basic\nAuthName p\nAuthUserFile /x/u\nRequire valid-user\n\
                     Order allow,deny\nAllow from all\n",
                ),
            ],
        );
    }

    #[test]
    fn lone_htaccess_without_access_lines_stays_silent() {
        silent(&super::RULE, &[("site/.htaccess", "Require valid-user\n")]);
    }

    #[test]
    fn satisfy_for_get_only_names_the_method() {
        let found = fires(
            &super::RULE,
            &[("httpd.conf", &dir("<Limit GET>\nSatisfy Any\n</Limit>\n"))],
        );
        assert!(found[0].message.contains("for GET"), "{}", found[0].message);
    }
}
