//! The `screening_record` table: what a screening found about a child or a hazard site.

use sea_orm::entity::prelude::*;

/// One screening of one child or one site during a campaign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "screening_record")]
pub struct Model {
    /// Primary key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The campaign.
    pub campaign_id: Uuid,
    /// The team that screened, when one did.
    pub team_id: Option<Uuid>,
    /// The child screened (or a site).
    pub child_id: Option<Uuid>,
    /// The site screened (or a child).
    pub hazard_site_id: Option<Uuid>,
    /// When.
    pub screened_on: Date,
    /// What was found.
    #[sea_orm(column_type = "Text")]
    pub finding: String,
    /// Whether the finding is a concern.
    pub concern: bool,
    /// The report the finding raised, when it raised one.
    pub report_id: Option<Uuid>,
    /// Who recorded it.
    pub recorded_by: Uuid,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are declared: queries name their joins explicitly.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

crate::projectable!(Model {
    id,
    campaign_id,
    team_id,
    child_id,
    hazard_site_id,
    screened_on,
    finding,
    concern,
    report_id,
    recorded_by,
    created_at,
});
