//! Verifications per second per scheme on one core: authlint's `verify` next to the system
//! crypt(3) (libxcrypt on Debian 12) computing the same hashes, and the time to classify a
//! 100,000-line password file. Not a timed test: run `cargo bench --bench verify`.
//!
//! The crypt(3) side is a small C program built here with `cc -O2 ... -lcrypt` (measuring
//! libxcrypt from Rust would need FFI). Each figure is the median of 5 runs of at least
//! 0.3 s. `$apr1$` and `{SHA}` have no crypt(3) form; `$apr1$` is set against libxcrypt's
//! `$1$`, the same algorithm.

use authlint::htpasswd::file::{Format, PasswordFile};
use authlint::htpasswd::scheme::{classify, Server};
use authlint::htpasswd::verify::{verify, Verdict};
use authlint::source::FileId;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const C_BENCH: &str = r#"
#include <crypt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) {
  static char line[8192];
  struct crypt_data cd;
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *tab = strchr(line, '\t');
    if (!tab) { puts("BAD"); fflush(stdout); continue; }
    *tab = 0;
    const char *mode = line, *rest = tab + 1;
    char *tab2 = strchr(rest, '\t');
    if (!tab2) { puts("BAD"); fflush(stdout); continue; }
    *tab2 = 0;
    const char *pw = rest, *setting = tab2 + 1;
    memset(&cd, 0, sizeof cd);
    if (!strcmp(mode, "hash")) {
      char *r = crypt_r(pw, setting, &cd);
      puts(r ? r : "*");
    } else {
      double min_s = 0.3, t0 = now(), t; long n = 0;
      do { char *r = crypt_r(pw, setting, &cd); if (!r || strcmp(r, setting)) { puts("MISMATCH"); break; } n++; t = now() - t0; } while (t < min_s || n < 3);
      printf("%.3f\n", n / t);
    }
    fflush(stdout);
  }
  return 0;
}
"#;

struct CBench {
    child: std::process::Child,
    out: BufReader<std::process::ChildStdout>,
}

impl CBench {
    fn start() -> Option<CBench> {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let src = dir.join("crypt_bench.c");
        let bin = dir.join("crypt_bench");
        std::fs::write(&src, C_BENCH).ok()?;
        let ok = Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&bin)
            .arg(&src)
            .arg("-lcrypt")
            .status()
            .ok()?
            .success();
        if !ok {
            return None;
        }
        let mut child = Command::new(&bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let out = BufReader::new(child.stdout.take()?);
        Some(CBench { child, out })
    }

    fn ask(&mut self, mode: &str, pw: &str, setting: &str) -> Option<String> {
        let stdin = self.child.stdin.as_mut()?;
        writeln!(stdin, "{mode}\t{pw}\t{setting}").ok()?;
        stdin.flush().ok()?;
        let mut line = String::new();
        self.out.read_line(&mut line).ok()?;
        Some(line.trim().to_string())
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Verifications per second of authlint in one run of at least 0.3 s.
fn rate_once(server: Server, hash: &str, pw: &[u8]) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        let v = verify(server, hash, pw);
        assert_eq!(v, Verdict::Match, "bench hash must verify");
        n += 1;
        let t = start.elapsed();
        if t >= Duration::from_millis(300) && n >= 3 {
            return n as f64 / t.as_secs_f64();
        }
    }
}

/// Medians of 5 alternating runs: authlint on `hash`, crypt(3) on `c_hash`.
fn compare(c: &mut CBench, server: Server, hash: &str, c_hash: &str, pw: &str) -> (f64, f64) {
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        ours.push(rate_once(server, hash, pw.as_bytes()));
        if let Some(r) = c
            .ask("rate", pw, c_hash)
            .and_then(|r| r.parse::<f64>().ok())
        {
            theirs.push(r);
        }
    }
    (median(ours), median(theirs))
}

