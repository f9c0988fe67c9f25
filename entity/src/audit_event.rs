//! The `audit_event` table: the append-only, hash-chained audit trail.

use sea_orm::entity::prelude::*;

/// One audited event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Position in the chain, given by the sealer; none until sealed.
    #[sea_orm(unique)]
    pub seq: Option<i64>,
    /// When it happened.
    pub occurred_at: DateTimeUtc,
    /// Who did it, when signed in.
    pub actor_account_id: Option<Uuid>,
    /// The actor's role at the time.
    pub actor_role: Option<String>,
    /// What was done, such as `login` or `child.update`.
    pub action: String,
    /// The kind of record it concerns.
    pub subject_type: Option<String>,
    /// The record it concerns.
    pub subject_id: Option<Uuid>,
    /// JSON detail: fields read, before and after, reason of a denial.
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    /// The request it happened in.
    pub request_id: Option<String>,
    /// The hash of the previous row in the chain.
    pub prev_hash: Option<String>,
    /// SHA-256 of this row's content chained with `prev_hash`.
    pub hash: Option<String>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
