//! `/graphql`: GraphQL over HTTP, done by hand around the executor so that content negotiation,
//! status codes and the refusal of mutations over GET follow the GraphQL-over-HTTP spec.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{
        Method, StatusCode,
        header::{self, HeaderValue},
    },
    web,
};
use async_graphql::{
    ErrorExtensionValues, Pos, Response, ServerError, Variables,
    parser::types::{
        DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet,
    },
};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::json;
use tracing::Instrument;
use tracing_actix_web::RequestId;

use crate::{
    auth::{
        RequestClient, RequestMeta, Session,
        throttle::{Bucket, Refused},
    },
    domain::account,
    error::ApiError,
    graphql::{AppSchema, limits::Measured, loaders::Loaders, shape::Parsed},
    http::{
        self,
        client::client_address,
        documents::Documents,
        graphiql,
        negotiate::{Accepted, MediaType, negotiate},
    },
    policy::hook::RequestAudit,
    replica::ReadPlan,
    state::AppState,
    trusted::{self, Manifests, TrustedDocument},
};

/// A GraphQL request as sent in a POST body or GET query string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphqlParams {
    query: Option<String>,
    /// A trusted document's id, `sha256:<hex>`.
    document_id: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
    extensions: Option<serde_json::Value>,
}

/// A GET request's parameters: `variables` and `extensions` are JSON inside the query string.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    document_id: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// A request refused before it reached the executor.
struct Refusal {
    status: StatusCode,
    allow: Option<&'static str>,
    code: &'static str,
    message: String,
    /// The argument or variable at fault, for `extensions.field`.
    field: Option<String>,
    /// A GraphQL request error of a well-formed request (its document does not parse, names no
    /// operation…): `application/json` answers it with 200, as the spec says.
    request_error: bool,
    /// Seconds to wait before trying again (`Retry-After`, `extensions.retryAfter`).
    retry_after: Option<u64>,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            allow: None,
            code,
            message: message.into(),
            field: None,
            request_error: false,
            retry_after: None,
        }
    }

    /// A request that is not a well-formed GraphQL-over-HTTP request: 400 `BAD_REQUEST`.
    fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// A GraphQL request error, answered 400 or (to `application/json`) 200.
    fn request_error(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            request_error: true,
            ..Self::new(StatusCode::BAD_REQUEST, code, message)
        }
    }
}

/// The document a request runs: its text, and the trusted document it is, if any.
struct Source {
    text: String,
    trusted: Option<TrustedDocument>,
}

/// The longest text one value of a request may hold. Nothing the API stores is longer (the
/// longest, a narrative, takes 5,000 characters); longer text is a client's mistake, refused
/// before it reaches a resolver or the database.
const MAX_TEXT_CHARS: usize = 10_000;

