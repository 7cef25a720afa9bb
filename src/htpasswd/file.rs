//! Password-file lines, as Apache and nginx read them.
//!
//! [`parse`] splits a `.htpasswd` (`user:hash`), `.htdigest` (`user:realm:digest`) or
//! `.htgroup` (`group: user user`) file at LF, as both servers do, and records per line the
//! fields as the author meant them (a BOM and surrounding blanks removed) plus [`Facts`]
//! about how the line is written: a BOM, blanks around the colon, CRLF, a trailing
//! backslash, a line too long for Apache's buffer... It never judges. Whether a fact makes a
//! server refuse the user depends on the server: [`Line::problems`] lists the ones that
//! matter and [`Problem::affects`] says for which server. [`lookup`] replays each server's
//! own reading loop to find the entry a login would use.
//!
//! Guarantees: no panic on any input; linear time; no type here holds or prints a hash
//! (lines are byte ranges into the text, and `Debug` shows ranges only). The text arrives
//! lossily decoded: a line with replaced bytes carries [`Facts::NON_UTF8`], and byte
//! lengths there are those of the decoded text.

use super::scheme::{classify, Classified, Server};
use crate::source::Ids;
use crate::source::{FileId, Span};
use std::borrow::Cow;
use std::fmt;

/// Which member of the family a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// `user:hash[:comment]`: Apache's mod_authn_file (Basic) and nginx's auth_basic.
    Htpasswd,
    /// `user:realm:md5hex`: Apache's mod_authn_file for Digest.
    Htdigest,
    /// `group: member member`: Apache's mod_authz_groupfile.
    Htgroup,
}

impl Format {
    /// The servers that read this format at all.
    pub fn readers(self) -> &'static [Server] {
        match self {
            Format::Htpasswd => &[Server::Apache, Server::Nginx],
            Format::Htdigest | Format::Htgroup => &[Server::Apache],
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Htpasswd => "htpasswd",
            Format::Htdigest => "htdigest",
            Format::Htgroup => "htgroup",
        }
    }
    /// The longest line (bytes before the LF, a CR included) Apache reads; a longer one
    /// stops its scan. mod_authn_file reads into `MAX_STRING_LEN` (8192) bytes;
    /// mod_authz_groupfile grows its buffer up to 16 MiB.
    pub fn apache_line_limit(self) -> usize {
        match self {
            Format::Htpasswd | Format::Htdigest => 8190,
            Format::Htgroup => 16 * 1024 * 1024 - 2,
        }
    }
}

/// A byte range in the file text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Range {
    pub start: u32,
    pub end: u32,
}

impl Range {
    fn new(start: usize, end: usize) -> Range {
        let c = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Range {
            start: c(start),
            end: c(end.max(start)),
        }
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
    /// The text in this range ("" when out of bounds or not on a char boundary).
    pub fn slice(self, text: &str) -> &str {
        text.get(self.start as usize..self.end as usize)
            .unwrap_or("")
    }
    fn bytes(self, text: &str) -> &[u8] {
        text.as_bytes()
            .get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }
    pub fn span(self, file: FileId) -> Span {
        Span::new(file, self.start as usize, self.end as usize)
    }
}

/// How a line is written. A set of flags; see each constant.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Facts(u32);

impl Facts {
    /// Starts with a UTF-8 byte order mark (U+FEFF). Neither server strips it on Unix, so
    /// it becomes part of the first field.
    pub const BOM: Facts = Facts(1);
    /// Ends with CR before the LF. Apache trims it; nginx ends the password at a CR.
    pub const CRLF: Facts = Facts(1 << 1);
    /// A CR inside the line (old Mac line endings): both servers read up to the next LF.
    pub const MID_CR: Facts = Facts(1 << 2);
    /// Blanks before the first field: Apache trims them, nginx keeps them in the name.
    pub const LEADING_SPACE: Facts = Facts(1 << 3);
    /// Blanks after the password that nginx keeps in it (Apache trims them).
    pub const TRAILING_SPACE: Facts = Facts(1 << 4);
    /// Blanks between the name and the colon: part of the name.
    pub const SPACE_BEFORE_COLON: Facts = Facts(1 << 5);
    /// Blanks between the colon and the hash: part of the hash.
    pub const SPACE_AFTER_COLON: Facts = Facts(1 << 6);
    /// Blanks inside the hash field (an inline `# comment`?): part of the hash.
    pub const SPACE_IN_HASH: Facts = Facts(1 << 7);
    /// No colon at all.
    pub const NO_COLON: Facts = Facts(1 << 8);
    /// Nothing before the colon.
    pub const EMPTY_USER: Facts = Facts(1 << 9);
    /// Nothing where the hash (or digest) should be.
    pub const EMPTY_HASH: Facts = Facts(1 << 10);
    /// Two colons in a row (`user::hash`). Apache skips repeated colons; nginx reads an
    /// empty password; in an htdigest file the fields shift.
    pub const EMPTY_FIELD: Facts = Facts(1 << 11);
    /// An htdigest line with fewer than three fields.
    pub const MISSING_FIELD: Facts = Facts(1 << 12);
    /// Ends with a backslash: Apache joins the next line onto this one.
    pub const CONTINUED: Facts = Facts(1 << 13);
    /// Apache reads this line as the tail of the continued line above.
    pub const JOINED: Facts = Facts(1 << 14);
    /// Longer than Apache's line buffer: its scan of the file stops here.
    pub const TOO_LONG: Facts = Facts(1 << 15);
    /// After a line too long for Apache: Apache never reads it.
    pub const AFTER_TOO_LONG: Facts = Facts(1 << 16);
    /// nginx skips this line when its user logs in: the line above has no colon and is a
    /// prefix of this user's name, which leaves nginx's scanner skipping one more line.
    pub const SWALLOWED: Facts = Facts(1 << 17);
    /// Holds bytes that were not UTF-8 (replaced with U+FFFD before parsing).
    pub const NON_UTF8: Facts = Facts(1 << 18);
    /// Has a field after the hash (`user:hash:comment`): both servers ignore it.
    pub const EXTRA_FIELD: Facts = Facts(1 << 19);

    const NAMES: [&'static str; 20] = [
        "BOM",
        "CRLF",
        "MID_CR",
        "LEADING_SPACE",
        "TRAILING_SPACE",
        "SPACE_BEFORE_COLON",
        "SPACE_AFTER_COLON",
        "SPACE_IN_HASH",
        "NO_COLON",
        "EMPTY_USER",
        "EMPTY_HASH",
        "EMPTY_FIELD",
        "MISSING_FIELD",
        "CONTINUED",
        "JOINED",
        "TOO_LONG",
        "AFTER_TOO_LONG",
        "SWALLOWED",
        "NON_UTF8",
        "EXTRA_FIELD",
    ];

    pub fn contains(self, other: Facts) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    fn set(&mut self, other: Facts) {
        self.0 |= other.0;
    }
}

impl std::ops::BitOr for Facts {
    type Output = Facts;
    fn bitor(self, rhs: Facts) -> Facts {
        Facts(self.0 | rhs.0)
    }
}

impl fmt::Debug for Facts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Facts::NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect();
        write!(f, "Facts({})", names.join(" | "))
    }
}

/// What the author wrote on a line, read without any server's quirks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// Empty or blanks only (a BOM alone counts as blank).
    Blank,
    /// The first character after blanks is `#`.
    Comment,
    /// Has a colon: a user (or group) definition.
    Entry,
    /// Text without any colon.
    NoColon,
}

