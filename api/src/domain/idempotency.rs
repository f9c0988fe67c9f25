//! Idempotency keys: a create retried with the same key returns the first result.

use chrono::{DateTime, Utc};
use entity::idempotency_key;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// The record a key already produced for this account and operation.
pub async fn lookup(
    db: &impl ConnectionTrait,
    account: Uuid,
    operation: &str,
    key: &str,
) -> ApiResult<Option<Uuid>> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::AccountId.eq(account))
        .filter(idempotency_key::Column::Operation.eq(operation))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await?
        .map(|row| row.result_id))
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
    operation: &str,
    key: &str,
    result: Uuid,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account),
        operation: Set(operation.to_owned()),
        key: Set(key.to_owned()),
        result_id: Set(result),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
