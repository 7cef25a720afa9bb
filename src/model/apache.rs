//! The Apache model: every config file's sections as a tree of [`Scope`]s with includes
//! inlined where they stand, and `.htaccess` files attached to the `<Directory>` that covers
//! them. A `.htaccess` linted without a server config has context `Unknown`, and so does a
//! vhost file linted without its main config above its top level: rules must not guess
//! what the unseen part says.

use super::loader::{include_problem, unresolved_path, Loader};
use super::paths::{directory_covers, normalize, PathMap};
use crate::source::{FileId, FileKind, Span};
use crate::syntax::apache::{is_conditional, Directive, Node, Section};
use crate::syntax::Word;
use std::path::{Path, PathBuf};

/// Index of a scope in [`ApacheModel::scopes`].
pub type ScopeId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScopeKind {
    /// The top of a server config file that nothing in the input includes.
    Server,
    VirtualHost,
    Directory,
    DirectoryMatch,
    Files,
    FilesMatch,
    Location,
    LocationMatch,
    If,
    ElseIf,
    Else,
    Limit,
    LimitExcept,
    /// `<IfModule>`, `<IfDefine>`, `<IfFile>`...: read inline when true.
    Conditional,
    /// A `.htaccess` file.
    Htaccess,
    /// Any other section (`<Proxy>`, `<Macro>`...).
    Other,
}

impl ScopeKind {
    fn of(section: &Section) -> ScopeKind {
        let regex = section.args.first().is_some_and(|a| a.text == "~");
        match section.key.as_str() {
            "virtualhost" => ScopeKind::VirtualHost,
            "directory" if regex => ScopeKind::DirectoryMatch,
            "directory" => ScopeKind::Directory,
            "directorymatch" => ScopeKind::DirectoryMatch,
            "files" if regex => ScopeKind::FilesMatch,
            "files" => ScopeKind::Files,
            "filesmatch" => ScopeKind::FilesMatch,
            "location" if regex => ScopeKind::LocationMatch,
            "location" => ScopeKind::Location,
            "locationmatch" => ScopeKind::LocationMatch,
            "if" => ScopeKind::If,
            "elseif" => ScopeKind::ElseIf,
            "else" => ScopeKind::Else,
            "limit" => ScopeKind::Limit,
            "limitexcept" => ScopeKind::LimitExcept,
            k if is_conditional(k) || k == "ifversion" => ScopeKind::Conditional,
            _ => ScopeKind::Other,
        }
    }
    /// A per-directory context where auth directives may stand.
    pub fn is_per_dir(self) -> bool {
        !matches!(
            self,
            ScopeKind::Server | ScopeKind::VirtualHost | ScopeKind::Conditional | ScopeKind::Other
        )
    }
}

/// The opening of a section.
#[derive(Clone, Debug)]
pub struct SectionHead {
    pub name: String,
    pub key: String,
    pub args: Vec<Word>,
    pub open_span: Span,
    pub name_span: Span,
}

#[derive(Clone, Debug)]
pub enum Item {
    Directive(Directive),
    Scope(ScopeId),
}

#[derive(Clone, Debug)]
pub struct Scope {
    pub kind: ScopeKind,
    /// `None` for file tops (`Server`, `Htaccess`).
    pub head: Option<SectionHead>,
    pub parent: Option<ScopeId>,
    pub items: Vec<Item>,
    /// The file it opens in.
    pub file: FileId,
}

/// What we know about the server config above a `.htaccess` file.
#[derive(Clone, Debug)]
pub enum HtaccessContext {
    /// No server config in the input.
    Unknown,
    /// The server config is in the input. `directory` is the longest `<Directory>` that
    /// covers the file (if any); `allow_override` the `AllowOverride` in effect (`None`:
    /// none written, so Apache's default `None` applies).
    Known {
        directory: Option<ScopeId>,
        allow_override: Option<Directive>,
    },
}

#[derive(Clone, Debug)]
pub struct Htaccess {
    pub file: FileId,
    pub scope: ScopeId,
    /// The directory it governs, as the server sees it.
    pub server_dir: PathBuf,
    pub context: HtaccessContext,
}

