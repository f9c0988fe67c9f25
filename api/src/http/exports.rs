//! Downloads: `GET /exports/child-access.csv?child=<id>&from=<time>&until=<time>` serves a
//! child's access report as a CSV file. It runs the GraphQL query
//! `childAccessReport(childId:, from:, until:) { csv }` with the caller's bearer token, so the
//! policy, the scope and the audit trail apply to it exactly as to the API; a refusal comes back
//! as GraphQL errors in JSON with the matching HTTP status.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use async_graphql::{Variables, parser::types::OperationType};
use serde::Deserialize;
use serde_json::json;
use tracing_actix_web::RequestId;

use crate::{
    auth::RequestClient,
    graphql::AppSchema,
    http::graphql::{coded, prepare, request_meta, session},
    state::AppState,
};

/// The document the download runs.
const CHILD_ACCESS: &str = "query ChildAccessCsv($child: ID!, $from: DateTime, $until: DateTime) \
     { childAccessReport(childId: $child, from: $from, until: $until) { csv } }";

/// The query string of the download.
#[derive(Debug, Deserialize)]
struct ChildAccessParams {
    child: String,
    from: Option<String>,
    until: Option<String>,
}

/// An error as a download answers it: GraphQL errors in JSON, with `status`.
pub(crate) fn error(
    status: StatusCode,
    code: &str,
    message: &str,
    field: Option<&str>,
) -> HttpResponse {
    HttpResponse::build(status).json(json!({
        "errors": [{ "message": message, "extensions": { "code": code, "field": field } }]
    }))
}

/// The answer to a download whose query `document` was refused or failed: its errors, coded,
/// with the HTTP status of the first one's code.
pub(crate) fn refusal(
    errors: Vec<async_graphql::ServerError>,
    document: &str,
    request_id: &RequestId,
) -> HttpResponse {
    // The download's own document is valid: an error the executor gives without a code is a
    // parameter it could not read (a malformed time), named as its argument.
    let document = async_graphql::parser::parse_query(document).ok();
    let errors = coded(errors, false, document.as_ref(), request_id);
    let code = errors[0]
        .extensions
        .as_ref()
        .and_then(|e| e.get("code"))
        .and_then(|c| match c {
            async_graphql::Value::String(code) => Some(code.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let status = match code.as_str() {
        "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
        "FORBIDDEN" => StatusCode::FORBIDDEN,
        "NOT_FOUND" => StatusCode::NOT_FOUND,
        "INTERNAL_SERVER_ERROR" => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::BAD_REQUEST,
    };
    HttpResponse::build(status).json(json!({ "errors": errors }))
}

/// Serves `/exports/child-access.csv`.
pub async fn child_access(
    req: HttpRequest,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    request_id: RequestId,
) -> HttpResponse {
    let params = match web::Query::<ChildAccessParams>::from_query(req.query_string()) {
        Ok(params) => params.into_inner(),
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "give the child's ID as `child` (and optionally `from` and `until`, RFC 3339 times)",
                Some("child"),
            );
        }
    };
    let session = match session(&req, &state).await {
        Ok(session) => session,
        Err(err) => {
            tracing::error!(error = ?err, "resolving the session");
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "INTERNAL_SERVER_ERROR",
                "the service cannot check credentials right now",
                None,
            );
        }
    };
    let variables = Variables::from_json(json!({
        "child": params.child,
        "from": params.from,
        "until": params.until,
    }));
    let meta = request_meta(&req, &state, &request_id, RequestClient::default());
    // The trail of who read the child, up to now: read on the primary, which the audit
    // writer has just written to.
    let plan = state.primary_reader.reads_for(OperationType::Query);
    let request = prepare(
        &state,
        meta,
        session,
        CHILD_ACCESS.to_owned(),
        variables,
        plan,
    );
    let response = schema.execute(request).await;
    if !response.errors.is_empty() {
        return refusal(response.errors, CHILD_ACCESS, &request_id);
    }
    let csv = match response.data.into_json() {
        Ok(data) => data["childAccessReport"]["csv"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        Err(_) => String::new(),
    };
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "attachment; filename=\"child-access.csv\"",
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(csv)
}
