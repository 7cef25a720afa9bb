//! AL305: a hash scheme that is fast to crack, or keeps the password in clear text.
use super::{recreate_help, who};
use crate::htpasswd::scheme::{is_weak, server_refuses};
use crate::rules::prelude::*;

pub static RULE: Rule = Rule {
    code: "AL305",
    name: "weak-hash-scheme",
    severity: Severity::Warning,
    default_enabled: true,
    summary: "A password hash scheme that is fast to crack",
    why: "Anyone who gets the file (a backup, a readable copy, a served `.htpasswd`) can try \
          passwords offline as fast as the scheme allows. DES crypt (`htpasswd -d`) uses only \
          the first 8 characters of the password, so `secret12XYZ` logs in as `secret12`; \
          `{SHA}` (`htpasswd -s`) is one unsalted SHA-1, open to precomputed tables; the \
          MD5-based schemes (`$apr1$`, the default of `htpasswd` without `-B`, and `$1$`) run \
          1,000 MD5 rounds, billions of guesses per second on a GPU; `{PLAIN}` stores the \
          password itself. bcrypt (`htpasswd -B`), or SHA-512-crypt (`htpasswd -5`), resist.",
    bad: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/\nbob:p2U66clGIuUvw\ncarol:{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=\n",
    }]],
    good: &[&[Example {
        path: "site/.htpasswd",
        text: "alice:$2y$10$fx8K2Ks9bSqEwmed.BZkNOXSgVfVqoKllqUs7x3A7X3AjzSTGEib6\nbob:$6$cQ2ctpKX0ZcOjlw5$.0pnWomBVfTi8POJbfuiUEC.NTE2MTKoCRPypWzQMEFAcTEuA3rcNa4/6WBXCbXDpFU4K7jpVu2e47LLyMUF8/\n",
    }]],
    evidence: &[
        "scenario: pw_apache_des_truncation",
        "scenario: pw_nginx_des_truncation",
        "scenario: pw_apache_schemes",
        "scenario: pw_nginx_schemes",
    ],
    check: Check::Model(check),
};

fn check(model: &Model, out: &mut Sink) {
    let lib = model.crypt_lib;
    super::for_each_htpasswd_entry(model, |pf, readers, text, line, c| {
        let Some(reason) = is_weak(c.scheme) else {
            return;
        };
        // A hash no reader can verify is reported as such (AL302, AL303).
        if !c.problems.is_empty()
            || readers
                .servers
                .iter()
                .all(|(s, _)| server_refuses(*s, lib, c).is_some())
        {
            return;
        }
        let d = out
            .diag(format!("{}: {reason}", who(line, text, pf.format)))
            .at(line.hash.span(pf.file), format!("{} hash", c.scheme))
            .help(recreate_help(line.user.slice(text)));
        out.emit(d);
    });
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{fires, silent};

    #[test]
    fn des_sha_and_md5_variants_fire() {
        for h in [
            "p2U66clGIuUvw",
            "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
            "$apr1$24ZldOv4$5ioZ/YkCRmHEItgDk/X5q/",
            "$1$ar05k.EY$KXrRH8fH7wq8GqcgQ.4Tz0",
        ] {
            let t = format!("alice:{h}\n");
            let d = fires(&super::RULE, &[("site/.htpasswd", &t)]);
            assert!(
                !d[0].message.contains(&h[h.len() - 6..]),
                "{}",
                d[0].message
            );
        }
    }

    #[test]
    fn des_message_says_eight_characters() {
        let d = fires(&super::RULE, &[("site/.htpasswd", "alice:p2U66clGIuUvw\n")]);
        assert!(
            d[0].message.contains("first 8 characters"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn refused_plaintext_is_left_to_al303() {
        silent(&super::RULE, &[("site/.htpasswd", "alice:secret\n")]);
    }

    #[test]
    fn bcrypt_and_sha512_crypt_are_fine() {
        silent(
            &super::RULE,
            &[("site/.htpasswd", "a:$2y$05$wRFc2e6ei4HLbyrMwvZidO3ZuepezotcjHGmxH80Fjchgy7iBhFQG\nb:$5$PuaZMmxiXda5Drrn$IDAl6BNo2EUoi1OzqnsjwSxuPcumR/wvmjGaqdJNOc6\n")],
        );
    }
}
