//! Hash schemes: recognise the hash of a password-file line the way the servers dispatch
//! it, check its structure, and say which server can verify it on which platform.
//!
//! Guarantees:
//! - [`classify`] never panics, on any input, and reads the hash only up to its first NUL
//!   byte (the servers handle it as a C string).
//! - A [`HashProblem`] names the bad part by byte range and never quotes hash text, so a
//!   diagnostic built from it cannot leak a hash; [`safe_prefix`] is the most of a hash a
//!   message may show (the scheme's identifier and its cost parameters, never salt or
//!   digest).
//! - Every problem means that no password can match that hash, on any server: the
//!   structure checks follow what APR, nginx and libxcrypt recompute and compare, not a
//!   style preference.
//!
//! The facts come from `shared/reference/auth-facts.md` §A and from the vectors in
//! `shared/htpasswd-vectors/` (Debian 12: APR 1.6, nginx 1.22, libxcrypt 4.4.33).

use std::ops::Range;

/// A password hash format, as the servers and crypt(3) recognise it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `$2a$`, `$2b$`, `$2x$`, `$2y$` + two-digit cost + 53 characters.
    Bcrypt,
    /// `$apr1$`: Apache's MD5 (1,000 iterations), native in APR and nginx.
    Apr1,
    /// `$1$`: BSD MD5-crypt (crypt(3) only).
    Md5Crypt,
    /// `$5$`: SHA-256-crypt.
    Sha256Crypt,
    /// `$6$`: SHA-512-crypt.
    Sha512Crypt,
    /// 13 characters: traditional DES crypt (first 8 characters of the password count).
    DesCrypt,
    /// 2 + 11·k characters (k ≥ 2): bigcrypt, DES crypt over 8-character blocks.
    BigCrypt,
    /// `_` + 19 characters: BSDi extended DES.
    BsdiDes,
    /// `{SHA}`: unsalted SHA-1, base64.
    Sha1,
    /// `{SSHA}`: salted SHA-1 (nginx only).
    Ssha,
    /// `{SMD5}`: salted MD5 (neither server).
    Smd5,
    /// `{PLAIN}`: clear text (nginx only).
    Plain,
    /// No recognised format: what `htpasswd -p` writes (clear text).
    Plaintext,
    /// `$y$`: yescrypt.
    Yescrypt,
    /// `$gy$`: GOST R 34.11-2012 on top of yescrypt.
    GostYescrypt,
    /// `$7$`: scrypt.
    Scrypt,
    /// `$sha1$`: NetBSD's HMAC-SHA1 crypt.
    Sha1Crypt,
    /// `$md5$` / `$md5,rounds=`: Sun MD5.
    SunMd5,
    /// `$3$$` + 32 hex digits: Windows NT hash (MD4).
    Nt,
    /// `salt$hash` without prefix, as `openssl passwd -aixmd5` prints it (neither server).
    AixMd5,
    /// `$argon2i$`, `$argon2d$`, `$argon2id$` (no libc here verifies it).
    Argon2,
    /// Starts with `*` or `!`: a crypt(3) failure token (`*0`, which `htpasswd -r 999`
    /// writes) or a locked-account marker. Never verifies.
    Locked,
    /// Nothing after the colon.
    Empty,
    /// An unknown `$id$` or `{SCHEME}` format.
    Unknown,
}

impl Scheme {
    /// Every scheme, for tables and documentation.
    pub const ALL: [Scheme; 24] = [
        Scheme::Bcrypt,
        Scheme::Apr1,
        Scheme::Md5Crypt,
        Scheme::Sha256Crypt,
        Scheme::Sha512Crypt,
        Scheme::DesCrypt,
        Scheme::BigCrypt,
        Scheme::BsdiDes,
        Scheme::Sha1,
        Scheme::Ssha,
        Scheme::Smd5,
        Scheme::Plain,
        Scheme::Plaintext,
        Scheme::Yescrypt,
        Scheme::GostYescrypt,
        Scheme::Scrypt,
        Scheme::Sha1Crypt,
        Scheme::SunMd5,
        Scheme::Nt,
        Scheme::AixMd5,
        Scheme::Argon2,
        Scheme::Locked,
        Scheme::Empty,
        Scheme::Unknown,
    ];

    /// Short kebab-case name for messages, e.g. `"bcrypt"`, `"apr1-md5"`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Bcrypt => "bcrypt",
            Scheme::Apr1 => "apr1-md5",
            Scheme::Md5Crypt => "md5-crypt",
            Scheme::Sha256Crypt => "sha256-crypt",
            Scheme::Sha512Crypt => "sha512-crypt",
            Scheme::DesCrypt => "des-crypt",
            Scheme::BigCrypt => "bigcrypt",
            Scheme::BsdiDes => "bsdi-des",
            Scheme::Sha1 => "sha1",
            Scheme::Ssha => "ssha",
            Scheme::Smd5 => "smd5",
            Scheme::Plain => "plain",
            Scheme::Plaintext => "plaintext",
            Scheme::Yescrypt => "yescrypt",
            Scheme::GostYescrypt => "gost-yescrypt",
            Scheme::Scrypt => "scrypt",
            Scheme::Sha1Crypt => "sha1-crypt",
            Scheme::SunMd5 => "sun-md5",
            Scheme::Nt => "nt",
            Scheme::AixMd5 => "aix-md5",
            Scheme::Argon2 => "argon2",
            Scheme::Locked => "locked",
            Scheme::Empty => "empty",
            Scheme::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A structural defect of a hash: the byte range of the bad part within the hash text, and
/// a message that quotes none of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HashProblem {
    pub range: Range<usize>,
    pub message: String,
}

/// What [`classify`] found. Holds no hash text, so `Debug` is safe to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Classified {
    pub scheme: Scheme,
    /// The identifying prefix as written (`"$2y$"`, `"$apr1$"`, `"{SHA}"`; `""` for DES,
    /// plaintext and the like). Safe to show.
    pub ident: &'static str,
    /// bcrypt's cost (log2 rounds); the rounds of sha256/512-crypt (5000 when the hash
    /// names none), BSDi DES, sha1crypt and Sun MD5 (the `rounds=` value as written). `None`
    /// for other schemes or when unreadable.
    pub cost: Option<u32>,
    /// Structural defects, each of which makes the hash unverifiable by any password.
    pub problems: Vec<HashProblem>,
}

/// Which server reads the password file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Server {
    /// Apache httpd 2.4 (mod_authn_file → APR's `apr_password_validate`).
    Apache,
    /// nginx (`auth_basic_user_file` → `ngx_crypt`).
    Nginx,
}

/// The target platform's crypt(3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CryptLib {
    /// libxcrypt (Debian ≥ 11, Ubuntu ≥ 20.04, Fedora, RHEL ≥ 8), as Debian builds it: every
    /// hash it has. Other distributions may leave out the legacy ones.
    Libxcrypt,
    /// glibc's own libcrypt (Debian ≤ 10, CentOS 7): `$1$`, `$5$`, `$6$` and DES only.
    Glibc,
    /// musl (Alpine): `$1$`, bcrypt (cost ≤ 19), `$5$`/`$6$` (rounds ≤ 9,999,999), DES and
    /// BSDi DES.
    Musl,
}

/// Who computes a scheme for a server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Support {
    /// The server's own code, on every platform.
    Yes,
    /// Never: the server has no code for it and crypt(3) never reproduces it.
    No,
    /// Only through the system's crypt(3): depends on [`CryptLib`].
    ViaCrypt,
}

/// crypt64 (DES, MD5-crypt, SHA-crypt, yescrypt): `./0-9A-Za-z`.
pub(crate) const CRYPT64: &[u8; 64] =
    b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// bcrypt's alphabet: `./A-Za-z0-9`.
pub(crate) const BCRYPT64: &[u8; 64] =
    b"./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// RFC 4648 base64.
pub(crate) const B64: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Value of `c` in `alphabet`.
pub(crate) fn index_in(alphabet: &[u8; 64], c: u8) -> Option<u8> {
    // The three alphabets share one reverse table each, built at compile time; any other
    // alphabet falls back to a scan.
    let table = if std::ptr::eq(alphabet, CRYPT64) {
        &CRYPT64_REV
    } else if std::ptr::eq(alphabet, BCRYPT64) {
        &BCRYPT64_REV
    } else if std::ptr::eq(alphabet, B64) {
        &B64_REV
    } else {
        return alphabet.iter().position(|&a| a == c).map(|i| i as u8);
    };
    match table[usize::from(c)] {
        0xff => None,
        i => Some(i),
    }
}

