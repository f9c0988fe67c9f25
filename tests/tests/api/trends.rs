//! `childTrend`: past months from the ledger's monthly snapshots and the month in progress
//! live, exact against the ledger counted here; protected for the analyst as `childStatistics`
//! is; last month's snapshot taken once, by whichever of two instances comes first, with the
//! ledger as it stood.

use std::{collections::BTreeMap, time::Duration};

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeDelta, Utc};
use entity::{child, ledger_snapshot, ledger_snapshot_count, region};
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, Iterable, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu::clock::Clock;
use shouhu_tests::{Role, TestApp};

const TREND: &str = "query($level: RegionLevel!, $by: ChildDimension, $from: NaiveDate, \
    $until: NaiveDate) { childTrend(level: $level, by: $by, from: $from, until: $until) { \
    protected minCell roundedTo months { month asOf live statistics { total \
    rows { region { code } total cells { values count } } } } } }";

/// Per region code, its total and its count per living arrangement.
type Table = BTreeMap<String, (Option<u64>, BTreeMap<String, Option<u64>>)>;

/// China's date of an instant.
fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + TimeDelta::hours(8)).date_naive()
}

/// The first instant of a day in China.
fn china_midnight(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).unwrap().and_utc() - TimeDelta::hours(8)
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap()
}

/// The children within `home` registered before `before` (by the form's date, or without one
/// by when the record was made; every child when `None`), per region at `depth` and living
/// arrangement, counted here from the rows.
async fn exact(app: &TestApp, home: &str, depth: usize, before: Option<NaiveDate>) -> Table {
    let db = &app.state.db;
    let codes: BTreeMap<String, String> = region::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.path, r.code))
        .collect();
    let mut table = Table::new();
    for child in child::Entity::find().all(db).await.unwrap() {
        if !(child.region_path == home || child.region_path.starts_with(&format!("{home}/"))) {
            continue;
        }
        let registered = match (before, child.filled_on) {
            (None, _) => true,
            (Some(before), Some(filled)) => filled < before,
            (Some(before), None) => child.created_at < china_midnight(before),
        };
        if !registered {
            continue;
        }
        let path = child
            .region_path
            .split('/')
            .take(depth)
            .collect::<Vec<_>>()
            .join("/");
        let (total, cells) = table.entry(codes[&path].clone()).or_default();
        *total = Some(total.unwrap_or(0) + 1);
        let arrangement = child.living_arrangement.to_value().to_uppercase();
        let cell = cells.entry(arrangement).or_default();
        *cell = Some(cell.unwrap_or(0) + 1);
    }
    table
}

/// A month's table as answered.
fn answered(statistics: &Value) -> Table {
    statistics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let cells = row["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|cell| {
                    (
                        cell["values"][0].as_str().unwrap().to_owned(),
                        cell["count"].as_u64(),
                    )
                })
                .collect();
            (
                row["region"]["code"].as_str().unwrap().to_owned(),
                (row["total"].as_u64(), cells),
            )
        })
        .collect()
}

/// The first day of the month after `month`.
fn next(month: NaiveDate) -> NaiveDate {
    month.checked_add_months(Months::new(1)).unwrap()
}

#[tokio::test]
async fn a_trend_counts_each_month_the_children_registered_by_its_end_exact_for_civil_affairs() {
    let app = TestApp::spawn().await;
    let home = app.home_path("demo.civil_affairs_officer").await;
    let this_month = first_of_month(china_date(app.clock.now()));

    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            TREND,
            json!({ "level": "COUNTY", "by": "LIVING_ARRANGEMENT" }),
        )
        .await;

    let trend = &response.data()["childTrend"];
    assert_eq!(trend["protected"], false, "{:?}", response.body);
    assert_eq!(trend["roundedTo"], 1);
    let months = trend["months"].as_array().unwrap();
    // The demo's snapshots of the 24 months before this one: the last 23 of them, and this one.
    assert_eq!(months.len(), 24, "{:?}", response.body);
    let mut totals = Vec::new();
    for (i, month) in months.iter().enumerate() {
        let first = this_month
            .checked_sub_months(Months::new(u32::try_from(23 - i).unwrap()))
            .unwrap();
        assert_eq!(month["month"], first.format("%Y-%m").to_string());
        let live = first == this_month;
        assert_eq!(month["live"], live);
        let expected = exact(&app, &home, 2, (!live).then(|| next(first))).await;
        assert_eq!(answered(&month["statistics"]), expected, "{first}");
        totals.push(month["statistics"]["total"].as_u64().unwrap());
    }
    // The demo registers its children over thirty months: the trend rises.
    assert!(totals[0] < totals[23], "{totals:?}");
}

