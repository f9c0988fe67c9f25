//! Lists read only the columns of their rows that the selected fields read (the output types'
//! `COLUMNS` tables): every field, read alone from such a list, answers as it does from the
//! whole row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Utc};
use entity::enums::Gender;
use serde_json::{Value, json};
use shouhu::{
    domain::values::ResidentId,
    graphql::{child::types::Child, visit::types::Visit},
};
use shouhu_tests::{Role, TestApp};

/// A type's fields as introspection has them: each field's name and its selection, with the
/// scalar fields of an object (`__typename` for an object without any, such as a connection).
async fn selections(app: &TestApp, token: &str, type_name: &str) -> Vec<(String, String)> {
    const TYPE: &str = "query($t: String!) { __type(name: $t) { fields { name args { type { kind } defaultValue } type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }";
    let fields = app.gql(Some(token), TYPE, json!({ "t": type_name })).await;
    let mut selections = Vec::new();
    for field in fields.data()["__type"]["fields"].as_array().unwrap() {
        let name = field["name"].as_str().unwrap().to_owned();
        let required = field["args"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["type"]["kind"] == "NON_NULL" && a["defaultValue"].is_null());
        assert!(!required, "{type_name}.{name} takes a required argument");
        let mut of = &field["type"];
        while of["kind"] == "NON_NULL" || of["kind"] == "LIST" {
            of = &of["ofType"];
        }
        let selection = if of["kind"] == "OBJECT" || of["kind"] == "INTERFACE" {
            let inner = app.gql(Some(token), TYPE, json!({ "t": of["name"] })).await;
            let scalars: Vec<&str> = inner.data()["__type"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| {
                    let mut t = &f["type"];
                    while t["kind"] == "NON_NULL" || t["kind"] == "LIST" {
                        t = &t["ofType"];
                    }
                    t["kind"] == "SCALAR" || t["kind"] == "ENUM"
                })
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            let inner = if scalars.is_empty() {
                "__typename".to_owned()
            } else {
                scalars.join(" ")
            };
            format!("{name} {{ {inner} }}")
        } else {
            name.clone()
        };
        selections.push((name, selection));
    }
    selections
}

/// The leaves of a field's value, by path (`health.illness`), as JSON text.
fn leaves(value: &Value, path: String, into: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(fields) => {
            for (name, value) in fields {
                leaves(value, format!("{path}.{name}"), into);
            }
        }
        other => {
            into.insert(path, other.to_string());
        }
    }
}

/// Checks each field of a node type read alone from a projected list against the whole rows:
/// `list` lists the nodes with a selection (`{id}` where the node's fields go) and returns
/// them; `whole` holds every node's whole-row answer by id, every field selected.
/// A column that holds one value in every row could not show that it was not read (its
/// placeholder is also one value for every row), so a field must have at least as many leaves
/// that differ between the rows as it reads columns (each of `health`'s four; one of a
/// village's, all read through one column), or differ between the rows at all when it reads
/// one column (a school, or none).
async fn check_fields<F>(
    columns: &[(&str, Vec<String>)],
    fields: &[(String, String)],
    whole: &BTreeMap<String, Value>,
    mut list: impl FnMut(String) -> F,
) where
    F: std::future::Future<Output = Vec<Value>>,
{
    let names: BTreeSet<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    let listed: BTreeSet<&str> = columns.iter().map(|(n, _)| *n).collect();
    assert_eq!(
        names, listed,
        "every field is listed in COLUMNS, and only fields"
    );
    for (name, selection) in fields {
        let nodes = list(format!("id {selection}")).await;
        assert!(nodes.len() >= 10, "{name}: too few nodes ({})", nodes.len());
        let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut answers = BTreeSet::new();
        for node in &nodes {
            let id = node["id"].as_str().unwrap();
            let expected = &whole[id][name.as_str()];
            assert_eq!(&node[name.as_str()], expected, "{name} of {id}");
            answers.insert(expected.to_string());
            let mut values = BTreeMap::new();
            leaves(expected, name.clone(), &mut values);
            for (path, value) in values {
                seen.entry(path).or_default().insert(value);
            }
        }
        let reads = &columns.iter().find(|(n, _)| n == name).unwrap().1;
        let varying: Vec<&String> = seen
            .iter()
            .filter(|(_, values)| values.len() >= 2)
            .map(|(path, _)| path)
            .collect();
        // A school or none: the answers differ, though no leaf is in two of them.
        let differing = varying.len().max(usize::from(answers.len() >= 2));
        assert!(
            differing >= reads.len(),
            "{name} reads {reads:?} but only {varying:?} of its leaves differ between rows: \
             the test cannot tell a column read from one not read"
        );
    }
}

