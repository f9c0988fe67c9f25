//! The `deadline_alert` table: one row per report and stage that went overdue; its unique key is what makes each alert fire exactly once.

use sea_orm::entity::prelude::*;

/// A deadline a report missed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "deadline_alert")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The report.
    pub report_id: Uuid,
    /// The step that was due (`accept`, `dispatch`, `notify_township`).
    pub stage: String,
    /// When it was due.
    pub deadline: DateTimeUtc,
    /// When the sweep raised it.
    pub raised_at: DateTimeUtc,
    /// The unit holding the report then.
    pub holder_organization_id: Uuid,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
