//! Insight metrics over the event log (issue 4). Nothing here yet: the crate holds its place in the dependency graph.
