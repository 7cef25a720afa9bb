//! bcrypt as Solar Designer's crypt_blowfish computes it (`BF_crypt`), the code both APR
//! (its own copy, cost 04..17, `$2a$`/`$2y$`) and libxcrypt (cost 04..31, `$2a$ $2b$ $2x$
//! $2y$`) use. The EksBlowfish core is the `blowfish` crate's; what is reproduced here is
//! crypt_blowfish's setting parsing and key schedule (`BF_set_key`), including the `$2x$`
//! sign-extension bug and the `$2a$` "safety" tweak for 8-bit passwords, so every variant
//! matches the C code bit for bit.

use super::Crypt;
use crate::htpasswd::scheme::{index_in, BCRYPT64};
use blowfish::Blowfish;

/// Whose crypt_blowfish.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    /// APR's copy: cost 04..17 (apr-util 1.6 "avoid excessive iteration"), `$2a$`, `$2x$`,
    /// `$2y$`.
    Apr,
    /// libxcrypt's: cost 04..31, also `$2b$`.
    Xcrypt,
}

const BF_N: usize = 16;

/// `BF_crypt(key, setting)`: the 60-character hash, or `Fail` where crypt_blowfish
/// returns NULL.
pub(super) fn bf_crypt(key: &[u8], setting: &[u8], flavor: Flavor) -> Crypt {
    let Some(parsed) = parse(setting, flavor) else {
        return Crypt::Fail;
    };
    let (expanded, initial) = key_schedule(key, parsed.flags);
    let raw = eks_blowfish(parsed.cost, &parsed.salt, &initial, &expanded);
    let mut out = Vec::with_capacity(60);
    out.extend_from_slice(&setting[..28]);
    out.push(parsed.canonical_28);
    encode(&raw[..23], &mut out);
    Crypt::Hash(out)
}

struct Parsed {
    flags: u8,
    cost: u32,
    salt: [u8; 16],
    canonical_28: u8,
}

fn parse(s: &[u8], flavor: Flavor) -> Option<Parsed> {
    if s.len() < 29 || s[0] != b'$' || s[1] != b'2' || s[3] != b'$' || s[6] != b'$' {
        return None;
    }
    // flags_by_subtype: bit 0 = the 2x bug, bit 1 = the 2a safety measure.
    let flags = match (s[2], flavor) {
        (b'a', _) => 2,
        (b'b', Flavor::Xcrypt) => 4,
        (b'x', _) => 1,
        (b'y', _) => 4,
        _ => return None,
    };
    let (d1, d2) = (s[4], s[5]);
    let max_first = match flavor {
        Flavor::Apr => b'1',
        Flavor::Xcrypt => b'3',
    };
    if !(b'0'..=max_first).contains(&d1) || !d2.is_ascii_digit() {
        return None;
    }
    let cost = u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0');
    let max = match flavor {
        Flavor::Apr => 17,
        Flavor::Xcrypt => 31,
    };
    if !(4..=max).contains(&cost) {
        return None;
    }
    // BF_decode: 22 characters into 16 bytes; the 22nd contributes its top 2 bits.
    let mut v = [0u8; 22];
    for (i, slot) in v.iter_mut().enumerate() {
        *slot = index_in(BCRYPT64, s[7 + i])?;
    }
    let mut salt = [0u8; 16];
    let mut o = 0;
    for group in v.chunks(4) {
        let c1 = group[0];
        let c2 = group[1];
        salt[o] = c1 << 2 | (c2 & 0x30) >> 4;
        o += 1;
        if o == 16 {
            break;
        }
        let c3 = group[2];
        salt[o] = (c2 & 0x0f) << 4 | (c3 & 0x3c) >> 2;
        o += 1;
        let c4 = group[3];
        salt[o] = (c3 & 0x03) << 6 | c4;
        o += 1;
    }
    let canonical_28 = BCRYPT64[usize::from(v[21] & 0x30)];
    Some(Parsed {
        flags,
        cost,
        salt,
        canonical_28,
    })
}

/// `BF_set_key`: the 18 key words used in the expansion rounds, and the ones XORed into
/// the initial P-array (different only for `$2a$` when the safety measure fires).
fn key_schedule(key: &[u8], flags: u8) -> ([u32; BF_N + 2], [u32; BF_N + 2]) {
    let bug = flags & 1 != 0;
    let safety: u32 = u32::from(flags & 2) << 15;
    let mut expanded = [0u32; BF_N + 2];
    let (mut sign, mut diff) = (0u32, 0u32);
    let mut pos = 0usize;
    for word in expanded.iter_mut() {
        let (mut correct, mut buggy) = (0u32, 0u32);
        for j in 0..4 {
            let c = key.get(pos).copied().unwrap_or(0);
            correct = correct << 8 | u32::from(c);
            buggy = buggy << 8 | (c as i8 as i32 as u32);
            if j != 0 {
                sign |= buggy & 0x80;
            }
            pos = if c == 0 { 0 } else { pos + 1 };
        }
        diff |= correct ^ buggy;
        *word = if bug { buggy } else { correct };
    }
    diff |= diff >> 16;
    diff &= 0xffff;
    diff = diff.wrapping_add(0xffff);
    sign <<= 9;
    sign &= !diff & safety;
    let mut initial = expanded;
    initial[0] ^= sign;
    (expanded, initial)
}