/// A `COLUMNS` table with the columns' names.
fn column_names<C: sea_orm::IdenStatic>(
    table: &[(&'static str, &[C])],
) -> Vec<(&'static str, Vec<String>)> {
    table
        .iter()
        .map(|(name, columns)| {
            (
                *name,
                columns.iter().map(|c| c.as_str().to_owned()).collect(),
            )
        })
        .collect()
}

/// The whole-row answer of each of `nodes` (which hold their `id`) by id, every field
/// selected: `one` reads a node by id (`ID`) with a selection (`SEL`) at the root, 20 aliases
/// per request.
async fn whole_rows(
    app: &TestApp,
    token: &str,
    one: &str,
    nodes: &[Value],
    fields: &[(String, String)],
) -> BTreeMap<String, Value> {
    let selection: Vec<&str> = fields.iter().map(|(_, s)| s.as_str()).collect();
    let one = one.replace("SEL", &selection.join(" "));
    let ids: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let mut whole = BTreeMap::new();
    for chunk in ids.chunks(20) {
        let roots: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(i, id)| format!("n{i}: {}", one.replace("ID", id)))
            .collect();
        let query = format!("{{ {} }}", roots.join(" "));
        let response = app.gql(Some(token), &query, json!({})).await;
        for (i, id) in chunk.iter().enumerate() {
            let node = &response.data()[format!("n{i}")];
            assert_eq!(node["id"], id.as_str(), "{:?}", response.body["errors"]);
            whole.insert(id.clone(), node.clone());
        }
    }
    whole
}

/// The nodes of the connections at `path` (connection fields, a list's elements walked
/// through) in `data`.
fn nodes_at(data: &Value, path: &[&str]) -> Vec<Value> {
    let Some((first, rest)) = path.split_first() else {
        return vec![data.clone()];
    };
    data[*first]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("no {first} in {data}"))
        .iter()
        .flat_map(|edge| nodes_at(&edge["node"], rest))
        .collect()
}

