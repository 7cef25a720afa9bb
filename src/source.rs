//! Source files, spans and the only door to the disk for reading.
//!
//! Every byte authlint lints enters through a [`Fs`]: [`DiskFs`] for real runs, [`MemFs`] for
//! tests and rule examples. Reads are bounded by a size cap and never open anything but a
//! regular file, so a FIFO, a device or `/dev/zero` cannot hang or exhaust a run.
//! A [`Span`] always carries its [`FileId`], so a label can point into any file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    /// The smallest span covering both (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// What a file is, as discovery or a referencing directive decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileKind {
    Htaccess,
    ApacheConfig,
    NginxConfig,
    Htpasswd,
    Htdigest,
    Htgroup,
}

impl FileKind {
    /// Stable name used in `--list-files` and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::Htaccess => "htaccess",
            FileKind::ApacheConfig => "apache",
            FileKind::NginxConfig => "nginx",
            FileKind::Htpasswd => "htpasswd",
            FileKind::Htdigest => "htdigest",
            FileKind::Htgroup => "htgroup",
        }
    }
    pub fn is_password_file(self) -> bool {
        matches!(
            self,
            FileKind::Htpasswd | FileKind::Htdigest | FileKind::Htgroup
        )
    }
    pub fn is_apache(self) -> bool {
        matches!(self, FileKind::Htaccess | FileKind::ApacheConfig)
    }
}

/// Why a file is part of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Found under (or named as) a linted path.
    Linted,
    /// Reached through an include or a password-file directive, outside the linted paths:
    /// diagnostics show its path and position, never its content.
    Followed,
}

/// One loaded file.
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user named it (or as resolved from a directive).
    pub path: PathBuf,
    pub kind: FileKind,
    pub origin: Origin,
    /// The text; invalid UTF-8 bytes are replaced (an AL004 says so).
    pub text: String,
    line_starts: Vec<u32>,
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the text: it may be a password file or a secret reached by an include.
        f.debug_struct("SourceFile")
            .field("id", &self.id)
            .field("path", &self.path)
            .field("kind", &self.kind)
            .field("origin", &self.origin)
            .field("len", &self.text.len())
            .finish()
    }
}

impl SourceFile {
    pub fn new(
        id: FileId,
        path: PathBuf,
        kind: FileKind,
        origin: Origin,
        text: String,
    ) -> SourceFile {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
            }
        }
        SourceFile {
            id,
            path,
            kind,
            origin,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        let offset = offset.min(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0) as usize;
        let end = (offset as usize).min(self.text.len());
        let col = self
            .text
            .get(start..end)
            .map(|s| s.chars().count())
            .unwrap_or(end - start);
        (line + 1, col + 1)
    }

    /// Whether reporters may show this file's text in snippets.
    pub fn content_shown(&self) -> bool {
        self.origin == Origin::Linted && !self.kind.is_password_file()
    }

    /// The text as reporters may show it: password files have everything after the first
    /// `:` of each line (the whole line when it has none) masked with `*` (same length, so spans still fit); files followed
    /// from outside the linted paths are masked whole.
    pub fn display_text(&self) -> String {
        if self.origin == Origin::Followed {
            return mask_all(&self.text);
        }
        if self.kind.is_password_file() {
            return mask_after_colon(&self.text);
        }
        mask_header_credentials(&self.text)
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Credentials written into a config (`proxy_set_header Authorization "Basic dXNl..."`,
/// `RequestHeader set Authorization "Bearer ..."`): the token after `Basic`/`Bearer` on a
/// line that mentions Authorization is masked, keeping every byte offset.
fn mask_header_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let lower = line.to_ascii_lowercase();
        let Some(at) = lower.find("authorization") else {
            out.push_str(line);
            continue;
        };
        // Byte ranges to mask, then rebuilt char by char.
        let mut ranges = Vec::new();
        for scheme in ["basic ", "bearer "] {
            let mut from = at;
            while let Some(pos) = lower.get(from..).and_then(|l| l.find(scheme)) {
                let start = from + pos + scheme.len();
                let len = line.get(start..).map_or(0, |rest| {
                    rest.find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ';')
                        .unwrap_or(rest.len())
                });
                ranges.push(start..start + len);
                from = start;
            }
        }
        for (i, c) in line.char_indices() {
            if ranges.iter().any(|r| r.contains(&i)) {
                out.push(mask_char(c));
            } else {
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod credential_tests {
    #[test]
    fn authorization_tokens_are_masked_in_configs() {
        let text = "a\n    proxy_set_header Authorization \"Basic YWxpY2U6c2VjcmV0\";\nb Basic x\n";
        let shown = super::mask_header_credentials(text);
        assert_eq!(shown.len(), text.len());
        assert!(!shown.contains("YWxpY2U6c2VjcmV0"), "{shown}");
        assert!(shown.contains("Basic ****************\";"), "{shown}");
        assert!(shown.ends_with("b Basic x\n"), "{shown}");
    }
}

fn mask_all(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '\n' || c == '\r' {
                c
            } else {
                mask_char(c)
            }
        })
        .collect()
}

/// `*` for ASCII, and a same-width run for multi-byte characters so byte offsets hold.
fn mask_char(c: char) -> char {
    if c.is_ascii() {
        '*'
    } else {
        // Keep byte length: replace with a char of the same UTF-8 length.
        match c.len_utf8() {
            2 => '\u{00b7}',
            3 => '\u{2022}',
            _ => '\u{1f512}',
        }
    }
}

fn mask_after_colon(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        match line.find(':') {
            Some(i) => {
                out.push_str(&line[..=i]);
                out.extend(line[i + 1..].chars().map(|c| {
                    if c == '\n' || c == '\r' {
                        c
                    } else {
                        mask_char(c)
                    }
                }));
            }
            // No colon: a malformed line may be a bare hash; mask it whole.
            None => out.extend(line.chars().map(|c| {
                if c == '\n' || c == '\r' {
                    c
                } else {
                    mask_char(c)
                }
            })),
        }
    }
    out
}