/// Reverse lookup for a 64-character alphabet: index by byte, 0xff where absent.
const fn reverse(alphabet: &[u8; 64]) -> [u8; 256] {
    let mut table = [0xffu8; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
}
const CRYPT64_REV: [u8; 256] = reverse(CRYPT64);
const BCRYPT64_REV: [u8; 256] = reverse(BCRYPT64);
const B64_REV: [u8; 256] = reverse(B64);

/// The bytes of `s` up to its first NUL: what a C string holds.
pub(crate) fn c_str(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(end) => &s[..end],
        None => s,
    }
}

/// libxcrypt's `check_badsalt_chars`: a setting must be printable ASCII without space and
/// without any of `! * : ; \`. Returns the offset of the first offending byte.
pub(crate) fn bad_setting_char(setting: &[u8]) -> Option<usize> {
    setting
        .iter()
        .position(|&b| b <= 0x20 || b >= 0x7f || b"!*:;\\".contains(&b))
}

/// Characters whose value has its low `4` (or `2`) bits clear: the only ones that can end a
/// digest whose last character carries 2 (or 4) bits.
fn canonical_tail(alphabet: &[u8; 64], used_bits: u32, c: u8) -> bool {
    let step = 1u8 << (6 - used_bits);
    index_in(alphabet, c).is_some_and(|v| v % step == 0)
}

/// The same rule for encoders that put a short group's bits in the low end (crypt64
/// little-endian packing of MD5-crypt, SHA-crypt, yescrypt): the value must fit in
/// `used_bits`.
fn canonical_tail_le(c: u8, used_bits: u32) -> bool {
    index_in(CRYPT64, c).is_some_and(|v| u32::from(v) < (1 << used_bits))
}

/// Recognise a hash and check its structure.
pub fn classify(hash: &str) -> Classified {
    let full = hash.as_bytes();
    let h = c_str(full);
    let mut c = classify_bytes(h);
    if h.len() < full.len() {
        c.problems.push(HashProblem {
            range: h.len()..h.len() + 1,
            message: "a NUL byte ends the hash here for both servers; the rest is ignored"
                .to_string(),
        });
    }
    c
}

struct Builder {
    scheme: Scheme,
    ident: &'static str,
    cost: Option<u32>,
    problems: Vec<HashProblem>,
}

impl Builder {
    fn new(scheme: Scheme, ident: &'static str) -> Self {
        Builder {
            scheme,
            ident,
            cost: None,
            problems: Vec::new(),
        }
    }
    fn problem(&mut self, range: Range<usize>, message: impl Into<String>) {
        self.problems.push(HashProblem {
            range,
            message: message.into(),
        });
    }
    fn done(self) -> Classified {
        Classified {
            scheme: self.scheme,
            ident: self.ident,
            cost: self.cost,
            problems: self.problems,
        }
    }
    /// libxcrypt refuses the whole hash when any byte is outside its setting alphabet.
    fn setting_chars(&mut self, h: &[u8]) {
        if let Some(i) = bad_setting_char(h) {
            self.problem(
                i..i + 1,
                format!(
                    "crypt(3) refuses hashes containing spaces, control or non-ASCII bytes \
                     or any of `! * : ; \\`; this {} hash never verifies",
                    self.scheme
                ),
            );
        }
    }
    /// Report the first byte of `h[range]` that is not in `alphabet`.
    fn alphabet(&mut self, h: &[u8], range: Range<usize>, alphabet: &[u8; 64], what: &str) {
        let Some(part) = h.get(range.clone()) else {
            return;
        };
        let bad: Vec<usize> = part
            .iter()
            .enumerate()
            .filter(|&(_, &b)| index_in(alphabet, b).is_none())
            .map(|(i, _)| range.start + i)
            .collect();
        if let Some(&first) = bad.first() {
            let more = if bad.len() > 1 {
                format!(" ({} such characters)", bad.len())
            } else {
                String::new()
            };
            self.problem(
                first..first + 1,
                format!("character outside the {what} alphabet{more}"),
            );
        }
    }
    /// The digest part `h[start..]` must be exactly `len` characters of `alphabet`.
    fn digest(&mut self, h: &[u8], start: usize, len: usize, alphabet: &[u8; 64], what: &str) {
        let have = h.len().saturating_sub(start);
        if have != len {
            self.problem(
                start.min(h.len())..h.len(),
                format!(
                    "the {} digest has {have} characters, {len} expected",
                    self.scheme
                ),
            );
        }
        self.alphabet(h, start..h.len(), alphabet, what);
    }
}

fn classify_bytes(h: &[u8]) -> Classified {
    if h.is_empty() {
        return Builder::new(Scheme::Empty, "").done();
    }
    if h.starts_with(b"$2") {
        return bcrypt(h);
    }
    if h.starts_with(b"$apr1$") {
        return apr1(h);
    }
    if h.starts_with(b"$1$") {
        return md5crypt(h);
    }
    if h.starts_with(b"$5$") {
        return sha_crypt(h, Scheme::Sha256Crypt);
    }
    if h.starts_with(b"$6$") {
        return sha_crypt(h, Scheme::Sha512Crypt);
    }
    if h.starts_with(b"$y$") {
        return yescrypt(h, Scheme::Yescrypt, 3);
    }
    if h.starts_with(b"$gy$") {
        return yescrypt(h, Scheme::GostYescrypt, 4);
    }
    if h.starts_with(b"$7$") {
        return scrypt(h);
    }
    if h.starts_with(b"$sha1") {
        return sha1crypt(h);
    }
    if h.starts_with(b"$md5$") || h.starts_with(b"$md5,") {
        return sunmd5(h);
    }
    if h.starts_with(b"$3$") {
        return nt(h);
    }
    if h.starts_with(b"$argon2i$") || h.starts_with(b"$argon2d$") || h.starts_with(b"$argon2id$") {
        return Builder::new(Scheme::Argon2, "$argon2").done();
    }
    if h.starts_with(b"{SHA}") {
        return sha1(h);
    }
    if h.starts_with(b"{SSHA}") {
        return salted_b64(h, Scheme::Ssha, "{SSHA}", 20);
    }
    if h.starts_with(b"{SMD5}") {
        return salted_b64(h, Scheme::Smd5, "{SMD5}", 16);
    }
    if h.starts_with(b"{PLAIN}") {
        return Builder::new(Scheme::Plain, "{PLAIN}").done();
    }
    if h.starts_with(b"_") {
        return bsdi(h);
    }
    if h.starts_with(b"*") || h.starts_with(b"!") {
        return Builder::new(Scheme::Locked, "").done();
    }
    if h.starts_with(b"$") {
        let mut b = Builder::new(Scheme::Unknown, "");
        let end = h[1..]
            .iter()
            .position(|&c| c == b'$')
            .map_or(h.len(), |i| i + 2);
        b.problem(
            0..end,
            "unknown `$id$` hash format: neither APR, nginx nor crypt(3) knows it",
        );
        return b.done();
    }
    if h.starts_with(b"{") {
        if let Some(close) = h.iter().position(|&c| c == b'}') {
            let mut b = Builder::new(Scheme::Unknown, "");
            let name = &h[1..close];
            let known = ["SHA", "SSHA", "SMD5", "PLAIN"];
            let msg = if known
                .iter()
                .any(|k| k.as_bytes().eq_ignore_ascii_case(name))
            {
                "scheme prefixes are case-sensitive: write `{SHA}`, `{SSHA}` or `{PLAIN}` in \
                 capitals"
            } else {
                "unknown `{SCHEME}` prefix: APR knows only `{SHA}`, nginx `{SHA}`, `{SSHA}` \
                 and `{PLAIN}`"
            };
            b.problem(0..close + 1, msg);
            return b.done();
        }
    }
    if is_aix_md5(h) {
        return Builder::new(Scheme::AixMd5, "").done();
    }
    let all_crypt64 = h.iter().all(|&c| index_in(CRYPT64, c).is_some());
    if all_crypt64 && h.len() == 13 {
        let mut b = Builder::new(Scheme::DesCrypt, "");
        des_tails(&mut b, h);
        return b.done();
    }
    if all_crypt64 && h.len() >= 24 && (h.len() - 2) % 11 == 0 && (h.len() - 2) / 11 <= 16 {
        let mut b = Builder::new(Scheme::BigCrypt, "");
        des_tails(&mut b, h);
        return b.done();
    }
    Builder::new(Scheme::Plaintext, "").done()
}

