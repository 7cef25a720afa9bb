//! AL1xx: Apache httpd rules.

pub mod auth_type_without_auth_name;
pub mod require_user_without_auth_type;
