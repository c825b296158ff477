//! Readers for other tools' exports (issue 4). Nothing here yet: the crate holds its place in the dependency graph.
