use axum::response::IntoResponse;

use super::*;

async fn body_of(err: ApiError) -> (StatusCode, serde_json::Value) {
    let response = err.into_response();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn every_code_has_its_status_and_body() {
    let cases = [
        (ApiError::BadRequest("x".into()), 400, "bad_request"),
        (ApiError::Invalid("title: must not be empty".into()), 422, "invalid_input"),
        (ApiError::unauthenticated(), 401, "unauthenticated"),
        (ApiError::Forbidden("no".into()), 403, "forbidden"),
        (ApiError::NotFound("channel 9 not found".into()), 404, "not_found"),
        (ApiError::MethodNotAllowed("m".into()), 405, "method_not_allowed"),
        (ApiError::Conflict("taken".into()), 409, "conflict"),
        (ApiError::TooLarge("big".into()), 413, "too_large"),
        (ApiError::UnsupportedMediaType("json".into()), 415, "unsupported_media_type"),
        (ApiError::Busy, 503, "busy"),
    ];
    for (err, status, code) in cases {
        let message = err.to_string();
        let (got_status, body) = body_of(err).await;
        assert_eq!(got_status.as_u16(), status);
        assert_eq!(body, serde_json::json!({"error": {"code": code, "message": message}}));
    }
}

#[tokio::test]
async fn internal_errors_hide_their_cause() {
    let err = ApiError::internal(std::io::Error::other("disk on fire at /var/secret"));
    let (status, body) = body_of(err).await;
    assert_eq!(status.as_u16(), 500);
    assert_eq!(body["error"]["message"], "internal error");
}

#[test]
fn private_not_found_reads_like_missing() {
    let err: ApiError = baton_store::Error::not_found("channel 7").into();
    assert_eq!(err.to_string(), "channel 7 not found");
    assert_eq!(err.code(), "not_found");
}
