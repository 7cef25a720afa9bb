//! Any bytes through the nginx grammar, the model and the rules: no panic, spans in bounds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ast = authlint::syntax::nginx::parse(authlint::source::FileId(0), &text);
    for e in &ast.errors {
        if let Some(span) = e.span() {
            assert!(span.end as usize <= text.len());
        }
    }
    let _ = authlint::lint_memory(&[("nginx.conf", &text), ("conf.d/site.conf", &text)]);
});
