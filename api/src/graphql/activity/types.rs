//! The `ServiceActivity` type.

use async_graphql::{Context, Enum, ID, Object, Result};
use chrono::NaiveDate;
use entity::service_activity;

use crate::graphql::{
    child::types::Child,
    context::ContextExt,
    ids::{self, Kind},
    organization::types::Organization,
    region::types::Region,
};

/// What kind of service an activity is.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::ActivityKind")]
pub enum ActivityKind {
    /// 村村假期小课堂: a village holiday class.
    HolidayClass,
    /// Holiday day care.
    DayCare,
    /// After-school tutoring.
    Tutoring,
    /// Psychological counselling.
    Counselling,
    /// Family-education guidance for parents and entrusted guardians.
    FamilyEducation,
    /// Rehabilitation for disabled children.
    Rehabilitation,
}

/// The GraphQL `ServiceActivity` object over a stored activity.
pub struct ServiceActivity(pub service_activity::Model);

/// A service held for left-behind children by a Women's Federation, Youth League, school or
/// social work agency, with the children it served.
#[Object]
impl ServiceActivity {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::ServiceActivity, self.0.id)
    }

    /// What kind of service.
    async fn kind(&self) -> ActivityKind {
        self.0.kind.into()
    }

    /// Its title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// When it was held.
    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }

    /// Where.
    async fn place(&self) -> &str {
        &self.0.place
    }

    /// The region it was held in.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }

    /// The unit that provided it.
    async fn provider(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.organization_id).await
    }

    /// Notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// The children it served, those you may see.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Child>> {
        Ok(ctx
            .loaders()
            .activity_children()
            .of(self.0.id)
            .await?
            .into_iter()
            .map(|(_, child)| Child(child))
            .collect())
    }
}