/// `openssl passwd -aixmd5`: 1–8 salt characters, `$`, 22 digest characters.
fn is_aix_md5(h: &[u8]) -> bool {
    let Some(dollar) = h.iter().position(|&c| c == b'$') else {
        return false;
    };
    (1..=8).contains(&dollar)
        && h.len() == dollar + 1 + 22
        && h.iter()
            .enumerate()
            .all(|(i, &c)| i == dollar || index_in(CRYPT64, c).is_some())
}

/// DES output: every 11-character block ends with a character carrying 4 bits.
fn des_tails(b: &mut Builder, h: &[u8]) {
    let mut end = 13;
    while end <= h.len() {
        let last = h[end - 1];
        if !canonical_tail(CRYPT64, 4, last) {
            b.problem(
                end - 1..end,
                "a DES block must end with one of `.26AEIMQUYcgkosw`; crypt(3) never \
                 produces this, so it never verifies",
            );
            return;
        }
        end += 11;
    }
}

fn bcrypt(h: &[u8]) -> Classified {
    let ident = match (h.get(2), h.get(3)) {
        (Some(b'a'), Some(b'$')) => "$2a$",
        (Some(b'b'), Some(b'$')) => "$2b$",
        (Some(b'x'), Some(b'$')) => "$2x$",
        (Some(b'y'), Some(b'$')) => "$2y$",
        _ => {
            let mut b = Builder::new(Scheme::Bcrypt, "$2");
            let end = h[1..]
                .iter()
                .position(|&c| c == b'$')
                .map_or(h.len(), |i| i + 2);
            b.problem(
                0..end,
                "unknown bcrypt variant: APR knows `$2a$` and `$2y$`, libxcrypt also `$2b$` \
                 and `$2x$`",
            );
            return b.done();
        }
    };
    let mut b = Builder::new(Scheme::Bcrypt, ident);
    let digits = (h.get(4), h.get(5), h.get(6));
    match digits {
        (Some(d1 @ b'0'..=b'9'), Some(d2 @ b'0'..=b'9'), Some(b'$')) => {
            let cost = u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0');
            b.cost = Some(cost);
            if !(4..=31).contains(&cost) {
                b.problem(
                    4..6,
                    format!("bcrypt cost {cost} is outside 04..31; no implementation accepts it"),
                );
            }
        }
        _ => {
            b.problem(
                4..h.len().min(7),
                "bcrypt needs a two-digit cost and `$` after the variant",
            );
            return b.done();
        }
    }
    if h.len() != 60 {
        b.problem(
            7..h.len().max(7),
            format!(
                "a bcrypt hash has 22 salt and 31 digest characters after the cost, 60 in \
                 all; this one has {}",
                h.len()
            ),
        );
    }
    b.alphabet(h, 7..h.len(), BCRYPT64, "bcrypt `./A-Za-z0-9`");
    if let Some(&c) = h.get(28) {
        if index_in(BCRYPT64, c).is_some() && !canonical_tail(BCRYPT64, 2, c) {
            b.problem(
                28..29,
                "the last salt character carries 2 bits and must be one of `.Oeu`; bcrypt \
                 rewrites it, so this hash never verifies",
            );
        }
    }
    if h.len() == 60 {
        let c = h[59];
        if index_in(BCRYPT64, c).is_some() && !canonical_tail(BCRYPT64, 4, c) {
            b.problem(
                59..60,
                "the last digest character carries 4 bits and must be one of \
                 `.CGKOSWaeimquy26`; no password produces this hash",
            );
        }
    }
    b.done()
}

/// `$apr1$`: APR and nginx take up to 8 salt characters, stopping at `$`.
fn apr1(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Apr1, "$apr1$");
    let salt_start = 6;
    let rest = &h[salt_start..];
    let Some(dollar) = rest.iter().position(|&c| c == b'$') else {
        b.problem(
            salt_start..h.len(),
            "missing `$` and the 22-character digest after the salt",
        );
        return b.done();
    };
    if dollar > 8 {
        b.problem(
            salt_start + 8..salt_start + dollar,
            format!(
                "the salt has {dollar} characters; APR and nginx use only the first 8, so this \
                 hash never verifies"
            ),
        );
    }
    let start = salt_start + dollar + 1;
    b.digest(h, start, 22, CRYPT64, "crypt64 `./0-9A-Za-z`");
    md5_tail(&mut b, h, start);
    b.done()
}

/// The 22nd character of an MD5-crypt digest carries 2 bits.
fn md5_tail(b: &mut Builder, h: &[u8], start: usize) {
    if h.len() == start + 22 {
        let c = h[h.len() - 1];
        if index_in(CRYPT64, c).is_some() && !canonical_tail_le(c, 2) {
            b.problem(
                h.len() - 1..h.len(),
                "the last digest character carries 2 bits and must be one of `./01`; no \
                 password produces this hash",
            );
        }
    }
}

/// `$1$`: libxcrypt's MD5-crypt. Salt: up to `$`, never `:` or newline, 8 used.
fn md5crypt(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Md5Crypt, "$1$");
    b.setting_chars(h);
    let salt_start = 3;
    let rest = &h[salt_start..];
    let salt_len = rest
        .iter()
        .position(|&c| matches!(c, b'$' | b':' | b'\n'))
        .unwrap_or(rest.len());
    if rest.get(salt_len) != Some(&b'$') {
        b.problem(
            salt_start..h.len(),
            "missing `$` and the 22-character digest after the salt",
        );
        return b.done();
    }
    if salt_len > 8 {
        b.problem(
            salt_start + 8..salt_start + salt_len,
            format!(
                "the salt has {salt_len} characters; crypt(3) uses only the first 8, so this \
                 hash never verifies"
            ),
        );
    }
    let start = salt_start + salt_len + 1;
    b.digest(h, start, 22, CRYPT64, "crypt64 `./0-9A-Za-z`");
    md5_tail(&mut b, h, start);
    b.done()
}

/// Smallest and largest `rounds=` libxcrypt accepts for SHA-crypt (glibc clamps, writing
/// the clamped value, so out-of-range values never verify there either).
pub(crate) const SHA_ROUNDS: std::ops::RangeInclusive<u64> = 1_000..=999_999_999;