/// All files of a run, by id.
#[derive(Default, Debug)]
pub struct SourceMap {
    files: Vec<SourceFile>,
    by_path: BTreeMap<PathBuf, FileId>,
}

impl SourceMap {
    pub fn add(&mut self, path: PathBuf, kind: FileKind, origin: Origin, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.by_path
            .insert(crate::model::paths::absolute(&path), id);
        self.files
            .push(SourceFile::new(id, path, kind, origin, text));
        id
    }
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }
    pub fn by_path(&self, path: &Path) -> Option<FileId> {
        self.by_path
            .get(&crate::model::paths::absolute(path))
            .copied()
    }
    pub fn iter(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter()
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    pub fn path(&self, id: FileId) -> String {
        self.get(id)
            .map(|f| f.path.display().to_string())
            .unwrap_or_default()
    }
}

/// Largest file authlint reads; larger ones are skipped with a note (AL003).
pub const DEFAULT_SIZE_CAP: u64 = 16 * 1024 * 1024;

/// What reading a path gave.
#[derive(Debug)]
pub enum Read {
    /// The bytes, and whether any were not UTF-8 (they were replaced).
    Text { text: String, lossy: bool },
    /// Contains NUL bytes: not a text file.
    Binary,
    /// Larger than the size cap.
    TooLarge { size: u64 },
    /// Not a regular file (FIFO, device, socket, directory).
    NotRegular { what: &'static str },
    /// Could not be read at all.
    Error { reason: String },
}

/// The filesystem as authlint sees it. Disk access goes through here only.
pub trait Fs: Sync {
    /// Read a regular file, bounded by `cap` bytes.
    fn read(&self, path: &Path, cap: u64) -> Read;
    /// Does the path exist (file or directory)?
    fn exists(&self, path: &Path) -> bool;
    fn is_dir(&self, path: &Path) -> bool;
    /// Regular files directly or recursively under `dir`, sorted, bounded by `limit`.
    /// The bool says whether the limit was hit.
    fn files_under(&self, dir: &Path, limit: usize) -> (Vec<PathBuf>, bool);
    /// Expand a glob pattern (fnmatch-style), sorted, bounded by `limit` matches and a walk
    /// budget. The bool says whether a bound was hit.
    fn glob(&self, pattern: &str, limit: usize) -> (Vec<PathBuf>, bool);
    /// Unix permission bits (`st_mode & 0o7777`, symlinks followed) of a file or directory;
    /// `None` when unknown.
    fn mode(&self, _path: &Path) -> Option<u32> {
        None
    }
    /// Owner and group ids (symlinks followed) of a file or directory; `None` when unknown.
    fn owner(&self, _path: &Path) -> Option<(u32, u32)> {
        None
    }
    /// An account of this machine by user and group name, as a server that switches to it
    /// would run: its uid, the group's gid and every group the user is a member of.
    /// `None` when either name is unknown here.
    fn account(&self, _user: &str, _group: &str) -> Option<Ids> {
        None
    }
}

/// The identity a server process runs with after it drops root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ids {
    pub uid: u32,
    pub gid: u32,
    /// Supplementary groups (`initgroups(3)`), the primary group included.
    pub groups: Vec<u32>,
}

