//! Quarterly submissions of the ledger (每季度报送): a township's first submission holds every
//! child, the next only those registered, changed or closed since, downloaded in the national
//! form with how each changed; numbered per region; refused to roles without the right and
//! not found outside the jurisdiction.

use chrono::TimeDelta;
use serde_json::{Value, json};
use shouhu::clock::Clock;
use shouhu_tests::{Role, TestApp, gid};

use crate::ledger::{REGISTER, form};

const SUBMIT: &str = "mutation($region: ID!) { submitLedger(input: {regionId: $region}) { \
    submission { id sequence since until newRecords changedRecords closedRecords \
    region { code } } } }";

/// The demo township (the supervisor's) and its path.
const TOWNSHIP: &str = "652701100";
const TOWNSHIP_PATH: &str = "652700/652701/652701100";

async fn submit(app: &TestApp, role: Role, region: &Value) -> shouhu_tests::GqlResponse {
    app.gql_as(role, SUBMIT, json!({ "region": region })).await
}

/// The submission's CSV as `role` downloads it: the status and, when 200, its rows (headings
/// first).
async fn download(app: &TestApp, role: Role, submission: &Value) -> (u16, Vec<Vec<String>>) {
    let token = app.login_as(role).await.access;
    let response = app
        .client
        .get(format!("{}/exports/ledger.csv", app.address))
        .query(&[("submissionId", submission.as_str().unwrap())])
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap();
    if status != 200 {
        return (status, Vec::new());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&body[3..]);
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (status, rows)
}

#[tokio::test]
async fn a_townships_submission_holds_what_was_registered_changed_or_closed_since_the_last() {
    let app = TestApp::spawn().await;
    let township = app.region_id(TOWNSHIP).await;
    let children = {
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        entity::child::Entity::find()
            .filter(entity::child::Column::RegionPath.starts_with(format!("{TOWNSHIP_PATH}/")))
            .count(&app.state.db)
            .await
            .unwrap()
    };

    let first = submit(&app, Role::ChildSupervisor, &township).await;
    let first = first.data()["submitLedger"]["submission"].clone();
    assert_eq!(first["sequence"], 1, "{first:?}");
    assert_eq!(first["since"], Value::Null);
    assert_eq!(first["newRecords"], json!(children));
    assert_eq!(first["region"]["code"], TOWNSHIP);

    // A quarter later: one child registered, one changed, one no longer followed.
    app.clock.advance(TimeDelta::days(90));
    let registered = app
        .gql_as(
            Role::ChildDirector,
            REGISTER,
            json!({ "input": form(&app, 431).await }),
        )
        .await;
    assert!(registered.body["errors"].is_null(), "{:?}", registered.body);
    // Two of the children the first submission held.
    let held: Vec<Value> = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        entity::child::Entity::find()
            .filter(entity::child::Column::RegionPath.starts_with(format!("{TOWNSHIP_PATH}/")))
            .filter(entity::child::Column::CreatedAt.lt(app.clock.now() - TimeDelta::days(1)))
            .order_by_asc(entity::child::Column::Id)
            .all(&app.state.db)
            .await
            .unwrap()
            .into_iter()
            .take(2)
            .map(|c| json!({ "id": gid("Child", c.id), "name": c.name, "version": c.version }))
            .collect()
    };
    let (changed, closed) = (&held[0], &held[1]);
    let updated = app
        .gql_as(
            Role::ChildSupervisor,
            "mutation($id: ID!, $v: Int!) { updateChild(input: {id: $id, version: $v, \
             grade: \"五年级\"}) { child { version } } }",
            json!({ "id": changed["id"], "v": changed["version"] }),
        )
        .await;
    assert!(updated.body["errors"].is_null(), "{:?}", updated.body);
    let today = (app.clock.now() + TimeDelta::hours(8)).date_naive();
    let ended = app
        .gql_as(
            Role::ChildSupervisor,
            "mutation($id: ID!, $v: Int!, $d: NaiveDate!) { changeChildStatus(input: {id: $id, \
             version: $v, status: PARENTS_RETURNED, reason: \"父母返乡\", effectiveOn: $d}) { \
             child { status } } }",
            json!({ "id": closed["id"], "v": closed["version"], "d": today }),
        )
        .await;
    assert!(ended.body["errors"].is_null(), "{:?}", ended.body);

    let second = submit(&app, Role::ChildSupervisor, &township).await;
    let second = second.data()["submitLedger"]["submission"].clone();
    assert_eq!(second["sequence"], 2, "{second:?}");
    assert_eq!(second["since"], first["until"]);
    assert_eq!(
        [
            &second["newRecords"],
            &second["changedRecords"],
            &second["closedRecords"]
        ],
        [&json!(1), &json!(1), &json!(1)]
    );

    // The file: how each changed first, then the form; the same after further changes.
    let (status, rows) = download(&app, Role::ChildSupervisor, &second["id"]).await;
    assert_eq!(status, 200);
    assert_eq!(rows[0][0], "变动类型");
    assert_eq!(rows[0][1], "姓名");
    let mut found: Vec<(String, String)> = rows[1..]
        .iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    found.sort();
    let mut expected = vec![
        ("新增".to_owned(), "测试女孩".to_owned()),
        (
            "变更".to_owned(),
            changed["name"].as_str().unwrap().to_owned(),
        ),
        (
            "注销".to_owned(),
            closed["name"].as_str().unwrap().to_owned(),
        ),
    ];
    expected.sort();
    assert_eq!(found, expected);
    let again = app
        .gql_as(
            Role::ChildSupervisor,
            "mutation($id: ID!, $v: Int!) { updateChild(input: {id: $id, version: $v, \
             grade: \"六年级\"}) { child { version } } }",
            json!({ "id": changed["id"], "v": updated.data()["updateChild"]["child"]["version"] }),
        )
        .await;
    assert!(again.body["errors"].is_null(), "{:?}", again.body);
    let (_, rows_again) = download(&app, Role::ChildSupervisor, &second["id"]).await;
    assert_eq!(rows_again.len(), rows.len());

    let listed = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "query($r: ID) { ledgerSubmissions(regionId: $r) { id sequence } }",
            json!({ "r": township }),
        )
        .await;
    assert_eq!(
        listed.data()["ledgerSubmissions"],
        json!([
            { "id": second["id"], "sequence": 2 },
            { "id": first["id"], "sequence": 1 },
        ])
    );
    let node = app
        .gql_as(
            Role::ChildSupervisor,
            "query($id: ID!) { node(id: $id) { ... on LedgerSubmission { sequence } } }",
            json!({ "id": second["id"] }),
        )
        .await;
    assert_eq!(node.data()["node"]["sequence"], 2, "{:?}", node.body);
}

