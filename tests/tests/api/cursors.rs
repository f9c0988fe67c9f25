//! Cursors, tried as an attacker would: every list every role may read, paged to its end with
//! every order the role may use, and every cursor decoded (base64, then JSON). No cursor may
//! carry a name or a birth date, and none may be made, altered or carried to another account
//! or another list.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::child;
use sea_orm::{EntityTrait, Iterable};
use serde_json::{Value, json};
use shouhu::policy::Level;
use shouhu_tests::{Role, TestApp, Tokens};

/// The root lists, each with a selection that names a row.
const LISTS: [(&str, &str); 13] = [
    (
        "children",
        "children(first: 100, after: $after, orderBy: $order)",
    ),
    ("organizations", "organizations(first: 100, after: $after)"),
    ("visits", "visits(first: 100, after: $after)"),
    ("reports", "reports(first: 100, after: $after)"),
    ("assignments", "assignments(first: 100, after: $after)"),
    ("dropoutCases", "dropoutCases(first: 100, after: $after)"),
    (
        "serviceActivities",
        "serviceActivities(first: 100, after: $after)",
    ),
    ("serviceItems", "serviceItems(first: 100, after: $after)"),
    ("assessments", "assessments(first: 100, after: $after)"),
    ("accessGrants", "accessGrants(first: 100, after: $after)"),
    (
        "breakGlassAccesses",
        "breakGlassAccesses(first: 100, after: $after)",
    ),
    (
        "myPairedChildren",
        "myPairedChildren(first: 100, after: $after)",
    ),
    (
        "unpairedChildren",
        "unpairedChildren(first: 100, after: $after)",
    ),
];

