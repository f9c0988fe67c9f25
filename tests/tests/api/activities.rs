//! Service activities: recorded once per idempotency key by mass organizations, schools and
//! agencies, at a venue or a named place, for the children and guardians they may see, with
//! attendance; corrected by their author within the window; listed in the unit's region.

use chrono::{TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens, gid};

use crate::policy::reached_as_the_policy_says;

const RECORD: &str = "mutation($input: RecordServiceActivityInput!) { recordServiceActivity(input: $input) { activity { id kind title place children { id } provider { kind } } replayed } }";

/// The global IDs of the first `n` children `tokens` may see.
async fn child_ids(app: &TestApp, tokens: &Tokens, n: usize) -> Vec<Value> {
    app.gql(
        Some(&tokens.access),
        "query($n: Int) { children(first: $n) { edges { node { id } } } }",
        json!({ "n": n }),
    )
    .await
    .data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

fn fields(region: &Value, children: &[Value]) -> Value {
    let participants: Vec<Value> = children.iter().map(|c| json!({ "childId": c })).collect();
    json!({
        "kind": "HOLIDAY_CLASS",
        "title": "红星村假期小课堂",
        "heldOn": (Utc::now() - TimeDelta::days(1)).date_naive().to_string(),
        "place": "村委会活动室",
        "regionId": region,
        "participants": participants,
    })
}

fn input(region: &Value, children: &[Value]) -> Value {
    json!({
        "idempotencyKey": uuid::Uuid::new_v4().to_string(),
        "activity": fields(region, children),
    })
}

#[tokio::test]
async fn the_womens_federation_records_a_holiday_class_and_the_portal_lists_it() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let children = child_ids(&app, &worker, 2).await;
    let village = app.region_id("652701100201").await;

    let recorded = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": input(&village, &children) }),
        )
        .await;
    let listed = app
        .gql(
            Some(&worker.access),
            "{ serviceActivities(filter: {kinds: [HOLIDAY_CLASS]}) { edges { node { title region { code } children { id } } } } }",
            json!({}),
        )
        .await;
    let by_analyst = app
        .gql_as(
            Role::Analyst,
            "{ serviceActivities { edges { node { id } } } }",
            json!({}),
        )
        .await;

    let activity = &recorded.data()["recordServiceActivity"]["activity"];
    assert_eq!(
        activity["provider"]["kind"], "WOMENS_FEDERATION",
        "{:?}",
        recorded.body
    );
    assert_eq!(activity["children"].as_array().unwrap().len(), 2);
    let node = &listed.data()["serviceActivities"]["edges"][0]["node"];
    assert_eq!(node["region"]["code"], "652701100201");
    assert_eq!(node["children"].as_array().unwrap().len(), 2);
    assert_eq!(by_analyst.code(), "FORBIDDEN");
}

#[tokio::test]
async fn an_activity_names_only_children_and_places_the_unit_may_see() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let elsewhere_child = {
        use base64::Engine;
        let child = entity::child::Entity::find()
            .filter(entity::child::Column::RegionPath.starts_with("652700/652722/"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        json!(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Child:{}", child.id))
        )
    };
    let own_village = app.region_id("652701100201").await;
    let other_county = app.region_id("652722100201").await;

    let stranger = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": input(&own_village, &[elsewhere_child]) }),
        )
        .await;
    let away = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": input(&other_county, &[]) }),
        )
        .await;
    let by_director = app
        .gql_as(
            Role::ChildDirector,
            RECORD,
            json!({ "input": input(&own_village, &[]) }),
        )
        .await;

    assert_eq!(
        stranger.body["errors"][0]["extensions"]["field"],
        "input.activity.participants"
    );
    assert_eq!(
        away.body["errors"][0]["extensions"]["field"],
        "input.activity.regionId"
    );
    assert_eq!(by_director.code(), "FORBIDDEN");
}

#[tokio::test]
async fn activity_lists_cost_the_same_statements_for_1_or_3_activities() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let children = child_ids(&app, &worker, 6).await;
    let village = app.region_id("652701100201").await;
    for pair in children.chunks(2) {
        let recorded = app
            .gql(
                Some(&worker.access),
                RECORD,
                json!({ "input": input(&village, pair) }),
            )
            .await;
        assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    }
    let query = "query($n: Int) { serviceActivities(first: $n) { edges { node { title region { code } provider { name } children { id name } } } } }";

    let one = app
        .statements_for(
            &worker.access,
            query,
            json!({ "n": 1 }),
            "serviceActivities",
            1,
        )
        .await;
    let three = app
        .statements_for(
            &worker.access,
            query,
            json!({ "n": 3 }),
            "serviceActivities",
            3,
        )
        .await;

    assert_eq!(one, three, "statements for 1 and 3 activities");
}

