//! Discovery: walk the paths the user named, decide what each file is (and say why), and
//! read the ones authlint lints. Only regular files are read, bounded by the size cap;
//! FIFOs, devices, sockets, binary files and symlink loops are reported and skipped.
//! `.git`, `node_modules` and `vendor` are never entered.

use crate::diag::{Diagnostic, Severity};
use crate::source::{FileKind, Fs, Read};
use std::path::{Path, PathBuf};

/// A file to lint, with its text.
#[derive(Clone)]
pub struct Found {
    pub path: PathBuf,
    pub kind: FileKind,
    /// Why discovery thinks it is that kind (`--list-files`).
    pub reason: String,
    pub text: String,
}

impl std::fmt::Debug for Found {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Found")
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("reason", &self.reason)
            .finish()
    }
}

/// Which server's syntax `--dialect` forces on explicitly named files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Apache,
    Nginx,
}

#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    pub dialect: Option<Dialect>,
    pub size_cap: u64,
    /// Most files one run reads.
    pub max_files: usize,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            dialect: None,
            size_cap: crate::source::DEFAULT_SIZE_CAP,
            max_files: 200_000,
        }
    }
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub files: Vec<Found>,
    /// AL003 (skipped) and AL004 (unreadable) notes.
    pub diagnostics: Vec<Diagnostic>,
    /// Named paths that do not exist or could not be walked at all.
    pub missing: Vec<PathBuf>,
}

const SKIP_DIRS: &[&str] = &[".git", ".hg", ".svn", "node_modules", "vendor"];

pub fn skipped(path: &Path, why: impl Into<String>) -> Diagnostic {
    Diagnostic::new(
        "AL003",
        "file-skipped",
        Severity::Info,
        format!("skipped: {}", why.into()),
    )
    .on_path(path.display().to_string())
}

pub fn unreadable(path: &Path, why: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL004", "unreadable-file", Severity::Warning, why.into())
        .on_path(path.display().to_string())
}

/// Walk `paths` (no paths: the current directory) and read every file authlint lints.
pub fn discover(paths: &[PathBuf], opts: &DiscoverOptions, fs: &dyn Fs) -> Discovery {
    let mut out = Discovery::default();
    let default = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &default[..]
    } else {
        paths
    };
    for root in paths {
        let meta = std::fs::symlink_metadata(root);
        if meta.is_err() {
            out.missing.push(root.clone());
            continue;
        }
        if fs.is_dir(root) {
            walk_dir(root, opts, fs, &mut out);
        } else {
            // Named explicitly: classify by name, content, or --dialect.
            visit_file(root, true, opts, fs, &mut out);
        }
    }
    out
}

fn walk_dir(root: &Path, opts: &DiscoverOptions, fs: &dyn Fs, out: &mut Discovery) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !(e.file_type().is_dir() && SKIP_DIRS.iter().any(|d| e.file_name() == *d))
        });
    for entry in walker {
        if out.files.len() >= opts.max_files {
            out.diagnostics.push(skipped(
                root,
                format!("more than {} files; the rest were not read", opts.max_files),
            ));
            return;
        }
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| root.to_path_buf());
                let why = if e.loop_ancestor().is_some() {
                    "symlink loop: this directory links back to one of its parents".to_string()
                } else if e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::PermissionDenied)
                {
                    "cannot be read: permission denied".to_string()
                } else if e.io_error().is_some_and(|io| io.raw_os_error() == Some(40)) {
                    "symlink loop: too many levels of symbolic links".to_string()
                } else {
                    format!("cannot be read: {e}")
                };
                out.diagnostics.push(unreadable(&path, why));
                continue;
            }
        };
        if entry.file_type().is_dir() {
            continue;
        }
        visit_file(entry.path(), false, opts, fs, out);
    }
}

