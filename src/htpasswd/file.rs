//! Password-file parsing (being written).
