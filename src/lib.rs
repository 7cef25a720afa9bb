//! authlint: lint Apache httpd, nginx and htpasswd-family files for the misconfigurations
//! behind 401 Unauthorized.
//!
//! Pipeline: [`discover`] finds and classifies files, [`source`] loads them, [`syntax`]
//! parses them into our own AST, [`model`] resolves includes and contexts, [`rules`] report
//! [`diag::Diagnostic`]s, and [`report`] renders them.

pub mod cli;
pub mod diag;
pub mod discover;
pub mod htpasswd;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;
pub mod why;

use diag::Diagnostic;
use discover::Found;
use model::{Model, ModelOptions};
use source::{Fs, MemFs, Origin, Read};
use std::path::PathBuf;

/// What linting produced.
#[derive(Debug)]
pub struct Outcome {
    pub model: Model,
    /// Every finding, unsorted.
    pub diagnostics: Vec<Diagnostic>,
}

/// Lint files that discovery found (and read). `pre` carries discovery's own findings.
pub fn lint_found(
    found: Vec<Found>,
    pre: Vec<Diagnostic>,
    opts: &ModelOptions,
    fs: &dyn Fs,
) -> Outcome {
    let model = model::build(found, opts, fs);
    let mut diagnostics = pre;
    diagnostics.extend(model.diagnostics.iter().cloned());
    diagnostics.extend(rules::run_all(&model));
    for d in &mut diagnostics {
        redact_followed(d, &model);
    }
    Outcome { model, diagnostics }
}

/// A finding located in a file reached from outside the linted paths says where, never
/// what: its message, labels and help could quote the file.
fn redact_followed(d: &mut Diagnostic, model: &Model) {
    let followed = |span: source::Span| {
        model
            .sources
            .get(span.file)
            .is_some_and(|f| f.origin == Origin::Followed)
    };
    let primary_followed = d.primary.as_ref().is_some_and(|l| followed(l.span));
    if primary_followed {
        let summary = rules::find(d.code).map(|r| r.summary).unwrap_or("problem");
        d.message =
            format!("{summary} (in a file outside the linted paths; its content is not shown)");
        d.help = None;
        if let Some(p) = d.primary.as_mut() {
            p.text = "here".to_string();
        }
    }
    for l in &mut d.labels {
        if followed(l.span) {
            l.text = "here".to_string();
        }
    }
}

/// Lint files held in memory: `(path, text)` pairs, classified by name or content as
/// discovery would. Used by rule tests and examples.
///
/// ```
/// let outcome = authlint::lint_memory(&[(
///     "nginx.conf",
///     "events {}\nhttp { server { location /admin/ { auth_basic \"Admin\"; } } }\n",
/// )]);
/// let codes: Vec<&str> = outcome.diagnostics.iter().map(|d| d.code).collect();
/// assert_eq!(codes, ["AL201"]);
/// ```
pub fn lint_memory(files: &[(&str, &str)]) -> Outcome {
    let fs = MemFs::with(files);
    let mut found = Vec::new();
    for (path, _) in files {
        let p = PathBuf::from(path);
        let Read::Text { text, .. } = fs.read(&p, source::DEFAULT_SIZE_CAP) else {
            continue;
        };
        let kind =
            discover::classify_by_name(&p).or_else(|| discover::classify_by_content(&p, &text));
        if let Some((kind, reason)) = kind {
            found.push(Found {
                path: p,
                kind,
                reason,
                text,
            });
        }
    }
    let opts = ModelOptions {
        linted_roots: files.iter().map(|(p, _)| PathBuf::from(p)).collect(),
        ..ModelOptions::default()
    };
    lint_found(found, Vec::new(), &opts, &fs)
}