/// Serves GET and POST on `/graphql`.
pub async fn graphql(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
    documents: web::Data<Documents>,
    request_id: RequestId,
) -> HttpResponse {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let media = match negotiate(accept) {
        Accepted::Graphql(media) => media,
        Accepted::Html
            if state.config.graphiql()
                && req.method() == Method::GET
                && req.query_string().is_empty() =>
        {
            return graphiql::page();
        }
        Accepted::Html | Accepted::Unacceptable => {
            return refuse(
                MediaType::Json,
                Refusal::new(
                    StatusCode::NOT_ACCEPTABLE,
                    "NOT_ACCEPTABLE",
                    "accept application/graphql-response+json or application/json",
                ),
            );
        }
    };
    let params = match read_params(&req, payload, &state).await {
        Ok(params) => params,
        Err(refusal) => return refuse(media, refusal),
    };
    let trusted = &state.trusted;
    let source = match source(&params, &trusted.manifests()) {
        Ok(source) => source,
        Err(refusal) => return refuse(media, refusal),
    };
    let session = match session(&req, &state).await {
        Ok(session) => session,
        Err(err) => {
            tracing::error!(error = ?err, "resolving the session");
            return refuse(
                media,
                Refusal::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "INTERNAL_SERVER_ERROR",
                    "the service cannot check credentials right now",
                ),
            );
        }
    };
    if source.trusted.is_none() && !trusted.may_send_any(&session, &state.policy) {
        return refuse(
            media,
            Refusal::new(
                StatusCode::FORBIDDEN,
                "OPERATION_NOT_TRUSTED",
                "this service runs only the client apps' trusted documents for this caller: \
                 send a `documentId`",
            ),
        );
    }
    if let Session::Authenticated(principal) = &session {
        http::note(&req, |access| access.account = Some(principal.account_id));
    }
    let client = RequestClient {
        app: source
            .trusted
            .as_ref()
            .map(|document| document.app_for(named_client(&req).as_deref()).to_owned()),
        document_id: source
            .trusted
            .as_ref()
            .map(|document| document.id.to_string()),
    };
    http::note(&req, |access| {
        access.client_app.clone_from(&client.app);
        access.document_id.clone_from(&client.document_id);
    });
    let meta = request_meta(&req, &state, &request_id, client);
    if let Err(refused) = throttle(&state, &session, &meta).await {
        return refuse(
            media,
            Refusal {
                retry_after: Some(refused.seconds()),
                ..Refusal::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "RATE_LIMITED",
                    format!("too many requests: try again in {} s", refused.seconds()),
                )
            },
        );
    }
    let (query, variables) = match check_params(&req, &documents, source.text, params) {
        Ok(checked) => checked,
        Err(refusal) => return refuse(media, refusal),
    };
    let operation = operation_name(&query);
    let trusted_name = operation.clone().filter(|_| source.trusted.is_some());
    let document_id = source
        .trusted
        .as_ref()
        .map(|document| document.id.to_string());
    http::note(&req, |access| access.operation = operation);
    let anonymous = !matches!(session, Session::Authenticated(_));
    if let Err(exceeded) = state.limits.check(&query.document, &variables, anonymous) {
        return refuse(
            media,
            Refusal::request_error(exceeded.code, exceeded.message),
        );
    }
    let plan = state.reader.reads_for(query.operation);
    let request = prepare(&state, meta, session, query.query.clone(), variables, plan);
    let mut request = match query.operation_name {
        Some(name) => request.operation_name(name),
        None => request,
    };
    // The document was parsed to check the request; the executor takes a copy of it, and the
    // response's shaping shares it.
    request.set_parsed_query(ExecutableDocument::clone(&query.document));
    let request = request
        .data(Parsed(Arc::clone(&query.document)))
        .data(Measured);
    // Named in traces only when trusted: an ad-hoc document's name is the caller's to choose.
    let span = tracing::info_span!(
        "graphql",
        otel.name = format!("graphql {}", trusted_name.as_deref().unwrap_or("(ad hoc)")),
        graphql.operation.name = trusted_name,
        graphql.document.id = document_id,
    );
    let response = schema.execute(request).instrument(span).await;
    // Errors without a path are the request's own (validation, limits): such a document is
    // not kept.
    if response.errors.iter().all(|e| !e.path.is_empty()) {
        documents.keep(&query.query, &query.document);
    }
    respond(media, response, &query.document, &request_id)
}

/// The name of the operation the request runs, when it has one.
fn operation_name(query: &CheckedQuery) -> Option<String> {
    query.operation_name.clone().or_else(|| {
        query
            .document
            .operations
            .iter()
            .next()
            .and_then(|(name, _)| name.map(|name| name.to_string()))
    })
}

/// The query and operation name once checked, with the parsed document.
struct CheckedQuery {
    query: String,
    operation: OperationType,
    operation_name: Option<String>,
    document: Arc<ExecutableDocument>,
}

async fn read_params(
    req: &HttpRequest,
    payload: web::Payload,
    state: &AppState,
) -> Result<GraphqlParams, Refusal> {
    match *req.method() {
        Method::GET => {
            let get = web::Query::<GetParams>::from_query(req.query_string())
                .map_err(|e| Refusal::bad_request(format!("malformed query string: {e}")))?
                .into_inner();
            let variables = get
                .variables
                .map(|v| serde_json::from_str(&v))
                .transpose()
                .map_err(|_| Refusal::bad_request("variables is not JSON"))?;
            let extensions = get
                .extensions
                .map(|v| serde_json::from_str(&v))
                .transpose()
                .map_err(|_| Refusal::bad_request("extensions is not JSON"))?;
            Ok(GraphqlParams {
                query: get.query,
                document_id: get.document_id,
                operation_name: get.operation_name,
                variables,
                extensions,
            })
        }
        Method::POST => {
            let content_type = req
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let essence = content_type.split(';').next().unwrap_or_default().trim();
            if !essence.eq_ignore_ascii_case("application/json") {
                return Err(Refusal::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "UNSUPPORTED_MEDIA_TYPE",
                    "send the request as application/json",
                ));
            }
            let limit = state.config.limits.max_body_bytes;
            let body = payload
                .to_bytes_limited(limit)
                .await
                .map_err(|_| {
                    Refusal::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "PAYLOAD_TOO_LARGE",
                        format!("the request body is larger than {limit} bytes"),
                    )
                })?
                .map_err(|_| Refusal::bad_request("the request body could not be read"))?;
            let value: serde_json::Value = serde_json::from_slice(&body)
                .map_err(|_| Refusal::bad_request("the request body is not valid JSON"))?;
            if value.is_array() {
                return Err(Refusal::bad_request(
                    "batched requests are not supported; send one request per POST",
                ));
            }
            serde_json::from_value(value).map_err(|_| {
                Refusal::bad_request(
                    "the request body must be an object with a string `query` or `documentId`",
                )
            })
        }
        _ => Err(Refusal {
            allow: Some("GET, POST"),
            ..Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "use GET or POST",
            )
        }),
    }
}

