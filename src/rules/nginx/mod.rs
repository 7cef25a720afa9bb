//! AL2xx: nginx rules.

pub mod auth_basic_without_user_file;
