//! Inspections (督查), rectification (整改) and appraisal (工作考核): the `Inspection` and
//! `InspectionFinding` types, `recordInspection` and `recordRectification`, and the joint
//! meeting's `inspections`, `appraisals` and `evaluations`.

use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{inspection, inspection_finding};

use crate::{
    domain::{
        self,
        appraisal::{DueCounts, FindingCounts},
        assignment::EvaluationFilter as EvaluationRows,
        inspection::{FindingDraft, InspectionDraft, InspectionFilter as Filter},
        work::Once,
    },
    error::ApiError,
    graphql::{
        assignment::mutation::{Evaluation, EvaluationKind},
        connection::{self, Connection},
        context::ContextExt,
        ids::{self, Kind},
        organization::types::Organization,
        region::{self, types::Region},
        schooling::types::Assignment,
    },
};

/// The GraphQL `Inspection` object over a stored inspection.
pub struct Inspection(pub inspection::Model);

/// An inspection (督查) of a unit's work under the plan, with what it found.
#[Object]
impl Inspection {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Inspection, self.0.id)
    }

    /// The unit that inspected.
    async fn inspecting_unit(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.inspecting_organization_id).await
    }

    /// The unit inspected.
    async fn inspected_unit(&self, ctx: &Context<'_>) -> Result<Option<Organization>> {
        Organization::load(ctx, self.0.inspected_organization_id).await
    }

    /// The region whose work was inspected.
    async fn region(&self, ctx: &Context<'_>) -> Result<Option<Region>> {
        Region::load(ctx, self.0.region_id).await
    }

    /// When.
    async fn inspected_on(&self) -> NaiveDate {
        self.0.inspected_on
    }

    /// What it looked at and found.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// What it found, in order, each to be put right by its deadline.
    async fn findings(&self, ctx: &Context<'_>) -> Result<Vec<InspectionFinding>> {
        Ok(ctx
            .loaders()
            .inspection_findings()
            .of(self.0.id)
            .await?
            .into_iter()
            .map(InspectionFinding)
            .collect())
    }

    /// Whether a finding is still to be put right.
    async fn open(&self, ctx: &Context<'_>) -> Result<bool> {
        let findings = ctx.loaders().inspection_findings().of(self.0.id).await?;
        Ok(findings.iter().any(|f| f.rectified_at.is_none()))
    }

    /// When it was recorded.
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// The GraphQL `InspectionFinding` object over a stored finding.
pub struct InspectionFinding(pub inspection_finding::Model);

/// What an inspection found, put right (整改) by the inspected unit by a deadline: its
/// assignment shows in that unit's `assignments`, and `recordRectification` closes it.
#[Object]
impl InspectionFinding {
    /// Opaque global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::InspectionFinding, self.0.id)
    }

    /// Its place among the inspection's findings, from 1.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// What was found.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// By when it must be put right.
    async fn deadline(&self) -> NaiveDate {
        self.0.deadline
    }

    /// Whether it is past the deadline and not put right.
    async fn overdue(&self, ctx: &Context<'_>) -> bool {
        self.0.rectified_at.is_none() && self.0.deadline < ctx.today()
    }

    /// When it was put right.
    async fn rectified_at(&self) -> Option<DateTime<Utc>> {
        self.0.rectified_at
    }

    /// The evidence it was put right with.
    async fn evidence(&self) -> Option<&str> {
        self.0.evidence.as_deref()
    }

    /// The inspected unit's assignment to put it right.
    async fn assignment(&self, ctx: &Context<'_>) -> Result<Option<Assignment>> {
        Ok(ctx
            .loaders()
            .assignments()
            .one(self.0.assignment_id)
            .await?
            .map(Assignment))
    }
}

/// A finding to record.
#[derive(InputObject)]
pub struct InspectionFindingInput {
    /// What was found, e.g. `3个村未设立留守儿童服务工作站`.
    pub description: String,
    /// By when it must be put right (on or after the inspection).
    pub deadline: NaiveDate,
}

/// An inspection to record.
#[derive(InputObject)]
pub struct RecordInspectionInput {
    /// A key the client makes once per inspection and sends again on every retry.
    pub idempotency_key: String,
    /// The unit inspected: one serving your jurisdiction.
    pub inspected_unit_id: ID,
    /// The region whose work was inspected, in your area (default: the unit's own).
    pub region_id: Option<ID>,
    /// When it was held (not in the future).
    pub inspected_on: NaiveDate,
    /// What it looked at and found, in a paragraph (at most 4000 characters).
    pub summary: String,
    /// What is to be put right, at most 50; none when nothing was found wanting.
    #[graphql(default)]
    pub findings: Vec<InspectionFindingInput>,
}

