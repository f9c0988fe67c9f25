//! Recording service activities.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::{self, activity::ActivityDraft},
    error::ApiError,
    graphql::{
        activity::types::{ActivityKind, ServiceActivity},
        context::ContextExt,
        ids::{self, Kind},
    },
};

/// A service activity held.
#[derive(InputObject)]
pub struct RecordServiceActivityInput {
    /// What kind of service.
    pub kind: ActivityKind,
    /// Its title, e.g. `红星村假期小课堂`.
    pub title: String,
    /// When it was held.
    pub held_on: NaiveDate,
    /// Where.
    pub place: String,
    /// The region it was held in, within your unit's region.
    pub region_id: ID,
    /// Notes.
    pub notes: Option<String>,
    /// The children who took part (children you may see).
    #[graphql(default)]
    pub child_ids: Vec<ID>,
}

impl TryFrom<RecordServiceActivityInput> for ActivityDraft {
    type Error = ApiError;

    fn try_from(input: RecordServiceActivityInput) -> Result<Self, ApiError> {
        Ok(Self {
            kind: input.kind.into(),
            title: input.title,
            held_on: input.held_on,
            place: input.place,
            region_id: ids::expect(Kind::Region, &input.region_id, "input.regionId")?,
            notes: input.notes,
            child_ids: input
                .child_ids
                .iter()
                .map(|id| ids::expect(Kind::Child, id, "input.childIds"))
                .collect::<Result<_, _>>()?,
        })
    }
}

/// The result of recording an activity.
#[derive(SimpleObject)]
pub struct RecordServiceActivityPayload {
    /// The activity.
    pub activity: ServiceActivity,
}

/// Service activity mutations.
#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Records a service activity your unit held, with the children it served.
    async fn record_service_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: RecordServiceActivityInput,
    ) -> Result<RecordServiceActivityPayload> {
        let actor = ctx.actor()?;
        let draft = ActivityDraft::try_from(input)?;
        let activity = domain::activity::record(ctx.state().store(), &actor, draft).await?;
        Ok(RecordServiceActivityPayload {
            activity: ServiceActivity(activity),
        })
    }
}
