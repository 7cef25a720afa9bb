//! AL114: a password file under a DocumentRoot (or Alias target) that Apache serves.
use crate::model::apache::{ApacheModel, ScopeId, ScopeKind};
use crate::model::paths::normalize;
use crate::rules::prelude::*;
use crate::syntax::apache::Directive;
use std::path::{Path, PathBuf};

pub static RULE: Rule = Rule {
    code: "AL114",
    name: "password-file-served",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The password file lies under a DocumentRoot and nothing denies it: anyone can download the hashes",
    why: "Apache serves every file under a DocumentRoot (or an Alias target) that no section \
          denies. The stock configs deny only names that start with `.ht` (Debian: \
          `<FilesMatch \"^\\.ht\">`, httpd: `<Files \".ht*\">`), so a password file called \
          `users`, `passwd` or `htpasswd` is handed to anyone who asks for it, and its hashes \
          can be cracked offline. The manual's advice: keep it out of the web space.",
    bad: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /srv/www/users\n    Require valid-user\n</Directory>\n",
    }]],
    good: &[&[Example {
        path: "httpd.conf",
        text: "ServerRoot /etc/apache2\nDocumentRoot /srv/www\n<Directory /srv/www>\n    Require all granted\n</Directory>\n<Directory /srv/www/private>\n    AuthType Basic\n    AuthName \"Private\"\n    AuthUserFile /etc/apache2/users\n    Require valid-user\n</Directory>\n",
    }]],
    evidence: &[
        "scenario: apache_password_file_in_docroot",
        "scenario: apache_password_file_in_docroot_dot_ht",
    ],
    check: Check::Model(check),
};

/// What the authorization that applies to a file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    Open,
    Closed,
    Unknown,
}

/// The access a section's own `Require` / `Deny` lines give.
fn access_of(model: &ApacheModel, scope: ScopeId) -> Access {
    let ds = model.directives_in(scope);
    let words = |d: &Directive| -> Vec<String> {
        d.args.iter().map(|a| a.text.to_ascii_lowercase()).collect()
    };
    let requires: Vec<Vec<String>> = ds
        .iter()
        .filter(|d| d.key == "require")
        .map(|d| words(d))
        .collect();
    if requires.iter().any(|w| w == &["all", "granted"]) {
        return Access::Open;
    }
    if !requires.is_empty() {
        return Access::Closed;
    }
    if ds
        .iter()
        .any(|d| d.key == "deny" && words(d) == ["from", "all"])
    {
        return Access::Closed;
    }
    Access::Unknown
}

/// Does a `<Files>` / `<FilesMatch>` section match the file name? `None`: cannot tell.
fn files_matches(model: &ApacheModel, scope: ScopeId, name: &str) -> Option<bool> {
    let s = model.scope(scope)?;
    let head = s.head.as_ref()?;
    let args: Vec<&str> = head.args.iter().map(|a| a.text.as_str()).collect();
    let regex = match (s.kind, args.as_slice()) {
        (ScopeKind::FilesMatch, ["~", re, ..]) => re.to_string(),
        (ScopeKind::FilesMatch, [re, ..]) => re.to_string(),
        (ScopeKind::Files, [pattern, ..]) => {
            return Some(
                glob::Pattern::new(pattern)
                    .map(|p| p.matches(name))
                    .unwrap_or(*pattern == name),
            )
        }
        _ => return None,
    };
    let re = crate::model::pcre::compile(&regex, crate::model::pcre::Flavor::Apache, false).ok()?;
    re.is_match(name.as_bytes()).ok()
}

/// Where a `<Files>` section stands decides whether it applies to a file in `dir`.
fn files_applies(model: &ApacheModel, scope: ScopeId, dir: &Path, vhost: Option<ScopeId>) -> bool {
    let v = model.vhost_of(scope);
    if v.is_some() && v != vhost {
        return false;
    }
    match model.anchor(scope) {
        None => true,
        Some(a) => model.chain_for_dir(dir, vhost).scopes.contains(&a),
    }
}

/// The web roots of a server: DocumentRoot, and Alias targets with their URL.
fn web_roots(model: &ApacheModel, server: ScopeId) -> Vec<(PathBuf, String, &Directive)> {
    let mut out = Vec::new();
    for d in model.directives_in(server) {
        match (d.key.as_str(), d.args.as_slice()) {
            ("documentroot", [root, ..]) => {
                out.push((normalize(Path::new(&root.text)), "/".to_string(), d))
            }
            ("alias", [url, target, ..]) => out.push((
                normalize(Path::new(&target.text)),
                format!("{}/", url.text.trim_end_matches('/')),
                d,
            )),
            _ => {}
        }
    }
    out
}