/// What a lookup up the scope chain found.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    Found(&'a Directive),
    /// Not set anywhere in the chain, and the chain is complete.
    NotSet,
    /// Not set in what we can see; an unseen config above could set it.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct ApacheModel {
    pub scopes: Vec<Scope>,
    /// Top scopes of server config files, in input order.
    pub roots: Vec<ScopeId>,
    pub htaccess: Vec<Htaccess>,
    /// A main server config (httpd.conf / apache2.conf, or one with `ServerRoot`) is in the
    /// input, so its top level is complete.
    pub has_main_config: bool,
    /// ServerRoot as the server sees it, when known.
    pub server_root: Option<PathBuf>,
    /// The stock main config assumed because the input has none (`--assume`), and the
    /// file that holds its text.
    pub assumed: Option<(Assume, FileId)>,
    /// The roots that are main server configs (real or assumed); the other roots are
    /// files no main config in the input includes.
    pub main_roots: Vec<ScopeId>,
    /// The packaging assumed for what the input does not show (`--assume`).
    pub assume: Assume,
    /// The modules loaded by the end of each main config (compiled-in ones and every
    /// `LoadModule`), by its root scope, when the input shows them all.
    pub loaded_modules: std::collections::BTreeMap<ScopeId, Modules>,
    /// Sections by the directory they name, built on first use by
    /// [`ApacheModel::chain_for_dir`] (a site with thousands of `.htaccess` files would
    /// otherwise make every chain a scan of all of them).
    pub(crate) dir_index: std::sync::OnceLock<DirIndex>,
}

/// Sections by directory, for the merge.
#[derive(Clone, Debug, Default)]
pub(crate) struct DirIndex {
    /// Non-wildcard `<Directory>` sections by their path (`/a/b`, `/` for the root).
    pub directories: std::collections::HashMap<String, Vec<ScopeId>>,
    /// `<Directory>` sections with wildcards, checked one by one.
    pub wildcard: Vec<ScopeId>,
    /// `.htaccess` tops by the directory they govern.
    pub htaccess: std::collections::HashMap<PathBuf, Vec<ScopeId>>,
    /// URL-, regex- and expression-matched sections.
    pub others: Vec<ScopeId>,
    /// Position in [`ApacheModel::htaccess`] of each `.htaccess` top scope.
    pub htaccess_at: std::collections::HashMap<ScopeId, usize>,
}

/// Loaded modules by identifier (`auth_basic_module`) and by source file
/// (`mod_auth_basic.c`), the two names `<IfModule>` accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Modules {
    pub ids: std::collections::BTreeSet<String>,
    pub sources: std::collections::BTreeSet<String>,
    /// A `LoadModule` was seen.
    pub loaded_any: bool,
}

const STATIC_MODULES: &str = include_str!("../../data/apache2-static-modules.txt");

impl Modules {
    /// The modules compiled into Debian's apache2 (`data/apache2-static-modules.txt`).
    pub fn compiled_in() -> Modules {
        let mut m = Modules::default();
        for line in STATIC_MODULES.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            if let (Some(src), Some(id)) = (words.next(), words.next()) {
                m.sources.insert(src.to_string());
                m.ids.insert(id.to_string());
            }
        }
        m
    }

    /// Record `LoadModule id path/mod_x.so`.
    fn load(&mut self, d: &Directive) {
        self.loaded_any = true;
        let mut args = d.args.iter();
        if let Some(id) = args.next() {
            self.ids.insert(id.text.clone());
        }
        if let Some(path) = args.next() {
            if let Some(stem) = Path::new(&path.text)
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
            {
                self.sources.insert(format!("{stem}.c"));
            }
        }
    }

    /// Is the module `<IfModule name>` names loaded? `None` where the name cannot be
    /// told apart (a source file name that is not `mod_*.c`, such as `prefork.c`).
    pub fn has(&self, name: &str) -> Option<bool> {
        if name.ends_with("_module") {
            return Some(self.ids.contains(name));
        }
        if name.ends_with(".c") {
            if self.sources.contains(name) {
                return Some(true);
            }
            return name.starts_with("mod_").then_some(false);
        }
        None
    }
}

/// The Apache version authlint's knowledge describes (`data/apache2-directives.txt`).
const TARGET_VERSION: [u32; 3] = [2, 4, 71];

