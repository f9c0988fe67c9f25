//! Timelines, inspections and appraisal (「建立、完善工作考核和责任追究机制」): the plan's tasks
//! fall due by the plan's dates and cycles; an inspection's findings become the inspected unit's
//! assignments to put right, overdue past their deadline and closed with evidence; the
//! appraisal counts what each unit led and assisted and what inspections found; evaluations
//! are read back.

use chrono::{Datelike, FixedOffset, NaiveDate, TimeDelta, Utc};
use entity::{
    assignment,
    enums::{AssignmentStatus, Responsibility, SubjectType},
    inspection, inspection_finding, organization,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu::clock::Clock;
use shouhu_tests::{Role, TestApp};

use crate::policy::reached_as_the_policy_says;

const RECORD: &str = "mutation($input: RecordInspectionInput!) { recordInspection(input: $input) { inspection { id inspectedUnit { code } open findings { id position deadline overdue rectifiedAt assignment { id dueOn status overdue } } } replayed } }";

const RECTIFY: &str = "mutation($input: RecordRectificationInput!) { recordRectification(input: $input) { finding { id rectifiedAt evidence overdue assignment { status } } } }";

const APPRAISALS: &str = "query($from: NaiveDate, $until: NaiveDate) { appraisals(from: $from, until: $until) { organization { code } led { due onTime late overdue open } assisted { due onTime late overdue open } findings { found rectifiedOnTime rectifiedLate overdue } score } }";

fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
}

fn day(offset: i64) -> String {
    (today() + TimeDelta::days(offset)).to_string()
}

/// A unit's due counts for the assignments of `responsibility` among `rows`, findings left out
/// (they count as findings), counted here from the table.
fn tally(rows: &[assignment::Model], responsibility: Responsibility) -> Value {
    let (mut due, mut on_time, mut late, mut overdue, mut open) = (0, 0, 0, 0, 0);
    for row in rows
        .iter()
        .filter(|a| a.responsibility == responsibility && a.subject_type != SubjectType::Finding)
    {
        let due_on = row.due_on.unwrap();
        due += 1;
        let done = (row.status == AssignmentStatus::Done).then(|| {
            row.done_at
                .unwrap()
                .with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
                .date_naive()
        });
        match done {
            Some(day) if day <= due_on => on_time += 1,
            Some(_) => late += 1,
            None if due_on < today() => overdue += 1,
            None => open += 1,
        }
    }
    json!({ "due": due, "onTime": on_time, "late": late, "overdue": overdue, "open": open })
}

