//! The REST API under `/api/v1`: one module per resource, each with its routes next to its
//! handlers, merged here.

pub mod advisor;
pub mod auth;
pub mod channels;
pub mod checkins;
pub mod dms;
pub mod events;
pub mod huddles;
pub mod inbox;
pub mod insights;
pub mod members;
pub mod message_page;
pub mod messages;
pub mod norms;
pub mod overlap;
pub mod projects;
pub mod scheduled;
pub mod search;
pub mod tasks;
pub mod thread_page;
pub mod threads;

use axum::Router;
use serde::{Deserialize, Deserializer};
use utoipa::IntoParams;

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(members::router())
        .merge(channels::router())
        .merge(threads::router())
        .merge(messages::router())
        .merge(dms::router())
        .merge(projects::router())
        .merge(tasks::router())
        .merge(huddles::router())
        .merge(overlap::router())
        .merge(advisor::router())
        .merge(scheduled::router())
        .merge(inbox::router())
        .merge(norms::router())
        .merge(checkins::router())
        .merge(events::router())
        .merge(search::router())
        .merge(insights::router())
}

/// A page of a list: items with an id greater than `after`, at most `limit` (default 200).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Return items after this id (the last id of the previous page).
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// At most this many items (1–1000, default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

impl PageQuery {
    pub fn page(&self) -> baton_store::Page {
        baton_store::Page::new(self.after, self.limit)
    }
}

/// For PATCH fields where `null` means "clear it" and a missing key means "leave it".
pub(crate) fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
