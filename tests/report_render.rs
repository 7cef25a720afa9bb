//! The reporter end to end: lint through the library, sort, render every format through the
//! public API, as `check` does.

use authlint::discover::Found;
use authlint::model::ModelOptions;
use authlint::report::{render, sort_diagnostics, FileEntry, Format, ReportOptions};
use authlint::source::{FileKind, MemFs};
use authlint::Outcome;
use std::path::PathBuf;

const CONF: &str = "<Directory /srv/www/admin>\n    AuthType Basic\n    AuthUserFile /srv/auth/.htpasswd\n    Require valid-user\n</Directory>\nInclude /etc/private/extra.conf\n";
const HASH: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG"; // a real, sound entry
/// Reached by `Include` from outside the linted paths: located, never quoted.
const EXTRA: &str =
    "<Directory /srv/www/ops>\n    AuthType Basic\n    # TopSecretComment\n</Directory>\n";

fn lint() -> Outcome {
    let users = format!("alice:{HASH}\n");
    let fs = MemFs::with(&[
        ("/srv/conf/httpd.conf", CONF),
        ("/srv/auth/.htpasswd", &users),
        ("/etc/private/extra.conf", EXTRA),
    ]);
    let found = |path: &str, kind, text: &str| Found {
        path: PathBuf::from(path),
        kind,
        reason: "test".into(),
        text: text.into(),
    };
    let found = vec![
        found("/srv/conf/httpd.conf", FileKind::ApacheConfig, CONF),
        found("/srv/auth/.htpasswd", FileKind::Htpasswd, &users),
    ];
    authlint::lint_found(found, Vec::new(), &ModelOptions::default(), &fs)
}

fn run(format: Format) -> String {
    let outcome = lint();
    let mut diags = outcome.diagnostics;
    sort_diagnostics(&mut diags, &outcome.model.sources);
    let files: Vec<FileEntry> = outcome
        .model
        .linted
        .iter()
        .filter_map(|id| outcome.model.sources.get(*id))
        .map(|f| FileEntry {
            path: f.path.display().to_string(),
            kind: f.kind.as_str(),
        })
        .collect();
    let opts = ReportOptions {
        format,
        color: false,
        width: 80,
        links: false,
        quiet: false,
    };
    let mut out = Vec::new();
    let result = render(&mut out, &diags, &outcome.model.sources, &files, &opts);
    assert!(result.is_ok(), "{result:?}");
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn compact_lists_both_findings_in_path_order() {
    let out = run(Format::Compact);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(
        lines[0].starts_with("/etc/private/extra.conf:2:5: error[AL101]: "),
        "{out}"
    );
    assert!(
        lines[1].starts_with("/srv/conf/httpd.conf:2:5: error[AL101]: "),
        "{out}"
    );
}

#[test]
fn human_quotes_the_linted_file_and_locates_the_followed_one() {
    let out = run(Format::Human);
    assert!(
        out.contains("[/srv/conf/httpd.conf:2:5]") && out.contains(" 2 │     AuthType Basic"),
        "{out}"
    );
    assert!(out.contains("at /etc/private/extra.conf:2:5"), "{out}");
    assert!(
        out.ends_with("\n2 files checked: 2 errors, 0 warnings, 0 infos\n"),
        "{out}"
    );
}

#[test]
fn json_is_one_document_with_positions() {
    let out = run(Format::Json);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
    assert_eq!(v["version"], 1);
    assert_eq!(
        v["files"][1],
        serde_json::json!({"path": "/srv/auth/.htpasswd", "kind": "htpasswd"})
    );
    assert_eq!(v["summary"]["errors"], 2);
    let d = &v["diagnostics"][1];
    assert_eq!(
        (&d["file"], &d["line"], &d["column"]),
        (&"/srv/conf/httpd.conf".into(), &2.into(), &5.into())
    );
}

#[test]
fn no_hash_and_no_followed_content_in_any_format() {
    for format in [Format::Human, Format::Compact, Format::Json] {
        let out = run(format);
        for secret in [HASH, "abcdefgh", "TopSecretComment", "/srv/www/ops"] {
            assert!(!out.contains(secret), "{secret:?} in\n{out}");
        }
    }
}
