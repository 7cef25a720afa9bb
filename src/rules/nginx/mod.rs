//! AL2xx: nginx rules.

pub mod auth_basic_without_user_file;
pub mod directive_not_allowed_here;
pub mod user_file_relative;
