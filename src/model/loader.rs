//! Loading and parsing files reached while building the model. Each file is read and
//! parsed once. Files outside the linted paths are marked [`Origin::Followed`] so that no
//! report ever shows their content.

use super::paths::absolute;
use crate::diag::{Diagnostic, Severity};
use crate::discover::{skipped, unreadable, Found};
use crate::source::{FileId, FileKind, Fs, Origin, Read, SourceMap, Span};
use crate::syntax::{apache, nginx};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub struct Loader<'a> {
    pub fs: &'a dyn Fs,
    pub sources: SourceMap,
    pub apache: BTreeMap<FileId, apache::ApacheAst>,
    pub nginx: BTreeMap<FileId, nginx::NginxAst>,
    pub diagnostics: Vec<Diagnostic>,
    pub size_cap: u64,
    /// Files the user asked to lint, in discovery order.
    pub linted: Vec<FileId>,
    /// Paths already found unreadable, so one bad include is reported once.
    failed: BTreeMap<PathBuf, ()>,
    /// Why each file is part of the run.
    pub reasons: BTreeMap<FileId, String>,
    /// The paths the user named (absolute, and as named): a file reached under them counts
    /// as linted and is shown under the name the user gave.
    roots: Vec<(PathBuf, PathBuf)>,
}

impl<'a> Loader<'a> {
    pub fn new(fs: &'a dyn Fs, size_cap: u64, roots: &[PathBuf]) -> Loader<'a> {
        Loader {
            fs,
            sources: SourceMap::default(),
            apache: BTreeMap::new(),
            nginx: BTreeMap::new(),
            diagnostics: Vec::new(),
            size_cap,
            linted: Vec::new(),
            failed: BTreeMap::new(),
            reasons: BTreeMap::new(),
            roots: roots.iter().map(|r| (absolute(r), r.clone())).collect(),
        }
    }

    /// Add a file discovery found (and read).
    pub fn add_found(&mut self, found: Found) -> FileId {
        let id = self
            .sources
            .add(found.path, found.kind, Origin::Linted, found.text);
        self.reasons.insert(id, found.reason);
        self.parse(id);
        self.linted.push(id);
        id
    }

    /// Add a file that is not on disk: the stock main config authlint assumes. It is
    /// parsed like any other but is not linted.
    pub fn add_assumed(
        &mut self,
        name: &str,
        kind: FileKind,
        text: &str,
        reason: String,
    ) -> FileId {
        let id = self
            .sources
            .add(PathBuf::from(name), kind, Origin::Linted, text.to_string());
        self.reasons.insert(id, reason);
        self.parse(id);
        id
    }

    /// Linted files of one kind, in order.
    pub fn linted_of(&self, kind: FileKind) -> Vec<FileId> {
        self.linted
            .iter()
            .copied()
            .filter(|id| self.sources.get(*id).is_some_and(|f| f.kind == kind))
            .collect()
    }

    fn parse(&mut self, id: FileId) {
        let Some(file) = self.sources.get(id) else {
            return;
        };
        match file.kind {
            FileKind::ApacheConfig | FileKind::Htaccess => {
                let ast = apache::parse(id, &file.text);
                self.apache.insert(id, ast);
            }
            FileKind::NginxConfig => {
                let ast = nginx::parse(id, &file.text);
                self.nginx.insert(id, ast);
            }
            _ => {}
        }
    }

    /// Load a file named by a directive (`directive`, its argument at `via`). Already-loaded
    /// files are reused.
    pub fn load(
        &mut self,
        local: &Path,
        kind: FileKind,
        via: Span,
        directive: &str,
    ) -> Option<FileId> {
        if let Some(id) = self.sources.by_path(local) {
            return Some(id);
        }
        if self.failed.contains_key(local) {
            return None;
        }
        let text = match self.fs.read(local, self.size_cap) {
            Read::Text { text, .. } => text,
            other => {
                self.failed.insert(local.to_path_buf(), ());
                let d = match other {
                    Read::Binary => skipped(local, "binary file (contains NUL bytes)"),
                    Read::TooLarge { size } => skipped(
                        local,
                        format!(
                            "{size} bytes is over the size cap of {} bytes",
                            self.size_cap
                        ),
                    ),
                    Read::NotRegular { what } => {
                        skipped(local, format!("{what}, not a regular file; never opened"))
                    }
                    Read::Error { reason } => {
                        unreadable(local, format!("cannot be read: {reason}"))
                    }
                    Read::Text { .. } => return None,
                };
                self.diagnostics.push(d.label(via, "named here"));
                return None;
            }
        };
        let abs = absolute(local);
        let named = self
            .roots
            .iter()
            .find_map(|(a, named)| abs.strip_prefix(a).ok().map(|rest| named.join(rest)));
        let inside = named.is_some();
        let origin = if inside {
            Origin::Linted
        } else {
            Origin::Followed
        };
        let id = self.sources.add(
            named.unwrap_or_else(|| local.to_path_buf()),
            kind,
            origin,
            text,
        );
        let line = self
            .sources
            .get(via.file)
            .map(|f| f.line_col(via.start).0)
            .unwrap_or(0);
        let mut reason = format!(
            "named by {directive} at {}:{line}",
            self.sources.path(via.file)
        );
        if !inside {
            reason.push_str(" (outside the linted paths)");
        }
        self.reasons.insert(id, reason);
        self.parse(id);
        if inside {
            self.linted.push(id);
        }
        Some(id)
    }
}

/// AL002: include cycles, includes that could not be followed, overly broad wildcards.
pub fn include_problem(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL002", "include-problem", Severity::Error, message)
}

/// AL006: the input has no main server config, so a stock one is assumed.
pub fn assumed_main_config(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL006", "assumed-main-config", Severity::Info, message)
}

/// AL005: a path the config names that is not here and not mapped.
pub fn unresolved_path(message: impl Into<String>) -> Diagnostic {
    Diagnostic::new("AL005", "unresolved-path", Severity::Info, message)
}
