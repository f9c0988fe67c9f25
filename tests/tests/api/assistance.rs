//! Assessment and assistance: the assessment lifecycle from a notified report, service items in
//! every state, access grants issued only with consent and ending by themselves, civil affairs
//! grants for courts, and break-glass with its reason, expiry, audit and review.

use std::time::Duration;

use chrono::{NaiveDate, TimeDelta, Utc};
use entity::{audit_event, child};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{
    DEMO_PASSWORD, Role, TestApp, Tokens, gid,
    ws::{self, Opened},
};

const SUBMIT: &str =
    "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }";
const MOVE: &str = "mutation($id: ID!, $m: ReportMove!) { transitionReport(input: {id: $id, move: $m, note: \"处置\"}) { report { state } } }";
pub(crate) const START: &str = "mutation($input: StartAssessmentInput!) { startAssessment(input: $input) { assessment { id state participants { name } report { id } } child { riskLevel } } }";
pub(crate) const COMPLETE: &str = "mutation($input: CompleteAssessmentInput!) { completeAssessment(input: $input) { assessment { state riskLevel safety completedAt } child { riskLevel } } }";
const ADD: &str = "mutation($input: AddServiceItemInput!) { addServiceItem(input: $input) { replayed item { id state kind dueOn allowedMoves organization { name } accessGrant { purpose active expiresAt } } } }";
const UPDATE: &str = "mutation($input: UpdateServiceItemInput!) { updateServiceItem(input: $input) { item { state outcome declineReason dueOn allowedMoves accessGrant { active revokedAt } } } }";
const CHILDREN: &str = "{ children(first: 100) { edges { node { id } } } }";

/// Today where the ledger lives (UTC+8).
pub(crate) fn today() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(8)).date_naive()
}

pub(crate) fn days(n: i64) -> String {
    (today() + TimeDelta::days(n)).to_string()
}

fn ids(response: &shouhu_tests::GqlResponse, list: &str) -> Vec<Value> {
    response.data()[list]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{list}: {:?}", response.body))
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

fn field_of(response: &shouhu_tests::GqlResponse) -> Value {
    response.body["errors"][0]["extensions"]["field"].clone()
}

/// A child of the demo township (in the civil affairs officer's and the supervisor's
/// jurisdiction), the `n`th by id.
pub(crate) async fn township_child(app: &TestApp, n: usize) -> Value {
    let mut rows = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652701/652701100/"))
        .all(&app.state.db)
        .await
        .unwrap();
    rows.sort_by_key(|c| c.id);
    gid("Child", rows[n].id)
}

async fn first_guardian(app: &TestApp, child: &Value) -> Value {
    app.gql_as(
        Role::CivilAffairsOfficer,
        "query($id: ID!) { child(id: $id) { guardians { id } } }",
        json!({ "id": child }),
    )
    .await
    .data()["child"]["guardians"][0]["id"]
        .clone()
}

pub(crate) async fn consent(app: &TestApp, child: &Value, purpose: &str) -> Value {
    let guardian = first_guardian(app, child).await;
    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "mutation($c: ID!, $g: ID!, $p: ConsentPurpose!, $d: NaiveDate!) { recordConsent(input: {childId: $c, guardianId: $g, purpose: $p, givenOn: $d}) { consent { id } } }",
            json!({ "c": child, "g": guardian, "p": purpose, "d": days(-1) }),
        )
        .await;
    response.data()["recordConsent"]["consent"]["id"].clone()
}

pub(crate) async fn add_item(
    app: &TestApp,
    tokens: &Tokens,
    key: &str,
    child: &Value,
    kind: &str,
    unit: &Value,
    due: &str,
) -> shouhu_tests::GqlResponse {
    app.gql(
        Some(&tokens.access),
        ADD,
        json!({ "input": { "idempotencyKey": key, "childId": child, "kind": kind, "organizationId": unit, "dueOn": due, "note": "每周一次" } }),
    )
    .await
}

pub(crate) async fn update(
    app: &TestApp,
    tokens: &Tokens,
    item: &Value,
    mv: &str,
    extra: Value,
) -> shouhu_tests::GqlResponse {
    let mut input = json!({ "id": item, "move": mv });
    for (k, v) in extra.as_object().unwrap() {
        input[k] = v.clone();
    }
    app.gql(Some(&tokens.access), UPDATE, json!({ "input": input }))
        .await
}

/// The demo teacher reports a paired child; the police take it to the township.
async fn notified_report(app: &TestApp) -> (Value, Value) {
    let teacher = app.login_as(Role::Teacher).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let child = app.paired_child(&teacher).await;
    let report = app
        .gql(
            Some(&teacher.access),
            SUBMIT,
            json!({ "input": {
                "idempotencyKey": "assess-1",
                "category": "LIVING_ALONE",
                "urgency": "IMMEDIATE",
                "narrative": "孩子独自在家，父母外出务工，家中无人照看",
                "occurredAt": Utc::now().to_rfc3339(),
                "regionId": child["residenceVillage"]["id"],
                "childId": child["id"],
            } }),
        )
        .await;
    let report = report.data()["submitReport"]["report"]["id"].clone();
    assert!(report.is_string(), "the report is submitted");
    for mv in ["ACCEPT", "DISPATCH", "RESPOND", "NOTIFY_TOWNSHIP"] {
        let moved = app
            .gql(Some(&police.access), MOVE, json!({ "id": report, "m": mv }))
            .await;
        assert!(moved.body["errors"].is_null(), "{mv}: {:?}", moved.body);
    }
    (child["id"].clone(), report)
}

