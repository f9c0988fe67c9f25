//! The appraisal (工作考核) of each unit for a period: what it led and assisted that fell due in
//! the period (in the cycle in progress or in one that ended), done on time, done late, overdue
//! or not yet due, and what inspections of it found and whether it was put right in time.
//! Counted from the assignments, their ended cycles and the findings themselves, for the joint
//! meeting.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{
    assignment, assignment_cycle,
    enums::{AssignmentStatus, Responsibility, SubjectType},
    inspection, inspection_finding, organization,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::{
    clock::china_date,
    domain::{Actor, assignment as duty, values::RegionPath},
    error::ApiResult,
};

/// Assignments that fell due in the period, by how they ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DueCounts {
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

impl DueCounts {
    fn count(&mut self, due_on: NaiveDate, done_at: Option<DateTime<Utc>>, today: NaiveDate) {
        self.due += 1;
        match done_at.map(china_date) {
            Some(done) if done <= due_on => self.on_time += 1,
            Some(_) => self.late += 1,
            None if due_on < today => self.overdue += 1,
            None => self.open += 1,
        }
    }
}

/// What inspections in the period found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FindingCounts {
    /// Found.
    pub found: u64,
    /// Put right by the deadline.
    pub rectified_on_time: u64,
    /// Put right after it.
    pub rectified_late: u64,
    /// Not put right, and past the deadline.
    pub overdue: u64,
}

/// One unit's appraisal.
#[derive(Debug, Clone)]
pub struct Appraisal {
    /// The unit.
    pub organization: organization::Model,
    /// What it led (责任单位), findings left out (they count as findings).
    pub led: DueCounts,
    /// What it assisted in (协助单位).
    pub assisted: DueCounts,
    /// What inspections of it found.
    pub findings: FindingCounts,
}

impl Appraisal {
    /// The score, 0 to 100: the share of what fell due that was done on time (what the unit
    /// led weighs twice what it assisted in; 100 when nothing fell due), less 10 points for
    /// each finding past its deadline and 5 for each put right late. The counts are the
    /// appraisal; the score sums them up by this fixed rule.
    pub fn score(&self) -> u32 {
        let weighed = 2 * self.led.due + self.assisted.due;
        let base = if weighed == 0 {
            100.0
        } else {
            let on_time = 2 * self.led.on_time + self.assisted.on_time;
            100.0 * on_time as f64 / weighed as f64
        };
        let penalty = 10 * self.findings.overdue + 5 * self.findings.rectified_late;
        (base - penalty as f64).clamp(0.0, 100.0).round() as u32
    }
}

/// An assignment as the appraisal counts it: unit, part, due date, state, when it was done and
/// when it last changed.
type DueRow = (
    Uuid,
    Responsibility,
    NaiveDate,
    AssignmentStatus,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
);

/// The appraisals of the units serving `region_path` (within the caller's jurisdiction) that
/// had something fall due, or were inspected, from `from` to `until` (both included), by
/// name; a plan task's cycles that ended count as they stood then. Three statements for the
/// counts and one for the units.
pub async fn appraise(
    db: &impl ConnectionTrait,
    actor: &Actor<'_>,
    region_path: &RegionPath,
    (from, until): (NaiveDate, NaiveDate),
) -> ApiResult<Vec<Appraisal>> {
    let Some(serving) = duty::serving(actor, region_path) else {
        return Ok(Vec::new());
    };
    let today = actor.today();
    let due: Vec<DueRow> = assignment::Entity::find()
        .select_only()
        .column(assignment::Column::OrganizationId)
        .column(assignment::Column::Responsibility)
        .column(assignment::Column::DueOn)
        .column(assignment::Column::Status)
        .column(assignment::Column::DoneAt)
        .column(assignment::Column::UpdatedAt)
        .filter(assignment::Column::OrganizationId.in_subquery(serving.clone()))
        .filter(assignment::Column::DueOn.between(from, until))
        // A finding's assignment is counted once, as the finding.
        .filter(assignment::Column::SubjectType.ne(SubjectType::Finding))
        .into_tuple()
        .all(db)
        .await?;
    // The plan's cycles that ended, as their assignments stood then.
    let ended: Vec<DueRow> = assignment_cycle::Entity::find()
        .select_only()
        .column(assignment::Column::OrganizationId)
        .column(assignment::Column::Responsibility)
        .column(assignment_cycle::Column::DueOn)
        .column(assignment_cycle::Column::Status)
        .column(assignment_cycle::Column::DoneAt)
        .column(assignment_cycle::Column::ClosedAt)
        .join(
            JoinType::InnerJoin,
            assignment_cycle::Entity::belongs_to(assignment::Entity)
                .from(assignment_cycle::Column::AssignmentId)
                .to(assignment::Column::Id)
                .into(),
        )
        .filter(assignment::Column::OrganizationId.in_subquery(serving.clone()))
        .filter(assignment_cycle::Column::DueOn.between(from, until))
        .into_tuple()
        .all(db)
        .await?;
    let found: Vec<(Uuid, NaiveDate, Option<DateTime<Utc>>)> = inspection_finding::Entity::find()
        .select_only()
        .column(inspection::Column::InspectedOrganizationId)
        .column(inspection_finding::Column::Deadline)
        .column(inspection_finding::Column::RectifiedAt)
        .join(
            JoinType::InnerJoin,
            inspection_finding::Entity::belongs_to(inspection::Entity)
                .from(inspection_finding::Column::InspectionId)
                .to(inspection::Column::Id)
                .into(),
        )
        .filter(inspection::Column::InspectedOrganizationId.in_subquery(serving))
        .filter(inspection::Column::InspectedOn.between(from, until))
        .into_tuple()
        .all(db)
        .await?;
    #[derive(Default)]
    struct Counts {
        led: DueCounts,
        assisted: DueCounts,
        findings: FindingCounts,
    }
    let mut units: BTreeMap<Uuid, Counts> = BTreeMap::new();
    for (unit, responsibility, due_on, status, done_at, updated_at) in due.into_iter().chain(ended)
    {
        let counts = units.entry(unit).or_default();
        // Done before completion times were kept: done when it last changed.
        let done_at = (status == AssignmentStatus::Done).then(|| done_at.unwrap_or(updated_at));
        match responsibility {
            Responsibility::Lead => counts.led.count(due_on, done_at, today),
            Responsibility::Assisting => counts.assisted.count(due_on, done_at, today),
        }
    }
    for (unit, deadline, rectified_at) in found {
        let findings = &mut units.entry(unit).or_default().findings;
        findings.found += 1;
        match rectified_at.map(china_date) {
            Some(day) if day <= deadline => findings.rectified_on_time += 1,
            Some(_) => findings.rectified_late += 1,
            None if deadline < today => findings.overdue += 1,
            None => {}
        }
    }
    Ok(duty::units_by_name(db, units.keys().copied())
        .await?
        .into_iter()
        .filter_map(|organization| {
            units.remove(&organization.id).map(|c| Appraisal {
                organization,
                led: c.led,
                assisted: c.assisted,
                findings: c.findings,
            })
        })
        .collect())
}