/// The result of recording an inspection.
#[derive(SimpleObject)]
pub struct RecordInspectionPayload {
    /// The inspection (on a retry, the one first recorded).
    pub inspection: Inspection,
    /// True when this answer replays an earlier call with the same idempotency key.
    pub replayed: bool,
}

/// A finding put right.
#[derive(InputObject)]
pub struct RecordRectificationInput {
    /// The finding, one of an inspection of your unit.
    pub finding_id: ID,
    /// What was done, and where the proof is (at most 4000 characters).
    pub evidence: String,
}

/// The result of putting a finding right.
#[derive(SimpleObject)]
pub struct RecordRectificationPayload {
    /// The finding, closed.
    pub finding: InspectionFinding,
}

/// Inspection mutations.
#[derive(Default)]
pub struct InspectionMutation;

#[Object]
impl InspectionMutation {
    /// Records an inspection (督查) by your unit of a unit serving your jurisdiction. Each
    /// finding becomes that unit's assignment to put it right (整改) by its deadline.
    async fn record_inspection(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The inspection.")] input: RecordInspectionInput,
    ) -> Result<RecordInspectionPayload> {
        let actor = ctx.actor()?;
        let key = input.idempotency_key.trim().to_owned();
        let draft = InspectionDraft {
            inspected: ids::expect(
                Kind::Organization,
                &input.inspected_unit_id,
                "input.inspectedUnitId",
            )?,
            region: ids::optional(input.region_id, Kind::Region, "input.regionId")?,
            inspected_on: input.inspected_on,
            summary: input.summary,
            findings: input
                .findings
                .into_iter()
                .map(|f| FindingDraft {
                    description: f.description,
                    deadline: f.deadline,
                })
                .collect(),
        };
        let once = domain::inspection::record(ctx.state().store(), &actor, &key, draft).await?;
        Ok(match once {
            Once::Replayed(inspection) => RecordInspectionPayload {
                inspection: Inspection(inspection),
                replayed: true,
            },
            Once::Created(inspection) => RecordInspectionPayload {
                inspection: Inspection(inspection),
                replayed: false,
            },
        })
    }

    /// Closes a finding of an inspection of your unit with the evidence that it was put right;
    /// its assignment is done. A finding closed already is `INVALID_TRANSITION`.
    async fn record_rectification(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The finding and the evidence.")] input: RecordRectificationInput,
    ) -> Result<RecordRectificationPayload> {
        let actor = ctx.actor()?;
        let id = ids::expect(
            Kind::InspectionFinding,
            &input.finding_id,
            "input.findingId",
        )?;
        let finding =
            domain::inspection::rectify(ctx.state().store(), &actor, id, &input.evidence).await?;
        Ok(RecordRectificationPayload {
            finding: InspectionFinding(finding),
        })
    }
}

/// Which inspections to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct InspectionFilter {
    /// Of this unit.
    pub unit_id: Option<ID>,
    /// Of work in this region or a region under it.
    pub region_id: Option<ID>,
    /// Only those with a finding still to be put right (true), or only those without (false).
    pub open: Option<bool>,
}

/// Which evaluations to list; all conditions must hold.
#[derive(InputObject, Default)]
pub struct EvaluationFilter {
    /// Of this unit.
    pub unit_id: Option<ID>,
    /// Of these kinds.
    pub kinds: Option<Vec<EvaluationKind>>,
    /// Decided on or after this day.
    pub from: Option<NaiveDate>,
    /// Decided on or before this day.
    pub until: Option<NaiveDate>,
}

/// Assignments that fell due in a period, by how they ended.
#[derive(SimpleObject)]
pub struct DueTally {
    /// Due in the period.
    pub due: u64,
    /// Done by the day they were due.
    pub on_time: u64,
    /// Done after it.
    pub late: u64,
    /// Not done, and due before today.
    pub overdue: u64,
    /// Not done, and not yet due.
    pub open: u64,
}

impl From<DueCounts> for DueTally {
    fn from(c: DueCounts) -> Self {
        Self {
            due: c.due,
            on_time: c.on_time,
            late: c.late,
            overdue: c.overdue,
            open: c.open,
        }
    }
}

/// What inspections in a period found.
#[derive(SimpleObject)]
pub struct FindingTally {
    /// Found.
    pub found: u64,
    /// Put right by the deadline.
    pub rectified_on_time: u64,
    /// Put right after it.
    pub rectified_late: u64,
    /// Not put right, and past the deadline.
    pub overdue: u64,
}

