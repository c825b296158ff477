//! The projects pages over HTTP (being written).
