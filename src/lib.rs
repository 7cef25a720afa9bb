//! authlint: lint Apache httpd, nginx and htpasswd-family files for the misconfigurations
//! behind 401 Unauthorized.
//!
//! Pipeline: [`discover`] finds and classifies files, [`source`] loads them, [`syntax`]
//! parses them into our own AST, [`model`] resolves includes and contexts, [`rules`] report
//! [`diag::Diagnostic`]s, and [`report`] renders them.

pub mod diag;
pub mod discover;
pub mod model;
pub mod source;
pub mod syntax;
