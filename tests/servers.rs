//! Real-server scenarios: each `tests/scenarios/<name>/` holds the files a user would lint
//! and a `scenario.toml` with the requests to make and the statuses the real server gives,
//! plus the findings authlint must report. The harness copies the scenario to a temp dir
//! (filling in `@ROOT@` and `@PORT@`), starts the real apache2 or nginx on 127.0.0.1 and a
//! free port with a minimal main config of its own, makes the requests, stops the server by
//! PID (also when the test fails), then runs authlint on the same tree.
//!
//! Run one by hand: `AUTHLINT_SCENARIO=<name> cargo test --test servers -- --nocapture`
//! (add `AUTHLINT_KEEP=1` to keep the temp dir and read the server's error log).
//!
//! Without apache2/nginx installed, scenarios skip loudly; with `CI=true` they fail.

use base64::Engine as _;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Scenario {
    server: String,
    description: String,
    /// `running` (default) or `refused`: the server must not start with this config.
    #[serde(default = "running")]
    start: String,
    #[serde(default)]
    request: Vec<Request>,
    #[serde(default)]
    finding: Vec<Finding>,
    /// Run the workers as this account (user and group of the same name), as the packaged
    /// server does: Apache gets `User`/`Group`, nginx `user` and a master process. Needs
    /// root; the account is the one authlint assumes for Debian (www-data).
    run_as: Option<String>,
    /// Modes and groups given to scenario files after they are copied.
    #[serde(default)]
    permission: Vec<Permission>,
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Permission {
    /// Relative to the scenario directory.
    path: String,
    /// Octal, e.g. "0600".
    mode: String,
    /// A group name to give the file.
    group: Option<String>,
}

/// Apply a scenario's permissions to its instantiated tree.
fn apply_permissions(root: &Path, perms: &[Permission]) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    for p in perms {
        let path = root.join(&p.path);
        let mode = u32::from_str_radix(&p.mode, 8).map_err(|e| format!("{}: {e}", p.mode))?;
        if let Some(g) = &p.group {
            let gid = nix::unistd::Group::from_name(g)
                .ok()
                .flatten()
                .ok_or_else(|| format!("no group `{g}` on this machine"))?
                .gid
                .as_raw();
            std::os::unix::fs::chown(&path, None, Some(gid))
                .map_err(|e| format!("chgrp {g} {}: {e}", path.display()))?;
        }
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("chmod {} {}: {e}", p.mode, path.display()))?;
    }
    Ok(())
}

fn running() -> String {
    "running".into()
}

#[derive(Deserialize, Debug)]
#[serde(deny_unknown_fields)]
struct Request {
    #[serde(default = "get")]
    method: String,
    path: String,
    /// `user:password` for Basic auth.
    basic: Option<String>,
    /// `user:password` for Digest auth (answers the server's challenge).
    digest: Option<String>,
    /// A `Host` header (virtual hosts).
    host: Option<String>,
    status: u16,
}

impl Request {
    fn describe(&self) -> String {
        let mut s = format!("{} {}", self.method, self.path);
        if let Some(b) = &self.basic {
            s.push_str(&format!(" basic={b}"));
        }
        if let Some(d) = &self.digest {
            s.push_str(&format!(" digest={d}"));
        }
        if let Some(h) = &self.host {
            s.push_str(&format!(" host={h}"));
        }
        s
    }
}

fn get() -> String {
    "GET".into()
}

#[derive(Deserialize, Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
#[serde(deny_unknown_fields)]
struct Finding {
    code: String,
    /// Relative to the scenario directory.
    file: String,
    line: u64,
}

fn scenarios_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("-v")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on 127.0.0.1")
}

/// Copy a scenario into `dst`, replacing `@ROOT@` and `@PORT@` in every text file.
fn instantiate(src: &Path, dst: &Path, port: u16) {
    for entry in walkdir::WalkDir::new(src).min_depth(1) {
        let entry = entry.expect("scenario readable");
        let rel = entry.path().strip_prefix(src).expect("inside");
        let to = dst.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
            continue;
        }
        let bytes = std::fs::read(entry.path()).expect("read");
        let out = match String::from_utf8(bytes) {
            Ok(t) => t
                .replace("@ROOT@", &dst.display().to_string())
                .replace("@PORT@", &port.to_string())
                .into_bytes(),
            Err(e) => e.into_bytes(),
        };
        std::fs::write(&to, out).expect("write");
    }
}

