//! AL130: a front-controller rewrite to a CGI script in an area where the server asks for
//! no password, so the application does its own auth, and Apache hides the `Authorization`
//! header from CGI.
//!
//! `ap_add_common_vars()` leaves `Authorization` out of the CGI environment unless
//! `CGIPassAuth On` (2.4.13+); the usual workarounds copy it into `HTTP_AUTHORIZATION` with
//! `SetEnvIf` or a `RewriteRule ... [E=HTTP_AUTHORIZATION:...]`. Any of these anywhere in
//! the input keeps the rule silent, as does an area whose `AuthType` is unknown.
use super::alias_bypasses_location_auth::alias_rest;
use crate::model::apache::{ApacheModel, Lookup, ScopeId, ScopeKind};
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;
use std::path::Path;

pub static RULE: Rule = Rule {
    code: "AL130",
    name: "cgi-authorization-hidden",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A CGI application behind a rewrite never sees the Authorization header",
    why: "Apache does not pass the `Authorization` request header to CGI programs (it would \
          expose the password to every script) unless `CGIPassAuth On` is set. An application \
          that checks HTTP auth itself, behind a front-controller rewrite and with no \
          `AuthType` on the server, then never sees the credentials: it answers 401 to every \
          login, valid users included.",
    bad: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/app>\n    Options +ExecCGI\n    AddHandler cgi-script .cgi\n    AllowOverride All\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/app/.htaccess",
            text: "RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^ app.cgi [L]\n",
        },
    ]],
    good: &[&[
        Example {
            path: "httpd.conf",
            text: "ServerRoot /etc/apache2\n<Directory /srv/app>\n    Options +ExecCGI\n    AddHandler cgi-script .cgi\n    AllowOverride All\n    Require all granted\n</Directory>\n",
        },
        Example {
            path: "/srv/app/.htaccess",
            text: "CGIPassAuth On\nRewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^ app.cgi [L]\n",
        },
    ]],
    evidence: &[
        "scenario: apache_flow_cgi_authorization_hidden",
        "scenario: apache_flow_cgi_authorization_passed",
    ],
    check: Check::Model(check),
};

/// Does the input copy the header for CGI somewhere (`SetEnvIf Authorization ...`, or a
/// rewrite with `E=HTTP_AUTHORIZATION:...`)? Then what reaches the script is not certain.
fn copies_header_somewhere(apache: &ApacheModel) -> bool {
    (0..apache.scopes.len()).any(|i| {
        apache.directives_in(i).iter().any(|d| {
            let setenvif = (d.key == "setenvif" || d.key == "setenvifnocase")
                && d.args
                    .first()
                    .is_some_and(|a| a.text.eq_ignore_ascii_case("authorization"));
            let rewrite_env = d.key == "rewriterule"
                && d.args
                    .iter()
                    .any(|a| a.text.to_ascii_uppercase().contains("HTTP_AUTHORIZATION"));
            let rewrite_env_key = d.key == "rewritecond"
                && d.args
                    .iter()
                    .any(|a| a.text.to_ascii_uppercase().contains("HTTP_AUTHORIZATION"));
            setenvif || rewrite_env || rewrite_env_key
        })
    })
}

/// The scopes whose directives apply to the area of `id`: its merge chain, the section
/// itself, and the top of its server.
fn area_scopes(apache: &ApacheModel, id: ScopeId) -> Vec<ScopeId> {
    let mut out = apache.chain(id).scopes;
    if !out.contains(&id) {
        out.push(id);
    }
    out.extend(apache.roots.iter().copied());
    out.extend(apache.vhost_of(id));
    out
}

/// `AddHandler cgi-script .cgi .pl` in these scopes: the extensions (lowercase, no dot).
fn cgi_extensions<'m>(apache: &'m ApacheModel, scopes: &[ScopeId]) -> Vec<(String, &'m Directive)> {
    let mut out = Vec::new();
    for s in scopes {
        for d in apache.directives_in(*s) {
            let mut args = d.args.iter();
            let handler = args.next().map(|a| a.text.to_ascii_lowercase());
            if d.key == "addhandler" && handler.as_deref() == Some("cgi-script") {
                for ext in args {
                    out.push((ext.text.trim_start_matches('.').to_ascii_lowercase(), d));
                }
            }
        }
    }
    out
}

fn cgi_pass_auth(apache: &ApacheModel, scopes: &[ScopeId]) -> bool {
    scopes.iter().any(|s| {
        apache
            .directives_in(*s)
            .iter()
            .any(|d| d.key == "cgipassauth")
    })
}