fn sha_crypt(h: &[u8], scheme: Scheme) -> Classified {
    let (ident, digest_len, tail_bits) = match scheme {
        Scheme::Sha256Crypt => ("$5$", 43, 4),
        _ => ("$6$", 86, 2),
    };
    let mut b = Builder::new(scheme, ident);
    b.setting_chars(h);
    let mut pos = 3;
    b.cost = Some(5000);
    if h[pos..].starts_with(b"rounds=") {
        let num_start = pos + 7;
        let digits = h[num_start..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let num_end = num_start + digits;
        if digits == 0 || h.get(num_end) != Some(&b'$') {
            b.problem(
                pos..num_end.max(num_start).min(h.len()),
                "`rounds=` needs a decimal number followed by `$`",
            );
            b.cost = None;
            return b.done();
        }
        let text = &h[num_start..num_end];
        let value = text.iter().try_fold(0u64, |v, &d| {
            v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        b.cost = value.and_then(|v| u32::try_from(v).ok());
        if text[0] == b'0' {
            b.problem(
                num_start..num_end,
                "`rounds=` with a leading zero: libxcrypt refuses it and glibc writes the \
                 number back without the zero, so it never verifies",
            );
        } else if !value.is_some_and(|v| SHA_ROUNDS.contains(&v)) {
            b.problem(
                num_start..num_end,
                "`rounds=` is outside 1000..999999999: libxcrypt refuses it and glibc clamps \
                 it, so it never verifies",
            );
        }
        pos = num_end + 1;
    }
    let rest = &h[pos..];
    let salt_len = rest
        .iter()
        .position(|&c| matches!(c, b'$' | b':' | b'\n'))
        .unwrap_or(rest.len());
    if rest.get(salt_len) != Some(&b'$') {
        b.problem(
            pos..h.len(),
            format!("missing `$` and the {digest_len}-character digest after the salt"),
        );
        return b.done();
    }
    if salt_len > 16 {
        b.problem(
            pos + 16..pos + salt_len,
            format!(
                "the salt has {salt_len} characters; crypt(3) uses only the first 16, so this \
                 hash never verifies"
            ),
        );
    }
    let start = pos + salt_len + 1;
    b.digest(h, start, digest_len, CRYPT64, "crypt64 `./0-9A-Za-z`");
    if h.len() == start + digest_len {
        let c = h[h.len() - 1];
        if index_in(CRYPT64, c).is_some() && !canonical_tail_le(c, tail_bits) {
            b.problem(
                h.len() - 1..h.len(),
                "the last digest character carries fewer than 6 bits and cannot be this one; \
                 no password produces this hash",
            );
        }
    }
    b.done()
}

fn bsdi(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::BsdiDes, "_");
    b.setting_chars(h);
    if h.len() != 20 {
        b.problem(
            1..h.len().max(1),
            format!(
                "BSDi DES hashes are `_` + 4 count + 4 salt + 11 digest characters, 20 in \
                 all; this one has {}",
                h.len()
            ),
        );
    }
    b.alphabet(h, 1..h.len(), CRYPT64, "crypt64 `./0-9A-Za-z`");
    if let Some(count) = h.get(1..5) {
        b.cost = count.iter().enumerate().try_fold(0u32, |acc, (i, &c)| {
            index_in(CRYPT64, c).map(|v| acc | u32::from(v) << (6 * i))
        });
    }
    if h.len() == 20 && h.iter().skip(1).all(|&c| index_in(CRYPT64, c).is_some()) {
        des_tails_at(&mut b, h, 20);
    }
    b.done()
}

fn des_tails_at(b: &mut Builder, h: &[u8], end: usize) {
    if let Some(&last) = h.get(end - 1) {
        if !canonical_tail(CRYPT64, 4, last) {
            b.problem(
                end - 1..end,
                "a DES digest must end with one of `.26AEIMQUYcgkosw`; crypt(3) never \
                 produces this, so it never verifies",
            );
        }
    }
}

fn sha1(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Sha1, "{SHA}");
    let body = &h[5..];
    if body.len() != 28 || body.last() != Some(&b'=') {
        b.problem(
            5..h.len(),
            format!(
                "`{{SHA}}` is followed by 28 base64 characters ending in `=`; this one has {}",
                body.len()
            ),
        );
    }
    let data_end = 5 + body.len().min(27);
    b.alphabet(h, 5..data_end, B64, "base64 `A-Za-z0-9+/`");
    if body.len() == 28 && body[27] == b'=' {
        let c = body[26];
        if index_in(B64, c).is_some() && !canonical_tail(B64, 4, c) {
            b.problem(
                31..32,
                "the last base64 character carries 4 bits and cannot be this one; no password \
                 produces this hash",
            );
        }
    }
    b.done()
}

/// nginx's `ngx_decode_base64`: stops at the first `=`; `None` when a character before it is
/// outside the alphabet or the length is impossible. Trailing bits are dropped silently.
pub(crate) fn ngx_decode_base64(src: &[u8]) -> Option<Vec<u8>> {
    let len = src.iter().position(|&c| c == b'=').unwrap_or(src.len());
    let mut vals = Vec::with_capacity(len);
    for &c in &src[..len] {
        vals.push(index_in(B64, c)?);
    }
    if len % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(len / 4 * 3 + 2);
    for chunk in vals.chunks(4) {
        if chunk.len() > 1 {
            out.push(chunk[0] << 2 | chunk[1] >> 4);
        }
        if chunk.len() > 2 {
            out.push(chunk[1] << 4 | chunk[2] >> 2);
        }
        if chunk.len() > 3 {
            out.push(chunk[2] << 6 | chunk[3]);
        }
    }
    Some(out)
}

/// Canonical padded base64.
pub(crate) fn b64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn salted_b64(h: &[u8], scheme: Scheme, ident: &'static str, digest: usize) -> Classified {
    let mut b = Builder::new(scheme, ident);
    let start = ident.len();
    let body = &h[start..];
    match ngx_decode_base64(body) {
        None => {
            b.alphabet(h, start..h.len(), B64, "base64 `A-Za-z0-9+/`");
            if b.problems.is_empty() {
                b.problem(start..h.len(), "not valid base64");
            }
        }
        Some(decoded) => {
            if decoded.len() < digest {
                b.problem(
                    start..h.len(),
                    format!(
                        "decodes to {} bytes; the digest alone is {digest}",
                        decoded.len()
                    ),
                );
            } else if b64_encode(&decoded).as_bytes() != body {
                b.problem(
                    start..h.len(),
                    "not canonical padded base64: nginx re-encodes the digest and salt and \
                     compares text, so this never verifies",
                );
            }
        }
    }
    b.done()
}

/// libxcrypt yescrypt `atoi64`.
pub(crate) fn atoi64(c: u8) -> Option<u32> {
    index_in(CRYPT64, c).map(u32::from)
}

/// yescrypt's variable-length parameter decoding (`decode64_uint32`): the value and the
/// number of characters read.
pub(crate) fn decode64_uint32(src: &[u8], min: u32) -> Option<(u32, usize)> {
    let (mut start, mut end, mut chars, mut bits) = (0u32, 47u32, 1u32, 0u32);
    let c = atoi64(*src.first()?)?;
    let mut dst = min;
    while c > end {
        dst = dst.wrapping_add((end + 1 - start) << bits);
        start = end + 1;
        end = start + (62 - end) / 2;
        chars += 1;
        bits += 6;
    }
    dst = dst.wrapping_add((c - start) << bits);
    let mut pos = 1;
    while chars > 1 {
        chars -= 1;
        let c = atoi64(*src.get(pos)?)?;
        pos += 1;
        bits -= 6;
        dst = dst.wrapping_add(c << bits);
    }
    Some((dst, pos))
}

/// yescrypt's `decode64` of a salt: little-endian 6-bit groups, at most `max` bytes, partial
/// groups must hold a whole byte and zero leftover bits.
pub(crate) fn yes_decode64(src: &[u8], max: usize) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    for group in src.chunks(4) {
        let mut value = 0u32;
        let mut bits = 0u32;
        for &c in group {
            value |= atoi64(c)? << bits;
            bits += 6;
        }
        if bits < 12 {
            return None;
        }
        while bits >= 8 {
            out.push((value & 0xff) as u8);
            value >>= 8;
            bits -= 8;
        }
        if value != 0 {
            return None;
        }
    }
    if out.len() > max {
        return None;
    }
    Some(out)
}

/// `$y$` parameters as libxcrypt's `yescrypt_r` reads them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct YesParams {
    pub flavor: u32,
    pub n_log2: u32,
    pub r: u32,
    pub p: u32,
    pub t: u32,
    pub g: u32,
    pub nrom_log2: Option<u32>,
}

/// Parse `$y$` parameters starting at `src`; returns them and the offset just past the
/// `$` that ends them.
pub(crate) fn parse_yes_params(src: &[u8]) -> Option<(YesParams, usize)> {
    let (flavor, mut pos) = decode64_uint32(src, 0)?;
    // YESCRYPT_RW + (YESCRYPT_RW_FLAVOR_MASK >> 2)
    if flavor > 2 + (0x3fc >> 2) {
        return None;
    }
    let (n_log2, used) = decode64_uint32(&src[pos..], 1)?;
    pos += used;
    if n_log2 > 63 {
        return None;
    }
    let (r, used) = decode64_uint32(&src[pos..], 1)?;
    pos += used;
    let mut params = YesParams {
        flavor,
        n_log2,
        r,
        p: 1,
        t: 0,
        g: 0,
        nrom_log2: None,
    };
    if src.get(pos) != Some(&b'$') {
        let (have, used) = decode64_uint32(&src[pos..], 1)?;
        pos += used;
        if have & 1 != 0 {
            let (v, used) = decode64_uint32(&src[pos..], 2)?;
            params.p = v;
            pos += used;
        }
        if have & 2 != 0 {
            let (v, used) = decode64_uint32(&src[pos..], 1)?;
            params.t = v;
            pos += used;
        }
        if have & 4 != 0 {
            let (v, used) = decode64_uint32(&src[pos..], 1)?;
            params.g = v;
            pos += used;
        }
        if have & 8 != 0 {
            let (v, used) = decode64_uint32(&src[pos..], 1)?;
            if v > 63 {
                return None;
            }
            params.nrom_log2 = Some(v);
            pos += used;
        }
    }
    if src.get(pos) != Some(&b'$') {
        return None;
    }
    Some((params, pos + 1))
}

