//! Children's contact with their parents working away: recorded by those who help, flagged
//! after 30 days without, and listed for the teacher's and the child director's home screens.

use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, Tokens};

use crate::policy::reached_as_the_policy_says;

const RECORD: &str = "mutation($input: RecordParentContactInput!) { recordParentContact(input: $input) { \
    contact { method facilitatedBy recordedBy organization { code } guardian { name } } \
    child { lastParentContactAt parentContactOverdue } replayed } }";

/// One of the teacher's paired children not in touch with a parent for 30 days, its guardian
/// working away and one at home.
async fn paired_child_and_parents(app: &TestApp, teacher: &Tokens) -> (Value, Value, Value) {
    let children = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1, noParentContactInDays: 30) { edges { node { id guardians { id workLocation } } } } }",
            json!({}),
        )
        .await;
    let child = children.data()["myPairedChildren"]["edges"][0]["node"].clone();
    let guardians = child["guardians"].as_array().unwrap();
    let away = guardians
        .iter()
        .find(|g| !g["workLocation"].is_null())
        .unwrap()["id"]
        .clone();
    let home = guardians
        .iter()
        .find(|g| g["workLocation"].is_null())
        .unwrap()["id"]
        .clone();
    (child["id"].clone(), away, home)
}

fn contact(key: &str, child: &Value, guardian: &Value, at: chrono::DateTime<Utc>) -> Value {
    json!({ "input": {
        "idempotencyKey": key,
        "childId": child,
        "guardianId": guardian,
        "contactedAt": at.to_rfc3339(),
        "method": "VIDEO",
        "facilitatedBy": "SCHOOL",
        "note": "在学校用视频和妈妈通话",
    } })
}

#[tokio::test]
async fn a_contact_with_a_parent_away_clears_the_flag_until_thirty_days_pass() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let (child, away, home) = paired_child_and_parents(&app, &teacher).await;
    let silent =
        "{ myPairedChildren(noParentContactInDays: 30) { totalCount edges { node { id } } } }";
    let before = app.gql(Some(&teacher.access), silent, json!({})).await;
    let all_silent = before.data()["myPairedChildren"]["totalCount"]
        .as_i64()
        .unwrap();

    let yesterday = Utc::now() - TimeDelta::days(1);
    let recorded = app
        .gql(
            Some(&teacher.access),
            RECORD,
            contact("pc-1", &child, &away, yesterday),
        )
        .await;
    let retried = app
        .gql(
            Some(&teacher.access),
            RECORD,
            contact("pc-1", &child, &away, yesterday),
        )
        .await;
    let at_home = app
        .gql(
            Some(&teacher.access),
            RECORD,
            contact("pc-2", &child, &home, Utc::now()),
        )
        .await;
    let future = app
        .gql(
            Some(&teacher.access),
            RECORD,
            contact("pc-3", &child, &away, Utc::now() + TimeDelta::days(2)),
        )
        .await;
    let after = app.gql(Some(&teacher.access), silent, json!({})).await;

    let payload = &recorded.data()["recordParentContact"];
    assert_eq!(payload["replayed"], false, "{:?}", recorded.body);
    assert_eq!(payload["contact"]["method"], "VIDEO");
    assert_eq!(payload["contact"]["facilitatedBy"], "SCHOOL");
    assert_eq!(
        payload["contact"]["organization"]["code"],
        "school:652701100"
    );
    assert!(payload["contact"]["recordedBy"].is_string());
    assert_eq!(payload["child"]["parentContactOverdue"], false);
    assert_eq!(retried.data()["recordParentContact"]["replayed"], true);
    assert_eq!(at_home.code(), "BAD_USER_INPUT");
    assert_eq!(
        at_home.body["errors"][0]["extensions"]["field"],
        "input.guardianId"
    );
    assert_eq!(
        future.body["errors"][0]["extensions"]["field"],
        "input.contactedAt"
    );
    assert_eq!(
        after.data()["myPairedChildren"]["totalCount"]
            .as_i64()
            .unwrap(),
        all_silent - 1,
        "the child is no longer among the silent ones"
    );

    // Thirty days on, without another contact, the flag is back.
    app.clock.advance(TimeDelta::days(31));
    let later = app
        .gql(
            Some(&teacher.access),
            "query($id: ID!) { child(id: $id) { lastParentContactAt parentContactOverdue parentContacts { method } } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(
        later.data()["child"]["parentContactOverdue"],
        true,
        "{:?}",
        later.body
    );
    assert_eq!(
        later.data()["child"]["parentContacts"],
        json!([{ "method": "VIDEO" }])
    );
    // And every child is among the silent ones, the demo's calls home being older still.
    let silent_again = app.gql(Some(&teacher.access), silent, json!({})).await;
    let paired = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren { totalCount } }",
            json!({}),
        )
        .await;
    assert!(
        all_silent
            < paired.data()["myPairedChildren"]["totalCount"]
                .as_i64()
                .unwrap()
    );
    assert_eq!(
        silent_again.data()["myPairedChildren"]["totalCount"],
        paired.data()["myPairedChildren"]["totalCount"]
    );
}

