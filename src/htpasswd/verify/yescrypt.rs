//! yescrypt `$y$`, gost-yescrypt `$gy$` and scrypt `$7$` as libxcrypt computes them
//! (`yescrypt_r` in alg-yescrypt-common.c and its three crypt wrappers). The KDF is the
//! `yescrypt` crate's; the setting parsing, the validity rules of `yescrypt_kdf`, the
//! output encoding and gost-yescrypt's two Streebog HMACs are reproduced here.

use super::{Crypt, MAX_MEMORY};
use crate::htpasswd::scheme::{atoi64, index_in, parse_yes_params, yes_decode64, CRYPT64};

/// libxcrypt's `CRYPT_OUTPUT_SIZE`.
const OUTPUT_SIZE: usize = 384;
/// 43 characters of digest.
const HASH_LEN: usize = 43;

/// yescrypt's flags for its only implemented read-write flavour (`YESCRYPT_DEFAULTS`).
const RW_DEFAULT_FLAGS: u32 = 0xb6;

struct Kdf {
    flags: u32,
    n_log2: u32,
    r: u32,
    p: u32,
    t: u32,
    g: u32,
    rom: bool,
}

/// `yescrypt_r(setting)` with an output buffer of `buflen`: the length of the setting text
/// copied into the output (parameters and salt) and the raw 32-byte digest.
fn yescrypt_r(pw: &[u8], setting: &[u8], buflen: usize) -> Result<(usize, [u8; 32]), Crypt> {
    let (kdf, prefixlen) = match setting.get(1) {
        Some(b'7') => {
            let n_log2 = setting
                .get(3)
                .copied()
                .and_then(atoi64)
                .ok_or(Crypt::Fail)?;
            if !(1..=63).contains(&n_log2) {
                return Err(Crypt::Fail);
            }
            let r = fixed30(setting.get(4..9)).ok_or(Crypt::Fail)?;
            let p = fixed30(setting.get(9..14)).ok_or(Crypt::Fail)?;
            let kdf = Kdf {
                flags: 0,
                n_log2,
                r,
                p,
                t: 0,
                g: 0,
                rom: false,
            };
            (kdf, 14)
        }
        Some(b'y') => {
            let (params, used) = parse_yes_params(&setting[3..]).ok_or(Crypt::Fail)?;
            let flags = if params.flavor < 2 {
                params.flavor
            } else {
                2 + ((params.flavor - 2) << 2)
            };
            let kdf = Kdf {
                flags,
                n_log2: params.n_log2,
                r: params.r,
                p: params.p,
                t: params.t,
                g: params.g,
                rom: params.nrom_log2.is_some(),
            };
            (kdf, 3 + used)
        }
        _ => return Err(Crypt::Fail),
    };
    let saltstr = &setting[prefixlen..];
    let saltstrlen = saltstr
        .iter()
        .rposition(|&c| c == b'$')
        .unwrap_or(saltstr.len());
    let salt: Vec<u8> = if setting[1] == b'7' {
        saltstr[..saltstrlen].to_vec()
    } else {
        yes_decode64(&saltstr[..saltstrlen], 64).ok_or(Crypt::Fail)?
    };
    if prefixlen + saltstrlen + 1 + HASH_LEN + 1 > buflen {
        return Err(Crypt::Fail);
    }
    let digest = kdf_compute(pw, &salt, &kdf)?;
    Ok((prefixlen + saltstrlen, digest))
}

/// `decode64_uint32_fixed(.., 30, ..)`: five characters, least significant first.
fn fixed30(chars: Option<&[u8]>) -> Option<u32> {
    let mut v = 0u32;
    for (i, &c) in chars?.iter().enumerate() {
        v |= atoi64(c)? << (6 * i);
    }
    Some(v)
}

/// `yescrypt_kdf`'s parameter checks, then the computation.
fn kdf_compute(pw: &[u8], salt: &[u8], k: &Kdf) -> Result<[u8; 32], Crypt> {
    use yescrypt::{Mode, Params};
    if k.g != 0 {
        // "Support for hash upgrades has been temporarily removed".
        return Err(Crypt::Fail);
    }
    // Without a shared ROM (crypt never has one) an NROM parameter is EINVAL.
    if k.rom {
        return Err(Crypt::Fail);
    }
    let mode = match k.flags {
        0 if k.t == 0 => Mode::Classic,
        1 => Mode::Worm,
        RW_DEFAULT_FLAGS => Mode::Rw,
        _ => return Err(Crypt::Fail),
    };
    let (n, r, p) = (1u128 << k.n_log2, u128::from(k.r), u128::from(k.p));
    if r * p >= 1 << 30 || r < 1 || p < 1 || n <= 3 || n > u128::from(u32::MAX) {
        return Err(Crypt::Fail);
    }
    if mode == Mode::Rw && n / p <= 3 {
        return Err(Crypt::Fail);
    }
    let memory = 128 * r * n + 128 * r * p;
    if memory > u128::from(MAX_MEMORY) {
        return Err(Crypt::Cannot(format!(
            "this yescrypt/scrypt hash needs {} MiB, more than the {} MiB authlint allows",
            memory >> 20,
            MAX_MEMORY >> 20
        )));
    }
    let params = Params::new_with_all_params(mode, n as u64, k.r, k.p, k.t, 0)
        .map_err(|_| Crypt::Cannot("yescrypt parameters the crate refuses".to_string()))?;
    let mut out = [0u8; 32];
    yescrypt::yescrypt(pw, salt, &params, &mut out)
        .map_err(|_| Crypt::Cannot("yescrypt could not be computed".to_string()))?;
    Ok(out)
}

