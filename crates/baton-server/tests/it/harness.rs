//! A running server and a client for it.

use std::net::SocketAddr;
use std::sync::Arc;

use baton_server::AppState;
use baton_store::testing::Scratch;
use baton_store::SqlStore;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct-horse-battery";

/// A server on 127.0.0.1:<ephemeral> over a fresh workspace (SQLite, or PostgreSQL with
/// `BATON_TEST_BACKEND=postgres`: see `baton_store::testing`); stops when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    data: Scratch,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl TestServer {
    pub async fn start() -> TestServer {
        let data = Scratch::from_env().await;
        let store = data.open().await;
        TestServer::serve(data, store).await
    }

    /// A server over a store the test has already filled (e.g. with back-dated commands).
    pub async fn serve(data: Scratch, store: SqlStore) -> TestServer {
        TestServer::serve_state(data, AppState::new(Arc::new(store))).await
    }

    /// A server over a filled store whose clock stands at `at` (the history's "now").
    pub async fn serve_at(data: Scratch, store: SqlStore, at: jiff::Timestamp) -> TestServer {
        let clock = Arc::new(baton_server::scheduler::ManualClock::new(at));
        TestServer::serve_state(data, AppState::new(Arc::new(store)).with_clock(clock)).await
    }

    async fn serve_state(data: Scratch, state: AppState) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("a bound address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = baton_server::serve(listener, state, async move {
                let _ = stopped.await;
            })
            .await;
        });
        TestServer { addr, http: reqwest::Client::new(), data, stop: Some(stop) }
    }

    /// The server's data directory (which holds the store on SQLite).
    pub fn data_dir(&self) -> &std::path::Path {
        self.data.dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Sets the workspace up; returns the owner's client.
    pub async fn setup(&self) -> Client<'_> {
        let body = json!({"workspace_name": "Test", "handle": "owner", "email": "owner@example.com",
                          "password": PASSWORD, "time_zone": "Europe/Berlin"});
        let (status, answer) = self.call(Method::POST, "/api/v1/setup", None, Some(body)).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        Client {
            server: self,
            token: answer["token"].as_str().expect("a token").to_string(),
            id: answer["member"]["id"].as_i64().expect("an id"),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let text = response.text().await.expect("a body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A signed-in member.
pub struct Client<'s> {
    pub server: &'s TestServer,
    pub token: String,
    pub id: i64,
}

impl Client<'_> {
    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.server.call(Method::GET, path, Some(&self.token), None).await
    }

    pub async fn send(&self, method: Method, path: &str, body: Value) -> (StatusCode, Value) {
        self.server.call(method, path, Some(&self.token), Some(body)).await
    }

    /// POSTs and insists on 2xx; returns the answer.
    pub async fn create(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.send(Method::POST, path, body).await;
        assert!(status.is_success(), "POST {path}: {status} {answer}");
        answer
    }

    /// Adds a member (as an admin) and signs them in.
    pub async fn add_member<'a>(&'a self, handle: &str, role: &str) -> Client<'a> {
        let body = json!({"handle": handle, "email": format!("{handle}@example.com"), "password": PASSWORD,
                          "role": role, "time_zone": "America/New_York"});
        let added = self.create("/api/v1/members", body).await;
        let id = added["member"]["id"].as_i64().expect("a member id");
        let login = json!({"email": format!("{handle}@example.com"), "password": PASSWORD});
        let (status, session) = self.server.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        Client { server: self.server, token: session["token"].as_str().expect("a token").to_string(), id }
    }

    /// Every event this member may read, page by page.
    pub async fn all_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut since = 0;
        loop {
            let (status, page) = self.get(&format!("/api/v1/events?since={since}&limit=1000")).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            let batch = page["events"].as_array().expect("an events array").clone();
            if batch.is_empty() {
                return events;
            }
            since = batch.last().and_then(|e| e["seq"].as_i64()).expect("a seq");
            events.extend(batch);
        }
    }

    /// A public channel and a thread in it: `(channel id, thread id)`.
    pub async fn channel_and_thread(&self, name: &str) -> (i64, i64) {
        let channel = self.create("/api/v1/channels", json!({"name": name})).await;
        let channel_id = channel["id"].as_i64().expect("a channel id");
        let thread = self
            .create(&format!("/api/v1/channels/{channel_id}/threads"), json!({"title": format!("{name} topic")}))
            .await;
        (channel_id, thread["id"].as_i64().expect("a thread id"))
    }
}

/// `seq`s of events.
pub fn seqs(events: &[Value]) -> Vec<i64> {
    events.iter().map(|e| e["seq"].as_i64().expect("a seq")).collect()
}

impl TestServer {
    /// Signs in as `handle` (password [`PASSWORD`]) and returns the token.
    pub async fn login(&self, handle: &str) -> String {
        let login = json!({"email": handle, "password": PASSWORD});
        let (status, session) = self.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await;
        assert_eq!(status, StatusCode::OK, "{session}");
        session["token"].as_str().expect("a token").to_string()
    }
}

/// A member to add straight through the store (tests that write history at chosen times): the
/// handle's e-mail at example.com, default working hours in `zone`, the given password hash.
pub fn new_member(handle: &str, zone: &str, role: baton_core::model::Role, hash: &str) -> baton_store::NewMember {
    baton_store::NewMember {
        handle: handle.into(),
        email: format!("{handle}@example.com"),
        display_name: handle.into(),
        role,
        time_zone: zone.into(),
        working_hours: baton_core::calendar::WorkingHours::default(),
        password_hash: Some(hash.into()),
        service: false,
    }
}