/// One line of a password file (split at LF). Ranges only: no text, no hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// 1-based.
    pub number: u32,
    /// The line without its LF (a CR before the LF is included).
    pub range: Range,
    pub kind: LineKind,
    pub facts: Facts,
    /// The name as meant: user (htpasswd, htdigest) or group (htgroup), without BOM and
    /// surrounding blanks. For a `NoColon` line, the whole trimmed text.
    pub user: Range,
    /// htdigest: the realm, exactly as written between the first two colons.
    pub realm: Range,
    /// htpasswd and htdigest: the hash or digest as meant (blanks around it removed, cut at
    /// the first blank). htgroup: the member list.
    pub hash: Range,
}

/// A parsed password file: its lines, the scheme of each htpasswd hash, and who may read
/// or write it.
#[derive(Clone, Debug)]
pub struct PasswordFile {
    pub file: FileId,
    pub format: Format,
    pub lines: Vec<Line>,
    /// htpasswd: [`classify`] of each entry's hash as meant ([`Line::hash`]), by line index;
    /// `None` for other lines and formats.
    pub hashes: Vec<Option<Classified>>,
    /// Unix permission bits, when the file system has them.
    pub access: Option<Access>,
}

impl PasswordFile {
    /// Parse `text` (the file `file`) and classify its hashes.
    pub fn parse(file: FileId, text: &str, format: Format) -> PasswordFile {
        let lines = parse(text, format);
        let hashes = if format == Format::Htpasswd {
            lines
                .iter()
                .map(|l| {
                    (l.kind == LineKind::Entry && !l.hash.is_empty())
                        .then(|| classify(l.hash.slice(text)))
                })
                .collect()
        } else {
            Vec::new()
        };
        PasswordFile {
            file,
            format,
            lines,
            hashes,
            access: None,
        }
    }

    /// The classification of line `index`'s hash, if it has one.
    pub fn hash_of(&self, index: usize) -> Option<&Classified> {
        self.hashes.get(index).and_then(Option::as_ref)
    }
}

/// Unix permission bits and owners of a password file and of the directories above it
/// (nearest first, up to the linted path it lies under).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Access {
    pub mode: u32,
    /// `(uid, gid)` of the file, when known.
    pub owner: Option<(u32, u32)>,
    pub dirs: Vec<DirAccess>,
}

/// One directory on the way to a password file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirAccess {
    pub path: std::path::PathBuf,
    pub mode: u32,
    pub owner: Option<(u32, u32)>,
}

/// Where an account is stopped on its way to reading a password file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// The file's mode gives the account's class no read bit.
    File { mode: u32 },
    /// A directory gives the account's class no search (x) bit.
    Directory { path: std::path::PathBuf, mode: u32 },
}

/// The permission bits (`rwx`, low three bits) that apply to `ids` on an object with
/// `mode` and `owner`, as the kernel picks them: owner class, else group class (primary or
/// supplementary group), else others. `None` when the owner is unknown.
fn class_bits(mode: u32, owner: Option<(u32, u32)>, ids: &Ids) -> Option<u32> {
    let (uid, gid) = owner?;
    Some(if uid == ids.uid {
        (mode >> 6) & 7
    } else if ids.groups.contains(&gid) || gid == ids.gid {
        (mode >> 3) & 7
    } else {
        mode & 7
    })
}

impl Access {
    /// Every local account can read the file: it is world-readable and each directory
    /// on the way is world-searchable.
    pub fn others_can_read(&self) -> bool {
        self.mode & 0o004 != 0 && self.dirs.iter().all(|d| d.mode & 0o001 != 0)
    }
    /// Every local account can change the file: it is world-writable (and reachable), or
    /// its directory is world-writable without the sticky bit, so it can be replaced.
    pub fn others_can_write(&self) -> Option<Writable> {
        let reachable = self.dirs.iter().all(|d| d.mode & 0o001 != 0);
        if self.mode & 0o002 != 0 && reachable {
            return Some(Writable::File);
        }
        match self.dirs.first() {
            Some(d) if d.mode & 0o002 != 0 && d.mode & 0o1000 == 0 && reachable => {
                Some(Writable::Directory(d.path.clone()))
            }
            _ => None,
        }
    }
    /// What stops an account from reading the file by mode bits, the directory furthest
    /// up first (the first one `open(2)` would fail on). `None` when it can read it, when
    /// it is root, or when an owner on the way is unknown (no guess). ACLs are not read.
    pub fn blocked_for(&self, ids: &Ids) -> Option<Blocked> {
        if ids.uid == 0 {
            return None;
        }
        let mut first = None;
        for d in self.dirs.iter().rev() {
            let bits = class_bits(d.mode, d.owner, ids)?;
            if bits & 1 == 0 && first.is_none() {
                first = Some(Blocked::Directory {
                    path: d.path.clone(),
                    mode: d.mode,
                });
            }
        }
        let bits = class_bits(self.mode, self.owner, ids)?;
        match first {
            Some(b) => Some(b),
            None if bits & 4 == 0 => Some(Blocked::File { mode: self.mode }),
            None => None,
        }
    }
}

/// How others can change a password file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writable {
    /// The file itself is world-writable.
    File,
    /// Its directory is world-writable without the sticky bit: the file can be replaced.
    Directory(std::path::PathBuf),
}

/// Apache's `apr_isspace`: space, \t, \n, \v, \f, \r.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

const BOM: &[u8] = "\u{feff}".as_bytes();
const REPLACEMENT: &[u8] = "\u{fffd}".as_bytes();

/// First `needle` in `hay[from..to]`, as an index into `hay`. Eight bytes at a time: this
/// is the hot loop of parsing.
fn find(hay: &[u8], from: usize, to: usize, needle: u8) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let h = hay.get(from..to)?;
    let pattern = LO * u64::from(needle);
    let mut chunks = h.chunks_exact(8);
    let mut i = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word) ^ pattern;
        if w.wrapping_sub(LO) & !w & HI != 0 {
            break;
        }
        i += 8;
    }
    h[i..]
        .iter()
        .position(|&c| c == needle)
        .map(|p| from + i + p)
}

