//! `totalCount` on connections: the rows of the whole list, in the caller's scope and under the
//! list's filters, as many as paging through it yields; counted in one statement, and only
//! when selected.

use sea_orm::Iterable;
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

/// Pages through `children` under `filter`, 100 rows at a time: the `totalCount` of its pages
/// (every page must say the same), and the rows all its pages held; `None` when the role may
/// not list children.
async fn count_and_page(app: &TestApp, token: &str, filter: Value) -> Option<(i64, usize)> {
    let list = "children";
    let query = "query($after: String, $filter: ChildFilter) { children(first: 100, after: $after, \
                 filter: $filter) { totalCount edges { node { id } } pageInfo { hasNextPage \
                 endCursor } } }";
    let mut after = Value::Null;
    let mut total = None;
    let mut rows = 0;
    loop {
        let variables = json!({ "after": after, "filter": filter });
        let response = app.gql(Some(token), query, variables).await;
        if response.code() == "FORBIDDEN" {
            return None;
        }
        let page = &response.data()[list];
        assert!(page.is_object(), "{:?}", response.body);
        let counted = page["totalCount"].as_i64().unwrap();
        assert_eq!(
            *total.get_or_insert(counted),
            counted,
            "every page counts alike"
        );
        rows += page["edges"].as_array().unwrap().len();
        if page["pageInfo"]["hasNextPage"] != true {
            return total.map(|total| (total, rows));
        }
        after = page["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn every_role_counts_the_children_it_can_page_through() {
    let app = TestApp::spawn().await;

    let mut counted = Vec::new();
    for role in Role::iter() {
        let token = app.login_as(role).await.access;
        let children = count_and_page(&app, &token, Value::Null).await;
        counted.push((role, children));
    }

    let mut listing = 0;
    for (role, children) in counted {
        if let Some((total, rows)) = children {
            assert_eq!(total, i64::try_from(rows).unwrap(), "{role:?}");
            listing += 1;
        }
    }
    assert!(listing >= 5, "roles that list children: {listing}");
}

#[tokio::test]
async fn a_filtered_list_counts_its_filtered_rows() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let (all, _) = count_and_page(&app, &token, Value::Null).await.unwrap();
    let (grandparents, grandparents_rows) = count_and_page(
        &app,
        &token,
        json!({ "livingArrangements": ["WITH_GRANDPARENTS"] }),
    )
    .await
    .unwrap();
    let (none, _) = count_and_page(
        &app,
        &token,
        json!({ "nameContains": "no child is named this" }),
    )
    .await
    .unwrap();

    assert_eq!(grandparents, i64::try_from(grandparents_rows).unwrap());
    assert!(
        0 < grandparents && grandparents < all,
        "{grandparents} of {all}"
    );
    assert_eq!(none, 0);
}

#[tokio::test]
async fn a_nested_list_counts_its_parents_rows() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::ChildDirector).await.access;

    let response = app
        .gql(
            Some(&token),
            "{ children(first: 10) { edges { node { id \
               counted: visits(first: 1) { totalCount } \
               all: visits(first: 100) { edges { node { id } } pageInfo { hasNextPage } } } } } }",
            json!({}),
        )
        .await;

    let edges = response.data()["children"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty(), "{:?}", response.body);
    let mut with_visits = 0;
    for edge in edges {
        let node = &edge["node"];
        assert_eq!(node["all"]["pageInfo"]["hasNextPage"], false);
        let rows = node["all"]["edges"].as_array().unwrap().len();
        assert_eq!(node["counted"]["totalCount"], json!(rows), "{node}");
        with_visits += usize::from(rows > 0);
    }
    assert!(with_visits > 0, "some child has visits");
}

#[tokio::test]
async fn counting_costs_one_statement_and_only_when_asked() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let page = "edges { node { id name } } pageInfo { hasNextPage }";

    let plain = app
        .statements_for(
            &token,
            &format!("{{ children(first: 20) {{ {page} }} }}"),
            json!({}),
            "children",
            20,
        )
        .await;
    let counted = app
        .statements_for(
            &token,
            &format!("{{ children(first: 20) {{ totalCount {page} }} }}"),
            json!({}),
            "children",
            20,
        )
        .await;

    assert_eq!(counted, plain + 1);
}

#[tokio::test]
async fn the_counts_of_a_list_inside_every_record_cost_one_statement() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let query = |visits: &str| {
        format!(
            "{{ children(first: 50) {{ edges {{ node {{ id visits(first: 2) {{ {visits} }} }} }} }} }}"
        )
    };

    let plain = app
        .statements_for(
            &token,
            &query("edges { node { id } }"),
            json!({}),
            "children",
            50,
        )
        .await;
    let counted = app
        .statements_for(
            &token,
            &query("totalCount edges { node { id } }"),
            json!({}),
            "children",
            50,
        )
        .await;
    let twice = app
        .statements_for(
            &token,
            "{ children(first: 50) { edges { node { id \
               a: visits(first: 2) { totalCount } b: visits(first: 5) { totalCount } } } } }",
            json!({}),
            "children",
            50,
        )
        .await;

    assert_eq!(counted, plain + 1, "50 children's visits counted together");
    assert_eq!(
        twice,
        plain + 2,
        "two pages of each child's visits, one count"
    );
}
