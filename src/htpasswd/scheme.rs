//! Hash schemes (being written).
