//! The `ServiceActivity` type.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use entity::service_activity;

use crate::{
    domain,
    graphql::{
        child::types::{Child, Guardian},
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        region::types::Region,
        venue::Venue,
    },
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
/// social work agency, at a venue or a named place, with the children and guardians it was for.
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

    /// Where: the venue's name, or the place as recorded.
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

    /// The venue it was held at, if it was held at one.
    async fn venue(&self, ctx: &Context<'_>) -> Result<Option<Venue>> {
        let Some(id) = self.0.venue_id else {
            return Ok(None);
        };
        Ok(ctx.loaders().venues().one(id).await?.map(Venue))
    }

    /// The children who attended, those you may see.
    async fn children(&self, ctx: &Context<'_>) -> Result<Vec<Child>> {
        Ok(ctx
            .loaders()
            .activity_children()
            .of(self.0.id)
            .await?
            .into_iter()
            .filter(|p| p.attended)
            .map(|p| Child(p.child))
            .collect())
    }

    /// Everyone it was for, children then guardians, with whether they attended: those you may
    /// see (children in your scope, guardians of such children).
    async fn participants(&self, ctx: &Context<'_>) -> Result<Vec<ActivityParticipant>> {
        let loaders = ctx.loaders();
        let (children, guardians) = futures_util::try_join!(
            loaders.activity_children().of(self.0.id),
            loaders.activity_guardians().of(self.0.id),
        )?;
        Ok(children
            .into_iter()
            .map(|p| ActivityParticipant {
                child: Some(Child(p.child)),
                guardian: None,
                attended: p.attended,
            })
            .chain(guardians.into_iter().map(|p| ActivityParticipant {
                child: None,
                guardian: Some(Guardian::alone(p.guardian)),
                attended: p.attended,
            }))
            .collect())
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }

    /// When its author last corrected it.
    async fn corrected_at(&self) -> Option<DateTime<Utc>> {
        self.0.corrected_at
    }

    /// Until when you may correct it (`correctServiceActivity`): set for its author only; after
    /// that it is fixed.
    async fn correctable_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let actor = ctx.actor()?;
        let hours = ctx.state().config.activity_correction_window_hours;
        Ok(domain::activity::correctable_until(
            &actor,
            &self.0,
            TimeDelta::hours(i64::from(hours)),
        ))
    }
}

/// One person an activity was for: a child or a guardian, and whether they attended.
#[derive(SimpleObject)]
pub struct ActivityParticipant {
    /// The child, when the participant is a child.
    pub child: Option<Child>,
    /// The guardian, when the participant is a guardian (a parent at a family-education
    /// session).
    pub guardian: Option<Guardian>,
    /// Whether they attended (false: expected, but absent).
    pub attended: bool,
}
