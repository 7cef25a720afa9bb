//! The effective-configuration model: includes resolved, sections nested, `.htaccess`
//! files attached to the `<Directory>` that covers them, the nginx context tree with
//! inheritance. Rules ask the model; they never read the disk or the grammar.

pub mod accounts;
pub mod apache;
pub mod apache_merge;
pub mod directives;
pub mod loader;
pub mod nginx;
pub mod nginx_match;
pub mod paths;
pub mod pcre;
pub mod rewrite;

use crate::diag::Diagnostic;
use crate::discover::Found;
use crate::htpasswd::file::{Access, DirAccess, Format, PasswordFile};
use crate::htpasswd::scheme::{CryptLib, Server};
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
    /// The target platform's crypt(3) (`--crypt-lib`); `None`: libxcrypt, as on Debian 12.
    pub crypt_lib: Option<CryptLib>,
    /// The server that reads password files no linted config names (`--server`).
    pub assume_server: Option<Server>,
    /// The Apache main config assumed when the input has none (`--assume`).
    pub assume: apache::Assume,
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
    /// Every password, digest and group file of the run (found by name or named by a
    /// directive), parsed line by line.
    pub password_files: BTreeMap<FileId, PasswordFile>,
    /// The crypt(3) the servers are assumed to call.
    pub crypt_lib: CryptLib,
    /// The server assumed to read password files that no linted config names; `None`:
    /// unknown, so only what every server would refuse is reported.
    pub assumed_server: Option<Server>,
    /// Why each file is part of the run (`--list-files`).
    pub reasons: BTreeMap<FileId, String>,
    /// The syntax trees, kept with the model they were built into.
    pub apache_asts: BTreeMap<FileId, crate::syntax::apache::ApacheAst>,
    pub nginx_asts: BTreeMap<FileId, crate::syntax::nginx::NginxAst>,
    /// The accounts servers run as (`(user, group)` names, [`accounts::run_as`]) and their
    /// ids on this machine; `None` when a name is unknown here.
    pub accounts: BTreeMap<(String, String), Option<crate::source::Ids>>,
}

/// A password, digest or group file named by a directive.
#[derive(Clone, Debug)]
pub struct PasswordRef {
    /// The directive's path argument.
    pub span: Span,
    /// The directive's name (`AuthUserFile`, `auth_basic_user_file`).
    pub directive: Span,
    /// The server whose config holds the directive.
    pub server: Server,
    /// Where the directive stands: an Apache [`apache::ScopeId`] or an nginx
    /// [`nginx::CtxId`], per `server`.
    pub scope: usize,
    pub kind: FileKind,
    /// The path as the server sees it (relative paths resolved).
    pub server_path: PathBuf,
    /// The loaded file, when it is in the linted tree or mapped.
    pub file: Option<FileId>,
    /// Known not to exist: its place is mapped or under a linted path, and nothing is
    /// there.
    pub missing: bool,
    /// Written as a relative path (resolved against ServerRoot or the nginx prefix).
    pub relative: bool,
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
            assume: opts.assume,
        },
    );
    let nginx = nginx::build(
        &mut loader,
        &nginx::NginxOptions {
            maps: &opts.maps,
            prefix: opts.nginx_prefix.as_deref(),
            assume: opts.assume,
        },
    );
    let password_refs = load_password_files(&mut loader, &apache, &nginx, opts);
    let password_files = parse_password_files(&loader, &password_refs, opts);
    let reasons = std::mem::take(&mut loader.reasons);
    let mut diagnostics = std::mem::take(&mut loader.diagnostics);
    for ast in loader.apache.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    for ast in loader.nginx.values() {
        diagnostics.extend(ast.errors.iter().cloned());
    }
    let mut model = Model {
        sources: loader.sources,
        apache,
        nginx,
        linted: loader.linted,
        diagnostics,
        password_refs,
        password_files,
        crypt_lib: opts.crypt_lib.unwrap_or(CryptLib::Libxcrypt),
        assumed_server: opts.assume_server,
        reasons,
        apache_asts: loader.apache,
        nginx_asts: loader.nginx,
        accounts: BTreeMap::new(),
    };
    // The accounts the servers run as, looked up on this machine once each.
    let mut accounts = BTreeMap::new();
    for r in model.password_refs.iter().filter(|r| r.file.is_some()) {
        if let Some(ra) = accounts::run_as(&model, r) {
            accounts
                .entry((ra.user, ra.group))
                .or_insert_with_key(|(u, g)| fs.account(u, g));
        }
    }
    model.accounts = accounts;
    model
}

impl Model {
    /// The directives that name this password file, in input order.
    pub fn refs_to(&self, file: FileId) -> impl Iterator<Item = &PasswordRef> {
        self.password_refs
            .iter()
            .filter(move |r| r.file == Some(file))
    }
}