pub(crate) fn findings(id: &Value, safety: &str) -> Value {
    json!({ "input": {
        "id": id,
        "safety": safety,
        "guardianship": "祖母年迈，监护能力弱",
        "physicalHealth": "营养不良",
        "mentalHealth": "情绪低落，需心理疏导",
        "riskLevel": "HIGH",
        "summary": "需要多部门帮扶",
    } })
}

#[tokio::test]
async fn an_assessment_follows_a_notified_report_and_sets_the_risk_level() {
    let app = TestApp::spawn().await;
    let (child, report) = notified_report(&app).await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let police_unit = app.organization_id("public_security:652701").await;
    let school = app.organization_id("school:652701100").await;
    let inbox = "{ assignments(filter: {subjectTypes: [ASSESSMENT]}) { edges { node { status progressPercent responsibility subjectId } } } }";

    let started = app
        .gql(
            Some(&supervisor.access),
            START,
            json!({ "input": { "childId": child, "reportId": report, "participantIds": [police_unit, school] } }),
        )
        .await;
    let again = app
        .gql(
            Some(&supervisor.access),
            START,
            json!({ "input": { "childId": child } }),
        )
        .await;
    let assessment = started.data()["startAssessment"]["assessment"]["id"].clone();
    let police_inbox_before = app.gql_as(Role::PoliceOfficer, inbox, json!({})).await;
    let empty = app
        .gql(
            Some(&supervisor.access),
            COMPLETE,
            findings(&assessment, " "),
        )
        .await;
    let completed = app
        .gql(
            Some(&supervisor.access),
            COMPLETE,
            findings(&assessment, "独居，家中有用火隐患"),
        )
        .await;
    let twice = app
        .gql(
            Some(&supervisor.access),
            COMPLETE,
            findings(&assessment, "再次"),
        )
        .await;
    let supervisor_inbox = app.gql(Some(&supervisor.access), inbox, json!({})).await;
    let police_inbox_after = app.gql_as(Role::PoliceOfficer, inbox, json!({})).await;
    let ledger = "query($id: ID!) { child(id: $id) { riskLevel assessments { state safety mentalHealth report { id } } } }";
    let by_supervisor = app
        .gql(Some(&supervisor.access), ledger, json!({ "id": child }))
        .await;
    let by_teacher = app
        .gql_as(Role::Teacher, ledger, json!({ "id": child }))
        .await;

    assert!(started.body["errors"].is_null(), "{:?}", started.body);
    let started = &started.data()["startAssessment"];
    assert_eq!(started["assessment"]["state"], "OPEN");
    assert_eq!(started["assessment"]["report"]["id"], report);
    assert_eq!(
        started["assessment"]["participants"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(again.code(), "CONFLICT");
    assert_eq!(
        again.body["errors"][0]["extensions"]["existingId"],
        assessment
    );
    assert_eq!(
        police_inbox_before.data()["assignments"]["edges"][0]["node"],
        json!({ "status": "OPEN", "progressPercent": 0, "responsibility": "ASSISTING", "subjectId": report })
    );
    assert_eq!(empty.code(), "BAD_USER_INPUT");
    assert_eq!(field_of(&empty), "input.safety");
    let done = &completed.data()["completeAssessment"];
    assert_eq!(done["assessment"]["state"], "COMPLETED");
    assert_eq!(done["assessment"]["riskLevel"], "HIGH");
    assert_eq!(done["child"]["riskLevel"], "HIGH");
    assert!(done["assessment"]["completedAt"].is_string());
    assert_eq!(twice.code(), "INVALID_TRANSITION");
    for inbox in [&supervisor_inbox, &police_inbox_after] {
        let edges = inbox.data()["assignments"]["edges"].as_array().unwrap();
        assert!(!edges.is_empty());
        assert!(
            edges.iter().all(|e| e["node"]["status"] == "DONE"
                && e["node"]["progressPercent"] == 100
                && e["node"]["subjectId"] == report),
            "{edges:?}"
        );
    }
    let seen = &by_supervisor.data()["child"];
    assert_eq!(seen["riskLevel"], "HIGH");
    assert_eq!(seen["assessments"][0]["safety"], "独居，家中有用火隐患");
    assert_eq!(seen["assessments"][0]["report"]["id"], report);
    assert_eq!(by_teacher.data()["child"]["riskLevel"], "HIGH");
    assert!(by_teacher.data()["child"]["assessments"].is_null());
    assert_eq!(by_teacher.code(), "FORBIDDEN");

    app.flush_audit().await;
    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("read"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(
        reads.iter().any(|e| e.detail.contains("mentalHealth")),
        "reading findings is audited"
    );
}

#[tokio::test]
async fn service_items_move_through_their_states() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let federation = app.login_as(Role::WomensFederationWorker).await;
    let teacher = app.login_as(Role::Teacher).await;
    let unit = app.organization_id("womens_federation:652701").await;
    let child = township_child(&app, 0).await;

    let first = add_item(
        &app,
        &officer,
        "i-1",
        &child,
        "GUARDIANSHIP_GUIDANCE",
        &unit,
        &days(30),
    )
    .await;
    let retry = add_item(
        &app,
        &officer,
        "i-1",
        &child,
        "GUARDIANSHIP_GUIDANCE",
        &unit,
        &days(30),
    )
    .await;
    let reused = add_item(
        &app,
        &officer,
        "i-1",
        &child,
        "COUNSELLING",
        &unit,
        &days(30),
    )
    .await;
    let past = add_item(
        &app,
        &officer,
        "i-2",
        &child,
        "EDUCATION_SUPPORT",
        &unit,
        &days(-2),
    )
    .await;
    let item = first.data()["addServiceItem"]["item"]["id"].clone();
    let worklist = app
        .gql(
            Some(&federation.access),
            "{ serviceItems(filter: {mine: true}) { edges { node { id state overdue child { id } } } } }",
            json!({}),
        )
        .await;
    let stranger = update(&app, &teacher, &item, "START", json!({})).await;
    let started = update(&app, &federation, &item, "START", json!({})).await;
    let restarted = update(&app, &federation, &item, "START", json!({})).await;
    let no_outcome = update(&app, &federation, &item, "COMPLETE", json!({})).await;
    let own_date = update(
        &app,
        &federation,
        &item,
        "RESCHEDULE",
        json!({ "dueOn": days(40) }),
    )
    .await;
    let too_far = update(
        &app,
        &officer,
        &item,
        "RESCHEDULE",
        json!({ "dueOn": days(400) }),
    )
    .await;
    let moved = update(
        &app,
        &officer,
        &item,
        "RESCHEDULE",
        json!({ "dueOn": days(40) }),
    )
    .await;
    let done = update(
        &app,
        &federation,
        &item,
        "COMPLETE",
        json!({ "outcome": "已对祖母开展三次监护指导" }),
    )
    .await;
    let second = add_item(
        &app,
        &officer,
        "i-3",
        &child,
        "EDUCATION_SUPPORT",
        &unit,
        &days(30),
    )
    .await;
    let second = second.data()["addServiceItem"]["item"]["id"].clone();
    let no_reason = update(&app, &federation, &second, "DECLINE", json!({})).await;
    let declined = update(
        &app,
        &federation,
        &second,
        "DECLINE",
        json!({ "reason": "家庭已迁居外县" }),
    )
    .await;
    let inbox = app
        .gql(
            Some(&federation.access),
            "{ assignments(filter: {subjectTypes: [SERVICE_ITEM]}) { edges { node { status subjectId } } } }",
            json!({}),
        )
        .await;

    let added = &first.data()["addServiceItem"];
    assert_eq!(added["replayed"], false);
    assert_eq!(added["item"]["state"], "OPEN");
    assert_eq!(added["item"]["organization"]["name"], "博乐市妇联");
    assert!(
        added["item"]["accessGrant"].is_null(),
        "no grant for the federation"
    );
    assert_eq!(retry.data()["addServiceItem"]["replayed"], true);
    assert_eq!(reused.code(), "CONFLICT", "a key reused for another item");
    assert_eq!(reused.body["errors"][0]["extensions"]["existingId"], item);
    assert_eq!(retry.data()["addServiceItem"]["item"]["id"], item);
    assert_eq!(field_of(&past), "input.dueOn");
    let listed = worklist.data()["serviceItems"]["edges"].as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["node"]["overdue"], false);
    assert_eq!(
        listed[0]["node"]["child"]["id"], child,
        "the federation's jurisdiction covers the child"
    );
    assert_eq!(stranger.code(), "NOT_FOUND");
    assert_eq!(
        started.data()["updateServiceItem"]["item"]["state"],
        "IN_PROGRESS"
    );
    assert_eq!(restarted.code(), "INVALID_TRANSITION");
    assert_eq!(
        restarted.body["errors"][0]["extensions"]["allowed"],
        json!(["COMPLETE", "DECLINE", "RESCHEDULE"])
    );
    assert_eq!(field_of(&no_outcome), "input.outcome");
    assert_eq!(
        own_date.code(),
        "FORBIDDEN",
        "a unit does not move its own due date"
    );
    assert_eq!(field_of(&too_far), "input.dueOn");
    assert_eq!(moved.data()["updateServiceItem"]["item"]["dueOn"], days(40));
    let done = &done.data()["updateServiceItem"]["item"];
    assert_eq!(done["state"], "DONE");
    assert_eq!(done["outcome"], "已对祖母开展三次监护指导");
    assert_eq!(done["allowedMoves"], json!([]));
    assert_eq!(field_of(&no_reason), "input.reason");
    let declined = &declined.data()["updateServiceItem"]["item"];
    assert_eq!(declined["state"], "DECLINED");
    assert_eq!(declined["declineReason"], "家庭已迁居外县");
    let statuses: Vec<&Value> = inbox.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["status"])
        .collect();
    assert_eq!(statuses, vec!["DONE", "DONE"]);
    assert_eq!(
        inbox.data()["assignments"]["edges"][1]["node"]["subjectId"],
        item,
        "the inbox names the item"
    );
}

