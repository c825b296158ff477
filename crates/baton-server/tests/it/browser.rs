//! A browser without JavaScript for the web pages' tests: it keeps its cookies (the session and
//! the CSRF token), repeats the token in the forms it posts, and does not follow redirects, so
//! tests see each 303 and where it points.

use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{redirect, Response, StatusCode};

use crate::harness::{TestServer, PASSWORD};

pub struct Browser<'s> {
    server: &'s TestServer,
    pub http: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl<'s> Browser<'s> {
    /// A browser that has not signed in.
    pub fn new(server: &'s TestServer) -> Browser<'s> {
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).build().unwrap();
        Browser { server, http, cookies: Vec::new() }
    }

    /// A browser signed in through the sign-in page as `login` (an e-mail or a handle) with
    /// [`PASSWORD`].
    pub async fn signed_in(server: &'s TestServer, login: &str) -> Browser<'s> {
        let mut browser = Browser::new(server);
        browser.get("/login").await;
        let response = browser.post("/login", &[("email", login), ("password", PASSWORD)], None).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "sign-in of {login}");
        browser
    }

    pub fn cookie(&self, name: &str) -> Option<&str> {
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

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String) {
        let response =
            self.http.get(self.server.url(path)).header("cookie", self.cookie_header()).send().await.unwrap();
        self.keep_cookies(&response);
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// POSTs a form with this browser's CSRF token (unless `csrf` says otherwise).
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)], csrf: Option<&str>) -> Response {
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

/// Where a redirect points (empty when the answer is not one).
pub fn location(response: &Response) -> String {
    response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}