/// yescrypt digests: 43 crypt64 characters, the last carrying 4 bits.
fn yes_digest(b: &mut Builder, h: &[u8], start: usize) {
    b.digest(h, start, 43, CRYPT64, "crypt64 `./0-9A-Za-z`");
    if h.len() == start + 43 {
        let c = h[h.len() - 1];
        if index_in(CRYPT64, c).is_some() && !canonical_tail_le(c, 4) {
            b.problem(
                h.len() - 1..h.len(),
                "the last digest character carries 4 bits and must be one of `./0-9A-D`; no \
                 password produces this hash",
            );
        }
    }
}

/// Where the salt of a yescrypt-family hash ends: at the last `$` after `from`.
fn last_dollar(h: &[u8], from: usize) -> Option<usize> {
    h.get(from..)?
        .iter()
        .rposition(|&c| c == b'$')
        .map(|i| from + i)
}

fn yescrypt(h: &[u8], scheme: Scheme, params_at: usize) -> Classified {
    let ident = if scheme == Scheme::Yescrypt {
        "$y$"
    } else {
        "$gy$"
    };
    let mut b = Builder::new(scheme, ident);
    b.setting_chars(h);
    let Some((params, used)) = parse_yes_params(&h[params_at..]) else {
        let end = h[params_at..]
            .iter()
            .position(|&c| c == b'$')
            .map_or(h.len(), |i| params_at + i);
        b.problem(
            params_at..end,
            "unreadable yescrypt parameters (expected e.g. `j9T` followed by `$`)",
        );
        return b.done();
    };
    if params.flavor != 47 && params.flavor > 1 {
        b.problem(
            params_at..params_at + 1,
            "yescrypt flavour libxcrypt does not implement",
        );
    }
    if params.g != 0 || params.nrom_log2.is_some() {
        b.problem(
            params_at..params_at + used - 1,
            "yescrypt hash upgrades and ROM parameters are not supported by libxcrypt",
        );
    }
    let salt_start = params_at + used;
    let Some(dollar) = last_dollar(h, salt_start) else {
        b.problem(
            salt_start..h.len(),
            "missing `$` and the 43-character digest after the salt",
        );
        return b.done();
    };
    if yes_decode64(&h[salt_start..dollar], 64).is_none() {
        b.problem(
            salt_start..dollar,
            "the salt is not valid yescrypt base64 (or longer than 64 bytes)",
        );
    }
    yes_digest(&mut b, h, dollar + 1);
    b.done()
}

fn scrypt(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Scrypt, "$7$");
    b.setting_chars(h);
    let ok = h.len() >= 14
        && atoi64(h[3]).is_some_and(|n| (1..=63).contains(&n))
        && h[4..14].iter().all(|&c| atoi64(c).is_some());
    if !ok {
        b.problem(
            3..h.len().min(14),
            "scrypt parameters are 1 + 5 + 5 crypt64 characters (N, r, p)",
        );
        return b.done();
    }
    let Some(dollar) = last_dollar(h, 14) else {
        b.problem(
            14..h.len(),
            "missing `$` and the 43-character digest after the salt",
        );
        return b.done();
    };
    b.alphabet(h, 14..dollar, CRYPT64, "crypt64 `./0-9A-Za-z`");
    yes_digest(&mut b, h, dollar + 1);
    b.done()
}

fn sha1crypt(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Sha1Crypt, "$sha1$");
    b.setting_chars(h);
    if !h.starts_with(b"$sha1$") {
        b.problem(0..h.len().min(6), "sha1crypt hashes start with `$sha1$`");
        return b.done();
    }
    let digits = h[6..].iter().take_while(|c| c.is_ascii_digit()).count();
    let num_end = 6 + digits;
    if digits == 0 || h.get(num_end) != Some(&b'$') {
        b.problem(
            6..num_end.max(6),
            "sha1crypt needs an iteration count followed by `$`",
        );
        return b.done();
    }
    let text = &h[6..num_end];
    let value = text.iter().try_fold(0u64, |v, &d| {
        v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    });
    b.cost = value.and_then(|v| u32::try_from(v).ok());
    if (text[0] == b'0' && text.len() > 1) || value.is_none() {
        b.problem(
            6..num_end,
            "crypt(3) writes the iteration count back without leading zeros, so this never \
             verifies",
        );
    }
    let salt_start = num_end + 1;
    let salt_len = h[salt_start..]
        .iter()
        .take_while(|&&c| index_in(CRYPT64, c).is_some())
        .count();
    let salt_end = salt_start + salt_len;
    if salt_len == 0 || salt_len > 64 {
        b.problem(
            salt_start..salt_end.max(salt_start + 1).min(h.len()),
            "the salt is 1 to 64 crypt64 characters",
        );
    }
    if h.get(salt_end) != Some(&b'$') {
        b.problem(
            salt_end.min(h.len())..h.len(),
            "missing `$` and the 28-character digest after the salt",
        );
        return b.done();
    }
    b.digest(h, salt_end + 1, 28, CRYPT64, "crypt64 `./0-9A-Za-z`");
    b.done()
}

fn sunmd5(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::SunMd5, "$md5");
    b.setting_chars(h);
    let mut pos = 5;
    if h[pos..].starts_with(b"rounds=") {
        let num_start = pos + 7;
        let digits = h[num_start..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        let num_end = num_start + digits;
        let value = h[num_start..num_end].iter().try_fold(0u64, |v, &d| {
            v.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        });
        if digits == 0
            || h[num_start] == b'0'
            || h.get(num_end) != Some(&b'$')
            || value.is_none_or(|v| v > u64::from(u32::MAX))
        {
            b.problem(
                pos..num_end.max(num_start).min(h.len()),
                "`rounds=` needs a number from 1 to 4294967295 without leading zeros, then `$`",
            );
            return b.done();
        }
        b.cost = value.and_then(|v| u32::try_from(v).ok());
        pos = num_end + 1;
    } else if h[4] == b',' {
        b.problem(4..5, "`$md5,` must be followed by `rounds=`");
        return b.done();
    }
    let salt_len = h[pos..]
        .iter()
        .take_while(|&&c| index_in(CRYPT64, c).is_some())
        .count();
    let mut end = pos + salt_len;
    if h.get(end) != Some(&b'$') {
        b.problem(
            end.min(h.len())..h.len(),
            "the salt must be crypt64 characters followed by `$` and the digest",
        );
        return b.done();
    }
    end += 1;
    if h.get(end) == Some(&b'$') {
        end += 1;
    }
    b.digest(h, end, 22, CRYPT64, "crypt64 `./0-9A-Za-z`");
    md5_tail(&mut b, h, end);
    b.done()
}

fn nt(h: &[u8]) -> Classified {
    let mut b = Builder::new(Scheme::Nt, "$3$");
    if !h.starts_with(b"$3$$") {
        b.problem(
            3..h.len().min(4),
            "crypt(3) writes NT hashes as `$3$$` + 32 hex digits",
        );
        return b.done();
    }
    let body = &h[4..];
    if body.len() != 32 {
        b.problem(
            4..h.len(),
            format!("an NT hash has 32 hex digits; this one has {}", body.len()),
        );
    }
    if let Some(i) = body
        .iter()
        .position(|c| !matches!(c, b'0'..=b'9' | b'a'..=b'f'))
    {
        b.problem(
            4 + i..5 + i,
            "crypt(3) writes lowercase hex digits only; this never verifies",
        );
    }
    b.done()
}

