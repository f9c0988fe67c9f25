//! The one extension a request executes with. It calls, at each stage of the request:
//! - the query limits ([`super::limits`]) on the document, before the executor parses it
//!   (unless `/graphql` measured it already);
//! - the field policy ([`crate::policy::hook`]) on the request's variables, on every field, and
//!   after execution for the audit trail;
//! - the spec's response shape ([`super::shape`]) on the parsed document, and last on the
//!   response.
//!
//! They are stages of one extension rather than three extensions because every field of a
//! response passes through each extension's resolve hook, one boxed future per extension and
//! field (a page of 20 children with their guardians and visits has some 400 fields); only
//! the policy has anything to do there.

use std::sync::Arc;

use async_graphql::{
    Request, Response, ServerError, ServerResult, Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery,
        NextPrepareRequest, NextResolve, NextSubscribe, ResolveInfo,
    },
    futures_util::stream::{BoxStream, StreamExt},
    parser::types::{ExecutableDocument, OperationType},
};

use super::{
    limits::{Limits, Measured},
    shape::Shape,
};
use crate::{
    auth::{Session, throttle::Bucket},
    policy::hook::{FieldHook, FieldPolicy},
    state::AppState,
    trusted::hash,
};

/// Marks the requests of a subscription socket (`/graphql/ws`).
pub struct OverSocket;

fn refusal(code: &'static str, message: &str) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = async_graphql::ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

/// What `/graphql` checks before it runs a request, for a request over a subscription socket:
/// subscriptions only (queries and mutations go to `/graphql`), trusted documents as the
/// setting holds the caller to them, and the account's rate limit.
async fn over_socket(
    ctx: &ExtensionContext<'_>,
    query: &str,
    document: &ExecutableDocument,
    session: Option<&Session>,
) -> ServerResult<()> {
    if document
        .operations
        .iter()
        .any(|(_, operation)| operation.node.ty != OperationType::Subscription)
    {
        return Err(refusal(
            "BAD_REQUEST",
            "only subscriptions go over the socket; send queries and mutations to /graphql",
        ));
    }
    let Ok(state) = ctx.data::<AppState>() else {
        return Ok(());
    };
    let session = session.unwrap_or(&Session::Anonymous);
    if state.trusted.manifests().get(&hash(query)).is_none()
        && !state.trusted.may_send_any(session, &state.policy)
    {
        return Err(refusal(
            "OPERATION_NOT_TRUSTED",
            "this service runs only the client apps' trusted documents for this caller",
        ));
    }
    if let Session::Authenticated(principal) = session
        && let Err(refused) = state
            .throttle
            .take(Bucket::Account, &principal.account_id.to_string())
            .await
    {
        let mut error = refusal("RATE_LIMITED", "too many requests");
        if let Some(extensions) = error.extensions.as_mut() {
            extensions.set("retryAfter", refused.seconds());
        }
        return Err(error);
    }
    Ok(())
}

/// Installs the hooks on a schema.
pub struct Hooks {
    /// The query limits.
    pub limits: Arc<Limits>,
    /// The field policy.
    pub policy: FieldPolicy,
}

impl ExtensionFactory for Hooks {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(RequestHooks {
            limits: Arc::clone(&self.limits),
            policy: self.policy.hook(),
            shape: Shape::default(),
        })
    }
}

/// The hooks of one request.
struct RequestHooks {
    limits: Arc<Limits>,
    policy: FieldHook,
    shape: Shape,
}

#[async_trait::async_trait]
impl Extension for RequestHooks {
    /// Counts the subscription as open in the metrics for as long as its stream lives.
    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        let stream = next.run(ctx, stream);
        match ctx.data_opt::<AppState>() {
            Some(state) => {
                let open = state.metrics.subscription();
                stream
                    .map(move |response| {
                        let _open = &open;
                        response
                    })
                    .boxed()
            }
            None => stream,
        }
    }

    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.policy.prepare(&request);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        if ctx.data_opt::<Measured>().is_none() {
            let session = ctx.data_opt::<Session>();
            let anonymous = !matches!(session, Some(Session::Authenticated(_)));
            let document = async_graphql::parser::parse_query(query)?;
            self.limits.check(&document, variables, anonymous)?;
            if ctx.data_opt::<OverSocket>().is_some() {
                over_socket(ctx, query, &document, session).await?;
            }
        }
        let document = next.run(ctx, query, variables).await?;
        self.shape.keep(ctx, &document);
        Ok(document)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let response = next.run(ctx, operation_name).await;
        // The policy's refusals join the errors first: the shape nulls the fields they name.
        let response = self.policy.audit(ctx, response).await;
        self.shape.reshape(ctx, operation_name, response)
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        self.policy.resolve(ctx, info, next).await
    }
}
