//! `childStatistics`: exact counts against the ledger counted here independently, and small
//! cells withheld, with the cells that would give them away, for a role that may not read the
//! children in full.

use std::collections::{BTreeMap, BTreeSet};

use entity::{account, child, organization, region};
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, Iterable, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

const STATISTICS: &str = "query($level: RegionLevel!, $by: [ChildDimension!]) { \
    childStatistics(level: $level, by: $by) { protected minCell total \
    rows { region { code } total totalSuppressed cells { values count suppressed } } } }";

/// A table as counted here: per region code, its total and its cells.
type Exact = BTreeMap<String, (u64, BTreeMap<Vec<String>, u64>)>;

/// A table as answered: per region code, its total and its cells, withheld ones as `None`.
type Shown = BTreeMap<String, (Option<u64>, BTreeMap<Vec<String>, Option<u64>>)>;

/// The children `username`'s jurisdiction holds, counted per region at `depth` (1 prefecture …
/// 4 village) and per the values `by` gives a child.
async fn exact(
    app: &TestApp,
    username: &str,
    depth: usize,
    by: fn(&child::Model) -> Vec<String>,
) -> Exact {
    let db = &app.state.db;
    let account = account::Entity::find()
        .filter(account::Column::Username.eq(username))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let organization = organization::Entity::find_by_id(account.organization_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let home = region::Entity::find_by_id(organization.region_id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .path;
    let codes: BTreeMap<String, String> = region::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.path, r.code))
        .collect();
    let mut table = Exact::new();
    for child in child::Entity::find().all(db).await.unwrap() {
        if !(child.region_path == home || child.region_path.starts_with(&format!("{home}/"))) {
            continue;
        }
        let path = child
            .region_path
            .split('/')
            .take(depth)
            .collect::<Vec<_>>()
            .join("/");
        let (total, cells) = table.entry(codes[&path].clone()).or_default();
        *total += 1;
        *cells.entry(by(&child)).or_default() += 1;
    }
    table
}

fn arrangement(child: &child::Model) -> Vec<String> {
    vec![child.living_arrangement.to_value().to_uppercase()]
}

fn gender_and_arrangement(child: &child::Model) -> Vec<String> {
    vec![
        child.gender.to_value().to_uppercase(),
        child.living_arrangement.to_value().to_uppercase(),
    ]
}