/// The most of `hash` that a message may show: the scheme's identifier and cost
/// parameters (`$2y$05$`, `$6$rounds=5000$`, `$y$j9T$`), never salt or digest. Empty for
/// schemes without an identifier (DES, plaintext, unknown).
pub fn safe_prefix(hash: &str) -> &str {
    let c = classify(hash);
    let h = hash.as_bytes();
    let end = match c.scheme {
        Scheme::Bcrypt if c.ident.len() == 4 && h.get(6) == Some(&b'$') => 7,
        Scheme::Sha256Crypt | Scheme::Sha512Crypt if h[3..].starts_with(b"rounds=") => h[3..]
            .iter()
            .position(|&b| b == b'$')
            .map_or(3, |i| 3 + i + 1),
        Scheme::Yescrypt | Scheme::GostYescrypt => {
            let at = c.ident.len();
            h[at..]
                .iter()
                .position(|&b| b == b'$')
                .map_or(at, |i| (at + i + 1).min(at + 12))
        }
        Scheme::Sha1Crypt => h
            .get(6..)
            .and_then(|r| r.iter().position(|&b| b == b'$'))
            .map_or(6, |i| 6 + i + 1),
        Scheme::BsdiDes | Scheme::Locked | Scheme::Empty => 0,
        _ => c.ident.len(),
    };
    let end = end.min(hash.len());
    hash.get(..end).unwrap_or("")
}

/// Who computes `scheme` for `server`, independent of the platform.
///
/// Bcrypt is `Yes` for Apache because `$2a$`/`$2y$` are APR's own; `$2b$`/`$2x$` go to
/// crypt(3) (see [`server_refuses`], which looks at the variant and cost).
pub fn support(server: Server, scheme: Scheme) -> Support {
    use Scheme::*;
    match (server, scheme) {
        (Server::Apache, Bcrypt | Apr1 | Sha1) => Support::Yes,
        (Server::Nginx, Apr1 | Sha1 | Ssha | Plain) => Support::Yes,
        (
            _,
            Md5Crypt | Sha256Crypt | Sha512Crypt | DesCrypt | BigCrypt | BsdiDes | Yescrypt
            | GostYescrypt | Scrypt | Sha1Crypt | SunMd5 | Nt,
        ) => Support::ViaCrypt,
        (Server::Nginx, Bcrypt) => Support::ViaCrypt,
        _ => Support::No,
    }
}

/// Whether `lib`'s crypt(3) computes `scheme` at all (variant and parameter limits aside).
pub fn crypt_supports(lib: CryptLib, scheme: Scheme) -> bool {
    use Scheme::*;
    match lib {
        CryptLib::Libxcrypt => matches!(
            scheme,
            Bcrypt
                | Md5Crypt
                | Sha256Crypt
                | Sha512Crypt
                | DesCrypt
                | BigCrypt
                | BsdiDes
                | Yescrypt
                | GostYescrypt
                | Scrypt
                | Sha1Crypt
                | SunMd5
                | Nt
        ),
        CryptLib::Glibc => matches!(scheme, Md5Crypt | Sha256Crypt | Sha512Crypt | DesCrypt),
        CryptLib::Musl => matches!(
            scheme,
            Bcrypt | Md5Crypt | Sha256Crypt | Sha512Crypt | DesCrypt | BsdiDes
        ),
    }
}

/// Can `server` verify `scheme` on a platform whose crypt(3) is `lib`.
pub fn server_support(server: Server, scheme: Scheme, lib: CryptLib) -> bool {
    match support(server, scheme) {
        Support::Yes => true,
        Support::No => false,
        Support::ViaCrypt => crypt_supports(lib, scheme),
    }
}

fn lib_name(lib: CryptLib) -> &'static str {
    match lib {
        CryptLib::Libxcrypt => "libxcrypt",
        CryptLib::Glibc => "glibc's crypt(3)",
        CryptLib::Musl => "musl's crypt(3)",
    }
}

/// Why `server` on a platform with `lib` can never verify this hash, whatever the
/// password; `None` when it can. Structural problems are not repeated here (each of them
/// already means "never"): this covers the scheme, the bcrypt variant and the cost or
/// rounds limits of each implementation.
pub fn server_refuses(server: Server, lib: CryptLib, c: &Classified) -> Option<String> {
    let s = c.scheme;
    let via = support(server, s);
    let server_name = match server {
        Server::Apache => "Apache",
        Server::Nginx => "nginx",
    };
    if via == Support::No {
        let why = match (server, s) {
            (Server::Apache, Scheme::Plaintext) => {
                "Apache compares plaintext only on Windows and NetWare; on Unix it hands the \
                 text to crypt(3), which never reproduces it"
            }
            (Server::Nginx, Scheme::Plaintext) => {
                "nginx hands plaintext to crypt(3), which never reproduces it; nginx reads \
                 clear text only as `{PLAIN}`"
            }
            (Server::Apache, Scheme::Ssha | Scheme::Plain) => {
                "APR has no such scheme; Apache hands it to crypt(3), which never reproduces it"
            }
            (_, Scheme::Empty) => "an empty hash never verifies (crypt(3) fails on it)",
            (_, Scheme::Locked) => "a failure token or locked-account marker never verifies",
            (_, Scheme::Argon2) => "no crypt(3) that the servers use knows argon2",
            _ => "neither the server nor crypt(3) knows this format",
        };
        return Some(format!("{server_name} cannot verify {s} hashes: {why}"));
    }
    let cost = c.cost.unwrap_or(0);
    if s == Scheme::Bcrypt {
        let native = server == Server::Apache && matches!(c.ident, "$2a$" | "$2y$");
        if native {
            if cost > 17 {
                return Some(format!(
                    "APR's own bcrypt accepts cost 04..17, this hash has {cost}: Apache denies \
                     every login (`$2b$` would go to crypt(3) instead)"
                ));
            }
            return None;
        }
        return match lib {
            CryptLib::Glibc => Some(format!(
                "{server_name} hands {} hashes to crypt(3), and {} has no bcrypt{}",
                c.ident,
                lib_name(lib),
                if server == Server::Nginx {
                    " (nginx answers 500)"
                } else {
                    ""
                }
            )),
            CryptLib::Musl if cost > 19 => Some(format!(
                "musl's bcrypt accepts cost 04..19, this hash has {cost}"
            )),
            _ => None,
        };
    }
    if via == Support::ViaCrypt && !crypt_supports(lib, s) {
        let status = if server == Server::Nginx && lib == CryptLib::Glibc {
            " (nginx answers 500)"
        } else {
            ""
        };
        return Some(format!(
            "{server_name} hands {s} hashes to crypt(3), and {} does not know them{status}",
            lib_name(lib)
        ));
    }
    if lib == CryptLib::Musl
        && matches!(s, Scheme::Sha256Crypt | Scheme::Sha512Crypt)
        && cost > 9_999_999
    {
        return Some(format!(
            "musl's {s} refuses rounds above 9999999, this hash has {cost}"
        ));
    }
    None
}

