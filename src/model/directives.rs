//! Directive knowledge, built from the servers' own tables in `data/`: `apache2 -L`
//! output (every directive of every Debian module, its contexts and override class) and
//! the nginx documentation's directive list (syntax and contexts). Nothing here is typed
//! by hand; the tables are parsed once, on first use.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::OnceLock;

const APACHE_TABLE: &str = include_str!("../../data/apache2-directives.txt");
const NGINX_TABLE: &str = include_str!("../../data/nginx-directives.tsv");

/// Where `apache2 -L` says an Apache directive may stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApacheDirective {
    /// As written in the table (`AuthType`, `<Directory`).
    pub name: String,
    pub module: String,
    /// Allowed in server config files at all.
    pub in_conf: bool,
    /// Allowed in `.htaccess` (subject to `override_class`).
    pub in_htaccess: bool,
    /// Only inside `<Directory>`, `<Files>`, `<Location>` or `<If>`.
    pub only_inside_dir: bool,
    /// Only outside `<Directory>`, `<Files>`, `<Location>` and `<If>`.
    pub only_outside_dir: bool,
    /// The AllowOverride classes that let it into `.htaccess` (`AuthConfig`, `FileInfo`...);
    /// empty with `in_htaccess` means "when AllowOverride isn't None".
    pub override_classes: Vec<String>,
}

/// One row of the nginx documentation's table (a name may have several, one per module).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxDirective {
    pub name: String,
    pub module: String,
    pub syntax: String,
    /// Contexts as the docs name them (`http`, `server`, `location`, `if in location`...);
    /// `any` means anywhere.
    pub contexts: Vec<String>,
}

struct Tables {
    apache: BTreeMap<String, ApacheDirective>,
    nginx: HashMap<String, Vec<NginxDirective>>,
    nginx_contexts: BTreeSet<String>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        let nginx = parse_nginx(NGINX_TABLE);
        let mut nginx_contexts = BTreeSet::new();
        for rows in nginx.values() {
            for row in rows {
                for c in &row.contexts {
                    // "if in location" names the `if` context.
                    let base = c.split_whitespace().next().unwrap_or(c);
                    nginx_contexts.insert(base.to_string());
                }
            }
        }
        nginx_contexts.remove("any");
        Tables {
            apache: parse_apache(APACHE_TABLE),
            nginx,
            nginx_contexts,
        }
    })
}

fn parse_apache(text: &str) -> BTreeMap<String, ApacheDirective> {
    let mut out = BTreeMap::new();
    let mut current: Option<ApacheDirective> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if !line.starts_with('\t') && !line.starts_with(' ') {
            if let Some(d) = current.take() {
                out.insert(d.name.trim_start_matches('<').to_ascii_lowercase(), d);
            }
            let (name, module) = match line.split_once(" (") {
                Some((n, m)) => (n.trim(), m.trim_end_matches(')')),
                None => (line.trim(), ""),
            };
            current = Some(ApacheDirective {
                name: name.to_string(),
                module: module.to_string(),
                in_conf: false,
                in_htaccess: false,
                only_inside_dir: false,
                only_outside_dir: false,
                override_classes: Vec::new(),
            });
            continue;
        }
        let Some(d) = current.as_mut() else { continue };
        let l = line.trim();
        if let Some(rest) = l.strip_prefix("Allowed in ") {
            d.in_conf = rest.contains("*.conf");
            d.in_htaccess = rest.contains(".htaccess");
            d.only_inside_dir = rest.contains("only inside <Directory>");
            d.only_outside_dir = rest.contains("only outside <Directory>");
        } else if let Some(rest) = l.strip_prefix("when AllowOverride includes ") {
            d.override_classes = rest.split(" or ").map(|s| s.trim().to_string()).collect();
        }
    }
    if let Some(d) = current.take() {
        out.insert(d.name.trim_start_matches('<').to_ascii_lowercase(), d);
    }
    out
}

fn parse_nginx(text: &str) -> HashMap<String, Vec<NginxDirective>> {
    let mut out: HashMap<String, Vec<NginxDirective>> = HashMap::new();
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(name), Some(module), Some(syntax), Some(contexts)) =
            (cols.first(), cols.get(1), cols.get(2), cols.get(4))
        else {
            continue;
        };
        let contexts = contexts
            .split(',')
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect();
        out.entry(name.to_string())
            .or_default()
            .push(NginxDirective {
                name: name.to_string(),
                module: module.to_string(),
                syntax: syntax.to_string(),
                contexts,
            });
    }
    out
}

/// An Apache directive or section by lowercase name (sections without the `<`).
pub fn apache(key: &str) -> Option<&'static ApacheDirective> {
    tables().apache.get(key)
}

/// How many Apache directives the table knows.
pub fn apache_count() -> usize {
    tables().apache.len()
}