fn contains_seq(hay: &[u8], needle: &[u8]) -> bool {
    // Only called on lines holding a 0xEF byte: rare.
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Parse a whole file. Lines are numbered from 1; a final line without LF counts.
pub fn parse(text: &str, format: Format) -> Vec<Line> {
    let b = text.as_bytes();
    let mut lines = Vec::with_capacity(b.len() / 48 + 1);
    let mut start = 0usize;
    let mut number = 0u32;
    while start < b.len() {
        let (end, next) = match find(b, start, b.len(), b'\n') {
            Some(nl) => (nl, nl + 1),
            None => (b.len(), b.len()),
        };
        number = number.saturating_add(1);
        lines.push(parse_line(b, start, end, number, format));
        start = next;
    }
    apache_pass(&mut lines, b, format);
    if format == Format::Htpasswd {
        nginx_pass(&mut lines, b);
    }
    lines
}

fn parse_line(b: &[u8], start: usize, end: usize, number: u32, format: Format) -> Line {
    let l = &b[start..end];
    let at = |i: usize| start + i;
    let mut facts = Facts::default();
    let mut ce = l.len();
    if ce > 0 && l[ce - 1] == b'\r' {
        facts.set(Facts::CRLF);
        ce -= 1;
    }
    let mut p0 = 0;
    if l.starts_with(BOM) {
        facts.set(Facts::BOM);
        p0 = BOM.len();
    }
    if l.contains(&0xEF) && contains_seq(l, REPLACEMENT) {
        facts.set(Facts::NON_UTF8);
    }
    let mut s = p0;
    while s < ce && is_space(l[s]) {
        s += 1;
    }
    let mut e = ce;
    while e > s && is_space(l[e - 1]) {
        e -= 1;
    }
    let mut line = Line {
        number,
        range: Range::new(start, end),
        kind: LineKind::Blank,
        facts,
        user: Range::new(at(s), at(s)),
        realm: Range::new(at(s), at(s)),
        hash: Range::new(at(s), at(s)),
    };
    if s == e {
        return line;
    }
    if s > p0 {
        line.facts.set(Facts::LEADING_SPACE);
    }
    if find(l, s, e, b'\r').is_some() {
        line.facts.set(Facts::MID_CR);
    }
    if l[s] == b'#' {
        line.kind = LineKind::Comment;
        return line;
    }
    let Some(c1) = find(l, s, e, b':') else {
        line.kind = LineKind::NoColon;
        line.facts.set(Facts::NO_COLON);
        line.user = Range::new(at(s), at(e));
        return line;
    };
    line.kind = LineKind::Entry;
    let mut ue = c1;
    while ue > s && is_space(l[ue - 1]) {
        ue -= 1;
    }
    line.user = Range::new(at(s), at(ue));
    if ue == s {
        line.facts.set(Facts::EMPTY_USER);
    }
    match format {
        Format::Htgroup => {
            // Apache trims blanks after a group name; members follow any run of colons.
            let mut m = c1;
            while m < e && l[m] == b':' {
                m += 1;
            }
            while m < e && is_space(l[m]) {
                m += 1;
            }
            line.hash = Range::new(at(m), at(e));
        }
        Format::Htpasswd => {
            if ue < c1 {
                line.facts.set(Facts::SPACE_BEFORE_COLON);
            }
            let mut q = c1 + 1;
            if q < e && l[q] == b':' {
                line.facts.set(Facts::EMPTY_FIELD);
                while q < e && l[q] == b':' {
                    q += 1;
                }
            }
            let (hash, field_end) = hash_field(l, q, e, &mut line.facts);
            line.hash = Range::new(at(hash.0), at(hash.1));
            if field_end < e {
                line.facts.set(Facts::EXTRA_FIELD);
            } else {
                // nginx's password runs to the first CR (or LF): blanks before it stay.
                let nginx_end = find(l, e, l.len(), b'\r').unwrap_or(l.len());
                if nginx_end > e {
                    line.facts.set(Facts::TRAILING_SPACE);
                }
            }
        }
        Format::Htdigest => {
            if ue < c1 {
                line.facts.set(Facts::SPACE_BEFORE_COLON);
            }
            let r = c1 + 1;
            let Some(c2) = find(l, r, e, b':') else {
                line.facts.set(Facts::MISSING_FIELD);
                line.realm = Range::new(at(r), at(e));
                line.hash = Range::new(at(e), at(e));
                return line;
            };
            line.realm = Range::new(at(r), at(c2));
            let mut q = c2 + 1;
            if c2 == r || (q < e && l[q] == b':') {
                line.facts.set(Facts::EMPTY_FIELD);
            }
            while q < e && l[q] == b':' {
                q += 1;
            }
            let (hash, field_end) = hash_field(l, q, e, &mut line.facts);
            line.hash = Range::new(at(hash.0), at(hash.1));
            if field_end < e {
                line.facts.set(Facts::EXTRA_FIELD);
            }
        }
    }
    line
}

/// The hash field from `q` to the next colon (or `e`): returns the meant hash (blanks
/// around removed, cut at the first blank) and where the field ends.
fn hash_field(l: &[u8], q: usize, e: usize, facts: &mut Facts) -> ((usize, usize), usize) {
    let mut hs = q;
    while hs < e && is_space(l[hs]) {
        hs += 1;
    }
    if hs > q {
        facts.set(Facts::SPACE_AFTER_COLON);
    }
    let fe = find(l, hs, e, b':').unwrap_or(e);
    let he = l[hs..fe]
        .iter()
        .position(|&c| is_space(c))
        .map_or(fe, |i| hs + i);
    if he < fe {
        facts.set(Facts::SPACE_IN_HASH);
    }
    if he == hs {
        facts.set(Facts::EMPTY_HASH);
    }
    ((hs, he), fe)
}

/// Apache's `ap_cfg_getline`: a backslash before the LF continues the line, and a logical
/// line longer than the buffer stops the scan.
fn apache_pass(lines: &mut [Line], b: &[u8], format: Format) {
    let limit = format.apache_line_limit();
    let mut logical = 0usize;
    let mut stopped = false;
    for i in 0..lines.len() {
        if stopped {
            lines[i].facts.set(Facts::AFTER_TOO_LONG);
            continue;
        }
        let r = lines[i].range;
        let len = r.len();
        if logical + len > limit {
            lines[i].facts.set(Facts::TOO_LONG);
            stopped = true;
            continue;
        }
        let has_lf = b.get(r.end as usize) == Some(&b'\n');
        let content = &b[r.start as usize..r.end as usize];
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        if has_lf && content.last() == Some(&b'\\') {
            lines[i].facts.set(Facts::CONTINUED);
            if let Some(next) = lines.get_mut(i + 1) {
                next.facts.set(Facts::JOINED);
            }
            logical += content.len() - 1;
        } else {
            logical = 0;
        }
    }
}

/// nginx's scanner: a line without a colon that is a prefix of the name being looked up
/// ends its comparison on the LF itself, so the skip runs through the next line. In a run of
/// such lines, the first is compared and eats the second, the third eats the fourth...: a
/// line is swallowed when an odd number of prefix lines stand right above it.
fn nginx_pass(lines: &mut [Line], b: &[u8]) {
    let prefix_line = |r: Range| -> Option<&[u8]> {
        let p = &b[r.start as usize..r.end as usize];
        // nginx skips a line at its first byte only for `#` and CR; after that every
        // byte, CR included, is compared with the name.
        let eligible = !p.is_empty() && p[0] != b'#' && p[0] != b'\r' && !p.contains(&b':');
        eligible.then_some(p)
    };
    for i in 1..lines.len() {
        if prefix_line(lines[i - 1].range).is_none() {
            continue;
        }
        let r = lines[i].range;
        let Some(colon) = find(b, r.start as usize, r.end as usize, b':') else {
            continue;
        };
        let key = &b[r.start as usize..colon];
        let mut run = 0usize;
        let mut j = i;
        while j > 0 {
            match prefix_line(lines[j - 1].range) {
                Some(p) if key.starts_with(p) => run += 1,
                _ => break,
            }
            j -= 1;
        }
        if run % 2 == 1 {
            lines[i].facts.set(Facts::SWALLOWED);
        }
    }
}

/// Why a server misreads a line, so that the user it names is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// A UTF-8 BOM before the name.
    Bom,
    /// Blanks before the name (nginx only).
    LeadingSpace,
    /// Blanks between the name and the colon.
    SpaceBeforeColon,
    /// Blanks between the colon and the hash.
    SpaceAfterColon,
    /// Blanks after the hash (nginx only).
    TrailingSpace,
    /// Blanks inside the hash field.
    SpaceInHash,
    /// No colon.
    NoColon,
    /// Nothing before the colon.
    EmptyUser,
    /// Nothing where the hash should be.
    EmptyHash,
    /// Two colons in a row.
    EmptyField,
    /// htdigest: fewer than three fields.
    MissingField,
    /// A backslash at the end (Apache joins the next line).
    Continued,
    /// Longer than Apache's line buffer.
    TooLong,
    /// A CR inside the line.
    MidCr,
    /// Skipped by nginx after a colon-less line that prefixes this user.
    Swallowed,
}

impl Problem {
    /// Does this make `server` refuse the user, for a file of this format?
    pub fn affects(self, format: Format, server: Server) -> bool {
        if !format.readers().contains(&server) {
            return false;
        }
        let apache = server == Server::Apache;
        match self {
            Problem::Bom
            | Problem::SpaceBeforeColon
            | Problem::SpaceAfterColon
            | Problem::SpaceInHash
            | Problem::NoColon
            | Problem::EmptyUser
            | Problem::EmptyHash
            | Problem::MissingField
            | Problem::MidCr => true,
            Problem::LeadingSpace | Problem::TrailingSpace | Problem::Swallowed => !apache,
            Problem::EmptyField => match format {
                Format::Htpasswd => !apache,
                Format::Htdigest => apache,
                Format::Htgroup => false,
            },
            Problem::Continued | Problem::TooLong => apache,
        }
    }