#[tokio::test]
async fn findings_fall_due_in_the_inspected_units_inbox_and_the_appraisal_counts_them_exactly() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let bureau = app.login_as(Role::EducationOfficer).await;
    let unit = app.organization_id("education:652701").await;
    let input = json!({ "input": {
        "idempotencyKey": "inspection-1",
        "inspectedUnitId": unit,
        "inspectedOn": day(-3),
        "summary": "督查控辍保学工作",
        "findings": [
            { "description": "一所学校辍学学生未劝返", "deadline": day(-1) },
            { "description": "台账缺少复学记录", "deadline": day(10) },
        ],
    } });

    let recorded = app.gql(Some(&officer.access), RECORD, input.clone()).await;
    let again = app.gql(Some(&officer.access), RECORD, input).await;
    let inspection = &recorded.data()["recordInspection"]["inspection"];
    let findings = inspection["findings"].as_array().unwrap().clone();
    let inbox = app
        .gql(
            Some(&bureau.access),
            "{ assignments(filter: {subjectTypes: [FINDING], overdue: true}) { edges { node { subjectId dueOn } } } }",
            json!({}),
        )
        .await;
    let by_stranger = app
        .gql(
            Some(&officer.access),
            RECTIFY,
            json!({ "input": { "findingId": findings[1]["id"], "evidence": "x" } }),
        )
        .await;
    let rectified = app
        .gql(
            Some(&bureau.access),
            RECTIFY,
            json!({ "input": { "findingId": findings[1]["id"], "evidence": "复学记录已补录" } }),
        )
        .await;
    let twice = app
        .gql(
            Some(&bureau.access),
            RECTIFY,
            json!({ "input": { "findingId": findings[1]["id"], "evidence": "再次" } }),
        )
        .await;
    let (from, until) = (day(-60), day(0));
    let appraisals = app
        .gql(
            Some(&officer.access),
            APPRAISALS,
            json!({ "from": from, "until": until }),
        )
        .await;

    assert_eq!(
        inspection["inspectedUnit"]["code"], "education:652701",
        "{:?}",
        recorded.body
    );
    assert_eq!(inspection["open"], true);
    assert_eq!(findings[0]["overdue"], true);
    assert_eq!(findings[0]["assignment"]["overdue"], true);
    assert_eq!(findings[0]["assignment"]["dueOn"], day(-1));
    assert_eq!(findings[1]["overdue"], false);
    assert_eq!(again.data()["recordInspection"]["replayed"], true);
    assert_eq!(
        again.data()["recordInspection"]["inspection"]["id"],
        inspection["id"]
    );
    let overdue: Vec<&Value> = inbox.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["subjectId"])
        .collect();
    assert!(overdue.contains(&&findings[0]["id"]), "{:?}", inbox.body);
    assert!(!overdue.contains(&&findings[1]["id"]));
    assert_eq!(by_stranger.code(), "NOT_FOUND", "{:?}", by_stranger.body);
    let closed = &rectified.data()["recordRectification"]["finding"];
    assert!(closed["rectifiedAt"].is_string(), "{:?}", rectified.body);
    assert_eq!(closed["assignment"]["status"], "DONE");
    assert_eq!(twice.code(), "INVALID_TRANSITION");

    // The bureau's appraisal, counted here from the tables.
    let db = &app.state.db;
    let education = organization::Entity::find()
        .filter(organization::Column::Code.eq("education:652701"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let (first, last) = (today() - TimeDelta::days(60), today());
    let due: Vec<assignment::Model> = assignment::Entity::find()
        .filter(assignment::Column::OrganizationId.eq(education.id))
        .filter(assignment::Column::DueOn.between(first, last))
        .all(db)
        .await
        .unwrap();
    let inspections: Vec<uuid::Uuid> = inspection::Entity::find()
        .filter(inspection::Column::InspectedOrganizationId.eq(education.id))
        .filter(inspection::Column::InspectedOn.between(first, last))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    let found = inspection_finding::Entity::find()
        .filter(inspection_finding::Column::InspectionId.is_in(inspections))
        .all(db)
        .await
        .unwrap();
    let on_time = found
        .iter()
        .filter(|f| {
            f.rectified_at.is_some_and(|at| {
                at.with_timezone(&FixedOffset::east_opt(8 * 3600).unwrap())
                    .date_naive()
                    <= f.deadline
            })
        })
        .count();
    let past = found
        .iter()
        .filter(|f| f.rectified_at.is_none() && f.deadline < today())
        .count();
    let led = tally(&due, Responsibility::Lead);
    let assisted = tally(&due, Responsibility::Assisting);
    let weighed = 2 * led["due"].as_u64().unwrap() + assisted["due"].as_u64().unwrap();
    let done = 2 * led["onTime"].as_u64().unwrap() + assisted["onTime"].as_u64().unwrap();
    let base = if weighed == 0 {
        100.0
    } else {
        100.0 * done as f64 / weighed as f64
    };
    let score = (base - 10.0 * past as f64).clamp(0.0, 100.0).round() as u64;
    let line = appraisals.data()["appraisals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["organization"]["code"] == "education:652701")
        .cloned()
        .unwrap_or_else(|| json!({ "missing": appraisals.body.clone() }));
    assert_eq!(found.len(), 4, "the demo's inspection and this one");
    assert_eq!(
        line,
        json!({
            "organization": { "code": "education:652701" },
            "led": led,
            "assisted": assisted,
            "findings": { "found": 4, "rectifiedOnTime": on_time, "rectifiedLate": 0, "overdue": past },
            "score": score,
        })
    );
    assert_eq!((on_time, past), (2, 2));
    assert!(due.iter().any(|a| a.subject_type == SubjectType::Finding));
}

#[tokio::test]
async fn an_inspection_names_a_unit_of_ones_jurisdiction_and_deadlines_after_it() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let own = app.organization_id("education:652701").await;
    let away = app.organization_id("education:652722").await;
    let send = |unit: &Value, inspected_on: String, deadline: String| {
        json!({ "input": {
            "idempotencyKey": uuid::Uuid::new_v4().to_string(),
            "inspectedUnitId": unit,
            "inspectedOn": inspected_on,
            "summary": "督查",
            "findings": [{ "description": "问题", "deadline": deadline }],
        } })
    };

    let elsewhere = app
        .gql(Some(&officer.access), RECORD, send(&away, day(-1), day(5)))
        .await;
    let early = app
        .gql(Some(&officer.access), RECORD, send(&own, day(-1), day(-2)))
        .await;
    let ahead = app
        .gql(Some(&officer.access), RECORD, send(&own, day(1), day(5)))
        .await;

    let field = |r: &shouhu_tests::GqlResponse| r.body["errors"][0]["extensions"]["field"].clone();
    assert_eq!(
        field(&elsewhere),
        "input.inspectedUnitId",
        "{:?}",
        elsewhere.body
    );
    assert_eq!(field(&early), "input.findings.deadline");
    assert_eq!(field(&ahead), "input.inspectedOn");
}

#[tokio::test]
async fn the_plans_tasks_fall_due_by_the_plans_dates_and_cycles() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let plan = assignment::Entity::find()
        .filter(assignment::Column::SubjectType.eq(SubjectType::PlanTask))
        .all(db)
        .await
        .unwrap();
    let year = today().year();
    let quarter_end = {
        let next = (today().month0() / 3 + 1) * 3;
        if next == 12 {
            NaiveDate::from_ymd_opt(year, 12, 31).unwrap()
        } else {
            NaiveDate::from_ymd_opt(year, next + 1, 1)
                .unwrap()
                .pred_opt()
                .unwrap()
        }
    };
    let scheme_due = NaiveDate::from_ymd_opt(year, 2, 25).unwrap();
    let analyst = app.login_as(Role::Analyst).await;
    let inbox = app
        .gql(
            Some(&analyst.access),
            "{ assignments(first: 100, filter: {subjectTypes: [PLAN_TASK]}) { edges { node { subjectId dueOn overdue } } } }",
            json!({}),
        )
        .await;

    assert!(plan.iter().all(|a| a.due_on.is_some()));
    for a in &plan {
        let expected = match a.subject_key.as_str() {
            "safeguards.implementation_scheme" => scheme_due,
            "care.government_grassroots" => quarter_end,
            _ => NaiveDate::from_ymd_opt(year, 12, 31).unwrap(),
        };
        assert_eq!(a.due_on, Some(expected), "{}", a.subject_key);
    }
    let scheme = inbox.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["subjectId"] == "safeguards.implementation_scheme")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(scheme["dueOn"], scheme_due.to_string(), "{:?}", inbox.body);
    assert_eq!(scheme["overdue"], today() > scheme_due);
}