/// Decode bytes: NUL means binary; invalid UTF-8 is replaced and flagged.
pub fn decode(bytes: Vec<u8>) -> Read {
    if bytes.contains(&0) {
        return Read::Binary;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Read::Text { text, lossy: false },
        Err(e) => Read::Text {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            lossy: true,
        },
    }
}

/// The real disk.
pub struct DiskFs;

impl Fs for DiskFs {
    fn read(&self, path: &Path, cap: u64) -> Read {
        use std::io::Read as _;
        // Follow symlinks for the type check, then refuse anything not a regular file
        // *before* opening it: opening a FIFO would block.
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                return Read::Error {
                    reason: io_reason(&e),
                }
            }
        };
        if !meta.is_file() {
            return Read::NotRegular {
                what: file_type_name(&meta),
            };
        }
        if meta.len() > cap {
            return Read::TooLarge { size: meta.len() };
        }
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return Read::Error {
                    reason: io_reason(&e),
                }
            }
        };
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        // The file may grow between stat and read: never read past the cap.
        match file.take(cap + 1).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > cap => Read::TooLarge {
                size: bytes.len() as u64,
            },
            Ok(_) => decode(bytes),
            Err(e) => Read::Error {
                reason: io_reason(&e),
            },
        }
    }
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }
    fn files_under(&self, dir: &Path, limit: usize) -> (Vec<PathBuf>, bool) {
        let mut out = Vec::new();
        let mut hit = false;
        for entry in walkdir::WalkDir::new(dir)
            .follow_links(true)
            .max_depth(16)
            .sort_by_file_name()
        {
            let Ok(entry) = entry else { continue };
            if entry.file_type().is_file() {
                if out.len() >= limit {
                    hit = true;
                    break;
                }
                out.push(entry.into_path());
            }
        }
        (out, hit)
    }
    fn mode(&self, path: &Path) -> Option<u32> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o7777)
    }
    fn owner(&self, path: &Path) -> Option<(u32, u32)> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(path).ok().map(|m| (m.uid(), m.gid()))
    }
    fn account(&self, user: &str, group: &str) -> Option<Ids> {
        use nix::unistd::{getgrouplist, Group, User};
        let u = User::from_name(user).ok().flatten()?;
        let g = Group::from_name(group).ok().flatten()?;
        let name = std::ffi::CString::new(user).ok()?;
        let mut groups: Vec<u32> = getgrouplist(&name, g.gid)
            .ok()?
            .into_iter()
            .map(|g| g.as_raw())
            .collect();
        groups.push(g.gid.as_raw());
        Some(Ids {
            uid: u.uid.as_raw(),
            gid: g.gid.as_raw(),
            groups,
        })
    }
    fn glob(&self, pattern: &str, limit: usize) -> (Vec<PathBuf>, bool) {
        glob_walk(pattern, limit, GLOB_VISIT_BUDGET, |dir| {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return Vec::new();
            };
            let mut names: Vec<(String, bool)> = rd
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().into_string().ok()?;
                    let is_dir = e.path().is_dir();
                    Some((name, is_dir))
                })
                .collect();
            names.sort();
            names
        })
    }
}

/// How many directory entries one glob may look at before it gives up.
pub const GLOB_VISIT_BUDGET: usize = 20_000;

