//! `/graphql/ws`: subscriptions over the `graphql-transport-ws` protocol. The access token
//! comes in the `connection_init` payload (`{"accessToken": "…"}` or
//! `{"Authorization": "Bearer …"}`); a connection without a valid one closes with 4401, one whose
//! role may subscribe to nothing closes with 4403.

use std::sync::Arc;

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::{
    Data,
    http::{WebSocket, WebSocketProtocols, WsMessage},
};
use futures_util::StreamExt;

use crate::{
    auth::Session,
    domain::account::{self, RequestMeta},
    graphql::AppSchema,
    policy::{Level, hook::RequestAudit},
    state::AppState,
};

const UNAUTHENTICATED: &str = "unauthenticated";
const FORBIDDEN: &str = "forbidden";

/// Opens a subscription connection.
pub async fn subscriptions(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
    schema: web::Data<AppSchema>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, session, stream) =
        actix_ws::handle_with_protocols(&req, body, &["graphql-transport-ws"])?;
    let pong = session.clone();
    let incoming = stream
        .aggregate_continuations()
        .max_continuation_size(64 * 1024)
        .take_while(|message| {
            futures_util::future::ready(!matches!(
                message,
                Ok(AggregatedMessage::Close(_)) | Err(_)
            ))
        })
        .filter_map(move |message| {
            let mut pong = pong.clone();
            async move {
                match message {
                    Ok(AggregatedMessage::Text(text)) => Some(text.as_bytes().to_vec()),
                    Ok(AggregatedMessage::Binary(bytes)) => Some(bytes.to_vec()),
                    Ok(AggregatedMessage::Ping(bytes)) => {
                        let _ = pong.pong(&bytes).await;
                        None
                    }
                    _ => None,
                }
            }
        });
    let state = state.get_ref().clone();
    let on_init =
        move |payload: serde_json::Value| async move { connection_data(&state, payload).await };
    let mut socket = Box::pin(
        WebSocket::new(
            schema.get_ref().clone(),
            incoming,
            WebSocketProtocols::GraphQLWS,
        )
        .on_connection_init(on_init),
    );
    let mut session = session;
    actix_web::rt::spawn(async move {
        while let Some(message) = socket.next().await {
            match message {
                WsMessage::Text(text) => {
                    if session.text(text).await.is_err() {
                        return;
                    }
                }
                WsMessage::Close(code, reason) => {
                    let code = match reason.as_str() {
                        UNAUTHENTICATED => 4401,
                        FORBIDDEN => 4403,
                        _ => code,
                    };
                    let _ = session
                        .close(Some(CloseReason {
                            code: CloseCode::Other(code),
                            description: Some(reason),
                        }))
                        .await;
                    return;
                }
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

/// The connection's data from its `connection_init` payload: the principal behind the token.
async fn connection_data(
    state: &AppState,
    payload: serde_json::Value,
) -> async_graphql::Result<Data> {
    let token = payload
        .get("accessToken")
        .and_then(|t| t.as_str())
        .or_else(|| {
            payload
                .get("Authorization")
                .or_else(|| payload.get("authorization"))
                .and_then(|h| h.as_str())
                .and_then(|h| h.strip_prefix("Bearer "))
        })
        .ok_or_else(|| async_graphql::Error::new(UNAUTHENTICATED))?;
    let claims = state
        .tokens
        .verify(token)
        .ok_or_else(|| async_graphql::Error::new(UNAUTHENTICATED))?;
    let principal = account::authenticate(&state.db, claims)
        .await
        .map_err(|_| async_graphql::Error::new(UNAUTHENTICATED))?
        .ok_or_else(|| async_graphql::Error::new(UNAUTHENTICATED))?;
    let may_subscribe = ["reportEvents", "deadlineAlerts"].iter().any(|field| {
        state
            .policy
            .level("Subscription", field, Some(principal.role))
            != Level::None
    });
    if !may_subscribe {
        return Err(async_graphql::Error::new(FORBIDDEN));
    }
    let mut data = Data::default();
    data.insert(Session::Authenticated(principal));
    data.insert(RequestMeta::default());
    data.insert(Arc::new(RequestAudit::default()));
    Ok(data)
}