#[tokio::test]
async fn the_child_directors_home_screen_counts_its_children_without_contact() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let query = "query($d: Int) { children(filter: {noParentContactInDays: $d}) { totalCount } }";

    let all = app
        .gql(
            Some(&director.access),
            "{ children { totalCount } }",
            json!({}),
        )
        .await;
    let silent = app
        .gql(Some(&director.access), query, json!({ "d": 30 }))
        .await;
    let wrong = app
        .gql(Some(&director.access), query, json!({ "d": 0 }))
        .await;
    let analyst = app
        .gql_as(
            Role::Analyst,
            "{ childStatistics(level: COUNTY) { total } }",
            json!({}),
        )
        .await;
    let police = app
        .gql_as(Role::PoliceOfficer, query, json!({ "d": 30 }))
        .await;

    let all = all.data()["children"]["totalCount"].as_i64().unwrap();
    let silent = silent.data()["children"]["totalCount"].as_i64().unwrap();
    assert!(silent > 0 && silent <= all, "{silent} of {all}");
    assert_eq!(wrong.code(), "BAD_USER_INPUT");
    assert_eq!(
        wrong.body["errors"][0]["extensions"]["field"],
        "filter.noParentContactInDays"
    );
    assert!(analyst.codes().is_empty());
    assert_eq!(
        police.code(),
        "FORBIDDEN",
        "the police do not read parents' contact"
    );
}

#[tokio::test]
async fn a_childs_contacts_come_newest_first_a_bounded_page_at_the_same_cost_for_1_or_3() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let (child, away, _) = paired_child_and_parents(&app, &teacher).await;
    for (key, days) in [("older", 3), ("newer", 1)] {
        let recorded = app
            .gql(
                Some(&teacher.access),
                RECORD,
                contact(key, &child, &away, Utc::now() - TimeDelta::days(days)),
            )
            .await;
        assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    }
    let read =
        "query($id: ID!, $n: Int) { child(id: $id) { parentContacts(first: $n) { contactedAt } } }";

    let one = app
        .gql(Some(&teacher.access), read, json!({ "id": child, "n": 1 }))
        .await;
    let all = app
        .gql(Some(&teacher.access), read, json!({ "id": child }))
        .await;
    let too_many = app
        .gql(
            Some(&teacher.access),
            read,
            json!({ "id": child, "n": 101 }),
        )
        .await;
    let list = "query($n: Int) { myPairedChildren(first: $n) { edges { node { parentContacts(first: 2) { method note } } } } }";
    let for_one = app
        .statements_for(
            &teacher.access,
            list,
            json!({ "n": 1 }),
            "myPairedChildren",
            1,
        )
        .await;
    let for_three = app
        .statements_for(
            &teacher.access,
            list,
            json!({ "n": 3 }),
            "myPairedChildren",
            3,
        )
        .await;

    let newest = &all.data()["child"]["parentContacts"];
    assert_eq!(newest.as_array().map(Vec::len), Some(2), "{:?}", all.body);
    assert!(newest[0]["contactedAt"].as_str() > newest[1]["contactedAt"].as_str());
    assert_eq!(one.data()["child"]["parentContacts"], json!([newest[0]]));
    assert_eq!(too_many.code(), "BAD_USER_INPUT");
    assert_eq!(for_one, for_three, "statements for 1 and 3 children");
}

#[tokio::test]
async fn every_role_records_parent_contacts_as_the_policy_allows() {
    let app = TestApp::spawn().await;
    reached_as_the_policy_says(
        &app,
        &[(
            "Mutation",
            "recordParentContact",
            "mutation { recordParentContact(input: {idempotencyKey: \"k\", childId: \"x\", guardianId: \"x\", contactedAt: \"2026-01-01T00:00:00Z\", method: PHONE, facilitatedBy: VILLAGE}) { replayed } }",
        )],
    )
    .await;
}
