//! Hostile inputs: each run must end by itself, quickly, with exit 0, 1 or 2, no panic, and
//! the linted tree unchanged. Secrets reached through includes never appear in any output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const LIMIT: Duration = Duration::from_secs(60);

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Run authlint with a deadline; a run past it is killed and fails the test.
fn authlint(args: &[&str], cwd: &Path) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("authlint starts");
    let out_pipe = child.stdout.take().expect("stdout");
    let err_pipe = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || std::io::read_to_string(out_pipe).unwrap_or_default());
    let err_t = std::thread::spawn(move || std::io::read_to_string(err_pipe).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("authlint {args:?} did not finish within {LIMIT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    assert!(!stderr.contains("panicked"), "authlint panicked: {stderr}");
    let code = status.code().expect("exited normally, not by a signal");
    assert!((0..=2).contains(&code), "exit code {code}: {stderr}");
    Run {
        code,
        stdout,
        stderr,
    }
}

/// Path, kind and content digest of everything under `dir` (FIFOs by type only).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(false) {
        let Ok(e) = entry else { continue };
        let meta = match e.path().symlink_metadata() {
            Ok(m) => m,
            Err(_) => continue,
        };
        let desc = if meta.file_type().is_file() {
            let bytes = std::fs::read(e.path()).unwrap_or_default();
            let sum: u64 = bytes.iter().enumerate().fold(0u64, |a, (i, b)| {
                a.wrapping_mul(31).wrapping_add(*b as u64 ^ i as u64)
            });
            format!("file {} {sum} {:?}", bytes.len(), meta.modified().ok())
        } else {
            format!(
                "{:?} {:o}",
                meta.file_type(),
                std::os::unix::fs::PermissionsExt::mode(&meta.permissions())
            )
        };
        out.insert(e.path().to_path_buf(), desc);
    }
    out
}

fn check_unchanged(dir: &Path, args: &[&str]) -> Run {
    let before = snapshot(dir);
    let run = authlint(args, dir);
    assert_eq!(before, snapshot(dir), "the linted tree changed");
    run
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

#[test]
fn fifo_named_htaccess_is_skipped_not_opened() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "site/index.html", "hi");
    let ok = Command::new("mkfifo")
        .arg(t.path().join("site/.htaccess"))
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo failed");
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site"]);
    assert!(run.stdout.contains("AL003"), "{}", run.stdout);
    assert!(run.stdout.contains("FIFO"), "{}", run.stdout);
}

#[test]
fn include_dev_zero_is_refused() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include /dev/zero;\n}\n",
    );
    let run = check_unchanged(t.path(), &["check", "--format", "json", "nginx"]);
    assert!(
        run.stdout.contains("AL003") && run.stdout.contains("device"),
        "{}",
        run.stdout
    );
}

#[test]
fn apache_include_cycle_is_reported() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("conf");
    write(
        t.path(),
        "conf/httpd.conf",
        &format!("ServerRoot {}\nInclude a.conf\n", root.display()),
    );
    write(t.path(), "conf/a.conf", "Include b.conf\n");
    write(t.path(), "conf/b.conf", "Include a.conf\n");
    let run = check_unchanged(t.path(), &["check", "--format", "json", "conf"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("include cycle"), "{}", run.stdout);
}

#[test]
fn nginx_include_cycle_is_reported() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "nginx/nginx.conf",
        "events {}\nhttp {\n    include a.conf;\n}\n",
    );
    write(t.path(), "nginx/a.conf", "include b.conf;\n");
    write(t.path(), "nginx/b.conf", "include a.conf;\n");
    let run = check_unchanged(t.path(), &["check", "--format", "json", "nginx"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("include cycle"), "{}", run.stdout);
}

#[test]
fn symlink_loop_is_reported() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "site/.htaccess", "Require all granted\n");
    std::os::unix::fs::symlink(t.path().join("site"), t.path().join("site/loop")).expect("symlink");
    std::os::unix::fs::symlink(
        t.path().join("site/self.conf"),
        t.path().join("site/self.conf"),
    )
    .ok();
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site"]);
    assert!(
        run.stdout.contains("AL004") && run.stdout.contains("loop"),
        "{}",
        run.stdout
    );
}

