//! The command line: arguments become settings, settings become a run, the run becomes an
//! exit code. Printing goes through `report/`.
//!
//! Exit codes: 0 nothing reached `--fail-on`; 1 something did; 2 usage error, a named path
//! that does not exist, or no input could be read. `htpasswd verify`: 0 the password
//! matches, 1 it does not or the user is absent, 2 an error or a hash authlint cannot
//! compute.

use crate::diag::{Diagnostic, Severity};
use crate::discover::{
    classify_by_name, discover, skipped, unreadable, Dialect, DiscoverOptions, Found,
};
use crate::htpasswd::file::{lookup, Lookup};
use crate::htpasswd::scheme::{classify, CryptLib, Server};
use crate::htpasswd::verify::{verify, Verdict};
use crate::model::paths::PathMap;
use crate::model::ModelOptions;
use crate::report::{self, FileEntry, Format, ReportOptions};
use crate::rules::{self, Rule};
use crate::source::{DiskFs, FileKind, Fs, Read, DEFAULT_SIZE_CAP};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "authlint",
    version,
    about = "Lint Apache httpd, nginx and htpasswd files for the misconfigurations behind 401 Unauthorized"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files and directories (default: the current directory).
    Check(CheckArgs),
    /// List every rule.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
    },
    /// Print a rule's documentation: why it matters, bad and good examples.
    Explain {
        /// A rule code (AL101) or name (auth-type-without-auth-name).
        rule: String,
    },
    /// Predict the answer a request gets from the configuration, and explain it.
    #[command(long_about = WHY_ABOUT)]
    Why(WhyArgs),
    /// Password, digest and group files on their own: lint them, or check a password.
    Htpasswd {
        #[command(subcommand)]
        command: HtpasswdCommand,
    },
}

#[derive(Subcommand, Debug)]
pub enum HtpasswdCommand {
    /// Lint password, digest and group files with the password-file rules (AL3xx) only.
    Check(HtpasswdCheckArgs),
    /// Check a user's password exactly as Apache or nginx would decide it.
    #[command(long_about = VERIFY_ABOUT)]
    Verify(VerifyArgs),
}

const VERIFY_ABOUT: &str = "\
Check a user's password exactly as Apache or nginx would decide it.

The entry is found as the named server finds it (the first line for the user wins; Apache
trims the line and joins backslash-continued lines, nginx does neither), and the hash is
checked as that server does: Apache's APR computes bcrypt ($2y$/$2a$, cost 4..17), $apr1$
and {SHA} itself and hands the rest to crypt(3); nginx computes $apr1$, {SHA}, {SSHA} and
{PLAIN} itself. A hash the server cannot verify (say {SSHA} on Apache) is a mismatch, as
the server would answer. Every crypt(3) scheme of a Debian 12 system (libxcrypt: bcrypt,
$1$, $5$, $6$, DES, bigcrypt, BSDi DES, yescrypt, gost-yescrypt, scrypt, sha1crypt, Sun
MD5, NT) is computed natively in Rust; authlint never calls the system's crypt(3). A hash
it cannot compute (say yescrypt needing more than 1 GiB) is reported, never guessed.
The final comparison is constant-time.

The password is never taken from the command line: it is read from the terminal without
echo, or, with --password-stdin, from the first line of standard input.

Exit codes: 0 the password matches; 1 it does not, or the user is not in the file; 2 an
error, or a hash authlint cannot compute.";

const WHY_ABOUT: &str = "\
Predict the answer a request gets from the configuration, and explain it.

The request is resolved as the server resolves it. nginx: the server block by port and
Host, the location (nested, regex), the rewrite directives, allow/deny, satisfy, auth_basic
and auth_request, error_page, then the static content. Apache: the virtual host, Alias and
DocumentRoot, the <Directory>/.htaccess/<Files>/<Location> merge, the Require logic,
AuthType Basic with the file provider, then DirectorySlash, DirectoryIndex and the file. The answer names the status, the config lines that
decided it, the password file, and with --user whether that user's password verifies as the
server would verify it. When the input does not decide the answer (an upstream, a variable,
an include that was not read, an allow list without --client) the status is unknown and the
reason says why: authlint never guesses.

