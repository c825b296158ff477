//! Bad input gets a 4xx with `{"error":{"code","message"}}` and changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::harness::TestServer;

/// One bad request: what to send and the status it must get.
struct Case {
    label: &'static str,
    method: Method,
    path: String,
    body: Body,
    auth: Auth,
    status: u16,
}

enum Body {
    None,
    Json(Value),
    Raw(&'static str, Vec<u8>),
}

enum Auth {
    Owner,
    None,
    Header(&'static str),
}

fn case(label: &'static str, method: Method, path: impl Into<String>, body: Body, status: u16) -> Case {
    Case { label, method, path: path.into(), body, auth: Auth::Owner, status }
}

#[tokio::test]
async fn bad_requests_get_json_errors_and_change_nothing() {
    let server = TestServer::start().await;
    let owner = server.setup().await;
    let (channel, thread) = owner.channel_and_thread("anchor").await;
    let message = owner.create(&format!("/api/v1/threads/{thread}/messages"), json!({"body": "anchor"})).await;
    let message = message["id"].as_i64().unwrap();
    let project = owner.create("/api/v1/projects", json!({"name": "p"})).await["id"].as_i64().unwrap();
    let task =
        owner.create(&format!("/api/v1/projects/{project}/tasks"), json!({"title": "t"})).await["id"].as_i64().unwrap();
    let before = owner.all_events().await.len();

    let messages = format!("/api/v1/threads/{thread}/messages");
    let json_ct = "application/json";
    let cases = vec![
        case("malformed JSON", Method::POST, "/api/v1/channels", Body::Raw(json_ct, b"{\"name\": ".to_vec()), 400),
        case("empty body", Method::POST, "/api/v1/channels", Body::Raw(json_ct, Vec::new()), 400),
        case(
            "no content type",
            Method::POST,
            "/api/v1/channels",
            Body::Raw("text/plain", b"{\"name\":\"x\"}".to_vec()),
            415,
        ),
        case("wrong type", Method::POST, "/api/v1/channels", Body::Json(json!({"name": 12345})), 422),
        case("missing field", Method::POST, "/api/v1/channels", Body::Json(json!({})), 422),
        case(
            "bad visibility",
            Method::POST,
            "/api/v1/channels",
            Body::Json(json!({"name": "v", "visibility": "secret"})),
            422,
        ),
        case("bad channel name", Method::POST, "/api/v1/channels", Body::Json(json!({"name": "no/slashes"})), 422),
        case("deep JSON", Method::POST, "/api/v1/channels", Body::Raw(json_ct, deep_json(10_000)), 422),
        case(
            "invalid UTF-8",
            Method::POST,
            "/api/v1/channels",
            Body::Raw(json_ct, b"{\"name\": \"a\xff\xfe\"}".to_vec()),
            400,
        ),
        case("message of wrong type", Method::POST, &messages, Body::Json(json!({"body": 5})), 422),
        case("blank message", Method::POST, &messages, Body::Json(json!({"body": "  \n"})), 422),
        case("message with a NUL", Method::POST, &messages, Body::Json(json!({"body": "a\u{0}b"})), 422),
        case(
            "topic with a NUL",
            Method::POST,
            "/api/v1/channels",
            Body::Json(json!({"name": "nul", "topic": "\u{0}"})),
            422,
        ),
        case("too long message", Method::POST, &messages, Body::Json(json!({"body": "y".repeat(40_001)})), 422),
        case("10 MB body", Method::POST, &messages, Body::Raw(json_ct, huge_body()), 413),
        case("unknown thread", Method::POST, "/api/v1/threads/987654/messages", Body::Json(json!({"body": "x"})), 404),
        case(
            "malformed thread id",
            Method::POST,
            "/api/v1/threads/not-an-id/messages",
            Body::Json(json!({"body": "x"})),
            400,
        ),
        case("thread id beyond i64", Method::GET, "/api/v1/threads/99999999999999999999999", Body::None, 400),
        case(
            "unknown channel",
            Method::POST,
            "/api/v1/channels/987654/threads",
            Body::Json(json!({"title": "x"})),
            404,
        ),
        case(
            "empty title",
            Method::POST,
            format!("/api/v1/channels/{channel}/threads"),
            Body::Json(json!({"title": " "})),
            422,
        ),
        case("edit unknown message", Method::PATCH, "/api/v1/messages/987654", Body::Json(json!({"body": "x"})), 404),
        case(
            "react with spaces",
            Method::POST,
            format!("/api/v1/messages/{message}/reactions"),
            Body::Json(json!({"emoji": "a b"})),
            422,
        ),
        case("unknown task", Method::PATCH, "/api/v1/tasks/987654", Body::Json(json!({"status": "done"})), 404),
        case(
            "status not a status",
            Method::PATCH,
            format!("/api/v1/tasks/{task}"),
            Body::Json(json!({"status": "finished"})),
            422,
        ),
        case(
            "due 2027-02-30",
            Method::PATCH,
            format!("/api/v1/tasks/{task}"),
            Body::Json(json!({"due": "2027-02-30"})),
            422,
        ),
        case(
            "assignee unknown",
            Method::PATCH,
            format!("/api/v1/tasks/{task}"),
            Body::Json(json!({"assignee_id": 987654})),
            404,
        ),
        case("time zone Mars", Method::PATCH, "/api/v1/me", Body::Json(json!({"time_zone": "Mars/Olympus_Mons"})), 422),
        case("time zone a number", Method::PATCH, "/api/v1/me", Body::Json(json!({"time_zone": 12345})), 422),
        case(
            "hours 25:00",
            Method::PATCH,
            "/api/v1/me",
            Body::Json(json!({"working_hours": {"mon": [{"start": "09:00", "end": "25:00"}]}})),
            422,
        ),
        case(
            "member with bad e-mail",
            Method::POST,
            "/api/v1/members",
            Body::Json(json!({"handle": "z", "email": "nope"})),
            422,
        ),
        case(
            "member with short password",
            Method::POST,
            "/api/v1/members",
            Body::Json(json!({"handle": "z", "email": "z@x.io", "password": "short"})),
            422,
        ),
        case("events since=abc", Method::GET, "/api/v1/events?since=abc", Body::None, 400),
        case("events since beyond u64", Method::GET, "/api/v1/events?since=99999999999999999999999", Body::None, 400),
        case("events since negative", Method::GET, "/api/v1/events?since=-1", Body::None, 400),
        case("search without q", Method::GET, "/api/v1/search", Body::None, 400),
        case("stream without upgrade", Method::GET, "/api/v1/stream?since=0", Body::None, 400),
        case("unknown route", Method::GET, "/api/v1/no-such-route", Body::None, 404),
        case("wrong method", Method::PUT, "/api/v1/channels", Body::Json(json!({})), 405),
        case(
            "second setup",
            Method::POST,
            "/api/v1/setup",
            Body::Json(json!({"workspace_name": "w", "handle": "h", "email": "h@x.io", "password": "password1"})),
            409,
        ),
        Case { auth: Auth::None, ..case("no token", Method::GET, "/api/v1/channels", Body::None, 401) },
        Case {
            auth: Auth::Header("Bearer not-a-real-token"),
            ..case("wrong token", Method::GET, "/api/v1/channels", Body::None, 401)
        },
        Case {
            auth: Auth::Header("Basic YmFyczpiYXJz"),
            ..case("basic auth", Method::GET, "/api/v1/channels", Body::None, 401)
        },
        Case {
            auth: Auth::None,
            ..case("events without token", Method::GET, "/api/v1/events?since=0", Body::None, 401)
        },
        Case {
            auth: Auth::None,
            ..case(
                "wrong password",
                Method::POST,
                "/api/v1/auth/login",
                Body::Json(json!({"email": "owner@example.com", "password": "not-it-at-all"})),
                401,
            )
        },
    ];

    let mut failures = Vec::new();
    for case in cases {
        let mut request = server.http.request(case.method.clone(), server.url(&case.path));
        request = match case.auth {
            Auth::Owner => request.bearer_auth(&owner.token),
            Auth::None => request,
            Auth::Header(value) => request.header("authorization", value),
        };
        request = match case.body {
            Body::None => request,
            Body::Json(value) => request.json(&value),
            Body::Raw(content_type, bytes) => request.header("content-type", content_type).body(bytes),
        };
        let response = request.send().await.expect("the server answers");
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        let shaped = body["error"]["code"].as_str().is_some_and(|c| !c.is_empty())
            && body["error"]["message"].as_str().is_some_and(|m| !m.is_empty());
        if status.as_u16() != case.status || !shaped {
            failures.push(format!("{}: want {} with an error body, got {status} {body}", case.label, case.status));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(owner.all_events().await.len(), before, "a bad request changed the event log");
    let (status, _) = owner.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
}

fn deep_json(depth: usize) -> Vec<u8> {
    let mut body = b"{\"name\": ".to_vec();
    body.extend(std::iter::repeat_n(b'[', depth));
    body.extend(std::iter::repeat_n(b']', depth));
    body.push(b'}');
    body
}

fn huge_body() -> Vec<u8> {
    let mut body = b"{\"body\": \"".to_vec();
    body.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    body.extend(b"\"}");
    body
}
