//! AL2xx: nginx rules.

pub mod auth_basic_off_in_protected_location;
pub mod auth_basic_without_user_file;
pub mod auth_request_target_missing;
pub mod basic_auth_over_plain_http;
pub mod directive_not_allowed_here;
pub mod error_page_breaks_auth_challenge;
pub mod protected_prefix_bypassed;
pub mod proxy_authorization_dropped;
pub mod satisfy_any_opens_location;
pub mod unknown_nginx_directive;
pub mod user_file_relative;
pub mod user_file_served;
pub mod user_file_without_auth_basic;
