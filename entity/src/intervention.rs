//! The `intervention` table: guardianship interventions (监护干预).

use sea_orm::entity::prelude::*;

use crate::enums::InterventionKind;

/// One intervention against a guardian of a child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "intervention")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The guardian it is against.
    pub guardian_id: Uuid,
    /// What was done.
    pub kind: InterventionKind,
    /// The grounds, as the plan lists them.
    #[sea_orm(column_type = "Text")]
    pub grounds: String,
    /// Who petitioned (a relative, the village committee, county civil affairs).
    pub petitioner: Option<String>,
    /// The case number (police or court).
    pub case_number: Option<String>,
    /// Whether a court decision revoked the guardianship.
    pub revokes_guardianship: bool,
    /// The guardian designated in place, for that kind.
    pub new_guardian_id: Option<Uuid>,
    /// When it was decided or done.
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
