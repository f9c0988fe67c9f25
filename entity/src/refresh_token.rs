//! The `refresh_token` table: hashed refresh tokens in rotation families.

use sea_orm::entity::prelude::*;

/// One issued refresh token; only its SHA-256 hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refresh_token")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Whose token it is.
    pub account_id: Uuid,
    /// Every token rotated from one login shares the family; reuse revokes the whole family.
    pub family_id: Uuid,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// When it was issued.
    pub issued_at: DateTimeUtc,
    /// When it stops working.
    pub expires_at: DateTimeUtc,
    /// When it was exchanged for a new one.
    pub used_at: Option<DateTimeUtc>,
    /// When it was revoked (logout or reuse).
    pub revoked_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
