//! The effective-configuration model: includes resolved, sections nested, `.htaccess`
//! files attached to the `<Directory>` that covers them, the nginx context tree with
//! inheritance. Rules ask the model; they never read the disk or the grammar.

pub mod apache;
pub mod directives;
pub mod loader;
pub mod nginx;
pub mod paths;

use crate::diag::Diagnostic;
use crate::discover::Found;
use crate::source::{FileId, Fs, SourceMap};
use paths::PathMap;
use std::path::PathBuf;

/// Settings that shape the model.
#[derive(Clone, Debug, Default)]
pub struct ModelOptions {
    pub maps: PathMap,
    /// ServerRoot as the server sees it (`--server-root`).
    pub server_root: Option<PathBuf>,
    /// nginx configuration prefix, a local path (`--nginx-prefix`).
    pub nginx_prefix: Option<PathBuf>,
    pub size_cap: u64,
}

/// Everything the rules see.
#[derive(Debug)]
pub struct Model {
    pub sources: SourceMap,
    pub apache: apache::ApacheModel,
    pub nginx: nginx::NginxModel,
    /// Files the user linted, in discovery order.
    pub linted: Vec<FileId>,
    /// Parse errors (AL001) and what building the model found (AL002-AL005).
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse every found file, follow includes, and build both servers' models.
pub fn build(found: Vec<Found>, opts: &ModelOptions, fs: &dyn Fs) -> Model {
    let cap = if opts.size_cap == 0 { crate::source::DEFAULT_SIZE_CAP } else { opts.size_cap };
    let mut loader = loader::Loader::new(fs, cap);
    for f in found {
        loader.add_found(f);
    }
    let apache = apache::build(&mut loader, &apache::ApacheOptions { maps: &opts.maps, server_root: opts.server_root.as_deref() });
    let nginx = nginx::build(&mut loader, &nginx::NginxOptions { maps: &opts.maps, prefix: opts.nginx_prefix.as_deref() });
    let mut diagnostics = std::mem::take(&mut loader.diagnostics);
    for ast in loader.apache.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    for ast in loader.nginx.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    Model { sources: loader.sources, apache, nginx, linted: loader.linted, diagnostics }
}
