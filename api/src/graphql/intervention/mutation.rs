//! Recording guardianship interventions.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::NaiveDate;

use crate::{
    domain::{self, intervention::InterventionDraft},
    error::ApiError,
    graphql::{
        child::types::Child,
        context::ContextExt,
        enums::GuardianRelation,
        ids::{self, Kind},
        intervention::types::{Ground, Intervention, InterventionKind},
    },
};

/// An intervention.
#[derive(InputObject)]
pub struct RecordInterventionInput {
    /// The child.
    pub child_id: ID,
    /// The guardian it is against; for `NEW_GUARDIAN_DESIGNATED`, the guardian designated.
    pub guardian_id: ID,
    /// What was done.
    pub kind: InterventionKind,
    /// Why.
    pub grounds: Vec<Ground>,
    /// Who petitioned (required for a petition): a relative, the village committee, county civil
    /// affairs.
    pub petitioner: Option<String>,
    /// The police or court case number (required for criminal cases, petitions and decisions).
    pub case_number: Option<String>,
    /// For `COURT_DECISION`: whether it revokes the guardianship (ends the link; the child then
    /// `needsGuardian`).
    #[graphql(default)]
    pub revokes_guardianship: bool,
    /// For `NEW_GUARDIAN_DESIGNATED`: how the new guardian is related to the child.
    pub relation: Option<GuardianRelation>,
    /// When it was decided or done.
    pub decided_on: NaiveDate,
}

impl TryFrom<RecordInterventionInput> for InterventionDraft {
    type Error = ApiError;

    fn try_from(input: RecordInterventionInput) -> Result<Self, ApiError> {
        Ok(Self {
            kind: input.kind.into(),
            guardian_id: ids::expect(Kind::Guardian, &input.guardian_id, "input.guardianId")?,
            grounds: input.grounds.into_iter().map(Into::into).collect(),
            petitioner: input.petitioner,
            case_number: input.case_number,
            revokes_guardianship: input.revokes_guardianship,
            relation: input.relation.map(Into::into),
            decided_on: input.decided_on,
        })
    }
}

/// The result of recording an intervention.
#[derive(SimpleObject)]
pub struct RecordInterventionPayload {
    /// The intervention.
    pub intervention: Intervention,
    /// The child as it now stands.
    pub child: Child,
}

/// Intervention mutations.
#[derive(Default)]
pub struct InterventionMutation;

#[Object]
impl InterventionMutation {
    /// Records an intervention against a guardian. A court decision that revokes the
    /// guardianship ends that guardian's link; the child shows `needsGuardian` until a new
    /// guardian is designated.
    async fn record_intervention(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The intervention.")] input: RecordInterventionInput,
    ) -> Result<RecordInterventionPayload> {
        let actor = ctx.actor()?;
        let child = ids::expect(Kind::Child, &input.child_id, "input.childId")?;
        let draft = InterventionDraft::try_from(input)?;
        let (intervention, child) =
            domain::intervention::record(ctx.state().store(), &actor, child, draft).await?;
        Ok(RecordInterventionPayload {
            intervention: Intervention(intervention),
            child: Child(child),
        })
    }
}