/// A child `tokens` may see with a guardian, and that guardian: (child id, guardian id).
async fn child_with_guardian(app: &TestApp, tokens: &Tokens) -> (Value, Value) {
    let listed = app
        .gql(
            Some(&tokens.access),
            "{ children(first: 20) { edges { node { id guardians { id } } } } }",
            json!({}),
        )
        .await;
    let edges = listed.data()["children"]["edges"].as_array().unwrap();
    let node = edges
        .iter()
        .map(|e| &e["node"])
        .find(|n| n["guardians"].as_array().is_some_and(|g| !g.is_empty()))
        .unwrap();
    (node["id"].clone(), node["guardians"][0]["id"].clone())
}

/// An open venue in the Women's Federation worker's area: (id, name, village code).
async fn open_venue(app: &TestApp) -> (Value, String, String) {
    let home = app.home_path("demo.womens_federation_worker").await;
    let venue = entity::venue::Entity::find()
        .filter(entity::venue::Column::ClosedOn.is_null())
        .filter(entity::venue::Column::RegionPath.starts_with(format!("{home}/")))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let village = entity::region::Entity::find_by_id(venue.region_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    (gid("Venue", venue.id), venue.name, village.code)
}

const PARTICIPANTS: &str = "query($id: ID!) { node(id: $id) { ... on ServiceActivity { place venue { name } region { code } children { id } participants { attended child { id } guardian { id } } correctableUntil correctedAt } } }";

#[tokio::test]
async fn a_family_education_session_at_a_venue_lists_parents_and_who_stayed_away() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let (child, guardian) = child_with_guardian(&app, &worker).await;
    let absent = child_ids(&app, &worker, 20)
        .await
        .into_iter()
        .find(|c| *c != child)
        .unwrap();
    let (venue, venue_name, village) = open_venue(&app).await;

    let recorded = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": {
                "idempotencyKey": "family-education-1",
                "activity": {
                    "kind": "FAMILY_EDUCATION",
                    "title": "家长学校: 亲子沟通",
                    "heldOn": Utc::now().date_naive().to_string(),
                    "venueId": venue,
                    "participants": [
                        { "childId": child },
                        { "guardianId": guardian },
                        { "childId": absent, "attended": false },
                    ],
                },
            } }),
        )
        .await;
    let id = recorded.data()["recordServiceActivity"]["activity"]["id"].clone();
    let read = app
        .gql(Some(&worker.access), PARTICIPANTS, json!({ "id": id }))
        .await;
    let by_teacher = app
        .gql_as(Role::Teacher, PARTICIPANTS, json!({ "id": id }))
        .await;

    let node = &read.data()["node"];
    assert_eq!(node["place"], venue_name.as_str(), "{:?}", read.body);
    assert_eq!(node["venue"]["name"], venue_name.as_str());
    assert_eq!(node["region"]["code"], village.as_str());
    assert_eq!(node["children"], json!([{ "id": child }]));
    let participants = node["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 3);
    assert!(
        participants
            .contains(&json!({ "attended": true, "child": { "id": child }, "guardian": null }))
    );
    assert!(
        participants
            .contains(&json!({ "attended": false, "child": { "id": absent }, "guardian": null }))
    );
    assert!(
        participants
            .contains(&json!({ "attended": true, "child": null, "guardian": { "id": guardian } }))
    );
    assert!(node["correctableUntil"].is_string());
    assert!(node["correctedAt"].is_null());
    let seen = &by_teacher.data()["node"];
    assert!(
        seen.is_null() || seen["correctableUntil"].is_null(),
        "{:?}",
        by_teacher.body
    );
}

#[tokio::test]
async fn the_same_activity_sent_twice_is_recorded_once() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let children = child_ids(&app, &worker, 2).await;
    let village = app.region_id("652701100201").await;
    let sent = json!({ "input": { "idempotencyKey": "holiday-class-7", "activity": fields(&village, &children) } });

    let first = app.gql(Some(&worker.access), RECORD, sent.clone()).await;
    let again = app.gql(Some(&worker.access), RECORD, sent).await;
    let changed = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": { "idempotencyKey": "holiday-class-7", "activity": fields(&village, &children[..1]) } }),
        )
        .await;
    let stored = entity::service_activity::Entity::find()
        .filter(entity::service_activity::Column::Title.eq("红星村假期小课堂"))
        .all(&app.state.db)
        .await
        .unwrap();

    let first = &first.data()["recordServiceActivity"];
    let again = &again.data()["recordServiceActivity"];
    assert_eq!(first["replayed"], false);
    assert_eq!(again["replayed"], true);
    assert_eq!(first["activity"]["id"], again["activity"]["id"]);
    assert_eq!(changed.code(), "CONFLICT", "{:?}", changed.body);
    assert_eq!(stored.len(), 1);
}

