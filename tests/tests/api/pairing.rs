//! Teacher pairing: the school head pairs, one active helper per child, only the school's own
//! children and teachers; the teacher's home screen; guardian contacts.

use chrono::Utc;
use entity::{account, child, pairing};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};
use uuid::Uuid;

fn global(kind: &str, id: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

async fn account_id(app: &TestApp, username: &str) -> Uuid {
    account::Entity::find()
        .filter(account::Column::Username.eq(username))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

const PAIR: &str = "mutation($t: ID!, $c: ID!) { pairTeacher(input: {teacherId: $t, childId: $c}) { pairing { id active teacherName child { id } } } }";
const UNPAIRED: &str = "{ unpairedChildren(first: 100) { edges { node { id } } } }";

fn ids(response: &shouhu_tests::GqlResponse, field: &str) -> Vec<Value> {
    response.data()[field]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect()
}

#[tokio::test]
async fn a_school_head_pairs_an_unpaired_child_and_the_teacher_sees_it() {
    let app = TestApp::spawn().await;
    let head = app.login_as(Role::SchoolHead).await;
    let teacher = global("Account", account_id(&app, "demo.teacher").await);
    let unpaired = ids(
        &app.gql(Some(&head.access), UNPAIRED, json!({})).await,
        "unpairedChildren",
    );
    assert!(
        !unpaired.is_empty(),
        "the demo school has children without a helper"
    );
    let child = unpaired[0].clone();

    let paired = app
        .gql(
            Some(&head.access),
            PAIR,
            json!({ "t": teacher, "c": child }),
        )
        .await;
    let again = app
        .gql(
            Some(&head.access),
            PAIR,
            json!({ "t": teacher, "c": child }),
        )
        .await;
    let after = ids(
        &app.gql(Some(&head.access), UNPAIRED, json!({})).await,
        "unpairedChildren",
    );
    let home = app
        .gql_as(Role::Teacher, "{ myPairedChildren(first: 100) { edges { node { id helpingTeacher { teacherName } } } } }", json!({}))
        .await;

    assert_eq!(
        paired.data()["pairTeacher"]["pairing"]["active"],
        true,
        "{:?}",
        paired.body
    );
    assert_eq!(again.code(), "CONFLICT", "one active helper per child");
    assert!(!after.contains(&child));
    assert!(ids(&home, "myPairedChildren").contains(&child));
}

#[tokio::test]
async fn only_the_schools_own_children_and_teachers_can_be_paired() {
    let app = TestApp::spawn().await;
    let head = app.login_as(Role::SchoolHead).await;
    let teacher = global("Account", account_id(&app, "demo.teacher").await);
    let other_teacher = global("Account", account_id(&app, "teacher.652722100").await);
    let elsewhere = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652722/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let own = ids(
        &app.gql(Some(&head.access), UNPAIRED, json!({})).await,
        "unpairedChildren",
    )[0]
    .clone();

    let other_school_child = app
        .gql(
            Some(&head.access),
            PAIR,
            json!({ "t": teacher, "c": global("Child", elsewhere.id) }),
        )
        .await;
    let other_school_teacher = app
        .gql(
            Some(&head.access),
            PAIR,
            json!({ "t": other_teacher, "c": own }),
        )
        .await;
    let by_teacher = app
        .gql_as(Role::Teacher, PAIR, json!({ "t": teacher, "c": own }))
        .await;

    assert_eq!(other_school_child.code(), "NOT_FOUND");
    assert_eq!(
        other_school_teacher.body["errors"][0]["extensions"]["field"],
        "input.teacherId"
    );
    assert_eq!(by_teacher.code(), "FORBIDDEN");
}

#[tokio::test]
async fn an_ended_pairing_frees_the_child_for_another_helper() {
    let app = TestApp::spawn().await;
    let head = app.login_as(Role::SchoolHead).await;
    let teacher = global("Account", account_id(&app, "demo.teacher").await);
    let other = global("Account", account_id(&app, "teacher.652701100").await);
    let child = ids(
        &app.gql(Some(&head.access), UNPAIRED, json!({})).await,
        "unpairedChildren",
    )[0]
    .clone();
    let first = app
        .gql(
            Some(&head.access),
            PAIR,
            json!({ "t": teacher, "c": child }),
        )
        .await;
    let pairing = first.data()["pairTeacher"]["pairing"]["id"].clone();

    let ended = app
        .gql(
            Some(&head.access),
            "mutation($id: ID!) { endPairing(input: {id: $id}) { pairing { active endedOn } } }",
            json!({ "id": pairing }),
        )
        .await;
    let twice = app
        .gql(
            Some(&head.access),
            "mutation($id: ID!) { endPairing(input: {id: $id}) { pairing { active } } }",
            json!({ "id": pairing }),
        )
        .await;
    let second = app
        .gql(Some(&head.access), PAIR, json!({ "t": other, "c": child }))
        .await;

    assert_eq!(ended.data()["endPairing"]["pairing"]["active"], false);
    assert_eq!(twice.code(), "INVALID_TRANSITION");
    assert_eq!(
        second.data()["pairTeacher"]["pairing"]["active"],
        true,
        "{:?}",
        second.body
    );
}

#[tokio::test]
async fn a_teacher_records_contact_with_a_paired_childs_guardian() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let home = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { id guardians { id } } } } }",
            json!({}),
        )
        .await;
    let child = home.data()["myPairedChildren"]["edges"][0]["node"].clone();
    let input = json!({
        "childId": child["id"],
        "guardianId": child["guardians"][0]["id"],
        "contactedAt": Utc::now().to_rfc3339(),
        "method": "VIDEO",
        "summary": "与父亲视频通话，孩子学习进步"
    });

    let recorded = app
        .gql(
            Some(&teacher.access),
            "mutation($input: RecordGuardianContactInput!) { recordGuardianContact(input: $input) { contact { id method } } }",
            json!({ "input": input }),
        )
        .await;
    let listed = app
        .gql(
            Some(&teacher.access),
            "query($id: ID!) { child(id: $id) { guardianContacts { summary guardian { id } } } }",
            json!({ "id": child["id"] }),
        )
        .await;

    assert_eq!(
        recorded.data()["recordGuardianContact"]["contact"]["method"],
        "VIDEO",
        "{:?}",
        recorded.body
    );
    assert_eq!(
        listed.data()["child"]["guardianContacts"][0]["summary"],
        "与父亲视频通话，孩子学习进步"
    );
    assert_eq!(
        listed.data()["child"]["guardianContacts"][0]["guardian"]["id"],
        child["guardians"][0]["id"]
    );
}