#[tokio::test]
async fn the_agency_sees_a_referred_child_only_with_consent_and_until_the_grant_expires() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let worker = app.login_as(Role::SocialWorker).await;
    let agency = app.organization_id("agency:652700:1").await;
    let child = township_child(&app, 1).await;

    let before = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let refused = add_item(
        &app,
        &officer,
        "c-1",
        &child,
        "COUNSELLING",
        &agency,
        &days(10),
    )
    .await;
    consent(&app, &child, "SOCIAL_WORK_REFERRAL").await;
    let still_refused = add_item(
        &app,
        &officer,
        "c-2",
        &child,
        "COUNSELLING",
        &agency,
        &days(10),
    )
    .await;
    consent(&app, &child, "COUNSELLING").await;
    let referred = add_item(
        &app,
        &officer,
        "c-3",
        &child,
        "COUNSELLING",
        &agency,
        &days(10),
    )
    .await;
    let during = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let items =
        "{ serviceItems { edges { node { kind child { id name } accessGrant { active } } } } }";
    let items_during = app.gql(Some(&worker.access), items, json!({})).await;
    app.clock.advance(TimeDelta::days(12));
    let after = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let direct = app
        .gql(
            Some(&worker.access),
            "query($id: ID!) { child(id: $id) { id } }",
            json!({ "id": child }),
        )
        .await;
    let items_after = app.gql(Some(&worker.access), items, json!({})).await;

    assert!(
        ids(&before, "children").is_empty(),
        "nothing before the grant"
    );
    assert_eq!(refused.code(), "BAD_USER_INPUT");
    assert_eq!(field_of(&refused), "input.organizationId");
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("COUNSELLING"), "{message}");
    assert_eq!(field_of(&still_refused), "input.organizationId");
    let grant = &referred.data()["addServiceItem"]["item"]["accessGrant"];
    assert_eq!(grant["purpose"], "COUNSELLING");
    assert_eq!(grant["active"], true);
    assert_eq!(ids(&during, "children"), vec![child.clone()]);
    let listed = &items_during.data()["serviceItems"]["edges"][0]["node"];
    assert_eq!(listed["child"]["id"], child);
    assert!(listed["child"]["name"].is_string());
    assert!(ids(&after, "children").is_empty(), "nothing after expiry");
    assert!(direct.data()["child"].is_null());
    let listed = &items_after.data()["serviceItems"]["edges"][0]["node"];
    assert_eq!(
        listed["kind"], "COUNSELLING",
        "the agency keeps its own item"
    );
    assert!(listed["child"].is_null());
    assert_eq!(listed["accessGrant"]["active"], false);
}