fn visit_file(
    path: &Path,
    explicit: bool,
    opts: &DiscoverOptions,
    fs: &dyn Fs,
    out: &mut Discovery,
) {
    let by_name = classify_by_name(path);
    let sniff = by_name.is_none() && (explicit || wants_sniff(path));
    if by_name.is_none() && !sniff && !(explicit && opts.dialect.is_some()) {
        return;
    }
    let text = match fs.read(path, opts.size_cap) {
        Read::Text { text, lossy } => {
            if lossy {
                out.diagnostics.push(
                    unreadable(path, "file is not valid UTF-8; invalid bytes were replaced before linting")
                        .help("save the file as UTF-8 (Apache and nginx read bytes, but a stray encoding often hides a typo)"),
                );
            }
            text
        }
        Read::Binary => {
            if by_name.is_some() || explicit {
                out.diagnostics
                    .push(skipped(path, "binary file (contains NUL bytes)"));
            }
            return;
        }
        Read::TooLarge { size } => {
            out.diagnostics.push(skipped(
                path,
                format!(
                    "{size} bytes is over the size cap of {} bytes",
                    opts.size_cap
                ),
            ));
            return;
        }
        Read::NotRegular { what } => {
            out.diagnostics.push(skipped(
                path,
                format!("{what}, not a regular file; never opened"),
            ));
            return;
        }
        Read::Error { reason } => {
            if by_name.is_some() || explicit {
                out.diagnostics
                    .push(unreadable(path, format!("cannot be read: {reason}")));
            }
            return;
        }
    };
    let classified = match (explicit, opts.dialect) {
        (true, Some(Dialect::Apache)) if !matches!(by_name, Some((k, _)) if k.is_password_file() || k == FileKind::Htaccess) => {
            Some((FileKind::ApacheConfig, "--dialect apache".to_string()))
        }
        (true, Some(Dialect::Nginx)) if !matches!(by_name, Some((k, _)) if k.is_password_file()) => {
            Some((FileKind::NginxConfig, "--dialect nginx".to_string()))
        }
        _ => by_name.or_else(|| classify_by_content(path, &text)),
    };
    match classified {
        Some((kind, reason)) => out.files.push(Found {
            path: path.to_path_buf(),
            kind,
            reason,
            text,
        }),
        None if explicit => out.diagnostics.push(
            skipped(path, "not recognised as an Apache, nginx or password file")
                .help("name the dialect with --dialect apache|nginx"),
        ),
        None => {}
    }
}

