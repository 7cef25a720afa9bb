//! AL112: Basic auth with the `file` provider but no `AuthUserFile` in effect.
use super::require_needs_user;
use crate::model::apache::{Lookup, ScopeKind};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL112",
    name: "auth-user-file-not-set",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Basic auth reads users from a file, but no AuthUserFile says which: every login gets 500",
    why: "`AuthBasicProvider file` is the default, and the file provider needs \
          `AuthUserFile`. Without one in effect, Apache still asks for a password (401), then \
          answers every login — right or wrong — with 500 Internal Server Error and logs \
          `AH01619: AuthUserFile not specified in the configuration`.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &["scenario: apache_auth_user_file_not_set"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    // Provider aliases can hide an AuthUserFile behind another name.
    if apache.scopes.iter().any(|s| {
        s.head
            .as_ref()
            .is_some_and(|h| h.key == "authnprovideralias")
    }) {
        return;
    }
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(
            scope.kind,
            ScopeKind::Directory | ScopeKind::Htaccess | ScopeKind::Location
        ) {
            continue;
        }
        let Some(require) = std::iter::once(id)
            .chain(apache.sections_below(id))
            .flat_map(|s| apache.directives_in(s))
            .find(|d| d.key == "require" && require_needs_user(d))
        else {
            continue;
        };
        let Lookup::Found(auth_type) = apache.effective(id, "authtype") else {
            continue;
        };
        if !auth_type
            .args
            .first()
            .is_some_and(|a| a.text.eq_ignore_ascii_case("basic"))
        {
            continue;
        }
        match apache.effective(id, "authbasicprovider") {
            Lookup::NotSet => {}
            Lookup::Found(p) if p.args.iter().any(|a| a.text == "file") => {}
            _ => continue,
        }
        if apache.effective(id, "authuserfile") != Lookup::NotSet {
            continue;
        }
        let d = out
            .diag("Basic auth with the file provider but no AuthUserFile in effect: Apache asks for a password, then answers every login with 500 (AH01619)")
            .at(require.name_span.to(require.span), "needs a user from a file")
            .label(auth_type.name_span, "Basic auth set up here")
            .help("add `AuthUserFile /absolute/path/to/users` (outside the web root) next to AuthType");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn inherited_user_file_counts() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /w>\nAuthUserFile /u\n</Directory>\n<Directory /w/a>\nAuthType Basic\nAuthName \"A\"\nRequire valid-user\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn another_provider_needs_no_user_file() {
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                "ServerRoot /x\n<Directory /w>\nAuthType Basic\nAuthName \"A\"\nAuthBasicProvider ldap\nRequire valid-user\n</Directory>\n",
            )],
        );
    }

    #[test]
    fn in_a_htaccess_under_a_known_directory() {
        fires(
            &super::RULE,
            &[
                (
                    "httpd.conf",
                    "ServerRoot /x\n<Directory /w>\nAllowOverride AuthConfig\n</Directory>\n",
                ),
                (
                    "/w/a/.htaccess",
                    "AuthType Basic\nAuthName \"A\"\nRequire user bob\n",
                ),
            ],
        );
    }

    #[test]
    fn a_lone_htaccess_is_unknown() {
        silent(
            &super::RULE,
            &[(
                "site/.htaccess",
                "AuthType Basic\nAuthName \"A\"\nRequire valid-user\n",
            )],
        );
    }
}
