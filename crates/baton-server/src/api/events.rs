//! The event log as the viewer may see it: pages over HTTP, and the live WebSocket stream that
//! resumes from a `seq`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, request::Parts};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use baton_core::event::{kind, Event};
use baton_core::{ChannelId, DmId, MemberId, Seq, ThreadId};
use baton_store::{Access, CommittedEvent, DynStore, Missed, Scope, Subscription, Viewer};
use bytes::{BufMut, BytesMut};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{bearer_token, ApiQuery, Auth};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(events)).route("/api/v1/stream", get(stream))
}

/// The OpenAPI description of this module's operations.
pub fn doc() -> utoipa::openapi::OpenApi {
    #[derive(utoipa::OpenApi)]
    #[openapi(paths(events, stream))]
    struct Doc;
    <Doc as utoipa::OpenApi>::openapi()
}

/// Largest page of events.
const MAX_PAGE: u32 = 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Return events with a `seq` greater than this (0 for the beginning).
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// At most this many events (1–1000, default 500).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// A page of events; ask again with `since = next_since` until `events` is empty.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    #[schema(value_type = Vec<baton_core::event::Wire>)]
    pub events: Vec<Event>,
    /// The `seq` to ask from next.
    pub next_since: i64,
}

/// Events after `since` that the signed-in member may see, in `seq` order.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", security(("bearer" = [])), params(EventsQuery),
    responses((status = 200, body = EventPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn events(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<EventsQuery>,
) -> ApiResult<Response> {
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::BadRequest("since must be 0 or more".into()));
    }
    let limit = query.limit.unwrap_or(500).clamp(1, MAX_PAGE);
    let page = state.store.events(&auth.viewer, Seq(since), limit).await?;
    let next_since = page.last().map_or(since, |e| e.seq.0);
    // Each event is already JSON: splice the bytes rather than parse and serialize again.
    let mut body = BytesMut::with_capacity(64 + page.iter().map(|e| e.json.len() + 1).sum::<usize>());
    body.put_slice(b"{\"events\":[");
    for (idx, event) in page.iter().enumerate() {
        if idx > 0 {
            body.put_u8(b',');
        }
        body.put_slice(&event.json);
    }
    body.put_slice(format!("],\"next_since\":{next_since}}}").as_bytes());
    Ok(([(header::CONTENT_TYPE, "application/json")], Body::from(body.freeze())).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Resume after this `seq` (0 for everything).
    #[param(minimum = 0)]
    pub since: Option<i64>,
    /// The bearer token, for clients that cannot set headers. Prefer the header or the
    /// `Sec-WebSocket-Protocol: bearer, <token>` form: query strings end up in logs.
    pub access_token: Option<String>,
    /// What a page shows, so that the stream carries that and leaves the rest out:
    /// `thread:ID`, `channel:ID`, `dm:ID` or `none` (absent: every event). Always carried in
    /// full: the viewer's own events (notifications, reminders) and those that change a list
    /// of conversations (`channel.*`, `dm.*`, `member.*`). Also, for `channel:`/`dm:`, every
    /// event of that channel or conversation; for `thread:`, those of the thread's channel or
    /// conversation that are about the thread or do not say which thread they are about (edits,
    /// deletions and reactions name only their message). Whatever else the viewer may read is
    /// left out, and at most once a second a frame
    /// `{"seq": N, "kind": "stream.skipped", "payload": {"messages": true}}` says that events up
    /// to `seq` were left out (`messages`: some were about messages, so unread counts may have
    /// changed). Its `seq` resumes like any event's (it may repeat the last event's).
    #[param(example = "thread:12")]
    pub focus: Option<String>,
}

/// What a focused stream carries in full (see [`StreamQuery::focus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Focus {
    Everything,
    /// The viewer's own events and those that change a list of conversations.
    Lists,
    /// Those, and every event of one channel or conversation.
    Home(Scope),
    /// Those, and the events of the thread's home that are about it or do not say.
    Thread(ThreadId, Scope),
}

/// Kinds that change what a sidebar or a list of conversations shows: a focused stream
/// always carries them.
const LIST_CHANGING: [&str; 3] = ["channel.", "dm.", "member."];

impl Focus {
    async fn parse(state: &AppState, viewer: &Viewer, focus: Option<&str>) -> ApiResult<Focus> {
        let Some(focus) = focus else { return Ok(Focus::Everything) };
        if focus == "none" {
            return Ok(Focus::Lists);
        }
        let bad = || ApiError::BadRequest(format!("focus {focus:?} is not thread:ID, channel:ID, dm:ID or none"));
        let (what, id) = focus.split_once(':').ok_or_else(bad)?;
        let id: i64 = id.parse().map_err(|_| bad())?;
        match what {
            "channel" => Ok(Focus::Home(Scope::Channel(ChannelId(id)))),
            "dm" => Ok(Focus::Home(Scope::Dm(DmId(id)))),
            // Read as the viewer: a thread they may not read is not found, as everywhere.
            "thread" => {
                let thread = state.store.thread(viewer, ThreadId(id)).await?;
                Ok(Focus::Thread(thread.id, Scope::of_thread(&thread)))
            }
            _ => Err(bad()),
        }
    }