fn to_bytes(words: &[u32; BF_N + 2]) -> [u8; 72] {
    let mut out = [0u8; 72];
    for (chunk, w) in out.chunks_mut(4).zip(words) {
        chunk.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// EksBlowfish setup and the 64-fold encryption of "OrpheanBeholderScryDoubt".
fn eks_blowfish(
    cost: u32,
    salt: &[u8; 16],
    initial: &[u32; BF_N + 2],
    expanded: &[u32; BF_N + 2],
) -> [u8; 24] {
    // 72 key bytes are exactly the 18 words the crate reads, from the start, every time.
    let initial = to_bytes(initial);
    let expanded = to_bytes(expanded);
    let mut state: Blowfish = Blowfish::bc_init_state();
    state.salted_expand_key(salt, &initial);
    for _ in 0..1u64 << cost {
        state.bc_expand_key(&expanded);
        state.bc_expand_key(salt);
    }
    let mut ctext = [
        0x4f72_7068u32,
        0x6561_6e42,
        0x6568_6f6c,
        0x6465_7253,
        0x6372_7944,
        0x6f75_6274,
    ];
    let mut out = [0u8; 24];
    for i in (0..6).step_by(2) {
        for _ in 0..64 {
            let [l, r] = state.bc_encrypt([ctext[i], ctext[i + 1]]);
            ctext[i] = l;
            ctext[i + 1] = r;
        }
        out[i * 4..i * 4 + 4].copy_from_slice(&ctext[i].to_be_bytes());
        out[i * 4 + 4..i * 4 + 8].copy_from_slice(&ctext[i + 1].to_be_bytes());
    }
    out
}

/// `BF_encode`: big-endian 6-bit groups in bcrypt's alphabet.
fn encode(src: &[u8], out: &mut Vec<u8>) {
    for chunk in src.chunks(3) {
        let c1 = chunk[0];
        out.push(BCRYPT64[usize::from(c1 >> 2)]);
        let Some(&c2) = chunk.get(1) else {
            out.push(BCRYPT64[usize::from((c1 & 0x03) << 4)]);
            break;
        };
        out.push(BCRYPT64[usize::from((c1 & 0x03) << 4 | c2 >> 4)]);
        let Some(&c3) = chunk.get(2) else {
            out.push(BCRYPT64[usize::from((c2 & 0x0f) << 2)]);
            break;
        };
        out.push(BCRYPT64[usize::from((c2 & 0x0f) << 2 | c3 >> 6)]);
        out.push(BCRYPT64[usize::from(c3 & 0x3f)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crypt(key: &[u8], setting: &str) -> Option<String> {
        match bf_crypt(key, setting.as_bytes(), Flavor::Xcrypt) {
            Crypt::Hash(h) => String::from_utf8(h).ok(),
            _ => None,
        }
    }

    /// crypt_blowfish's own test vectors (wrapper.c), which libxcrypt also passes.
    #[test]
    fn openwall_vectors() {
        let cases: [(&str, &[u8]); 8] = [
            (
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                b"U*U",
            ),
            (
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK",
                b"U*U*",
            ),
            (
                "$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a",
                b"U*U*U",
            ),
            (
                "$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui",
                b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored",
            ),
            (
                "$2x$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
                b"\xa3",
            ),
            (
                "$2y$05$/OK.fbVrR/bpIqNJ5ianF.Sa7shbm4.OzKpvFnX1pQLmQW96oUlCq",
                b"\xa3",
            ),
            (
                "$2a$05$/OK.fbVrR/bpIqNJ5ianF.nqd1wy.pTMdcvrRWxyiGL2eMz.2a85.",
                b"\xff\xff\xa3",
            ),
            (
                "$2b$05$/OK.fbVrR/bpIqNJ5ianF.CE5elHaaO4EbggVDjb8P19RukzXSM3e",
                b"\xff\xff\xa3",
            ),
        ];
        for (hash, key) in cases {
            assert_eq!(crypt(key, hash).as_deref(), Some(hash), "{key:?}");
        }
    }

    #[test]
    fn refused_settings() {
        let ok = "$2y$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";
        assert!(crypt(b"x", ok).is_some());
        assert!(crypt(b"x", &ok.replacen("$05$", "$03$", 1)).is_none());
        assert!(crypt(b"x", &ok.replacen("$05$", "$32$", 1)).is_none());
        assert!(crypt(b"x", &ok.replacen("$2y$", "$2c$", 1)).is_none());
        assert!(crypt(b"x", &ok[..28]).is_none());
        let b18 = ok.replacen("$2y$05$", "$2b$18$", 1);
        assert!(parse(b18.as_bytes(), Flavor::Xcrypt).is_some());
        assert!(parse(b18.as_bytes(), Flavor::Apr).is_none());
        let y17 = ok.replacen("$05$", "$17$", 1);
        assert!(parse(y17.as_bytes(), Flavor::Apr).is_some());
        let b05 = ok.replacen("$2y$", "$2b$", 1);
        assert!(parse(b05.as_bytes(), Flavor::Apr).is_none());
    }
}