/// The document the request names: by `documentId` or `extensions.persistedQuery`, a trusted
/// document (refused when no manifest holds it, or when the request also sends a text that is
/// not it); by `query`, its text, trusted when a manifest holds it.
fn source(params: &GraphqlParams, manifests: &Manifests) -> Result<Source, Refusal> {
    let extensions = match &params.extensions {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Object(extensions)) => Some(extensions),
        Some(_) => {
            return Err(Refusal::bad_request("`extensions` must be an object"));
        }
    };
    let persisted = extensions
        .and_then(|e| e.get("persistedQuery"))
        .map(|persisted| {
            persisted["sha256Hash"].as_str().ok_or_else(|| {
                Refusal::bad_request("`extensions.persistedQuery.sha256Hash` must be a string")
            })
        })
        .transpose()?;
    let named = match &params.document_id {
        Some(id) => Some(id.strip_prefix("sha256:").ok_or_else(|| {
            Refusal::bad_request("`documentId` must be `sha256:` and the document's SHA-256 in hex")
        })?),
        None => None,
    };
    let hash = match (named, persisted) {
        (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b) => {
            return Err(Refusal::bad_request(
                "`documentId` and `extensions.persistedQuery` name different documents",
            ));
        }
        (named, persisted) => named.or(persisted).map(str::to_ascii_lowercase),
    };
    let text = params.query.as_deref().filter(|q| !q.trim().is_empty());
    match (hash, text) {
        (Some(hash), text) => {
            let document = manifests.get(&hash).ok_or_else(|| {
                Refusal::new(
                    StatusCode::NOT_FOUND,
                    "PERSISTED_QUERY_NOT_FOUND",
                    format!("no client app's manifest holds the document sha256:{hash}"),
                )
            })?;
            if text.is_some_and(|text| *text != *document.text) {
                return Err(Refusal::bad_request(
                    "`query` is not the document `documentId` names",
                ));
            }
            Ok(Source {
                text: document.text.to_string(),
                trusted: Some(document.clone()),
            })
        }
        (None, Some(text)) => Ok(Source {
            text: text.to_owned(),
            trusted: manifests.get(&trusted::hash(text)).cloned(),
        }),
        (None, None) => Err(Refusal::bad_request("`query` or `documentId` is missing")),
    }
}

/// The client app a request says it comes from (`graphql-client-name`, as Apollo's clients
/// send it).
fn named_client(req: &HttpRequest) -> Option<String> {
    ["graphql-client-name", "apollographql-client-name"]
        .iter()
        .find_map(|name| req.headers().get(*name))
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Parses the document to pick the operation: a syntax error or an unknown operation name is a
/// request error, and a mutation over GET is refused so that a link or an image tag can never
/// change data.
fn check_params(
    req: &HttpRequest,
    documents: &Documents,
    query: String,
    params: GraphqlParams,
) -> Result<(CheckedQuery, Variables), Refusal> {
    let variables = match params.variables {
        None | Some(serde_json::Value::Null) => Variables::default(),
        Some(value @ serde_json::Value::Object(_)) => Variables::from_json(value),
        Some(_) => {
            return Err(Refusal::bad_request("`variables` must be an object"));
        }
    };
    let document = documents
        .parse(&query)
        .map_err(|e| Refusal::request_error("GRAPHQL_PARSE_FAILED", e.to_string()))?;
    let operation = match (&document.operations, params.operation_name.as_deref()) {
        (DocumentOperations::Single(op), None) => Some(op.node.ty),
        (DocumentOperations::Single(_), Some(_)) => None,
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        (DocumentOperations::Multiple(_), None) => {
            return Err(Refusal::request_error(
                "OPERATION_NAME_REQUIRED",
                "the document has several operations: name one in `operationName`",
            ));
        }
    };
    let Some(operation) = operation else {
        return Err(Refusal::request_error(
            "OPERATION_NOT_FOUND",
            "`operationName` names no operation of the document",
        ));
    };
    if req.method() == Method::GET && operation != OperationType::Query {
        return Err(Refusal {
            allow: Some("POST"),
            ..Refusal::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "mutations and subscriptions must be sent with POST",
            )
        });
    }
    if let Some((field, problem)) = bad_text(&document, &variables) {
        return Err(Refusal {
            field: Some(field.clone()),
            ..Refusal::request_error("BAD_USER_INPUT", format!("{field}: {problem}"))
        });
    }
    Ok((
        CheckedQuery {
            query,
            operation,
            operation_name: params.operation_name,
            document,
        },
        variables,
    ))
}

