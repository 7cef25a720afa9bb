//! AL129: an area that sends CORS headers but asks for a password on `OPTIONS` too, so the
//! browser's preflight (which never carries credentials) gets 401 and the cross-origin call
//! fails.
//!
//! Stays silent where the config treats methods specially at all (`<Limit>`,
//! `<LimitExcept>`, `Require method`, any `OPTIONS` word, a condition on
//! `REQUEST_METHOD`): what `OPTIONS` gets there is not a simple read.
use super::alias_bypasses_location_auth::asks_password;
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::model::apache_merge::AuthzSource;
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;

pub static RULE: Rule = Rule {
    code: "AL129",
    name: "cors-preflight-needs-auth",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "CORS headers on an area that also asks OPTIONS for a password: the browser's preflight gets 401",
    why: "Before a cross-origin request with an `Authorization` header (or any non-simple \
          request), the browser sends an `OPTIONS` preflight without credentials. When the \
          area's `Require valid-user` covers `OPTIONS` too, Apache answers it 401, the \
          preflight fails and the browser never sends the real request: valid users are \
          refused whatever `Access-Control-Allow-Origin` says. Let `OPTIONS` through with \
          `<LimitExcept OPTIONS>` around the `Require`, or `Require method OPTIONS` in a \
          `<RequireAny>` beside it.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/api>\n    Header always set Access-Control-Allow-Origin \"https://app.example.org\"\n    Header always set Access-Control-Allow-Headers \"Authorization\"\n    AuthType Basic\n    AuthName \"API\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/api>\n    Header always set Access-Control-Allow-Origin \"https://app.example.org\"\n    Header always set Access-Control-Allow-Headers \"Authorization\"\n    AuthType Basic\n    AuthName \"API\"\n    AuthUserFile /etc/apache2/users\n    <LimitExcept OPTIONS>\n        Require valid-user\n    </LimitExcept>\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_flow_cors_preflight_needs_auth",
        "scenario: apache_flow_cors_preflight_open",
    ],
    check: Check::Model(check),
};

/// `Header [always|onsuccess] set|add|append|merge|setifempty Access-Control-Allow-Origin ...`
fn sets_allow_origin(d: &Directive) -> bool {
    if d.key != "header" {
        return false;
    }
    let mut words = d
        .args
        .iter()
        .map(|a| a.text.to_ascii_lowercase())
        .peekable();
    if words
        .peek()
        .is_some_and(|w| w == "always" || w == "onsuccess")
    {
        words.next();
    }
    let action = words.next().unwrap_or_default();
    let name = words.next().unwrap_or_default();
    matches!(
        action.as_str(),
        "set" | "add" | "append" | "merge" | "setifempty"
    ) && name == "access-control-allow-origin"
}

/// Does anything in the model treat the request method specially, in a way that could
/// change what `OPTIONS` gets in `scope`?
fn method_aware(apache: &ApacheModel, scope: ScopeId, global: &std::cell::OnceCell<bool>) -> bool {
    let mentions_method = |text: &str| {
        let t = text.to_ascii_lowercase();
        t.contains("options") || t.contains("request_method")
    };
    // In the section: <Limit>, <LimitExcept>, Require method, any OPTIONS word.
    let local = std::iter::once(scope)
        .chain(apache.sections_below(scope))
        .any(|s| {
            let Some(sc) = apache.scope(s) else {
                return true;
            };
            matches!(sc.kind, ScopeKind::Limit | ScopeKind::LimitExcept)
                || sc
                    .head
                    .as_ref()
                    .is_some_and(|h| h.args.iter().any(|a| mentions_method(&a.text)))
                || apache.directives_in(s).iter().any(|d| {
                    (d.key == "require"
                        && d.args
                            .first()
                            .is_some_and(|a| a.text.eq_ignore_ascii_case("method")))
                        || (d.key != "header" && d.args.iter().any(|a| mentions_method(&a.text)))
                })
        });
    // Anywhere: a rewrite condition or <If> on the method (the same for every area, so
    // looked for once per run).
    let global = *global.get_or_init(|| {
        apache.scopes.iter().enumerate().any(|(i, s)| {
            s.head
                .as_ref()
                .is_some_and(|h| h.args.iter().any(|a| mentions_method(&a.text)))
                || apache.directives_in(i).iter().any(|d| {
                    d.key == "rewritecond" && d.args.iter().any(|a| mentions_method(&a.text))
                })
        })
    });
    local || global
}