/// Find every AuthUserFile / AuthGroupFile / auth_basic_user_file and load what they name.
fn load_password_files(
    loader: &mut loader::Loader<'_>,
    apache: &apache::ApacheModel,
    nginx: &nginx::NginxModel,
    opts: &ModelOptions,
) -> Vec<PasswordRef> {
    struct Wanted {
        span: Span,
        directive: Span,
        server: Server,
        scope: usize,
        kind: FileKind,
        path: PathBuf,
        name: String,
        relative: bool,
    }
    let mut wanted: Vec<Wanted> = Vec::new();
    let server_root = opts
        .server_root
        .clone()
        .or_else(|| apache.server_root.clone());
    for (id, _) in apache.scopes.iter().enumerate() {
        // The AuthType in effect here (set here or in a section around it) decides whether
        // AuthUserFile names an htpasswd or an htdigest file.
        let digest = || match apache.effective(id, "authtype") {
            apache::Lookup::Found(d) => d
                .args
                .first()
                .is_some_and(|a| a.text.eq_ignore_ascii_case("digest")),
            _ => false,
        };
        for d in apache.directives_in(id) {
            let kind = match d.key.as_str() {
                "authuserfile" if digest() => FileKind::Htdigest,
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
            wanted.push(Wanted {
                span: arg.span,
                directive: d.name_span,
                server: Server::Apache,
                scope: id,
                kind,
                path: server,
                name: d.name.clone(),
                relative: !p.is_absolute(),
            });
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
            wanted.push(Wanted {
                span: arg.span,
                directive: s.name.span,
                server: Server::Nginx,
                scope: id,
                kind: FileKind::Htpasswd,
                path: server,
                name: "auth_basic_user_file".to_string(),
                relative: !p.is_absolute(),
            });
        }
    }
    // The directories we see: each linted directory, and the directory of each linted
    // file.
    let roots: Vec<PathBuf> = opts
        .linted_roots
        .iter()
        .map(|r| paths::absolute(r))
        .map(|r| match r.parent() {
            Some(parent) if !loader.fs.is_dir(&r) => parent.to_path_buf(),
            _ => r,
        })
        .collect();
    let mut refs = Vec::new();
    let mut unresolved = std::collections::BTreeSet::new();
    for w in wanted {
        let local = opts.maps.to_local(&w.path, loader.fs);
        // We know where the file would be (a --map covers it, or it lies under a linted
        // path), and it is not there.
        // A relative nginx path resolved against a guessed prefix is not where the file
        // really is; only an explicit --nginx-prefix makes it so.
        let guessed = w.relative && w.server == Server::Nginx && opts.nginx_prefix.is_none();
        let missing = !guessed
            && match &local {
                Some(l) => !loader.fs.exists(l),
                None => roots.iter().any(|r| w.path.starts_with(r)),
            };
        let file = match local {
            _ if missing => None,
            Some(local) => loader.load(&local, w.kind, w.span, &w.name),
            None => {
                // Once per path: a file named by 2,000 servers is one thing to map.
                if unresolved.insert(w.path.clone()) {
                    loader.diagnostics.push(
                        loader::unresolved_path(format!("password file `{}` is not in the linted tree", w.path.display()))
                            .at(w.span, "not found here")
                            .help("map the server path to a local one with --map SERVER_PATH=LOCAL_PATH to check the file"),
                    );
                }
                None
            }
        };
        refs.push(PasswordRef {
            span: w.span,
            directive: w.directive,
            server: w.server,
            scope: w.scope,
            kind: w.kind,
            server_path: w.path,
            file,
            missing,
            relative: w.relative,
        });
    }
    refs
}

/// Parse every password file of the run, classify its hashes, and read its mode bits and
/// those of the directories between it and the linted path it lies under. A file is read
/// as the directives that name it use it (an `.htpasswd` named by `AuthUserFile` under
/// `AuthType Digest` is a digest file), else as its name or first reference says.
fn parse_password_files(
    loader: &loader::Loader<'_>,
    refs: &[PasswordRef],
    opts: &ModelOptions,
) -> BTreeMap<FileId, PasswordFile> {
    let roots: Vec<PathBuf> = opts
        .linted_roots
        .iter()
        .map(|r| paths::absolute(r))
        .collect();
    let format_of = |k: FileKind| match k {
        FileKind::Htpasswd => Some(Format::Htpasswd),
        FileKind::Htdigest => Some(Format::Htdigest),
        FileKind::Htgroup => Some(Format::Htgroup),
        _ => None,
    };
    let mut out = BTreeMap::new();
    for f in loader.sources.iter() {
        let Some(own) = format_of(f.kind) else {
            continue;
        };
        let mut used = refs
            .iter()
            .filter(|r| r.file == Some(f.id))
            .filter_map(|r| format_of(r.kind));
        let format = match used.next() {
            Some(first) if used.all(|k| k == first) => first,
            _ => own,
        };
        let mut pf = PasswordFile::parse(f.id, &f.text, format);
        pf.access = access(loader.fs, &f.path, &roots);
        out.insert(f.id, pf);
    }
    out
}

/// Mode bits of a file and of its directories up to the linted root it lies under (the
/// parent only, for a file outside every root). `None` when the file system has none.
fn access(fs: &dyn Fs, path: &Path, roots: &[PathBuf]) -> Option<Access> {
    let mode = fs.mode(path)?;
    let abs = paths::absolute(path);
    let root = roots
        .iter()
        .filter(|r| abs.starts_with(r) && abs != **r)
        .max_by_key(|r| r.as_os_str().len());
    let mut dirs = Vec::new();
    let mut dir = path.parent();
    while let Some(d) = dir {
        let d = if d.as_os_str().is_empty() {
            Path::new(".")
        } else {
            d
        };
        if let Some(m) = fs.mode(d) {
            dirs.push(DirAccess {
                path: d.to_path_buf(),
                mode: m,
                owner: fs.owner(d),
            });
        }
        let d_abs = paths::absolute(d);
        match root {
            Some(r) if d_abs.starts_with(r) && d_abs != *r => dir = d.parent(),
            _ => break,
        }
    }
    Some(Access {
        mode,
        owner: fs.owner(path),
        dirs,
    })
}