/// `<IfVersion [[!]op] version>` against [`TARGET_VERSION`]; `None` for the regex forms.
fn version_condition(args: &[Word]) -> Option<bool> {
    let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();
    let (op, version) = match texts.as_slice() {
        [v] => ("=", *v),
        [op, v] => (*op, *v),
        _ => return None,
    };
    let (negated, op) = match op.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, op),
    };
    if version.starts_with('/') || op == "~" {
        return None;
    }
    let mut want = [0u32; 3];
    for (slot, part) in want.iter_mut().zip(version.split('.')) {
        *slot = part.parse().ok()?;
    }
    let ord = TARGET_VERSION.cmp(&want);
    use std::cmp::Ordering::*;
    let truth = match op {
        "=" | "==" => ord == Equal,
        ">" => ord == Greater,
        ">=" => ord != Less,
        "<" => ord == Less,
        "<=" => ord != Greater,
        _ => return None,
    };
    Some(truth != negated)
}

/// What a conditional section's test says: `Some(false)` when the input shows it is false.
fn condition(
    head_key: &str,
    args: &[Word],
    modules: Option<&Modules>,
    defines: &[String],
) -> Option<bool> {
    if head_key == "ifversion" {
        return version_condition(args);
    }
    let text = args.first().map(|a| a.text.as_str()).unwrap_or("");
    let (negated, name) = match text.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let truth = match head_key {
        // Before any LoadModule, the modules may come from somewhere unseen.
        "ifmodule" => modules.filter(|m| m.loaded_any)?.has(name)?,
        // A name not defined in the input may still come from `-D` on the command line.
        "ifdefine" => defines.iter().any(|d| d == name).then_some(true)?,
        _ => return None,
    };
    Some(truth != negated)
}

impl ApacheModel {
    pub fn scope(&self, id: ScopeId) -> Option<&Scope> {
        self.scopes.get(id)
    }

    /// Directives directly in a scope, in order, including those inside conditional
    /// sections (`<IfModule>`...) that sit directly in it.
    pub fn directives_in(&self, id: ScopeId) -> Vec<&Directive> {
        let mut out = Vec::new();
        // Items are visited in order: expand conditionals in place.
        fn go<'m>(m: &'m ApacheModel, id: ScopeId, out: &mut Vec<&'m Directive>, depth: usize) {
            let Some(scope) = m.scopes.get(id) else {
                return;
            };
            for item in &scope.items {
                match item {
                    Item::Directive(d) => out.push(d),
                    Item::Scope(c) if depth < 256 => {
                        if m.scopes
                            .get(*c)
                            .is_some_and(|s| s.kind == ScopeKind::Conditional)
                        {
                            go(m, *c, out, depth + 1);
                        }
                    }
                    Item::Scope(_) => {}
                }
            }
        }
        go(self, id, &mut out, 0);
        out
    }

    /// The last directive named `key` directly in a scope.
    pub fn last_in(&self, id: ScopeId, key: &str) -> Option<&Directive> {
        self.directives_in(id)
            .into_iter()
            .rev()
            .find(|d| d.key == key)
    }

    /// The file top a scope belongs to (a server config root, or a `.htaccess`).
    pub fn root_of(&self, id: ScopeId) -> Option<ScopeId> {
        let mut cur = id;
        for _ in 0..4096 {
            match self.scopes.get(cur)?.parent {
                Some(p) => cur = p,
                None => return Some(cur),
            }
        }
        None
    }

    /// The modules loaded for the server a scope belongs to, when known.
    pub fn modules_for(&self, id: ScopeId) -> Option<&Modules> {
        self.loaded_modules.get(&self.root_of(id)?)
    }

    /// The enclosing scope that is not a conditional.
    pub fn real_parent(&self, id: ScopeId) -> Option<ScopeId> {
        let mut p = self.scopes.get(id)?.parent;
        while let Some(pid) = p {
            let s = self.scopes.get(pid)?;
            if s.kind != ScopeKind::Conditional {
                return Some(pid);
            }
            p = s.parent;
        }
        None
    }

    /// Nearest `key` in the scope or the scopes around it (a `.htaccess` continues into the
    /// `<Directory>` that covers it). This is nesting only, not Apache's full merge.
    pub fn lookup(&self, id: ScopeId, key: &str) -> Lookup<'_> {
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(sid) = cur {
            guard += 1;
            if guard > 1024 {
                return Lookup::Unknown;
            }
            if let Some(d) = self.last_in(sid, key) {
                return Lookup::Found(d);
            }
            let Some(scope) = self.scopes.get(sid) else {
                return Lookup::Unknown;
            };
            match scope.kind {
                ScopeKind::Htaccess => {
                    let ctx = self
                        .htaccess
                        .iter()
                        .find(|h| h.scope == sid)
                        .map(|h| &h.context);
                    match ctx {
                        Some(HtaccessContext::Known {
                            directory: Some(d), ..
                        }) => cur = Some(*d),
                        Some(HtaccessContext::Known {
                            directory: None, ..
                        }) => {
                            return if self.has_main_config {
                                Lookup::NotSet
                            } else {
                                Lookup::Unknown
                            }
                        }
                        _ => return Lookup::Unknown,
                    }
                }
                ScopeKind::Server => {
                    return if self.has_main_config {
                        Lookup::NotSet
                    } else {
                        Lookup::Unknown
                    }
                }
                _ => cur = self.real_parent(sid).or(scope.parent),
            }
        }
        Lookup::Unknown
    }
}