    /// Whether `event`, which `viewer` may read, goes out in full.
    fn carries(self, viewer: MemberId, event: &CommittedEvent) -> bool {
        let (home, thread) = match self {
            Focus::Everything => return true,
            Focus::Lists => (None, None),
            Focus::Home(home) => (Some(home), None),
            Focus::Thread(thread, home) => (Some(home), Some(thread)),
        };
        if event.also_for == Some(viewer) || LIST_CHANGING.iter().any(|prefix| event.kind.starts_with(prefix)) {
            return true;
        }
        if home != Some(event.scope) {
            return false;
        }
        match (thread, event.threads()) {
            (Some(thread), Some(about)) => about.contains(&thread),
            _ => true,
        }
    }
}

/// The live stream (WebSocket). Sends, one JSON event per text frame, every event with
/// `seq > since` that the member may see, in order and exactly once, then live events as they
/// commit, with no gap between the two. The token travels as `Authorization: Bearer <token>`,
/// or, from a browser, as the subprotocols `["bearer", "<token>"]` (the server answers with
/// `bearer`), or as `?access_token=`. A client that reconnects with its last `seq` misses nothing.
#[utoipa::path(get, path = "/api/v1/stream", tag = "events", security(("bearer" = [])), params(StreamQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"), (status = 400, body = ErrorBody),
              (status = 401, body = ErrorBody)))]
async fn stream(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<StreamQuery>,
    parts: Parts,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let since = query.since.unwrap_or(0);
    if since < 0 {
        return Err(ApiError::BadRequest("since must be 0 or more".into()));
    }
    let token = bearer_token(&parts)
        .or_else(|| protocol_token(&parts))
        .or(query.access_token)
        .or_else(|| crate::web::cookie_token(&parts))
        .ok_or_else(ApiError::unauthenticated)?;
    let auth = auth::authenticate(&state, &token).await?;
    let focus = Focus::parse(&state, &auth.viewer, query.focus.as_deref()).await?;
    let upgrade = upgrade
        .map_err(|rejection| ApiError::BadRequest(format!("not a WebSocket handshake: {}", rejection.body_text())))?;
    let store = state.store.clone();
    let token_hash = auth::token_hash(&token);
    // Subscribed, and the viewer's access read, before the handshake is answered: whatever a
    // client sees commit after it connected reaches the live path, which applies removals in
    // order, and the backlog is judged by the access as of its own last event.
    let live = store.bus().subscribe();
    let access = store.access(&auth.viewer).await?;
    // Clients only ever send control frames: nothing large is accepted from them.
    let upgrade = upgrade.protocols(["bearer"]).max_message_size(64 * 1024).max_frame_size(64 * 1024);
    Ok(upgrade.on_upgrade(move |socket| async move {
        let stream = Stream {
            socket,
            store,
            viewer: auth.viewer,
            token_hash,
            live,
            access,
            focus,
            skipped: None,
            readable: Seq(since),
        };
        if let Err(err) = stream.run(Seq(since)).await {
            tracing::debug!(error = %err, "stream ended");
        }
    }))
}

/// The token in `Sec-WebSocket-Protocol: bearer, <token>`.
fn protocol_token(parts: &Parts) -> Option<String> {
    let value = parts.headers.get(header::SEC_WEBSOCKET_PROTOCOL)?.to_str().ok()?;
    let mut items = value.split(',').map(str::trim);
    items.position(|p| p.eq_ignore_ascii_case("bearer"))?;
    items.next().filter(|t| !t.is_empty()).map(str::to_string)
}

