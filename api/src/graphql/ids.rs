//! Opaque global IDs (Relay): base64 of `Type:uuid`. Clients must not parse them.

use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use uuid::Uuid;

pub use crate::domain::kind::Kind;
use crate::error::ApiError;

/// The global ID of a record.
pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", kind.name())))
}

/// The kind and record id behind a global ID; `None` when it is not one of ours.
pub fn decode(id: &ID) -> Option<(Kind, Uuid)> {
    let raw = URL_SAFE_NO_PAD.decode(id.as_str()).ok()?;
    let text = std::str::from_utf8(&raw).ok()?;
    let (kind, uuid) = text.split_once(':')?;
    Some((Kind::parse(kind)?, Uuid::parse_str(uuid).ok()?))
}

/// The record id behind a global ID that must be of `kind`; otherwise bad input in `field`.
pub fn expect(kind: Kind, id: &ID, field: &str) -> Result<Uuid, ApiError> {
    match decode(id) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        _ => Err(ApiError::bad_input(
            field,
            format!("not the ID of a {}", kind.name()),
        )),
    }
}

/// The record id behind an optional global ID that must be of `kind`.
pub fn optional(id: Option<ID>, kind: Kind, field: &str) -> Result<Option<Uuid>, ApiError> {
    id.map(|id| expect(kind, &id, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_keep_their_kind() {
        let uuid = Uuid::now_v7();
        let id = encode(Kind::Region, uuid);
        assert_eq!(decode(&id), Some((Kind::Region, uuid)));
        assert!(expect(Kind::Organization, &id, "input.id").is_err());
        assert_eq!(decode(&ID("garbage".into())), None);
    }
}