/// A running server, stopped by PID when dropped.
struct Server {
    child: Option<Child>,
    pid_file: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // TERM first: an nginx master stops its workers on TERM, not on KILL.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(c.id().to_string())
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while matches!(c.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Ok(pid) = std::fs::read_to_string(&self.pid_file) {
            let pid = pid.trim().to_string();
            // nginx runs as our child and is already gone: its stale pid file is expected.
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(&pid)
                .stderr(Stdio::null())
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg(&pid)
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn apache_main(root: &Path, port: u16, run_as: Option<&str>) -> String {
    let m = "/usr/lib/apache2/modules";
    let mods = [
        "mpm_prefork",
        "authn_core",
        "authn_file",
        "authz_core",
        "authz_user",
        "authz_groupfile",
        "authz_host",
        "auth_basic",
        "auth_digest",
        "access_compat",
        "alias",
        "dir",
        "mime",
        "rewrite",
        "env",
        "setenvif",
        "headers",
        "cgi",
        "proxy",
        "proxy_http",
    ];
    let mut s = format!(
        "ServerRoot {root}\nServerName 127.0.0.1\nTypesConfig /etc/mime.types\n",
        root = root.display()
    );
    if let Some(u) = run_as {
        s.push_str(&format!("User {u}\nGroup {u}\n"));
    }
    for name in mods {
        s.push_str(&format!("LoadModule {name}_module {m}/mod_{name}.so\n"));
    }
    s.push_str(&format!(
        "PidFile {r}/run/apache.pid\nDefaultRuntimeDir {r}/run\nMutex file:{r}/run\nErrorLog {r}/logs/error.log\nLogLevel info\n\
         Listen 127.0.0.1:{port}\nStartServers 1\nMinSpareServers 1\nMaxSpareServers 2\n\
         <Directory />\n    AllowOverride None\n    Require all denied\n</Directory>\n\
         <FilesMatch \"^\\.ht\">\n    Require all denied\n</FilesMatch>\n\
         Include site.conf\n",
        r = root.display()
    ));
    s
}

fn nginx_main(root: &Path, run_as: Option<&str>) -> String {
    // Workers switch to `user` only under a master process.
    let process = match run_as {
        Some(u) => format!("user {u};\nworker_processes 1;\n"),
        None => "master_process off;\n".to_string(),
    };
    format!(
        "daemon off;\n{process}pid {r}/run/nginx.pid;\nerror_log {r}/logs/error.log info;\n\
         events {{ worker_connections 64; }}\nhttp {{\n    access_log off;\n    include site.conf;\n}}\n",
        r = root.display()
    )
}

fn wait_for_port(port: u16, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// Start the server; `Err` carries the server's own words when it refused.
fn start(kind: &str, root: &Path, port: u16, run_as: Option<&str>) -> Result<Server, String> {
    std::fs::create_dir_all(root.join("run")).expect("mkdir");
    std::fs::create_dir_all(root.join("logs")).expect("mkdir");
    match kind {
        "apache" => {
            std::fs::write(root.join("httpd.conf"), apache_main(root, port, run_as))
                .expect("write");
            let out = Command::new("apache2")
                .args([
                    "-f",
                    &root.join("httpd.conf").display().to_string(),
                    "-k",
                    "start",
                ])
                .env("APACHE_RUN_DIR", root.join("run"))
                .output()
                .map_err(|e| e.to_string())?;
            let server = Server {
                child: None,
                pid_file: root.join("run/apache.pid"),
            };
            if !out.status.success() || !wait_for_port(port, Duration::from_secs(10)) {
                let log = std::fs::read_to_string(root.join("logs/error.log")).unwrap_or_default();
                return Err(format!("{}{log}", String::from_utf8_lossy(&out.stderr)));
            }
            Ok(server)
        }
        "nginx" => {
            std::fs::write(root.join("nginx.conf"), nginx_main(root, run_as)).expect("write");
            let mut child = Command::new("nginx")
                .args([
                    "-p",
                    &root.display().to_string(),
                    "-c",
                    &root.join("nginx.conf").display().to_string(),
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                if let Ok(Some(_)) = child.try_wait() {
                    let err = child
                        .stderr
                        .take()
                        .map(|e| std::io::read_to_string(e).unwrap_or_default())
                        .unwrap_or_default();
                    return Err(err);
                }
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    break;
                }
                if Instant::now() > deadline {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err("nginx did not listen in time".into());
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(Server {
                child: Some(child),
                pid_file: root.join("run/nginx.pid"),
            })
        }
        other => panic!("unknown server `{other}`"),
    }
}

/// Send one request; returns the status and the `WWW-Authenticate` challenges.
fn send(port: u16, req: &Request, authorization: Option<&str>) -> (u16, Vec<String>) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .redirects(0)
        .build();
    let mut r = agent.request(&req.method, &format!("http://127.0.0.1:{port}{}", req.path));
    if let Some(host) = &req.host {
        r = r.set("Host", host);
    }
    if let Some(a) = authorization {
        r = r.set("Authorization", a);
    }
    let resp = match r.call() {
        Ok(resp) => resp,
        Err(ureq::Error::Status(_, resp)) => resp,
        Err(e) => panic!("request {} failed: {e}", req.describe()),
    };
    let challenges = resp
        .all("www-authenticate")
        .into_iter()
        .map(String::from)
        .collect();
    (resp.status(), challenges)
}

fn status_of(port: u16, req: &Request) -> u16 {
    if let Some(creds) = &req.basic {
        let token = base64::engine::general_purpose::STANDARD.encode(creds.as_bytes());
        return send(port, req, Some(&format!("Basic {token}"))).0;
    }
    let (status, challenges) = send(port, req, None);
    let Some(creds) = &req.digest else {
        return status;
    };
    // Digest: answer the server's challenge, as a browser would.
    let Some(challenge) = challenges
        .iter()
        .find(|c| c.trim_start().to_ascii_lowercase().starts_with("digest"))
    else {
        return status; // no Digest challenge: the server did not ask for one
    };
    let (user, password) = creds.split_once(':').unwrap_or((creds, ""));
    let mut prompt =
        digest_auth::parse(challenge).expect("a Digest challenge the client understands");
    let context = digest_auth::AuthContext::new_with_method(
        user,
        password,
        req.path.as_str(),
        Option::<&[u8]>::None,
        digest_auth::HttpMethod(req.method.clone().into()),
    );
    let answer = prompt.respond(&context).expect("digest answer");
    send(port, req, Some(&answer.to_header_string())).0
}

/// PIDs whose command line names `root` (our servers are started with paths under it).
fn processes_mentioning(root: &Path) -> Vec<String> {
    let needle = root.display().to_string();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter(|e| {
            std::fs::read(e.path().join("cmdline")).is_ok_and(|c| {
                String::from_utf8_lossy(&c)
                    .replace('\0', " ")
                    .contains(&needle)
            })
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect()
}

/// The last lines of the server's error log, for failure messages.
fn log_tail(root: &Path) -> String {
    let log = std::fs::read_to_string(root.join("logs/error.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n    ")
}

/// Requests whose status `authlint why` predicted (and got right) or left unknown.
static WHY_AGREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
static WHY_UNKNOWN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// `authlint why`'s predicted status for a request (`None`: unknown, or Digest auth,
/// which `why` does not send).
fn predict(root: &Path, port: u16, req: &Request) -> Option<u16> {
    if req.digest.is_some() {
        return None;
    }
    let url = format!("http://127.0.0.1:{port}{}", req.path);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_authlint"));
    cmd.args([
        "why",
        "--format",
        "json",
        "--client",
        "127.0.0.1",
        "--method",
        &req.method,
    ])
    .current_dir(root)
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if let Some(h) = &req.host {
        cmd.args(["--host", h]);
    }
    let password = req.basic.as_ref().map(|b| {
        let (user, password) = b.split_once(':').unwrap_or((b, ""));
        cmd.args(["--user", user, "--password-stdin"]);
        password.to_string()
    });
    cmd.arg(&url).arg(".");
    let mut child = cmd.spawn().expect("authlint runs");
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write as _;
        let _ = writeln!(stdin, "{}", password.unwrap_or_default());
    }
    let out = child.wait_with_output().expect("authlint runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    if v["status"].is_null() && std::env::var_os("AUTHLINT_WHY_VERBOSE").is_some() {
        eprintln!("why unknown: {} {}: {}", req.method, req.path, v["reason"]);
    }
    v["status"].as_u64().and_then(|s| u16::try_from(s).ok())
}

/// authlint's findings on the instantiated tree, as (code, relative file, line).
fn findings(root: &Path) -> BTreeSet<Finding> {
    let out = Command::new(env!("CARGO_BIN_EXE_authlint"))
        .args(["check", "--format", "json", "--fail-on", "never", "."])
        .current_dir(root)
        .output()
        .expect("authlint runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
    v["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] != "info")
        .map(|d| Finding {
            code: d["code"].as_str().unwrap_or("").to_string(),
            file: d["file"]
                .as_str()
                .unwrap_or("")
                .trim_start_matches("./")
                .to_string(),
            line: d["line"].as_u64().unwrap_or(0),
        })
        .collect()
}

fn run_scenario(name: &str) -> Result<(), String> {
    let dir = scenarios_dir().join(name);
    let text =
        std::fs::read_to_string(dir.join("scenario.toml")).map_err(|e| format!("{name}: {e}"))?;
    let sc: Scenario = toml::from_str(&text).map_err(|e| format!("{name}: scenario.toml: {e}"))?;
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().to_path_buf();
    let port = free_port();
    if sc.run_as.is_some() && !nix::unistd::geteuid().is_root() {
        if in_ci() {
            return Err(format!(
                "{name}: runs the server's workers as another account, which needs root (CI runs as root)"
            ));
        }
        eprintln!("SKIPPED {name}: needs root to run the workers as another account");
        return Ok(());
    }
    instantiate(&dir, &root, port);
    apply_permissions(&root, &sc.permission).map_err(|e| format!("{name}: {e}"))?;
    let mut problems = Vec::new();
    let started = start(&sc.server, &root, port, sc.run_as.as_deref());
    match (sc.start.as_str(), started) {
        ("refused", Ok(_server)) => {
            problems.push("the server started, but the scenario says it refuses".to_string())
        }
        ("refused", Err(_)) => {}
        (_, Err(e)) => problems.push(format!("the server did not start: {e}")),
        (_, Ok(server)) => {
            for req in &sc.request {
                let got = status_of(port, req);
                if got != req.status {
                    problems.push(format!(
                        "{}: expected {}, observed {got}",
                        req.describe(),
                        req.status
                    ));
                }
            }
            drop(server);
            let left = processes_mentioning(&root);
            if !left.is_empty() {
                problems.push(format!("server processes outlived the scenario: {left:?}"));
            }
        }
    }
    // `authlint why` must never predict a status the server did not answer.
    if sc.start != "refused" {
        for req in &sc.request {
            match predict(&root, port, req) {
                Some(p) if p == req.status => {
                    WHY_AGREED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Some(p) => problems.push(format!(
                    "{}: `authlint why` predicts {p}, the server answered {}",
                    req.describe(),
                    req.status
                )),
                None => {
                    WHY_UNKNOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
    }
    let got = findings(&root);
    let want: BTreeSet<Finding> = sc.finding.iter().cloned().collect();
    if got != want {
        problems.push(format!(
            "authlint findings differ:\n  expected {want:?}\n  got      {got:?}"
        ));
    }
    if !problems.is_empty() {
        problems.push(format!("server log (tail):\n    {}", log_tail(&root)));
    }
    if std::env::var_os("AUTHLINT_KEEP").is_some() {
        eprintln!("{name}: kept {}", tmp.keep().display());
    }
    if problems.is_empty() {
        eprintln!("ok {name} ({}): {}", sc.server, sc.description);
        Ok(())
    } else {
        Err(format!(
            "{name} ({}): {}\n  {}",
            sc.server,
            sc.description,
            problems.join("\n  ")
        ))
    }
}

#[test]
fn scenarios_match_the_real_servers() {
    if !(have("apache2") && have("nginx")) {
        assert!(
            !in_ci(),
            "apache2 and nginx must be installed in CI (.ci/run installs them)"
        );
        eprintln!("SKIPPED: apache2 or nginx is not installed; real-server scenarios did not run");
        return;
    }
    let only = std::env::var("AUTHLINT_SCENARIO").ok();
    let mut names: Vec<String> = std::fs::read_dir(scenarios_dir())
        .expect("tests/scenarios")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("scenario.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| only.as_ref().is_none_or(|o| o == n))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no scenario found");
    let failures: Vec<String> = names.iter().filter_map(|n| run_scenario(n).err()).collect();
    eprintln!("{} scenarios, {} failed", names.len(), failures.len());
    eprintln!(
        "authlint why: {} requests predicted as the server answered, {} unknown, 0 wrong",
        WHY_AGREED.load(std::sync::atomic::Ordering::Relaxed),
        WHY_UNKNOWN.load(std::sync::atomic::Ordering::Relaxed)
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// Every rule's `evidence` that names a scenario names one that exists.
#[test]
fn rule_evidence_names_existing_scenarios() {
    for rule in authlint::rules::ALL {
        for e in rule.evidence {
            if let Some(name) = e.strip_prefix("scenario: ") {
                assert!(
                    scenarios_dir().join(name).join("scenario.toml").is_file(),
                    "{}: no scenario {name}",
                    rule.code
                );
            }
        }
    }
}