/// Why `scheme` is weak, if it is (cost-related weakness of bcrypt and friends is judged
/// separately, on the cost).
pub fn is_weak(scheme: Scheme) -> Option<&'static str> {
    match scheme {
        Scheme::DesCrypt => Some(
            "DES crypt uses only the first 8 characters of the password, 7 bits each, with a \
             12-bit salt",
        ),
        Scheme::BigCrypt => {
            Some("bigcrypt is DES crypt over 8-character blocks, each crackable on its own")
        }
        Scheme::BsdiDes => Some("BSDi DES is DES-based, with 56-bit keys; fast to crack"),
        Scheme::Sha1 => Some("`{SHA}` is one unsalted SHA-1: precomputed tables crack it"),
        Scheme::Ssha => Some("`{SSHA}` is one salted SHA-1: fast to crack on GPUs"),
        Scheme::Smd5 => Some("`{SMD5}` is one salted MD5: fast to crack on GPUs"),
        Scheme::Apr1 | Scheme::Md5Crypt | Scheme::AixMd5 => {
            Some("MD5-based crypt (1,000 iterations): fast to crack on GPUs")
        }
        Scheme::SunMd5 => Some("Sun MD5 is MD5-based: fast to crack on GPUs"),
        Scheme::Nt => Some("the NT hash is one unsalted MD4"),
        Scheme::Plain | Scheme::Plaintext => Some("the password is stored in clear text"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(h: &str) -> Vec<HashProblem> {
        classify(h).problems
    }
    fn one_problem_at(h: &str, range: Range<usize>) {
        let c = classify(h);
        assert!(
            c.problems.iter().any(|p| p.range == range),
            "{:?}: want a problem at {:?}",
            c,
            range
        );
    }

    const BCRYPT: &str = "$2y$05$w2N5h5bbIeCiJOu3KRNz0e0dU8iRNGgD2oGznm8ZD2Tf2AJLteSYy";
    const APR1: &str = "$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.";
    const MD5: &str = "$1$5pZSV9va$azfrPr6af3Fc7dLblQXVa0";
    const SHA256: &str = "$5$2hOQs0iMkLRYJa6h$VJrZl8Z3YRwM3Q9p7i7Mv49TpFBDy7hPhXO9pEFjtL/";
    const SHA512: &str = "$6$nnbHCoILo3LzPVW0$pmczLC3l0MsuWSZsVBFp1CVlHVjUCoZeynppxjm5rd/Ec3lkrJ6q8yokaMqULs1t/kVP/OLWdqCAbofZ9T0nk1";
    const YESCRYPT: &str =
        "$y$j9T$j/84YIoGiINol4CmIKW361$AZZ7hUX50b2SAXCZOvH2Q250Q05Yl0OQ6Kid756X2I1";
    const GOST: &str = "$gy$j9T$tRce7ExJh5X3fbw3xhsh4/$JSx4SNgxMQTPWs3N7qOmeiRLBnlNQkHe4PxfIjWimH9";
    const SCRYPT: &str =
        "$7$CU..../....jD3EdyF.bVYssaac95yOs0$p.LhF4NXZx8D3Pl8UQxBRbfrboce/4i9dwAUNlGyFzD";

    #[test]
    fn each_scheme_is_recognised_without_problems() {
        let cases = [
            (BCRYPT, Scheme::Bcrypt, Some(5)),
            (APR1, Scheme::Apr1, None),
            (MD5, Scheme::Md5Crypt, None),
            (SHA256, Scheme::Sha256Crypt, Some(5000)),
            (SHA512, Scheme::Sha512Crypt, Some(5000)),
            (
                "$6$rounds=20000$abcdefgh$12345678901234567890123456789012345678901234567890123456789012345678901234567890123450",
                Scheme::Sha512Crypt,
                Some(20000),
            ),
            ("abJnggxhB/yWI", Scheme::DesCrypt, None),
            ("abJnggxhB/yWI8NTHMQt1Cew", Scheme::BigCrypt, None),
            ("_7C/.2zA5VCa4wu/FwbM", Scheme::BsdiDes, Some(5001)),
            ("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", Scheme::Sha1, None),
            ("{SSHA}qarXez4HKhWX6qw7qR2biTnXO75Yy5lT", Scheme::Ssha, None),
            ("{SMD5}sCMvrqehV6Ga6KVzU0HvGZjTGmM=", Scheme::Smd5, None),
            ("{PLAIN}secret", Scheme::Plain, None),
            ("secret", Scheme::Plaintext, None),
            (YESCRYPT, Scheme::Yescrypt, None),
            (GOST, Scheme::GostYescrypt, None),
            (SCRYPT, Scheme::Scrypt, None),
            (
                "$sha1$4$abc$4F8KswaVEF6ubEhBsr1gsyycMZWJ",
                Scheme::Sha1Crypt,
                Some(4),
            ),
            (
                "$md5,rounds=48357$ByKJat9z$$RsedWbyftRgLmXITF06Rq1",
                Scheme::SunMd5,
                Some(48357),
            ),
            ("$md5$abc$$bQlf3jaV7udHZrlJbWj5q.", Scheme::SunMd5, None),
            ("$3$$a9fdfa038c4b75ebc76dc855dd74f0da", Scheme::Nt, None),
            ("l3qcSH4W$HeG55qbE14coscb5wgdZj1", Scheme::AixMd5, None),
            (
                "$argon2id$v=19$m=65536,t=4,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
                Scheme::Argon2,
                None,
            ),
            ("*0", Scheme::Locked, None),
            ("!$6$abc$def", Scheme::Locked, None),
            ("", Scheme::Empty, None),
        ];
        for (h, scheme, cost) in cases {
            let c = classify(h);
            assert_eq!(c.scheme, scheme, "{h}");
            assert_eq!(c.cost, cost, "{h}");
            assert!(c.problems.is_empty(), "{h}: {:?}", c.problems);
        }
    }

    #[test]
    fn unknown_formats() {
        assert_eq!(classify("$9$abc$def").scheme, Scheme::Unknown);
        assert_eq!(classify("{MD5}abc").scheme, Scheme::Unknown);
        let c = classify("{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=");
        assert_eq!(c.scheme, Scheme::Unknown);
        assert!(c.problems[0].message.contains("case-sensitive"));
        assert_eq!(classify("$2c$05$abc").scheme, Scheme::Bcrypt);
        assert!(!problems("$2c$05$abc").is_empty());
    }

    #[test]
    fn bcrypt_variants_and_cost() {
        for (v, ident) in [("a", "$2a$"), ("b", "$2b$"), ("x", "$2x$"), ("y", "$2y$")] {
            let h = BCRYPT.replacen("$2y$", &format!("$2{v}$"), 1);
            assert_eq!(classify(&h).ident, ident);
            assert!(problems(&h).is_empty());
        }
        one_problem_at(&BCRYPT.replacen("$05$", "$03$", 1), 4..6);
        one_problem_at(&BCRYPT.replacen("$05$", "$32$", 1), 4..6);
        assert!(problems(&BCRYPT.replacen("$05$", "$31$", 1)).is_empty());
        assert!(problems(&BCRYPT.replacen("$05$", "$04$", 1)).is_empty());
        one_problem_at(&BCRYPT.replacen("$05$", "$5$", 1), 4..7);
    }

    #[test]
    fn bcrypt_length_alphabet_and_canonical_characters() {
        one_problem_at(&BCRYPT[..59], 7..59);
        one_problem_at(&format!("{BCRYPT}x"), 7..61);
        let mut bad = BCRYPT.to_string();
        bad.replace_range(10..11, "+");
        one_problem_at(&bad, 10..11);
        // salt character 22 (offset 28) is `e` here; `f` keeps its two used bits but
        // sets unused ones.
        let mut noncanon = BCRYPT.to_string();
        noncanon.replace_range(28..29, "f");
        one_problem_at(&noncanon, 28..29);
        let mut tail = BCRYPT.to_string();
        tail.replace_range(59..60, "z");
        one_problem_at(&tail, 59..60);
    }

    #[test]
    fn apr1_and_md5_salt_and_digest() {
        one_problem_at("$apr1$123456789$oZib5k8mgkMfdFGULiezk.", 14..15);
        one_problem_at("$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk", 15..36);
        one_problem_at("$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk!", 36..37);
        one_problem_at("$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezkz", 36..37);
        one_problem_at("$apr1$q51WF/Is", 6..14);
        one_problem_at("$1$5pZSV9va12$azfrPr6af3Fc7dLblQXVa0", 11..13);
        one_problem_at("$1$5pZ SV9va$azfrPr6af3Fc7dLblQXVa0", 6..7);
        assert!(problems("$1$$azfrPr6af3Fc7dLblQXVa0").is_empty());
    }

    #[test]
    fn sha_crypt_rounds_and_salt() {
        let tail = &SHA512[20..];
        let with = |r: &str| format!("$6$rounds={r}$nnbHCoILo3LzPVW0${tail}");
        assert!(problems(&with("1000")).is_empty());
        assert!(problems(&with("999999999")).is_empty());
        one_problem_at(&with("999"), 10..13);
        one_problem_at(&with("1000000000"), 10..20);
        one_problem_at(&with("01000"), 10..15);
        assert_eq!(classify(&with("999")).cost, Some(999));
        one_problem_at(&format!("$6$nnbHCoILo3LzPVW0xyz${tail}"), 19..22);
        one_problem_at(&SHA256[..SHA256.len() - 1], 20..62);
        let mut noncanon = SHA256.to_string();
        noncanon.replace_range(62..63, "z");
        one_problem_at(&noncanon, 62..63);
    }

    #[test]
    fn des_and_bsdi() {
        one_problem_at("abJnggxhB/yWJ", 12..13);
        assert_eq!(classify("abJnggxhB/yW").scheme, Scheme::Plaintext);
        one_problem_at("_7C/.2zA5VCa4wu/FwbM1", 1..21);
        one_problem_at("_7C/.2zA5VCa4wu/Fwb!", 19..20);
    }

    #[test]
    fn sha1_and_ssha() {
        one_problem_at("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", 5..32);
        one_problem_at("{SHA}5en6G6MezRroT3XKqkdPOmY/BfR=", 31..32);
        one_problem_at("{SHA}5en6G6MezRroT3XKqk*POmY/BfQ=", 23..24);
        one_problem_at("{SSHA}c2hvcnQ=", 6..14);
        one_problem_at("{SSHA}qarXez4HKhWX6qw7qR2biTnXO75Yy5lT=", 6..39);
    }

    #[test]
    fn yescrypt_family() {
        one_problem_at(
            "$y$j9T$abc$AZZ7hUX50b2SAXCZOvH2Q250Q05Yl0OQ6Kid756X2I1",
            7..10,
        );
        one_problem_at(
            "$y$!9T$j/84YIoGiINol4CmIKW361$AZZ7hUX50b2SAXCZOvH2Q250Q05Yl0OQ6Kid756X2I1",
            3..6,
        );
        one_problem_at(&YESCRYPT[..YESCRYPT.len() - 1], 30..72);
        one_problem_at(&SCRYPT.replacen("$7$C", "$7$!", 1), 3..14);
        assert!(problems("$y$j9T$$NJLey1.PlKBNRXKC8paA5/oiM57RRZku22T4YZVfTGA").is_empty());
    }

    #[test]
    fn nt_sha1crypt_sunmd5() {
        one_problem_at("$3$$A9FDFA038C4B75EBC76DC855DD74F0DA", 4..5);
        one_problem_at("$3$$a9fdfa038c4b75ebc76dc855dd74f0d", 4..35);
        one_problem_at("$sha1$04$abc$4F8KswaVEF6ubEhBsr1gsyycMZWJ", 6..8);
        one_problem_at("$md5,rounds=0$abc$$bQlf3jaV7udHZrlJbWj5q.", 5..13);
    }

    #[test]
    fn nul_ends_the_hash() {
        let c = classify("$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.\0junk");
        assert_eq!(c.scheme, Scheme::Apr1);
        assert_eq!(c.problems.len(), 1);
        assert_eq!(c.problems[0].range, 37..38);
    }

    #[test]
    fn messages_never_quote_the_hash() {
        let hashes = [
            "$2y$05$w2N5h5bbIeCiJOu3KRNz0e0dU8iRNGgD2oGznm8ZD2Tf2AJLteSYz",
            "$apr1$SALTSALTX$oZib5k8mgkMfdFGULiezkz",
            "$6$rounds=12$SALTSALT$abc",
            "{SSHA}QUJDREVGR0g=",
            "$y$QQQ$SALT$xyz",
        ];
        for h in hashes {
            for p in problems(h) {
                assert!(!p.message.contains("SALT") && !p.message.contains("QUJD"));
                assert!(p.range.end <= h.len());
            }
        }
    }

    #[test]
    fn safe_prefixes() {
        assert_eq!(safe_prefix(BCRYPT), "$2y$05$");
        assert_eq!(safe_prefix(APR1), "$apr1$");
        assert_eq!(safe_prefix(SHA512), "$6$");
        assert_eq!(safe_prefix("$6$rounds=5000$abc$def"), "$6$rounds=5000$");
        assert_eq!(safe_prefix(YESCRYPT), "$y$j9T$");
        assert_eq!(safe_prefix("abJnggxhB/yWI"), "");
        assert_eq!(safe_prefix("secret"), "");
        assert_eq!(safe_prefix("{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ="), "{SHA}");
    }

    #[test]
    fn support_matrix() {
        use CryptLib::*;
        use Server::*;
        assert!(server_support(Apache, Scheme::Bcrypt, Glibc));
        assert!(!server_support(Nginx, Scheme::Bcrypt, Glibc));
        assert!(server_support(Nginx, Scheme::Bcrypt, Musl));
        assert!(!server_support(Apache, Scheme::Ssha, Libxcrypt));
        assert!(server_support(Nginx, Scheme::Ssha, Glibc));
        assert!(server_support(Nginx, Scheme::Plain, Musl));
        assert!(!server_support(Apache, Scheme::Plain, Libxcrypt));
        assert!(!server_support(Apache, Scheme::Plaintext, Libxcrypt));
        assert!(server_support(Apache, Scheme::Yescrypt, Libxcrypt));
        assert!(!server_support(Apache, Scheme::Yescrypt, Glibc));
        assert!(!server_support(Nginx, Scheme::Yescrypt, Musl));
        assert!(server_support(Apache, Scheme::BsdiDes, Musl));
        assert!(!server_support(Apache, Scheme::Argon2, Libxcrypt));
        assert_eq!(support(Apache, Scheme::Md5Crypt), Support::ViaCrypt);
        assert_eq!(support(Nginx, Scheme::Apr1), Support::Yes);
        assert_eq!(support(Apache, Scheme::Smd5), Support::No);
    }

    #[test]
    fn refusals_by_variant_and_cost() {
        use CryptLib::*;
        use Server::*;
        let c18 = classify(&BCRYPT.replacen("$05$", "$18$", 1));
        assert!(server_refuses(Apache, Libxcrypt, &c18).is_some());
        let b18 = classify(&BCRYPT.replacen("$2y$05$", "$2b$18$", 1));
        assert!(server_refuses(Apache, Libxcrypt, &b18).is_none());
        assert!(server_refuses(Apache, Glibc, &b18).is_some());
        assert!(server_refuses(Nginx, Libxcrypt, &c18).is_none());
        let c20 = classify(&BCRYPT.replacen("$05$", "$20$", 1));
        assert!(server_refuses(Nginx, Musl, &c20).is_some());
        assert!(server_refuses(Apache, Libxcrypt, &classify(BCRYPT)).is_none());
        assert!(server_refuses(Apache, Libxcrypt, &classify("secret")).is_some());
        assert!(server_refuses(Nginx, Libxcrypt, &classify("{PLAIN}x")).is_none());
        assert!(server_refuses(Apache, Libxcrypt, &classify("{SSHA}x")).is_some());
        let big = classify(
            "$6$rounds=10000000$nnbHCoILo3LzPVW0$pmczLC3l0MsuWSZsVBFp1CVlHVjUCoZeynppxjm5rd/Ec3lkrJ6q8yokaMqULs1t/kVP/OLWdq9EQUmk4SkVp.",
        );
        assert!(server_refuses(Nginx, Musl, &big).is_some());
        assert!(server_refuses(Nginx, Glibc, &big).is_none());
    }

    #[test]
    fn weak_schemes() {
        assert!(is_weak(Scheme::DesCrypt).is_some_and(|w| w.contains("8 characters")));
        assert!(is_weak(Scheme::Sha1).is_some_and(|w| w.contains("unsalted")));
        assert!(is_weak(Scheme::Apr1).is_some());
        assert!(is_weak(Scheme::Bcrypt).is_none());
        assert!(is_weak(Scheme::Yescrypt).is_none());
    }

    #[test]
    fn never_panics_on_odd_input() {
        let seeds = [
            "$",
            "$2",
            "$2y",
            "$2y$",
            "$2y$0",
            "$2y$05",
            "$2y$05$",
            "$apr1$",
            "$1$",
            "$5$",
            "$5$rounds=",
            "$5$rounds=$",
            "$6$rounds=99999999999999999999999$a$b",
            "$y$",
            "$y$j",
            "$gy$",
            "$7$",
            "$7$C",
            "$sha1",
            "$sha1$",
            "$sha1$1",
            "$sha1$1$",
            "$md5$",
            "$md5,",
            "$md5,rounds=",
            "$md5,rounds=1",
            "$3$",
            "$3$$",
            "_",
            "{",
            "{SHA}",
            "{SSHA}",
            "{}",
            "ä",
            "$ä$",
            "\u{0}",
            "*",
            "!",
            "ab",
            "a$",
            "$argon2id$",
        ];
        for s in seeds {
            for cut in 0..=s.len() {
                if let Some(p) = s.get(..cut) {
                    let c = classify(p);
                    for pr in &c.problems {
                        assert!(pr.range.start <= pr.range.end && pr.range.end <= p.len() + 1);
                    }
                    let _ = safe_prefix(p);
                }
            }
        }
    }
}