/// The `ScriptAlias` that takes the URL-path `path` (a rewrite's target), when the script
/// directory neither passes the header nor asks for a password itself.
fn script_alias_for<'m>(apache: &'m ApacheModel, id: ScopeId, path: &str) -> Option<&'m Directive> {
    if !path.starts_with('/') {
        return None;
    }
    let vhost = apache.vhost_of(id);
    let tops = apache.roots.iter().copied().chain(vhost);
    let d = tops.flat_map(|t| apache.directives_in(t)).find(|d| {
        d.key == "scriptalias"
            && d.args.len() == 2
            && d.args
                .first()
                .is_some_and(|fake| alias_rest(&fake.text, path).is_some())
    })?;
    let real = normalize(Path::new(&d.args.get(1)?.text));
    if !real.is_absolute() {
        return None;
    }
    let chain = apache.chain_for_dir(&real, vhost);
    let passes_or_asks = chain.scopes.iter().any(|s| {
        apache
            .directives_in(*s)
            .iter()
            .any(|x| x.key == "cgipassauth" || x.key == "authtype")
    });
    (!passes_or_asks).then_some(d)
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    if copies_header_somewhere(apache) {
        return;
    }
    for (id, scope) in apache.scopes.iter().enumerate() {
        if !matches!(scope.kind, ScopeKind::Directory | ScopeKind::Htaccess) {
            continue;
        }
        let rw = apache.rewrites(id);
        if !rw.engine.is_some_and(|(_, on)| on) {
            continue;
        }
        // The server asks for no password here: the application must do its own auth.
        if apache.effective(id, "authtype") != Lookup::NotSet {
            continue;
        }
        let scopes = area_scopes(apache, id);
        if cgi_pass_auth(apache, &scopes) {
            continue;
        }
        let exts = cgi_extensions(apache, &scopes);
        for r in &rw.rules {
            let Some(sub) = r.substitution else { continue };
            let hands_off = ["R", "P", "F", "G"];
            if r.is_dash() || hands_off.iter().any(|f| r.has_flag(f)) || sub.text.contains("://") {
                continue;
            }
            // The script: the substitution's last path segment, before any query or
            // variable part.
            let path = sub.text.split(['?', '$', '%']).next().unwrap_or("");
            let file = path.rsplit('/').next().unwrap_or("");
            let by_ext = file.rsplit_once('.').and_then(|(_, ext)| {
                exts.iter()
                    .find(|(e, _)| e == &ext.to_ascii_lowercase())
                    .map(|(_, d)| *d)
            });
            let Some(handler) = by_ext.or_else(|| script_alias_for(apache, id, path)) else {
                continue;
            };
            let d = out
                .diag(format!(
                    "requests rewritten to `{file}` reach a CGI script without the Authorization header: an application that checks HTTP auth itself refuses every login"
                ))
                .at(r.directive.span, "hands the request to the CGI script")
                .label(handler.span, "runs it as CGI, which never sees Authorization")
                .help("add `CGIPassAuth On` for this directory (Apache 2.4.13+), or copy the header: `SetEnvIf Authorization .+ HTTP_AUTHORIZATION=$0`");
            out.emit(d);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const SERVER: &str = "ServerRoot /x\n<Directory /w>\nOptions +ExecCGI\nAddHandler cgi-script .cgi\nAllowOverride All\nRequire all granted\n</Directory>\n";
    const FRONT: &str =
        "RewriteEngine On\nRewriteCond %{REQUEST_FILENAME} !-f\nRewriteRule ^ app.cgi [L]\n";

    #[test]
    fn front_controller_to_cgi_without_pass_auth_fires() {
        fires(
            &super::RULE,
            &[("httpd.conf", SERVER), ("/w/app/.htaccess", FRONT)],
        );
    }

    #[test]
    fn front_controller_to_a_script_alias_fires_unless_its_directory_passes_auth() {
        let server = |extra: &str| {
            format!("ServerRoot /x\nScriptAlias /cgi-bin/ /usr/lib/cgi-bin/\n<Directory /usr/lib/cgi-bin>\nRequire all granted\n{extra}</Directory>\n<Directory /w>\nAllowOverride All\nRequire all granted\n</Directory>\n")
        };
        let front = "RewriteEngine On\nRewriteRule ^ /cgi-bin/app [L]\n";
        fires(
            &super::RULE,
            &[("httpd.conf", &server("")), ("/w/.htaccess", front)],
        );
        silent(
            &super::RULE,
            &[
                ("httpd.conf", &server("CGIPassAuth On\n")),
                ("/w/.htaccess", front),
            ],
        );
    }

    #[test]
    fn pass_auth_copies_server_auth_or_no_cgi_are_silent() {
        for extra in [
            "CGIPassAuth On\n",
            "SetEnvIf Authorization .+ HTTP_AUTHORIZATION=$0\n",
            "RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]\n",
            "AuthType Basic\nAuthName \"A\"\nAuthUserFile /u\nRequire valid-user\n",
        ] {
            silent(
                &super::RULE,
                &[
                    ("httpd.conf", SERVER),
                    ("/w/app/.htaccess", &format!("{extra}{FRONT}")),
                ],
            );
        }
        silent(
            &super::RULE,
            &[
                ("httpd.conf", SERVER),
                (
                    "/w/app/.htaccess",
                    "RewriteEngine On\nRewriteRule ^ index.php [L]\n",
                ),
            ],
        );
    }
}