/// Is this file a main server config (the top of a whole configuration)?
fn is_main_config(path: &Path, nodes: &[Node]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "httpd.conf" || name == "apache2.conf" {
        return true;
    }
    nodes
        .iter()
        .any(|n| matches!(n, Node::Directive(d) if d.key == "serverroot"))
}

pub struct ApacheOptions<'o> {
    pub maps: &'o PathMap,
    pub server_root: Option<&'o Path>,
    pub assume: Assume,
}

/// The main server config assumed when the input has none (`--assume`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Assume {
    /// Debian's packaged `/etc/apache2/apache2.conf`.
    #[default]
    Debian,
    /// The `httpd.conf` that httpd installs from source.
    Upstream,
    /// Nothing: what the input does not show stays unknown.
    None,
}

impl Assume {
    /// The display name, the access-control text and the compiled-in ServerRoot.
    fn stock(self) -> Option<(&'static str, &'static str, &'static str)> {
        match self {
            Assume::Debian => Some((
                "<assumed: Debian apache2.conf>",
                include_str!("../../data/assumed/debian-apache2.conf"),
                "/etc/apache2",
            )),
            Assume::Upstream => Some((
                "<assumed: upstream httpd.conf>",
                include_str!("../../data/assumed/upstream-httpd.conf"),
                "/usr/local/apache2",
            )),
            Assume::None => None,
        }
    }
}

