//! The ledger in the national form, downloaded as CSV and XLSX and read back: the form's
//! headings, a row per child in the caller's scope, the caller's field policy (refused columns
//! left out, masked values masked), refusals as errors, and one audit event per export.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

/// The children `role` may list in the county 652701, and each one's ID number and address
/// as the API gives them to it, in the list's order.
async fn listed(app: &TestApp, role: Role, region: &Value) -> Vec<(Value, Value)> {
    let mut all = Vec::new();
    let mut after = Value::Null;
    loop {
        let page = app
            .gql_as(
                role,
                "query($after: String, $region: ID) { children(first: 100, after: $after, filter: {regionId: $region}) { edges { node { name address } } pageInfo { hasNextPage endCursor } } }",
                json!({ "after": after, "region": region }),
            )
            .await;
        let children = &page.data()["children"];
        for edge in children["edges"].as_array().unwrap() {
            all.push((
                edge["node"]["name"].clone(),
                edge["node"]["address"].clone(),
            ));
        }
        if children["pageInfo"]["hasNextPage"] != true {
            return all;
        }
        after = children["pageInfo"]["endCursor"].clone();
    }
}

#[tokio::test]
async fn the_csv_is_the_form_in_full_for_civil_affairs_with_a_byte_order_mark() {
    let app = TestApp::spawn().await;
    let region = app.region_id("652701").await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let expected = listed(&app, Role::CivilAffairsOfficer, &region).await;

    let download = app
        .client
        .get(format!("{}/exports/ledger.csv", app.address))
        .query(&[("regionId", region.as_str().unwrap())])
        .bearer_auth(&officer.access)
        .send()
        .await
        .unwrap();

    assert_eq!(download.status(), 200);
    assert_eq!(
        download.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let body = download.bytes().await.unwrap();
    assert!(
        body.starts_with("\u{feff}".as_bytes()),
        "a byte-order mark for Excel"
    );
    let mut reader = csv::Reader::from_reader(&body[3..]);
    let headings: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        headings[..5],
        ["姓名", "性别", "民族", "出生日期", "身份证号"].map(str::to_owned)
    );
    assert!(headings.contains(&"监护人1联系电话".to_owned()));
    assert_eq!(headings.last().unwrap(), "状态");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(expected.len() > 100, "more than a page: {}", expected.len());
    assert_eq!(rows.len(), expected.len());
    let id_at = headings.iter().position(|h| h == "身份证号").unwrap();
    let address_at = headings.iter().position(|h| h == "详细住址").unwrap();
    for (row, (name, address)) in rows.iter().zip(&expected) {
        assert_eq!(row[0], *name.as_str().unwrap());
        assert_eq!(row[address_at], *address.as_str().unwrap_or_default());
        assert!(
            row[id_at].len() == 18 && !row[id_at].contains('*'),
            "{row:?}"
        );
    }

    app.flush_audit().await;
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("ledger.export"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    let detail: Value = serde_json::from_str(&events[0].detail).unwrap();
    assert_eq!(detail["rows"], json!(expected.len()));
    assert_eq!(detail["format"], "csv");
    assert_eq!(detail["regionId"], region);
}

#[tokio::test]
async fn the_workbook_applies_the_callers_field_policy() {
    let app = TestApp::spawn().await;
    let region = app.region_id("652701").await;
    let worker = app.login_as(Role::WomensFederationWorker).await;
    let expected = listed(&app, Role::WomensFederationWorker, &region).await;

    let download = app
        .client
        .get(format!("{}/exports/ledger.xlsx", app.address))
        .query(&[("regionId", region.as_str().unwrap())])
        .bearer_auth(&worker.access)
        .send()
        .await
        .unwrap();

    assert_eq!(download.status(), 200);
    let body = download.bytes().await.unwrap();
    let mut book = Xlsx::new(Cursor::new(body.to_vec())).unwrap();
    let sheet = book.worksheet_range("登记表").unwrap();
    let cell = |row: usize, column: usize| {
        sheet
            .get((row, column))
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    assert!(cell(0, 0).contains("农村留守儿童信息登记表"));
    let headings: Vec<String> = (0..sheet.width()).map(|c| cell(1, c)).collect();
    assert_eq!(headings[0], "姓名");
    assert!(
        !headings.contains(&"身份证号".to_owned()),
        "the Women's Federation may not read ID numbers: {headings:?}"
    );
    assert!(!headings.contains(&"监护人1身份证号".to_owned()));
    assert_eq!(sheet.height() - 2, expected.len());
    let address_at = headings.iter().position(|h| h == "详细住址").unwrap();
    for (i, (name, address)) in expected.iter().enumerate() {
        assert_eq!(cell(i + 2, 0), name.as_str().unwrap());
        assert_eq!(
            cell(i + 2, address_at),
            address.as_str().unwrap_or_default()
        );
    }
    let masked = expected
        .iter()
        .filter_map(|(_, a)| a.as_str())
        .any(|a| !a.ends_with('号'));
    assert!(masked, "addresses come masked to the village");
}

#[tokio::test]
async fn a_role_without_rows_or_a_token_gets_an_error_not_a_file() {
    let app = TestApp::spawn().await;
    let analyst = app.login_as(Role::Analyst).await;
    let url = format!("{}/exports/ledger.xlsx", app.address);

    let by_analyst = app
        .client
        .get(&url)
        .bearer_auth(&analyst.access)
        .send()
        .await
        .unwrap();
    let anonymous = app
        .client
        .get(format!("{}/exports/ledger.csv", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(by_analyst.status(), 403);
    let body: Value = by_analyst.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "FORBIDDEN");
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn an_account_downloads_the_ledger_a_limited_number_of_times_an_hour() {
    let app = TestApp::spawn_with(|c| c.rate_limits.exports_per_account_per_hour = 2).await;
    let region = app.region_id("652701100201").await;
    let director = app.login_as(Role::ChildDirector).await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let download = |token: String| {
        let app = &app;
        let region = region.clone();
        async move {
            app.client
                .get(format!("{}/exports/ledger.csv", app.address))
                .query(&[("regionId", region.as_str().unwrap())])
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };

    for _ in 0..2 {
        let allowed = download(director.access.clone()).await;
        assert_eq!(allowed.status(), 200);
        allowed.bytes().await.unwrap();
    }
    let refused = download(director.access.clone()).await;
    let another = download(officer.access.clone()).await;

    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
    assert_eq!(another.status(), 200, "the limit is per account");
}
