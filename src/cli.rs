//! The command line: arguments become settings, settings become a run, the run becomes an
//! exit code. Printing goes through `report/`.
//!
//! Exit codes: 0 nothing reached `--fail-on`; 1 something did; 2 usage error, a named path
//! that does not exist, or no input could be read.

use crate::diag::{Diagnostic, Severity};
use crate::discover::{discover, Dialect, DiscoverOptions};
use crate::model::paths::PathMap;
use crate::model::ModelOptions;
use crate::report::{self, FileEntry, Format, ReportOptions};
use crate::rules::{self, Rule};
use crate::source::{DiskFs, DEFAULT_SIZE_CAP};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
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
    let mut diags = outcome.diagnostics;
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
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let ropts = ReportOptions {
        format: match args.format {
            OutputFormat::Human => Format::Human,
            OutputFormat::Compact => Format::Compact,
            OutputFormat::Json => Format::Json,
        },
        color,
        width: terminal_width(),
        links: false,
        quiet: args.quiet,
    };
    report::render(out, &diags, &outcome.model.sources, &files, &ropts)?;
    out.flush()?;
    // The process ends right after this: freeing a large model piece by piece is wasted
    // work (a tenth of the run on a 1 MB config), so leave it to the OS.
    let failed = fails(&diags, args.fail_on);
    std::mem::forget(outcome.model);
    std::mem::forget(diags);
    if !found.missing.is_empty() || nothing_read {
        return Ok(2);
    }
    Ok(if failed { 1 } else { 0 })
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
