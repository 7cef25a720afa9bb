//! The nginx model: the main/http/server/location tree with includes inlined in the
//! context they are included in, and nginx's inheritance (a directive set at a level is
//! inherited below unless redefined; array directives only when the level defines none).
//! A snippet linted without its main config has an unknown top: rules must not guess.

use super::directives::{nginx_allowed_in, nginx_takes_block};
use super::loader::{include_problem, unresolved_path, Loader};
use super::paths::{normalize, PathMap};
use crate::diag::{Diagnostic, Severity};
use crate::source::{FileId, FileKind, Span};
use crate::syntax::nginx::{Body, Stmt};
use crate::syntax::Word;
use std::path::{Path, PathBuf};

pub type CtxId = usize;

/// The head of a block statement (`location ~ \.php$`).
#[derive(Clone, Debug)]
pub struct BlockHead {
    pub name: Word,
    pub args: Vec<Word>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum NgItem {
    /// A simple directive (a raw-code block also lands here, its body not modelled).
    Directive(Stmt),
    Context(CtxId),
}

#[derive(Clone, Debug)]
pub struct Context {
    /// `main`, `http`, `server`, `location`, `if`, `limit_except`, `upstream`, `map`...;
    /// `snippet` for the top of a file linted without its main config.
    pub kind: String,
    pub head: Option<BlockHead>,
    pub parent: Option<CtxId>,
    pub items: Vec<NgItem>,
    pub file: FileId,
}

/// What an inheritance lookup found.
#[derive(Debug, PartialEq)]
pub enum Lookup<'a> {
    /// The directives at the nearest level that sets the name.
    Found(Vec<&'a Stmt>),
    NotSet,
    /// Not set in what we see; the unseen includer could set it.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct NginxModel {
    pub contexts: Vec<Context>,
    pub roots: Vec<CtxId>,
    /// The configuration prefix (directory of the main nginx.conf) as a local path.
    pub prefix: Option<PathBuf>,
    /// The stock main config assumed because the input has none (`--assume`): its file
    /// and its `http` context, where server blocks and http-level snippets are placed.
    pub assumed: Option<(FileId, CtxId)>,
    /// For contexts with many items: item positions of each simple directive, by name.
    index: std::collections::HashMap<CtxId, std::collections::HashMap<String, Vec<usize>>>,
}

/// Contexts with more items than this get a name index.
const INDEX_ABOVE: usize = 64;

impl NginxModel {
    pub fn context(&self, id: CtxId) -> Option<&Context> {
        self.contexts.get(id)
    }

    /// Simple directives named `name` directly in a context.
    pub fn directives_in(&self, id: CtxId, name: &str) -> Vec<&Stmt> {
        let Some(c) = self.contexts.get(id) else {
            return Vec::new();
        };
        // Large contexts (an http {} with thousands of servers) are indexed by name, so
        // that inheritance lookups from every location stay cheap.
        if let Some(index) = self.index.get(&id) {
            return index
                .get(name)
                .into_iter()
                .flatten()
                .filter_map(|i| match c.items.get(*i) {
                    Some(NgItem::Directive(s)) => Some(s),
                    _ => None,
                })
                .collect();
        }
        c.items
            .iter()
            .filter_map(|i| match i {
                NgItem::Directive(s) if s.name.text == name => Some(s),
                _ => None,
            })
            .collect()
    }

    /// nginx inheritance: the nearest level (this context or an ancestor) that sets `name`.
    pub fn lookup(&self, id: CtxId, name: &str) -> Lookup<'_> {
        let mut cur = Some(id);
        let mut guard = 0;
        while let Some(cid) = cur {
            guard += 1;
            if guard > 1024 {
                return Lookup::Unknown;
            }
            let found = self.directives_in(cid, name);
            if !found.is_empty() {
                return Lookup::Found(found);
            }
            let Some(ctx) = self.contexts.get(cid) else {
                return Lookup::Unknown;
            };
            if ctx.kind == "snippet" {
                return Lookup::Unknown;
            }
            cur = ctx.parent;
        }
        Lookup::NotSet
    }

    /// Is the top of this context's tree a real main config?
    pub fn is_known(&self, id: CtxId) -> bool {
        let mut cur = Some(id);
        let mut last = id;
        let mut guard = 0;
        while let Some(c) = cur {
            guard += 1;
            if guard > 1024 {
                return false;
            }
            last = c;
            cur = self.contexts.get(c).and_then(|x| x.parent);
        }
        self.contexts.get(last).is_some_and(|c| c.kind == "main")
    }
}

pub struct NginxOptions<'o> {
    pub maps: &'o PathMap,
    pub prefix: Option<&'o Path>,
    pub assume: super::apache::Assume,
}