Not followed yet (the answer is unknown): Apache's per-directory mod_rewrite, [P] proxying,
Dav, ErrorDocument and AllowOverride Nonfatal; nginx upstreams.

URL is absolute (http://host:port/path, matched against listen and server_name) or a bare
path (/private/: the default server). The password is never taken from the command line.

Exit codes: 0 the status is predicted; 1 it is unknown; 2 an error.";

#[derive(Args, Debug)]
pub struct WhyArgs {
    /// The request URL (http://host:port/path) or a bare path (/private/).
    pub url: String,
    /// Files or directories holding the configuration (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// The request method.
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// The Host header, when it differs from the URL's host.
    #[arg(long)]
    pub host: Option<String>,
    /// Send Basic credentials for this user; the password is read from the terminal
    /// without echo, or with --password-stdin from standard input.
    #[arg(long)]
    pub user: Option<String>,
    /// Read the password from standard input (the first line).
    #[arg(long, requires = "user")]
    pub password_stdin: bool,
    /// The client's address, for allow/deny rules.
    #[arg(long, value_name = "ADDR")]
    pub client: Option<std::net::IpAddr>,
    /// Which server's configuration answers, when the input holds both.
    #[arg(long, value_enum)]
    pub server: Option<ServerArg>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    /// Map a path on the server to a local path: SERVER_PATH=LOCAL_PATH (repeatable).
    #[arg(long = "map", value_name = "SERVER_PATH=LOCAL_PATH", value_parser = parse_map)]
    pub maps: Vec<(PathBuf, PathBuf)>,
    /// nginx configuration prefix: a local directory (relative paths).
    #[arg(long, value_name = "DIR")]
    pub nginx_prefix: Option<PathBuf>,
    /// Apache ServerRoot as the server sees it.
    #[arg(long, value_name = "PATH")]
    pub server_root: Option<PathBuf>,
    /// The main config to assume when the input has none.
    #[arg(long, value_enum, default_value_t = AssumeArg::Debian)]
    pub assume: AssumeArg,
    /// When to use colors (human format). NO_COLOR is respected with `auto`.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

#[derive(Args, Debug)]
pub struct HtpasswdCheckArgs {
    /// Password, digest or group files (or directories holding them).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// What a file whose name does not say is (default: htpasswd).
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// The server that reads the files. Without it, only what every server would refuse is
    /// reported.
    #[arg(long, value_enum)]
    pub server: Option<ServerArg>,
    /// The target platform's crypt(3): which hash schemes the servers can hand it.
    #[arg(long, value_enum, default_value_t = CryptLibArg::Libxcrypt)]
    pub crypt_lib: CryptLibArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE_CAP)]
    pub max_file_size: u64,
    /// When to use colors (human format). NO_COLOR is respected with `auto`.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print findings only, no summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The htpasswd file.
    pub file: PathBuf,
    /// The user name, as the client sends it.
    pub user: String,
    /// Decide as this server does (`apache` is what `htpasswd -v` does).
    #[arg(long, value_enum, default_value_t = ServerArg::Apache)]
    pub server: ServerArg,
    /// Read the password from standard input (the first line, without its newline)
    /// instead of prompting on the terminal without echo.
    #[arg(long)]
    pub password_stdin: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum AssumeArg {
    Debian,
    Upstream,
    None,
}

impl From<AssumeArg> for crate::model::apache::Assume {
    fn from(a: AssumeArg) -> Self {
        match a {
            AssumeArg::Debian => Self::Debian,
            AssumeArg::Upstream => Self::Upstream,
            AssumeArg::None => Self::None,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ServerArg {
    Apache,
    Nginx,
}

impl From<ServerArg> for Server {
    fn from(s: ServerArg) -> Server {
        match s {
            ServerArg::Apache => Server::Apache,
            ServerArg::Nginx => Server::Nginx,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CryptLibArg {
    /// libxcrypt: Debian 11+, Ubuntu 20.04+, Fedora, RHEL 8+.
    Libxcrypt,
    /// glibc's own libcrypt: Debian 10 and older, CentOS 7.
    Glibc,
    /// musl: Alpine.
    Musl,
}

impl From<CryptLibArg> for CryptLib {
    fn from(c: CryptLibArg) -> CryptLib {
        match c {
            CryptLibArg::Libxcrypt => CryptLib::Libxcrypt,
            CryptLibArg::Glibc => CryptLib::Glibc,
            CryptLibArg::Musl => CryptLib::Musl,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KindArg {
    Htpasswd,
    Htdigest,
    Htgroup,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to lint.
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,
    /// Print each file found, its kind and why, and exit.
    #[arg(long)]
    pub list_files: bool,
    /// Read explicitly named files as this server's syntax.
    #[arg(long, value_enum)]
    pub dialect: Option<DialectArg>,
    /// Map a path on the server to a local path: SERVER_PATH=LOCAL_PATH (repeatable).
    #[arg(long = "map", value_name = "SERVER_PATH=LOCAL_PATH", value_parser = parse_map)]
    pub maps: Vec<(PathBuf, PathBuf)>,
    /// Apache ServerRoot as the server sees it (relative Include and AuthUserFile paths).
    #[arg(long, value_name = "PATH")]
    pub server_root: Option<PathBuf>,
    /// nginx configuration prefix: a local directory (relative include paths).
    #[arg(long, value_name = "DIR")]
    pub nginx_prefix: Option<PathBuf>,
    /// The main config to assume when the input has none (a vhost, a site folder,
    /// sites-enabled/): Debian's packaged apache2.conf and nginx.conf, the servers' own
    /// stock ones, or nothing. nginx server blocks are then read as inside its http {}.
    #[arg(long, value_enum, default_value_t = AssumeArg::Debian)]
    pub assume: AssumeArg,
    /// Skip files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_SIZE_CAP)]
    pub max_file_size: u64,
    /// When to use colors (human format). NO_COLOR is respected with `auto`.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Print findings only, no summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// The target platform's crypt(3): which hash schemes the servers can hand it.
    #[arg(long, value_enum, default_value_t = CryptLibArg::Libxcrypt)]
    pub crypt_lib: CryptLibArg,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OutputFormat {
    Human,
    Compact,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DialectArg {
    Apache,
    Nginx,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

fn parse_map(s: &str) -> Result<(PathBuf, PathBuf), String> {
    let (server, local) = s
        .split_once('=')
        .ok_or_else(|| format!("expected SERVER_PATH=LOCAL_PATH, got `{s}`"))?;
    if server.is_empty() || local.is_empty() {
        return Err(format!("both sides of `{s}` must be non-empty"));
    }
    if !server.starts_with('/') {
        return Err(format!("the server path `{server}` must be absolute"));
    }
    Ok((PathBuf::from(server), PathBuf::from(local)))
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> ExitCode {
    let stdout = std::io::stdout();
    // Block-buffered: a line-buffered stdout costs a write per line of JSON.
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let result = match cli.command {
        Command::Check(args) => check(&args, &mut out),
        Command::Rules { format } => list_rules(format, &mut out).map(|_| 0),
        Command::Explain { rule } => explain(&rule, &mut out),
        Command::Why(args) => why_cmd(&args, &mut out),
        Command::Htpasswd {
            command: HtpasswdCommand::Check(args),
        } => htpasswd_check(&args, &mut out),
        Command::Htpasswd {
            command: HtpasswdCommand::Verify(args),
        } => htpasswd_verify(&args, &mut out),
    }
    .and_then(|code| out.flush().map(|_| code));
    match result {
        Ok(code) => ExitCode::from(code),
        // The reader went away (`| head`): stop quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(0),
        Err(e) => {
            eprintln!("authlint: {e}");
            ExitCode::from(2)
        }
    }
}

fn check(args: &CheckArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    let fs = DiskFs;
    let opts = DiscoverOptions {
        dialect: args.dialect.map(|d| match d {
            DialectArg::Apache => Dialect::Apache,
            DialectArg::Nginx => Dialect::Nginx,
        }),
        size_cap: args.max_file_size,
        ..DiscoverOptions::default()
    };
    let found = discover(&args.paths, &opts, &fs);
    for m in &found.missing {
        eprintln!("authlint: {}: no such file or directory", m.display());
    }
    let nothing_read =
        found.files.is_empty() && (!found.missing.is_empty() || !found.diagnostics.is_empty());
    let model_opts = ModelOptions {
        maps: PathMap::new(args.maps.clone()),
        server_root: args.server_root.clone(),
        nginx_prefix: args.nginx_prefix.clone(),
        size_cap: args.max_file_size,
        linted_roots: if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        crypt_lib: Some(args.crypt_lib.into()),
        assume_server: None,
        assume: args.assume.into(),
    };
    let outcome = crate::lint_found(found.files, found.diagnostics, &model_opts, &fs);
    if args.list_files {
        let model = &outcome.model;
        for f in model.sources.iter() {
            let reason = model.reasons.get(&f.id).map(String::as_str).unwrap_or("");
            writeln!(out, "{}\t{}\t{}", f.path.display(), f.kind.as_str(), reason)?;
        }
        return Ok(if found.missing.is_empty() { 0 } else { 2 });
    }
    let failed = render_outcome(
        out,
        outcome,
        &Rendering {
            format: args.format,
            color: args.color,
            quiet: args.quiet,
            fail_on: args.fail_on,
        },
        |_| true,
    )?;
    if !found.missing.is_empty() || nothing_read {
        return Ok(2);
    }
    Ok(if failed { 1 } else { 0 })
}

/// How to print a run's findings.
struct Rendering {
    format: OutputFormat,
    color: ColorArg,
    quiet: bool,
    fail_on: FailOn,
}

/// Sort and print the findings `keep` accepts; says whether one reached `--fail-on`.
fn render_outcome(
    out: &mut dyn Write,
    outcome: crate::Outcome,
    how: &Rendering,
    keep: impl Fn(&Diagnostic) -> bool,
) -> std::io::Result<bool> {
    let mut diags: Vec<Diagnostic> = outcome
        .diagnostics
        .into_iter()
        .filter(|d| keep(d))
        .collect();
    report::sort_diagnostics(&mut diags, &outcome.model.sources);
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
    let color = match how.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let ropts = ReportOptions {
        format: match how.format {
            OutputFormat::Human => Format::Human,
            OutputFormat::Compact => Format::Compact,
            OutputFormat::Json => Format::Json,
        },
        color,
        width: terminal_width(),
        links: false,
        quiet: how.quiet,
    };
    report::render(out, &diags, &outcome.model.sources, &files, &ropts)?;
    out.flush()?;
    // The process ends right after this: freeing a large model piece by piece is wasted
    // work (a tenth of the run on a 1 MB config), so leave it to the OS.
    let failed = fails(&diags, how.fail_on);
    std::mem::forget(outcome.model);
    std::mem::forget(diags);
    Ok(failed)
}

/// `authlint htpasswd check FILE...`: the AL3xx rules on the named files alone.
fn htpasswd_check(args: &HtpasswdCheckArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    let fs = DiskFs;
    let default_kind = match args.kind {
        None | Some(KindArg::Htpasswd) => FileKind::Htpasswd,
        Some(KindArg::Htdigest) => FileKind::Htdigest,
        Some(KindArg::Htgroup) => FileKind::Htgroup,
    };
    let mut files = Vec::new();
    let mut pre = Vec::new();
    let mut missing = false;
    for path in &args.files {
        if fs.is_dir(path) {
            let opts = DiscoverOptions {
                size_cap: args.max_file_size,
                ..DiscoverOptions::default()
            };
            let found = discover(std::slice::from_ref(path), &opts, &fs);
            pre.extend(found.diagnostics);
            files.extend(
                found
                    .files
                    .into_iter()
                    .filter(|f| f.kind.is_password_file()),
            );
            continue;
        }
        if !fs.exists(path) {
            eprintln!("authlint: {}: no such file or directory", path.display());
            missing = true;
            continue;
        }
        let kind = match classify_by_name(path) {
            Some((k, reason)) if k.is_password_file() => (k, reason),
            Some((_, reason)) => {
                pre.push(skipped(path, format!("not a password file ({reason})")));
                continue;
            }
            None => (
                default_kind,
                format!(
                    "named on the command line, read as {}",
                    default_kind.as_str()
                ),
            ),
        };
        match fs.read(path, args.max_file_size) {
            Read::Text { text, lossy } => {
                if lossy {
                    pre.push(unreadable(
                        path,
                        "file is not valid UTF-8; invalid bytes were replaced before linting",
                    ));
                }
                files.push(Found {
                    path: path.clone(),
                    kind: kind.0,
                    reason: kind.1,
                    text,
                });
            }
            Read::Binary => pre.push(skipped(path, "binary file (contains NUL bytes)")),
            Read::TooLarge { size } => pre.push(skipped(
                path,
                format!(
                    "{size} bytes is over the size cap of {} bytes",
                    args.max_file_size
                ),
            )),
            Read::NotRegular { what } => pre.push(skipped(
                path,
                format!("{what}, not a regular file; never opened"),
            )),
            Read::Error { reason } => {
                pre.push(unreadable(path, format!("cannot be read: {reason}")))
            }
        }
    }
    let nothing_read = files.is_empty();
    let model_opts = ModelOptions {
        size_cap: args.max_file_size,
        linted_roots: args.files.clone(),
        crypt_lib: Some(args.crypt_lib.into()),
        assume_server: args.server.map(Server::from),
        ..ModelOptions::default()
    };
    let outcome = crate::lint_found(files, pre, &model_opts, &fs);
    let failed = render_outcome(
        out,
        outcome,
        &Rendering {
            format: args.format,
            color: args.color,
            quiet: args.quiet,
            fail_on: args.fail_on,
        },
        |d| d.code.starts_with("AL3") || d.code == "AL003" || d.code == "AL004",
    )?;
    if missing || nothing_read {
        return Ok(2);
    }
    Ok(if failed { 1 } else { 0 })
}

/// `authlint htpasswd verify FILE USER`: 0 match, 1 mismatch or no such user, 2 error.
fn why_cmd(args: &WhyArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    let mut req = match crate::why::Request::parse_url(&args.url) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("authlint: {e}");
            return Ok(2);
        }
    };
    req.method = args.method.to_ascii_uppercase();
    req.host_header = args.host.clone();
    req.client = args.client;
    if let Some(user) = &args.user {
        let password = match password_for(user, args.password_stdin)? {
            Ok(p) => p,
            Err(code) => return Ok(code),
        };
        req.credentials = Some((user.clone(), password));
    }
    let fs = DiskFs;
    let found = discover(&args.paths, &DiscoverOptions::default(), &fs);
    for m in &found.missing {
        eprintln!("authlint: {}: no such file or directory", m.display());
    }
    if !found.missing.is_empty() {
        return Ok(2);
    }
    let maps = PathMap::new(args.maps.clone());
    let model_opts = ModelOptions {
        maps: maps.clone(),
        server_root: args.server_root.clone(),
        nginx_prefix: args.nginx_prefix.clone(),
        size_cap: DEFAULT_SIZE_CAP,
        linted_roots: if args.paths.is_empty() {
            vec![PathBuf::from(".")]
        } else {
            args.paths.clone()
        },
        crypt_lib: None,
        assume_server: None,
        assume: args.assume.into(),
    };
    // Only what decides an answer: the model, its own diagnostics (AL001...), and the
    // rules whose findings make Apache refuse a .htaccess.
    let model = crate::model::build(found.files, &model_opts, &fs);
    let mut findings = model.diagnostics.clone();
    findings.extend(rules::run_only(&model, crate::why::apache::HTACCESS_500));
    let model = &model;
    let which = match args.server {
        Some(ServerArg::Apache) => crate::why::Which::Apache,
        Some(ServerArg::Nginx) => crate::why::Which::Nginx,
        None => crate::why::Which::Auto,
    };
    let answer = crate::why::why(model, &findings, &maps, &fs, &req, which);
    match args.format {
        ListFormat::Json => {
            let v = crate::why::to_json(&answer, &req, &model.sources);
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_default()
            )?;
        }
        ListFormat::Human => {
            let color = match args.color {
                ColorArg::Always => true,
                ColorArg::Never => false,
                ColorArg::Auto => {
                    std::io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                }
            };
            writeln!(out, "{}", crate::why::headline(&answer, &req))?;
            if let Some(d) = crate::why::to_diagnostic(&answer) {
                let ropts = ReportOptions {
                    format: Format::Human,
                    color,
                    width: terminal_width(),
                    links: false,
                    quiet: true,
                };
                report::render(out, &[d], &model.sources, &[], &ropts)?;
            }
        }
    }
    Ok(if answer.status.is_some() { 0 } else { 1 })
}

fn htpasswd_verify(args: &VerifyArgs, out: &mut dyn Write) -> std::io::Result<u8> {
    let server = Server::from(args.server);
    let server_name = crate::rules::htpasswd::server_name(server);
    let user = crate::rules::htpasswd::quoted(&args.user);
    let password = match password_for(&args.user, args.password_stdin)? {
        Ok(p) => p,
        Err(code) => return Ok(code),
    };
    let path = args.file.display().to_string();
    let (text, lossy) = match DiskFs.read(&args.file, DEFAULT_SIZE_CAP) {
        Read::Text { text, lossy } => (text, lossy),
        Read::Binary => return fail(&format!("{path}: binary file (contains NUL bytes)")),
        Read::TooLarge { size } => {
            return fail(&format!("{path}: {size} bytes is over the size cap"))
        }
        Read::NotRegular { what } => return fail(&format!("{path}: {what}, not a regular file")),
        Read::Error { reason } => return fail(&format!("{path}: {reason}")),
    };
    let (line, hash) = match lookup(&text, server, &args.user) {
        Lookup::NotFound => {
            writeln!(
                out,
                "{path}: user {user} not found (as {server_name} reads the file)"
            )?;
            return Ok(1);
        }
        Lookup::Found { line, hash } => (line, hash),
    };
    if lossy && hash.contains('\u{fffd}') {
        return fail(&format!(
            "{path}:{line}: the entry for user {user} holds bytes that are not UTF-8; authlint cannot verify it"
        ));
    }
    let scheme = classify(&hash).scheme;
    match verify(server, &hash, &password) {
        Verdict::Match => {
            writeln!(out, "{path}:{line}: password for user {user} matches ({scheme} hash, as {server_name} decides)")?;
            Ok(0)
        }
        Verdict::Mismatch => {
            writeln!(out, "{path}:{line}: password for user {user} does not match ({scheme} hash, as {server_name} decides)")?;
            Ok(1)
        }
        Verdict::Unverifiable(why) => fail(&format!(
            "{path}:{line}: cannot verify the {scheme} hash of user {user}: {why}"
        )),
    }
}

/// The password for a Basic user: from standard input with `--password-stdin`, else from
/// the terminal without echo; never from the command line. `Err(exit code)` after saying
/// why on stderr.
fn password_for(user: &str, from_stdin: bool) -> std::io::Result<Result<Vec<u8>, u8>> {
    let shown = crate::rules::htpasswd::quoted(user);
    if user.is_empty() || user.contains(':') {
        eprintln!("authlint: {shown} cannot be a user name: Basic auth ends the name at the first `:`, and an empty one is never looked up");
        return Ok(Err(2));
    }
    if from_stdin {
        return read_password(std::io::stdin().lock()).map(Ok);
    }
    if !std::io::stdin().is_terminal() {
        eprintln!("authlint: add --password-stdin to read the password from standard input (it is never taken from the command line)");
        return Ok(Err(2));
    }
    // From the terminal, without echo (rpassword talks to the tty itself).
    match rpassword::prompt_password(format!("Password for {shown}: ")) {
        Ok(p) => Ok(Ok(p.into_bytes())),
        Err(e) => fail(&format!("cannot read the password from the terminal: {e}")).map(Err),
    }
}

fn fail(message: &str) -> std::io::Result<u8> {
    eprintln!("authlint: {message}");
    Ok(2)
}

/// The first line of `input` without its line ending, at most 64 KiB.
fn read_password(input: impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut line = Vec::new();
    input.take(64 * 1024).read_until(b'\n', &mut line)?;
    if line.last() == Some(&b'\n') {
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
    }
    Ok(line)
}

fn fails(diags: &[Diagnostic], fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Never => return false,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    diags.iter().any(|d| d.severity >= threshold)
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

#[derive(serde::Serialize)]
struct RuleJson {
    code: &'static str,
    name: &'static str,
    severity: &'static str,
    default_enabled: bool,
    summary: &'static str,
    why: &'static str,
}

fn list_rules(format: ListFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        ListFormat::Human => {
            for r in rules::ALL {
                writeln!(
                    out,
                    "{}  {:<8} {:<32} {}",
                    r.code,
                    r.severity.as_str(),
                    r.name,
                    r.summary
                )?;
            }
        }
        ListFormat::Json => {
            let list: Vec<RuleJson> = rules::ALL
                .iter()
                .map(|r| RuleJson {
                    code: r.code,
                    name: r.name,
                    severity: r.severity.as_str(),
                    default_enabled: r.default_enabled,
                    summary: r.summary,
                    why: r.why,
                })
                .collect();
            let text = serde_json::to_string_pretty(&list).map_err(std::io::Error::other)?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(())
}

fn explain(query: &str, out: &mut dyn Write) -> std::io::Result<u8> {
    let Some(rule) = rules::find(query) else {
        eprintln!("authlint: no rule named `{query}`; `authlint rules` lists them");
        return Ok(2);
    };
    write!(out, "{}", render_rule_doc(rule))?;
    Ok(0)
}

/// A rule's documentation as plain text (Markdown-friendly).
pub fn render_rule_doc(rule: &Rule) -> String {
    let mut s = format!(
        "{} {} ({})\n\n{}\n\n{}\n",
        rule.code,
        rule.name,
        rule.severity.as_str(),
        rule.summary,
        wrap(rule.why)
    );
    for (title, sets) in [("Bad", rule.bad), ("Good", rule.good)] {
        for files in sets {
            for ex in files.iter() {
                s.push_str(&format!("\n{title} ({}):\n", ex.path));
                for line in ex.text.lines() {
                    s.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    if !rule.evidence.is_empty() {
        s.push_str("\nEvidence:\n");
        for e in rule.evidence {
            s.push_str(&format!("    {e}\n"));
        }
    }
    s
}

fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for word in text.split_whitespace() {
        if col > 0 && col + word.len() + 1 > 88 {
            out.push('\n');
            col = 0;
        } else if col > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += word.len();
    }
    out
}