#[tokio::test]
async fn submissions_are_refused_to_roles_without_the_right_and_not_found_outside_the_jurisdiction()
{
    let app = TestApp::spawn().await;
    let township = app.region_id(TOWNSHIP).await;
    let submitted = submit(&app, Role::ChildSupervisor, &township).await;
    let id = submitted.data()["submitLedger"]["submission"]["id"].clone();

    for role in [Role::PoliceOfficer, Role::Analyst, Role::Teacher] {
        assert_eq!(
            submit(&app, role, &township).await.code(),
            "FORBIDDEN",
            "{role:?}"
        );
        assert_eq!(download(&app, role, &id).await.0, 403, "{role:?}");
    }
    // Nor may a role that reads the children but not the submissions filter by one.
    for role in [
        Role::PoliceOfficer,
        Role::WomensFederationWorker,
        Role::SchoolHead,
    ] {
        let filtered = app
            .gql_as(
                role,
                "query($s: ID) { children(first: 5, filter: {submissionId: $s}) { totalCount } }",
                json!({ "s": id }),
            )
            .await;
        assert_eq!(
            filtered.code(),
            "FORBIDDEN",
            "{role:?}: {:?}",
            filtered.body
        );
    }
    // The village's director: the township lies outside the village.
    let outside = submit(&app, Role::ChildDirector, &township).await;
    assert_eq!(outside.code(), "BAD_USER_INPUT");
    assert_eq!(
        outside.body["errors"][0]["extensions"]["field"],
        "input.regionId"
    );
    assert_eq!(download(&app, Role::ChildDirector, &id).await.0, 404);
    let listed = app
        .gql_as(
            Role::ChildDirector,
            "{ ledgerSubmissions { id } }",
            json!({}),
        )
        .await;
    assert_eq!(listed.data()["ledgerSubmissions"], json!([]));
    let node = app
        .gql_as(
            Role::ChildDirector,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node.data()["node"], Value::Null, "{:?}", node.body);
    let filtered = app
        .gql_as(
            Role::ChildDirector,
            "query($s: ID) { children(first: 5, filter: {submissionId: $s}) { totalCount } }",
            json!({ "s": id }),
        )
        .await;
    assert_eq!(filtered.data()["children"]["totalCount"], 0);
}