/// The stock main config assumed around snippets: display name and text.
fn stock(assume: super::apache::Assume) -> Option<(&'static str, &'static str, &'static str)> {
    use super::apache::Assume;
    match assume {
        Assume::Debian => Some((
            "<assumed: Debian nginx.conf>",
            include_str!("../../data/assumed/debian-nginx.conf"),
            "Debian's packaged nginx.conf",
        )),
        Assume::Upstream => Some((
            "<assumed: upstream nginx.conf>",
            include_str!("../../data/assumed/upstream-nginx.conf"),
            "the nginx.conf that nginx installs from source",
        )),
        Assume::None => None,
    }
}

/// A main config has, at its top level, something only the main context accepts (`events`,
/// `http`, `worker_processes`...). A file named nginx.conf holding only `server {}` blocks
/// is a snippet.
fn looks_main(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| {
        let name = s.name.text.as_str();
        nginx_allowed_in(name, "main") == Some(true)
            && nginx_allowed_in(name, "http") == Some(false)
    })
}

/// Build the nginx model from every nginx file the loader holds.
pub fn build(loader: &mut Loader<'_>, opts: &NginxOptions<'_>) -> NginxModel {
    let mut model = NginxModel::default();
    let files = loader.linted_of(FileKind::NginxConfig);
    let mut mains = Vec::new();
    let mut others = Vec::new();
    for id in files {
        let main = match (loader.sources.get(id), loader.nginx.get(&id)) {
            (Some(_), Some(ast)) => looks_main(&ast.stmts),
            _ => false,
        };
        if main {
            mains.push(id);
        } else {
            others.push(id);
        }
    }
    // No main config: assume the stock one, and read server blocks and http-level
    // snippets as included in its http {} (Debian: sites-enabled/*, conf.d/*.conf).
    let mut assumed_file = None;
    let wants_http = |loader: &Loader<'_>, id: &FileId| {
        loader
            .nginx
            .get(id)
            .is_some_and(|a| snippet_contexts(&a.stmts).iter().any(|c| c == "http"))
    };
    if mains.is_empty() && others.iter().any(|id| wants_http(loader, id)) {
        if let Some((name, text, what)) = stock(opts.assume) {
            let id = loader.add_assumed(
                name,
                FileKind::NginxConfig,
                text,
                format!("assumed: no main nginx config in the input, so {what}"),
            );
            loader.diagnostics.push(
                super::loader::assumed_main_config(format!(
                    "no main nginx config in the input: assuming {what}, with the server blocks and http-level files inside its http {{}}"
                ))
                .help("lint the whole config (e.g. /etc/nginx) to use the real one, or choose with --assume debian|upstream|none"),
            );
            assumed_file = Some(id);
            mains.push(id);
        }
    }
    model.prefix = opts.prefix.map(Path::to_path_buf).or_else(|| {
        mains
            .iter()
            .find(|m| Some(**m) != assumed_file)
            .and_then(|id| loader.sources.get(*id))
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
    });
    let mut included: Vec<FileId> = Vec::new();
    for (id, is_main) in mains
        .iter()
        .map(|i| (*i, true))
        .chain(others.iter().map(|i| (*i, false)))
        .collect::<Vec<_>>()
    {
        if included.contains(&id) {
            continue;
        }
        let prefix = model
            .prefix
            .clone()
            .or_else(|| {
                loader
                    .sources
                    .get(id)
                    .and_then(|f| f.path.parent().map(Path::to_path_buf))
            })
            .unwrap_or_default();
        // Under an assumed main config, a file that belongs in http {} is placed there.
        let in_http = !is_main
            && model.assumed.is_some()
            && loader
                .nginx
                .get(&id)
                .is_some_and(|a| snippet_contexts(&a.stmts).iter().any(|c| c == "http"));
        let (kind, parent) = match (is_main, in_http) {
            (true, _) => ("main", None),
            (false, true) => ("http", model.assumed.map(|(_, http)| http)),
            (false, false) => ("snippet", None),
        };
        model.contexts.push(Context {
            kind: kind.to_string(),
            head: None,
            parent,
            items: Vec::new(),
            file: id,
        });
        let root = model.contexts.len() - 1;
        model.roots.push(root);
        // Borrow the statements out of the AST while expanding (no copy of the whole
        // file), and put them back afterwards: a later file may include this one.
        let stmts = loader
            .nginx
            .get_mut(&id)
            .map(|a| std::mem::take(&mut a.stmts))
            .unwrap_or_default();
        let candidates = if is_main {
            vec!["main".to_string()]
        } else if in_http {
            vec!["http".to_string()]
        } else {
            snippet_contexts(&stmts)
        };
        let mut b = Builder {
            loader,
            model: &mut model,
            maps: opts.maps,
            prefix,
            stack: vec![id],
            included: &mut included,
            depth: 0,
            reported_deep: false,
        };
        b.expand(&stmts, root, &candidates);
        if let Some(ast) = loader.nginx.get_mut(&id) {
            ast.stmts = stmts;
        }
        if Some(id) == assumed_file {
            let http = model
                .contexts
                .iter()
                .position(|c| c.file == id && c.kind == "http");
            model.assumed = http.map(|h| (id, h));
        }
    }
    for (id, c) in model.contexts.iter().enumerate() {
        if c.items.len() <= INDEX_ABOVE {
            continue;
        }
        let mut by_name: std::collections::HashMap<String, Vec<usize>> = Default::default();
        for (i, item) in c.items.iter().enumerate() {
            if let NgItem::Directive(s) = item {
                by_name.entry(s.name.text.clone()).or_default().push(i);
            }
        }
        model.index.insert(id, by_name);
    }
    model
}

