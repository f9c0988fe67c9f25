//! The `guardian_contact` table: teachers' exchanges with parents and entrusted guardians
//! (教师与家长定期交流).

use sea_orm::entity::prelude::*;

use crate::enums::ContactMethod;

/// One exchange between a teacher and a child's parent or entrusted guardian.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "guardian_contact")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child it was about.
    pub child_id: Uuid,
    /// The guardian, when on record.
    pub guardian_id: Option<Uuid>,
    /// The teacher (or school head) who was in touch.
    pub account_id: Uuid,
    /// When.
    pub contacted_at: DateTimeUtc,
    /// How.
    pub method: ContactMethod,
    /// A short summary.
    #[sea_orm(column_type = "Text")]
    pub summary: String,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
