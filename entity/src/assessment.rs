//! The `assessment` table: the township's assessment of a child's situation (评估).

use sea_orm::entity::prelude::*;

use crate::enums::{AssessmentState, RiskLevel};

/// An assessment of one child: findings on safety, guardianship, physical and mental health, and
/// a risk level.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "assessment")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child.
    pub child_id: Uuid,
    /// The report it follows, when it follows one.
    pub report_id: Option<Uuid>,
    /// The child's region path when it started (the jurisdiction condition).
    pub region_path: String,
    /// The participating units' ids, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub participants: String,
    /// Open or completed.
    pub state: AssessmentState,
    /// Finding on the child's safety.
    #[sea_orm(column_type = "Text", nullable)]
    pub safety: Option<String>,
    /// Finding on guardianship.
    #[sea_orm(column_type = "Text", nullable)]
    pub guardianship: Option<String>,
    /// Finding on physical health.
    #[sea_orm(column_type = "Text", nullable)]
    pub physical_health: Option<String>,
    /// Finding on mental health.
    #[sea_orm(column_type = "Text", nullable)]
    pub mental_health: Option<String>,
    /// The risk level found.
    pub risk_level: Option<RiskLevel>,
    /// The overall conclusion.
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// Who started it.
    pub started_by: Uuid,
    /// When.
    pub started_at: DateTimeUtc,
    /// Who completed it.
    pub completed_by: Option<Uuid>,
    /// When.
    pub completed_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