#[derive(Debug, thiserror::Error)]
enum StreamError {
    #[error("store: {0}")]
    Store(#[from] baton_store::Error),
    #[error("socket: {0}")]
    Socket(#[from] axum::Error),
    #[error("the client did not take a frame within {SEND_TIMEOUT:?}")]
    SendTimeout,
    #[error("the token was revoked or the member deactivated")]
    SignedOut,
}

/// How often an idle stream is pinged (dead peers are noticed) and its token checked again
/// (a revoked token or a deactivated member stops the stream).
const PING_EVERY: Duration = Duration::from_secs(30);

/// A focused stream says at most this often that it left events out.
const SKIPPED_EVERY: Duration = Duration::from_secs(1);

/// How long one frame may wait for a client that does not read, before the stream is closed
/// (the client resumes from its last `seq` when it reconnects).
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// One live stream: its socket, whom it serves and what they may see.
struct Stream {
    socket: WebSocket,
    store: DynStore,
    viewer: Viewer,
    token_hash: String,
    /// Subscribed before `access` was read: an event committed after that read is on it.
    live: Subscription,
    /// What the viewer may see as of `access.as_of`; events after that are judged in order,
    /// each membership change re-reading it when its own event comes through.
    access: Access,
    focus: Focus,
    /// Events were left out since the stream last said so; `true`: some about messages.
    skipped: Option<bool>,
    /// The last event the viewer may read that was sent or left out: a `stream.skipped` frame
    /// names it (never the `seq` of one they may not read).
    readable: Seq,
}

impl Stream {
    async fn run(mut self, since: Seq) -> Result<(), StreamError> {
        // A change of role between signing in and subscribing came neither live nor, when
        // `since` is past it, in the backlog.
        self.reauthenticate().await?;
        let mut last = self.catch_up(since, self.access.as_of).await?;
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        let mut skipped_tick = tokio::time::interval(SKIPPED_EVERY);
        skipped_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                received = self.live.recv() => match received {
                    Ok(event) => {
                        self.follow(&event).await?;
                        if event.seq <= last {
                            continue;
                        }
                        self.deliver(&event).await?;
                        last = event.seq;
                    }
                    // This stream fell behind: it is caught up from the store, from its last
                    // `seq` to the head, with the access it had until a change in the gap; later
                    // events come live again. It loses nothing and slows no one else.
                    Err(Missed::Lagged(_)) => {
                        let head = self.store.head().await?;
                        last = self.catch_up(last, head).await?;
                    }
                    Err(Missed::Closed) => return Ok(()),
                },
                incoming = self.socket.recv() => match incoming {
                    None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Ok(()),
                    Some(Ok(_)) => {}
                },
                _ = ping.tick() => {
                    self.reauthenticate().await?;
                    timed(self.socket.send(Message::Ping(bytes::Bytes::new()))).await?;
                }
                _ = skipped_tick.tick(), if self.skipped.is_some() => {
                    let messages = self.skipped.take().unwrap_or_default();
                    let frame =
                        serde_json::json!({"seq": self.readable.0, "kind": "stream.skipped", "payload": {"messages": messages}});
                    timed(self.socket.send(Message::Text(frame.to_string().into()))).await?;
                }
            }
        }
    }

    /// Sends `event` if the viewer may read it and the focus carries it; notes it as left out
    /// if they may read it and the focus does not.
    async fn deliver(&mut self, event: &CommittedEvent) -> Result<(), StreamError> {
        if !self.access.may_read(event) {
            return Ok(());
        }
        self.readable = event.seq;
        if self.focus.carries(self.viewer.member, event) {
            return send(&mut self.socket, event).await;
        }
        let messages = event.kind.starts_with("message.");
        self.skipped = Some(self.skipped.unwrap_or_default() || messages);
        Ok(())
    }

    /// Applies what `event` changes about the viewer, in the log's order: a change of role or a
    /// deactivation at once (the token is checked again), a change of memberships once the
    /// access in hand is older than it.
    async fn follow(&mut self, event: &CommittedEvent) -> Result<(), StreamError> {
        let kind = event.kind.as_str();
        if kind::IDENTITY_CHANGING.contains(&kind) {
            self.reauthenticate().await?;
        }
        if kind::ACCESS_CHANGING.contains(&kind) && event.seq > self.access.as_of {
            self.access = self.store.access(&self.viewer).await?;
        }
        Ok(())
    }

    /// Checks the token again: `SignedOut` once it no longer works; a new role reads the
    /// access again.
    async fn reauthenticate(&mut self) -> Result<(), StreamError> {
        let member = self.store.member_by_token(&self.token_hash).await?.ok_or(StreamError::SignedOut)?;
        if member.role != self.viewer.role {
            self.viewer = Viewer { member: member.id, role: member.role };
            self.access = self.store.access(&self.viewer).await?;
        }
        Ok(())
    }

    /// Sends, from the store's log, every event after `since` up to `until` that the viewer may
    /// read, following changes of access on the way; returns the last `seq` dealt with.
    async fn catch_up(&mut self, since: Seq, until: Seq) -> Result<Seq, StreamError> {
        let mut last = since;
        while last < until {
            let page = self.store.log(last, MAX_PAGE).await?;
            if page.is_empty() {
                break;
            }
            for event in page.iter().take_while(|e| e.seq <= until) {
                self.follow(event).await?;
                self.deliver(event).await?;
                last = event.seq;
            }
            if page.last().is_some_and(|e| e.seq >= until) {
                break;
            }
        }
        Ok(last.max(since))
    }
}

async fn timed<F: std::future::Future<Output = Result<(), axum::Error>>>(sending: F) -> Result<(), StreamError> {
    tokio::time::timeout(SEND_TIMEOUT, sending).await.map_err(|_| StreamError::SendTimeout)??;
    Ok(())
}

async fn send(socket: &mut WebSocket, event: &CommittedEvent) -> Result<(), StreamError> {
    let text = Utf8Bytes::try_from(event.json.clone()).map_err(axum::Error::new)?;
    timed(socket.send(Message::Text(text))).await
}