#[tokio::test]
async fn evaluations_recorded_are_read_back_with_filters() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let unit = app.organization_id("education:652701").await;
    for (kind, reason) in [
        ("COMMENDATION", "控辍保学成效明显"),
        ("ACCOUNTABILITY", "结对帮扶不到位"),
    ] {
        let recorded = app
            .gql(
                Some(&officer.access),
                "mutation($input: RecordEvaluationInput!) { recordEvaluation(input: $input) { evaluation { id } } }",
                json!({ "input": { "kind": kind, "organizationId": unit, "reason": reason, "decidedOn": day(-1) } }),
            )
            .await;
        assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    }
    let query = "query($f: EvaluationFilter) { evaluations(filter: $f) { totalCount edges { node { kind reason organization { code } decidedOn } } } }";

    let commendations = app
        .gql(
            Some(&officer.access),
            query,
            json!({ "f": { "kinds": ["COMMENDATION"], "unitId": unit } }),
        )
        .await;
    let by_supervisor = app.gql_as(Role::ChildSupervisor, query, json!({})).await;
    let by_analyst = app.gql_as(Role::Analyst, query, json!({})).await;

    assert_eq!(
        commendations.data()["evaluations"],
        json!({ "totalCount": 1, "edges": [{ "node": {
            "kind": "COMMENDATION", "reason": "控辍保学成效明显",
            "organization": { "code": "education:652701" }, "decidedOn": day(-1),
        } }] }),
        "{:?}",
        commendations.body
    );
    // The township does not serve the county bureau: its list is empty.
    assert_eq!(
        by_supervisor.data()["evaluations"]["totalCount"],
        0,
        "{:?}",
        by_supervisor.body
    );
    assert_eq!(
        by_analyst.code(),
        "FORBIDDEN",
        "names and reasons are not for counts-only roles"
    );
}