/// The answer's rows as a table, withheld counts as `None`.
fn answered(statistics: &Value) -> Shown {
    statistics["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            assert_eq!(row["totalSuppressed"], row["total"].is_null());
            let cells = row["cells"]
                .as_array()
                .unwrap()
                .iter()
                .map(|cell| {
                    assert_eq!(cell["suppressed"], cell["count"].is_null());
                    let values = cell["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap().to_owned())
                        .collect();
                    (values, cell["count"].as_u64())
                })
                .collect();
            (
                row["region"]["code"].as_str().unwrap().to_owned(),
                (row["total"].as_u64(), cells),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_civil_affairs_officer_gets_every_count_exact() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::CivilAffairsOfficer).await.access;
    let expected = exact(&app, "demo.civil_affairs_officer", 3, arrangement).await;

    let response = app
        .gql(
            Some(&token),
            STATISTICS,
            json!({ "level": "TOWNSHIP", "by": ["LIVING_ARRANGEMENT"] }),
        )
        .await;

    let statistics = &response.data()["childStatistics"];
    assert_eq!(statistics["protected"], false, "{:?}", response.body);
    let shown = answered(statistics);
    assert!(shown.len() > 1, "{shown:?}");
    let as_shown: BTreeMap<_, _> = expected
        .iter()
        .map(|(code, (total, cells))| {
            let cells = cells.iter().map(|(v, n)| (v.clone(), Some(*n))).collect();
            (code.clone(), (Some(*total), cells))
        })
        .collect();
    assert_eq!(shown, as_shown);
    let all: u64 = expected.values().map(|(total, _)| total).sum();
    assert_eq!(statistics["total"], json!(all));
}

#[tokio::test]
async fn an_analyst_gets_small_cells_withheld_with_those_that_would_give_them_away() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::Analyst).await.access;
    let expected = exact(&app, "demo.analyst", 4, gender_and_arrangement).await;

    let response = app
        .gql(
            Some(&token),
            STATISTICS,
            json!({ "level": "VILLAGE", "by": ["GENDER", "LIVING_ARRANGEMENT"] }),
        )
        .await;

    let statistics = &response.data()["childStatistics"];
    assert_eq!(statistics["protected"], true, "{:?}", response.body);
    assert_eq!(statistics["minCell"], 5);
    let shown = answered(statistics);
    assert_eq!(
        shown.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    // For each group of cells that adds up to a published count: its withheld cells and its
    // shown ones (listed cells hold at least one child).
    let mut groups: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut ones = 0;
    for (code, (total, cells)) in &expected {
        let (shown_total, shown_cells) = &shown[code];
        assert!(shown_total.is_none_or(|t| t == *total), "{code}");
        if *total < 5 {
            assert_eq!(*shown_total, None, "{code}: a small region");
        }
        assert_eq!(
            shown_cells.keys().collect::<BTreeSet<_>>(),
            cells.keys().collect::<BTreeSet<_>>()
        );
        for (values, n) in cells {
            let shown = shown_cells[values];
            if let Some(count) = shown {
                assert_eq!(count, *n, "{code} {values:?}");
            }
            if *n < 5 {
                assert_eq!(shown, None, "{code} {values:?}: {n} shown");
                ones += usize::from(*n == 1);
            }
            // A region's cells add up to its total, and to its one-attribute counts; a
            // column adds up to the parent region's cell.
            let mut names = vec![format!("{code}"), format!("column {values:?}")];
            for (d, value) in values.iter().enumerate() {
                names.push(format!("{code} {d}={value}"));
            }
            for name in names {
                let (withheld, published) = groups.entry(name).or_default();
                if shown.is_some() {
                    *published += 1;
                } else {
                    *withheld += 1;
                }
            }
        }
    }
    // One withheld cell beside shown ones would be the published sum less the shown cells.
    // (Beside none, the sum is that cell alone, small, and withheld wherever it is published.)
    for (group, (withheld, published)) in groups {
        assert!(!(withheld == 1 && published > 0), "{group}");
    }
    assert!(ones > 0, "the demo data holds cells of one child");
}

#[tokio::test]
async fn statistics_are_for_the_roles_the_policy_names() {
    let app = TestApp::spawn().await;
    let allowed = [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::ChildDirector,
        Role::SchoolHead,
        Role::PoliceOfficer,
        Role::WomensFederationWorker,
        Role::Analyst,
    ];

    for role in Role::iter() {
        let response = app
            .gql_as(role, STATISTICS, json!({ "level": "COUNTY" }))
            .await;
        if allowed.contains(&role) {
            assert!(
                response.body["errors"].is_null(),
                "{role:?}: {:?}",
                response.body
            );
            assert!(response.data()["childStatistics"]["rows"].is_array());
        } else {
            assert_eq!(response.code(), "FORBIDDEN", "{role:?}");
        }
    }
}

#[tokio::test]
async fn more_than_two_dimensions_or_one_twice_are_refused_by_name() {
    let app = TestApp::spawn().await;

    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            STATISTICS,
            json!({ "level": "COUNTY", "by": ["GENDER", "STATUS", "RISK_LEVEL"] }),
        )
        .await;

    assert_eq!(response.code(), "BAD_USER_INPUT");
    assert_eq!(response.body["errors"][0]["extensions"]["field"], "by");
    let twice = app
        .gql_as(
            Role::CivilAffairsOfficer,
            STATISTICS,
            json!({ "level": "COUNTY", "by": ["GENDER", "GENDER"] }),
        )
        .await;
    assert_eq!(twice.code(), "BAD_USER_INPUT");
    assert_eq!(twice.body["errors"][0]["extensions"]["field"], "by");
}
