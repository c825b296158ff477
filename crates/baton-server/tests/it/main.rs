//! Baton's HTTP API tested from outside: a real server on an ephemeral port over a real SQLite
//! file, driven by a real HTTP client and a real WebSocket client.

mod advisor;
mod api;
mod bad_input;
mod browser;
mod checkins;
mod deletion;
mod harness;
mod huddles;
mod idempotency;
mod insights;
mod live;
mod norms;
mod notifications;
mod overlap;
mod paging;
mod privacy;
mod scheduled;
mod search;
mod stream;
mod web;
mod web_actions;
mod web_huddles;
mod web_insights;
mod web_projects;
mod web_sidebar;
