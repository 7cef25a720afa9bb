//! AL131: `ErrorDocument 401 http://...`, which Apache drops.
//!
//! A redirect on 401 would hide the challenge from the browser, so httpd refuses full URLs
//! for 401 (`core.c` `set_error_document()`: "cannot use a full URL in a 401 ErrorDocument
//! directive --- ignoring!", logged at notice level, also from `.htaccess`). The visitor
//! gets the stock 401 page, never the login page the line names.
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL131",
    name: "unauthorized-error-document-url",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "ErrorDocument 401 with a full URL is ignored: no redirect to the login page happens",
    why: "A redirect in answer to a 401 would hide the `WWW-Authenticate` challenge from the \
          browser, so Apache refuses a full URL (`http://...`, `https://...`) as the 401 error \
          document: it logs \"cannot use a full URL in a 401 ErrorDocument directive --- \
          ignoring!\" and sends its stock 401 page. The login page named here is never shown. \
          Use a local document (`ErrorDocument 401 /errors/401.html`) that links to it.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    ErrorDocument 401 https://login.example.org/\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n    ErrorDocument 401 /errors/401.html\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_flow_error_document_401_url",
        "scenario: apache_flow_error_document_401_local",
    ],
    check: Check::Model(check),
};

/// `ap_is_url()`: a scheme (letters, digits, `+`, `-`, `.`) followed by `:`.
fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in 0..apache.scopes.len() {
        for d in apache.directives_in(id) {
            if d.key != "errordocument" {
                continue;
            }
            let [code, target] = d.args.as_slice() else {
                continue;
            };
            // Text with a space is a message; `default` restores the stock page.
            if code.text != "401" || target.text.contains(' ') || !is_url(&target.text) {
                continue;
            }
            let diag = out
                .diag("Apache ignores a full URL as the 401 error document (\"cannot use a full URL in a 401 ErrorDocument directive\"): visitors get the stock 401 page, not this one")
                .at(target.span, "ignored: a redirect would hide the password prompt")
                .help("point it at a local document, e.g. `ErrorDocument 401 /errors/401.html`, and link to the login page from there");
            out.emit(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(line: &str) -> String {
        format!("ServerRoot /x\n<Directory /w>\n{line}\n</Directory>\n")
    }

    #[test]
    fn full_urls_fire_for_401_only() {
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("ErrorDocument 401 http://a.org/login"))],
        );
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("ErrorDocument 401 \"https://a.org/\""))],
        );
        for line in [
            "ErrorDocument 403 http://a.org/",
            "ErrorDocument 401 /errors/401.html",
            "ErrorDocument 401 default",
            "ErrorDocument 401 \"Log in at http://a.org/\"",
        ] {
            silent(&super::RULE, &[("httpd.conf", &conf(line))]);
        }
    }
}