fn check(model: &Model, out: &mut Sink) {
    let apache = &model.apache;
    // Servers: the main one (the vhost-less sections) and every vhost.
    let mut servers: Vec<Option<ScopeId>> = vec![None];
    servers.extend(
        apache
            .scopes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == ScopeKind::VirtualHost)
            .map(|(i, _)| Some(i)),
    );
    for r in model
        .password_refs
        .iter()
        .filter(|r| r.server == Server::Apache)
    {
        let path = &r.server_path;
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            continue;
        };
        let name = name.to_string_lossy();
        for vhost in &servers {
            // A vhost also serves the main server's DocumentRoot when it sets none.
            let mut roots = Vec::new();
            if let Some(v) = vhost {
                roots.extend(web_roots(apache, *v));
            }
            if roots.is_empty() {
                for root in &apache.roots {
                    roots.extend(web_roots(apache, *root));
                }
            }
            let Some((url, root_directive)) = roots.iter().find_map(|(root, prefix, d)| {
                let rest = path.strip_prefix(root).ok()?;
                Some((format!("{prefix}{}", rest.to_string_lossy()), *d))
            }) else {
                continue;
            };
            // <Files> sections merge after the directories: the last matching one with
            // authorization decides.
            let mut verdict = None;
            let mut unsure = false;
            for (i, s) in apache.scopes.iter().enumerate() {
                if !matches!(s.kind, ScopeKind::Files | ScopeKind::FilesMatch)
                    || !files_applies(apache, i, dir, *vhost)
                {
                    continue;
                }
                match files_matches(apache, i, &name) {
                    Some(true) => match access_of(apache, i) {
                        Access::Unknown => {}
                        a => verdict = Some(a),
                    },
                    Some(false) => {}
                    None => unsure = true,
                }
            }
            if unsure {
                continue;
            }
            let access = match verdict {
                Some(a) => a,
                None => {
                    let chain = apache.chain_for_dir(dir, *vhost);
                    if !chain.complete {
                        continue;
                    }
                    match chain.scopes.iter().rev().find(|s| apache.has_authz(**s)) {
                        Some(s) => access_of(apache, *s),
                        None => Access::Unknown,
                    }
                }
            };
            if access != Access::Open {
                continue;
            }
            let d = out
                .diag(format!(
                    "the password file `{}` is under the web space and nothing denies it: anyone can download it at `{url}`",
                    path.display()
                ))
                .at(r.span, "served to anyone")
                .label(root_directive.span, "the web space starts here")
                .help("move the file outside every DocumentRoot and Alias target (e.g. /etc/apache2/), or deny it with a <Files> section");
            out.emit(d);
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    fn conf(file: &str, extra: &str) -> String {
        format!("ServerRoot /x\nDocumentRoot /w\n<Directory /w>\nRequire all granted\n</Directory>\n{extra}<Directory /w/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile {file}\nRequire valid-user\n</Directory>\n")
    }

    #[test]
    fn dot_ht_names_are_denied_by_a_files_match() {
        let deny = "<FilesMatch \"^\\.ht\">\nRequire all denied\n</FilesMatch>\n";
        silent(&super::RULE, &[("httpd.conf", &conf("/w/.htpasswd", deny))]);
        fires(&super::RULE, &[("httpd.conf", &conf("/w/users", deny))]);
        // Inside the protected directory only logged-in users can fetch it.
        silent(&super::RULE, &[("httpd.conf", &conf("/w/p/users", deny))]);
    }

    #[test]
    fn the_assumed_debian_config_denies_dot_ht() {
        let vhost = "<VirtualHost *:80>\nDocumentRoot /var/www/html\n<Directory /var/www/html/p>\nAuthType Basic\nAuthName \"P\"\nAuthUserFile /var/www/html/.htpasswd\nRequire valid-user\n</Directory>\n</VirtualHost>\n";
        silent(&super::RULE, &[("site.conf", vhost)]);
        let leaky = vhost.replace(".htpasswd", "passwords");
        fires(&super::RULE, &[("site.conf", &leaky)]);
    }

    #[test]
    fn a_denied_directory_is_not_served() {
        let extra = "<Directory /w/secret>\nRequire all denied\n</Directory>\n";
        silent(
            &super::RULE,
            &[("httpd.conf", &conf("/w/secret/users", extra))],
        );
    }

    #[test]
    fn alias_targets_count() {
        let extra = "Alias /files /data/files\n<Directory /data/files>\nRequire all granted\n</Directory>\n";
        fires(
            &super::RULE,
            &[("httpd.conf", &conf("/data/files/users", extra))],
        );
    }
}
