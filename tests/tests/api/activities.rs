//! Service activities: recorded by mass organizations, schools and agencies for the children
//! they may see, listed in the unit's region with the children served.

use chrono::{TimeDelta, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens};

const RECORD: &str = "mutation($input: RecordServiceActivityInput!) { recordServiceActivity(input: $input) { activity { id kind title children { id } provider { kind } } } }";

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

fn input(region: &Value, children: &[Value]) -> Value {
    json!({
        "kind": "HOLIDAY_CLASS",
        "title": "红星村假期小课堂",
        "heldOn": (Utc::now() - TimeDelta::days(1)).date_naive().to_string(),
        "place": "村委会活动室",
        "regionId": region,
        "childIds": children,
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
        "input.childIds"
    );
    assert_eq!(
        away.body["errors"][0]["extensions"]["field"],
        "input.regionId"
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
