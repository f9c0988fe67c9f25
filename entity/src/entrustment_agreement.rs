//! The `entrustment_agreement` table: 委托监护协议 between parents and an entrusted guardian.

use sea_orm::entity::prelude::*;

/// A written entrustment agreement, guided by the village committee.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "entrustment_agreement")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child entrusted.
    pub child_id: Uuid,
    /// The parents who entrust, as named in the agreement.
    pub parents: String,
    /// The guardian entrusted.
    pub entrusted_guardian_id: Uuid,
    /// First day of the entrustment.
    pub starts_on: Date,
    /// Last day, when agreed.
    pub ends_on: Option<Date>,
    /// The duties agreed.
    #[sea_orm(column_type = "Text")]
    pub duties: String,
    /// Who at the village committee guided the agreement.
    pub guided_by: String,
    /// When it was signed.
    pub signed_on: Date,
    /// The account that recorded it.
    pub recorded_by: Uuid,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