#[tokio::test]
async fn the_analysts_trend_is_protected_and_its_month_in_progress_is_child_statistics() {
    let app = TestApp::spawn().await;
    let home = app.home_path("demo.analyst").await;
    let this_month = first_of_month(china_date(app.clock.now()));
    let from = this_month.checked_sub_months(Months::new(5)).unwrap();

    let response = app
        .gql_as(
            Role::Analyst,
            TREND,
            json!({ "level": "VILLAGE", "by": "LIVING_ARRANGEMENT", "from": from }),
        )
        .await;

    let trend = &response.data()["childTrend"];
    assert_eq!(trend["protected"], true, "{:?}", response.body);
    assert_eq!(trend["roundedTo"], 5);
    let months = trend["months"].as_array().unwrap();
    assert_eq!(months.len(), 6);
    let mut withheld = 0;
    for month in months {
        let first = NaiveDate::parse_from_str(
            &format!("{}-01", month["month"].as_str().unwrap()),
            "%Y-%m-%d",
        )
        .unwrap();
        let live = first == this_month;
        let expected = exact(&app, &home, 4, (!live).then(|| next(first))).await;
        let shown = answered(&month["statistics"]);
        assert_eq!(
            shown.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>()
        );
        for (code, (total, cells)) in &expected {
            let (shown_total, shown_cells) = &shown[code];
            for (n, shown) in std::iter::once((total, shown_total))
                .chain(cells.iter().map(|(value, n)| (n, &shown_cells[value])))
            {
                let n = n.unwrap();
                match shown {
                    Some(count) => {
                        assert!(
                            count % 5 == 0 && count.abs_diff(n) < 5,
                            "{code}: {n} {count}"
                        )
                    }
                    None => withheld += 1,
                }
                if n < 5 {
                    assert_eq!(*shown, None, "{code} {first}: {n} shown");
                }
            }
        }
    }
    assert!(withheld > 0, "the demo's villages hold small cells");

    let now = app
        .gql_as(
            Role::Analyst,
            "{ childStatistics(level: VILLAGE, by: [LIVING_ARRANGEMENT]) { total \
             rows { region { code } total cells { values count } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        months[5]["statistics"],
        now.data()["childStatistics"],
        "the month in progress is counted as childStatistics counts it"
    );
}

#[tokio::test]
async fn trends_are_for_roles_that_count_a_jurisdiction() {
    let app = TestApp::spawn().await;
    let allowed = [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::ChildDirector,
        Role::PoliceOfficer,
        Role::WomensFederationWorker,
        Role::Analyst,
    ];
    for role in Role::iter() {
        let response = app.gql_as(role, TREND, json!({ "level": "VILLAGE" })).await;
        if allowed.contains(&role) {
            assert!(
                response.body["errors"].is_null(),
                "{role:?}: {:?}",
                response.body
            );
            assert!(
                !response.data()["childTrend"]["months"]
                    .as_array()
                    .unwrap()
                    .is_empty()
            );
        } else {
            assert_eq!(response.code(), "FORBIDDEN", "{role:?}");
        }
    }

    let long = app
        .gql_as(
            Role::Analyst,
            TREND,
            json!({ "level": "COUNTY", "from": "2020-01-01", "until": "2026-01-01" }),
        )
        .await;
    assert_eq!(long.code(), "BAD_USER_INPUT");
    assert_eq!(long.body["errors"][0]["extensions"]["field"], "until");
}

#[tokio::test]
async fn last_months_snapshot_is_taken_once_by_two_instances_with_the_ledger_as_it_stood() {
    let app = TestApp::spawn_with(|c| c.statistics_snapshot_interval_secs = 1).await;
    let _second = app
        .second_instance_with(|c| c.statistics_snapshot_interval_secs = 1)
        .await;
    let home = app.home_path("demo.civil_affairs_officer").await;
    let db = &app.state.db;
    let month = first_of_month(china_date(app.clock.now()));
    let before = exact(&app, &home, 2, None).await;
    let children = child::Entity::find().count(db).await.unwrap();

    // Into the next month: the month that was in progress is now last month.
    app.clock
        .advance(china_midnight(next(month)) - app.clock.now() + TimeDelta::hours(1));
    let mut waited = 0;
    while ledger_snapshot::Entity::find_by_id(month)
        .one(db)
        .await
        .unwrap()
        .is_none()
    {
        assert!(waited < 100, "no snapshot of {month} after 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    // Both instances have ticked since.
    tokio::time::sleep(Duration::from_millis(2500)).await;

    let snapshot = ledger_snapshot::Entity::find_by_id(month)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(snapshot.children, i64::try_from(children).unwrap());
    let counted: i64 = ledger_snapshot_count::Entity::find()
        .filter(ledger_snapshot_count::Column::Month.eq(month))
        .filter(ledger_snapshot_count::Column::Dimension.eq("living_arrangement"))
        .all(db)
        .await
        .unwrap()
        .iter()
        .map(|c| c.children)
        .sum();
    assert_eq!(
        counted, snapshot.children,
        "counted once, not once per instance"
    );

    // A change after the snapshot shows in the month in progress, not in the snapshot.
    let child = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "{ children(first: 1, filter: { livingArrangements: [WITH_GRANDPARENTS] }) { \
             edges { node { id version residenceVillage { code } } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]
        .clone();
    let updated = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "mutation($id: ID!, $v: Int!) { updateChild(input: {id: $id, version: $v, \
             livingArrangement: WITH_RELATIVES}) { child { livingArrangement } } }",
            json!({ "id": child["id"], "v": child["version"] }),
        )
        .await;
    assert!(updated.body["errors"].is_null(), "{:?}", updated.body);
    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            TREND,
            json!({ "level": "COUNTY", "by": "LIVING_ARRANGEMENT", "from": month }),
        )
        .await;
    let months = response.data()["childTrend"]["months"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(months.len(), 2, "{:?}", response.body);
    assert_eq!(months[0]["live"], false);
    assert_eq!(answered(&months[0]["statistics"]), before);
    assert_eq!(months[1]["live"], true);
    assert_eq!(
        answered(&months[1]["statistics"]),
        exact(&app, &home, 2, None).await
    );
    assert_ne!(answered(&months[1]["statistics"]), before);
}
