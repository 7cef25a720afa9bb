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
use crate::source::{FileId, FileKind, Fs, SourceMap, Span};
use paths::{normalize, PathMap};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Settings that shape the model.
#[derive(Clone, Debug, Default)]
pub struct ModelOptions {
    pub maps: PathMap,
    /// ServerRoot as the server sees it (`--server-root`).
    pub server_root: Option<PathBuf>,
    /// nginx configuration prefix, a local path (`--nginx-prefix`).
    pub nginx_prefix: Option<PathBuf>,
    pub size_cap: u64,
    /// The paths the user named: files reached through includes under them are linted
    /// (content shown); files outside them are followed (content never shown).
    pub linted_roots: Vec<PathBuf>,
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
    /// Password, digest and group files the configs name.
    pub password_refs: Vec<PasswordRef>,
    /// Why each file is part of the run (`--list-files`).
    pub reasons: BTreeMap<FileId, String>,
    /// The syntax trees, kept with the model they were built into.
    pub apache_asts: BTreeMap<FileId, crate::syntax::apache::ApacheAst>,
    pub nginx_asts: BTreeMap<FileId, crate::syntax::nginx::NginxAst>,
}

/// A password, digest or group file named by a directive.
#[derive(Clone, Debug)]
pub struct PasswordRef {
    /// The directive's path argument.
    pub span: Span,
    pub kind: FileKind,
    /// The path as the server sees it (relative paths resolved).
    pub server_path: PathBuf,
    /// The loaded file, when it is in the linted tree or mapped.
    pub file: Option<FileId>,
}

/// Parse every found file, follow includes, and build both servers' models.
pub fn build(found: Vec<Found>, opts: &ModelOptions, fs: &dyn Fs) -> Model {
    let cap = if opts.size_cap == 0 {
        crate::source::DEFAULT_SIZE_CAP
    } else {
        opts.size_cap
    };
    let mut loader = loader::Loader::new(fs, cap, &opts.linted_roots);
    for f in found {
        loader.add_found(f);
    }
    let apache = apache::build(
        &mut loader,
        &apache::ApacheOptions {
            maps: &opts.maps,
            server_root: opts.server_root.as_deref(),
        },
    );
    let nginx = nginx::build(
        &mut loader,
        &nginx::NginxOptions {
            maps: &opts.maps,
            prefix: opts.nginx_prefix.as_deref(),
        },
    );
    let password_refs = load_password_files(&mut loader, &apache, &nginx, opts);
    let reasons = std::mem::take(&mut loader.reasons);
    let mut diagnostics = std::mem::take(&mut loader.diagnostics);
    for ast in loader.apache.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    for ast in loader.nginx.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    Model {
        sources: loader.sources,
        apache,
        nginx,
        linted: loader.linted,
        diagnostics,
        password_refs,
        reasons,
        apache_asts: loader.apache,
        nginx_asts: loader.nginx,
    }
}

/// Find every AuthUserFile / AuthGroupFile / auth_basic_user_file and load what they name.
fn load_password_files(
    loader: &mut loader::Loader<'_>,
    apache: &apache::ApacheModel,
    nginx: &nginx::NginxModel,
    opts: &ModelOptions,
) -> Vec<PasswordRef> {
    let mut wanted: Vec<(Span, FileKind, PathBuf, String)> = Vec::new();
    let server_root = opts
        .server_root
        .clone()
        .or_else(|| apache.server_root.clone());
    for (id, _) in apache.scopes.iter().enumerate() {
        let digest = apache
            .last_in(id, "authtype")
            .and_then(|d| d.args.first())
            .is_some_and(|a| a.text.eq_ignore_ascii_case("digest"));
        for d in apache.directives_in(id) {
            let kind = match d.key.as_str() {
                "authuserfile" if digest => FileKind::Htdigest,
                "authuserfile" => FileKind::Htpasswd,
                "authgroupfile" => FileKind::Htgroup,
                _ => continue,
            };
            let Some(arg) = d.args.first() else { continue };
            let p = Path::new(&arg.text);
            let server = match (&server_root, p.is_absolute()) {
                (_, true) => normalize(p),
                (Some(root), false) => normalize(&root.join(p)),
                (None, false) => continue,
            };
            wanted.push((arg.span, kind, server, d.name.clone()));
        }
    }
    for (id, _) in nginx.contexts.iter().enumerate() {
        for s in nginx.directives_in(id, "auth_basic_user_file") {
            let Some(arg) = s.args.first() else { continue };
            if arg.text.contains('$') {
                continue; // a variable: known only per request
            }
            let p = Path::new(&arg.text);
            let server = if p.is_absolute() {
                normalize(p)
            } else {
                match &nginx.prefix {
                    Some(prefix) => normalize(&opts.maps.to_server(prefix).join(p)),
                    None => continue,
                }
            };
            wanted.push((
                arg.span,
                FileKind::Htpasswd,
                server,
                "auth_basic_user_file".to_string(),
            ));
        }
    }
    let mut refs = Vec::new();
    for (span, kind, server, directive) in wanted {
        let local = opts.maps.to_local(&server, loader.fs);
        let file = match local {
            Some(local) => loader.load(&local, kind, span, &directive),
            None => {
                loader.diagnostics.push(
                    loader::unresolved_path(format!("password file `{}` is not in the linted tree", server.display()))
                        .at(span, "not found here")
                        .help("map the server path to a local one with --map SERVER_PATH=LOCAL_PATH to check the file"),
                );
                None
            }
        };
        refs.push(PasswordRef {
            span,
            kind,
            server_path: server,
            file,
        });
    }
    refs
}
