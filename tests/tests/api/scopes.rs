//! Row scopes: rows outside a role's scope never leave the database and read as not found.

use std::collections::HashSet;

use entity::{account, child, pairing};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp, uuid_of};

async fn visible_children(app: &TestApp, role: Role) -> Vec<Value> {
    let tokens = app.login_as(role).await;
    let mut all = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = app
            .gql(
                Some(&tokens.access),
                "query($after: String) { children(first: 100, after: $after) { edges { node { id residenceVillage { path } school { id } } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after }),
            )
            .await;
        let children = &page.data()["children"];
        all.extend(
            children["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"].clone()),
        );
        if children["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = children["pageInfo"]["endCursor"]
            .as_str()
            .map(str::to_owned);
    }
    all
}

#[tokio::test]
async fn a_teacher_sees_their_paired_children_only() {
    let app = TestApp::spawn().await;
    let teacher = account::Entity::find()
        .filter(account::Column::Username.eq("demo.teacher"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let paired: HashSet<uuid::Uuid> = pairing::Entity::find()
        .filter(pairing::Column::TeacherAccountId.eq(teacher.id))
        .filter(pairing::Column::EndedOn.is_null())
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.child_id)
        .collect();

    let seen: HashSet<uuid::Uuid> = visible_children(&app, Role::Teacher)
        .await
        .iter()
        .map(|c| uuid_of(&c["id"]))
        .collect();

    assert!(!paired.is_empty());
    assert_eq!(seen, paired);
}

#[tokio::test]
async fn a_child_director_sees_their_village_only() {
    let app = TestApp::spawn().await;

    let seen = visible_children(&app, Role::ChildDirector).await;

    assert!(!seen.is_empty());
    for child in seen {
        assert_eq!(
            child["residenceVillage"]["path"],
            "652700/652701/652701100/652701100201"
        );
    }
}

#[tokio::test]
async fn a_county_officer_sees_their_county_and_all_of_it() {
    let app = TestApp::spawn().await;
    let in_county = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652701/"))
        .all(&app.state.db)
        .await
        .unwrap()
        .len();

    let seen = visible_children(&app, Role::CivilAffairsOfficer).await;

    assert_eq!(seen.len(), in_county);
    for child in seen {
        assert!(
            child["residenceVillage"]["path"]
                .as_str()
                .unwrap()
                .starts_with("652700/652701/")
        );
    }
}

#[tokio::test]
async fn a_school_head_sees_the_schools_children() {
    let app = TestApp::spawn().await;
    let school = app
        .gql_as(
            Role::SchoolHead,
            "{ me { organization { id } } }",
            json!({}),
        )
        .await
        .data()["me"]["organization"]["id"]
        .clone();

    let seen = visible_children(&app, Role::SchoolHead).await;

    assert!(!seen.is_empty());
    for child in seen {
        assert_eq!(child["school"]["id"], school);
    }
}

#[tokio::test]
async fn an_admin_sees_no_child_and_a_health_worker_only_those_they_reported() {
    let app = TestApp::spawn().await;
    assert!(visible_children(&app, Role::Admin).await.is_empty());
    assert!(visible_children(&app, Role::HealthWorker).await.is_empty());
    let reported = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652701/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    use base64::Engine;
    let b64 = |kind: &str, id: uuid::Uuid| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
    };
    let village = entity::region::Entity::find_by_id(reported.residence_village_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // A hospital cannot see the ledger, so it reports a child by description; once the report
    // is linked to the child's ledger row, the health worker sees that child, and no other.
    let health = app.login_as(Role::HealthWorker).await;
    let submitted = app
        .gql(
            Some(&health.access),
            "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }",
            json!({ "input": {
                "idempotencyKey": "h-1",
                "category": "SUSPECTED_ACCIDENTAL_INJURY",
                "urgency": "URGENT",
                "narrative": "急诊收治，伤情可疑",
                "occurredAt": chrono::Utc::now().to_rfc3339(),
                "regionId": b64("Region", village.id),
                "childDescription": "女孩，约九岁",
            } }),
        )
        .await;
    assert!(submitted.body["errors"].is_null(), "{:?}", submitted.body);
    assert!(
        visible_children(&app, Role::HealthWorker).await.is_empty(),
        "a described child is not a ledger row"
    );

    let report_id = submitted.data()["submitReport"]["report"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(&report_id)
        .unwrap();
    let report_uuid: uuid::Uuid = String::from_utf8(raw)
        .unwrap()
        .split_once(':')
        .unwrap()
        .1
        .parse()
        .unwrap();
    entity::report::Entity::update_many()
        .col_expr(
            entity::report::Column::ChildId,
            sea_orm::sea_query::Expr::value(reported.id),
        )
        .filter(entity::report::Column::Id.eq(report_uuid))
        .exec(&app.state.db)
        .await
        .unwrap();

    let seen = visible_children(&app, Role::HealthWorker).await;
    assert_eq!(seen.len(), 1);
    assert_eq!(uuid_of(&seen[0]["id"]), reported.id);
}

#[tokio::test]
async fn a_social_worker_sees_granted_children_only_while_the_grant_lasts() {
    let app = TestApp::spawn().await;
    assert!(visible_children(&app, Role::SocialWorker).await.is_empty());
    let some_child = child::Entity::find()
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();

    crate::policy::grant(&app, some_child.id, "agency:652700:1").await;
    let granted = visible_children(&app, Role::SocialWorker).await;
    app.clock.advance(chrono::TimeDelta::days(2));
    let expired = visible_children(&app, Role::SocialWorker).await;

    assert_eq!(granted.len(), 1);
    assert_eq!(uuid_of(&granted[0]["id"]), some_child.id);
    assert!(expired.is_empty());
}

#[tokio::test]
async fn a_child_out_of_scope_reads_as_not_found() {
    let app = TestApp::spawn().await;
    let elsewhere = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652722/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    use base64::Engine;
    let id =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Child:{}", elsewhere.id));

    let by_child = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "query($id: ID!) { child(id: $id) { name } }",
            json!({ "id": id }),
        )
        .await;
    let by_node = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    let update = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "mutation($id: ID!) { markChildReviewed(input: {id: $id, version: 1}) { child { id } } }",
            json!({ "id": id }),
        )
        .await;

    assert_eq!(by_child.data()["child"], Value::Null);
    assert!(by_child.body["errors"].is_null());
    assert_eq!(by_node.data()["node"], Value::Null);
    assert_eq!(update.code(), "NOT_FOUND");
}

