//! The OpenAPI document, generated from the handlers' annotations so it cannot drift from the
//! code. Served at `GET /api/v1/openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::OpenApi;
use utoipa::Modify;

use crate::api;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Baton API",
        description = "Baton's HTTP API. Authenticate with `Authorization: Bearer <token>` (from \
            `POST /api/v1/setup`, `POST /api/v1/auth/login` or `POST /api/v1/invites/accept`). \
            The WebSocket stream at `/api/v1/stream` takes the same token in the header, or from a \
            browser as the subprotocols `[\"bearer\", \"<token>\"]`, or as `?access_token=`. Every \
            error is `{\"error\":{\"code\",\"message\"}}` with a 4xx status. Creates honour an \
            `Idempotency-Key` header.",
    ),
    paths(health),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Setup, sign-in, invitations"),
        (name = "members", description = "People, roles, time zones and working hours"),
        (name = "channels", description = "Public and private channels"),
        (name = "threads", description = "Titled topics inside channels"),
        (name = "messages", description = "Messages, edits, reactions, search"),
        (name = "dms", description = "Direct conversations"),
        (name = "projects", description = "Projects"),
        (name = "tasks", description = "Tasks and their history"),
        (name = "events", description = "The event log and the live stream"),
        (name = "insights", description = "Measured async habits: response times, stalls, isolation"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Answers 200 once the server is ready.
#[utoipa::path(get, path = "/healthz", tag = "events", responses((status = 200, description = "ready")))]
#[allow(dead_code)]
fn health() {}

/// The whole document.
pub fn document() -> OpenApi {
    let mut doc = <ApiDoc as utoipa::OpenApi>::openapi();
    for part in [
        api::auth::doc(),
        api::members::doc(),
        api::channels::doc(),
        api::threads::doc(),
        api::messages::doc(),
        api::dms::doc(),
        api::projects::doc(),
        api::tasks::doc(),
        api::huddles::doc(),
        api::overlap::doc(),
        api::advisor::doc(),
        api::scheduled::doc(),
        api::inbox::doc(),
        api::norms::doc(),
        api::checkins::doc(),
        api::events::doc(),
        api::search::doc(),
        api::insights::doc(),
    ] {
        doc.merge(part);
    }
    // `merge` drops the security scheme when a part has components of its own: add it last.
    BearerAuth.modify(&mut doc);
    doc
}