/// The contexts a snippet could be included in: those where every directive at its top
/// level is allowed (directives the documentation does not know are ignored).
fn snippet_contexts(stmts: &[Stmt]) -> Vec<String> {
    let mut candidates: Vec<String> = [
        "main", "http", "server", "location", "upstream", "stream", "mail",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for s in stmts {
        let name = s.name.text.as_str();
        if name == "include" {
            continue;
        }
        let allowed: Vec<String> = candidates
            .iter()
            .filter(|c| nginx_allowed_in(name, c) != Some(false))
            .cloned()
            .collect();
        if !allowed.is_empty() {
            candidates = allowed;
        }
    }
    candidates
}

struct Builder<'l, 'a, 'm> {
    loader: &'l mut Loader<'a>,
    model: &'m mut NginxModel,
    maps: &'m PathMap,
    prefix: PathBuf,
    stack: Vec<FileId>,
    included: &'m mut Vec<FileId>,
    /// Sections (blocks) open around what is being expanded, across includes.
    depth: usize,
    reported_deep: bool,
}

const MAX_INCLUDE_DEPTH: usize = 32;
/// Nesting across included files; each file alone is already bounded by the parser.
const MAX_NESTING: usize = 2 * crate::syntax::MAX_DEPTH;
const MAX_INCLUDE_MATCHES: usize = 1_000;

