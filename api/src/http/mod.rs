//! The HTTP surface: `/graphql` (with our own GraphQL-over-HTTP handling), GraphiQL, downloads
//! under `/exports`, `/healthz`, `/readyz`, `/metrics`, and the request id on every response.

pub mod client;
pub mod documents;
pub mod exports;
pub mod graphiql;
pub mod graphql;
pub mod ledger;
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

use secrecy::ExposeSecret;
use sha2::{Digest, Sha256};

use crate::{
    db,
    metrics::{self, RequestLabels},
    state::AppState,
};

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

/// `/metrics`: the Prometheus exposition. With `metrics_token` set, only to a scraper that
/// sends it as a bearer token.
pub async fn metrics(req: actix_web::HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(token) = &state.config.metrics_token {
        let sent = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .unwrap_or_default();
        // Compared as digests, so the time taken says nothing of how much of it matched.
        if Sha256::digest(sent) != Sha256::digest(token.expose_secret()) {
            return HttpResponse::Unauthorized()
                .insert_header(("WWW-Authenticate", "Bearer"))
                .json(serde_json::json!({ "status": "send the metrics token" }));
        }
    }
    let text = state
        .metrics
        .render(&state.db, &state.audit, &state.throttle, state.clock.now())
        .await;
    HttpResponse::Ok()
        .content_type(metrics::CONTENT_TYPE)
        .body(text)
}

/// The span every log line of a request carries: its id, method and path, and once answered its
/// status. Never the query string (a GET request's variables may hold a child's name) nor a
/// forwarded address (`X-Forwarded-For` is believed only through trusted proxies). Exported as
/// a trace it is named by the route, never the path a caller typed; it continues the caller's
/// trace (W3C `traceparent`) only for requests through a trusted proxy, so that nobody outside
/// can keep their requests out of the traces or graft them onto another's.
pub struct RequestSpan;

/// A request's headers, as OpenTelemetry's propagator reads them.
struct Headers<'a>(&'a actix_web::http::header::HeaderMap);

impl opentelemetry::propagation::Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> tracing::Span {
        let request_id = request
            .extensions()
            .get::<RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let span = tracing::info_span!(
            "request",
            request_id,
            method = %request.method(),
            path = request.path(),
            otel.name = format!(
                "{} {}",
                request.method(),
                request.match_pattern().as_deref().unwrap_or("(no route)")
            ),
            otel.kind = "server",
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        );
        let proxied = request
            .app_data::<web::Data<AppState>>()
            .is_some_and(|state| client::from_trusted_proxy(request.peer_addr(), &state.proxies));
        if proxied {
            let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
                propagator.extract(&Headers(request.headers()))
            });
            // Without the OpenTelemetry layer (no `otlp_endpoint`) there is no trace to join.
            let _ = tracing_opentelemetry::OpenTelemetrySpanExt::set_parent(&span, parent);
        }
        span
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
    /// The id of the trusted document it ran.
    pub document_id: Option<String>,
}

/// What a GraphQL request came to, carried on its response for the metrics: the
/// `extensions.code` of its first error, `None` when it had none.
#[derive(Debug, Clone)]
pub struct Outcome(pub Option<String>);

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

/// Middleware: copies the request id that tracing gave the request onto the response, writes
/// the request's access log line (target `shouhu::access`): request id, method, path, status,
/// duration, and what the handler noted (operation, client app, account id); and counts a
/// GraphQL request in the metrics.
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let id = req.extensions().get::<RequestId>().copied();
    let method = req.method().clone();
    let path = req.path().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let in_flight = state.as_ref().map(|state| state.metrics.in_flight());
    let mut res = next.call(req).await?;
    drop(in_flight);
    let seconds = started.elapsed().as_secs_f64();
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
        duration_ms = seconds * 1e3,
        operation = access.operation,
        client_app = access.client_app,
        document_id = access.document_id,
        account = access.account.map(|id| id.to_string()),
        "request"
    );
    let outcome = res
        .response()
        .extensions()
        .get::<Outcome>()
        .map(|Outcome(code)| metrics::outcome(code.as_deref()));
    if let (Some(state), Some(outcome)) = (state, outcome) {
        // An ad-hoc document's operation name is the caller's to choose: only a trusted
        // document's is a label.
        let trusted = access.client_app.is_some();
        let named = |value: Option<String>| {
            value
                .filter(|_| trusted)
                .unwrap_or_else(|| metrics::UNNAMED.to_owned())
        };
        state.metrics.request(
            RequestLabels {
                operation: named(access.operation),
                client_app: named(access.client_app),
                document_id: named(access.document_id),
                outcome,
            },
            seconds,
        );
    }
    Ok(res)
}
