//! Apache syntax (being written).