    /// What is written, in a few words (never the hash).
    pub fn cause(self, format: Format) -> &'static str {
        match (self, format) {
            (Problem::Bom, _) => "the line starts with a UTF-8 byte order mark, which becomes part of the name",
            (Problem::LeadingSpace, _) => "blanks before the name are part of it for nginx",
            (Problem::SpaceBeforeColon, _) => "blanks before the colon are part of the name",
            (Problem::SpaceAfterColon, Format::Htdigest) => "blanks after the colon are part of the digest",
            (Problem::SpaceAfterColon, _) => "blanks after the colon are part of the hash",
            (Problem::TrailingSpace, _) => "nginx keeps the blanks after the hash as part of it",
            (Problem::SpaceInHash, Format::Htdigest) => "blanks inside the digest field are part of it (no inline comments)",
            (Problem::SpaceInHash, _) => "blanks inside the hash field are part of it (no inline comments)",
            (Problem::NoColon, Format::Htgroup) => "no colon: the line defines a group with no members",
            (Problem::NoColon, Format::Htdigest) => "no colon: expected `user:realm:digest`",
            (Problem::NoColon, _) => "no colon: expected `user:hash`",
            (Problem::EmptyUser, Format::Htgroup) => "empty group name",
            (Problem::EmptyUser, _) => "empty user name",
            (Problem::EmptyHash, Format::Htdigest) => "empty digest",
            (Problem::EmptyHash, _) => "empty hash: no password can match it",
            (Problem::EmptyField, Format::Htdigest) => "two colons in a row: Apache skips repeated colons, so realm and digest shift",
            (Problem::EmptyField, _) => "two colons in a row: nginx reads an empty hash",
            (Problem::MissingField, _) => "fewer than three fields: expected `user:realm:digest`",
            (Problem::Continued, _) => "a backslash at the end makes Apache join the next line onto this one",
            (Problem::TooLong, _) => "the line is longer than Apache's line buffer, so Apache stops reading the file here",
            (Problem::MidCr, _) => "a carriage return inside the line (old Mac line endings?): the servers read up to the next LF as one line",
            (Problem::Swallowed, _) => "the line above has no colon and is a prefix of this name, so nginx skips this line when the user logs in",
        }
    }

    /// A few words for the label on the range at fault.
    pub fn label(self) -> &'static str {
        match self {
            Problem::Bom => "byte order mark",
            Problem::LeadingSpace => "blanks before the name",
            Problem::SpaceBeforeColon => "blank before the colon",
            Problem::SpaceAfterColon => "blank after the colon",
            Problem::TrailingSpace => "blanks after the hash",
            Problem::SpaceInHash => "blank inside the field",
            Problem::NoColon => "no colon on this line",
            Problem::EmptyUser => "no name before the colon",
            Problem::EmptyHash => "nothing after the colon",
            Problem::EmptyField => "empty field",
            Problem::MissingField => "fields missing",
            Problem::Continued => "line continues onto the next",
            Problem::TooLong => "longer than Apache's line buffer",
            Problem::MidCr => "carriage return",
            Problem::Swallowed => "skipped by nginx",
        }
    }

    /// The remedy.
    pub fn help(self, format: Format) -> &'static str {
        match (self, format) {
            (Problem::Bom, _) => "save the file as UTF-8 without a byte order mark (`sed -i '1s/^\\xEF\\xBB\\xBF//' FILE`)",
            (Problem::LeadingSpace | Problem::SpaceBeforeColon | Problem::SpaceAfterColon | Problem::TrailingSpace | Problem::SpaceInHash, Format::Htdigest) => {
                "remove the blanks: `user:realm:digest`, nothing around the colons or after the digest"
            }
            (Problem::LeadingSpace | Problem::SpaceBeforeColon | Problem::SpaceAfterColon | Problem::TrailingSpace | Problem::SpaceInHash, _) => {
                "remove the blanks: `user:hash`, nothing around the colon or after the hash (comments go on their own `#` line)"
            }
            (Problem::NoColon, Format::Htgroup) => "write `group: user1 user2`",
            (Problem::NoColon, Format::Htdigest) => "write `user:realm:digest` (`htdigest FILE REALM USER` creates it)",
            (Problem::NoColon, _) => "write `user:hash` (`htpasswd -B FILE USER` creates it), or make it a `#` comment",
            (Problem::EmptyUser, _) => "put the name before the colon, or remove the line",
            (Problem::EmptyHash, Format::Htdigest) => "set a password: `htdigest FILE REALM USER`",
            (Problem::EmptyHash, _) => "set a password: `htpasswd -B FILE USER`",
            (Problem::EmptyField | Problem::MissingField, Format::Htdigest) => "write `user:realm:digest` with one colon between fields (`htdigest FILE REALM USER`)",
            (Problem::EmptyField | Problem::MissingField, _) => "use one colon between the user and the hash",
            (Problem::Continued, _) => "remove the backslash at the end of the line",
            (Problem::TooLong, _) => "shorten or remove the line: Apache reads at most 8190 bytes per line",
            (Problem::MidCr, _) => "convert the line endings to LF (`tr '\\r' '\\n' < FILE`)",
            (Problem::Swallowed, _) => "remove the line above (it has no colon) or make it a `#` comment",
        }
    }
}

