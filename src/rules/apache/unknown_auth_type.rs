//! AL116: an `AuthType` that no loaded module implements.
use crate::model::directives::apache_module_id;
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL116",
    name: "unknown-auth-type",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AuthType names a scheme no loaded module implements: every request gets 500",
    why: "Apache accepts any word after `AuthType` at start-up (`apache2 -t` says Syntax OK), \
          and only at request time finds that no module handles it: `AH01796: AuthType \
          Basics configured without corresponding module`, and 500 for every request to the \
          area. The same happens with `AuthType Digest` or `AuthType Form` when \
          mod_auth_digest or mod_auth_form is not loaded. Known types: None, Basic, Digest, \
          Form (each implemented by the module that defines its `Auth<Type>Provider`).",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basics\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_auth_type_misspelled",
        "scenario: apache_auth_type_module_not_loaded",
    ],
    check: Check::Model(check),
};

/// The types the stock modules implement, lowercase.
const KNOWN: &[&str] = &["basic", "digest", "form", "none"];

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    for id in 0..apache.scopes.len() {
        for d in apache.directives_in(id) {
            if d.key != "authtype" {
                continue;
            }
            // Directives of a conditional section are also listed under its parent.
            if apache
                .scope(id)
                .is_some_and(|s| s.kind == crate::model::apache::ScopeKind::Conditional)
            {
                continue;
            }
            let Some(arg) = d.args.first() else { continue };
            let value = arg.text.to_ascii_lowercase();
            if value == "none" || arg.text.contains("%{") {
                continue; // `None`, or an expression evaluated per request
            }
            // The module that implements AuthType X defines AuthXProvider.
            let Some(module) = apache_module_id(&format!("auth{value}provider")) else {
                // Third-party modules bring their own types (openid-connect, shibboleth,
                // GSSAPI, Mellon...): only a near miss of a known one is surely a typo.
                let near = KNOWN
                    .iter()
                    .find(|k| strsim::osa_distance(k, &value) <= 2 || value.starts_with(*k));
                let Some(near) = near else { continue };
                let diag = out
                    .diag(format!(
                        "`AuthType {}` is not a scheme Apache knows: every request here gets 500 (AH01796)",
                        arg.text
                    ))
                    .at(arg.span, format!("did you mean `{near}`?"))
                    .help("use `AuthType Basic` (or Digest, Form, None)");
                out.emit(diag);
                continue;
            };
            let Some(loaded) = apache.modules_for(id) else {
                continue;
            };
            if loaded.ids.contains(&module) {
                continue;
            }
            let diag = out
                .diag(format!(
                    "`AuthType {}` needs {module}, which the config does not load: every request here gets 500 (AH01796)",
                    arg.text
                ))
                .at(arg.span, "no module implements this here")
                .help(format!(
                    "load it (`a2enmod {}` on Debian), or use `AuthType Basic`",
                    module.trim_end_matches("_module")
                ));
            out.emit(diag);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(load: &str, t: &str) -> String {
        format!(
            "ServerRoot /x\nLoadModule mime_module m/mod_mime.so\n{load}<Directory /w>\nAuthType {t}\nRequire valid-user\n</Directory>\n"
        )
    }

    #[test]
    fn known_types_with_their_module() {
        let load = "LoadModule auth_digest_module m/mod_auth_digest.so\n";
        silent(&super::RULE, &[("httpd.conf", &conf(load, "Digest"))]);
        silent(&super::RULE, &[("httpd.conf", &conf("", "none"))]);
        fires(&super::RULE, &[("httpd.conf", &conf("", "Digest"))]);
    }

    #[test]
    fn modules_unknown_without_a_main_config() {
        silent(
            &super::RULE,
            &[("site.conf", "<Location /a>\nAuthType Digest\n</Location>\n")],
        );
        fires(
            &super::RULE,
            &[("site.conf", "<Location /a>\nAuthType Basci\n</Location>\n")],
        );
    }
}
