//! The web app over HTTP, as a browser meets it: redirects on a fresh server, the strict
//! Content-Security-Policy, cookies, CSRF, escaping, and no content for pages one may not see.
//! (The same flows in a real browser are in `crates/baton/tests/it/web.rs`.)

use reqwest::header::{CONTENT_SECURITY_POLICY, LOCATION, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};
use serde_json::json;

use crate::harness::{TestServer, PASSWORD};

/// A browser without JavaScript: keeps its cookies and the CSRF token its pages carry.
struct Browser<'s> {
    server: &'s TestServer,
    http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl<'s> Browser<'s> {
    fn new(server: &'s TestServer) -> Browser<'s> {
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).build().unwrap();
        Browser { server, http, cookies: Vec::new() }
    }

    fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn keep_cookies(&mut self, response: &Response) {
        for value in response.headers().get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let response =
            self.http.get(self.server.url(path)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.keep_cookies(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// POSTs a form with this browser's CSRF token (unless `csrf` says otherwise).
    async fn post(&mut self, path: &str, fields: &[(&str, &str)], csrf: Option<&str>) -> Response {
        let token = csrf.map(str::to_string).or_else(|| self.cookie("baton_csrf").map(str::to_string)).unwrap();
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &token)];
        form.extend_from_slice(fields);
        let response = self
            .http
            .post(self.server.url(path))
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        self.keep_cookies(&response);
        response
    }
}

fn location(response: &Response) -> &str {
    response.headers().get(LOCATION).map(|v| v.to_str().unwrap()).unwrap_or("")
}

#[tokio::test]
async fn a_fresh_server_leads_to_setup_and_every_page_has_a_strict_policy() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server);
    let response = browser.http.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/setup");
    let (status, page) = browser.get("/setup").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("name=\"workspace_name\""), "{page}");
    assert!(!page.contains("<script>") && !page.contains("style="), "no inline script or style: {page}");
    let response = browser.http.get(server.url("/setup")).send().await.unwrap();
    let policy = response.headers().get(CONTENT_SECURITY_POLICY).unwrap().to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    // The sign-in page before setup sends you to setup.
    let response = browser.http.get(server.url("/login")).send().await.unwrap();
    assert_eq!(location(&response), "/setup");
}

#[tokio::test]
async fn setup_needs_the_csrf_token_and_signs_the_owner_in_with_a_strict_cookie() {
    let server = TestServer::start().await;
    let mut browser = Browser::new(&server);
    browser.get("/setup").await;
    let fields = [
        ("workspace_name", "Acme"),
        ("time_zone", "Europe/Berlin"),
        ("handle", "ana"),
        ("display_name", "Ana"),
        ("email", "ana@example.com"),
        ("password", PASSWORD),
    ];
    // A form posted from elsewhere (no or a wrong token) creates nothing.
    let forged = browser.post("/setup", &fields, Some("0".repeat(64).as_str())).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let (status, _) = server.call(reqwest::Method::GET, "/api/v1/workspace", None, None).await;
    assert_ne!(status, StatusCode::OK, "no workspace after a forged setup");
    // Bad input re-renders the form with the reason, keeping what was typed.
    let bad = browser
        .post(
            "/setup",
            &[("workspace_name", "Acme"), ("handle", "ana"), ("email", "nope"), ("password", PASSWORD)],
            None,
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bad.text().await.unwrap();
    assert!(page.contains("class=\"error\"") && page.contains("email"), "{page}");
    assert!(page.contains("value=\"Acme\""), "{page}");

    let done = browser.post("/setup", &fields, None).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/");
    let cookie = done.headers().get(SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(cookie.starts_with("baton_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let (status, page) = browser.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("@ana") && page.contains("Create channel"), "{page}");

    // Behind a TLS proxy the cookie is Secure too.
    let mut other = Browser::new(&server);
    other.get("/login").await;
    let token = other.cookie("baton_csrf").unwrap().to_string();
    let response = other
        .http
        .post(server.url("/login"))
        .header("cookie", other.cookie_header())
        .header("x-forwarded-proto", "https")
        .form(&[("_csrf", token.as_str()), ("email", "ana@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers().get(SET_COOKIE).unwrap().to_str().unwrap();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn messages_render_safely_and_a_private_channel_shows_nothing_to_others() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let member = owner.add_member("bo", "member").await;
    let private = owner.create("/api/v1/channels", json!({"name": "leadership", "visibility": "private"})).await;
    let channel = private["id"].as_i64().unwrap();
    let thread = owner
        .create(&format!("/api/v1/channels/{channel}/threads"), json!({"title": "Reorg secrets", "body": "hush"}))
        .await;
    let thread = thread["id"].as_i64().unwrap();
    let _ = member;

    let mut bo = Browser::new(&server);
    bo.get("/login").await;
    let wrong = bo.post("/login", &[("email", "bo@example.com"), ("password", "not-the-password")], None).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("class=\"error\""));
    let signed = bo.post("/login", &[("email", "bo@example.com"), ("password", PASSWORD)], None).await;
    assert_eq!(signed.status(), StatusCode::SEE_OTHER);
    for path in [format!("/c/{channel}"), format!("/t/{thread}"), format!("/t/{thread}/messages"), "/c/999".into()] {
        let (status, page) = bo.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("leadership") && !page.contains("Reorg") && !page.contains("hush"), "{path}: {page}");
    }
    let (_, list) = bo.get("/").await;
    assert!(!list.contains("leadership"), "{list}");

    // bo starts a public channel and a thread; markup in a message is text, not page.
    let created = bo.post("/channels", &[("name", "general"), ("visibility", "public")], None).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let channel_page = location(&created).to_string();
    let started = bo
        .post(
            &format!("{channel_page}/threads"),
            &[("title", "Hello"), ("body", "**bold** <script>alert(1)</script> <img src=x onerror=alert(2)>")],
            None,
        )
        .await;
    let thread_page = location(&started).to_string();
    let (status, page) = bo.get(&thread_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<strong>bold</strong>"), "{page}");
    assert!(!page.contains("<script>alert") && !page.contains("onerror"), "{page}");
    // A reply without the CSRF token is refused and posts nothing.
    let forged = bo.post(&format!("{thread_page}/messages"), &[("body", "forged")], Some("x")).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let replied =
        bo.post(&format!("{thread_page}/messages"), &[("body", "a real reply"), ("urgent", "true")], None).await;
    assert_eq!(replied.status(), StatusCode::SEE_OTHER);
    let (_, page) = bo.get(&thread_page).await;
    assert!(page.contains("a real reply") && page.contains("urgent") && !page.contains("forged"), "{page}");
    // Signing out ends the session: the page asks to sign in again.
    let out = bo.post("/logout", &[], None).await;
    assert_eq!(location(&out), "/login");
    let response = bo.http.get(server.url(&thread_page)).header("cookie", bo.cookie_header()).send().await.unwrap();
    assert_eq!(location(&response), "/login");
}
