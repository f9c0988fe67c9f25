//! Relay cursor connections over keyset pages. Cursors are opaque: base64 of the row's sort
//! key as JSON.

use async_graphql::{
    OutputType,
    connection::{Connection, Edge},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};

use crate::{
    domain::page::{Page, Slice},
    error::ApiError,
};

/// Rows per page when `first` is not given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// The most rows one page may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;

/// Reads `first` and `after` into a page of sort key `K`.
pub fn page<K: DeserializeOwned>(
    first: Option<i32>,
    after: Option<String>,
) -> Result<Page<K>, ApiError> {
    let first = first.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(0..=MAX_PAGE_SIZE).contains(&first) {
        return Err(ApiError::bad_input(
            "first",
            format!("must be between 0 and {MAX_PAGE_SIZE}"),
        ));
    }
    let after = after
        .map(|cursor| {
            URL_SAFE_NO_PAD
                .decode(cursor.as_bytes())
                .ok()
                .and_then(|json| serde_json::from_slice(&json).ok())
                .ok_or_else(|| ApiError::bad_input("after", "not a cursor of this list"))
        })
        .transpose()?;
    Ok(Page {
        first: u64::try_from(first).unwrap_or_default(),
        after,
    })
}

/// Turns a slice into a connection, each edge's cursor made from its row's sort key.
pub fn connection<T, N, K>(
    slice: Slice<T>,
    has_previous_page: bool,
    key: impl Fn(&T) -> K,
    node: impl Fn(T) -> N,
) -> Connection<String, N>
where
    N: OutputType,
    K: Serialize,
{
    let mut connection = Connection::new(has_previous_page, slice.has_next_page);
    connection.edges.extend(slice.items.into_iter().map(|item| {
        let cursor = serde_json::to_vec(&key(&item))
            .map(|json| URL_SAFE_NO_PAD.encode(json))
            .unwrap_or_default();
        Edge::new(cursor, node(item))
    }));
    connection
}