/// Registers a child whose every ledger field differs from the demo's (they register few of
/// them), changes its status, reviews it and revokes its guardian's guardianship: one row in
/// which every column holds a value of its own; and a second child, living alone (so needing
/// a report) without household registration. Their names sort first. Answers the first.
async fn a_child_with_every_field(app: &TestApp, officer: &str) -> Value {
    let director = app.login_as(Role::ChildDirector).await.access;
    let today = Utc::now().date_naive();
    let birth = NaiveDate::from_ymd_opt(today.year() - 12, 3, 8).unwrap();
    let id_number = ResidentId::compose("652701", birth, 431, Gender::Female).unwrap();
    let input = json!({
        "name": "A 测试", "gender": "FEMALE", "birthDate": birth.to_string(),
        "ethnicity": "回族", "idNumber": id_number.as_str(),
        "residenceVillageId": app.region_id("652701100201").await, "address": "红星村3组8号",
        "grade": "六年级", "leftBehindType": "ONE_PARENT_AWAY_OTHER_UNABLE",
        "livingArrangement": "WITH_RELATIVES", "healthStatus": "DISABLED", "illness": "哮喘",
        "disabilityCategory": "肢体", "disabilityGrade": 3, "riskLevel": "HIGH",
        "householdRegistrationPlace": "河南省周口市",
        "schoolingStage": "JUNIOR_SECONDARY", "boarding": true, "guardianshipQuality": "FAIR",
        "incomeSources": ["FARMING", "PENSION"], "benefits": ["EDUCATION_AID"],
        "filledBy": "测试填表人", "filledOn": "2026-01-15", "reviewedBy": "测试审核人",
        "approvedBy": "测试审批人",
    });
    const REGISTER: &str =
        "mutation($input: RegisterChildInput!) { registerChild(input: $input) { child { id } } }";
    let mut unregistered = input.clone();
    unregistered["name"] = json!("A 测试二");
    unregistered["idNumber"] = Value::Null;
    unregistered["householdRegistered"] = json!(false);
    unregistered["householdRegistrationPlace"] = Value::Null;
    unregistered["livingArrangement"] = json!("ALONE");
    let mut children = Vec::new();
    for input in [input, unregistered] {
        let registered = app
            .gql(Some(&director), REGISTER, json!({ "input": input }))
            .await;
        assert!(registered.body["errors"].is_null(), "{:?}", registered.body);
        children.push(registered.data()["registerChild"]["child"]["id"].clone());
    }
    let child = children.swap_remove(0);
    let guardian = app
        .gql(
            Some(&director),
            r#"mutation($id: ID!) { addGuardian(input: { childId: $id, relation: FATHER, guardian: { name: "测试父亲" } }) { guardian { id } } }"#,
            json!({ "id": child }),
        )
        .await
        .data()["addGuardian"]["guardian"]["id"]
        .clone();
    let intervention = |kind: &str, extra: Value| {
        let mut input = json!({ "childId": child, "guardianId": guardian, "kind": kind, "grounds": ["ABANDONMENT"], "decidedOn": today.to_string(), "caseNumber": "(2026)新2701民特31号" });
        for (key, value) in extra.as_object().unwrap() {
            input[key] = value.clone();
        }
        json!({ "input": input })
    };
    const INTERVENE: &str = "mutation($input: RecordInterventionInput!) { recordIntervention(input: $input) { child { id } } }";
    for (token, query, variables) in [
        (
            director.as_str(),
            r#"mutation($id: ID!, $d: NaiveDate!) { changeChildStatus(input: { id: $id, version: 1, status: PARENTS_RETURNED, reason: "父母返乡", effectiveOn: $d }) { child { id } } }"#,
            json!({ "id": child, "d": today.to_string() }),
        ),
        (
            officer,
            r#"mutation($id: ID!) { markChildReviewed(input: { id: $id, version: 2, reviewedBy: "测试督导" }) { child { id } } }"#,
            json!({ "id": child }),
        ),
        (
            officer,
            INTERVENE,
            intervention(
                "REVOCATION_PETITION_FILED",
                json!({ "petitioner": "县民政局" }),
            ),
        ),
        (
            officer,
            INTERVENE,
            intervention("COURT_DECISION", json!({ "revokesGuardianship": true })),
        ),
    ] {
        let response = app.gql(Some(token), query, variables).await;
        assert!(response.body["errors"].is_null(), "{:?}", response.body);
    }
    child
}

#[tokio::test]
async fn a_list_of_children_answers_every_field_as_the_whole_row_does() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let rich = a_child_with_every_field(&app, &token).await;
    let fields = selections(&app, &token, "Child").await;
    let township = app.region_id("652701100").await;
    // In the order of registration, which reads no column but the id (by name, the name
    // would be read whatever its entry says), in the township the two children were
    // registered in.
    let list = |selection: String| {
        let (app, token, township) = (&app, &token, &township);
        async move {
            let fragment = if selection.contains("...Place") {
                "fragment Place on Child { address }"
            } else {
                ""
            };
            let query = format!(
                "query($v: ID!) {{ children(first: 100, orderBy: REGISTERED, filter: {{ regionId: $v }}) {{ edges {{ node {{ {selection} }} }} }} }} {fragment}"
            );
            let response = app.gql(Some(token), &query, json!({ "v": township })).await;
            assert!(response.body["errors"].is_null(), "{:?}", response.body);
            nodes_at(response.data(), &["children"])
        }
    };
    let nodes = list("id".to_owned()).await;
    let whole = whole_rows(&app, &token, r#"child(id: "ID") { SEL }"#, &nodes, &fields).await;
    assert!(whole.contains_key(rich.as_str().unwrap()));

    // Fields in fragments, under an alias, beside an interface's: all read.
    let spread = "... on Node { id } ...Place ... on Child { grade } nation: ethnicity";
    for node in list(spread.to_owned()).await {
        let whole = &whole[node["id"].as_str().unwrap()];
        assert_eq!(node["address"], whole["address"]);
        assert_eq!(node["grade"], whole["grade"]);
        assert_eq!(node["nation"], whole["ethnicity"]);
    }
    check_fields(&column_names(Child::COLUMNS), &fields, &whole, list).await;
}