impl Builder<'_, '_, '_> {
    /// `contexts`: what the parent context may be (one entry when known).
    fn expand(&mut self, stmts: &[Stmt], ctx: CtxId, contexts: &[String]) {
        for stmt in stmts {
            match &stmt.block {
                Some(block) => match &block.body {
                    Body::Stmts(body) => {
                        self.check_takes_block(stmt, contexts);
                        if self.depth >= MAX_NESTING {
                            if !self.reported_deep {
                                self.reported_deep = true;
                                self.loader.diagnostics.push(
                                    include_problem(format!("blocks nested deeper than {MAX_NESTING} levels across included files"))
                                        .at(stmt.name.span, "not analysed past this point")
                                        .help("flatten the includes; nesting this deep is never intended"),
                                );
                            }
                            continue;
                        }
                        let kind = stmt.name.text.clone();
                        let head = BlockHead {
                            name: stmt.name.clone(),
                            args: stmt.args.clone(),
                            span: stmt.span,
                        };
                        let file = stmt.span.file;
                        self.model.contexts.push(Context {
                            kind: kind.clone(),
                            head: Some(head),
                            parent: Some(ctx),
                            items: Vec::new(),
                            file,
                        });
                        let child = self.model.contexts.len() - 1;
                        self.push(ctx, NgItem::Context(child));
                        self.depth += 1;
                        self.expand(body, child, &[kind]);
                        self.depth -= 1;
                    }
                    Body::Raw(_) => self.push(ctx, NgItem::Directive(stmt.clone())),
                },
                None => {
                    self.check_needs_block(stmt, contexts);
                    self.push(ctx, NgItem::Directive(stmt.clone()));
                    if stmt.name.text == "include" {
                        if let Some(arg) = stmt.args.first() {
                            self.include(arg, ctx, contexts);
                        }
                    }
                }
            }
        }
    }

    fn push(&mut self, ctx: CtxId, item: NgItem) {
        if let Some(c) = self.model.contexts.get_mut(ctx) {
            c.items.push(item);
        }
    }

    /// `server "x";` inside `http` is rejected by nginx: "directive "server" has no opening "{"".
    fn check_needs_block(&mut self, stmt: &Stmt, contexts: &[String]) {
        let name = stmt.name.text.as_str();
        let needs = !contexts.is_empty()
            && contexts
                .iter()
                .all(|c| nginx_takes_block(name, c) == Some(true));
        if needs {
            self.loader.diagnostics.push(
                Diagnostic::new(
                    "AL001",
                    "syntax-error",
                    Severity::Error,
                    format!("`{name}` needs a `{{ ... }}` block here"),
                )
                .at(stmt.name.span, "a block directive ended with `;`")
                .help(format!(
                    "write `{name} ... {{ ... }}`; nginx refuses to start otherwise"
                )),
            );
        }
    }

    /// `root /x { ... }`: nginx says "directive "root" is not terminated by ";"".
    fn check_takes_block(&mut self, stmt: &Stmt, contexts: &[String]) {
        let name = stmt.name.text.as_str();
        let refuses = !contexts.is_empty()
            && contexts
                .iter()
                .all(|c| nginx_takes_block(name, c) == Some(false));
        if refuses {
            // The `;` is most likely missing at the end of the directive's first line: the
            // token before the first one that starts on a new line.
            let text = self
                .loader
                .sources
                .get(stmt.span.file)
                .map(|f| f.text.as_str())
                .unwrap_or("");
            let tokens: Vec<Span> = std::iter::once(stmt.name.span)
                .chain(stmt.args.iter().map(|a| a.span))
                .collect();
            let last = tokens
                .windows(2)
                .find(|w| {
                    text.get(w[0].end as usize..w[1].start as usize)
                        .is_some_and(|gap| gap.contains('\n'))
                })
                .map(|w| w[0])
                .or(tokens.last().copied())
                .unwrap_or(stmt.name.span);
            let mut d = Diagnostic::new(
                "AL001",
                "syntax-error",
                Severity::Error,
                format!("`{name}` is not terminated by `;`"),
            )
            .at(last, "missing `;` after this");
            if let Some(b) = &stmt.block {
                d = d.label(b.open, "so this block is taken as part of it");
            }
            self.loader
                .diagnostics
                .push(d.help(format!("end the `{name}` directive with `;`")));
        }
    }

    fn include(&mut self, arg: &Word, ctx: CtxId, contexts: &[String]) {
        let p = Path::new(&arg.text);
        let server = if p.is_absolute() {
            normalize(p)
        } else {
            normalize(&self.prefix.join(p))
        };
        let text = server.to_string_lossy().into_owned();
        let files: Vec<PathBuf> = if text.contains(['*', '?', '[']) {
            let local = match self.maps.to_local(&server, self.loader.fs) {
                Some(l) => l.to_string_lossy().into_owned(),
                None => text.clone(),
            };
            let (files, hit) = self.loader.fs.glob(&local, MAX_INCLUDE_MATCHES);
            if hit {
                self.loader.diagnostics.push(
                    include_problem(
                        "wildcard include matches too much; authlint stopped following it",
                    )
                    .at(
                        arg.span,
                        "this pattern reaches too many files or directories",
                    )
                    .help("narrow the pattern to the directory that holds the config snippets"),
                );
            }
            files
        } else {
            // Relative includes resolve against the prefix, which is already local.
            let local = if p.is_absolute() {
                self.maps.to_local(&server, self.loader.fs)
            } else {
                Some(server.clone())
            };
            match local.filter(|l| self.loader.fs.exists(l)) {
                Some(l) => vec![l],
                None => {
                    self.loader.diagnostics.push(
                        unresolved_path(format!("included file `{}` is not in the linted tree", arg.text))
                            .at(arg.span, "not found here")
                            .help("map the server path with --map SERVER_PATH=LOCAL_PATH, or set --nginx-prefix"),
                    );
                    Vec::new()
                }
            }
        };
        for local in files {
            if self.loader.fs.is_dir(&local) {
                continue;
            }
            if self.stack.len() >= MAX_INCLUDE_DEPTH {
                self.loader.diagnostics.push(
                    include_problem(format!(
                        "includes nested deeper than {MAX_INCLUDE_DEPTH} levels"
                    ))
                    .at(arg.span, "this include is too deep")
                    .help("look for an include cycle"),
                );
                return;
            }
            let Some(id) = self
                .loader
                .load(&local, FileKind::NginxConfig, arg.span, "include")
            else {
                continue;
            };
            if self.stack.contains(&id) {
                self.loader.diagnostics.push(
                    include_problem(
                        "include cycle: a file includes one of the files that include it",
                    )
                    .at(arg.span, "includes a file that is already being read")
                    .help("remove one of the include lines that form the loop"),
                );
                continue;
            }
            if !self.included.contains(&id) {
                self.included.push(id);
            }
            let stmts = self
                .loader
                .nginx
                .get(&id)
                .map(|a| a.stmts.clone())
                .unwrap_or_default();
            self.stack.push(id);
            self.expand(&stmts, ctx, contexts);
            self.stack.pop();
        }
    }
}