impl Line {
    /// Every problem on this line with the range at fault, whichever server it affects.
    /// Blank and comment lines have none, except a too-long line or a backslash that
    /// swallows the next line. A line joined onto a continued one has none of its own: the
    /// backslash above is the problem.
    pub fn problems(&self, text: &str, format: Format) -> Vec<(Problem, Range)> {
        let mut out = Vec::new();
        let f = self.facts;
        let b = text.as_bytes();
        let (start, end) = (self.range.start as usize, self.range.end as usize);
        if f.contains(Facts::TOO_LONG) {
            out.push((Problem::TooLong, self.range));
            return out;
        }
        if f.contains(Facts::AFTER_TOO_LONG) {
            return out;
        }
        if f.contains(Facts::CONTINUED) {
            let mut bs = end;
            if f.contains(Facts::CRLF) {
                bs = bs.saturating_sub(1);
            }
            out.push((Problem::Continued, Range::new(bs.saturating_sub(1), bs)));
        }
        if matches!(self.kind, LineKind::Blank | LineKind::Comment) {
            return out;
        }
        if f.contains(Facts::SWALLOWED) {
            out.push((Problem::Swallowed, self.user));
        }
        if f.contains(Facts::BOM) {
            out.push((Problem::Bom, Range::new(start, start + BOM.len())));
        }
        if f.contains(Facts::MID_CR) {
            let cr = find(b, self.user.start as usize, end, b'\r').unwrap_or(start);
            out.push((Problem::MidCr, Range::new(cr, cr + 1)));
        }
        if self.kind == LineKind::NoColon {
            out.push((Problem::NoColon, self.user));
            return out;
        }
        if f.contains(Facts::LEADING_SPACE) && format == Format::Htpasswd {
            let s = start + if f.contains(Facts::BOM) { BOM.len() } else { 0 };
            out.push((
                Problem::LeadingSpace,
                Range::new(s, self.user.start as usize),
            ));
        }
        let colon = find(b, self.user.end as usize, end, b':').unwrap_or(self.user.end as usize);
        if f.contains(Facts::EMPTY_USER) {
            out.push((Problem::EmptyUser, Range::new(colon, colon + 1)));
        }
        if f.contains(Facts::SPACE_BEFORE_COLON) {
            out.push((
                Problem::SpaceBeforeColon,
                Range::new(self.user.end as usize, colon),
            ));
        }
        if format == Format::Htgroup {
            return out;
        }
        if f.contains(Facts::EMPTY_FIELD) {
            let at = if format == Format::Htdigest {
                self.realm.end as usize
            } else {
                colon
            };
            let run_end = b[at..end]
                .iter()
                .position(|&c| c != b':')
                .map_or(end, |i| at + i);
            out.push((Problem::EmptyField, Range::new(at, run_end.max(at + 1))));
        }
        if f.contains(Facts::MISSING_FIELD) {
            out.push((Problem::MissingField, Range::new(colon, end)));
            return out;
        }
        let field_start = if format == Format::Htdigest {
            self.realm.end as usize + 1
        } else {
            colon + 1
        };
        if f.contains(Facts::SPACE_AFTER_COLON) {
            let q = b[field_start.min(end)..end]
                .iter()
                .position(|&c| c != b':')
                .map_or(end, |i| field_start + i);
            out.push((
                Problem::SpaceAfterColon,
                Range::new(q, (self.hash.start as usize).max(q)),
            ));
        }
        if f.contains(Facts::EMPTY_HASH) {
            let at = self.hash.start as usize;
            out.push((Problem::EmptyHash, Range::new(at.saturating_sub(1), at)));
        } else if f.contains(Facts::SPACE_IN_HASH) {
            let he = self.hash.end as usize;
            let fe = find(b, he, end, b':').unwrap_or(end);
            let mut ws = he;
            while ws < fe && is_space(b[ws]) {
                ws += 1;
            }
            out.push((Problem::SpaceInHash, Range::new(he, ws.max(he + 1).min(fe))));
        }
        if f.contains(Facts::TRAILING_SPACE) {
            let he = self.hash.end as usize;
            let cr = find(b, he, end, b'\r').unwrap_or(end);
            out.push((Problem::TrailingSpace, Range::new(he, cr)));
        }
        out
    }
}

/// What a server finds for a user name.
#[derive(Clone, PartialEq, Eq)]
pub enum Lookup<'t> {
    /// The entry the server uses: its line (1-based; the first physical line of a joined
    /// line) and the hash exactly as the server reads it.
    Found { line: u32, hash: Cow<'t, str> },
    /// No line gives this user.
    NotFound,
}

impl fmt::Debug for Lookup<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lookup::Found { line, hash } => f
                .debug_struct("Found")
                .field("line", line)
                .field("hash", &format_args!("<{} bytes redacted>", hash.len()))
                .finish(),
            Lookup::NotFound => f.write_str("NotFound"),
        }
    }
}

/// Find `user` in an htpasswd file as `server` does: Apache's `check_password` loop over
/// `ap_cfg_getline`, or nginx's `ngx_http_auth_basic_handler` scanner. The first entry
/// wins on both.
pub fn lookup<'t>(text: &'t str, server: Server, user: &str) -> Lookup<'t> {
    match server {
        Server::Apache => lookup_apache(text, user),
        Server::Nginx => lookup_nginx(text, user),
    }
}

fn lookup_apache<'t>(text: &'t str, user: &str) -> Lookup<'t> {
    let b = text.as_bytes();
    let limit = Format::Htpasswd.apache_line_limit();
    let mut start = 0usize;
    let mut number = 0u32;
    let mut joined: Vec<u8> = Vec::new();
    while start < b.len() {
        // One logical line: physical lines joined at a backslash before the LF.
        let first_number = number + 1;
        let first_start = start;
        let mut single = true;
        joined.clear();
        let mut total = 0usize;
        let line_end;
        loop {
            number = number.saturating_add(1);
            let (end, has_lf) = match find(b, start, b.len(), b'\n') {
                Some(nl) => (nl, true),
                None => (b.len(), false),
            };
            let piece = &b[start..end];
            if total + piece.len() > limit {
                return Lookup::NotFound; // APR_ENOSPC ends the loop
            }
            start = if has_lf { end + 1 } else { end };
            let content = piece.strip_suffix(b"\r").unwrap_or(piece);
            if has_lf && content.last() == Some(&b'\\') {
                single = false;
                joined.extend_from_slice(&content[..content.len() - 1]);
                total += content.len() - 1;
                if start >= b.len() {
                    line_end = end;
                    break;
                }
                continue;
            }
            if !single {
                joined.extend_from_slice(piece);
            }
            line_end = end;
            break;
        }
        let logical: &[u8] = if single {
            &b[first_start..line_end]
        } else {
            &joined
        };
        let mut s = 0;
        while s < logical.len() && is_space(logical[s]) {
            s += 1;
        }
        let mut e = logical.len();
        while e > s && is_space(logical[e - 1]) {
            e -= 1;
        }
        let l = &logical[s..e];
        if l.is_empty() || l[0] == b'#' {
            continue;
        }
        let (w, rest) = getword(l, b':');
        if w != user.as_bytes() {
            continue;
        }
        let (pw, _) = getword(rest, b':');
        let hash = if single {
            // `pw` borrows from `b`: find its offset to borrow from the text.
            let off = pw.as_ptr() as usize - b.as_ptr() as usize;
            text.get(off..off + pw.len())
                .map(Cow::Borrowed)
                .unwrap_or_else(|| Cow::Owned(String::from_utf8_lossy(pw).into_owned()))
        } else {
            Cow::Owned(String::from_utf8_lossy(pw).into_owned())
        };
        return Lookup::Found {
            line: first_number,
            hash,
        };
    }
    Lookup::NotFound
}

/// Apache's `ap_getword`: up to `stop`, then past every `stop` in a row.
fn getword(l: &[u8], stop: u8) -> (&[u8], &[u8]) {
    let end = l.iter().position(|&c| c == stop).unwrap_or(l.len());
    let mut rest = end;
    while rest < l.len() && l[rest] == stop {
        rest += 1;
    }
    (&l[..end], &l[rest..])
}

fn lookup_nginx<'t>(text: &'t str, user: &str) -> Lookup<'t> {
    #[derive(PartialEq)]
    enum State {
        Login,
        Passwd,
        Skip,
    }
    let b = text.as_bytes();
    let u = user.as_bytes();
    if u.is_empty() {
        return Lookup::NotFound; // nginx declines an empty user before reading the file
    }
    let mut state = State::Login;
    let mut login = 0usize;
    let mut passwd = 0usize;
    let mut number = 1u32;
    let mut passwd_line = 1u32;
    for (i, &c) in b.iter().enumerate() {
        match state {
            State::Login => {
                if login == 0 {
                    if c == b'#' || c == b'\r' {
                        state = State::Skip;
                        continue;
                    }
                    if c == b'\n' {
                        number += 1;
                        continue;
                    }
                }
                // The decoded credentials are `user:password`: one past the name is `:`.
                let expect = u.get(login).copied().unwrap_or(b':');
                if c != expect {
                    state = State::Skip;
                    // The LF that ends the comparison is consumed here, not by Skip.
                    if c == b'\n' {
                        number += 1;
                    }
                    continue;
                }
                if login == u.len() {
                    state = State::Passwd;
                    passwd = i + 1;
                    passwd_line = number;
                }
                login += 1;
            }
            State::Passwd => {
                if c == b'\n' || c == b'\r' || c == b':' {
                    return found(text, passwd, i, passwd_line);
                }
            }
            State::Skip => {
                if c == b'\n' {
                    number += 1;
                    state = State::Login;
                    login = 0;
                }
            }
        }
    }
    if state == State::Passwd {
        return found(text, passwd, b.len(), passwd_line);
    }
    Lookup::NotFound
}