/// Build the Apache model from every Apache file the loader holds.
pub fn build(loader: &mut Loader<'_>, opts: &ApacheOptions<'_>) -> ApacheModel {
    let mut model = ApacheModel {
        assume: opts.assume,
        ..ApacheModel::default()
    };
    let configs = loader.linted_of(FileKind::ApacheConfig);
    let htaccess = loader.linted_of(FileKind::Htaccess);

    // Main configs first: what they include is not a root of its own.
    let mut mains = Vec::new();
    let mut others = Vec::new();
    for id in configs {
        let main = match (loader.sources.get(id), loader.apache.get(&id)) {
            (Some(f), Some(ast)) => is_main_config(&f.path, &ast.nodes),
            _ => false,
        };
        if main {
            mains.push(id);
        } else {
            others.push(id);
        }
    }
    if mains.is_empty() && !(others.is_empty() && htaccess.is_empty()) {
        if let Some((name, text, root)) = opts.assume.stock() {
            let what = match opts.assume {
                Assume::Upstream => "the httpd.conf that Apache httpd installs from source",
                _ => "Debian's packaged apache2.conf",
            };
            let id = loader.add_assumed(
                name,
                FileKind::ApacheConfig,
                text,
                format!("assumed: no main server config in the input, so {what}"),
            );
            loader.diagnostics.push(
                super::loader::assumed_main_config(format!(
                    "no main server config in the input: assuming {what} (`<Directory />` \
                     denies all and allows no .htaccess; `.ht*` files are denied)"
                ))
                .help("lint the whole server config (e.g. /etc/apache2) to use the real one, or choose with --assume debian|upstream|none"),
            );
            mains.push(id);
            model.assumed = Some((opts.assume, id));
            if opts.server_root.is_none() {
                model.server_root = Some(PathBuf::from(root));
            }
        }
    }
    model.has_main_config = !mains.is_empty();
    let mut included: Vec<FileId> = Vec::new();
    for id in mains
        .iter()
        .chain(others.iter())
        .copied()
        .collect::<Vec<_>>()
    {
        if included.contains(&id) {
            continue;
        }
        let root_dir = loader
            .sources
            .get(id)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let assumed_root = model.assumed.is_some_and(|(_, a)| a == id);
        let mut b = Builder {
            loader,
            model: &mut model,
            maps: opts.maps,
            server_root: opts
                .server_root
                .map(Path::to_path_buf)
                .or_else(|| Some(opts.maps.to_server(&root_dir))),
            stack: vec![id],
            included: &mut included,
            depth: 0,
            reported_deep: false,
            // The modules of an assumed config are not known: it stands for any server.
            modules: (mains.contains(&id) && !assumed_root).then(Modules::compiled_in),
            defines: Vec::new(),
            missed_include: false,
        };
        let scope = b.new_scope(ScopeKind::Server, None, None, id);
        b.model.roots.push(scope);
        if mains.contains(&id) {
            b.model.main_roots.push(scope);
        }
        if let Some(nodes) = b.loader.apache.get(&id).map(|a| a.nodes.clone()) {
            b.expand(&nodes, scope);
        }
        // The loaded modules are known only when the whole main config is in the input:
        // no Include left unread, and at least one LoadModule (a config without any is a
        // part of one whose modules load elsewhere).
        let complete = b.modules.as_ref().is_some_and(|m| m.loaded_any);
        if let Some(m) = b.modules.take().filter(|_| complete) {
            b.model.loaded_modules.insert(scope, m);
        }
        if model.server_root.is_none() {
            model.server_root = opts.server_root.map(Path::to_path_buf);
        }
    }

    for id in htaccess {
        attach_htaccess(loader, &mut model, opts, id);
    }
    model
}

struct Builder<'l, 'a, 'm> {
    loader: &'l mut Loader<'a>,
    model: &'m mut ApacheModel,
    maps: &'m PathMap,
    server_root: Option<PathBuf>,
    /// Files being expanded, outermost first: a repeat is an include cycle.
    stack: Vec<FileId>,
    included: &'m mut Vec<FileId>,
    /// Sections (blocks) open around what is being expanded, across includes.
    depth: usize,
    reported_deep: bool,
    /// Modules loaded so far, when expanding a main config; `None`: unknown.
    modules: Option<Modules>,
    /// Names `Define`d so far.
    defines: Vec<String>,
    /// An Include whose files are not in the input: what it loads is unknown.
    missed_include: bool,
}

const MAX_INCLUDE_DEPTH: usize = 32;
/// Nesting across included files; each file alone is already bounded by the parser.
const MAX_NESTING: usize = 2 * crate::syntax::MAX_DEPTH;
const MAX_INCLUDE_MATCHES: usize = 1_000;

