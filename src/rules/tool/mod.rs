//! AL0xx: what the tool itself finds while reading files (syntax, includes, unreadable
//! or skipped files, paths it cannot resolve). Reported by the pipeline, documented here.

pub mod assumed_main_config;
pub mod file_skipped;
pub mod include_problem;
pub mod syntax_error;
pub mod unreadable_file;
pub mod unresolved_path;
