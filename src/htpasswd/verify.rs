//! Password verification (being written).