/// Expand a glob one path component at a time, visiting at most `budget` directory entries
/// and returning at most `limit` matches. `list` gives a directory's entries (name, is_dir).
/// The pseudo-filesystems `/proc`, `/sys` and `/dev` are never walked by a wildcard.
pub fn glob_walk(
    pattern: &str,
    limit: usize,
    budget: usize,
    list: impl Fn(&Path) -> Vec<(String, bool)>,
) -> (Vec<PathBuf>, bool) {
    let opts = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let absolute = pattern.starts_with('/');
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    let mut frontier: Vec<PathBuf> = vec![if absolute {
        PathBuf::from("/")
    } else {
        PathBuf::from(".")
    }];
    let mut visited = 0usize;
    let mut bounded = false;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let wild = part.contains(['*', '?', '[']);
        let mut next = Vec::new();
        for dir in &frontier {
            if !wild {
                next.push(if dir.as_os_str() == "." && !absolute {
                    PathBuf::from(part)
                } else {
                    dir.join(part)
                });
                continue;
            }
            if is_pseudo_fs(dir) {
                bounded = true;
                continue;
            }
            let Ok(pat) = glob::Pattern::new(part) else {
                continue;
            };
            for (name, is_dir) in list(dir) {
                visited += 1;
                if visited > budget {
                    bounded = true;
                    break;
                }
                if (last || is_dir) && pat.matches_with(&name, opts) {
                    let path = if dir.as_os_str() == "." && !absolute {
                        PathBuf::from(&name)
                    } else {
                        dir.join(&name)
                    };
                    if is_pseudo_fs(&path) {
                        bounded = true;
                        continue;
                    }
                    next.push(path);
                }
            }
            if visited > budget {
                break;
            }
        }
        frontier = next;
        if frontier.len() > limit * 16 {
            frontier.truncate(limit * 16);
            bounded = true;
        }
    }
    frontier.sort();
    if frontier.len() > limit {
        frontier.truncate(limit);
        bounded = true;
    }
    (frontier, bounded)
}

fn is_pseudo_fs(path: &Path) -> bool {
    ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| path == Path::new(p) || path.starts_with(p))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => {
            if e.raw_os_error() == Some(40) {
                "too many levels of symbolic links (a symlink loop?)".to_string()
            } else {
                e.to_string()
            }
        }
    }
}

fn file_type_name(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// An in-memory filesystem for tests and rule examples.
#[derive(Default, Clone)]
pub struct MemFs {
    pub files: BTreeMap<PathBuf, Vec<u8>>,
    /// Permission bits of files and directories; those not listed have none known.
    pub modes: BTreeMap<PathBuf, u32>,
    /// Owner and group ids of files and directories; those not listed have none known.
    pub owners: BTreeMap<PathBuf, (u32, u32)>,
    /// Accounts by `(user, group)` name.
    pub accounts: BTreeMap<(String, String), Ids>,
}

impl MemFs {
    pub fn with(files: &[(&str, &str)]) -> MemFs {
        let mut fs = MemFs::default();
        for (p, t) in files {
            fs.files.insert(PathBuf::from(p), t.as_bytes().to_vec());
        }
        fs
    }
}

impl Fs for MemFs {
    fn read(&self, path: &Path, cap: u64) -> Read {
        match self.files.get(path) {
            Some(b) if b.len() as u64 > cap => Read::TooLarge {
                size: b.len() as u64,
            },
            Some(b) => decode(b.clone()),
            None if self.is_dir(path) => Read::NotRegular {
                what: "a directory",
            },
            None => Read::Error {
                reason: "no such file".into(),
            },
        }
    }
    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path) || self.is_dir(path)
    }
    fn mode(&self, path: &Path) -> Option<u32> {
        self.modes.get(path).copied()
    }
    fn owner(&self, path: &Path) -> Option<(u32, u32)> {
        self.owners.get(path).copied()
    }
    fn account(&self, user: &str, group: &str) -> Option<Ids> {
        self.accounts
            .get(&(user.to_string(), group.to_string()))
            .cloned()
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.files.keys().any(|k| k != path && k.starts_with(path))
    }
    fn files_under(&self, dir: &Path, limit: usize) -> (Vec<PathBuf>, bool) {
        let all: Vec<PathBuf> = self
            .files
            .keys()
            .filter(|k| k.starts_with(dir) && k.as_path() != dir)
            .cloned()
            .collect();
        let hit = all.len() > limit;
        (all.into_iter().take(limit).collect(), hit)
    }
    fn glob(&self, pattern: &str, limit: usize) -> (Vec<PathBuf>, bool) {
        glob_walk(pattern, limit, GLOB_VISIT_BUDGET, |dir| {
            let mut names: Vec<(String, bool)> = Vec::new();
            for k in self.files.keys() {
                let Ok(rest) = k.strip_prefix(dir) else {
                    continue;
                };
                let mut comps = rest.components();
                let Some(first) = comps.next() else { continue };
                let name = first.as_os_str().to_string_lossy().into_owned();
                let is_dir = comps.next().is_some();
                if !names.contains(&(name.clone(), is_dir)) {
                    names.push((name, is_dir));
                }
            }
            names.sort();
            names
        })
    }
}
