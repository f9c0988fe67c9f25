//! The `evaluation` table: commendation and accountability of units and people.

use sea_orm::entity::prelude::*;

use crate::enums::EvaluationKind;

/// A commendation or an accountability decision.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "evaluation")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Which.
    pub kind: EvaluationKind,
    /// The unit evaluated (or the unit of the person evaluated).
    pub organization_id: Uuid,
    /// The person, when a person is evaluated.
    pub person_name: Option<String>,
    /// Why.
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    /// The decision's document number.
    pub reference: Option<String>,
    /// When it was decided.
    pub decided_on: Date,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