/// Should a file whose name says nothing be read to look at its content?
fn wants_sniff(path: &Path) -> bool {
    let name = file_name(path);
    name.ends_with(".conf")
        || name.ends_with(".vhost")
        || under_server_tree(path).is_some() && !name.contains('.')
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `apache2/`, `httpd/` or `nginx/` among the parent directories, and which.
fn under_server_tree(path: &Path) -> Option<(FileKind, String)> {
    for comp in path.parent()?.components().rev() {
        let c = comp.as_os_str().to_string_lossy().to_ascii_lowercase();
        match c.as_str() {
            "apache2" | "httpd" | "apache" => return Some((FileKind::ApacheConfig, c)),
            "nginx" => return Some((FileKind::NginxConfig, c)),
            _ => {}
        }
    }
    None
}

/// Decide a file's kind from its name and place alone.
pub fn classify_by_name(path: &Path) -> Option<(FileKind, String)> {
    let name = file_name(path);
    let lower = name.to_ascii_lowercase();
    let by = |k: FileKind, why: &str| Some((k, why.to_string()));
    match lower.as_str() {
        ".htaccess" | "htaccess.txt" => return by(FileKind::Htaccess, "named .htaccess"),
        ".htpasswd" | "htpasswd" | ".htpasswds" => {
            return by(FileKind::Htpasswd, "named like an htpasswd file")
        }
        ".htdigest" | "htdigest" => return by(FileKind::Htdigest, "named like an htdigest file"),
        ".htgroup" | "htgroup" | ".htgroups" => {
            return by(FileKind::Htgroup, "named like an htgroup file")
        }
        "httpd.conf" | "apache2.conf" | "apache.conf" => {
            return by(FileKind::ApacheConfig, "named like Apache's main config")
        }
        "nginx.conf" => return by(FileKind::NginxConfig, "named nginx.conf"),
        _ => {}
    }
    for (suffix, kind) in [
        (".htaccess", FileKind::Htaccess),
        (".htpasswd", FileKind::Htpasswd),
        (".htdigest", FileKind::Htdigest),
        (".htgroup", FileKind::Htgroup),
    ] {
        if lower.ends_with(suffix) {
            return by(kind, &format!("name ends in {suffix}"));
        }
    }
    if let Some((kind, tree)) = under_server_tree(path) {
        let configish = lower.ends_with(".conf")
            || lower.ends_with(".load")
            || !lower.contains('.')
            || lower.ends_with("_params")
            || lower == "mime.types";
        if configish && !matches!(lower.as_str(), "envvars" | "magic" | "readme" | "license") {
            return by(kind, &format!("config file under a {tree}/ tree"));
        }
    }
    None
}

/// Decide from content: Apache and nginx markers at the start of a line.
pub fn classify_by_content(_path: &Path, text: &str) -> Option<(FileKind, String)> {
    let mut apache = None;
    let mut nginx = None;
    for line in text.lines().take(5_000) {
        let l = line.trim_start();
        let lower = l.to_ascii_lowercase();
        if apache.is_none() {
            for m in [
                "<virtualhost",
                "loadmodule",
                "<directory",
                "<location",
                "<ifmodule",
                "<files",
                "documentroot ",
            ] {
                if lower.starts_with(m) {
                    apache = Some(m);
                }
            }
        }
        if nginx.is_none() {
            let compact: String = l.split_whitespace().collect::<Vec<_>>().join(" ");
            for m in ["server {", "http {", "events {", "upstream ", "location "] {
                if compact.starts_with(m) && (m.ends_with('{') || compact.ends_with('{')) {
                    nginx = Some(m);
                }
            }
        }
    }
    match (apache, nginx) {
        (Some(m), _) => Some((
            FileKind::ApacheConfig,
            format!("content has `{}`", m.trim()),
        )),
        (None, Some(m)) => Some((FileKind::NginxConfig, format!("content has `{}`", m.trim()))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(p: &str) -> Option<FileKind> {
        classify_by_name(Path::new(p)).map(|(k, _)| k)
    }

    #[test]
    fn names_and_places() {
        assert_eq!(kind("site/.htaccess"), Some(FileKind::Htaccess));
        assert_eq!(kind("x/admin.htpasswd"), Some(FileKind::Htpasswd));
        assert_eq!(kind("etc/.htdigest"), Some(FileKind::Htdigest));
        assert_eq!(
            kind("etc/apache2/sites-available/000-default.conf"),
            Some(FileKind::ApacheConfig)
        );
        assert_eq!(
            kind("etc/apache2/sites-available/example"),
            Some(FileKind::ApacheConfig)
        );
        assert_eq!(kind("etc/apache2/envvars"), None);
        assert_eq!(
            kind("etc/nginx/fastcgi_params"),
            Some(FileKind::NginxConfig)
        );
        assert_eq!(kind("etc/nginx/nginx.conf"), Some(FileKind::NginxConfig));
        assert_eq!(kind("src/main.rs"), None);
    }

    #[test]
    fn content_markers() {
        let a = classify_by_content(
            Path::new("x.conf"),
            "# hi\n<VirtualHost *:80>\n</VirtualHost>\n",
        );
        assert_eq!(a.map(|(k, _)| k), Some(FileKind::ApacheConfig));
        let n = classify_by_content(Path::new("x.conf"), "server  {\n listen 80;\n}\n");
        assert_eq!(n.map(|(k, _)| k), Some(FileKind::NginxConfig));
        assert_eq!(
            classify_by_content(Path::new("x.conf"), "key = value\n"),
            None
        );
    }
}
