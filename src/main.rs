//! Thin entry point: parse arguments, run, exit. Everything else is in the library.
use clap::Parser;

// mimalloc: the linter allocates many small strings and vectors while building models;
// glibc's allocator spent a fifth of the run in malloc and page faults on large inputs.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    authlint::cli::run(authlint::cli::Cli::parse())
}
