//! `assistanceStatistics`: assessments by risk level, service items by kind and state,
//! referrals per unit and consents withdrawn, exact for civil affairs against the records this
//! test makes, protected for the analyst, refused to the other roles.

use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

use crate::assistance::{
    COMPLETE, START, add_item, consent, days, findings, today, township_child, update,
};

const ASSISTANCE: &str = "query($m: AssistanceStatisticsMeasure!, $from: NaiveDate) { \
    assistanceStatistics(measure: $m, level: TOWNSHIP, from: $from) { protected minCell \
    roundedTo lines { region { code } period unit { code } values count } } }";

/// The demo township the records are made in.
const TOWNSHIP: &str = "652701100";

/// The lines as `(unit code, values, count)`, each checked to be the township's this month.
fn lines(response: &shouhu_tests::GqlResponse) -> Vec<(Value, Vec<String>, Option<u64>)> {
    let table = &response.data()["assistanceStatistics"];
    let month = today().format("%Y-%m").to_string();
    table["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{:?}", response.body))
        .iter()
        .map(|line| {
            assert_eq!(line["region"]["code"], TOWNSHIP);
            assert_eq!(line["period"], month.as_str());
            let values = line["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect();
            (line["unit"]["code"].clone(), values, line["count"].as_u64())
        })
        .collect()
}

fn values(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn assistance_is_counted_exactly_for_civil_affairs_and_protected_for_the_analyst() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let federation = app.login_as(Role::WomensFederationWorker).await;
    let unit = app.organization_id("womens_federation:652701").await;

    // Six assessments: five find a high risk, one a medium risk.
    for n in 0..6 {
        let child = township_child(&app, n).await;
        let started = app
            .gql(
                Some(&supervisor.access),
                START,
                json!({ "input": { "childId": child } }),
            )
            .await;
        let id = started.data()["startAssessment"]["assessment"]["id"].clone();
        let mut input = findings(&id, "住房安全");
        input["input"]["riskLevel"] = json!(if n < 5 { "HIGH" } else { "MEDIUM" });
        let completed = app.gql(Some(&supervisor.access), COMPLETE, input).await;
        assert!(completed.body["errors"].is_null(), "{:?}", completed.body);
    }
    // Three service items to the Women's Federation, one of them started.
    let mut items = Vec::new();
    for n in 0..3 {
        let child = township_child(&app, n).await;
        let added = add_item(
            &app,
            &officer,
            &format!("stat-{n}"),
            &child,
            "GUARDIANSHIP_GUIDANCE",
            &unit,
            &days(30),
        )
        .await;
        assert!(added.body["errors"].is_null(), "{:?}", added.body);
        items.push(added.data()["addServiceItem"]["item"]["id"].clone());
    }
    let started = update(&app, &federation, &items[0], "START", json!({})).await;
    assert!(started.body["errors"].is_null(), "{:?}", started.body);
    // One consent given and withdrawn.
    let child = township_child(&app, 0).await;
    let given = consent(&app, &child, "COUNSELLING").await;
    let withdrawn = app
        .gql(
            Some(&officer.access),
            "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { consent { active } } }",
            json!({ "id": given }),
        )
        .await;
    assert!(withdrawn.body["errors"].is_null(), "{:?}", withdrawn.body);

    let ask = |role, measure: &str| {
        let variables = json!({ "m": measure });
        let app = &app;
        async move { app.gql_as(role, ASSISTANCE, variables).await }
    };
    let none = Value::Null;
    let wf = json!("womens_federation:652701");

    let risk = ask(Role::CivilAffairsOfficer, "ASSESSMENTS_BY_RISK").await;
    assert_eq!(risk.data()["assistanceStatistics"]["protected"], false);
    assert_eq!(
        lines(&risk),
        vec![
            (none.clone(), values(&["HIGH"]), Some(5)),
            (none.clone(), values(&["MEDIUM"]), Some(1)),
        ]
    );
    let services = ask(Role::CivilAffairsOfficer, "SERVICE_ITEMS").await;
    assert_eq!(
        lines(&services),
        vec![
            (
                none.clone(),
                values(&["GUARDIANSHIP_GUIDANCE", "IN_PROGRESS"]),
                Some(1)
            ),
            (
                none.clone(),
                values(&["GUARDIANSHIP_GUIDANCE", "OPEN"]),
                Some(2)
            ),
        ]
    );
    let referrals = ask(Role::CivilAffairsOfficer, "REFERRALS").await;
    assert_eq!(
        lines(&referrals),
        vec![
            (wf.clone(), values(&["IN_PROGRESS"]), Some(1)),
            (wf.clone(), values(&["OPEN"]), Some(2)),
        ]
    );
    let withdrawals = ask(Role::ChildSupervisor, "CONSENT_WITHDRAWALS").await;
    assert_eq!(
        lines(&withdrawals),
        vec![(none.clone(), values(&["COUNSELLING"]), Some(1))]
    );

    // The analyst: five shown (a multiple of five rounds to itself), fewer left out.
    let risk = ask(Role::Analyst, "ASSESSMENTS_BY_RISK").await;
    let table = &risk.data()["assistanceStatistics"];
    assert_eq!(table["protected"], true, "{:?}", risk.body);
    assert_eq!(table["roundedTo"], 5);
    assert_eq!(
        lines(&risk),
        vec![(none.clone(), values(&["HIGH"]), Some(5))]
    );
    let referrals = ask(Role::Analyst, "REFERRALS").await;
    assert_eq!(lines(&referrals), vec![], "{:?}", referrals.body);

    // Nothing from next month on.
    let later = app
        .gql_as(
            Role::CivilAffairsOfficer,
            ASSISTANCE,
            json!({ "m": "ASSESSMENTS_BY_RISK", "from": days(40) }),
        )
        .await;
    assert_eq!(
        later.data()["assistanceStatistics"]["lines"],
        json!([]),
        "{:?}",
        later.body
    );
}

#[tokio::test]
async fn assistance_statistics_are_for_civil_affairs_the_supervisor_and_the_analyst() {
    let app = TestApp::spawn().await;
    let allowed = [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::Analyst,
    ];
    for role in <Role as sea_orm::Iterable>::iter() {
        let response = app
            .gql_as(role, ASSISTANCE, json!({ "m": "SERVICE_ITEMS" }))
            .await;
        if allowed.contains(&role) {
            assert!(
                response.body["errors"].is_null(),
                "{role:?}: {:?}",
                response.body
            );
        } else {
            assert_eq!(response.code(), "FORBIDDEN", "{role:?}");
        }
    }
}
