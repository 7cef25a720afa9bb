//! AL117: an authentication or authorization provider that no loaded module registers.
use crate::model::apache::ScopeKind;
use crate::model::directives::apache_provider;
use crate::rules::prelude::*;
use crate::syntax::Word;

pub static RULE: Rule = Rule {
    code: "AL117",
    name: "unknown-auth-provider",
    severity: Severity::Error,
    default_enabled: true,
    summary: "AuthBasicProvider or Require names a provider no loaded module registers: Apache refuses the config",
    why: "Providers are looked up when the config is read. `AuthBasicProvider dbm` without \
          mod_authn_dbm, `Require group` without mod_authz_groupfile, or a misspelled name \
          (`Require valid_user`) stop Apache with `Unknown Authn provider: dbm` / `Unknown \
          Authz provider: ...` — it refuses to start or reload; in a `.htaccess`, every \
          request to the directory gets 500. Providers defined by `<AuthnProviderAlias>` / \
          `<AuthzProviderAlias>` count as known.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid_user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_authn_provider_not_loaded",
        "scenario: apache_require_provider_not_loaded",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    // Names that provider-alias sections define.
    let aliases: Vec<&str> = apache
        .scopes
        .iter()
        .filter_map(|s| s.head.as_ref())
        .filter(|h| h.key == "authnprovideralias" || h.key == "authzprovideralias")
        .filter_map(|h| h.args.get(1))
        .map(|a| a.text.as_str())
        .collect();
    let mut report = |scope: usize, kind: &str, word: &Word, directive: &str| {
        if aliases.contains(&word.text.as_str()) {
            return;
        }
        let effect = "Apache refuses to start (in a .htaccess: 500 for the directory)";
        let Some(module) = apache_provider(kind, &word.text) else {
            let diag = out
                .diag(format!(
                    "`{}` is not an {} provider any Apache module registers: {effect}",
                    word.text,
                    if kind == "authn" { "authentication" } else { "authorization" }
                ))
                .at(word.span, "unknown provider")
                .help(if kind == "authn" {
                    "the usual provider is `file` (with AuthUserFile)"
                } else {
                    "the usual forms are `Require valid-user`, `Require user NAME`, `Require group NAME`, `Require all granted|denied`, `Require ip ADDR`"
                });
            out.emit(diag);
            return;
        };
        let Some(loaded) = apache.modules_for(scope) else {
            return;
        };
        if loaded.ids.contains(module) {
            return;
        }
        let diag = out
            .diag(format!(
                "{directive} `{}` needs {module}, which the config does not load: {effect}",
                word.text
            ))
            .at(word.span, "no loaded module registers this provider")
            .help(format!(
                "load it (`a2enmod {}` on Debian)",
                module.trim_end_matches("_module")
            ));
        out.emit(diag);
    };
    for (id, scope) in apache.scopes.iter().enumerate() {
        if scope.kind == ScopeKind::Conditional {
            continue; // its directives are listed under its parent
        }
        for d in apache.directives_in(id) {
            match d.key.as_str() {
                "authbasicprovider" | "authdigestprovider" | "authformprovider" => {
                    for w in &d.args {
                        report(id, "authn", w, &d.name);
                    }
                }
                "require" => {
                    let mut args = d.args.iter();
                    let first = args.next();
                    let provider = match first {
                        Some(w) if w.text.eq_ignore_ascii_case("not") => args.next(),
                        other => other,
                    };
                    if let Some(w) = provider {
                        report(id, "authz", w, &d.name);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(load: &str, line: &str) -> String {
        format!("ServerRoot /x\nLoadModule mime_module m/mod_mime.so\n{load}<Directory /w>\nAuthType Basic\n{line}\n</Directory>\n")
    }

    #[test]
    fn providers_need_their_module_when_the_main_config_is_known() {
        let load = "LoadModule authz_groupfile_module m/mod_authz_groupfile.so\n";
        silent(
            &super::RULE,
            &[("httpd.conf", &conf(load, "Require group admins"))],
        );
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("", "Require group admins"))],
        );
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("", "AuthBasicProvider dbm"))],
        );
    }

    #[test]
    fn misspelled_providers_fire_even_without_a_main_config() {
        fires(&super::RULE, &[("site/.htaccess", "Require valid_user\n")]);
        silent(
            &super::RULE,
            &[(
                "site/.htaccess",
                "Require valid-user\nRequire not ip 10.0.0.1\n",
            )],
        );
    }

    #[test]
    fn aliases_are_known() {
        silent(
            &super::RULE,
            &[("site.conf", "<AuthnProviderAlias file staff>\nAuthUserFile /u\n</AuthnProviderAlias>\n<Location /a>\nAuthBasicProvider staff\n</Location>\n")],
        );
    }
}
