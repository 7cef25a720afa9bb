//! AL306: a bcrypt cost below htpasswd's default, or so high that every request pays.
use super::who;
use crate::htpasswd::scheme::{server_refuses, Scheme};
use crate::rules::prelude::*;

/// Lowest cost not reported: `htpasswd -B`'s default.
pub const MIN_COST: u32 = 5;
/// Highest cost not reported: about 0.2 s per verification on one core.
pub const MAX_COST: u32 = 12;
/// Milliseconds per verification at cost [`MAX_COST`], measured with the bcrypt crate on
/// one core of the development machine (AMD EPYC, release build; see the ignored test
/// `measure_bcrypt_verification_time`). Each cost step doubles it.
const MS_AT_MAX: f64 = 212.0;

pub static RULE: Rule = Rule {
    code: "AL306",
    name: "bcrypt-cost-out-of-range",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "bcrypt cost below htpasswd's default (5), or above 12 so every request pays for it",
    why: "bcrypt's cost is the log2 of its rounds: each step doubles the work, for an attacker \
          guessing offline and for the server alike. Cost 4 (the minimum) is below \
          `htpasswd -B`'s default of 5. At the other end, Apache and nginx verify the password \
          on every request that carries it, with no cache: each page, image and script of a \
          protected site pays the full cost, and a client sending wrong passwords keeps a CPU \
          busy. Measured with the bcrypt crate on one core (AMD EPYC): cost 4 = 0.9 ms, 5 = \
          1.8 ms, 10 = 53 ms, 12 = 212 ms, 13 = 422 ms, 14 = 857 ms per verification; \
          `htpasswd -C 17` (the most APR accepts) is about 7 s.",
    bad: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$2y$14$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nbob:$2y$04$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    good: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$2y$10$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\n",
    }]],
    evidence: &[
        "scenario: pw_apache_schemes",
        "scenario: pw_nginx_schemes",
        "bench: src/rules/htpasswd/bcrypt_cost_out_of_range.rs measure_bcrypt_verification_time (cargo test --release -- --ignored)",
    ],
    check: Check::Model(check),
};

/// Estimated milliseconds per verification at `cost`.
pub fn estimated_ms(cost: u32) -> f64 {
    MS_AT_MAX * 2f64.powi(cost as i32 - MAX_COST as i32)
}

fn check(model: &Model, out: &mut Sink) {
    let lib = model.crypt_lib;
    super::for_each_htpasswd_entry(model, |pf, readers, text, line, c| {
        if c.scheme != Scheme::Bcrypt || !c.problems.is_empty() {
            return;
        }
        let Some(cost) = c.cost else { return };
        if (MIN_COST..=MAX_COST).contains(&cost) {
            return;
        }
        // A cost no reader accepts (APR stops at 17) is AL303's.
        if readers
            .servers
            .iter()
            .all(|(s, _)| server_refuses(*s, lib, c).is_some())
        {
            return;
        }
        let ms = estimated_ms(cost);
        let time = if ms >= 1000.0 {
            format!("{:.1} s", ms / 1000.0)
        } else {
            format!("{ms:.0} ms")
        };
        let (message, help) = if cost < MIN_COST {
            (
                format!(
                    "{}: bcrypt cost {cost} is below htpasswd's default of {MIN_COST} (about {time} per guess on one core)",
                    who(line, text, pf.format)
                ),
                "re-create the entry with a higher cost: `htpasswd -B -C 10 FILE USER`",
            )
        } else {
            (
                format!(
                    "{}: bcrypt cost {cost} takes about {time} of CPU per verification, and the server verifies every request",
                    who(line, text, pf.format)
                ),
                "re-create the entry with cost 10 to 12: `htpasswd -B -C 10 FILE USER`",
            )
        };
        let cost_at = line.hash.start as usize + c.ident.len();
        let d = out
            .diag(message)
            .at(
                crate::source::Span::new(
                    pf.file,
                    cost_at,
                    (cost_at + 2).min(line.hash.end as usize),
                ),
                format!("cost {cost}"),
            )
            .help(help);
        out.emit(d);
    });
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    const TAIL: &str = "$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG";

    #[test]
    fn range_edges() {
        for cost in ["04", "13", "17"] {
            let d = fires(
                &super::RULE,
                &[("site/.htpasswd", &format!("alice:$2y${cost}{TAIL}\n"))],
            );
            assert!(
                d[0].message
                    .contains(&format!("cost {}", cost.trim_start_matches('0'))),
                "{}",
                d[0].message
            );
        }
        for cost in ["05", "10", "12"] {
            silent(
                &super::RULE,
                &[("site/.htpasswd", &format!("alice:$2y${cost}{TAIL}\n"))],
            );
        }
    }

    #[test]
    fn the_label_covers_the_cost_digits() {
        let t = format!("alice:$2b$14{TAIL}\n");
        let d = fires(&super::RULE, &[("site/.htpasswd", &t)]);
        let s = d[0].span().unwrap_or_default();
        assert_eq!(&t[s.start as usize..s.end as usize], "14");
        assert!(d[0].message.contains("848 ms"), "{}", d[0].message);
    }

    /// The numbers in the rule's docs: `cargo test --release --lib -- --ignored
    /// measure_bcrypt_verification_time --nocapture`. A measurement, not a timed assertion.
    #[test]
    #[ignore]
    fn measure_bcrypt_verification_time() {
        for cost in [4u32, 5, 10, 12, 13, 14] {
            let h = bcrypt::hash("secret", cost).unwrap_or_default();
            let n = if cost <= 10 { 21 } else { 5 };
            let mut ms: Vec<f64> = (0..n)
                .map(|_| {
                    let t = std::time::Instant::now();
                    assert!(bcrypt::verify("secret", &h).unwrap_or(false));
                    t.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            ms.sort_by(f64::total_cmp);
            eprintln!(
                "bcrypt cost {cost}: median {:.1} ms per verification",
                ms[n / 2]
            );
        }
    }
}
