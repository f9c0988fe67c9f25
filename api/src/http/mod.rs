//! The HTTP surface: `/graphql` (with our own GraphQL-over-HTTP handling), GraphiQL, downloads
//! under `/exports`, `/healthz`, `/readyz`, and the request id on every response.

pub mod client;
pub mod documents;
pub mod exports;
pub mod graphiql;
pub mod graphql;
mod negotiate;
pub mod ws;

use actix_web::{
    HttpMessage, HttpResponse,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use tracing_actix_web::{DefaultRootSpanBuilder, RequestId, RootSpanBuilder};

use crate::{db, state::AppState};

/// The response header carrying the request id that log lines and internal errors name.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// `/healthz`: the process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `/readyz`: the database answers; 503 when it does not.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if db::ping(&state.db).await {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready" }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "database unavailable" }))
    }
}

/// The span every log line of a request carries: its id, method and path, and once answered its
/// status. Never the query string (a GET request's variables may hold a child's name) nor a
/// forwarded address (`X-Forwarded-For` is believed only through trusted proxies).
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        tracing::info_span!(
            "request",
            request_id,
            method = %request.method(),
            path = request.path(),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
    }

    fn on_request_end<B: MessageBody>(
        span: tracing::Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// What a request did, as its handler learns it, for the request's access log line.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The GraphQL operation's name.
    pub operation: Option<String>,
    /// The client app of the trusted document it ran.
    pub client_app: Option<String>,
    /// The signed-in account (its id: the log never holds a name).
    pub account: Option<uuid::Uuid>,
}

/// Adds to what the request's access log line will say.
pub fn note(req: &actix_web::HttpRequest, learn: impl FnOnce(&mut Access)) {
    let mut extensions = req.extensions_mut();
    if let Some(access) = extensions.get_mut::<Access>() {
        learn(access);
    } else {
        let mut access = Access::default();
        learn(&mut access);
        extensions.insert(access);
    }
}

/// Middleware: copies the request id that tracing gave the request onto the response, and
/// writes the request's access log line (target `shouhu::access`): request id, method, path,
/// status, duration, and what the handler noted (operation, client app, account id).
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = req.extensions().get::<RequestId>().copied();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let mut res = next.call(req).await?;
    if let Some(id) = id
        && let Ok(value) = HeaderValue::from_str(&id.to_string())
    {
        res.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    let access = res
        .request()
        .extensions()
        .get::<Access>()
        .cloned()
        .unwrap_or_default();
    tracing::info!(
        target: "shouhu::access",
        request_id = %id.map(|id| id.to_string()).unwrap_or_default(),
        %method,
        path,
        status = res.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1e3,
        operation = access.operation,
        client_app = access.client_app,
        account = access.account.map(|id| id.to_string()),
        "request"
    );
    Ok(res)
}
