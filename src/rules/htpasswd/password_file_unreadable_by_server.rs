//! AL311: the account the server's workers run as cannot read the password file.
//!
//! The account comes from the config (Apache `User`/`Group`, nginx `user`) or the assumed
//! packaging ([`crate::model::accounts`]); its ids are looked up on the machine authlint
//! runs on, and the file's and directories' owners and mode bits are those authlint sees.
//! So the rule speaks only when all of that is known: the names resolve here, and every
//! owner on the way is known. Directories are walked up to the linted path the file lies
//! under, never above it (a checkout in a home directory that the web server cannot enter
//! says nothing about the server's own layout). ACLs are not read: a file that an ACL opens
//! to the server may be reported.
use crate::htpasswd::file::Blocked;
use crate::model::accounts::run_as;
use crate::rules::prelude::*;
use crate::source::FileKind;
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    code: "AL311",
    name: "password-file-unreadable-by-server",
    severity: Severity::Error,
    default_enabled: true,
    summary: "The server's workers cannot read the password file, so every login fails with 500",
    why: "Apache and nginx open the password file when someone logs in, in a worker that \
          runs as an unprivileged account (`User`/`Group`, nginx `user`; www-data on \
          Debian), not as root. A file only root can read (`htpasswd -c` run with umask \
          077, mode 600 owned by root), or a directory on the way that the account cannot \
          enter, makes the prompt appear (401) and every login answer 500: Apache logs \
          `(13)Permission denied: AH01620: Could not open password file`, nginx logs \
          `open() ... failed (13: Permission denied)`. Valid users never get in.",
    bad: &[&[
        Example {
            path: "/etc/nginx/nginx.conf",
            text: "user www-data;\nevents {}\nhttp {\n    server {\n        listen 80;\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /etc/nginx/.htpasswd;\n        }\n    }\n}\n",
        },
        Example {
            path: "/etc/nginx/.htpasswd (mode 0600, owner root:root)",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        },
    ]],
    good: &[&[
        Example {
            path: "/etc/nginx/nginx.conf",
            text: "user www-data;\nevents {}\nhttp {\n    server {\n        listen 80;\n        location /private/ {\n            auth_basic \"Private\";\n            auth_basic_user_file /etc/nginx/.htpasswd;\n        }\n    }\n}\n",
        },
        Example {
            path: "/etc/nginx/.htpasswd (mode 0640, owner root:www-data)",
            text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
        },
    ]],
    evidence: &[
        "scenario: apache_auth_user_file_unreadable",
        "scenario: nginx_user_file_unreadable",
        "scenario: nginx_user_file_group_readable_healthy",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    // One finding per file and account; the first directive that names it carries it.
    let mut seen = HashSet::new();
    for r in &model.password_refs {
        let Some(file) = r.file else { continue };
        if r.kind == FileKind::Htgroup {
            continue; // not observed on the servers; group files hold no secrets anyway
        }
        let Some(ra) = run_as(model, r) else { continue };
        let key = (ra.user.clone(), ra.group.clone());
        let Some(Some(ids)) = model.accounts.get(&key) else {
            continue;
        };
        let Some(access) = model
            .password_files
            .get(&file)
            .and_then(|pf| pf.access.as_ref())
        else {
            continue;
        };
        let Some(blocked) = access.blocked_for(ids) else {
            continue;
        };
        if !seen.insert((file, key)) {
            continue;
        }
        let path = model.sources.path(file);
        let effect = match r.server {
            Server::Apache => {
                "Apache asks for a password and answers every login with 500 (AH01620)"
            }
            Server::Nginx => "nginx asks for a password and answers every login with 500",
        };
        let (why, help) = match &blocked {
            Blocked::File { mode } => (
                format!("the file's mode {mode:04o} gives `{}` no read permission", ra.user),
                format!(
                    "`chgrp {} {path} && chmod 640 {path}`: the server's group reads it, other accounts do not",
                    ra.group
                ),
            ),
            Blocked::Directory { path: dir, mode } => (
                format!(
                    "`{}` (mode {mode:04o}) does not let `{}` enter it",
                    dir.display(),
                    ra.user
                ),
                format!(
                    "let the server's group enter `{}` (`chgrp {} {0} && chmod g+x {0}`), or move the file",
                    dir.display(),
                    ra.group
                ),
            ),
        };
        let mut d = out
            .diag(format!(
                "the server runs as `{}:{}` and cannot read `{}`: {why}; {effect}",
                ra.user,
                ra.group,
                r.server_path.display()
            ))
            .at(r.span, format!("read by `{}` ({})", ra.user, ra.source))
            .help(help);
        if let Some(from) = ra.from {
            d = d.label(from, "the account the workers run as");
        }
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::discover::{classify_by_name, Found};
    use crate::model::ModelOptions;
    use crate::source::{FileKind, Ids, MemFs};
    use std::path::PathBuf;

    const H: &str = "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n";
    const WWW: u32 = 33;

    fn conf(user_line: &str) -> String {
        format!(
            "{user_line}events {{}}\nhttp {{\n server {{\n  location /p/ {{\n   auth_basic P;\n   auth_basic_user_file /site/users;\n  }}\n }}\n}}\n"
        )
    }

    /// Lint `/site/nginx.conf` with `/site/users` of the given mode and owner; the site
    /// directory has `dir` mode, owned by root. `www-data` is uid and gid 33.
    fn lint(conf: &str, mode: u32, owner: (u32, u32), dir: u32) -> Vec<String> {
        let mut fs = MemFs::default();
        fs.files
            .insert(PathBuf::from("/site/nginx.conf"), conf.as_bytes().to_vec());
        fs.files
            .insert(PathBuf::from("/site/users"), H.as_bytes().to_vec());
        fs.modes.insert(PathBuf::from("/site/users"), mode);
        fs.owners.insert(PathBuf::from("/site/users"), owner);
        fs.modes.insert(PathBuf::from("/site"), dir);
        fs.owners.insert(PathBuf::from("/site"), (0, 0));
        let ids = Ids {
            uid: WWW,
            gid: WWW,
            groups: vec![WWW],
        };
        fs.accounts
            .insert(("www-data".into(), "www-data".into()), ids.clone());
        fs.accounts.insert(
            ("root".into(), "root".into()),
            Ids {
                uid: 0,
                gid: 0,
                groups: vec![0],
            },
        );
        fs.accounts.insert(
            ("nobody".into(), "nogroup".into()),
            Ids {
                uid: 65534,
                gid: 65534,
                groups: vec![65534],
            },
        );
        let found = vec![Found {
            path: PathBuf::from("/site/nginx.conf"),
            kind: classify_by_name(&PathBuf::from("/site/nginx.conf"))
                .map_or(FileKind::NginxConfig, |(k, _)| k),
            reason: "test".into(),
            text: conf.to_string(),
        }];
        let opts = ModelOptions {
            linted_roots: vec![PathBuf::from("/site")],
            ..ModelOptions::default()
        };
        crate::lint_found(found, Vec::new(), &opts, &fs)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == super::RULE.code)
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn root_only_file_is_unreadable_by_www_data() {
        let got = lint(&conf("user www-data;\n"), 0o600, (0, 0), 0o755);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("www-data:www-data"), "{got:?}");
        assert!(got[0].contains("mode 0600"), "{got:?}");
        assert!(got[0].contains("500"), "{got:?}");
    }

    #[test]
    fn group_readable_by_the_servers_group_is_fine() {
        assert!(lint(&conf("user www-data;\n"), 0o640, (0, WWW), 0o755).is_empty());
        // Owned by the worker user itself, owner-only.
        assert!(lint(&conf("user www-data;\n"), 0o600, (WWW, 0), 0o755).is_empty());
        assert!(lint(&conf("user www-data;\n"), 0o644, (0, 0), 0o755).is_empty());
    }

    #[test]
    fn directory_the_account_cannot_enter_blocks_it() {
        let got = lint(&conf("user www-data;\n"), 0o644, (0, 0), 0o700);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("`/site` (mode 0700)"), "{got:?}");
    }

    #[test]
    fn owner_bits_decide_for_the_owner_even_when_others_may_read() {
        // The kernel picks one class: the owner without r is refused despite o+r.
        let got = lint(&conf("user www-data;\n"), 0o044, (WWW, 0), 0o755);
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn nginx_without_user_runs_as_nobody() {
        let got = lint(&conf(""), 0o640, (0, WWW), 0o755);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].contains("nobody:nogroup"), "{got:?}");
    }

    #[test]
    fn unknown_accounts_and_variables_stay_silent() {
        assert!(lint(&conf("user nginx;\n"), 0o600, (0, 0), 0o755).is_empty());
        assert!(lint(&conf("user root;\n"), 0o600, (0, 0), 0o755).is_empty());
    }
}
