//! The insights pages over HTTP (being written).
