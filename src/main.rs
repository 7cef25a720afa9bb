//! Thin entry point: parse arguments, run, exit. Everything else is in the library.
use clap::Parser;

fn main() -> std::process::ExitCode {
    authlint::cli::run(authlint::cli::Cli::parse())
}