/// The CORS header in effect for the area of `scope`: in it, along its merge chain, or at
/// the top of its server.
fn allow_origin_for(apache: &ApacheModel, scope: ScopeId) -> Option<&Directive> {
    let own = std::iter::once(scope)
        .chain(apache.sections_below(scope))
        .flat_map(|s| apache.directives_in(s))
        .find(|d| sets_allow_origin(d));
    if own.is_some() {
        return own;
    }
    let chain = apache.chain(scope).scopes;
    let tops: Vec<ScopeId> = apache
        .roots
        .iter()
        .copied()
        .chain(apache.vhost_of(scope))
        .collect();
    chain
        .iter()
        .chain(tops.iter())
        .flat_map(|s| apache.directives_in(*s))
        .find(|d| sets_allow_origin(d))
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let global = std::cell::OnceCell::new();
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(
            scope.kind,
            ScopeKind::Directory | ScopeKind::Htaccess | ScopeKind::Location
        ) || !asks_password(apache, id)
        {
            continue;
        }
        // The area's authorization must be this section's (a later one could replace it).
        if scope.kind != ScopeKind::Location && apache.authz_source(id) != AuthzSource::Section(id)
        {
            continue;
        }
        let Some(header) = allow_origin_for(apache, id) else {
            continue;
        };
        if method_aware(apache, id, &global) {
            continue;
        }
        let Some(require) = apache
            .directives_in(id)
            .into_iter()
            .chain(
                apache
                    .sections_below(id)
                    .into_iter()
                    .flat_map(|s| apache.directives_in(s)),
            )
            .find(|d| d.key == "require" && super::require_needs_user(d))
        else {
            continue;
        };
        let d = out
            .diag("the browser's CORS preflight (OPTIONS, sent without credentials) gets 401 here, so cross-origin requests never reach the area")
            .at(require.span, "asks OPTIONS for a password too")
            .label(header.span, "CORS is meant to work here")
            .help("let OPTIONS through: wrap the Require in `<LimitExcept OPTIONS>`, or put `Require method OPTIONS` beside it in a `<RequireAny>`");
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const AUTH: &str = "AuthType Basic\nAuthName \"A\"\nAuthUserFile /u\n";
    const CORS: &str = "Header always set Access-Control-Allow-Origin \"*\"\n";

    #[test]
    fn cors_in_the_area_or_above_it_fires() {
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n<Directory /w/a>\n{CORS}{AUTH}Require valid-user\n</Directory>\n"),
            )],
        );
        fires(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\n<Directory /w>\n{CORS}Require all granted\n</Directory>\n<Directory /w/a>\n{AUTH}Require valid-user\n</Directory>\n"),
            )],
        );
    }

    #[test]
    fn options_let_through_or_no_cors_is_silent() {
        for body in [
            "<LimitExcept OPTIONS>\nRequire valid-user\n</LimitExcept>\n",
            "<RequireAny>\nRequire method OPTIONS\nRequire valid-user\n</RequireAny>\n",
            "<Limit GET POST>\nRequire valid-user\n</Limit>\n",
        ] {
            silent(
                &super::RULE,
                &[(
                    "httpd.conf",
                    &format!("ServerRoot /x\n<Directory /w/a>\n{CORS}{AUTH}{body}</Directory>\n"),
                )],
            );
        }
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!(
                    "ServerRoot /x\n<Directory /w/a>\n{AUTH}Require valid-user\n</Directory>\n"
                ),
            )],
        );
        silent(
            &super::RULE,
            &[(
                "httpd.conf",
                &format!("ServerRoot /x\nRewriteEngine On\nRewriteCond %{{REQUEST_METHOD}} OPTIONS\nRewriteRule ^ - [R=200,L]\n<Directory /w/a>\n{CORS}{AUTH}Require valid-user\n</Directory>\n"),
            )],
        );
    }
}
