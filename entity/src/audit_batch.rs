//! The `audit_batch` table: the sealed batches of the audit trail. Each holds the Merkle root of
//! its events (positions `first_seq..=last_seq`), chained to the previous batch's head and
//! signed; the same checkpoint is appended to a file outside the database.

use sea_orm::entity::prelude::*;

/// One sealed batch.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_batch")]
pub struct Model {
    /// Its number, from 1, without gaps.
    #[sea_orm(primary_key, auto_increment = false)]
    pub number: i64,
    /// The position of its first event.
    pub first_seq: i64,
    /// The position of its last event.
    pub last_seq: i64,
    /// Merkle root of its events (hex SHA-256).
    pub root: String,
    /// The previous batch's head (empty for the first).
    pub prev_head: String,
    /// SHA-256 of the batch's number, positions, root, previous head and time (hex).
    pub head: String,
    /// Ed25519 signature of the head (base64).
    pub signature: String,
    /// When it was sealed.
    pub sealed_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