#[test]
fn ten_megabyte_line() {
    let t = tempfile::tempdir().expect("tempdir");
    let line = format!("Require user {}\n", "a".repeat(10 * 1024 * 1024));
    write(t.path(), "site/.htaccess", &line);
    let run = check_unchanged(t.path(), &["check", "--format", "compact", "site"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

#[test]
fn fifty_megabyte_htaccess_is_skipped_with_a_note() {
    let t = tempfile::tempdir().expect("tempdir");
    let block = "Require all granted\n".repeat(50 * 1024 * 1024 / 20);
    write(t.path(), "site/.htaccess", &block);
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site"]);
    assert!(
        run.stdout.contains("AL003") && run.stdout.contains("size cap"),
        "{}",
        run.stdout
    );
}

#[test]
fn million_line_htpasswd() {
    let t = tempfile::tempdir().expect("tempdir");
    let mut text = String::with_capacity(12_000_000);
    for i in 0..1_000_000 {
        text.push_str(&format!("u{i}:{{SHA}}x\n"));
    }
    write(t.path(), "site/.htpasswd", &text);
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site"]);
    assert!(
        !run.stdout.contains("{SHA}x"),
        "password file content leaked"
    );
}

#[test]
fn include_optional_of_the_whole_filesystem_is_bounded() {
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "conf/httpd.conf",
        "ServerRoot /etc/apache2\nIncludeOptional /*/*/*/*/*.conf\n",
    );
    let run = check_unchanged(t.path(), &["check", "--format", "json", "conf"]);
    assert!(run.code <= 1, "{}", run.stderr);
}

#[test]
fn mode_000_file_is_reported_or_read_but_never_fatal() {
    let t = tempfile::tempdir().expect("tempdir");
    write(t.path(), "site/.htaccess", "AuthType Basic\n");
    write(t.path(), "site/sub/.htaccess", "Require all granted\n");
    let p = t.path().join("site/.htaccess");
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o000))
        .expect("chmod");
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site"]);
    // As root the file is readable; otherwise it is an AL004. The other file is linted.
    assert!(run.stdout.contains("sub/.htaccess"), "{}", run.stdout);
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o644)).ok();
}

#[test]
fn secret_reached_by_include_never_appears() {
    let secret_dir = tempfile::tempdir().expect("tempdir");
    let secret = "TOPSECRET-d41d8cd98f00b204";
    let secret_path = secret_dir.path().join("secret.txt");
    std::fs::write(
        &secret_path,
        format!("<{secret}\n{secret} value\n</Other-{secret}>\nAuthType Basic\n"),
    )
    .expect("write");
    let t = tempfile::tempdir().expect("tempdir");
    write(
        t.path(),
        "conf/httpd.conf",
        &format!(
            "ServerRoot /etc/apache2\n<Directory /srv>\nInclude {}\n</Directory>\n",
            secret_path.display()
        ),
    );
    for format in ["human", "compact", "json"] {
        let run = check_unchanged(
            t.path(),
            &["check", "--format", format, "--color", "always", "conf"],
        );
        assert!(
            !run.stdout.contains("TOPSECRET") && !run.stderr.contains("TOPSECRET"),
            "{format} leaked:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("secret.txt"),
            "{format} should name the file:\n{}",
            run.stdout
        );
    }
}

#[test]
fn hundred_thousand_nested_sections_and_blocks() {
    let t = tempfile::tempdir().expect("tempdir");
    let n = 100_000;
    write(
        t.path(),
        "site/.htaccess",
        &("<IfModule a>\n".repeat(n) + &"</IfModule>\n".repeat(n)),
    );
    write(
        t.path(),
        "nginx/nginx.conf",
        &("events {}\n".to_string() + &"http {\n".repeat(n) + &"}\n".repeat(n)),
    );
    let run = check_unchanged(t.path(), &["check", "--format", "json", "site", "nginx"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.matches("nested deeper").count() >= 2,
        "{}",
        run.stdout
    );
}

#[test]
fn nesting_across_a_chain_of_includes_is_bounded() {
    let t = tempfile::tempdir().expect("tempdir");
    let root = t.path().join("conf");
    write(
        t.path(),
        "conf/httpd.conf",
        &format!("ServerRoot {}\nInclude f0.conf\n", root.display()),
    );
    for i in 0..30 {
        let body = format!(
            "{}Include f{}.conf\n{}",
            "<IfModule m>\n".repeat(150),
            i + 1,
            "</IfModule>\n".repeat(150)
        );
        write(t.path(), &format!("conf/f{i}.conf"), &body);
    }
    write(t.path(), "conf/f30.conf", "ServerName deep.example\n");
    let run = check_unchanged(t.path(), &["check", "--format", "json", "conf"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("across included files"),
        "{}",
        run.stdout
    );
}

/// `why` over every corpus project and a few hostile URLs: it answers (predicted,
/// unknown, or a usage error), never panics, and leaves the tree as it was.
#[test]
fn why_never_panics_on_the_corpus_or_odd_urls() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "the shared corpus must be present in CI"
        );
        eprintln!("SKIPPED: ../shared/corpus is missing");
        return;
    }
    let mut projects: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("corpus readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    projects.sort();
    assert!(projects.len() > 5, "corpus has projects");
    let urls = [
        "/",
        "/private/",
        "http://example.com/admin/index.php",
        "http://[::1]:8443/%2e%2e/%00/x?y=1",
        "/%zz/../..//a",
    ];
    for p in &projects {
        let dir = p.display().to_string();
        for url in urls {
            for server in ["apache", "nginx"] {
                let before = snapshot(p);
                let run = authlint(
                    &[
                        "why", "--format", "json", "--server", server, "--client", "10.1.2.3", url,
                        &dir,
                    ],
                    Path::new("/"),
                );
                assert!(
                    matches!(run.code, 0..=2),
                    "why {url} on {dir} ({server}): exit {}\n{}",
                    run.code,
                    run.stderr
                );
                if run.code != 2 {
                    let v: serde_json::Value =
                        serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
                    assert!(
                        v.get("status").is_some() && v.get("reason").is_some(),
                        "{}",
                        run.stdout
                    );
                }
                assert_eq!(snapshot(p), before, "why changed {dir}");
            }
        }
    }
}
