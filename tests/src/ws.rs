//! A `graphql-transport-ws` client for tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{
        Message, client::IntoClientRequest, http::HeaderValue, protocol::frame::coding::CloseCode,
    },
};

/// An open subscription connection.
pub struct Subscriber {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a connection attempt ended.
pub enum Opened {
    /// Acknowledged.
    Ready(Box<Subscriber>),
    /// Closed by the server with this code.
    Closed(u16),
}

async fn connect(address: &str) -> WebSocketStream<MaybeTlsStream<TcpStream>> {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("a request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        HeaderValue::from_static("graphql-transport-ws"),
    );
    connect_async(request).await.expect("connected").0
}

/// Waits for the server to close `socket`: its close code, or `None` when it stays open for
/// `wait`.
async fn close_code(
    socket: &mut WebSocketStream<MaybeTlsStream<TcpStream>>,
    wait: Duration,
) -> Option<u16> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match tokio::time::timeout(left, socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Some(frame.map_or(1005, |f| u16::from(f.code)));
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => return Some(CloseCode::Abnormal.into()),
            Err(_) => return None,
        }
    }
}

/// Opens `/graphql/ws` and sends nothing: the close code the server gives up with, or `None`
/// when it keeps the socket for `wait`.
pub async fn open_silently(address: &str, wait: Duration) -> Option<u16> {
    let mut socket = connect(address).await;
    close_code(&mut socket, wait).await
}

/// Opens `/graphql/ws` at `address` (`http://127.0.0.1:port`) and sends `connection_init`.
pub async fn open(address: &str, token: Option<&str>) -> Opened {
    let mut socket = connect(address).await;
    let payload = token.map_or(json!({}), |t| json!({ "accessToken": t }));
    socket
        .send(Message::text(
            json!({ "type": "connection_init", "payload": payload }).to_string(),
        ))
        .await
        .expect("sent");
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                let message: Value = serde_json::from_str(&text).expect("json");
                if message["type"] == "connection_ack" {
                    return Opened::Ready(Box::new(Subscriber { socket }));
                }
            }
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Opened::Closed(frame.map_or(1005, |f| u16::from(f.code)));
            }
            Ok(Some(Ok(_))) => {}
            _ => return Opened::Closed(CloseCode::Abnormal.into()),
        }
    }
}

impl Subscriber {
    /// Waits for the server to close the connection: its close code, or `None` when it stays
    /// open for `wait`.
    pub async fn closed(&mut self, wait: Duration) -> Option<u16> {
        close_code(&mut self.socket, wait).await
    }

    /// Starts a subscription under `id`.
    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.socket
            .send(Message::text(
                json!({ "id": id, "type": "subscribe", "payload": { "query": query } }).to_string(),
            ))
            .await
            .expect("sent");
    }

    /// The next result's `data`, or `None` when nothing comes within `wait`; a refusal (an
    /// `error` message, or a result with errors and no data) as `{"error": [errors]}`.
    pub async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match tokio::time::timeout(left, self.socket.next()).await {
                Ok(Some(Ok(Message::Text(text)))) => {
                    let message: Value = serde_json::from_str(&text).expect("json");
                    if message["type"] == "next" {
                        let payload = &message["payload"];
                        if payload["data"].is_null() && payload["errors"].is_array() {
                            return Some(json!({ "error": payload["errors"] }));
                        }
                        return Some(payload["data"].clone());
                    }
                    if message["type"] == "error" {
                        return Some(json!({ "error": message["payload"] }));
                    }
                }
                Ok(Some(Ok(Message::Ping(bytes)))) => {
                    let _ = self.socket.send(Message::Pong(bytes)).await;
                }
                Ok(Some(Ok(_))) => {}
                _ => return None,
            }
        }
    }
}
