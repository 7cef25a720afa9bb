//! AL119: Basic auth on a virtual host that does not use TLS.
use crate::model::apache::ScopeKind;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL119",
    name: "basic-auth-without-tls",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "Basic auth on a virtual host without TLS: passwords cross the network in clear",
    why: "Basic auth sends the user name and password with every request, only base64-encoded. \
          On a virtual host without `SSLEngine on`, anyone on the path can read them. When an \
          HTTPS virtual host for the same name exists, the plain one should only redirect to \
          it (in the vhost, before any auth: a redirect in the protected directory runs after \
          the password was already sent); when none exists, add TLS.",
    bad: &[&[Example {
        path: "sites-enabled/site.conf",
        text: "<VirtualHost *:80>\n    ServerName example.org\n    DocumentRoot /var/www/html\n    <Directory /var/www/html/private>\n        AuthType Basic\n        AuthName \"Private\"\n        AuthUserFile /etc/apache2/users\n        Require valid-user\n    </Directory>\n</VirtualHost>\n",
    }]],
    good: &[&[Example {
        path: "sites-enabled/site.conf",
        text: "<VirtualHost *:80>\n    ServerName example.org\n    Redirect permanent / https://example.org/\n</VirtualHost>\n<VirtualHost *:443>\n    ServerName example.org\n    SSLEngine on\n    DocumentRoot /var/www/html\n    <Directory /var/www/html/private>\n        AuthType Basic\n        AuthName \"Private\"\n        AuthUserFile /etc/apache2/users\n        Require valid-user\n    </Directory>\n</VirtualHost>\n",
    }]],
    evidence: &["scenario: apache_basic_auth_plain_http_vhost"],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    let vhosts: Vec<usize> = apache
        .scopes
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == ScopeKind::VirtualHost)
        .map(|(i, _)| i)
        .collect();
    let tls = |v: usize| {
        apache.directives_in(v).iter().any(|d| {
            d.key == "sslengine"
                && d.args
                    .first()
                    .is_some_and(|a| a.text.eq_ignore_ascii_case("on"))
        })
    };
    let name_of = |v: usize| {
        apache
            .directives_in(v)
            .into_iter()
            .find(|d| d.key == "servername")
            .and_then(|d| d.args.first())
            .map(|a| a.text.to_ascii_lowercase())
    };
    for &v in &vhosts {
        if tls(v) {
            continue;
        }
        let basic = apache
            .sections_below(v)
            .into_iter()
            .flat_map(|s| apache.directives_in(s))
            .find(|d| {
                d.key == "authtype"
                    && d.args
                        .first()
                        .is_some_and(|a| a.text.eq_ignore_ascii_case("basic"))
            });
        let Some(basic) = basic else { continue };
        let name = name_of(v);
        let https_twin = vhosts
            .iter()
            .find(|w| **w != v && tls(**w) && name.is_some() && name_of(**w) == name);
        let mut d = out
            .diag("Basic auth on a virtual host without TLS: the password crosses the network in clear with every request")
            .at(basic.span, "asks for a password over plain HTTP");
        if let Some(twin) = https_twin
            .and_then(|w| apache.scope(*w))
            .and_then(|s| s.head.as_ref())
        {
            d = d
                .label(twin.open_span, "an HTTPS virtual host for the same name")
                .help("let the plain virtual host only redirect to https:// (Redirect in the vhost, before any auth) and keep the auth in the TLS one");
        } else {
            d = d.help("serve this site over TLS (SSLEngine on with a certificate) and redirect plain HTTP to it");
        }
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn tls_vhosts_and_digest_are_fine() {
        silent(
            &super::RULE,
            &[("site.conf", "<VirtualHost *:443>\nSSLEngine on\n<Location /a>\nAuthType Basic\n</Location>\n</VirtualHost>\n")],
        );
        silent(
            &super::RULE,
            &[(
                "site.conf",
                "<VirtualHost *:80>\n<Location /a>\nAuthType Digest\n</Location>\n</VirtualHost>\n",
            )],
        );
    }

    #[test]
    fn names_the_https_twin() {
        let found = fires(
            &super::RULE,
            &[("site.conf", "<VirtualHost *:80>\nServerName a.org\n<Location /a>\nAuthType Basic\n</Location>\n</VirtualHost>\n<VirtualHost *:443>\nServerName a.org\nSSLEngine on\n</VirtualHost>\n")],
        );
        assert_eq!(found[0].labels.len(), 1);
    }
}