#[tokio::test]
async fn a_change_committed_while_a_submission_was_made_goes_into_the_next_one() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};
    let app = TestApp::spawn().await;
    let township = app.region_id(TOWNSHIP).await;
    let first = submit(&app, Role::ChildSupervisor, &township).await;
    assert!(first.body["errors"].is_null(), "{:?}", first.body);

    // An update that began before the submission and committed after it: its record carries
    // a time from before the submission, and a version the submission did not see.
    let db = &app.state.db;
    let late = entity::child::Entity::find()
        .filter(entity::child::Column::RegionPath.starts_with(format!("{TOWNSHIP_PATH}/")))
        .order_by_asc(entity::child::Column::Id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    entity::child::Entity::update_many()
        .col_expr(
            entity::child::Column::Version,
            Expr::value(late.version + 1),
        )
        .col_expr(
            entity::child::Column::UpdatedAt,
            Expr::value(app.clock.now() - TimeDelta::minutes(5)),
        )
        .filter(entity::child::Column::Id.eq(late.id))
        .exec(db)
        .await
        .unwrap();

    let second = submit(&app, Role::ChildSupervisor, &township).await;
    let second = &second.data()["submitLedger"]["submission"];
    assert_eq!(second["changedRecords"], 1, "{second:?}");
    assert_eq!(second["newRecords"], 0);
    let held = app
        .gql_as(
            Role::ChildSupervisor,
            "query($s: ID) { children(first: 5, filter: {submissionId: $s}) { edges { node { id } } } }",
            json!({ "s": second["id"] }),
        )
        .await;
    assert_eq!(
        held.data()["children"]["edges"],
        json!([{ "node": { "id": gid("Child", late.id) } }])
    );
    // Nothing changed since: the third holds nothing.
    let third = submit(&app, Role::ChildSupervisor, &township).await;
    let third = &third.data()["submitLedger"]["submission"];
    assert_eq!(
        [
            &third["newRecords"],
            &third["changedRecords"],
            &third["closedRecords"]
        ],
        [&json!(0), &json!(0), &json!(0)]
    );
}

