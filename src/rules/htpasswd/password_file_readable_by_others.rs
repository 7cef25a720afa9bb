//! AL310: a password or digest file every local account can read.
//!
//! Info, not warning: `htpasswd -c` under the usual umask 022 creates exactly such files, so
//! at warning level (the default `--fail-on`) it would fail the run on nearly every site,
//! and it is a hint about local accounts rather than a defect the server shows.
use crate::htpasswd::file::{Format, Writable};
use crate::rules::prelude::*;
use crate::source::Span;

pub static RULE: Rule = Rule {
    code: "AL310",
    name: "password-file-readable-by-others",
    severity: Severity::Info,
    default_enabled: true,
    summary: "Every local account can read the password hashes",
    why: "A world-readable password or digest file (mode `o+r`, in directories others can \
          enter) hands every local account, and every script the web server runs for another \
          site, the hashes to crack offline at leisure. The server only needs its own group to \
          read it: mode 640, owner root, group www-data (Debian) or the group it runs as. \
          `htpasswd -c` creates files readable by all under the usual umask 022.",
    bad: &[&[Example {
        path: "site/.htpasswd (mode 0644)",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    good: &[&[Example {
        path: "site/.htpasswd (mode 0640)",
        text: "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    evidence: &[
        "unix: mode bits from stat(2) of the file and its directories up to the linted path; \
         tests: rules::htpasswd::password_file_readable_by_others, tests/cli.rs \
         htpasswd_check_reports_permissions",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    for pf in model.password_files.values() {
        if pf.format == Format::Htgroup {
            continue; // no secrets in it
        }
        let Some(access) = &pf.access else { continue };
        if !access.others_can_read() || access.others_can_write() == Some(Writable::File) {
            continue;
        }
        let path = model.sources.path(pf.file);
        let d = out
            .diag(format!(
                "`{path}` is readable by every local account (mode {:04o}): anyone on the machine can copy the hashes and crack them offline",
                access.mode
            ))
            .at(Span::new(pf.file, 0, 0), format!("mode {:04o}", access.mode))
            .help(format!(
                "`chmod 640 {path}` and give it the server's group (`chgrp www-data {path}` on Debian)"
            ));
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
    fn world_readable_in_open_directories_fires() {
        assert_eq!(
            codes(
                &[("site/auth/.htpasswd", H, 0o644)],
                &[("site/auth", 0o755), ("site", 0o755)]
            ),
            ["AL310"]
        );
    }

    #[test]
    fn a_closed_directory_on_the_way_hides_it() {
        assert!(codes(
            &[("site/auth/.htpasswd", H, 0o644)],
            &[("site/auth", 0o750), ("site", 0o755)]
        )
        .is_empty());
        assert!(codes(
            &[("site/auth/.htpasswd", H, 0o644)],
            &[("site/auth", 0o755), ("site", 0o700)]
        )
        .is_empty());
    }

    #[test]
    fn private_files_group_files_and_writable_files_are_silent() {
        assert!(codes(&[("site/.htpasswd", H, 0o640)], &[("site", 0o755)]).is_empty());
        assert!(codes(
            &[("site/.htgroup", "admins: alice\n", 0o644)],
            &[("site", 0o755)]
        )
        .is_empty());
        // World-writable is AL309's error; no second finding.
        assert!(codes(&[("site/.htpasswd", H, 0o666)], &[("site", 0o755)]).is_empty());
    }
}
