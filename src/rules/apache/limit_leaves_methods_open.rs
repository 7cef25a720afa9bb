//! AL107: a `Require` that needs a user only inside `<Limit GET POST ...>`: every method the
//! list leaves out (PUT, DELETE, OPTIONS, PATCH, WebDAV's...) gets in without a password.
use super::require_any_grants_everyone::authz::{self, Anon, Node};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL107",
    name: "limit-leaves-methods-open",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Require inside <Limit> asks for a password on the listed methods only",
    why: "`<Limit GET POST>` restricts the `Require` lines inside it to those methods. For \
          every other method mod_authz_core treats them as granted, so `PUT`, `DELETE`, \
          `PATCH`, `OPTIONS` and WebDAV requests get in without a password: with WebDAV, a \
          script or a proxy behind the area, anonymous clients can write. `<LimitExcept>` \
          (or no `<Limit>` at all) is the safe form.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    <Limit GET POST>\n        Require valid-user\n    </Limit>\n</Directory>\n",
    }]],
    good: &[
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/private\">\n    AuthType Basic\n    AuthName \"Private area\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
        }],
        &[Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory \"/srv/www/upload\">\n    AuthType Basic\n    AuthName \"Uploads\"\n    AuthUserFile /etc/apache2/users\n    # reading is public, everything else needs a login\n    <LimitExcept GET>\n        Require valid-user\n    </LimitExcept>\n</Directory>\n",
        }],
    ],
    evidence: &[
        "scenario: apache_limit_get_require_valid_user",
        "scenario: apache_limit_get_post_dav_put_open",
        "scenario: apache_limit_except_get_require_valid_user",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in authz::sections(apache) {
        // `AuthMerging And|Or` combines this section with the one above, which then decides
        // the methods this one leaves out.
        if authz::auth_merging(apache, id).is_some_and(|m| m != "off") {
            continue;
        }
        let Some(section) = authz::section_authz(apache, id) else {
            continue;
        };
        let users = section.top.user_requires();
        let open: Vec<&str> = authz::PROBES
            .into_iter()
            .filter(|m| !section.exempted.contains(*m))
            .filter(|m| section.top.eval(m, true) == (Anon::Granted { explicit: false }))
            .filter(|m| users.iter().any(|u| !u.methods().contains(m)))
            .collect();
        let Some(first) = open.first() else {
            continue;
        };
        let Some(Node::Require {
            directive, limit, ..
        }) = users.iter().find(|u| !u.methods().contains(first))
        else {
            continue;
        };
        let Some(limit) = limit else {
            continue;
        };
        let written: Vec<&str> = limit.args.iter().map(|a| a.text.as_str()).collect();
        let head = if written.is_empty() {
            format!("<{}>", limit.name)
        } else {
            format!("<{} {}>", limit.name, written.join(" "))
        };
        let mut help = "remove the `<Limit>` lines so the Require covers every method; to keep \
                        reads public, put it in `<LimitExcept GET>` instead"
            .to_string();
        if let Some(lower) = written
            .iter()
            .find(|m| m.chars().any(|c| c.is_ascii_lowercase()))
        {
            help.push_str(&format!(
                "; method names are case-sensitive: `{lower}` is not `{}`",
                lower.to_ascii_uppercase()
            ));
        }
        let d = out
            .diag(format!(
                "`{}` sits inside `{head}`, so {} get in without a password",
                authz::require_text(directive),
                authz::method_list(&open)
            ))
            .at(
                limit.open_span,
                "the password is asked for these methods only",
            )
            .label(directive.span, "does not apply to other methods")
            .help(help);
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn dir(body: &str) -> String {
        format!(
            "ServerRoot /x\n<Directory /srv/www/private>\nAuthType Basic\nAuthName \"p\"\n\
             AuthUserFile /x/users\n{body}</Directory>\n"
        )
    }

    #[test]
    fn limit_get_leaves_post_and_the_rest_open() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit GET>\nRequire valid-user\n</Limit>\n"),
            )],
        );
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].message,
            "`Require valid-user` sits inside `<Limit GET>`, so POST, PUT, DELETE, PATCH, \
             OPTIONS, PROPFIND and any other method get in without a password"
        );
    }

    #[test]
    fn limit_except_is_the_deliberate_form() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<LimitExcept GET>\nRequire valid-user\n</LimitExcept>\n"),
            )],
        );
    }

    #[test]
    fn a_require_outside_the_limit_covers_every_method() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require valid-user\n<Limit GET>\nRequire valid-user\n</Limit>\n"),
            )],
        );
    }

    #[test]
    fn an_ip_require_outside_still_covers_every_method() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("Require ip 10.0.0.0/8\n<Limit GET>\nRequire valid-user\n</Limit>\n"),
            )],
        );
    }

    #[test]
    fn limit_and_limit_except_together_cover_everything() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit GET>\nRequire valid-user\n</Limit>\n<LimitExcept GET>\nRequire valid-user\n</LimitExcept>\n"),
            )],
        );
    }

    #[test]
    fn limit_inside_require_all_is_granted_for_other_methods() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<RequireAll>\n<Limit GET>\nRequire valid-user\n</Limit>\n</RequireAll>\n"),
            )],
        );
    }

    #[test]
    fn lowercase_method_names_cover_nothing() {
        let found = fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit get post>\nRequire valid-user\n</Limit>\n"),
            )],
        );
        assert!(
            found[0].message.contains("GET, POST"),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .is_some_and(|h| h.contains("`get` is not `GET`")),
            "{:?}",
            found[0].help
        );
    }

    #[test]
    fn other_methods_denied_by_limit_except_are_closed() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit GET POST>\nRequire valid-user\n</Limit>\n\
                      <LimitExcept GET POST>\nRequire all denied\n</LimitExcept>\n"),
            )],
        );
    }

    #[test]
    fn a_limit_without_methods_does_not_panic() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit>\nRequire valid-user\n</Limit>\n"),
            )],
        );
    }

    #[test]
    fn auth_merging_lets_the_parent_decide() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("AuthMerging And\n<Limit GET>\nRequire valid-user\n</Limit>\n"),
            )],
        );
    }

    #[test]
    fn limit_with_an_ip_require_only_is_not_about_passwords() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &dir("<Limit POST>\nRequire ip 10.0.0.0/8\n</Limit>\n"),
            )],
        );
    }

    #[test]
    fn lone_htaccess_fires_on_what_it_says() {
        fires(
            &super::RULE,
            &[(
                "site/.htaccess",
                "<Limit GET POST>\nRequire valid-user\n</Limit>\n",
            )],
        );
    }
}