impl Builder<'_, '_, '_> {
    fn new_scope(
        &mut self,
        kind: ScopeKind,
        head: Option<SectionHead>,
        parent: Option<ScopeId>,
        file: FileId,
    ) -> ScopeId {
        self.model.scopes.push(Scope {
            kind,
            head,
            parent,
            items: Vec::new(),
            file,
        });
        self.model.scopes.len() - 1
    }

    fn push(&mut self, scope: ScopeId, item: Item) {
        if let Some(s) = self.model.scopes.get_mut(scope) {
            s.items.push(item);
        }
    }

    fn expand(&mut self, nodes: &[Node], scope: ScopeId) {
        for node in nodes {
            match node {
                Node::Directive(d) => {
                    if d.key == "serverroot" {
                        if let Some(a) = d.args.first() {
                            self.server_root = Some(PathBuf::from(&a.text));
                            if self.model.server_root.is_none() {
                                self.model.server_root = Some(PathBuf::from(&a.text));
                            }
                        }
                    }
                    if d.key == "loadmodule" {
                        if let Some(m) = self.modules.as_mut() {
                            m.load(d);
                        }
                    }
                    if d.key == "define" {
                        if let Some(a) = d.args.first() {
                            self.defines.push(a.text.clone());
                        }
                    }
                    self.push(scope, Item::Directive(d.clone()));
                    if d.key == "include" || d.key == "includeoptional" {
                        self.include(d, scope);
                    }
                }
                Node::Section(s) => {
                    let head = SectionHead {
                        name: s.name.clone(),
                        key: s.key.clone(),
                        args: s.args.clone(),
                        open_span: s.open_span,
                        name_span: s.name_span,
                    };
                    if self.too_deep(s.open_span) {
                        continue;
                    }
                    // A conditional the input shows to be false is skipped, as Apache
                    // skips it while reading.
                    if (is_conditional(&s.key) || s.key == "ifversion")
                        && condition(&s.key, &s.args, self.modules.as_ref(), &self.defines)
                            == Some(false)
                    {
                        continue;
                    }
                    let file = s.open_span.file;
                    let child = self.new_scope(ScopeKind::of(s), Some(head), Some(scope), file);
                    self.push(scope, Item::Scope(child));
                    self.depth += 1;
                    self.expand(&s.body, child);
                    self.depth -= 1;
                }
            }
        }
    }

    /// Past [`MAX_NESTING`] a section is left out (reported once per run).
    fn too_deep(&mut self, at: Span) -> bool {
        if self.depth < MAX_NESTING {
            return false;
        }
        if !self.reported_deep {
            self.reported_deep = true;
            self.loader.diagnostics.push(
                include_problem(format!(
                    "sections nested deeper than {MAX_NESTING} levels across included files"
                ))
                .at(at, "not analysed past this point")
                .help("flatten the includes; nesting this deep is never intended"),
            );
        }
        true
    }

    fn include(&mut self, d: &Directive, scope: ScopeId) {
        let optional = d.key == "includeoptional";
        for arg in &d.args {
            let server = self.resolve(&arg.text);
            let files = self.include_targets(&server, arg, optional);
            if files.is_empty() {
                // What it would load is unknown from here on.
                self.missed_include = true;
                self.modules = None;
            }
            for local in files {
                if self.stack.len() >= MAX_INCLUDE_DEPTH {
                    self.loader.diagnostics.push(
                        include_problem(format!(
                            "includes nested deeper than {MAX_INCLUDE_DEPTH} levels"
                        ))
                        .at(arg.span, "this include is too deep")
                        .help("Apache gives up on such nesting too; look for an include cycle"),
                    );
                    return;
                }
                let Some(id) = self
                    .loader
                    .load(&local, FileKind::ApacheConfig, arg.span, &d.name)
                else {
                    continue;
                };
                if self.stack.contains(&id) {
                    let mut diag = include_problem(
                        "include cycle: this file includes itself through the chain",
                    )
                    .at(arg.span, "includes a file that is already being read");
                    if let Some(first) = self.stack.first() {
                        if *first != id {
                            diag.message =
                                "include cycle: a file includes one of the files that include it"
                                    .to_string();
                        }
                    }
                    self.loader
                        .diagnostics
                        .push(diag.help("remove one of the Include lines that form the loop"));
                    continue;
                }
                if !self.included.contains(&id) {
                    self.included.push(id);
                }
                self.stack.push(id);
                if let Some(nodes) = self.loader.apache.get(&id).map(|a| a.nodes.clone()) {
                    self.expand(&nodes, scope);
                }
                self.stack.pop();
            }
        }
    }

    /// A relative path is relative to ServerRoot.
    fn resolve(&self, path: &str) -> PathBuf {
        let p = Path::new(path);
        if p.is_absolute() {
            normalize(p)
        } else {
            normalize(&self.server_root.clone().unwrap_or_default().join(p))
        }
    }

    /// The local files an Include names. A missing target is a hint, never an error: the
    /// file may exist only on the server.
    fn include_targets(&mut self, server: &Path, arg: &Word, optional: bool) -> Vec<PathBuf> {
        let text = server.to_string_lossy().into_owned();
        let wild = text.contains(['*', '?', '[']);
        if !wild {
            let Some(local) = self.maps.to_local(server, self.loader.fs) else {
                if !optional {
                    self.loader.diagnostics.push(
                        unresolved_path(format!("included path `{}` is not in the linted tree", server.display()))
                            .at(arg.span, "not found here")
                            .help("map the server path to a local one with --map SERVER_PATH=LOCAL_PATH, or set --server-root"),
                    );
                }
                return Vec::new();
            };
            if self.loader.fs.is_dir(&local) {
                let (files, hit) = self.loader.fs.files_under(&local, MAX_INCLUDE_MATCHES);
                if hit {
                    self.too_broad(arg);
                }
                return files;
            }
            return vec![local];
        }
        // Map the fixed prefix, glob the rest locally.
        let local_pattern = match self.maps.to_local(Path::new(&text), self.loader.fs) {
            Some(p) => p.to_string_lossy().into_owned(),
            None if self.maps.is_mapped(server) => return Vec::new(),
            None => text.clone(),
        };
        let (files, hit) = self.loader.fs.glob(&local_pattern, MAX_INCLUDE_MATCHES);
        if hit {
            self.too_broad(arg);
        }
        files
            .into_iter()
            .filter(|f| !self.loader.fs.is_dir(f))
            .collect()
    }

    fn too_broad(&mut self, arg: &Word) {
        self.loader.diagnostics.push(
            include_problem("wildcard include matches too much; authlint stopped following it")
                .at(
                    arg.span,
                    "this pattern reaches too many files or directories",
                )
                .help("narrow the pattern to the directory that holds the config snippets"),
        );
    }
}