const CORRECT: &str = "mutation($input: CorrectServiceActivityInput!) { correctServiceActivity(input: $input) { activity { id title correctedAt children { id } participants { attended } } } }";

#[tokio::test]
async fn only_the_author_corrects_an_activity_and_only_within_the_window() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let children = child_ids(&app, &worker, 3).await;
    let village = app.region_id("652701100201").await;
    let recorded = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": input(&village, &children[..2]) }),
        )
        .await;
    let id = recorded.data()["recordServiceActivity"]["activity"]["id"].clone();
    let mut corrected_fields = fields(&village, &children[1..]);
    corrected_fields["title"] = json!("红星村假期小课堂 (第二期)");

    let corrected = app
        .gql(
            Some(&worker.access),
            CORRECT,
            json!({ "input": { "id": id, "activity": corrected_fields } }),
        )
        .await;
    let by_other = app
        .gql_as(
            Role::SocialWorker,
            CORRECT,
            json!({ "input": { "id": id, "activity": corrected_fields } }),
        )
        .await;
    let late = app
        .restart_with(|config| config.activity_correction_window_hours = 0)
        .await;
    let worker = late.login_as(Role::WomensFederationWorker).await;
    let too_late = late
        .gql(
            Some(&worker.access),
            CORRECT,
            json!({ "input": { "id": id, "activity": corrected_fields } }),
        )
        .await;

    let activity = &corrected.data()["correctServiceActivity"]["activity"];
    assert_eq!(
        activity["title"], "红星村假期小课堂 (第二期)",
        "{:?}",
        corrected.body
    );
    assert!(activity["correctedAt"].is_string());
    let mut served: Vec<&str> = activity["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    served.sort_unstable();
    let mut expected: Vec<&str> = children[1..].iter().map(|c| c.as_str().unwrap()).collect();
    expected.sort_unstable();
    assert_eq!(served, expected);
    assert_eq!(by_other.code(), "NOT_FOUND", "{:?}", by_other.body);
    assert_eq!(too_late.code(), "INVALID_TRANSITION", "{:?}", too_late.body);
}

#[tokio::test]
async fn a_participant_names_a_child_or_a_guardian_once() {
    let app = TestApp::spawn().await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let (child, guardian) = child_with_guardian(&app, &worker).await;
    let village = app.region_id("652701100201").await;
    let send = |participants: Value| {
        let mut activity = fields(&village, &[]);
        activity["participants"] = participants;
        json!({ "input": { "idempotencyKey": uuid::Uuid::new_v4().to_string(), "activity": activity } })
    };

    let both = app
        .gql(
            Some(&worker.access),
            RECORD,
            send(json!([{ "childId": child, "guardianId": guardian }])),
        )
        .await;
    let neither = app
        .gql(
            Some(&worker.access),
            RECORD,
            send(json!([{ "attended": true }])),
        )
        .await;
    let twice = app
        .gql(
            Some(&worker.access),
            RECORD,
            send(json!([{ "childId": child }, { "childId": child, "attended": false }])),
        )
        .await;
    let no_place = app
        .gql(
            Some(&worker.access),
            RECORD,
            json!({ "input": { "idempotencyKey": "no-place", "activity": {
                "kind": "TUTORING", "title": "t", "heldOn": "2026-01-05", "regionId": village,
            } } }),
        )
        .await;

    for response in [&both, &neither, &twice] {
        assert_eq!(response.code(), "BAD_USER_INPUT", "{:?}", response.body);
        assert_eq!(
            response.body["errors"][0]["extensions"]["field"],
            "input.activity.participants"
        );
    }
    assert_eq!(
        no_place.body["errors"][0]["extensions"]["field"],
        "input.activity.place"
    );
}

#[tokio::test]
async fn every_role_reaches_the_activity_operations_the_policy_allows() {
    let app = TestApp::spawn().await;
    reached_as_the_policy_says(
        &app,
        &[
            ("Query", "serviceActivities", "{ serviceActivities { edges { cursor } } }"),
            (
                "Mutation",
                "recordServiceActivity",
                "mutation { recordServiceActivity(input: {idempotencyKey: \"k\", activity: {kind: TUTORING, title: \"t\", heldOn: \"2026-01-05\", regionId: \"x\"}}) { replayed } }",
            ),
            (
                "Mutation",
                "correctServiceActivity",
                "mutation { correctServiceActivity(input: {id: \"x\", activity: {kind: TUTORING, title: \"t\", heldOn: \"2026-01-05\", regionId: \"x\"}}) { activity { id } } }",
            ),
        ],
    )
    .await;
}
