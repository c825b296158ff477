//! The real `baton serve` on a free port, and a small JSON client for its API.
//!
//! The process is killed (SIGKILL on Unix) when the `Server` is dropped, so a failing test
//! never leaves a server behind.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long a server may take to print its address and answer `/healthz`.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// `baton` with an environment that cannot leak in from the developer's shell.
pub(crate) fn baton() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_baton"));
    for var in ["BATON_DATA_DIR", "BATON_LISTEN", "BATON_PASSWORD", "BATON_LOG"] {
        command.env_remove(var);
    }
    command
}

/// A running `baton serve`.
pub(crate) struct Server {
    child: Child,
    data_dir: PathBuf,
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `baton serve` on `data_dir`, listening on a port the OS picks, and waits until
    /// `/healthz` answers 200.
    pub(crate) async fn start(data_dir: &Path) -> Server {
        let mut child = baton()
            .arg("serve")
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the baton binary cargo built can be spawned");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut stderr_pipe = child.stderr.take().expect("stderr was piped");
        let sink = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr_pipe.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        // Read stdout until the address line, then keep draining it so the server never blocks
        // on a full pipe.
        let stdout = child.stdout.take().expect("stdout was piped");
        let (address_tx, address_rx) = tokio::sync::oneshot::channel::<String>();
        let printed = Arc::new(Mutex::new(String::new()));
        let printed_sink = Arc::clone(&printed);
        std::thread::spawn(move || {
            let mut address_tx = Some(address_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let mut sink = printed_sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
                drop(sink);
                if let Some(rest) = line.strip_prefix("Baton is listening on ") {
                    let address = rest.split_whitespace().next().unwrap_or_default().to_string();
                    if let Some(tx) = address_tx.take() {
                        let _ = tx.send(address);
                    }
                }
            }
        });
        let mut server = Server {
            child,
            data_dir: data_dir.to_path_buf(),
            base: String::new(),
            stdout: printed,
            stderr,
            stderr_reader: Some(stderr_reader),
        };
        let base = match tokio::time::timeout(START_TIMEOUT, address_rx).await {
            Ok(Ok(base)) => base,
            Ok(Err(_)) => server.fail("exited before printing its address"),
            Err(_) => server.fail("printed no address in time"),
        };
        assert!(base.starts_with("http://127.0.0.1:"), "unexpected address line: {base}");
        server.base = base;
        server.wait_healthy().await;
        server
    }

    async fn wait_healthy(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(response) = client.get(format!("{}/healthz", self.base)).send().await {
                if response.status() == 200 {
                    return;
                }
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.fail(&format!("exited with {status} before /healthz answered"));
            }
            if Instant::now() > deadline {
                self.fail("/healthz did not answer 200 in time");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn fail(&mut self, what: &str) -> ! {
        let stderr = self.kill_and_collect();
        panic!("baton serve {what}; its stderr:\n{stderr}")
    }

    /// Kills the process, waits for it, and returns all it wrote to stderr.
    fn kill_and_collect(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        self.stderr()
    }

    /// Sends SIGKILL and waits for the process to be gone: nothing gets to flush or shut down.
    /// Returns the data directory and everything the server wrote to stderr.
    pub(crate) fn kill9(mut self) -> (PathBuf, String) {
        let stderr = self.kill_and_collect();
        (self.data_dir.clone(), stderr)
    }

    /// Everything the server printed on stdout so far.
    pub(crate) fn stdout(&self) -> String {
        self.stdout.lock().unwrap().clone()
    }

    /// Everything the server wrote to stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn api(&self) -> Api {
        Api { base: self.base.clone(), token: None, setup_token: self.setup_token(), client: reqwest::Client::new() }
    }

    /// The one-time token a fresh server wrote to its data directory, if it has one.
    pub(crate) fn setup_token(&self) -> Option<String> {
        std::fs::read_to_string(self.data_dir.join("setup-token")).ok().map(|t| t.trim().to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A JSON client for one server, optionally signed in.
#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) base: String,
    pub(crate) token: Option<String>,
    /// What a fresh server asks of whoever sets it up.
    pub(crate) setup_token: Option<String>,
    pub(crate) client: reqwest::Client,
}

impl Api {
    pub(crate) fn with_token(mut self, token: &str) -> Api {
        self.token = Some(token.to_string());
        self
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base)).timeout(Duration::from_secs(30));
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// POSTs `body` and returns the status and the JSON answer (`Value::Null` when there is none).
    pub(crate) async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let response =
            self.request(reqwest::Method::POST, path).json(body).send().await.expect("POST reaches the server");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// GETs `path` and returns the JSON answer; panics unless it is a 200.
    pub(crate) async fn get_ok(&self, path: &str) -> Value {
        let response = self.request(reqwest::Method::GET, path).send().await.expect("GET reaches the server");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 200, "GET {path} answered {status}: {body}");
        body
    }

    /// Creates the workspace and its owner; returns a client signed in as the owner.
    pub(crate) async fn setup(&self, email: &str, password: &str) -> Api {
        let request = json!({
            "workspace_name": "Integration",
            "handle": "owner",
            "email": email,
            "password": password,
            "time_zone": "Europe/Berlin",
            "setup_token": self.setup_token,
        });
        let (status, body) = self.post("/api/v1/setup", &request).await;
        assert_eq!(status, 201, "setup answered {status}: {body}");
        let token = body["token"].as_str().expect("setup returns a token");
        self.clone().with_token(token)
    }

    /// Signs in; returns the status and, on success, a client with the new token.
    pub(crate) async fn login(&self, email: &str, password: &str) -> (u16, Option<Api>) {
        let (status, body) = self.post("/api/v1/auth/login", &json!({ "email": email, "password": password })).await;
        let signed_in = body["token"].as_str().map(|token| self.clone().with_token(token));
        (status, signed_in)
    }

    /// POSTs and expects 201; returns the new resource's `id`.
    pub(crate) async fn create(&self, path: &str, body: &Value) -> i64 {
        let (status, answer) = self.post(path, body).await;
        assert_eq!(status, 201, "POST {path} answered {status}: {answer}");
        answer["id"].as_i64().unwrap_or_else(|| panic!("POST {path} returned no id: {answer}"))
    }

    /// Every event the signed-in member may see, paged from `seq` 0.
    pub(crate) async fn all_events(&self) -> Vec<Value> {
        let mut events = Vec::new();
        let mut since = 0;
        loop {
            let page = self.get_ok(&format!("/api/v1/events?since={since}&limit=1000")).await;
            let batch = page["events"].as_array().expect("a page has an events array").clone();
            if batch.is_empty() {
                return events;
            }
            let next_since = page["next_since"].as_i64().expect("a page has next_since");
            assert!(next_since > since, "next_since did not advance past {since}: {next_since}");
            since = next_since;
            events.extend(batch);
        }
    }
}
