//! The education bureau and the procuratorate as roles of their own: the education officer
//! works the dropout inbox and the schools' data of its county and reads no reports; the
//! procurator supervises the reports of its jurisdiction without learning who reported, and
//! reads children only through grants.

use serde_json::json;
use shouhu_tests::{Role, TestApp};

const REPORT: &str = "query($id: ID!) { report(id: $id) { id category narrative reporterName reporterContact reporterOrganization { id } } }";

#[tokio::test]
async fn the_procuratorate_reads_the_reports_of_its_jurisdiction_without_the_reporter() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    let report = app
        .report_living_alone(&teacher, &child, "supervised-1")
        .await;

    let procurator = app.login_as(Role::Procurator).await;
    let read = app
        .gql(Some(&procurator.access), REPORT, json!({ "id": report }))
        .await;
    let listed = app
        .gql(
            Some(&procurator.access),
            "{ reports { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    let moved = app
        .gql(
            Some(&procurator.access),
            "mutation($id: ID!) { transitionReport(input: {id: $id, move: ACCEPT}) { report { id } } }",
            json!({ "id": report }),
        )
        .await;
    let unseen_child = app
        .gql(
            Some(&procurator.access),
            "query($id: ID!) { child(id: $id) { id } }",
            json!({ "id": child["id"] }),
        )
        .await;
    let by_court = app
        .gql_as(Role::CourtOfficer, REPORT, json!({ "id": report }))
        .await;

    let seen = &read.data()["report"];
    assert_eq!(seen["narrative"], "孩子独自在家", "{:?}", read.body);
    for field in ["reporterName", "reporterContact", "reporterOrganization"] {
        assert!(seen[field].is_null(), "{field}: {:?}", read.body);
        assert!(
            read.body["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["path"] == json!(["report", field])
                    && e["extensions"]["code"] == "FORBIDDEN"),
            "{field}: {:?}",
            read.body
        );
    }
    let ids: Vec<_> = listed.data()["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    assert!(ids.contains(&report), "{:?}", listed.body);
    assert_eq!(moved.code(), "FORBIDDEN", "{:?}", moved.body);
    assert!(
        unseen_child.data()["child"].is_null(),
        "{:?}",
        unseen_child.body
    );
    assert!(by_court.data()["report"].is_null(), "{:?}", by_court.body);
}

#[tokio::test]
async fn the_education_bureau_reads_dropout_cases_and_children_of_its_county_and_no_reports() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    let report = app
        .report_living_alone(&teacher, &child, "not-for-education")
        .await;

    let officer = app.login_as(Role::EducationOfficer).await;
    let county_staff = app
        .login("education.652701", shouhu_tests::DEMO_PASSWORD)
        .await;
    let read_child = app
        .gql(
            Some(&officer.access),
            "query($id: ID!) { child(id: $id) { id name school { id } } }",
            json!({ "id": child["id"] }),
        )
        .await;
    let read_report = app
        .gql(Some(&officer.access), REPORT, json!({ "id": report }))
        .await;
    let cases = app
        .gql(
            Some(&officer.access),
            "{ dropoutCases { totalCount } }",
            json!({}),
        )
        .await;
    let visits = app
        .gql(
            Some(&officer.access),
            "{ visits { totalCount } }",
            json!({}),
        )
        .await;
    let me = app
        .gql(
            Some(
                county_staff.data()["login"]["accessToken"]
                    .as_str()
                    .unwrap(),
            ),
            "{ me { role } }",
            json!({}),
        )
        .await;

    assert_eq!(
        read_child.data()["child"]["id"],
        child["id"],
        "{:?}",
        read_child.body
    );
    assert!(read_child.data()["child"]["school"]["id"].is_string());
    assert!(
        read_report.data()["report"].is_null(),
        "{:?}",
        read_report.body
    );
    assert!(
        cases.data()["dropoutCases"]["totalCount"].is_u64(),
        "{:?}",
        cases.body
    );
    assert_eq!(visits.code(), "FORBIDDEN");
    assert_eq!(
        me.data()["me"]["role"],
        "EDUCATION_OFFICER",
        "{:?}",
        me.body
    );
}