#[tokio::test]
async fn every_role_reaches_the_inspection_operations_the_policy_allows() {
    let app = TestApp::spawn().await;
    reached_as_the_policy_says(
        &app,
        &[
            ("Query", "inspections", "{ inspections { edges { cursor } } }"),
            ("Query", "appraisals", "{ appraisals { score } }"),
            ("Query", "evaluations", "{ evaluations { edges { cursor } } }"),
            (
                "Mutation",
                "recordInspection",
                "mutation { recordInspection(input: {idempotencyKey: \"k\", inspectedUnitId: \"x\", inspectedOn: \"2026-01-05\", summary: \"s\"}) { replayed } }",
            ),
            (
                "Mutation",
                "recordRectification",
                "mutation { recordRectification(input: {findingId: \"x\", evidence: \"e\"}) { finding { id } } }",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_finding_closes_only_with_evidence_and_is_read_only_by_those_it_concerns() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let bureau = app.login_as(Role::EducationOfficer).await;
    let recorded = app
        .gql(
            Some(&officer.access),
            RECORD,
            json!({ "input": {
                "idempotencyKey": "inspection-2",
                "inspectedUnitId": app.organization_id("education:652701").await,
                "inspectedOn": day(-1),
                "summary": "督查",
                "findings": [{ "description": "问题", "deadline": day(7) }],
            } }),
        )
        .await;
    let finding = recorded.data()["recordInspection"]["inspection"]["findings"][0].clone();
    let progress = "mutation($id: ID!, $p: Int!) { reportAssignmentProgress(input: {assignmentId: $id, note: \"整改中\", percent: $p}) { assignment { status progressPercent } } }";
    let assignment = &finding["assignment"]["id"];

    let half = app
        .gql(
            Some(&bureau.access),
            progress,
            json!({ "id": assignment, "p": 50 }),
        )
        .await;
    let whole = app
        .gql(
            Some(&bureau.access),
            progress,
            json!({ "id": assignment, "p": 100 }),
        )
        .await;
    let listed = "{ inspections { totalCount } }";
    let node = "query($id: ID!) { node(id: $id) { id } }";
    let mut seen = Vec::new();
    for role in [
        Role::CivilAffairsOfficer,
        Role::EducationOfficer,
        Role::Teacher,
        Role::SchoolHead,
        Role::Procurator,
    ] {
        let count = app.gql_as(role, listed, json!({})).await.data()["inspections"]["totalCount"]
            .as_u64()
            .unwrap();
        let found = !app
            .gql_as(role, node, json!({ "id": finding["id"] }))
            .await
            .data()["node"]
            .is_null();
        seen.push((role, count > 0, found));
    }

    assert_eq!(
        half.data()["reportAssignmentProgress"]["assignment"]["progressPercent"],
        50,
        "{:?}",
        half.body
    );
    assert_eq!(whole.code(), "INVALID_TRANSITION", "{:?}", whole.body);
    assert_eq!(
        seen,
        [
            (Role::CivilAffairsOfficer, true, true),
            (Role::EducationOfficer, true, true),
            (Role::Teacher, false, false),
            (Role::SchoolHead, false, false),
            (Role::Procurator, false, false),
        ]
    );
}

#[tokio::test]
async fn a_plan_task_opens_again_when_its_year_ends_and_the_year_that_ended_is_appraised() {
    let app = TestApp::spawn_with(|c| c.plan_cycle_check_secs = 1).await;
    let _second = app
        .second_instance_with(|c| c.plan_cycle_check_secs = 1)
        .await;
    let db = &app.state.db;
    let analyst = app.login_as(Role::Analyst).await;
    let inbox = app
        .gql(
            Some(&analyst.access),
            "{ assignments(first: 100, filter: {subjectTypes: [PLAN_TASK], responsibility: LEAD}) { edges { node { id subjectId } } } }",
            json!({}),
        )
        .await;
    let social_forces = inbox.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["subjectId"] == "care.social_forces")
        .cloned()
        .unwrap_or_else(|| json!({ "missing": inbox.body.clone() }));
    let done = app
        .gql(
            Some(&analyst.access),
            "mutation($id: ID!) { reportAssignmentProgress(input: {assignmentId: $id, note: \"已完成\", percent: 100}) { assignment { status } } }",
            json!({ "id": social_forces["id"] }),
        )
        .await;
    assert_eq!(
        done.data()["reportAssignmentProgress"]["assignment"]["status"],
        "DONE",
        "{:?}",
        done.body
    );
    let plan = assignment::Entity::find()
        .filter(assignment::Column::SubjectType.eq(SubjectType::PlanTask))
        .all(db)
        .await
        .unwrap();
    let year = shouhu::clock::china_date(app.clock.now()).year();

    // Into the next year.
    let new_year = NaiveDate::from_ymd_opt(year + 1, 1, 2).unwrap();
    let midnight = new_year.and_hms_opt(0, 0, 0).unwrap().and_utc() - TimeDelta::hours(8);
    app.clock.advance(midnight - app.clock.now());
    let mut waited = 0;
    while entity::assignment_cycle::Entity::find()
        .all(db)
        .await
        .unwrap()
        .len()
        < plan.len()
    {
        assert!(waited < 100, "the plan's cycles did not end after 10 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // Both instances have ticked since.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let cycles = entity::assignment_cycle::Entity::find()
        .all(db)
        .await
        .unwrap();
    let now_plan = assignment::Entity::find()
        .filter(assignment::Column::SubjectType.eq(SubjectType::PlanTask))
        .all(db)
        .await
        .unwrap();
    // Signed in again: a month on, the first session has expired.
    let last_year = app
        .gql_as(
            Role::Analyst,
            "query($from: NaiveDate, $until: NaiveDate) { appraisals(from: $from, until: $until) { organization { code } led { due onTime late overdue open } } }",
            json!({
                "from": NaiveDate::from_ymd_opt(year, 1, 1).unwrap().to_string(),
                "until": NaiveDate::from_ymd_opt(year, 12, 31).unwrap().to_string(),
            }),
        )
        .await;

    assert_eq!(cycles.len(), plan.len(), "each assignment's year kept once");
    let kept = cycles
        .iter()
        .find(|c| {
            plan.iter().any(|a| {
                a.id == c.assignment_id
                    && a.subject_key == "care.social_forces"
                    && a.responsibility == Responsibility::Lead
                    && c.status == AssignmentStatus::Done
            })
        })
        .cloned();
    assert!(kept.is_some_and(
        |c| c.done_at.is_some() && c.due_on == NaiveDate::from_ymd_opt(year, 12, 31).unwrap()
    ));
    for a in &now_plan {
        assert_eq!(a.status, AssignmentStatus::Open, "{}", a.subject_key);
        assert!(
            a.due_on.unwrap().year() == year + 1,
            "{}: {:?}",
            a.subject_key,
            a.due_on
        );
    }
    let civil_affairs = last_year.data()["appraisals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["organization"]["code"] == "unit:civil_affairs")
        .cloned()
        .unwrap_or_else(|| json!({ "missing": last_year.body.clone() }));
    let led_cycles = cycles
        .iter()
        .filter(|c| {
            plan.iter().any(|a| {
                a.id == c.assignment_id
                    && a.responsibility == Responsibility::Lead
                    && a.organization_id
                        == organization_of(&plan, "care.social_forces", Responsibility::Lead)
            })
        })
        .count();
    assert_eq!(
        civil_affairs["led"],
        json!({ "due": led_cycles, "onTime": 1, "late": 0, "overdue": led_cycles - 1, "open": 0 }),
        "{:?}",
        last_year.body
    );
}

/// The unit that holds `task` with `responsibility` (the first, when several do).
fn organization_of(
    plan: &[assignment::Model],
    task: &str,
    responsibility: Responsibility,
) -> uuid::Uuid {
    plan.iter()
        .find(|a| a.subject_key == task && a.responsibility == responsibility)
        .map(|a| a.organization_id)
        .unwrap_or_default()
}
