//! The huddles pages over HTTP (being written).
