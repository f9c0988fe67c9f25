//! Idempotency keys: a create retried with the same key returns the first result, and a key
//! reused with a different payload is refused (`CONFLICT` naming the first record), so a new
//! record is never dropped in favour of an old one.

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::token::hex,
    domain::kind::Kind,
    error::{ApiError, ApiResult},
};

/// The fingerprint of a create's input: SHA-256 of its JSON with text trimmed and absent
/// values left out, so that a retry that differs only in white space is the same request.
pub fn fingerprint(input: &impl Serialize) -> String {
    fn normalize(value: Value) -> Value {
        match value {
            Value::String(text) => Value::String(text.trim().to_owned()),
            Value::Array(items) => Value::Array(items.into_iter().map(normalize).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, normalize(v)))
                    .collect(),
            ),
            other => other,
        }
    }
    let normalized = normalize(serde_json::to_value(input).unwrap_or(Value::Null));
    hex(&Sha256::digest(normalized.to_string().as_bytes()))
}

/// An idempotent create: the mutation its keys are stored under and the kind of record it
/// makes (named in a conflict).
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// The mutation (`recordVisit`).
    pub name: &'static str,
    /// The kind of record it creates (`Visit`).
    pub kind: Kind,
}

/// One call of an idempotent create: the client's key and the [`fingerprint`] of its input.
#[derive(Debug, Clone, Copy)]
pub struct Once<'a> {
    /// The client's key.
    pub key: &'a str,
    /// The fingerprint of the input.
    pub fingerprint: &'a str,
}

/// The record a key already produced for this account and operation. A key sent first with a
/// different payload is `CONFLICT`, naming the record it produced (the caller created it).
pub async fn lookup(
    db: &impl ConnectionTrait,
    account: Uuid,
    operation: Operation,
    once: Once<'_>,
) -> ApiResult<Option<Uuid>> {
    let Some(row) = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(account))
        .filter(idempotency_key::Column::Operation.eq(operation.name))
        .filter(idempotency_key::Column::Key.eq(once.key))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if row
        .fingerprint
        .as_deref()
        .is_some_and(|first| first != once.fingerprint)
    {
        return Err(ApiError::Conflict {
            message: "this idempotency key was already used for a different request; make a \
                      new key for a new record"
                .into(),
            existing: Some((operation.kind, row.result_id)),
        });
    }
    Ok(Some(row.result_id))
}

/// Checks a client's key: 1 to 100 characters.
pub fn check(key: &str) -> ApiResult<()> {
    if key.trim().is_empty() || key.chars().count() > 100 {
        return Err(ApiError::bad_input(
            "input.idempotencyKey",
            "must be 1 to 100 characters",
        ));
    }
    Ok(())
}

/// Remembers what a key produced, in the transaction that produced it; a concurrent retry that
/// got there first makes this a unique violation, and the caller then returns the first result.
pub async fn remember(
    db: &impl ConnectionTrait,
    account: Uuid,
    operation: Operation,
    once: Once<'_>,
    result: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account),
        operation: Set(operation.name.to_owned()),
        key: Set(once.key.to_owned()),
        result_id: Set(result),
        fingerprint: Set(Some(once.fingerprint.to_owned())),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_and_absent_values_do_not_change_the_fingerprint() {
        let a = serde_json::json!({ "narrative": "  seen alone ", "place": null, "n": 1 });
        let b = serde_json::json!({ "narrative": "seen alone", "n": 1 });
        let c = serde_json::json!({ "narrative": "seen alone", "n": 2 });
        assert_eq!(fingerprint(&a), fingerprint(&b));
        assert_ne!(fingerprint(&b), fingerprint(&c));
    }
}
