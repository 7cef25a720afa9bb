//! Server paths and local paths. A config names production paths (`/var/www/site`); the
//! linted tree has them somewhere else. `--map SERVER=LOCAL` ties the two; a path that is
//! neither mapped nor present is *unknown*, never wrong.

use crate::source::Fs;
use std::path::{Component, Path, PathBuf};

#[derive(Clone, Debug, Default)]
pub struct PathMap {
    /// (server prefix, local prefix), longest server prefix first.
    maps: Vec<(PathBuf, PathBuf)>,
}

impl PathMap {
    pub fn new(mut maps: Vec<(PathBuf, PathBuf)>) -> PathMap {
        maps.sort_by_key(|(s, _)| std::cmp::Reverse(s.as_os_str().len()));
        PathMap { maps }
    }

    /// Where a server path lives locally: mapped, or the path itself when it exists here.
    pub fn to_local(&self, server: &Path, fs: &dyn Fs) -> Option<PathBuf> {
        let server = normalize(server);
        for (s, l) in &self.maps {
            if let Ok(rest) = server.strip_prefix(s) {
                return Some(if rest.as_os_str().is_empty() {
                    l.clone()
                } else {
                    l.join(rest)
                });
            }
        }
        fs.exists(&server).then_some(server)
    }

    /// Is this server path covered by a `--map`?
    pub fn is_mapped(&self, server: &Path) -> bool {
        let server = normalize(server);
        self.maps.iter().any(|(s, _)| server.starts_with(s))
    }

    /// Is this local path under the local side of a `--map`?
    pub fn maps_local(&self, local: &Path) -> bool {
        let abs = absolute(local);
        self.maps.iter().any(|(_, l)| abs.starts_with(absolute(l)))
    }

    /// The server path of a local path: reverse-mapped, else the absolute local path.
    pub fn to_server(&self, local: &Path) -> PathBuf {
        let abs = absolute(local);
        let mut best: Option<(usize, PathBuf)> = None;
        for (s, l) in &self.maps {
            let l_abs = absolute(l);
            if let Ok(rest) = abs.strip_prefix(&l_abs) {
                let len = l_abs.as_os_str().len();
                if best.as_ref().is_none_or(|(b, _)| len > *b) {
                    best = Some((
                        len,
                        if rest.as_os_str().is_empty() {
                            s.clone()
                        } else {
                            s.join(rest)
                        },
                    ));
                }
            }
        }
        best.map(|(_, p)| p).unwrap_or(abs)
    }
}

/// Make a path absolute against the current directory and drop `.`/`..` lexically.
pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        normalize(p)
    } else {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
        normalize(&cwd.join(p))
    }
}

/// Lexical normalisation: `.` dropped, `..` pops, duplicate slashes merged.
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// Does a (possibly wildcarded) `<Directory>` path cover `dir`? Apache: the section applies
/// to the directory and everything below it; `*` and `?` do not cross `/`.
pub fn directory_covers(pattern: &str, dir: &Path) -> bool {
    let pattern = pattern.trim_end_matches('/');
    if pattern.is_empty() {
        return dir.is_absolute();
    }
    let pat_parts: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let dir_parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if dir_parts.len() < pat_parts.len() {
        return false;
    }
    pat_parts.iter().zip(&dir_parts).all(|(p, d)| {
        if p.contains(['*', '?', '[']) {
            glob::Pattern::new(p).is_ok_and(|g| g.matches(d))
        } else {
            p == d
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::MemFs;

    #[test]
    fn maps_longest_prefix_first_and_unknown_stays_unknown() {
        let m = PathMap::new(vec![
            ("/srv".into(), "/l/a".into()),
            ("/srv/www".into(), "/l/b".into()),
        ]);
        let fs = MemFs::default();
        assert_eq!(
            m.to_local(Path::new("/srv/www/x"), &fs),
            Some(PathBuf::from("/l/b/x"))
        );
        assert_eq!(
            m.to_local(Path::new("/srv/other"), &fs),
            Some(PathBuf::from("/l/a/other"))
        );
        assert_eq!(m.to_local(Path::new("/etc/nothing"), &fs), None);
        assert_eq!(
            m.to_server(Path::new("/l/b/y")),
            PathBuf::from("/srv/www/y")
        );
    }

    #[test]
    fn directory_patterns() {
        assert!(directory_covers("/var/www", Path::new("/var/www/site/a")));
        assert!(directory_covers("/var/www/", Path::new("/var/www")));
        assert!(!directory_covers("/var/www", Path::new("/var/wwwx")));
        assert!(directory_covers(
            "/home/*/public_html",
            Path::new("/home/bob/public_html/x")
        ));
        assert!(directory_covers("/", Path::new("/anything")));
    }
}
