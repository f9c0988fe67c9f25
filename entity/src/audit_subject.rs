//! The `audit_subject` table: which records each audit event concerns, so that the trail of one
//! record is a lookup although a request's reads are one event.

use sea_orm::entity::prelude::*;

/// One record an audit event concerns.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_subject")]
pub struct Model {
    /// The record.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subject_id: Uuid,
    /// Its kind (`Child`, `Guardian`, …); not part of the key, since ids are unique across kinds.
    pub subject_type: String,
    /// The event.
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
