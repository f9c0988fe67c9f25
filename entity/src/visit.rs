//! The `visit` table: home, phone, video and school visits.

use crate::enums::{Rating, Role, VisitMethod};
use sea_orm::entity::prelude::*;

/// One visit to a child.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "visit")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The child visited.
    pub child_id: Uuid,
    /// Who visited.
    pub visitor_account_id: Uuid,
    /// The visitor's role at the time.
    pub visitor_role: Role,
    /// When.
    pub visited_at: DateTimeUtc,
    /// How.
    pub method: VisitMethod,
    /// Living conditions: rating.
    pub living_rating: Option<Rating>,
    /// Living conditions: notes.
    pub living_note: Option<String>,
    /// Guardianship: rating.
    pub guardianship_rating: Option<Rating>,
    /// Guardianship: notes.
    pub guardianship_note: Option<String>,
    /// Schooling: rating.
    pub schooling_rating: Option<Rating>,
    /// Schooling: notes.
    pub schooling_note: Option<String>,
    /// Health: rating.
    pub health_rating: Option<Rating>,
    /// Health: notes.
    pub health_note: Option<String>,
    /// Safety: rating.
    pub safety_rating: Option<Rating>,
    /// Safety: notes.
    pub safety_note: Option<String>,
    /// Whether the visitor asks for follow-up.
    pub follow_up_needed: bool,
    /// The next planned visit.
    pub next_planned_on: Option<Date>,
    /// When it was recorded.
    pub created_at: DateTimeUtc,
    /// When it was last corrected.
    pub updated_at: DateTimeUtc,
    /// A civil affairs officer's note, added after the correction window closed.
    pub annotation: Option<String>,
    /// Who annotated it.
    pub annotated_by: Option<Uuid>,
    /// When.
    pub annotated_at: Option<DateTimeUtc>,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    child_id,
    visitor_account_id,
    visitor_role,
    visited_at,
    method,
    living_rating,
    living_note,
    guardianship_rating,
    guardianship_note,
    schooling_rating,
    schooling_note,
    health_rating,
    health_note,
    safety_rating,
    safety_note,
    follow_up_needed,
    next_planned_on,
    created_at,
    updated_at,
    annotation,
    annotated_by,
    annotated_at,
});