/// Records a teacher's visit to a paired child with every field filled in, and annotates one
/// of the child's earlier visits: the child's first visits then differ in every column. The
/// child's village.
async fn visits_with_every_field(app: &TestApp, officer: &str) -> Value {
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    let finding = |note: &str| json!({ "rating": "FAIR", "note": note });
    let recorded = app
        .gql(
            Some(&teacher.access),
            "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { visit { id } } }",
            json!({ "input": {
                "idempotencyKey": "projection-1",
                "childId": child["id"],
                "visit": {
                    "visitedAt": Utc::now().to_rfc3339(),
                    "method": "VIDEO",
                    "living": finding("住房漏雨"),
                    "guardianship": finding("祖母年迈"),
                    "schooling": finding("成绩下降"),
                    "health": finding("感冒未愈"),
                    "safety": finding("门前水塘"),
                    "followUpNeeded": true,
                    "nextPlannedOn": (Utc::now().date_naive() + chrono::TimeDelta::days(7)).to_string(),
                },
            } }),
        )
        .await;
    assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    let earlier = app
        .gql(
            Some(officer),
            "query($id: ID!) { child(id: $id) { visits(first: 5) { edges { node { id } } } } }",
            json!({ "id": child["id"] }),
        )
        .await;
    let edges = earlier.data()["child"]["visits"]["edges"]
        .as_array()
        .unwrap();
    assert!(edges.len() >= 2, "{:?}", earlier.body);
    let oldest = edges[edges.len() - 1]["node"]["id"].clone();
    let annotated = app
        .gql(
            Some(officer),
            r#"mutation($id: ID!) { annotateVisit(input: { id: $id, annotation: "经核实" }) { visit { id } } }"#,
            json!({ "id": oldest }),
        )
        .await;
    assert!(annotated.body["errors"].is_null(), "{:?}", annotated.body);
    child["residenceVillage"]["id"].clone()
}

#[tokio::test]
async fn fields_that_read_different_columns_of_a_list_read_them_together() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::ChildSupervisor).await.access;
    let once = "{ children(first: 5) { edges { node { visits(first: 3) { edges { node { id visitedAt } } } } } } }";
    let twice = "{ children(first: 5) { edges { node { visits(first: 3) { edges { node { id visitedAt } } } visits(first: 3) { edges { node { method safety { rating } } } } } } } }";

    let statements = (
        app.statements_for(&token, once, json!({}), "children", 5)
            .await,
        app.statements_for(&token, twice, json!({}), "children", 5)
            .await,
    );
    let merged = app.gql(Some(&token), twice, json!({})).await;

    assert_eq!(statements.0, statements.1, "one statement for both");
    let visits = nodes_at(merged.data(), &["children", "visits"]);
    assert!(!visits.is_empty());
    for visit in visits {
        for field in ["id", "visitedAt", "method", "safety"] {
            assert!(!visit[field].is_null(), "{field} of {visit}");
        }
    }
}

/// A visit's child and date are read whatever their entries say (the visits are grouped
/// under their children and ordered by date).
#[tokio::test]
async fn the_first_visits_of_children_answer_every_field_as_the_whole_row_does() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let village = visits_with_every_field(&app, &token).await;
    let fields = selections(&app, &token, "Visit").await;
    let list = |selection: String| {
        let (app, token, village) = (&app, &token, &village);
        async move {
            let query = format!(
                "query($v: ID!) {{ children(first: 100, filter: {{ regionId: $v }}) {{ edges {{ node {{ visits(first: 5) {{ edges {{ node {{ {selection} }} }} }} }} }} }} }}"
            );
            let response = app.gql(Some(token), &query, json!({ "v": village })).await;
            nodes_at(response.data(), &["children", "visits"])
        }
    };
    let nodes = list("id".to_owned()).await;
    let whole = whole_rows(
        &app,
        &token,
        r#"node(id: "ID") { ... on Visit { SEL } }"#,
        &nodes,
        &fields,
    )
    .await;

    check_fields(&column_names(Visit::COLUMNS), &fields, &whole, list).await;
}
