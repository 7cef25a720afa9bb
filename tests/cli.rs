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

// ---- htpasswd check / verify ----

const BCRYPT_SECRET: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";

/// Run authlint with `input` on stdin.
fn authlint_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("stdin");
        // authlint may exit (a usage error) before it reads: a closed pipe is fine here.
        let _ = stdin.write_all(input);
    }
    child.wait_with_output().expect("wait")
}

fn codes_of(o: &Output) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
    v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn htpasswd_check_runs_only_password_rules_on_named_files() {
    let t = tempfile::tempdir().expect("tempdir");
    let users = write(
        t.path(),
        "users",
        &format!("\u{feff}alice:{BCRYPT_SECRET}\nbob:secret\ncarol:{BCRYPT_SECRET}  \n"),
    );
    let p = users.to_str().expect("utf-8 path");
    let o = authlint(&["htpasswd", "check", "--format", "json", p]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let codes = codes_of(&o);
    assert!(codes.iter().all(|c| c.starts_with("AL3")), "{codes:?}");
    // BOM (both servers) and plaintext; carol's trailing blanks only matter to nginx.
    assert_eq!(
        codes.iter().filter(|c| *c == "AL301").count(),
        1,
        "{codes:?}"
    );
    assert!(codes.contains(&"AL303".to_string()), "{codes:?}");
    let o = authlint(&[
        "htpasswd", "check", "--server", "nginx", "--format", "json", p,
    ]);
    assert_eq!(codes_of(&o).iter().filter(|c| *c == "AL301").count(), 2);
    let o = authlint(&[
        "htpasswd", "check", "--server", "apache", "--format", "json", p,
    ]);
    assert_eq!(codes_of(&o).iter().filter(|c| *c == "AL301").count(), 1);
    // No hash, no password in any output.
    for format in ["human", "compact", "json"] {
        let o = authlint(&[
            "htpasswd", "check", "--color", "never", "--format", format, p,
        ]);
        let out = stdout(&o);
        assert!(
            !out.contains("wRFc2e6e") && !out.contains("secret"),
            "{out}"
        );
    }
}

#[test]
fn htpasswd_check_kind_and_exit_codes() {
    let t = tempfile::tempdir().expect("tempdir");
    let digest = write(
        t.path(),
        "realms",
        "alice:Members:151239DAA5F1408602543B81B1F68FB7\n",
    );
    let p = digest.to_str().expect("utf-8 path");
    let o = authlint(&[
        "htpasswd", "check", "--kind", "htdigest", "--format", "compact", p,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("AL302"), "{}", stdout(&o));
    let clean = write(t.path(), "ok.htpasswd", &format!("alice:{BCRYPT_SECRET}\n"));
    let o = authlint(&["htpasswd", "check", "-q", clean.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = authlint(&["htpasswd", "check", "/nonexistent/users"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(authlint(&["htpasswd", "check"]).status.code(), Some(2));
}

#[test]
fn htpasswd_check_reports_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let users = write(t.path(), "users", &format!("alice:{BCRYPT_SECRET}\n"));
    let p = users.to_str().expect("utf-8 path");
    let set = |m: u32| {
        std::fs::set_permissions(&users, std::fs::Permissions::from_mode(m)).expect("chmod")
    };
    set(0o666);
    let o = authlint(&["htpasswd", "check", "--format", "json", p]);
    assert_eq!(codes_of(&o), ["AL309"]);
    assert_eq!(o.status.code(), Some(1));
    set(0o644);
    let o = authlint(&["htpasswd", "check", "--format", "json", p]);
    assert_eq!(codes_of(&o), ["AL310"]);
    assert_eq!(o.status.code(), Some(0), "AL310 is info");
    set(0o640);
    let o = authlint(&["htpasswd", "check", "--format", "json", p]);
    assert!(codes_of(&o).is_empty());
}

#[test]
fn check_lints_discovered_and_referenced_password_files() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "site/.htpasswd",
        &format!("alice : {BCRYPT_SECRET}\n"),
    );
    write(
        t.path(),
        "auth/users",
        &format!("alice:{BCRYPT_SECRET}  \n"),
    );
    write(
        t.path(),
        "nginx.conf",
        &format!(
            "events {{}}\nhttp {{ server {{ location / {{ auth_basic x; auth_basic_user_file {}; }} }} }}\n",
            t.path().join("auth/users").display()
        ),
    );
    let o = authlint(&[
        "check",
        "--format",
        "json",
        t.path().to_str().expect("utf-8"),
    ]);
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
    assert!(
        found
            .iter()
            .any(|(c, f)| c == "AL301" && f.ends_with("site/.htpasswd")),
        "{found:?}"
    );
    // The referenced file is read as nginx reads it: the trailing blanks refuse alice.
    assert!(
        found
            .iter()
            .any(|(c, f)| c == "AL301" && f.ends_with("auth/users")),
        "{found:?}"
    );
    let nginx_label = v["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter(|d| d["file"].as_str().unwrap_or("").ends_with("auth/users"))
        .any(|d| {
            d["labels"]
                .to_string()
                .contains("nginx reads the file named here")
        });
    assert!(nginx_label, "{}", stdout(&o));
}

#[test]
fn htpasswd_verify_exit_codes() {
    let t = tempfile::tempdir().expect("tempdir");
    let users = write(
        t.path(),
        "users",
        &format!("alice:{BCRYPT_SECRET}\nbob:{BCRYPT_SECRET}  \nalice:$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/\n"),
    );
    let p = users.to_str().expect("utf-8 path");
    let verify = |user: &str, server: &str, input: &[u8]| {
        authlint_stdin(
            &[
                "htpasswd",
                "verify",
                p,
                user,
                "--server",
                server,
                "--password-stdin",
            ],
            input,
        )
    };
    let o = verify("alice", "apache", b"secret\n");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(":1: password for user \"alice\" matches"),
        "{}",
        stdout(&o)
    );
    // CRLF from a Windows pipe is not part of the password; no newline at all is fine too.
    assert_eq!(
        verify("alice", "nginx", b"secret\r\n").status.code(),
        Some(0)
    );
    assert_eq!(verify("alice", "apache", b"secret").status.code(), Some(0));
    let o = verify("alice", "apache", b"wrong\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("does not match"), "{}", stdout(&o));
    // The first entry wins: the apr1 line 3 (also "secret") is never used.
    assert!(verify("alice", "nginx", b"secret\n").status.code() == Some(0));
    // Trailing blanks: Apache trims them, nginx keeps them in the hash.
    assert_eq!(verify("bob", "apache", b"secret\n").status.code(), Some(0));
    assert_eq!(verify("bob", "nginx", b"secret\n").status.code(), Some(1));
    let o = verify("carol", "apache", b"secret\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("user \"carol\" not found"),
        "{}",
        stdout(&o)
    );
    // Never the hash or the password in the output.
    let o = verify("alice", "apache", b"secret\n");
    let all = format!("{}{}", stdout(&o), String::from_utf8_lossy(&o.stderr));
    assert!(
        !all.contains("wRFc2e6e") && !all.contains("secret\n"),
        "{all}"
    );
}

#[test]
fn htpasswd_verify_errors_exit_2() {
    let t = tempfile::tempdir().expect("tempdir");
    let users = write(t.path(), "users", &format!("alice:{BCRYPT_SECRET}\n"));
    let p = users.to_str().expect("utf-8 path");
    // Without --password-stdin the password is never read (stdin here is not a terminal).
    let o = authlint(&["htpasswd", "verify", p, "alice"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--password-stdin"));
    let o = authlint_stdin(
        &[
            "htpasswd",
            "verify",
            "/nonexistent/users",
            "alice",
            "--password-stdin",
        ],
        b"secret\n",
    );
    assert_eq!(o.status.code(), Some(2));
    let o = authlint_stdin(
        &["htpasswd", "verify", p, "al:ice", "--password-stdin"],
        b"secret\n",
    );
    assert_eq!(o.status.code(), Some(2));
    // The password is not an argument.
    let o = authlint(&["htpasswd", "verify", p, "alice", "secret"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn htpasswd_verify_reads_the_password_from_the_terminal_without_echo() {
    // A pseudo-terminal from util-linux `script`; skipped loudly locally, failed in CI.
    let have_script = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if !have_script {
        assert!(
            std::env::var_os("CI").is_none(),
            "util-linux `script` is needed in CI for the terminal test"
        );
        eprintln!("SKIPPED: util-linux `script` is not installed; no pseudo-terminal to test with");
        return;
    }
    let t = tempfile::tempdir().expect("tempdir");
    let users = write(t.path(), "users", &format!("alice:{BCRYPT_SECRET}\n"));
    let cmd = format!(
        "{} htpasswd verify {} alice",
        env!("CARGO_BIN_EXE_authlint"),
        users.display()
    );
    for (typed, code) in [("secret", 0), ("wrong-one", 1)] {
        let mut child = Command::new("script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("script runs");
        // Type once the prompt is up, as a person would.
        std::thread::sleep(std::time::Duration::from_millis(500));
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            stdin
                .write_all(format!("{typed}\n").as_bytes())
                .expect("type the password");
        }
        let o = child.wait_with_output().expect("script ends");
        let shown = stdout(&o);
        assert_eq!(o.status.code(), Some(code), "{shown}");
        assert!(shown.contains("Password for"), "no prompt: {shown}");
        assert!(!shown.contains(typed), "the password was echoed: {shown}");
    }
}

/// A small nginx site for `authlint why`: /private/ protected, /open/ not.
fn why_site() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    let conf = format!(
        "events {{}}\nhttp {{\n  server {{\n    listen 8080;\n    server_name example.test;\n    root {r}/www;\n    location /private/ {{\n      auth_basic \"Private\";\n      auth_basic_user_file {r}/users;\n    }}\n    location = /gone {{ return 410; }}\n  }}\n}}\n",
        r = root.display()
    );
    write(root, "nginx.conf", &conf);
    write(
        root,
        "users",
        "alice:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    );
    write(root, "www/private/index.html", "secret\n");
    write(root, "www/open/index.html", "open\n");
    tmp
}

fn why_json(args: &[&str], stdin: Option<&str>) -> (serde_json::Value, i32) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authlint"));
    cmd.arg("why")
        .args(["--format", "json"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("authlint runs");
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        use std::io::Write as _;
        input.write_all(text.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("authlint runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (v, out.status.code().unwrap_or(-1))
}

#[test]
fn why_predicts_the_challenge_the_login_and_the_open_area() {
    let site = why_site();
    let dir = site.path().display().to_string();
    let (v, code) = why_json(&["http://example.test:8080/private/", &dir], None);
    assert_eq!((v["status"].as_u64(), code), (Some(401), 0), "{v}");
    assert_eq!(v["www_authenticate"], "Basic realm=\"Private\"");
    assert!(v["steps"].as_array().is_some_and(|s| s.len() >= 3), "{v}");
    let (v, _) = why_json(
        &["--user", "alice", "--password-stdin", "/private/", &dir],
        Some("secret\n"),
    );
    assert_eq!(v["status"].as_u64(), Some(200), "{v}");
    assert_eq!(v["user"], "the password matches");
    let (v, _) = why_json(
        &["--user", "alice", "--password-stdin", "/private/", &dir],
        Some("wrong\n"),
    );
    assert_eq!(v["status"].as_u64(), Some(401), "{v}");
    assert!(
        !v.to_string().contains("wRFc2e6ei4"),
        "no hash in the output"
    );
    let (v, _) = why_json(&["/open/", &dir], None);
    assert_eq!(v["status"].as_u64(), Some(200), "{v}");
    let (v, _) = why_json(&["/open", &dir], None);
    assert_eq!(v["status"].as_u64(), Some(301), "{v}");
    let (v, _) = why_json(&["/missing.html", &dir], None);
    assert_eq!(v["status"].as_u64(), Some(404), "{v}");
    let (v, _) = why_json(&["/gone", &dir], None);
    assert_eq!(v["status"].as_u64(), Some(410), "{v}");
    let (v, _) = why_json(&["--method", "POST", "/open/index.html", &dir], None);
    assert_eq!(v["status"].as_u64(), Some(405), "{v}");
}

#[test]
fn why_says_unknown_and_refuses_bad_input() {
    let site = why_site();
    let dir = site.path().display().to_string();
    // No server listens on that port: unknown, exit 1, with a reason.
    let (v, code) = why_json(&["http://example.test:9999/", &dir], None);
    assert_eq!(
        (v["status"].clone(), code),
        (serde_json::Value::Null, 1),
        "{v}"
    );
    assert!(
        v["reason"].as_str().is_some_and(|r| r.contains("9999")),
        "{v}"
    );
    // Not a URL: exit 2.
    let (_, code) = why_json(&["private", &dir], None);
    assert_eq!(code, 2);
    // A password is never taken without a way to read it.
    let (_, code) = why_json(&["--user", "alice", "/private/", &dir], None);
    assert_eq!(code, 2);
}