#[tokio::test]
async fn children_filters_narrow_within_the_scope() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::CivilAffairsOfficer).await;
    let query = "query($f: ChildFilter) { children(first: 100, filter: $f) { edges { node { age livingArrangement riskLevel name reviewDue } } } }";

    let young = app
        .gql(Some(&tokens.access), query, json!({ "f": { "maxAge": 6 } }))
        .await;
    let risky = app
        .gql(
            Some(&tokens.access),
            query,
            json!({ "f": { "riskLevels": ["MEDIUM"] } }),
        )
        .await;
    let named = app
        .gql(
            Some(&tokens.access),
            query,
            json!({ "f": { "nameContains": "小雨" } }),
        )
        .await;
    let due = app
        .gql(
            Some(&tokens.access),
            query,
            json!({ "f": { "notReviewedThisQuarter": true } }),
        )
        .await;

    let nodes = |r: &shouhu_tests::GqlResponse| -> Vec<Value> {
        r.data()["children"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"].clone())
            .collect()
    };
    assert!(!nodes(&young).is_empty());
    assert!(
        nodes(&young)
            .iter()
            .all(|c| c["age"].as_i64().unwrap() <= 6)
    );
    assert!(nodes(&risky).iter().all(|c| c["riskLevel"] == "MEDIUM"));
    assert!(
        nodes(&named)
            .iter()
            .all(|c| c["name"].as_str().unwrap().contains("小雨"))
    );
    assert!(nodes(&due).iter().all(|c| c["reviewDue"] == true));
}

#[tokio::test]
async fn children_page_in_every_order_without_overlap() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::ChildSupervisor).await;
    for order in ["NAME", "BIRTH_DATE", "REGISTERED"] {
        let mut seen = HashSet::new();
        let mut after: Option<String> = None;
        loop {
            let page = app
                .gql(
                    Some(&tokens.access),
                    "query($o: ChildOrder, $after: String) { children(first: 7, orderBy: $o, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }",
                    json!({ "o": order, "after": after }),
                )
                .await;
            let children = &page.data()["children"];
            for edge in children["edges"].as_array().unwrap() {
                assert!(
                    seen.insert(edge["node"]["id"].as_str().unwrap().to_owned()),
                    "{order}: twice"
                );
            }
            if children["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = children["pageInfo"]["endCursor"]
                .as_str()
                .map(str::to_owned);
        }
        assert_eq!(seen.len(), 4 * 24, "{order}: the township's children");
    }
}

#[tokio::test]
async fn nested_lists_cost_the_same_statements_for_5_or_50_children() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::CivilAffairsOfficer).await;
    let query = "query($n: Int) { children(first: $n) { edges { node { name school { name } residenceVillage { name } guardians { name phone } entrustmentAgreements { parents entrustedGuardian { name } } consents { purpose } } } } }";

    let mut costs = Vec::new();
    for n in [5, 50] {
        costs.push(
            app.statements_for(&tokens.access, query, json!({ "n": n }), "children", n)
                .await,
        );
    }

    assert_eq!(
        costs[0], costs[1],
        "statements for 5 and 50 children: {costs:?}"
    );
    assert!(costs[0] <= 8, "a small constant: {costs:?}");
    println!("statements per request for 5 or 50 children: {}", costs[0]);
}
