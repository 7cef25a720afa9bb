//! AL1xx: Apache httpd rules.

pub mod auth_type_without_auth_name;