fn found(text: &str, start: usize, end: usize, line: u32) -> Lookup<'_> {
    let hash = match text.get(start..end) {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(
            String::from_utf8_lossy(text.as_bytes().get(start..end).unwrap_or(&[])).into_owned(),
        ),
    };
    Lookup::Found { line, hash }
}

/// The name a server matches a login against on this line, read the server's way: Apache
/// takes the trimmed line's first field (a line without a colon defines that name with an
/// empty password); nginx the raw bytes from the start of the line up to a colon. `None`
/// when the server never matches a login on this line. A name that a backslash splits
/// across two lines is not tracked.
pub fn server_user<'t>(line: &Line, text: &'t str, server: Server) -> Option<&'t [u8]> {
    let f = line.facts;
    let b = line.range.bytes(text);
    match server {
        Server::Apache => {
            if f.contains(Facts::JOINED)
                || f.contains(Facts::TOO_LONG)
                || f.contains(Facts::AFTER_TOO_LONG)
            {
                return None;
            }
            let s = b.iter().position(|&c| !is_space(c))?;
            let rest = &b[s..];
            if rest[0] == b'#' || (f.contains(Facts::CONTINUED) && !rest.contains(&b':')) {
                return None;
            }
            let mut e = rest.len();
            while e > 0 && is_space(rest[e - 1]) {
                e -= 1;
            }
            Some(getword(&rest[..e], b':').0)
        }
        Server::Nginx => {
            if f.contains(Facts::SWALLOWED) || matches!(b.first(), None | Some(b'#' | b'\r')) {
                return None;
            }
            let colon = b.iter().position(|&c| c == b':')?;
            Some(&b[..colon])
        }
    }
}

/// Members of an htgroup line as Apache's `ap_getword_conf` splits them: blank-separated,
/// `"quoted"` or `'quoted'` words allowed (commas are not separators). Each with its range
/// (quotes included) and its value.
pub fn members<'t>(line: &Line, text: &'t str) -> Vec<(Range, Cow<'t, str>)> {
    let mut out = Vec::new();
    if line.kind != LineKind::Entry {
        return out;
    }
    let b = text.as_bytes();
    let (mut p, end) = (line.hash.start as usize, line.hash.end as usize);
    let end = end.min(b.len());
    while p < end {
        while p < end && is_space(b[p]) {
            p += 1;
        }
        if p >= end {
            break;
        }
        let start = p;
        let quote = b[p];
        let (value_range, stop) = if quote == b'"' || quote == b'\'' {
            let mut q = p + 1;
            while q < end && b[q] != quote {
                if b[q] == b'\\' && q + 1 < end && (b[q + 1] == quote || b[q + 1] == b'\\') {
                    q += 2;
                } else {
                    q += 1;
                }
            }
            let q = q.min(end);
            let stop = if q < end { q + 1 } else { q };
            ((p + 1, q), stop)
        } else {
            let mut q = p;
            while q < end && !is_space(b[q]) {
                q += 1;
            }
            ((p, q), q)
        };
        let raw = text.get(value_range.0..value_range.1).unwrap_or("");
        let value = if raw.contains('\\') {
            Cow::Owned(unescape(
                raw,
                if quote == b'"' || quote == b'\'' {
                    quote as char
                } else {
                    '\0'
                },
            ))
        } else {
            Cow::Borrowed(raw)
        };
        out.push((Range::new(start, stop), value));
        p = stop;
    }
    out
}