#[tokio::test]
async fn finishing_the_item_or_withdrawing_consent_ends_the_units_access() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let worker = app.login_as(Role::SocialWorker).await;
    let justice = app.login_as(Role::JusticeOfficer).await;
    let agency = app.organization_id("agency:652700:1").await;
    let bureau = app.organization_id("justice:652701").await;
    let child = township_child(&app, 2).await;
    consent(&app, &child, "COUNSELLING").await;
    let legal = consent(&app, &child, "LEGAL_AID").await;

    let counselling = add_item(
        &app,
        &officer,
        "f-1",
        &child,
        "COUNSELLING",
        &agency,
        &days(20),
    )
    .await;
    let aid = add_item(
        &app,
        &officer,
        "f-2",
        &child,
        "LEGAL_AID",
        &bureau,
        &days(20),
    )
    .await;
    let counselling = counselling.data()["addServiceItem"]["item"]["id"].clone();
    assert!(aid.body["errors"].is_null(), "{:?}", aid.body);
    let worker_during = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let justice_during = app.gql(Some(&justice.access), CHILDREN, json!({})).await;
    let finished = update(
        &app,
        &worker,
        &counselling,
        "COMPLETE",
        json!({ "outcome": "完成八次心理疏导" }),
    )
    .await;
    let withdrawn = app
        .gql(
            Some(&officer.access),
            "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { consent { active } } }",
            json!({ "id": legal }),
        )
        .await;
    let worker_after = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let justice_after = app.gql(Some(&justice.access), CHILDREN, json!({})).await;

    assert_eq!(ids(&worker_during, "children"), vec![child.clone()]);
    assert_eq!(ids(&justice_during, "children"), vec![child.clone()]);
    let finished = &finished.data()["updateServiceItem"]["item"];
    assert_eq!(finished["state"], "DONE");
    assert_eq!(finished["accessGrant"]["active"], false);
    assert!(finished["accessGrant"]["revokedAt"].is_string());
    assert!(withdrawn.body["errors"].is_null(), "{:?}", withdrawn.body);
    assert!(ids(&worker_after, "children").is_empty());
    assert!(ids(&justice_after, "children").is_empty());
}