/// Every Apache directive and section name in the table, as written (`AuthType`,
/// `<Directory`), once each, in table order. Only real entry lines count (`Name (mod_x.c)`):
/// the multi-line help text some modules print is skipped. A name can be both a directive
/// and a section (`MDomain`, `<MDomain`).
pub fn apache_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut out: Vec<&'static str> = Vec::new();
        for line in APACHE_TABLE.lines() {
            let Some((name, module)) = line.split_once(" (") else {
                continue;
            };
            let bare = name.strip_prefix('<').unwrap_or(name);
            let name_ok = bare.starts_with(|c: char| c.is_ascii_alphabetic())
                && bare
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let module_ok = module.strip_suffix(".c)").is_some_and(|m| {
                !m.is_empty()
                    && m.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
            if name_ok && module_ok && !out.contains(&name) {
                out.push(name);
            }
        }
        out
    })
}

/// The nginx documentation's rows for a name.
pub fn nginx(name: &str) -> &'static [NginxDirective] {
    tables().nginx.get(name).map(Vec::as_slice).unwrap_or(&[])
}

/// Is this name a context that other nginx directives live in (`http`, `location`, `map`)?
pub fn nginx_is_context(name: &str) -> bool {
    tables().nginx_contexts.contains(name)
}

/// Does nginx accept `name` in `context` (`main`, `http`, `server`, `location`, `if`,
/// `upstream`...)? `None` when the name is not in the documentation (third-party module).
pub fn nginx_allowed_in(name: &str, context: &str) -> Option<bool> {
    let rows = nginx(name);
    if rows.is_empty() {
        return None;
    }
    Some(rows.iter().any(|r| {
        r.contexts
            .iter()
            .any(|c| c == "any" || c == context || c.split_whitespace().next() == Some(context))
    }))
}

/// Block directives whose bodies are key/value lists rather than directives, so no other
/// directive names them as a context (auth-facts D.3: custom handlers on the same tokenizer).
pub const NGINX_SPECIAL_BODIES: &[&str] = &[
    "map",
    "geo",
    "split_clients",
    "types",
    "charset_map",
    "match",
];

/// Does `name` in `context` take a `{ }` block? Decided from the table: the row allowed in
/// that context names a context itself (or has a special body), and takes no plain address
/// (as `server` does inside `upstream`). `None` when the documentation does not know it.
pub fn nginx_takes_block(name: &str, context: &str) -> Option<bool> {
    let allowed_here = |r: &&NginxDirective| {
        r.contexts
            .iter()
            .any(|c| c == "any" || c == context || c.split_whitespace().next() == Some(context))
    };
    let mut rows = nginx(name).iter().filter(allowed_here).peekable();
    rows.peek()?;
    let is_context = nginx_is_context(name) || NGINX_SPECIAL_BODIES.contains(&name);
    Some(is_context && rows.any(|r| !r.syntax.starts_with("address")))
}

const APACHE_PROVIDERS: &str = include_str!("../../data/apache2-auth-providers.tsv");

/// The module that registers an Apache auth provider: `kind` is `authn`
/// (`AuthBasicProvider file`) or `authz` (`Require group`); the name is compared
/// case-sensitively, as Apache does. From `data/apache2-auth-providers.tsv`, which
/// `data/gen-auth-providers.sh` verifies against the real server.
pub fn apache_provider(kind: &str, name: &str) -> Option<&'static str> {
    APACHE_PROVIDERS
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split('\t');
            Some((f.next()?, f.next()?, f.next()?))
        })
        .find(|(k, n, _)| *k == kind && *n == name)
        .map(|(_, _, m)| m)
}

/// The module identifier (`auth_basic_module`) of the module that defines a directive,
/// from its source file in the table (`mod_auth_basic.c`).
pub fn apache_module_id(key: &str) -> Option<String> {
    let d = apache(key)?;
    let stem = d.module.strip_suffix(".c")?;
    Some(format!(
        "{}_module",
        stem.strip_prefix("mod_").unwrap_or(stem)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apache_table_knows_auth_directives_and_their_override_class() {
        assert!(apache_count() > 700, "{}", apache_count());
        let d = apache("authtype").expect("AuthType");
        assert!(d.in_htaccess && d.only_inside_dir);
        assert_eq!(d.override_classes, vec!["AuthConfig"]);
        let d = apache("directory").expect("<Directory");
        assert!(d.only_outside_dir && !d.in_htaccess);
        assert_eq!(apache("documentroot").map(|d| d.in_htaccess), Some(false));
    }

    #[test]
    fn nginx_table_knows_contexts_and_blocks() {
        assert_eq!(nginx_allowed_in("auth_basic", "location"), Some(true));
        assert_eq!(nginx_allowed_in("auth_basic", "if"), Some(false));
        assert_eq!(nginx_allowed_in("no_such_directive", "http"), None);
        assert_eq!(nginx_takes_block("server", "http"), Some(true));
        assert_eq!(nginx_takes_block("server", "upstream"), Some(false));
        assert_eq!(nginx_takes_block("location", "server"), Some(true));
        assert_eq!(nginx_takes_block("auth_basic", "server"), Some(false));
        assert!(nginx_is_context("limit_except"));
        assert_eq!(nginx_takes_block("types", "http"), Some(true));
        assert_eq!(nginx_takes_block("map", "http"), Some(true));
        assert_eq!(nginx_takes_block("root", "server"), Some(false));
    }
}