#[tokio::test]
async fn the_home_screen_costs_the_same_statements_for_3_or_30_children() {
    let app = TestApp::spawn().await;
    let teacher = account_id(&app, "demo.teacher").await;
    let school = account::Entity::find_by_id(teacher)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .organization_id;
    let children: Vec<child::Model> = child::Entity::find()
        .filter(child::Column::SchoolId.eq(school))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(children.len() >= 30);
    pairing::Entity::update_many()
        .col_expr(
            pairing::Column::EndedOn,
            Expr::value(Utc::now().date_naive()),
        )
        .filter(pairing::Column::SchoolId.eq(school))
        .exec(&app.state.db)
        .await
        .unwrap();
    for child in children.iter().take(30) {
        pairing::Entity::insert(pairing::ActiveModel {
            id: Set(Uuid::now_v7()),
            teacher_account_id: Set(teacher),
            child_id: Set(child.id),
            school_id: Set(school),
            started_on: Set(Utc::now().date_naive()),
            ended_on: Set(None),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();
    }
    let tokens = app.login_as(Role::Teacher).await;
    let query = "query($n: Int) { myPairedChildren(first: $n) { edges { node { name guardians { name phone relation } lastVisitedAt visitDue openAbsences { absentOn } guardianContacts { summary } helpingTeacher { teacherName } } } } }";

    let mut costs = Vec::new();
    for n in [3, 30] {
        costs.push(
            app.statements_for(
                &tokens.access,
                query,
                json!({ "n": n }),
                "myPairedChildren",
                n,
            )
            .await,
        );
    }

    assert_eq!(
        costs[0], costs[1],
        "statements for 3 and 30 children: {costs:?}"
    );
    println!("statements for the pairing home screen: {}", costs[0]);
}