/// Text no field accepts, wherever it stands in the document or the variables: a NUL character
/// (PostgreSQL cannot store one) or more than [`MAX_TEXT_CHARS`] characters. Names the
/// argument (`nameContains`) or variable (`$name`) it was found in.
fn bad_text(
    document: &ExecutableDocument,
    variables: &Variables,
) -> Option<(String, &'static str)> {
    fn problem(text: &str) -> Option<&'static str> {
        if text.contains('\0') {
            Some("must not contain a NUL character")
        } else if text.chars().count() > MAX_TEXT_CHARS {
            Some("is too long")
        } else {
            None
        }
    }
    fn in_const(value: &async_graphql::Value) -> Option<&'static str> {
        match value {
            async_graphql::Value::String(text) => problem(text),
            async_graphql::Value::List(items) => items.iter().find_map(in_const),
            async_graphql::Value::Object(fields) => fields
                .iter()
                .find_map(|(name, v)| problem(name).or_else(|| in_const(v))),
            _ => None,
        }
    }
    for (name, value) in variables.iter() {
        if let Some(found) = problem(name).or_else(|| in_const(value)) {
            return Some((format!("${name}"), found));
        }
    }
    let mut found = None;
    visit_arguments(document, &mut |name, _, value| {
        if found.is_none()
            && let Some(problem) = in_const(&value)
        {
            found = Some((name.to_owned(), problem));
        }
    });
    found
}

/// Calls `each` with every argument of every field in the document's operations and
/// fragments: its name, the position of its value, and its value as written (variables read
/// as null; they are checked on their own).
fn visit_arguments(
    document: &ExecutableDocument,
    each: &mut impl FnMut(&str, Pos, async_graphql::Value),
) {
    fn walk(set: &SelectionSet, each: &mut impl FnMut(&str, Pos, async_graphql::Value)) {
        for selection in &set.items {
            match &selection.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        let written = value
                            .node
                            .clone()
                            .into_const_with(|_| {
                                Ok::<_, std::convert::Infallible>(async_graphql::Value::Null)
                            })
                            .unwrap_or_default();
                        each(name.node.as_str(), value.pos, written);
                    }
                    walk(&field.node.selection_set.node, each);
                }
                Selection::InlineFragment(fragment) => {
                    walk(&fragment.node.selection_set.node, each);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    for (_, operation) in document.operations.iter() {
        walk(&operation.node.selection_set.node, each);
    }
    for fragment in document.fragments.values() {
        walk(&fragment.node.selection_set.node, each);
    }
}

/// The argument whose value stands at `pos` (where the executor reports a value it could not
/// read as the argument's type).
fn argument_at(document: &ExecutableDocument, pos: Pos) -> Option<String> {
    let mut found = None;
    visit_arguments(document, &mut |name, at, _| {
        if at == pos {
            found = Some(name.to_owned());
        }
    });
    found
}

/// A request for the executor with what every resolver and the policy hook read: the session,
/// the client's address, app and request id, where it reads, fresh loaders and the request's
/// audit collector.
pub(crate) fn prepare(
    state: &AppState,
    meta: RequestMeta,
    session: Session,
    query: String,
    variables: Variables,
    plan: ReadPlan,
) -> async_graphql::Request {
    let loaders = Loaders::new(state, session.principal().ok().cloned(), &plan);
    async_graphql::Request::new(query)
        .variables(variables)
        .data(session)
        .data(meta)
        .data(loaders)
        .data(plan)
        .data(Arc::new(RequestAudit::default()))
}

/// What the audit trail and the resolvers know of a request's origin.
pub(crate) fn request_meta(
    req: &HttpRequest,
    state: &AppState,
    request_id: &RequestId,
    client: RequestClient,
) -> RequestMeta {
    RequestMeta {
        client_address: client_address(req, &state.proxies),
        request_id: Some(request_id.to_string()),
        client,
    }
}

/// Takes the request from the allowance of its account (or, without a token, of its client
/// address) and of its client app.
async fn throttle(state: &AppState, session: &Session, meta: &RequestMeta) -> Result<(), Refused> {
    match session {
        Session::Authenticated(principal) => {
            state
                .throttle
                .take(Bucket::Account, &principal.account_id.to_string())
                .await?;
        }
        Session::Anonymous | Session::Rejected => {
            state
                .throttle
                .take(Bucket::Address, &meta.client_address)
                .await?;
        }
    }
    match &meta.client.app {
        Some(app) => state.throttle.take(Bucket::App, app).await,
        None => Ok(()),
    }
}

/// The caller behind the request's bearer token: anonymous without one, rejected when it does
/// not verify or its session has ended.
pub(crate) async fn session(req: &HttpRequest, state: &AppState) -> Result<Session, ApiError> {
    let Some(header) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(Session::Anonymous);
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .map(str::trim);
    let Some(claims) = token.and_then(|t| state.tokens.verify(t)) else {
        return Ok(Session::Rejected);
    };
    Ok(
        match account::authenticate(&state.db, &state.sessions, &claims).await? {
            Some(principal) => Session::Authenticated(principal),
            None => Session::Rejected,
        },
    )
}

/// A response that ran: status by the spec for the media type, internal errors stamped with the
/// request id, and no `data` key when the request failed before execution.
/// The errors with a stable `extensions.code` each (and `requestId` on an internal error).
/// Every error of the service's own carries a code; one without is the executor's: with
/// `request_error`, its refusal of the document as a whole, otherwise its refusal of an argument
/// value it could not read as the argument's type (an Int out of range, a date that is no date),
/// named by `field` when `document` shows which argument it was.
pub(crate) fn coded(
    errors: Vec<ServerError>,
    request_error: bool,
    document: Option<&ExecutableDocument>,
    request_id: &RequestId,
) -> Vec<ServerError> {
    errors
        .into_iter()
        .map(|mut error| {
            let extensions = error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default);
            if extensions.get("code").is_none() {
                if request_error {
                    extensions.set("code", "GRAPHQL_VALIDATION_FAILED");
                } else {
                    extensions.set("code", "BAD_USER_INPUT");
                    if let Some(argument) = document
                        .zip(error.locations.first())
                        .and_then(|(document, pos)| argument_at(document, *pos))
                    {
                        extensions.set("field", argument);
                    }
                }
            }
            if extensions.get("code") == Some(&async_graphql::Value::from("INTERNAL_SERVER_ERROR"))
            {
                extensions.set("requestId", request_id.to_string());
            }
            error
        })
        .collect()
}