#[tokio::test]
async fn civil_affairs_lends_intervention_cases_to_the_court_and_revokes() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let court = app.login_as(Role::CourtOfficer).await;
    let court_unit = app.organization_id("court:652701").await;
    let federation = app.organization_id("womens_federation:652701").await;
    let child = township_child(&app, 3).await;
    let grant = "mutation($input: GrantAccessInput!) { grantAccess(input: $input) { grant { id purpose active expiresAt organization { name } } } }";
    let input = |unit: &Value, purpose: &str| json!({ "input": { "childId": child, "organizationId": unit, "purpose": purpose, "expiresAt": (Utc::now() + TimeDelta::days(60)).to_rfc3339(), "reason": "监护权撤销案件审理" } });
    let see = "query($id: ID!) { child(id: $id) { id interventions { kind caseNumber } } }";

    let no_case = app
        .gql(
            Some(&officer.access),
            grant,
            input(&court_unit, "INTERVENTION_CASE"),
        )
        .await;
    let guardian = first_guardian(&app, &child).await;
    let intervened = app
        .gql(
            Some(&officer.access),
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordIntervention(input: {childId: $c, guardianId: $g, kind: REVOCATION_PETITION_FILED, grounds: [ABANDONMENT], petitioner: \"县民政局\", caseNumber: \"(2026)新2701民特7号\", decidedOn: $d}) { intervention { id } } }",
            json!({ "c": child, "g": guardian, "d": days(-1) }),
        )
        .await;
    assert!(intervened.body["errors"].is_null(), "{:?}", intervened.body);
    let court_before = app
        .gql(Some(&court.access), see, json!({ "id": child }))
        .await;
    let wrong_unit = app
        .gql(
            Some(&officer.access),
            grant,
            input(&federation, "INTERVENTION_CASE"),
        )
        .await;
    let no_consent = app
        .gql(
            Some(&officer.access),
            grant,
            input(&federation, "DATA_SHARING"),
        )
        .await;
    let by_supervisor = app
        .gql_as(
            Role::ChildSupervisor,
            grant,
            input(&court_unit, "INTERVENTION_CASE"),
        )
        .await;
    let lent = app
        .gql(
            Some(&officer.access),
            grant,
            input(&court_unit, "INTERVENTION_CASE"),
        )
        .await;
    let twice = app
        .gql(
            Some(&officer.access),
            grant,
            input(&court_unit, "INTERVENTION_CASE"),
        )
        .await;
    let oversight = "query($a: Boolean) { accessGrants(active: $a) { edges { node { purpose child { id } organization { name } } } } }";
    let held = app
        .gql(Some(&officer.access), oversight, json!({ "a": true }))
        .await;
    let court_during = app
        .gql(Some(&court.access), see, json!({ "id": child }))
        .await;
    let grant_id = lent.data()["grantAccess"]["grant"]["id"].clone();
    let revoke = "mutation($id: ID!) { revokeAccess(input: {id: $id, reason: \"案件审结\"}) { grant { active revokedAt } } }";
    let revoked = app
        .gql(Some(&officer.access), revoke, json!({ "id": grant_id }))
        .await;
    let again = app
        .gql(Some(&officer.access), revoke, json!({ "id": grant_id }))
        .await;
    let held_after = app
        .gql(Some(&officer.access), oversight, json!({ "a": true }))
        .await;
    let ended = app
        .gql(Some(&officer.access), oversight, json!({ "a": false }))
        .await;
    let court_after = app
        .gql(Some(&court.access), see, json!({ "id": child }))
        .await;
    let listed = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { accessGrants { purpose active revokedAt } } }",
            json!({ "id": child }),
        )
        .await;

    assert_eq!(field_of(&no_case), "input.purpose");
    assert!(court_before.data()["child"].is_null());
    assert_eq!(field_of(&wrong_unit), "input.organizationId");
    assert_eq!(field_of(&no_consent), "input.purpose");
    assert!(
        no_consent.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("DATA_SHARING")
    );
    assert_eq!(by_supervisor.code(), "FORBIDDEN");
    let lent = &lent.data()["grantAccess"]["grant"];
    assert_eq!(lent["purpose"], "INTERVENTION_CASE");
    assert_eq!(lent["active"], true);
    assert_eq!(twice.code(), "CONFLICT");
    assert_eq!(
        twice.body["errors"][0]["extensions"]["existingId"],
        grant_id
    );
    assert_eq!(
        court_during.data()["child"]["interventions"][0]["caseNumber"],
        "(2026)新2701民特7号"
    );
    assert_eq!(revoked.data()["revokeAccess"]["grant"]["active"], false);
    assert_eq!(again.code(), "INVALID_TRANSITION");
    assert!(court_after.data()["child"].is_null());
    assert_eq!(
        held.data()["accessGrants"]["edges"],
        json!([{ "node": { "purpose": "INTERVENTION_CASE", "child": { "id": child }, "organization": { "name": "博乐市人民法院" } } }])
    );
    assert_eq!(held_after.data()["accessGrants"]["edges"], json!([]));
    assert_eq!(
        ended.data()["accessGrants"]["edges"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        listed.data()["child"]["accessGrants"][0],
        json!({ "purpose": "INTERVENTION_CASE", "active": false, "revokedAt": revoked.data()["revokeAccess"]["grant"]["revokedAt"] })
    );
}

