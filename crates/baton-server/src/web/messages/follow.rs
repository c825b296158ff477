//! What a live message list asks of the server, so that it changes one message at a time: the
//! messages after the newest it shows, and one message again after it changed. Both are rendered
//! as the page renders them (`li.message` items, the server's markdown and escaping), under the
//! page's rules: whoever may not read the thread or conversation gets the page's answer.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use baton_core::MessageId;
use baton_store::MessageTarget;
use serde::Deserialize;

use super::{forward, items, mark_read, people_of, Place};
use crate::web::session::Signed;
use crate::web::PageError;
use crate::AppState;

/// A list fragment's query: `after`, the newest message the list shows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FragmentQuery {
    after: Option<String>,
}

/// What a list fragment is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fragment {
    /// The whole list, as the page shows it at the newest.
    Whole,
    /// Only the messages after this one.
    After(MessageId),
}

impl Fragment {
    /// From the fragment's query; a malformed one (`after` not a whole number from 0) is a 400
    /// page, never a list.
    pub fn of(query: Result<Query<FragmentQuery>, QueryRejection>) -> Result<Fragment, PageError> {
        let bad = |why: String| PageError::Other(StatusCode::BAD_REQUEST, why);
        let Query(query) = query.map_err(|rejection| bad(rejection.body_text()))?;
        match query.after {
            None => Ok(Fragment::Whole),
            Some(raw) => match raw.parse::<i64>() {
                Ok(after) if after >= 0 => Ok(Fragment::After(MessageId(after))),
                _ => Err(bad(format!("after: {raw:?} is not a message id"))),
            },
        }
    }
}

/// A page's message list: whose messages it shows, the page (where its action forms return,
/// and whose `/messages` is its fragment), and how it shows them.
#[derive(Debug, Clone)]
pub struct LiveList {
    pub target: MessageTarget,
    pub page: String,
    pub place: Place,
}

/// The list's messages after `after`, oldest first, as items alone (none: an empty answer),
/// marked read as the whole list is when it is shown. At most a window: a
/// `Link: <…?after=…>; rel="next"` header then names the rest.
pub async fn after(
    state: &AppState,
    signed: &Signed,
    list: &LiveList,
    after: MessageId,
) -> Result<Response, PageError> {
    let window = forward(state, signed, list.target, after).await?;
    let people = people_of(state, signed, &window.messages, &[]).await?;
    mark_read(state, signed, list.target, &window.messages).await?;
    let mut response = items(&window.messages, &people, signed, &list.page, list.place).into_response();
    if let Some(newer) = window.newer {
        // The path is ours and the id a number: always a valid header value.
        if let Ok(link) = HeaderValue::from_str(&format!("<{}/messages?after={newer}>; rel=\"next\"", list.page)) {
            response.headers_mut().insert(header::LINK, link);
        }
    }
    Ok(response)
}

/// One message of the list as its item, to put in place of the one shown after it changed
/// (an edit, a reaction, a deletion's tombstone). A message of another thread or conversation is
/// not this list's: the same answer as one the viewer may not see.
pub async fn one(state: &AppState, signed: &Signed, list: &LiveList, id: MessageId) -> Result<Response, PageError> {
    let message = state.store.message(&signed.viewer, id).await?;
    let here = match list.target {
        MessageTarget::Thread(thread) => message.thread_id == Some(thread),
        MessageTarget::Dm(dm) => message.dm_id == Some(dm),
    };
    if !here {
        return Err(PageError::Forbidden);
    }
    let people = people_of(state, signed, std::slice::from_ref(&message), &[]).await?;
    Ok(items(std::slice::from_ref(&message), &people, signed, &list.page, list.place).into_response())
}