fn respond(
    media: MediaType,
    response: Response,
    document: &ExecutableDocument,
    request_id: &RequestId,
) -> HttpResponse {
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let errors = coded(response.errors, request_error, Some(document), request_id);
    let status = match (request_error, media) {
        (true, MediaType::GraphqlResponseJson) => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let outcome =
        errors.first().map(
            |error| match error.extensions.as_ref().and_then(|e| e.get("code")) {
                Some(async_graphql::Value::String(code)) => code.clone(),
                _ => "OTHER".to_owned(),
            },
        );
    // Serialized once, straight from the executor's values: `data` (absent when the request
    // as a whole was refused), then `errors` when there are any.
    let body = Body {
        data: (!request_error).then_some(&response.data),
        errors: &errors,
    };
    let mut response = HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.content_type()),
        ))
        .body(serde_json::to_string(&body).unwrap_or_default());
    response.extensions_mut().insert(http::Outcome(outcome));
    response
}

/// A GraphQL response body in the spec's shape and key order.
#[derive(serde::Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[ServerError]>::is_empty")]
    errors: &'a [ServerError],
}

fn refuse(media: MediaType, refusal: Refusal) -> HttpResponse {
    let status = if refusal.request_error && media == MediaType::Json {
        StatusCode::OK
    } else {
        refusal.status
    };
    let mut builder = HttpResponse::build(status);
    if let Some(allow) = refusal.allow {
        builder.insert_header((header::ALLOW, allow));
    }
    let mut extensions = json!({ "code": refusal.code });
    if let Some(field) = refusal.field {
        extensions["field"] = json!(field);
    }
    if let Some(seconds) = refusal.retry_after {
        builder.insert_header((header::RETRY_AFTER, seconds.to_string()));
        extensions["retryAfter"] = json!(seconds);
    }
    let mut response = builder
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(media.content_type()),
        ))
        .body(
            json!({
                "errors": [{
                    "message": refusal.message,
                    "extensions": extensions,
                }]
            })
            .to_string(),
        );
    response
        .extensions_mut()
        .insert(http::Outcome(Some(refusal.code.to_owned())));
    response
}
