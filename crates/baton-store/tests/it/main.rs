//! The store's contract, checked on a real SQLite file. The story is generic over `Store` so
//! that the PostgreSQL backend, when it lands, runs the same one.

mod contract;
mod privacy;
