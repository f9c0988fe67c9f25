//! Recording and correcting service activities.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{NaiveDate, TimeDelta};

use crate::{
    domain::{
        self,
        activity::{ActivityDraft, Attendance},
        work::Once,
    },
    error::ApiError,
    graphql::{
        activity::types::{ActivityKind, ServiceActivity},
        context::ContextExt,
        ids::{self, Kind},
    },
};

/// One person an activity was for: name exactly one of `childId` and `guardianId`.
#[derive(InputObject)]
pub struct ActivityParticipantInput {
    /// A child you may see.
    pub child_id: Option<ID>,
    /// A guardian of a child you may see (a parent at a family-education session).
    pub guardian_id: Option<ID>,
    /// Whether they attended; false records someone expected who did not come.
    #[graphql(default = true)]
    pub attended: bool,
}

/// What a service activity was: recorded, or corrected (a correction replaces all of it).
#[derive(InputObject)]
pub struct ServiceActivityFields {
    /// What kind of service.
    pub kind: ActivityKind,
    /// Its title, e.g. `红星村假期小课堂`.
    pub title: String,
    /// When it was held (not in the future).
    pub held_on: NaiveDate,
    /// The venue it was held at (`venues`), in your area and open on the day.
    pub venue_id: Option<ID>,
    /// Where, in words; required without a venue, the venue's name by default.
    pub place: Option<String>,
    /// The region it was held in, within your unit's region; by default the venue's village
    /// (required without a venue).
    pub region_id: Option<ID>,
    /// Notes (at most 2000 characters).
    pub notes: Option<String>,
    /// Who it was for, each at most once, 500 at most: children and guardians, and whether
    /// they attended.
    #[graphql(default)]
    pub participants: Vec<ActivityParticipantInput>,
}

impl TryFrom<ServiceActivityFields> for ActivityDraft {
    type Error = ApiError;

    fn try_from(input: ServiceActivityFields) -> Result<Self, ApiError> {
        const FIELD: &str = "input.activity.participants";
        let mut children = Vec::new();
        let mut guardians = Vec::new();
        for participant in input.participants {
            match (participant.child_id, participant.guardian_id) {
                (Some(child), None) => children.push(Attendance {
                    id: ids::expect(Kind::Child, &child, FIELD)?,
                    attended: participant.attended,
                }),
                (None, Some(guardian)) => guardians.push(Attendance {
                    id: ids::expect(Kind::Guardian, &guardian, FIELD)?,
                    attended: participant.attended,
                }),
                _ => {
                    return Err(ApiError::bad_input(
                        FIELD,
                        "name exactly one of childId and guardianId for each participant",
                    ));
                }
            }
        }
        Ok(Self {
            kind: input.kind.into(),
            title: input.title,
            held_on: input.held_on,
            venue: ids::optional(input.venue_id, Kind::Venue, "input.activity.venueId")?,
            place: input.place,
            region: ids::optional(input.region_id, Kind::Region, "input.activity.regionId")?,
            notes: input.notes,
            children,
            guardians,
        })
    }
}

/// A service activity held.
#[derive(InputObject)]
pub struct RecordServiceActivityInput {
    /// A key the client makes once per activity and sends again on every retry: a retry
    /// returns the first activity instead of recording a second one.
    pub idempotency_key: String,
    /// The activity.
    pub activity: ServiceActivityFields,
}

/// A correction of a service activity.
#[derive(InputObject)]
pub struct CorrectServiceActivityInput {
    /// The activity.
    pub id: ID,
    /// The activity as it was (replaces what was recorded, participants included).
    pub activity: ServiceActivityFields,
}

/// The result of recording an activity.
#[derive(SimpleObject)]
pub struct RecordServiceActivityPayload {
    /// The activity (on a retry, the one first recorded).
    pub activity: ServiceActivity,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// The result of correcting an activity.
#[derive(SimpleObject)]
pub struct CorrectServiceActivityPayload {
    /// The activity as corrected.
    pub activity: ServiceActivity,
}

/// Service activity mutations.
#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Records a service activity your unit held, with who it was for and who attended. Send
    /// an `idempotencyKey`: a retry after a lost response gets the first activity back.
    async fn record_service_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The activity.")] input: RecordServiceActivityInput,
    ) -> Result<RecordServiceActivityPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let draft = ActivityDraft::try_from(input.activity)?;
        let once = domain::activity::record(ctx.state().store(), &actor, &key, draft).await?;
        Ok(match once {
            Once::Replayed(activity) => RecordServiceActivityPayload {
                activity: ServiceActivity(activity),
                replayed: true,
            },
            Once::Created(activity) => RecordServiceActivityPayload {
                activity: ServiceActivity(activity),
                replayed: false,
            },
        })
    }

    /// Corrects a service activity you recorded, within the correction window (48 hours by
    /// default); after that it is fixed (`INVALID_TRANSITION`). Someone else's activity is
    /// `NOT_FOUND`.
    async fn correct_service_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The correction.")] input: CorrectServiceActivityInput,
    ) -> Result<CorrectServiceActivityPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(Kind::ServiceActivity, &input.id, "input.id")?;
        let draft = ActivityDraft::try_from(input.activity)?;
        let hours = ctx.state().config.activity_correction_window_hours;
        let window = TimeDelta::hours(i64::from(hours));
        let activity =
            domain::activity::correct(ctx.state().store(), &actor, id, window, draft).await?;
        Ok(CorrectServiceActivityPayload {
            activity: ServiceActivity(activity),
        })
    }
}