fn attach_htaccess(
    loader: &mut Loader<'_>,
    model: &mut ApacheModel,
    opts: &ApacheOptions<'_>,
    id: FileId,
) {
    let Some(file) = loader.sources.get(id) else {
        return;
    };
    let local_dir = file
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let server_dir = opts.maps.to_server(&local_dir);
    let real_roots = model
        .roots
        .iter()
        .filter(|r| {
            model
                .scope(**r)
                .is_some_and(|s| model.assumed.is_none_or(|(_, a)| a != s.file))
        })
        .count();
    let context = if real_roots == 0 {
        HtaccessContext::Unknown
    } else {
        // Every non-regex <Directory> covering the file, shortest path first.
        let mut covering: Vec<(usize, ScopeId)> = model
            .scopes
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == ScopeKind::Directory)
            // The assumed stock config says nothing about AllowOverride on the real
            // server: whoever ships a .htaccess has enabled it somewhere we cannot see.
            .filter(|(_, s)| model.assumed.is_none_or(|(_, a)| a != s.file))
            .filter_map(|(i, s)| {
                let arg = s.head.as_ref()?.args.first()?;
                directory_covers(&arg.text, &server_dir)
                    .then_some((arg.text.trim_end_matches('/').len(), i))
            })
            .collect();
        covering.sort();
        let mut allow_override = None;
        for (_, sid) in &covering {
            if let Some(d) = model.last_in(*sid, "allowoverride") {
                allow_override = Some(d.clone());
            }
        }
        match covering.last() {
            Some((_, dir)) => HtaccessContext::Known {
                directory: Some(*dir),
                allow_override,
            },
            // Covered by no <Directory>: known only if we really know where the file sits
            // on the server (a --map covers it); otherwise a section we failed to match
            // could apply.
            None if opts.maps.maps_local(&local_dir) => HtaccessContext::Known {
                directory: None,
                allow_override: None,
            },
            None => HtaccessContext::Unknown,
        }
    };
    let parent = match &context {
        HtaccessContext::Known { directory, .. } => *directory,
        HtaccessContext::Unknown => None,
    };
    model.scopes.push(Scope {
        kind: ScopeKind::Htaccess,
        head: None,
        parent,
        items: Vec::new(),
        file: id,
    });
    let scope = model.scopes.len() - 1;
    if let Some(nodes) = loader.apache.get(&id).map(|a| a.nodes.clone()) {
        let b_modules = parent.and_then(|p| model.modules_for(p)).cloned();
        let mut included = Vec::new();
        let mut b = Builder {
            loader,
            model,
            maps: opts.maps,
            server_root: opts.server_root.map(Path::to_path_buf),
            stack: vec![id],
            included: &mut included,
            depth: 0,
            reported_deep: false,
            modules: b_modules,
            defines: Vec::new(),
            missed_include: false,
        };
        b.expand(&nodes, scope);
    }
    model.htaccess.push(Htaccess {
        file: id,
        scope,
        server_dir,
        context,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The AuthType values the model holds for these files.
    fn auth_types(files: &[(&str, &str)]) -> Vec<String> {
        let out = crate::lint_memory(files);
        let m = &out.model.apache;
        (0..m.scopes.len())
            .filter(|id| m.scopes[*id].kind != ScopeKind::Conditional)
            .flat_map(|id| m.directives_in(id))
            .filter(|d| d.key == "authtype")
            .filter_map(|d| d.args.first().map(|a| a.text.clone()))
            .collect()
    }

    const LOAD: &str = "LoadModule auth_basic_module /usr/lib/apache2/modules/mod_auth_basic.so\n";
    const OTHER: &str = "LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so\n";

    #[test]
    fn if_module_is_evaluated_against_load_module_lines() {
        let conf = |load: &str, test: &str| {
            format!("ServerRoot /x\n{load}<Location /a>\n<IfModule {test}>\nAuthType Basic\n</IfModule>\n</Location>\n")
        };
        assert_eq!(
            auth_types(&[("httpd.conf", &conf(LOAD, "mod_auth_basic.c"))]),
            ["Basic"]
        );
        assert_eq!(
            auth_types(&[("httpd.conf", &conf(LOAD, "auth_basic_module"))]),
            ["Basic"]
        );
        assert!(auth_types(&[("httpd.conf", &conf(OTHER, "mod_auth_basic.c"))]).is_empty());
        assert!(auth_types(&[("httpd.conf", &conf(LOAD, "!auth_basic_module"))]).is_empty());
        // Compiled-in modules are always there; an unknown kind of name stays unknown.
        assert_eq!(
            auth_types(&[("httpd.conf", &conf("", "version_module"))]),
            ["Basic"]
        );
        assert_eq!(
            auth_types(&[("httpd.conf", &conf("", "prefork.c"))]),
            ["Basic"]
        );
    }

    #[test]
    fn load_module_after_the_test_does_not_count() {
        let conf = format!("ServerRoot /x\n{OTHER}<IfModule auth_basic_module>\n<Location /a>\nAuthType Basic\n</Location>\n</IfModule>\n{LOAD}");
        assert!(auth_types(&[("httpd.conf", &conf)]).is_empty());
    }

    #[test]
    fn without_a_main_config_every_branch_is_kept() {
        let vhost = "<VirtualHost *:80>\n<IfModule mod_auth_basic.c>\n<Location /a>\nAuthType Basic\n</Location>\n</IfModule>\n</VirtualHost>\n";
        assert_eq!(auth_types(&[("site.conf", vhost)]), ["Basic"]);
    }

    #[test]
    fn if_version_is_evaluated_for_2_4() {
        let conf = |test: &str| {
            format!(
                "<IfVersion {test}>\n<Location /a>\nAuthType Basic\n</Location>\n</IfVersion>\n"
            )
        };
        assert!(auth_types(&[("site.conf", &conf("< 2.4"))]).is_empty());
        assert_eq!(auth_types(&[("site.conf", &conf(">= 2.4"))]), ["Basic"]);
        assert!(auth_types(&[("site.conf", &conf("!>= 2.4"))]).is_empty());
        assert_eq!(auth_types(&[("site.conf", &conf("~ ^2.4"))]), ["Basic"]);
    }

    #[test]
    fn if_define_is_true_when_defined_and_unknown_otherwise() {
        let conf = |define: &str, test: &str| {
            format!("ServerRoot /x\n{define}<IfDefine {test}>\n<Location /a>\nAuthType Basic\n</Location>\n</IfDefine>\n")
        };
        assert_eq!(
            auth_types(&[("httpd.conf", &conf("Define SSL\n", "SSL"))]),
            ["Basic"]
        );
        assert!(auth_types(&[("httpd.conf", &conf("Define SSL\n", "!SSL"))]).is_empty());
        assert_eq!(auth_types(&[("httpd.conf", &conf("", "SSL"))]), ["Basic"]);
    }
}
