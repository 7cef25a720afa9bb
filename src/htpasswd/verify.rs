//! Password verification exactly as the servers decide it on Debian 12.
//!
//! Apache: mod_authn_file calls APR's `apr_password_validate`, which computes `$2a$`/`$2y$`
//! bcrypt (its own crypt_blowfish, cost 4..17), `$apr1$` and `{SHA}` itself and hands every
//! other hash to the system `crypt_r()`; a hash it cannot compute is a mismatch, never an
//! error the client sees (401). nginx: `ngx_crypt` computes `$apr1$`, `{PLAIN}`, `{SSHA}`
//! and `{SHA}` itself and hands the rest to `crypt_r()`. On Debian 12 that is libxcrypt
//! 4.4.33, which answers a setting it refuses with a failure token (`*0`), so nginx, too,
//! answers 401 rather than 500.
//!
//! Guarantees:
//! - Every crypt(3) scheme libxcrypt has (bcrypt `$2a$ $2b$ $2x$ $2y$`, `$1$`, `$5$`,
//!   `$6$`, DES, bigcrypt, BSDi `_`, yescrypt `$y$`, gost-yescrypt `$gy$`, scrypt `$7$`,
//!   sha1crypt `$sha1$`, Sun MD5 `$md5`, NT `$3$`) is computed natively in Rust, with
//!   libxcrypt's parsing of the setting (salt truncation, `rounds=` limits, the characters
//!   it refuses), and the result is compared with the stored hash as text, as the servers
//!   do. [`Verdict::Unverifiable`] is returned only where computing is not possible here
//!   (yescrypt memory above [`MAX_MEMORY`], parameters libxcrypt may accept that the
//!   yescrypt crate cannot compute, sha1crypt iteration counts above 2^32 - 1); it is never
//!   a guess.
//! - Both the password and the hash are read as C strings, up to their first NUL byte:
//!   that is all either server ever passes on.
//! - The final comparison is constant-time ([`subtle`]).
//! - No password, salt or digest appears in any `Verdict` or `Debug` output.

mod bcrypt;
mod xcrypt;
mod yescrypt;

use super::scheme::{b64_encode, c_str, ngx_decode_base64, Server};
use subtle::ConstantTimeEq;

/// What the server would decide for a password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The server accepts the password.
    Match,
    /// The server refuses the password: a wrong password, or a hash the server can never
    /// verify (Apache with `{SSHA}`, a bcrypt cost above APR's 17, a crypt(3) failure).
    Mismatch,
    /// authlint cannot compute this hash; says why, without secrets.
    Unverifiable(String),
}

/// Largest memory a yescrypt or scrypt hash may need for authlint to compute it (1 GiB,
/// which covers libxcrypt's costs 1..11).
pub const MAX_MEMORY: u64 = 1 << 30;

/// What a password hashing function made of a password and a setting.
pub(crate) enum Crypt {
    /// The hash string it produces; the server compares it with the stored text.
    Hash(Vec<u8>),
    /// The implementation refuses the setting (APR returns an error, libxcrypt a failure
    /// token): no password matches.
    Fail,
    /// authlint cannot reproduce the computation.
    Cannot(String),
}

/// Decide as `server` on Debian 12 (libxcrypt) would whether `password` matches `hash`.
pub fn verify(server: Server, hash: &str, password: &[u8]) -> Verdict {
    verify_bytes(server, hash.as_bytes(), password)
}

/// [`verify`] for a hash that is not valid UTF-8 (password files are bytes).
pub fn verify_bytes(server: Server, hash: &[u8], password: &[u8]) -> Verdict {
    let hash = c_str(hash);
    let password = c_str(password);
    let computed = match server {
        Server::Apache => apr_password_validate(hash, password),
        Server::Nginx => ngx_crypt(hash, password),
    };
    match computed {
        Crypt::Hash(out) => {
            if out.len() == hash.len() && bool::from(out.as_slice().ct_eq(hash)) {
                Verdict::Match
            } else {
                Verdict::Mismatch
            }
        }
        Crypt::Fail => Verdict::Mismatch,
        Crypt::Cannot(why) => Verdict::Unverifiable(why),
    }
}

/// apr-util 1.6 `apr_password_validate` (crypto/apr_passwd.c) on Unix.
fn apr_password_validate(hash: &[u8], pw: &[u8]) -> Crypt {
    if hash.len() >= 4
        && hash[0] == b'$'
        && hash[1] == b'2'
        && (hash[2] == b'a' || hash[2] == b'y')
        && hash[3] == b'$'
    {
        // APR's own crypt_blowfish: cost 04..17. NULL (EINVAL) makes
        // apr_password_validate fail, which mod_authn_file treats as a mismatch (401) and
        // `htpasswd -v` reports as "Could not verify password".
        bcrypt::bf_crypt(pw, hash, bcrypt::Flavor::Apr)
    } else if hash.starts_with(b"$apr1$") {
        Crypt::Hash(xcrypt::md5_crypt(pw, b"$apr1$", apr_salt(&hash[6..])))
    } else if hash.starts_with(b"{SHA}") {
        Crypt::Hash(sha1_b64(pw))
    } else {
        // CRYPT_MISSING is false on Unix: everything else, plaintext included, goes to
        // crypt_r(); a NULL or failure token never equals the hash.
        xcrypt::crypt_r(pw, hash)
    }
}