/// Every cursor of a list, paged to the end (`order` only for `children`).
async fn all_cursors(
    app: &TestApp,
    tokens: &Tokens,
    list: &str,
    call: &str,
    order: Option<&str>,
) -> Vec<String> {
    let declared = if list == "children" {
        "query($after: String, $order: ChildOrder)"
    } else {
        "query($after: String)"
    };
    let query = format!(
        "{declared} {{ {call} {{ edges {{ cursor }} pageInfo {{ hasNextPage endCursor }} }} }}"
    );
    let mut cursors = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..50 {
        let response = app
            .gql(
                Some(&tokens.access),
                &query,
                json!({ "after": after, "order": order }),
            )
            .await;
        assert!(
            response.body["errors"].is_null(),
            "{list} {order:?}: {:?}",
            response.body
        );
        let page = &response.data()[list];
        for edge in page["edges"].as_array().unwrap() {
            cursors.push(edge["cursor"].as_str().unwrap().to_owned());
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }
    cursors
}

#[tokio::test]
async fn no_cursor_of_any_list_carries_a_value_for_any_role() {
    let app = TestApp::spawn().await;
    let policy = app.state.policy.clone();
    let children = child::Entity::find().all(&app.state.db).await.unwrap();
    let secrets: Vec<String> = children
        .iter()
        .flat_map(|c| [c.name.clone(), c.birth_date.to_string()])
        .collect();
    let mut report = Vec::new();
    for role in Role::iter() {
        let tokens = app.login_as(role).await;
        let mut decoded = 0;
        for (list, call) in LISTS {
            if policy.level("Query", list, Some(role)) == Level::None {
                continue;
            }
            let orders: Vec<Option<&str>> = if list == "children" {
                ["NAME", "BIRTH_DATE", "REGISTERED"]
                    .into_iter()
                    .filter(|o| policy.may_order_by(role, "ChildOrder", o))
                    .map(Some)
                    .collect()
            } else {
                vec![None]
            };
            for order in orders {
                for cursor in all_cursors(&app, &tokens, list, call, order).await {
                    let bytes = URL_SAFE_NO_PAD
                        .decode(cursor.as_bytes())
                        .expect("a cursor is URL-safe base64");
                    assert!(
                        serde_json::from_slice::<Value>(&bytes).is_err(),
                        "{role:?} {list}: a cursor decodes to JSON"
                    );
                    let text = String::from_utf8_lossy(&bytes);
                    if let Some(secret) = secrets.iter().find(|s| text.contains(s.as_str())) {
                        panic!("{role:?} {list}: a cursor carries {secret}");
                    }
                    decoded += 1;
                }
            }
        }
        report.push(format!("{role:?}: {decoded}"));
    }
    eprintln!("cursors decoded per role: {}", report.join(", "));
}

async fn first_page(app: &TestApp, token: &str, query: &str) -> shouhu_tests::GqlResponse {
    app.gql(Some(token), query, json!({})).await
}

#[tokio::test]
async fn an_altered_made_or_carried_cursor_is_refused_on_after() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let director = app.login_as(Role::ChildDirector).await;
    let page = first_page(
        &app,
        &officer.access,
        "{ children(first: 2, orderBy: REGISTERED) { pageInfo { endCursor } } }",
    )
    .await;
    let cursor = page.data()["children"]["pageInfo"]["endCursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut altered = cursor.clone().into_bytes();
    altered[30] = if altered[30] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let made = URL_SAFE_NO_PAD.encode(br#"{"Id":"019b0000-0000-7000-8000-000000000000"}"#);
    let children = "query($a: String) { children(first: 2, after: $a, orderBy: REGISTERED) { edges { node { id } } } }";
    let organizations =
        "query($a: String) { organizations(first: 2, after: $a) { edges { node { id } } } }";

    let own = app
        .gql(Some(&officer.access), children, json!({ "a": cursor }))
        .await;
    assert!(own.body["errors"].is_null(), "{:?}", own.body);
    for (case, token, query, after) in [
        ("altered", &officer.access, children, &altered),
        ("made by hand", &officer.access, children, &made),
        ("another account's", &director.access, children, &cursor),
        ("another list's", &officer.access, organizations, &cursor),
    ] {
        let refused = app.gql(Some(token), query, json!({ "a": after })).await;
        assert_eq!(
            refused.code(),
            "BAD_USER_INPUT",
            "{case}: {:?}",
            refused.body
        );
        assert_eq!(
            refused.body["errors"][0]["extensions"]["field"], "after",
            "{case}"
        );
    }
}

#[tokio::test]
async fn a_nested_list_seals_its_cursors_too() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let page = first_page(
        &app,
        &director.access,
        "{ children(first: 5) { edges { node { visits(first: 1) { edges { cursor } pageInfo { endCursor } } } } } }",
    )
    .await;
    let mut seen = 0;
    for edge in page.data()["children"]["edges"].as_array().unwrap() {
        for visit in edge["node"]["visits"]["edges"].as_array().unwrap() {
            let bytes = URL_SAFE_NO_PAD
                .decode(visit["cursor"].as_str().unwrap())
                .unwrap();
            assert!(serde_json::from_slice::<Value>(&bytes).is_err());
            seen += 1;
        }
    }
    assert!(seen > 0, "the demo village's children have visits");
}

#[tokio::test]
async fn a_cursor_of_one_childs_visits_is_refused_in_anothers() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let page = first_page(
        &app,
        &director.access,
        "{ children(first: 50) { edges { node { id visits(first: 1) { pageInfo { endCursor } } } } } }",
    )
    .await;
    let with_visits: Vec<(Value, String)> = page.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let cursor = e["node"]["visits"]["pageInfo"]["endCursor"].as_str()?;
            Some((e["node"]["id"].clone(), cursor.to_owned()))
        })
        .collect();
    assert!(with_visits.len() >= 2, "two village children with visits");
    let (first_child, cursor) = &with_visits[0];
    let (other_child, _) = &with_visits[1];
    let visits = "query($id: ID!, $a: String) { child(id: $id) { visits(first: 5, after: $a) { edges { cursor } } } }";
    let roots = "query($a: String) { visits(first: 5, after: $a) { edges { cursor } } }";

    let own = app
        .gql(
            Some(&director.access),
            visits,
            json!({ "id": first_child, "a": cursor }),
        )
        .await;
    let other = app
        .gql(
            Some(&director.access),
            visits,
            json!({ "id": other_child, "a": cursor }),
        )
        .await;
    let at_the_root = app
        .gql(Some(&director.access), roots, json!({ "a": cursor }))
        .await;

    assert!(own.body["errors"].is_null(), "{:?}", own.body);
    assert_eq!(other.code(), "BAD_USER_INPUT", "{:?}", other.body);
    assert_eq!(other.body["errors"][0]["extensions"]["field"], "after");
    assert_eq!(at_the_root.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_pages_start_and_end_cursors_are_its_first_and_last_edges_cursors() {
    let app = TestApp::spawn().await;

    let page = app
        .gql_as(
            Role::ChildSupervisor,
            "{ children(first: 3) { edges { cursor again: cursor } pageInfo { startCursor endCursor } } }",
            json!({}),
        )
        .await;

    let list = &page.data()["children"];
    let edges = list["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3, "{:?}", page.body);
    for edge in edges {
        assert_eq!(edge["cursor"], edge["again"]);
    }
    assert_eq!(list["pageInfo"]["startCursor"], edges[0]["cursor"]);
    assert_eq!(list["pageInfo"]["endCursor"], edges[2]["cursor"]);
}