/// yescrypt's `encode64`: little-endian groups of up to 3 bytes.
fn encode64(src: &[u8], out: &mut Vec<u8>) {
    for chunk in src.chunks(3) {
        let mut value = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            value |= u32::from(b) << (8 * i);
        }
        let bits = 8 * chunk.len() as u32;
        let mut done = 0;
        while done < bits {
            out.push(CRYPT64[(value & 0x3f) as usize]);
            value >>= 6;
            done += 6;
        }
    }
}

fn finish(setting: &[u8], keep: usize, digest: &[u8; 32]) -> Crypt {
    let mut out = setting[..keep].to_vec();
    out.push(b'$');
    encode64(digest, &mut out);
    Crypt::Hash(out)
}

/// `crypt_yescrypt_rn` for `$y$`.
pub(super) fn crypt_yescrypt(pw: &[u8], setting: &[u8]) -> Crypt {
    if setting.len() + 1 + HASH_LEN + 1 > OUTPUT_SIZE {
        return Crypt::Fail;
    }
    match yescrypt_r(pw, setting, OUTPUT_SIZE) {
        Ok((keep, digest)) => finish(setting, keep, &digest),
        Err(c) => c,
    }
}

/// `crypt_scrypt_rn` for `$7$`: the salt must end properly before any character outside
/// crypt64 and `$`.
pub(super) fn crypt_scrypt(pw: &[u8], setting: &[u8]) -> Crypt {
    if setting.len() + 1 + HASH_LEN + 1 > OUTPUT_SIZE {
        return Crypt::Fail;
    }
    for i in 14..setting.len() {
        let c = setting[i];
        if index_in(CRYPT64, c).is_none() && c != b'$' {
            if setting[i - 1] == b'$' {
                break;
            }
            return Crypt::Fail;
        }
    }
    crypt_yescrypt(pw, setting)
}

/// `crypt_gost_yescrypt_rn` for `$gy$`: yescrypt on the `$y$` form of the setting, then
/// HMAC_GOST256(HMAC_GOST256(GOST256(password), setting up to the salt), yescrypt digest).
pub(super) fn crypt_gost_yescrypt(pw: &[u8], setting: &[u8]) -> Crypt {
    use hmac::{Mac, SimpleHmac};
    use streebog::{Digest, Streebog256};
    if setting.len() + 1 + HASH_LEN + 1 > OUTPUT_SIZE {
        return Crypt::Fail;
    }
    let mut ysetting = b"$y$".to_vec();
    ysetting.extend_from_slice(&setting[4..]);
    let (keep, y) = match yescrypt_r(pw, &ysetting, OUTPUT_SIZE - 1) {
        Ok(v) => v,
        Err(c) => return c,
    };
    let hk = Streebog256::digest(pw);
    let Ok(mut inner) = <SimpleHmac<Streebog256>>::new_from_slice(&hk) else {
        return Crypt::Cannot("HMAC-Streebog refused the key".to_string());
    };
    // The message is as long as the `$y$` prefix: the `$gy$` text one short of its `$`.
    inner.update(&setting[..keep + 1]);
    let interm = inner.finalize().into_bytes();
    let Ok(mut outer) = <SimpleHmac<Streebog256>>::new_from_slice(&interm) else {
        return Crypt::Cannot("HMAC-Streebog refused the key".to_string());
    };
    outer.update(&y);
    let mut digest = [0u8; 32];
    digest.copy_from_slice(&outer.finalize().into_bytes());
    finish(setting, keep + 1, &digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pw: &[u8], setting: &str) -> Option<String> {
        let s = setting.as_bytes();
        let c = if s.starts_with(b"$gy$") {
            crypt_gost_yescrypt(pw, s)
        } else if s.starts_with(b"$7$") {
            crypt_scrypt(pw, s)
        } else {
            crypt_yescrypt(pw, s)
        };
        match c {
            Crypt::Hash(h) => String::from_utf8(h).ok(),
            _ => None,
        }
    }

    /// Outputs of libxcrypt 4.4.33's crypt_r on Debian 12.
    #[test]
    fn libxcrypt_outputs() {
        let cases = [
            (
                "$y$j9T$abcd$",
                "$y$j9T$abcd$5ZeaavQmS6tWE3reXsfHtJf07p2B4x9UMmwVgSTdix.",
            ),
            (
                "$y$j9T$$",
                "$y$j9T$$NJLey1.PlKBNRXKC8paA5/oiM57RRZku22T4YZVfTGA",
            ),
            (
                "$7$CU..../....abc",
                "$7$CU..../....abc$mIe3RcV2CdT2H1wrpei6LQaDNz7bvlNUEObYNXyWiz7",
            ),
            (
                "$7$CU..../....",
                "$7$CU..../....$aMI/XmAGdQyXb2jccVEKak8gvhyc6Y0pviuQb2FHowB",
            ),
        ];
        for (setting, want) in cases {
            assert_eq!(hash(b"x", setting).as_deref(), Some(want), "{setting}");
        }
        assert!(hash(b"x", "$y$j9T$abc$").is_none());
        assert!(hash(b"x", "$y$j9T").is_none());
    }
}