impl From<FindingCounts> for FindingTally {
    fn from(c: FindingCounts) -> Self {
        Self {
            found: c.found,
            rectified_on_time: c.rectified_on_time,
            rectified_late: c.rectified_late,
            overdue: c.overdue,
        }
    }
}

/// One unit's appraisal (工作考核) for a period.
#[derive(SimpleObject)]
pub struct UnitAppraisal {
    /// The unit.
    pub organization: Organization,
    /// What it led (责任单位) that fell due in the period: plan tasks and cases (inspection
    /// findings count under `findings`).
    pub led: DueTally,
    /// What it assisted in (协助单位) that fell due in the period.
    pub assisted: DueTally,
    /// What inspections of it held in the period found.
    pub findings: FindingTally,
    /// 0 to 100: the share of what fell due that was done on time (led weighs twice
    /// assisted; 100 when nothing fell due), less 10 points per finding past its deadline and
    /// 5 per finding put right late.
    pub score: u32,
}

/// Inspection, appraisal and evaluation queries.
#[derive(Default)]
pub struct InspectionQuery;

#[Object]
impl InspectionQuery {
    /// Inspections of units serving your jurisdiction, and those your unit made or underwent,
    /// newest first.
    async fn inspections(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the inspections must all meet.")] filter: Option<
            InspectionFilter,
        >,
        #[graphql(desc = "How many inspections to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the inspections after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Inspection>> {
        let actor = ctx.actor()?;
        let (page, paging) =
            connection::page::<(NaiveDate, uuid::Uuid)>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = Filter {
            unit: ids::optional(filter.unit_id, Kind::Organization, "filter.unitId")?,
            region_path: region::filter_path(ctx, filter.region_id, "filter.regionId").await?,
            open: filter.open,
        };
        let slice = domain::inspection::list(ctx.db(), &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |i| (i.inspected_on, i.id), Inspection))
    }

    /// The appraisal (工作考核) of every unit serving the region (your jurisdiction when
    /// omitted) that had something fall due, or was inspected, from `from` to `until` (both
    /// included; by default this year up to today), by name.
    async fn appraisals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The region; your jurisdiction when omitted.")] region_id: Option<ID>,
        #[graphql(desc = "The first day of the period (default: 1 January of this year).")]
        from: Option<NaiveDate>,
        #[graphql(desc = "The last day of the period (default: today).")] until: Option<NaiveDate>,
    ) -> Result<Vec<UnitAppraisal>> {
        let actor = ctx.actor()?;
        let today = actor.today();
        let from = from.unwrap_or_else(|| today.with_ordinal(1).unwrap_or(today));
        let until = until.unwrap_or(today);
        if until < from {
            return Err(ApiError::bad_input("until", "the period ends before it starts").into());
        }
        let path = region::filter_path(ctx, region_id, "regionId")
            .await?
            .unwrap_or_else(|| actor.principal.region_path.clone());
        let appraisals =
            domain::appraisal::appraise(ctx.reading_work(), &actor, &path, (from, until)).await?;
        Ok(appraisals
            .into_iter()
            .map(|a| UnitAppraisal {
                score: a.score(),
                organization: Organization(a.organization),
                led: a.led.into(),
                assisted: a.assisted.into(),
                findings: a.findings.into(),
            })
            .collect())
    }

    /// The commendations and accountability decisions (`recordEvaluation`) about units serving
    /// your jurisdiction, newest decision first.
    async fn evaluations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Conditions the evaluations must all meet.")] filter: Option<
            EvaluationFilter,
        >,
        #[graphql(desc = "How many evaluations to return (0 to 100, default 20).")] first: Option<
            i32,
        >,
        #[graphql(desc = "Return the evaluations after this cursor (`pageInfo.endCursor`).")]
        after: Option<String>,
    ) -> Result<Connection<Evaluation>> {
        let actor = ctx.actor()?;
        let (page, paging) =
            connection::page::<(NaiveDate, uuid::Uuid)>(ctx, first, after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let filter = EvaluationRows {
            unit: ids::optional(filter.unit_id, Kind::Organization, "filter.unitId")?,
            kinds: filter
                .kinds
                .map(|kinds| kinds.into_iter().map(Into::into).collect()),
            from: filter.from,
            until: filter.until,
        };
        let slice = domain::assignment::evaluations(ctx.db(), &actor, filter, page).await?;
        Ok(paging.connection(ctx, slice, |e| (e.decided_on, e.id), Evaluation))
    }
}
