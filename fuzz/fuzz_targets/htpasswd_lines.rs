//! The htpasswd line parser and everything downstream of it (see `password_file`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    authlint_fuzz::password_file(data, authlint::htpasswd::file::Format::Htpasswd, "site/.htpasswd");
});