/// The children of 温泉县, outside the demo police officer's county, in id order.
async fn wenquan_children(app: &TestApp) -> Vec<child::Model> {
    let mut found = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652702/"))
        .all(&app.state.db)
        .await
        .unwrap();
    found.sort_by_key(|c| c.id);
    found
}

/// An access token of a civil affairs officer of 温泉县 (made for the test): who oversees
/// break-glass openings of its children.
async fn wenquan_officer(app: &TestApp) -> String {
    shouhu::domain::account::create(
        &app.state.db,
        &app.state.audit_keys.mac,
        shouhu::domain::account::NewAccount {
            username: "civil_affairs.652702",
            display_name: "温泉县民政局科员",
            password: DEMO_PASSWORD,
            role: Role::CivilAffairsOfficer,
            organization_code: "civil_affairs:652702",
        },
        Utc::now(),
    )
    .await
    .unwrap();
    let signed_in = app.login("civil_affairs.652702", DEMO_PASSWORD).await;
    signed_in.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn break_glass_opens_a_record_for_hours_with_a_reason_audited_and_reviewed() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let elsewhere = wenquan_children(&app).await;
    let child = gid("Child", elsewhere[0].id);
    let own = township_child(&app, 0).await;
    let reviewer = wenquan_officer(&app).await;
    let open = "mutation($c: ID!, $r: String!) { breakGlass(input: {childId: $c, reason: $r}) { access { id reason expiresAt active organization { name } } child { id idNumber } } }";
    let read = "query($id: ID!) { child(id: $id) { id idNumber } }";
    let reason = "120转来紧急求助：孩子走失，需要监护人联系方式";

    let before = app
        .gql(Some(&police.access), read, json!({ "id": child }))
        .await;
    let terse = app
        .gql(Some(&police.access), open, json!({ "c": child, "r": "急" }))
        .await;
    let teacher = app
        .gql_as(Role::Teacher, open, json!({ "c": child, "r": reason }))
        .await;
    let in_scope = app
        .gql(Some(&police.access), open, json!({ "c": own, "r": reason }))
        .await;
    let opened = app
        .gql(
            Some(&police.access),
            open,
            json!({ "c": child, "r": reason }),
        )
        .await;
    let twice = app
        .gql(
            Some(&police.access),
            open,
            json!({ "c": child, "r": reason }),
        )
        .await;
    let during = app
        .gql(Some(&police.access), read, json!({ "id": child }))
        .await;
    let no_write = app
        .gql(
            Some(&police.access),
            "mutation($c: ID!, $r: ID!) { submitReport(input: {idempotencyKey: \"bg-1\", category: MISSING, urgency: IMMEDIATE, narrative: \"走失\", occurredAt: \"2026-01-01T00:00:00Z\", regionId: $r, childId: $c}) { report { id } } }",
            json!({ "c": child, "r": gid("Region", elsewhere[0].residence_village_id) }),
        )
        .await;
    let access = opened.data()["breakGlass"]["access"]["id"].clone();
    let list = "query($r: Boolean) { breakGlassAccesses(reviewed: $r) { edges { node { id reason openedBy reviewNote child { id } } } } }";
    let waiting = app.gql(Some(&reviewer), list, json!({ "r": false })).await;
    let bole = app.gql_as(Role::CivilAffairsOfficer, list, json!({})).await;
    let review = "mutation($id: ID!) { reviewBreakGlass(input: {id: $id, note: \"核实属实，处置得当\"}) { access { reviewedAt reviewNote } } }";
    let reviewed = app
        .gql(Some(&reviewer), review, json!({ "id": access }))
        .await;
    let done = app.gql(Some(&reviewer), list, json!({ "r": false })).await;
    app.clock.advance(TimeDelta::hours(5));
    let after = app
        .gql(Some(&police.access), read, json!({ "id": child }))
        .await;

    assert!(before.data()["child"].is_null());
    assert_eq!(field_of(&terse), "input.reason");
    assert_eq!(teacher.code(), "FORBIDDEN");
    assert_eq!(field_of(&in_scope), "input.childId");
    let opened = &opened.data()["breakGlass"];
    assert_eq!(opened["access"]["active"], true);
    assert_eq!(opened["child"]["id"], child);
    assert!(opened["child"]["idNumber"].is_string());
    let expires: chrono::DateTime<Utc> = opened["access"]["expiresAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let hours = (expires - Utc::now()).num_minutes();
    assert!(
        (230..=241).contains(&hours),
        "four hours by default: {hours} minutes"
    );
    assert_eq!(twice.code(), "CONFLICT");
    assert_eq!(during.data()["child"]["id"], child);
    assert_eq!(
        field_of(&no_write),
        "input.childId",
        "break-glass reads a record, it does not write about it as one's own"
    );
    let waiting = waiting.data()["breakGlassAccesses"]["edges"]
        .as_array()
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["node"]["reason"], reason);
    assert_eq!(waiting[0]["node"]["child"]["id"], child);
    assert!(
        ids(&bole, "breakGlassAccesses").is_empty(),
        "another county's officer does not review it"
    );
    assert_eq!(
        reviewed.data()["reviewBreakGlass"]["access"]["reviewNote"],
        "核实属实，处置得当"
    );
    assert!(ids(&done, "breakGlassAccesses").is_empty());
    assert!(
        after.data()["child"].is_null(),
        "the access ends after four hours"
    );

    app.flush_audit().await;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("break_glass.open"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert!(events[0].detail.contains(reason));
}

/// The issue's walk-through on the demo data: the township supervisor assesses the child of the
/// reports scenario, refers them to the social work agency for counselling with the guardian's
/// consent, the agency's demo account then sees that child and nothing else, and the joint
/// meeting sees every unit's open and overdue work, the plan's fourteen tasks included.
#[tokio::test]
async fn the_demo_walk_through_from_a_notified_report_to_the_agency_and_the_joint_meeting() {
    let app = TestApp::spawn().await;
    let (child, report) = notified_report(&app).await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let worker = app.login_as(Role::SocialWorker).await;
    let agency = app.organization_id("agency:652700:1").await;

    let assessment = app
        .gql(
            Some(&supervisor.access),
            START,
            json!({ "input": { "childId": child, "reportId": report, "participantIds": [agency] } }),
        )
        .await
        .data()["startAssessment"]["assessment"]["id"]
        .clone();
    let completed = app
        .gql(
            Some(&supervisor.access),
            COMPLETE,
            findings(&assessment, "独居，夜间无人照看"),
        )
        .await;
    let guardian = app
        .gql(
            Some(&supervisor.access),
            "query($id: ID!) { child(id: $id) { guardians { id } } }",
            json!({ "id": child }),
        )
        .await
        .data()["child"]["guardians"][0]["id"]
        .clone();
    let consented = app
        .gql(
            Some(&supervisor.access),
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordConsent(input: {childId: $c, guardianId: $g, purpose: COUNSELLING, givenOn: $d}) { consent { id } } }",
            json!({ "c": child, "g": guardian, "d": days(-1) }),
        )
        .await;
    let referred = app
        .gql(
            Some(&supervisor.access),
            ADD,
            json!({ "input": { "idempotencyKey": "walk-1", "childId": child, "assessmentId": assessment, "kind": "COUNSELLING", "organizationId": agency, "dueOn": days(30) } }),
        )
        .await;
    let seen = app.gql(Some(&worker.access), CHILDREN, json!({})).await;
    let worklist = app
        .gql(
            Some(&worker.access),
            "{ serviceItems { edges { node { kind child { id } } } } assignments { edges { node { subjectType responsibility } } } }",
            json!({}),
        )
        .await;
    let other = township_child(&app, 5).await;
    let not_other = app
        .gql(
            Some(&worker.access),
            "query($id: ID!) { child(id: $id) { id } }",
            json!({ "id": other }),
        )
        .await;
    let meeting = app
        .gql_as(
            Role::Analyst,
            "{ responsibilityOverview { organization { code } planTasks { assigned open done overdue } cases { assigned open done overdue } } }",
            json!({}),
        )
        .await;

    assert_eq!(
        completed.data()["completeAssessment"]["child"]["riskLevel"],
        "HIGH"
    );
    assert!(consented.body["errors"].is_null(), "{:?}", consented.body);
    assert_eq!(
        referred.data()["addServiceItem"]["item"]["accessGrant"]["active"],
        true,
        "{:?}",
        referred.body
    );
    assert_eq!(
        ids(&seen, "children"),
        vec![child.clone()],
        "that child and nothing else"
    );
    let items = worklist.data()["serviceItems"]["edges"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["node"]["child"]["id"], child);
    let duties: Vec<(&Value, &Value)> = worklist.data()["assignments"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (&e["node"]["subjectType"], &e["node"]["responsibility"]))
        .collect();
    assert!(duties.contains(&(&json!("SERVICE_ITEM"), &json!("LEAD"))));
    assert!(duties.contains(&(&json!("ASSESSMENT"), &json!("ASSISTING"))));
    assert!(not_other.data()["child"].is_null());

    let lines = meeting.data()["responsibilityOverview"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", meeting.body));
    let line = |code: &str| {
        lines
            .iter()
            .find(|l| l["organization"]["code"] == code)
            .unwrap_or_else(|| panic!("no line for {code}"))
    };
    assert_eq!(
        line("agency:652700:1")["cases"],
        json!({ "assigned": 2, "open": 1, "done": 1, "overdue": 0 }),
        "the counselling item open, the assessment it assisted done"
    );
    assert_eq!(
        line("public_security:652701")["cases"]["open"],
        1,
        "the report, held by the county police, is not closed"
    );
    let plan: u64 = lines
        .iter()
        .map(|l| l["planTasks"]["assigned"].as_u64().unwrap())
        .sum();
    let loaded = entity::assignment::Entity::find()
        .filter(entity::assignment::Column::SubjectType.eq(entity::enums::SubjectType::PlanTask))
        .all(&app.state.db)
        .await
        .unwrap();
    let tasks: std::collections::BTreeSet<&str> =
        loaded.iter().map(|a| a.subject_key.as_str()).collect();
    assert_eq!(
        tasks.len(),
        15,
        "the plan's fourteen tasks and the implementation scheme"
    );
    assert_eq!(
        plan,
        loaded.len() as u64,
        "every unit's share of the plan's tasks"
    );
    for line in lines {
        for side in ["planTasks", "cases"] {
            let c = &line[side];
            assert_eq!(
                c["open"].as_u64().unwrap() + c["done"].as_u64().unwrap(),
                c["assigned"].as_u64().unwrap()
            );
        }
    }
}

#[tokio::test]
async fn service_item_lists_cost_the_same_statements_for_2_or_12_items() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let unit = app.organization_id("womens_federation:652701").await;
    // The first children of the officer's own list, so that both pages below hold items.
    let listed = app
        .gql(
            Some(&officer.access),
            "{ children(first: 12) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    for n in 0..12 {
        let child = listed.data()["children"]["edges"][n]["node"]["id"].clone();
        let added = add_item(
            &app,
            &officer,
            &format!("n-{n}"),
            &child,
            "EDUCATION_SUPPORT",
            &unit,
            &days(30),
        )
        .await;
        assert!(added.body["errors"].is_null(), "{:?}", added.body);
    }
    let items = "query($n: Int) { serviceItems(first: $n) { edges { node { kind child { name } organization { name } accessGrant { active } } } } }";
    let children = "query($n: Int) { children(first: $n) { edges { node { name assessments { state } serviceItems { kind organization { name } } accessGrants { active } } } } }";

    let mut item_costs = Vec::new();
    for n in [2, 12] {
        item_costs.push(
            app.statements_for(&officer.access, items, json!({ "n": n }), "serviceItems", n)
                .await,
        );
    }
    let mut child_costs = Vec::new();
    for n in [5, 50] {
        child_costs.push(
            app.statements_for(&officer.access, children, json!({ "n": n }), "children", n)
                .await,
        );
    }

    assert_eq!(item_costs[0], item_costs[1], "{item_costs:?}");
    assert_eq!(child_costs[0], child_costs[1], "{child_costs:?}");
    println!("statements: service items {item_costs:?}, children with assistance {child_costs:?}");
}

