//! Idempotency keys: a create retried with the same key returns the first result, and a key
//! reused with a different payload is refused (`CONFLICT` naming the first record), so a new
//! record is never dropped in favour of an old one.

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    auth::token::hex,
    domain::{Actor, kind::Kind},
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

impl Operation {
    /// One attempt of this create by the caller, with the client's key and the fingerprint of
    /// the input.
    pub fn attempt<'a>(self, actor: &Actor<'_>, key: &'a str, fingerprint: &'a str) -> Attempt<'a> {
        Attempt {
            account: actor.principal.account_id,
            operation: self,
            key,
            fingerprint,
        }
    }
}

/// One call of an idempotent create: who made it, which create, the client's key and the
/// [`fingerprint`] of its input.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    /// The caller's account.
    pub account: Uuid,
    /// The create.
    pub operation: Operation,
    /// The client's key.
    pub key: &'a str,
    /// The fingerprint of the input.
    pub fingerprint: &'a str,
}

impl Attempt<'_> {
    /// The id of the record the key already produced for this account and operation. A key
    /// sent first with a different payload is `CONFLICT`, naming the record it produced (the
    /// caller created it).
    pub async fn lookup(self, db: &impl ConnectionTrait) -> ApiResult<Option<Uuid>> {
        let Some(row) = idempotency_key::Entity::find()
            .filter(idempotency_key::Column::AccountId.eq(self.account))
            .filter(idempotency_key::Column::Operation.eq(self.operation.name))
            .filter(idempotency_key::Column::Key.eq(self.key))
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        if row
            .fingerprint
            .as_deref()
            .is_some_and(|first| first != self.fingerprint)
        {
            return Err(ApiError::Conflict {
                message: "this idempotency key was already used for a different request; make \
                          a new key for a new record"
                    .into(),
                existing: Some((self.operation.kind, row.result_id)),
            });
        }
        Ok(Some(row.result_id))
    }

    /// The record (of entity `E`) the key already produced, if any: what a retry is answered.
    pub async fn replay<E>(self, db: &impl ConnectionTrait) -> ApiResult<Option<E::Model>>
    where
        E: EntityTrait,
        <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
    {
        let Some(id) = self.lookup(db).await? else {
            return Ok(None);
        };
        Ok(E::find_by_id(id).one(db).await?)
    }

    /// Remembers what the key produced, in the transaction that produced it; a concurrent
    /// retry that got there first makes this a unique violation, and the command then answers
    /// the first result.
    pub async fn remember(
        self,
        db: &impl ConnectionTrait,
        result: Uuid,
        now: DateTime<Utc>,
    ) -> ApiResult<()> {
        idempotency_key::Entity::insert(idempotency_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            account_id: Set(self.account),
            operation: Set(self.operation.name.to_owned()),
            key: Set(self.key.to_owned()),
            result_id: Set(result),
            fingerprint: Set(Some(self.fingerprint.to_owned())),
            created_at: Set(now),
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
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
