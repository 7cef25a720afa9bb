//! The command line as users and CI see it: exit codes, formats, discovery, rules docs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn authlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("authlint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(&p, text).expect("write");
    p
}

const SAMPLE_MAP: &str = "/srv/example=samples/site";

#[test]
fn samples_report_the_documented_problems() {
    let o = authlint(&[
        "check",
        "--format",
        "json",
        "--map",
        SAMPLE_MAP,
        "samples/site",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    let found: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or("").to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // Every `# expect: CODE` line in the samples is reported in that file.
    for entry in walkdir::WalkDir::new("samples/site").into_iter().flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        for line in text
            .lines()
            .filter_map(|l| l.trim().strip_prefix("# expect: "))
        {
            let code = line.split_whitespace().next().unwrap_or("");
            let file = entry.path().display().to_string();
            assert!(
                found.iter().any(|(c, f)| c == code && *f == file),
                "missing {code} in {file}; got {found:?}"
            );
        }
    }
    // Healthy files stay clean of errors.
    for healthy in [
        "samples/site/htdocs/admin/.htaccess",
        "samples/site/apache/sites-enabled/example.conf",
    ] {
        assert!(
            !found.iter().any(|(_, f)| f == healthy),
            "{healthy} got findings: {found:?}"
        );
    }
}

#[test]
fn json_document_shape_is_stable() {
    let o = authlint(&[
        "check",
        "--format",
        "json",
        "--map",
        SAMPLE_MAP,
        "samples/site",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert_eq!(v["version"], 1);
    assert!(v["files"].as_array().is_some_and(|f| f
        .iter()
        .all(|f| f["path"].is_string() && f["kind"].is_string())));
    let d = &v["diagnostics"][0];
    for key in [
        "code",
        "name",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
    ] {
        assert!(d.get(key).is_some(), "diagnostic lacks {key}: {d}");
    }
    for key in ["files", "errors", "warnings", "infos"] {
        assert!(v["summary"][key].is_u64(), "summary lacks {key}");
    }
}

#[test]
fn compact_lines_are_path_line_col() {
    let o = authlint(&[
        "check",
        "--format",
        "compact",
        "--map",
        SAMPLE_MAP,
        "samples/site",
    ]);
    let out = stdout(&o);
    assert!(
        out.contains("samples/site/htdocs/members/.htaccess:2:1: error[AL101]:"),
        "{out}"
    );
    for line in out.lines() {
        let parts: Vec<&str> = line.splitn(4, ':').collect();
        assert!(
            parts.len() == 4 && parts[1].parse::<u32>().is_ok() && parts[2].parse::<u32>().is_ok(),
            "{line}"
        );
    }
}

#[test]
fn output_order_is_deterministic() {
    let a = authlint(&[
        "check",
        "--format",
        "compact",
        "--map",
        SAMPLE_MAP,
        "samples/site",
    ]);
    let b = authlint(&[
        "check",
        "--format",
        "compact",
        "--map",
        SAMPLE_MAP,
        "samples/site",
    ]);
    assert_eq!(a.stdout, b.stdout);
    let lines: Vec<String> = stdout(&a).lines().map(String::from).collect();
    let mut sorted = lines.clone();
    sorted.sort_by_key(|l| {
        let p: Vec<&str> = l.splitn(4, ':').collect();
        (
            p[0].to_string(),
            p[1].parse::<u32>().unwrap_or(0),
            p[2].parse::<u32>().unwrap_or(0),
        )
    });
    assert_eq!(lines, sorted);
}

#[test]
fn fail_on_sets_the_exit_code() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "nginx/nginx.conf",
        "events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
    );
    let dir = t.path().join("nginx");
    let d = dir.to_str().expect("utf-8 path");
    assert_eq!(authlint(&["check", d]).status.code(), Some(0));
    let samples = ["check", "--map", SAMPLE_MAP, "samples/site"];
    assert_eq!(authlint(&samples).status.code(), Some(1));
    assert_eq!(
        authlint(&[&samples[..], &["--fail-on", "never"]].concat())
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        authlint(&[&samples[..], &["--fail-on", "error"]].concat())
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn info_findings_fail_only_with_fail_on_info() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "conf/httpd.conf",
        "ServerRoot /etc/apache2\nInclude /nonexistent/site.conf\n",
    );
    let d = t.path().join("conf");
    let d = d.to_str().expect("utf-8 path");
    assert_eq!(authlint(&["check", d]).status.code(), Some(0));
    assert_eq!(
        authlint(&["check", "--fail-on", "info", d]).status.code(),
        Some(1)
    );
}

#[test]
fn usage_errors_and_missing_paths_exit_2() {
    assert_eq!(
        authlint(&["check", "--format", "xml"]).status.code(),
        Some(2)
    );
    assert_eq!(
        authlint(&["check", "--map", "relative=x", "samples"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(authlint(&["check", "no/such/path"]).status.code(), Some(2));
    assert_eq!(authlint(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(authlint(&["explain", "AL999"]).status.code(), Some(2));
}

#[test]
fn list_files_says_kind_and_reason() {
    let o = authlint(&["check", "--list-files", "--map", SAMPLE_MAP, "samples/site"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("samples/site/htdocs/members/.htaccess\thtaccess\tnamed .htaccess"),
        "{out}"
    );
    assert!(
        out.contains("samples/site/nginx/nginx.conf\tnginx\t"),
        "{out}"
    );
    assert!(
        out.contains("samples/site/auth/admin.htpasswd\thtpasswd\t"),
        "{out}"
    );
    assert!(!out.contains("index.html"), "{out}");
}

#[test]
fn dialect_forces_explicit_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let p = write(t.path(), "site.txt", "listen 80\n");
    let p = p.to_str().expect("utf-8 path");
    // Unrecognised without --dialect: skipped, nothing read, exit 2.
    assert_eq!(authlint(&["check", p]).status.code(), Some(2));
    let o = authlint(&["check", "--dialect", "nginx", "--format", "compact", p]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("AL001"), "{}", stdout(&o));
}

#[test]
fn binary_and_non_utf8_files_are_reported_not_crashed_on() {
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(t.path().join("site")).expect("mkdir");
    std::fs::write(t.path().join("site/.htaccess"), b"\x00\x01\x02ELF\x00").expect("write");
    std::fs::write(
        t.path().join("site/sub.htaccess"),
        b"AuthName \"caf\xe9\"\n",
    )
    .expect("write");
    let d = t.path().join("site");
    let o = authlint(&["check", "--format", "json", d.to_str().expect("utf-8 path")]);
    let out = stdout(&o);
    assert!(out.contains("AL003") && out.contains("binary"), "{out}");
    assert!(out.contains("AL004") && out.contains("UTF-8"), "{out}");
}

#[test]
fn rules_and_explain() {
    let o = authlint(&["rules"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("AL101") && stdout(&o).contains("auth-basic-without-user-file"));
    let o = authlint(&["rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    assert!(v.as_array().is_some_and(|a| a.len() >= 7));
    for q in ["AL201", "auth-basic-without-user-file", "al201"] {
        let o = authlint(&["explain", q]);
        assert_eq!(o.status.code(), Some(0));
        let out = stdout(&o);
        assert!(
            out.contains("Bad (nginx.conf)") && out.contains("Good (nginx.conf)"),
            "{out}"
        );
    }
}

#[test]
fn broken_pipe_ends_quietly() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args([
            "check",
            "--format",
            "compact",
            "--map",
            SAMPLE_MAP,
            "samples/site",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("Broken pipe"),
        "{err}"
    );
}
