//! `/graphql/ws`: subscriptions over the `graphql-transport-ws` protocol. The access token
//! comes in the `connection_init` payload (`{"accessToken": "…"}` or
//! `{"Authorization": "Bearer …"}`); a connection without a valid one closes with 4401, one whose
//! role may subscribe to nothing closes with 4403, and one that sends no `connection_init`
//! within the configured time closes with 4408. A connection lives no longer than its token:
//! it closes with 4401 when the token expires (a client renews by reconnecting with a fresh
//! one) and as soon as its session is revoked or its account changes.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{HttpRequest, HttpResponse, web};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason};
use async_graphql::{
    Data,
    http::{WebSocket, WebSocketProtocols, WsMessage},
};
use futures_util::StreamExt;

use crate::{
    auth::{Principal, RequestMeta, Session, sessions::Revocation, token::Claims},
    domain::account,
    graphql::{AppSchema, hooks::OverSocket},
    http::client::client_address,
    policy::hook::RequestAudit,
    state::AppState,
};

const UNAUTHENTICATED: &str = "unauthenticated";
const FORBIDDEN: &str = "forbidden";

/// How often an open connection checks whether its token has expired.
const EXPIRY_CHECK: Duration = Duration::from_millis(250);

/// Who a connection acts for, once `connection_init` was accepted.
type Signed = Arc<Mutex<Option<(Claims, Principal)>>>;

/// Why an open connection must close, if it must.
fn must_close(state: &AppState, signed: &Signed, since: std::time::Instant) -> Option<u16> {
    let current = signed.lock().ok()?.clone();
    match current {
        None => (since.elapsed()
            >= Duration::from_secs(state.config.subscription_init_timeout_secs))
        .then_some(4408),
        Some((claims, _)) => (state.clock.now().timestamp() >= claims.exp).then_some(4401),
    }
}

/// Whether a revocation ends this connection's session: its own session revoked, or its
/// account changed so that its token no longer passes.
async fn revoked(state: &AppState, signed: &Signed, revocation: Revocation) -> bool {
    let Some((claims, principal)) = signed.lock().ok().and_then(|s| s.clone()) else {
        return false;
    };
    match revocation {
        Revocation::Session(session) => session == principal.session_id,
        Revocation::Account(account) if account == principal.account_id => !matches!(
            account::authenticate(&state.db, &state.sessions, &claims).await,
            Ok(Some(now)) if state.policy.keeps_standing(&principal, &now)
        ),
        Revocation::Account(_) => false,
    }
}

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
    let address = client_address(&req, &state.proxies);
    let signed: Signed = Arc::default();
    let on_init = {
        let (state, signed) = (state.clone(), signed.clone());
        move |payload: serde_json::Value| async move {
            let (data, claims, principal) = connection_data(&state, payload, address).await?;
            if let Ok(mut slot) = signed.lock() {
                *slot = Some((claims, principal));
            }
            Ok(data)
        }
    };
    let mut socket = Box::pin(
        WebSocket::new(
            schema.get_ref().clone(),
            incoming,
            WebSocketProtocols::GraphQLWS,
        )
        .on_connection_init(on_init),
    );
    let mut session = session;
    let mut revocations = state.sessions.subscribe();
    let opened = std::time::Instant::now();
    actix_web::rt::spawn(async move {
        let mut tick = tokio::time::interval(EXPIRY_CHECK);
        let close = loop {
            tokio::select! {
                message = socket.next() => match message {
                    Some(WsMessage::Text(text)) => {
                        if session.text(text).await.is_err() {
                            return;
                        }
                    }
                    Some(WsMessage::Close(code, reason)) => {
                        let code = match reason.as_str() {
                            UNAUTHENTICATED => 4401,
                            FORBIDDEN => 4403,
                            _ => code,
                        };
                        break Some((code, reason));
                    }
                    None => break None,
                },
                _ = tick.tick() => {
                    if let Some(code) = must_close(&state, &signed, opened) {
                        let reason = if code == 4408 {
                            "connection initialisation timeout"
                        } else {
                            "token expired"
                        };
                        break Some((code, reason.to_owned()));
                    }
                }
                heard = revocations.recv() => match heard {
                    Ok(revocation) => {
                        if revoked(&state, &signed, revocation).await {
                            break Some((4401, "session revoked".to_owned()));
                        }
                    }
                    // Missed revocations: check this connection's own standing again.
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                        let account = signed
                            .lock()
                            .ok()
                            .and_then(|s| s.as_ref().map(|(_, p)| p.account_id));
                        if let Some(account) = account
                            && revoked(&state, &signed, Revocation::Account(account)).await
                        {
                            break Some((4401, "session revoked".to_owned()));
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break None,
                },
            }
        };
        let reason = close.map(|(code, reason)| CloseReason {
            code: CloseCode::Other(code),
            description: Some(reason),
        });
        let _ = session.close(reason).await;
    });
    Ok(response)
}

/// The connection's data from its `connection_init` payload: the principal behind the token,
/// with the token's claims (its expiry and session).
async fn connection_data(
    state: &AppState,
    payload: serde_json::Value,
    client_address: String,
) -> async_graphql::Result<(Data, Claims, Principal)> {
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
    let principal = account::authenticate(&state.db, &state.sessions, &claims)
        .await
        .map_err(|_| async_graphql::Error::new(UNAUTHENTICATED))?
        .ok_or_else(|| async_graphql::Error::new(UNAUTHENTICATED))?;
    if !state.policy.may_subscribe(principal.role) {
        return Err(async_graphql::Error::new(FORBIDDEN));
    }
    let mut data = Data::default();
    data.insert(Session::Authenticated(principal.clone()));
    data.insert(OverSocket);
    data.insert(RequestMeta {
        client_address,
        ..RequestMeta::default()
    });
    data.insert(Arc::new(RequestAudit::default()));
    Ok((data, claims, principal))
}