/// Apache's `substring_conf`: `\\` and `\<quote>` lose their backslash.
fn unescape(raw: &str, quote: char) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(&n) = chars.peek() {
                if n == '\\' || (quote != '\0' && n == quote) {
                    out.push(n);
                    chars.next();
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, format: Format) -> Line {
        let lines = parse(text, format);
        assert_eq!(lines.len(), 1, "{lines:?}");
        lines.into_iter().next().unwrap_or_else(|| unreachable!())
    }

    const H: &str = "$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";

    fn problems(text: &str, format: Format) -> Vec<Problem> {
        parse(text, format)
            .iter()
            .flat_map(|l| l.problems(text, format))
            .map(|(p, _)| p)
            .collect()
    }

    #[test]
    fn plain_entry() {
        let t = format!("alice:{H}\n");
        let l = one(&t, Format::Htpasswd);
        assert_eq!(l.kind, LineKind::Entry);
        assert!(l.facts.is_empty(), "{:?}", l.facts);
        assert_eq!(l.user.slice(&t), "alice");
        assert_eq!(l.hash.slice(&t), H);
        assert!(l.problems(&t, Format::Htpasswd).is_empty());
    }

    #[test]
    fn comments_blank_lines_and_a_last_line_without_lf() {
        let t = format!("# users\n\n   \n  # indented\nalice:{H}");
        let lines = parse(&t, Format::Htpasswd);
        let kinds: Vec<LineKind> = lines.iter().map(|l| l.kind).collect();
        assert_eq!(
            kinds,
            [
                LineKind::Comment,
                LineKind::Blank,
                LineKind::Blank,
                LineKind::Comment,
                LineKind::Entry
            ]
        );
        assert_eq!(lines[4].number, 5);
        assert_eq!(lines[4].hash.slice(&t), H);
        assert!(problems(&t, Format::Htpasswd).is_empty());
    }

    #[test]
    fn crlf_is_a_fact_not_a_problem() {
        let t = format!("alice:{H}\r\nbob:{H}\r\n\r\n");
        let lines = parse(&t, Format::Htpasswd);
        assert!(lines[0].facts.contains(Facts::CRLF));
        assert_eq!(lines[0].hash.slice(&t), H);
        assert_eq!(lines[2].kind, LineKind::Blank);
        assert!(problems(&t, Format::Htpasswd).is_empty());
        for server in [Server::Apache, Server::Nginx] {
            assert_eq!(
                lookup(&t, server, "bob"),
                Lookup::Found {
                    line: 2,
                    hash: H.into()
                }
            );
        }
    }

    #[test]
    fn bom_becomes_part_of_the_first_name_on_both_servers() {
        let t = format!("\u{feff}alice:{H}\nbob:{H}\n");
        let lines = parse(&t, Format::Htpasswd);
        assert!(lines[0].facts.contains(Facts::BOM));
        assert_eq!(lines[0].user.slice(&t), "alice");
        let p = lines[0].problems(&t, Format::Htpasswd);
        assert_eq!(p, [(Problem::Bom, Range::new(0, 3))]);
        for server in [Server::Apache, Server::Nginx] {
            assert!(Problem::Bom.affects(Format::Htpasswd, server));
            assert_eq!(lookup(&t, server, "alice"), Lookup::NotFound);
            assert!(matches!(
                lookup(&t, server, "\u{feff}alice"),
                Lookup::Found { line: 1, .. }
            ));
            assert!(matches!(
                lookup(&t, server, "bob"),
                Lookup::Found { line: 2, .. }
            ));
        }
    }

    #[test]
    fn trailing_blanks_matter_to_nginx_only() {
        let t = format!("alice:{H}  \n");
        let l = one(&t, Format::Htpasswd);
        assert!(l.facts.contains(Facts::TRAILING_SPACE));
        assert_eq!(l.hash.slice(&t), H);
        let p = l.problems(&t, Format::Htpasswd);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, Problem::TrailingSpace);
        assert_eq!(p[0].1.slice(&t), "  ");
        assert!(!Problem::TrailingSpace.affects(Format::Htpasswd, Server::Apache));
        assert!(Problem::TrailingSpace.affects(Format::Htpasswd, Server::Nginx));
        assert_eq!(
            lookup(&t, Server::Apache, "alice"),
            Lookup::Found {
                line: 1,
                hash: H.into()
            }
        );
        assert_eq!(
            lookup(&t, Server::Nginx, "alice"),
            Lookup::Found {
                line: 1,
                hash: format!("{H}  ").into()
            }
        );
        // Blanks before a CRLF are kept by nginx too; a bare CRLF is not.
        let t = format!("alice:{H}\t\r\n");
        assert!(one(&t, Format::Htpasswd)
            .facts
            .contains(Facts::TRAILING_SPACE));
        // After a third field they are harmless.
        let t = format!("alice:{H}:Alice Smith  \n");
        let l = one(&t, Format::Htpasswd);
        assert!(!l.facts.contains(Facts::TRAILING_SPACE) && l.facts.contains(Facts::EXTRA_FIELD));
        assert!(l.problems(&t, Format::Htpasswd).is_empty());
    }

    #[test]
    fn spaces_around_the_colon_change_the_name_and_the_hash() {
        let t = format!("alice : {H}\n");
        let l = one(&t, Format::Htpasswd);
        assert_eq!(l.user.slice(&t), "alice");
        assert_eq!(l.hash.slice(&t), H);
        let p: Vec<Problem> = l
            .problems(&t, Format::Htpasswd)
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(p, [Problem::SpaceBeforeColon, Problem::SpaceAfterColon]);
        for server in [Server::Apache, Server::Nginx] {
            assert_eq!(lookup(&t, server, "alice"), Lookup::NotFound);
            assert_eq!(
                lookup(&t, server, "alice "),
                Lookup::Found {
                    line: 1,
                    hash: format!(" {H}").into()
                }
            );
        }
    }

    #[test]
    fn leading_blanks_matter_to_nginx_only() {
        let t = format!("  alice:{H}\n");
        let l = one(&t, Format::Htpasswd);
        let p = l.problems(&t, Format::Htpasswd);
        assert_eq!(p, [(Problem::LeadingSpace, Range::new(0, 2))]);
        assert!(matches!(
            lookup(&t, Server::Apache, "alice"),
            Lookup::Found { .. }
        ));
        assert_eq!(lookup(&t, Server::Nginx, "alice"), Lookup::NotFound);
    }

    #[test]
    fn empty_fields_and_missing_colons() {
        assert_eq!(problems("alice\n", Format::Htpasswd), [Problem::NoColon]);
        assert_eq!(problems("alice:\n", Format::Htpasswd), [Problem::EmptyHash]);
        assert_eq!(
            problems(&format!(":{H}\n"), Format::Htpasswd),
            [Problem::EmptyUser]
        );
        let t = format!("alice::{H}\n");
        assert_eq!(problems(&t, Format::Htpasswd), [Problem::EmptyField]);
        assert!(!Problem::EmptyField.affects(Format::Htpasswd, Server::Apache));
        assert_eq!(
            lookup(&t, Server::Apache, "alice"),
            Lookup::Found {
                line: 1,
                hash: H.into()
            }
        );
        assert_eq!(
            lookup(&t, Server::Nginx, "alice"),
            Lookup::Found {
                line: 1,
                hash: "".into()
            }
        );
    }

    #[test]
    fn inline_comment_is_part_of_the_hash() {
        let t = format!("alice:{H} # admin\n");
        let l = one(&t, Format::Htpasswd);
        assert_eq!(l.hash.slice(&t), H);
        let p = l.problems(&t, Format::Htpasswd);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].0, Problem::SpaceInHash);
        assert_eq!(p[0].1.slice(&t), " ");
    }

    #[test]
    fn backslash_continuation_joins_lines_for_apache() {
        let t = format!("# old entry \\\nalice:{H}\nbob:{H}\\\r\ncarol:{H}\n");
        let lines = parse(&t, Format::Htpasswd);
        assert!(lines[0].facts.contains(Facts::CONTINUED));
        assert!(lines[1].facts.contains(Facts::JOINED));
        assert!(lines[2].facts.contains(Facts::CONTINUED));
        assert!(lines[3].facts.contains(Facts::JOINED));
        let p: Vec<Problem> = lines[2]
            .problems(&t, Format::Htpasswd)
            .into_iter()
            .map(|x| x.0)
            .collect();
        assert_eq!(p, [Problem::Continued]);
        assert_eq!(lines[2].problems(&t, Format::Htpasswd)[0].1.slice(&t), "\\");
        assert_eq!(lookup(&t, Server::Apache, "alice"), Lookup::NotFound);
        assert_eq!(lookup(&t, Server::Apache, "carol"), Lookup::NotFound);
        assert_eq!(
            lookup(&t, Server::Apache, "bob"),
            Lookup::Found {
                line: 3,
                hash: format!("{H}carol").into()
            }
        );
        assert_eq!(
            lookup(&t, Server::Nginx, "alice"),
            Lookup::Found {
                line: 2,
                hash: H.into()
            }
        );
        assert_eq!(
            lookup(&t, Server::Nginx, "carol"),
            Lookup::Found {
                line: 4,
                hash: H.into()
            }
        );
    }

    #[test]
    fn a_line_too_long_for_apache_stops_its_scan() {
        let long = "x".repeat(9000);
        let t = format!("alice:{H}\n{long}\nbob:{H}\n");
        let lines = parse(&t, Format::Htpasswd);
        assert!(lines[1].facts.contains(Facts::TOO_LONG));
        assert!(lines[2].facts.contains(Facts::AFTER_TOO_LONG));
        assert!(matches!(
            lookup(&t, Server::Apache, "alice"),
            Lookup::Found { .. }
        ));
        assert_eq!(lookup(&t, Server::Apache, "bob"), Lookup::NotFound);
        assert!(matches!(
            lookup(&t, Server::Nginx, "bob"),
            Lookup::Found { line: 3, .. }
        ));
        // Exactly at the limit: 8190 bytes read, 8191 stop.
        for (n, stops) in [(8190usize, false), (8191, true)] {
            let t = format!("{}\nbob:{H}\n", "y".repeat(n));
            assert_eq!(
                parse(&t, Format::Htpasswd)[0]
                    .facts
                    .contains(Facts::TOO_LONG),
                stops,
                "{n}"
            );
            assert_eq!(
                lookup(&t, Server::Apache, "bob") == Lookup::NotFound,
                stops,
                "{n}"
            );
        }
        // Group files have a 16 MiB buffer.
        let t = format!("admins: {long}\n");
        assert!(!parse(&t, Format::Htgroup)[0]
            .facts
            .contains(Facts::TOO_LONG));
    }

    #[test]
    fn nginx_swallows_the_line_after_a_colonless_prefix() {
        let t = format!("bo\nbob:{H}\n");
        let lines = parse(&t, Format::Htpasswd);
        assert!(lines[1].facts.contains(Facts::SWALLOWED));
        assert_eq!(lookup(&t, Server::Nginx, "bob"), Lookup::NotFound);
        assert!(matches!(
            lookup(&t, Server::Apache, "bob"),
            Lookup::Found { line: 2, .. }
        ));
        // Not a prefix: nothing swallowed.
        let t = format!("al\nbob:{H}\n");
        assert!(!parse(&t, Format::Htpasswd)[1]
            .facts
            .contains(Facts::SWALLOWED));
        assert!(matches!(
            lookup(&t, Server::Nginx, "bob"),
            Lookup::Found { line: 2, .. }
        ));
    }

    #[test]
    fn cr_only_line_endings() {
        let t = format!("alice:{H}\rbob:{H}\r");
        let lines = parse(&t, Format::Htpasswd);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].facts.contains(Facts::MID_CR));
        assert_eq!(lookup(&t, Server::Nginx, "bob"), Lookup::NotFound);
        assert_eq!(lookup(&t, Server::Apache, "bob"), Lookup::NotFound);
        assert_eq!(
            lookup(&t, Server::Nginx, "alice"),
            Lookup::Found {
                line: 1,
                hash: H.into()
            }
        );
    }

    #[test]
    fn first_entry_wins_on_both_servers() {
        let t = format!("alice:{H}\nalice:other\n");
        for server in [Server::Apache, Server::Nginx] {
            assert_eq!(
                lookup(&t, server, "alice"),
                Lookup::Found {
                    line: 1,
                    hash: H.into()
                }
            );
        }
        let lines = parse(&t, Format::Htpasswd);
        for server in [Server::Apache, Server::Nginx] {
            assert_eq!(
                server_user(&lines[0], &t, server),
                server_user(&lines[1], &t, server)
            );
        }
    }

    #[test]
    fn non_utf8_is_a_fact() {
        let bytes = b"caf\xe9:x\n".to_vec();
        let t = String::from_utf8_lossy(&bytes).into_owned();
        let l = one(&t, Format::Htpasswd);
        assert!(l.facts.contains(Facts::NON_UTF8));
        assert_eq!(l.kind, LineKind::Entry);
    }

    #[test]
    fn htdigest_fields() {
        let d = "151239daa5f1408602543b81b1f68fb7";
        let t = format!("alice:Members Area:{d}\n");
        let l = one(&t, Format::Htdigest);
        assert_eq!(l.user.slice(&t), "alice");
        assert_eq!(l.realm.slice(&t), "Members Area");
        assert_eq!(l.hash.slice(&t), d);
        assert!(l.problems(&t, Format::Htdigest).is_empty());
        assert_eq!(
            problems("alice:Members\n", Format::Htdigest),
            [Problem::MissingField]
        );
        assert_eq!(
            problems(&format!("alice::{d}\n"), Format::Htdigest),
            [Problem::EmptyField]
        );
        assert_eq!(
            problems("alice:Members:\n", Format::Htdigest),
            [Problem::EmptyHash]
        );
        assert_eq!(
            problems(&format!("\u{feff}alice :Members: {d}\n"), Format::Htdigest),
            [
                Problem::Bom,
                Problem::SpaceBeforeColon,
                Problem::SpaceAfterColon
            ]
        );
        // Leading blanks: Apache trims, and only Apache reads htdigest files.
        let t = format!("  alice:Members:{d}\n");
        assert!(problems(&t, Format::Htdigest).is_empty());
    }

    #[test]
    fn htgroup_members() {
        let t = "admins : alice \"bob smith\" carol,dave 'e\\'f'\n# x\nstaff\n";
        let lines = parse(t, Format::Htgroup);
        assert_eq!(lines[0].user.slice(t), "admins");
        assert!(lines[0].problems(t, Format::Htgroup).is_empty());
        let m: Vec<String> = members(&lines[0], t)
            .into_iter()
            .map(|(_, v)| v.into_owned())
            .collect();
        assert_eq!(m, ["alice", "bob smith", "carol,dave", "e'f"]);
        let r: Vec<&str> = members(&lines[0], t)
            .into_iter()
            .map(|(r, _)| r.slice(t))
            .collect();
        assert_eq!(r[1], "\"bob smith\"");
        assert_eq!(problems(t, Format::Htgroup), [Problem::NoColon]);
        assert!(!Problem::NoColon.affects(Format::Htgroup, Server::Nginx));
    }

    #[test]
    fn lookup_agrees_with_parse_on_clean_files() {
        let mut t = String::new();
        for i in 0..50 {
            t.push_str(&format!("u{i}:{H}\n"));
            if i % 7 == 0 {
                t.push_str("# comment\n\n");
            }
        }
        let lines = parse(&t, Format::Htpasswd);
        for l in lines.iter().filter(|l| l.kind == LineKind::Entry) {
            assert!(l.facts.is_empty());
            for server in [Server::Apache, Server::Nginx] {
                assert_eq!(
                    lookup(&t, server, l.user.slice(&t)),
                    Lookup::Found {
                        line: l.number,
                        hash: l.hash.slice(&t).into()
                    }
                );
            }
        }
    }

    #[test]
    fn debug_never_shows_a_hash() {
        let t = format!("alice:{H}\n");
        let shown = format!(
            "{:?} {:?}",
            parse(&t, Format::Htpasswd),
            lookup(&t, Server::Apache, "alice")
        );
        assert!(!shown.contains("wRFc2e6e"), "{shown}");
    }

    #[test]
    fn a_million_lines_parse_in_one_pass() {
        // Linear by construction; this guards against a quadratic slip (runs of colon-less
        // lines, backslash chains) rather than timing anything.
        let mut t = "a\n".repeat(300_000);
        t.push_str(&"\\\n".repeat(300_000));
        t.push_str(&"u:$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/\n".repeat(400_000));
        let lines = parse(&t, Format::Htpasswd);
        assert_eq!(lines.len(), 1_000_000);
        // 300,000 lone backslashes join into nothing: Apache reads `u` as the logical
        // line that starts at the first of them.
        assert!(lines[600_000].facts.contains(Facts::JOINED));
        assert!(matches!(
            lookup(&t, Server::Apache, "u"),
            Lookup::Found { line: 300_001, .. }
        ));
        assert!(matches!(
            lookup(&t, Server::Nginx, "u"),
            Lookup::Found { line: 600_001, .. }
        ));
    }

    /// Deterministic pseudo-random soup of the characters that matter: no panic, ranges in
    /// bounds and on char boundaries, for all three formats.
    #[test]
    fn random_input_never_panics() {
        let alphabet = [
            "a", "b", ":", " ", "\t", "\r", "\n", "#", "\\", "\u{feff}", "\u{fffd}", "é", "\"",
            "'", "$", "\x0b",
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..3000 {
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            let n = (next() % 40) as usize;
            let t: String = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for format in [Format::Htpasswd, Format::Htdigest, Format::Htgroup] {
                for l in parse(&t, format) {
                    for r in [l.range, l.user, l.realm, l.hash] {
                        assert!(
                            t.get(r.start as usize..r.end as usize).is_some(),
                            "{t:?} {l:?}"
                        );
                    }
                    for (_, r) in l.problems(&t, format) {
                        assert!(
                            t.get(r.start as usize..r.end as usize).is_some(),
                            "{t:?} {l:?}"
                        );
                    }
                    let _ = members(&l, &t);
                    let _ = server_user(&l, &t, Server::Apache);
                    let _ = server_user(&l, &t, Server::Nginx);
                }
            }
            for server in [Server::Apache, Server::Nginx] {
                let _ = lookup(&t, server, "a");
                let _ = lookup(&t, server, "ab");
            }
            // The first line a server reads a name on is the one its own loop finds.
            let lines = parse(&t, Format::Htpasswd);
            // (A name split by a backslash continuation is not tracked by `server_user`.)
            let split_name = lines
                .iter()
                .any(|l| l.facts.contains(Facts::CONTINUED) && !l.range.slice(&t).contains(':'));
            for server in [Server::Apache, Server::Nginx] {
                if split_name && server == Server::Apache {
                    continue;
                }
                let mut seen = std::collections::BTreeSet::new();
                for l in &lines {
                    let Some(key) = server_user(l, &t, server) else {
                        continue;
                    };
                    let Ok(name) = std::str::from_utf8(key) else {
                        continue;
                    };
                    if !seen.insert(key.to_vec()) || name.is_empty() || name.contains(':') {
                        continue;
                    }
                    match lookup(&t, server, name) {
                        Lookup::Found { line, .. } => {
                            assert_eq!(line, l.number, "{server:?} {name:?} in {t:?}")
                        }
                        Lookup::NotFound => panic!("{server:?} {name:?} not found in {t:?}"),
                    }
                }
            }
        }
    }
}