#[tokio::test]
async fn a_guardian_edited_or_added_puts_the_child_into_the_next_submission_as_changed() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let app = TestApp::spawn().await;
    let township = app.region_id(TOWNSHIP).await;
    let first = submit(&app, Role::ChildSupervisor, &township).await;
    assert!(first.body["errors"].is_null(), "{:?}", first.body);

    // Two children of the director's village: one's guardian is edited, the other gets a new
    // guardian.
    let village = format!("{TOWNSHIP_PATH}/652701100201");
    let children = entity::child::Entity::find()
        .filter(entity::child::Column::RegionPath.eq(village.as_str()))
        .order_by_asc(entity::child::Column::Id)
        .all(&app.state.db)
        .await
        .unwrap();
    let links = entity::child_guardian::Entity::find()
        .filter(entity::child_guardian::Column::EndedAt.is_null())
        .all(&app.state.db)
        .await
        .unwrap();
    let (edited_child, link) = children
        .iter()
        .find_map(|c| links.iter().find(|l| l.child_id == c.id).map(|l| (c, l)))
        .expect("a child of the village with a guardian");
    let added_to = children
        .iter()
        .find(|c| c.id != edited_child.id)
        .expect("another child of the village");
    let guardian = entity::guardian::Entity::find_by_id(link.guardian_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // Every child the edited guardian is linked to changes on the form.
    let mut expected: Vec<uuid::Uuid> = links
        .iter()
        .filter(|l| l.guardian_id == guardian.id)
        .map(|l| l.child_id)
        .collect();
    expected.push(added_to.id);
    expected.sort();
    expected.dedup();

    let edited = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!, $v: Int!, $name: String!) { updateGuardian(input: {id: $id, \
             version: $v, guardian: {name: $name, phone: \"13900000001\"}}) { guardian { phone } } }",
            json!({ "id": gid("Guardian", guardian.id), "v": guardian.version, "name": guardian.name }),
        )
        .await;
    assert!(edited.body["errors"].is_null(), "{:?}", edited.body);
    let added = app
        .gql_as(
            Role::ChildDirector,
            "mutation($input: AddGuardianInput!) { addGuardian(input: $input) { guardian { id } } }",
            json!({ "input": { "childId": gid("Child", added_to.id), "relation": "OTHER_RELATIVE", "guardian": { "name": "王阿姨", "phone": "13912340000" } } }),
        )
        .await;
    assert!(added.body["errors"].is_null(), "{:?}", added.body);

    let second = submit(&app, Role::ChildSupervisor, &township).await;
    let second = second.data()["submitLedger"]["submission"].clone();
    assert_eq!(
        [
            &second["newRecords"],
            &second["changedRecords"],
            &second["closedRecords"]
        ],
        [&json!(0), &json!(expected.len()), &json!(0)],
        "{second:?}"
    );
    let (status, rows) = download(&app, Role::ChildSupervisor, &second["id"]).await;
    assert_eq!(status, 200);
    assert_eq!(
        rows.len(),
        expected.len() + 1,
        "the headings and the changed children"
    );
    assert!(rows[1..].iter().all(|row| row[0] == "变更"), "{rows:?}");

    // Nothing changed since: the next holds nobody.
    let third = submit(&app, Role::ChildSupervisor, &township).await;
    let third = third.data()["submitLedger"]["submission"].clone();
    assert_eq!(
        [
            &third["newRecords"],
            &third["changedRecords"],
            &third["closedRecords"]
        ],
        [&json!(0), &json!(0), &json!(0)]
    );
}

#[tokio::test]
async fn a_child_edited_while_guardians_are_added_keeps_every_guardian_change() {
    use sea_orm::EntityTrait;
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let child = app
        .gql(
            Some(&director.access),
            "{ children(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]["id"]
        .clone();
    let id = shouhu_tests::uuid_of(&child);
    let counter = || async {
        entity::child::Entity::find_by_id(id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
            .guardians_version
    };
    let before = counter().await;
    const CHANGES: i32 = 8;

    // Guardians added one after another, while the child is edited one edit after another.
    let adding = async {
        for n in 0..CHANGES {
            let added = app
                .gql(
                    Some(&director.access),
                    "mutation($input: AddGuardianInput!) { addGuardian(input: $input) { guardian { id } } }",
                    json!({ "input": { "childId": child, "relation": "OTHER_RELATIVE",
                        "guardian": { "name": format!("亲属{n}"), "phone": format!("1391234{n:04}") } } }),
                )
                .await;
            assert!(added.body["errors"].is_null(), "{:?}", added.body);
        }
    };
    let editing = async {
        let mut edits = 0;
        while edits < CHANGES {
            let version = app
                .gql(
                    Some(&director.access),
                    "query($id: ID!) { node(id: $id) { ... on Child { version } } }",
                    json!({ "id": child }),
                )
                .await
                .data()["node"]["version"]
                .clone();
            let edited = app
                .gql(
                    Some(&director.access),
                    "mutation($id: ID!, $v: Int!, $g: String!) { updateChild(input: {id: $id, \
                     version: $v, grade: $g}) { child { version } } }",
                    json!({ "id": child, "v": version, "g": format!("{}年级", edits % 6 + 1) }),
                )
                .await;
            if edited.body["errors"].is_null() {
                edits += 1;
            } else {
                assert_eq!(edited.code(), "CONFLICT", "{:?}", edited.body);
            }
        }
    };
    tokio::join!(adding, editing);

    assert_eq!(
        counter().await,
        before + CHANGES,
        "every guardian change counted"
    );
}
