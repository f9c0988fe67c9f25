//! The `idempotency_key` table: what a retried create returns.

use sea_orm::entity::prelude::*;

/// The first result of a create sent with an idempotency key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Who sent it.
    pub account_id: Uuid,
    /// Which mutation.
    pub operation: String,
    /// The client's key.
    pub key: String,
    /// The record the first call created.
    pub result_id: Uuid,
    /// SHA-256 (hex) of the normalized input of the first call; null for keys stored before
    /// fingerprints were kept.
    pub fingerprint: Option<String>,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