#[tokio::test]
async fn two_supervisors_starting_at_once_open_one_assessment() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let child = township_child(&app, 4).await;
    let input = json!({ "input": { "childId": child } });

    let (a, b) = tokio::join!(
        app.gql(Some(&supervisor.access), START, input.clone()),
        app.gql(Some(&officer.access), START, input.clone()),
    );
    let listed = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { assessments { id state } } }",
            json!({ "id": child }),
        )
        .await;

    let mut codes = vec![a.code(), b.code()];
    codes.sort();
    assert_eq!(codes, vec!["".to_owned(), "CONFLICT".to_owned()]);
    let assessments = listed.data()["child"]["assessments"].as_array().unwrap();
    assert_eq!(assessments.len(), 1);
    let loser = if a.code() == "CONFLICT" { &a } else { &b };
    assert_eq!(
        loser.body["errors"][0]["extensions"]["existingId"],
        assessments[0]["id"]
    );
}

#[tokio::test]
async fn break_glass_has_a_daily_quota_and_alerts_the_childs_supervisors_at_once() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let elsewhere = wenquan_children(&app).await;
    let overseer = wenquan_officer(&app).await;
    let bole = app.login_as(Role::CivilAffairsOfficer).await;
    let alerts = "subscription { breakGlassAlerts { accessId reason childId } }";
    let Opened::Ready(mut wenquan) = ws::open(&app.address, Some(&overseer)).await else {
        panic!("the overseer subscribes");
    };
    let Opened::Ready(mut elsewhere_county) = ws::open(&app.address, Some(&bole.access)).await
    else {
        panic!("the other county's officer subscribes");
    };
    wenquan.subscribe("a", alerts).await;
    elsewhere_county.subscribe("a", alerts).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let open = "mutation($c: ID!, $r: String!) { breakGlass(input: {childId: $c, reason: $r}) { access { id } } }";
    let reason = "120转来紧急求助：孩子走失，需要监护人联系方式";

    let mut opened = Vec::new();
    for found in elsewhere.iter().take(4) {
        opened.push(
            app.gql(
                Some(&police.access),
                open,
                json!({ "c": gid("Child", found.id), "r": reason }),
            )
            .await,
        );
    }
    let alert = wenquan
        .next(Duration::from_secs(5))
        .await
        .expect("the overseer hears of the opening");
    let not_theirs = elsewhere_county.next(Duration::from_millis(700)).await;

    for answer in &opened[..3] {
        assert!(answer.body["errors"].is_null(), "{:?}", answer.body);
    }
    assert_eq!(opened[3].code(), "RATE_LIMITED", "the fourth in a day");
    assert_eq!(
        alert["breakGlassAlerts"]["accessId"],
        opened[0].data()["breakGlass"]["access"]["id"]
    );
    assert_eq!(alert["breakGlassAlerts"]["reason"], reason);
    assert_eq!(
        alert["breakGlassAlerts"]["childId"],
        gid("Child", elsewhere[0].id)
    );
    assert!(not_theirs.is_none(), "{not_theirs:?}");
    app.clock.advance(TimeDelta::hours(25));
    let next_day = app
        .gql(
            Some(&police.access),
            open,
            json!({ "c": gid("Child", elsewhere[3].id), "r": reason }),
        )
        .await;
    assert!(next_day.body["errors"].is_null(), "{:?}", next_day.body);
}