fn main() {
    let pw = "correct horse";
    // (label, server that verifies it natively or via crypt, setting for crypt(3), the
    // scheme crypt(3) runs for comparison)
    let cases: &[(&str, Server, &str)] = &[
        (
            "bcrypt $2y$ cost 5 (APR)",
            Server::Apache,
            "$2y$05$abcdefghijklmnopqrstuu",
        ),
        (
            "bcrypt $2b$ cost 10",
            Server::Nginx,
            "$2b$10$abcdefghijklmnopqrstuu",
        ),
        ("md5-crypt $1$", Server::Apache, "$1$abcdefgh$"),
        (
            "sha256-crypt $5$ (5000)",
            Server::Apache,
            "$5$abcdefghijklmnop$",
        ),
        (
            "sha512-crypt $6$ (5000)",
            Server::Apache,
            "$6$abcdefghijklmnop$",
        ),
        ("des-crypt", Server::Apache, "ab"),
        ("bigcrypt", Server::Apache, "ab..........."),
        ("bsdi-des _ (5001)", Server::Apache, "_7C/.abcd"),
        (
            "yescrypt $y$j9T$",
            Server::Apache,
            "$y$j9T$j/84YIoGiINol4CmIKW361$",
        ),
        (
            "gost-yescrypt $gy$j9T$",
            Server::Apache,
            "$gy$j9T$j/84YIoGiINol4CmIKW361$",
        ),
        (
            "scrypt $7$CU (mkpasswd)",
            Server::Apache,
            "$7$CU..../....abcdefghijklmnop$",
        ),
        (
            "sha1-crypt (20000)",
            Server::Apache,
            "$sha1$20000$abcdefgh$",
        ),
        (
            "sun-md5 (rounds=32768)",
            Server::Apache,
            "$md5,rounds=32768$abcdefgh$",
        ),
        ("nt $3$", Server::Apache, "$3$"),
    ];
    let Some(mut c) = CBench::start() else {
        eprintln!("SKIP: no `cc` with <crypt.h> and -lcrypt to measure crypt(3)");
        return;
    };
    println!(
        "{:<28} {:>14} {:>14} {:>7}",
        "scheme", "authlint/s", "crypt(3)/s", "ratio"
    );
    for &(label, server, setting) in cases {
        let Some(hash) = c.ask("hash", pw, setting) else {
            continue;
        };
        if hash.starts_with('*') {
            println!("{label:<28} crypt(3) refused the setting");
            continue;
        }
        let (ours, theirs) = compare(&mut c, server, &hash, &hash, pw);
        println!(
            "{label:<28} {ours:>14.1} {theirs:>14.1} {:>7.2}",
            ours / theirs
        );
    }
    // Schemes with no crypt(3) form: APR's own $apr1$ (set against $1$) and {SHA}.
    if let (Some(md5), Some(apr1)) = (c.ask("hash", pw, "$1$abcdefgh$"), openssl_apr1(pw)) {
        let (ours, theirs) = compare(&mut c, Server::Apache, &apr1, &md5, pw);
        println!(
            "{:<28} {ours:>14.1} {theirs:>14.1} {:>7.2}",
            "apr1-md5 (vs $1$)",
            ours / theirs
        );
    }
    let sha = "{SHA}nU4eI71bcnBGqeO0t9tXvY1u5oQ=";
    let ours = median(
        (0..5)
            .map(|_| rate_once(Server::Apache, sha, b"pass"))
            .collect(),
    );
    println!("{:<28} {ours:>14.1} {:>14} {:>7}", "{SHA}", "n/a", "n/a");

    // Classifying a 100,000-line file's worth of hashes.
    let samples = [
        "$2y$05$w2N5h5bbIeCiJOu3KRNz0e0dU8iRNGgD2oGznm8ZD2Tf2AJLteSYy",
        "$apr1$q51WF/Is$oZib5k8mgkMfdFGULiezk.",
        "$6$nnbHCoILo3LzPVW0$pmczLC3l0MsuWSZsVBFp1CVlHVjUCoZeynppxjm5rd/Ec3lkrJ6q8yokaMqULs1t/kVP/OLWdqCAbofZ9T0nk1",
        "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
        "abJnggxhB/yWI",
        "$y$j9T$j/84YIoGiINol4CmIKW361$AZZ7hUX50b2SAXCZOvH2Q250Q05Yl0OQ6Kid756X2I1",
        "secret",
    ];
    let hashes: Vec<&str> = (0..100_000).map(|i| samples[i % samples.len()]).collect();
    let runs = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut problems = 0usize;
            for h in &hashes {
                problems += classify(h).problems.len();
            }
            std::hint::black_box(problems);
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "classify 100,000 hashes: {:.1} ms (median of 5)",
        median(runs)
    );
    // The whole job on a 100,000-line file: split, parse every line, classify every hash.
    let text: String = hashes
        .iter()
        .enumerate()
        .map(|(i, h)| format!("user{i}:{h}\n"))
        .collect();
    let runs = (0..5)
        .map(|_| {
            let start = Instant::now();
            let file = PasswordFile::parse(FileId(0), &text, Format::Htpasswd);
            std::hint::black_box(file.lines.len());
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    println!(
        "parse + classify a 100,000-line htpasswd file ({} MB): {:.1} ms (median of 5)",
        text.len() / 1_000_000,
        median(runs)
    );
}

/// An `$apr1$` hash of `pw` (crypt(3) has no such format, so openssl makes it).
fn openssl_apr1(pw: &str) -> Option<String> {
    let out = Command::new("openssl")
        .args(["passwd", "-apr1", "-salt", "abcdefgh", pw])
        .output()
        .ok()?;
    let hash = String::from_utf8(out.stdout).ok()?.trim().to_string();
    hash.starts_with("$apr1$").then_some(hash)
}
