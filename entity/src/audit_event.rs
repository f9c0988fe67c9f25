//! The `audit_event` table: the append-only audit trail, each event authenticated by a MAC and
//! sealed into a signed batch (`audit_batch`).

use sea_orm::entity::prelude::*;

/// One audited event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_event")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Position in the trail, given by the sealer; none until sealed.
    pub seq: Option<i64>,
    /// The sealed batch it belongs to; none until sealed.
    pub batch: Option<i64>,
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
    /// HMAC-SHA256 of the content (hex), made by the service with a key the database never
    /// holds; none only on events written before MACs, until the service adopts them.
    pub mac: Option<String>,
    /// When the sealer refused to seal it because its MAC did not verify.
    pub refused_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
