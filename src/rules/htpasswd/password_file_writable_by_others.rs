//! AL309: a password file every local account can change.
use crate::htpasswd::file::Writable;
use crate::rules::prelude::*;
use crate::source::Span;

pub static RULE: Rule = Rule {
    code: "AL309",
    name: "password-file-writable-by-others",
    severity: Severity::Error,
    default_enabled: true,
    summary: "Every local account can change a password, digest or group file",
    why: "The servers re-read password and group files on every request. If the file is \
          world-writable (mode `o+w`), or sits in a world-writable directory without the \
          sticky bit, any local account (a PHP script, a CGI, another tenant) can add its own \
          user or put itself in the admins group, and is let in at once. Only the \
          administrator should be able to write it.",
    bad: &[&[Example {
        path: "site/.htpasswd (mode 0666)",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    good: &[&[Example {
        path: "site/.htpasswd (mode 0640)",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    evidence: &[
        "unix: mode bits from stat(2) of the file and its directories up to the linted path; \
         tests: rules::htpasswd::password_file_writable_by_others, tests/cli.rs \
         htpasswd_check_reports_permissions",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        let Some(access) = &pf.access else { continue };
        let Some(how) = access.others_can_write() else {
            continue;
        };
        let path = model.sources.path(pf.file);
        let (message, help) = match how {
            Writable::File => (
                format!(
                    "`{path}` is writable by every local account (mode {:04o}): anyone can add a user or change a password",
                    access.mode
                ),
                format!("`chmod o-w {path}` (640, owned by root and the server's group, e.g. www-data)"),
            ),
            Writable::Directory(dir) => (
                format!(
                    "`{path}` sits in `{}`, which every local account can write (mode {:04o}, no sticky bit): anyone can replace the file",
                    dir.display(),
                    access.dirs.first().map_or(0, |d| d.mode)
                ),
                format!("`chmod o-w {}`, or move the file to a directory only root can write", dir.display()),
            ),
        };
        let d = out
            .diag(message)
            .at(
                Span::new(pf.file, 0, 0),
                format!("mode {:04o}", access.mode),
            )
            .help(help);
        out.emit(d);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::htpasswd::testing::lint_with_modes;

    const H: &str = "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n";

    fn codes(files: &[(&str, &str, u32)], dirs: &[(&str, u32)]) -> Vec<&'static str> {
        lint_with_modes(files, dirs)
            .into_iter()
            .filter(|d| d.code == super::RULE.code)
            .map(|d| d.code)
            .collect()
    }

    #[test]
    fn world_writable_file_fires() {
        assert_eq!(
            codes(&[("site/.htpasswd", H, 0o666)], &[("site", 0o755)]),
            ["AL309"]
        );
        assert_eq!(
            codes(
                &[("site/.htgroup", "admins: alice\n", 0o646)],
                &[("site", 0o755)]
            ),
            ["AL309"]
        );
    }

    #[test]
    fn world_writable_directory_without_sticky_bit_fires() {
        assert_eq!(
            codes(&[("site/.htpasswd", H, 0o640)], &[("site", 0o777)]),
            ["AL309"]
        );
        assert!(codes(&[("site/.htpasswd", H, 0o640)], &[("site", 0o1777)]).is_empty());
    }

    #[test]
    fn unreachable_or_private_files_are_silent() {
        assert!(codes(&[("site/.htpasswd", H, 0o640)], &[("site", 0o755)]).is_empty());
        assert!(codes(&[("site/.htpasswd", H, 0o666)], &[("site", 0o700)]).is_empty());
        // No mode known (in-memory examples): silent.
        crate::rules::testing::silent(&super::RULE, &[("site/.htpasswd", H)]);
    }
}