/// nginx `ngx_crypt` (src/core/ngx_crypt.c) with `ngx_libc_crypt` falling back to crypt_r().
fn ngx_crypt(hash: &[u8], pw: &[u8]) -> Crypt {
    if hash.starts_with(b"$apr1$") {
        Crypt::Hash(xcrypt::md5_crypt(pw, b"$apr1$", apr_salt(&hash[6..])))
    } else if hash.starts_with(b"{PLAIN}") {
        let mut out = b"{PLAIN}".to_vec();
        out.extend_from_slice(pw);
        Crypt::Hash(out)
    } else if hash.starts_with(b"{SSHA}") {
        Crypt::Hash(ngx_ssha(pw, &hash[6..]))
    } else if hash.starts_with(b"{SHA}") {
        Crypt::Hash(sha1_b64(pw))
    } else {
        xcrypt::crypt_r(pw, hash)
    }
}

/// The apr1 salt: up to 8 characters, stopping at `$` (APR and nginx alike).
fn apr_salt(s: &[u8]) -> &[u8] {
    let end = s
        .iter()
        .take(8)
        .position(|&c| c == b'$')
        .unwrap_or(s.len().min(8));
    &s[..end]
}

/// `{SHA}` + base64(SHA-1(password)).
fn sha1_b64(pw: &[u8]) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(pw);
    format!("{{SHA}}{}", b64_encode(&digest)).into_bytes()
}

/// nginx `ngx_crypt_ssha`: the salt is whatever follows the 20-byte digest in the decoded
/// text (none when decoding fails or is shorter); the result is re-encoded canonically.
fn ngx_ssha(pw: &[u8], encoded: &[u8]) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let decoded = ngx_decode_base64(encoded).unwrap_or_default();
    let salt = decoded.get(20..).unwrap_or(&[]);
    let mut h = Sha1::new();
    h.update(pw);
    h.update(salt);
    let mut raw = h.finalize().to_vec();
    raw.extend_from_slice(salt);
    format!("{{SSHA}}{}", b64_encode(&raw)).into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Server::*;

    #[test]
    fn nginx_native_schemes() {
        assert_eq!(verify(Nginx, "{PLAIN}secret", b"secret"), Verdict::Match);
        assert_eq!(verify(Nginx, "{PLAIN}secret", b"secreT"), Verdict::Mismatch);
        assert_eq!(
            verify(Apache, "{PLAIN}secret", b"secret"),
            Verdict::Mismatch
        );
        // passlib ldap_salted_sha1 of "password123"; Apache fails it, nginx accepts it.
        let ssha = "{SSHA}qarXez4HKhWX6qw7qR2biTnXO75Yy5lT";
        assert_eq!(verify(Nginx, ssha, b"password123"), Verdict::Match);
        assert_eq!(verify(Nginx, ssha, b"password124"), Verdict::Mismatch);
        assert_eq!(verify(Apache, ssha, b"password123"), Verdict::Mismatch);
        // nginx compares text: the same bytes with padding added never match.
        assert_eq!(
            verify(Nginx, &format!("{ssha}="), b"password123"),
            Verdict::Mismatch
        );
        let sha = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=";
        assert_eq!(verify(Nginx, sha, b"secret"), Verdict::Match);
        assert_eq!(verify(Apache, sha, b"secret"), Verdict::Match);
        assert_eq!(
            verify(Apache, "{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=", b"secret"),
            Verdict::Mismatch
        );
    }

    #[test]
    fn apr1_salt_rules() {
        let h = "$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.";
        for server in [Apache, Nginx] {
            assert_eq!(verify(server, h, b"secret"), Verdict::Match);
            assert_eq!(verify(server, h, b"Secret"), Verdict::Mismatch);
            // A trailing space is part of the hash for both verifiers (the file parsers
            // decide whether it reaches them).
            assert_eq!(
                verify(server, &format!("{h} "), b"secret"),
                Verdict::Mismatch
            );
        }
    }

    #[test]
    fn plaintext_and_empty_never_match() {
        for server in [Apache, Nginx] {
            assert_eq!(verify(server, "secret", b"secret"), Verdict::Mismatch);
            assert_eq!(verify(server, "", b""), Verdict::Mismatch);
            assert_eq!(verify(server, "*0", b""), Verdict::Mismatch);
            assert_eq!(verify(server, "<NULL>", b""), Verdict::Mismatch);
        }
    }

    #[test]
    fn c_strings() {
        let h = "$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.";
        assert_eq!(verify(Apache, h, b"secret\0tail"), Verdict::Match);
        assert_eq!(
            verify(Apache, &format!("{h}\0junk"), b"secret"),
            Verdict::Match
        );
    }

    #[test]
    fn bcrypt_cost_cap_is_apaches_not_nginxs() {
        // crypt_blowfish test vector "U*U" at cost 05, relabelled: APR refuses $2y$ above 17
        // before computing anything, libxcrypt accepts up to 31.
        let h = "$2y$18$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert_eq!(verify(Apache, h, b"U*U"), Verdict::Mismatch);
        let h = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert_eq!(verify(Apache, h, b"U*U"), Verdict::Match);
        assert_eq!(verify(Nginx, h, b"U*U"), Verdict::Match);
        assert_eq!(verify(Apache, h, b"U*V"), Verdict::Mismatch);
    }

    #[test]
    fn verdict_debug_has_no_secrets() {
        let v = verify(Apache, "$y$jD5T$abcdabcdabcd$xyz", b"hunter2");
        let shown = format!("{v:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("abcdabcd"));
    }
}
