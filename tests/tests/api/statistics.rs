//! `childStatistics`: exact counts against the ledger counted here independently; and for a role
//! that may not read the children in full, small cells withheld with the cells that would give
//! them away, and the rest rounded the same way in every table.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;

use entity::{account, child, organization, region};
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, Iterable, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

const STATISTICS: &str = "query($level: RegionLevel!, $by: [ChildDimension!]) { \
    childStatistics(level: $level, by: $by) { protected minCell roundedTo total \
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
    let home = app.home_path(username).await;
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
    assert_eq!(statistics["roundedTo"], 1);
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
    assert_eq!(statistics["roundedTo"], 5);
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
        assert!(shown_total.is_none_or(|t| rounds(*total, t)), "{code}");
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
                assert!(rounds(*n, count), "{code} {values:?}: {n} shown as {count}");
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

/// Whether `shown` is `exact` rounded to a multiple of 5.
pub(crate) fn rounds(exact: u64, shown: u64) -> bool {
    shown.is_multiple_of(5) && shown.abs_diff(exact) < 5
}

#[tokio::test]
async fn the_same_children_are_shown_the_same_rounded_count_in_every_table() {
    let app = TestApp::spawn().await;
    let token = app.login_as(Role::Analyst).await.access;
    let county = app.region_id("652701").await;
    let ask = |variables: Value| {
        let token = token.clone();
        let app = &app;
        async move {
            let response = app
                .gql(
                    Some(&token),
                    "query($level: RegionLevel!, $by: [ChildDimension!], $region: ID) { \
                     childStatistics(level: $level, by: $by, regionId: $region) { \
                     total rows { region { code } total } } }",
                    variables,
                )
                .await;
            assert!(response.codes().is_empty(), "{:?}", response.body);
            response.data()["childStatistics"].clone()
        }
    };

    // Each village's and township's total, from tables broken down differently and from
    // another root.
    let mut seen: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    let mut shown = 0;
    for variables in [
        json!({ "level": "VILLAGE" }),
        json!({ "level": "VILLAGE", "by": ["GENDER"] }),
        json!({ "level": "VILLAGE", "by": ["RISK_LEVEL", "AGE_BAND"] }),
        json!({ "level": "VILLAGE", "region": county, "by": ["STATUS"] }),
        json!({ "level": "TOWNSHIP" }),
        json!({ "level": "TOWNSHIP", "by": ["NEEDS_REPORT", "GENDER"] }),
        json!({ "level": "TOWNSHIP", "region": county, "by": ["AGE_BAND"] }),
    ] {
        for row in ask(variables).await["rows"].as_array().unwrap() {
            if let Some(total) = row["total"].as_u64() {
                let code = row["region"]["code"].as_str().unwrap().to_owned();
                seen.entry(code).or_default().insert(total);
                shown += 1;
            }
        }
    }
    let prefecture = ask(json!({ "level": "COUNTY" })).await["total"].as_u64();
    let again = ask(json!({ "level": "TOWNSHIP", "by": ["GENDER"] })).await["total"].as_u64();

    assert!(shown > 20, "{shown} totals shown");
    for (code, totals) in seen {
        assert_eq!(totals.len(), 1, "region {code} shown as {totals:?}");
    }
    assert!(prefecture.is_some());
    assert_eq!(prefecture, again);
}

#[tokio::test]
async fn statistics_are_for_the_roles_the_policy_names() {
    let app = TestApp::spawn().await;
    let children = [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::ChildDirector,
        Role::SchoolHead,
        Role::PoliceOfficer,
        Role::WomensFederationWorker,
        Role::Analyst,
        Role::EducationOfficer,
    ];
    let reports = [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::PoliceOfficer,
        Role::Analyst,
    ];
    let report_query = "{ reportStatistics(level: VILLAGE) { lines { count } } }";

    for role in Role::iter() {
        for (allowed, query, field, variables) in [
            (
                &children[..],
                STATISTICS,
                "childStatistics",
                json!({ "level": "VILLAGE" }),
            ),
            (&reports[..], report_query, "reportStatistics", json!({})),
        ] {
            let response = app.gql_as(role, query, variables).await;
            if allowed.contains(&role) {
                assert!(
                    response.body["errors"].is_null(),
                    "{role:?} {field}: {:?}",
                    response.body
                );
                assert!(response.data()[field].is_object());
            } else {
                assert_eq!(response.code(), "FORBIDDEN", "{role:?} {field}");
            }
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

#[tokio::test]
async fn a_request_holds_at_most_nine_statistics_tables() {
    let app = TestApp::spawn().await;
    let kinds = [
        "childStatistics(level: COUNTY) { total }",
        "reportStatistics(level: COUNTY) { protected }",
        "visitCompliance(level: COUNTY) { protected }",
        "dropoutStatistics(level: COUNTY) { protected }",
    ];
    let tables = |n: usize| {
        let fields: Vec<String> = (0..n)
            .map(|i| format!("t{i}: {}", kinds[i % kinds.len()]))
            .collect();
        format!("{{ {} }}", fields.join(" "))
    };

    let nine = app
        .gql_as(Role::CivilAffairsOfficer, &tables(9), json!({}))
        .await;
    let ten = app
        .gql_as(Role::CivilAffairsOfficer, &tables(10), json!({}))
        .await;

    assert!(nine.codes().is_empty(), "{:?}", nine.body);
    assert_eq!(ten.code(), "QUERY_TOO_COMPLEX");
}

#[tokio::test]
async fn the_region_counted_within_is_checked_against_the_jurisdiction_and_the_level() {
    let app = TestApp::spawn().await;
    let query = "query($level: RegionLevel!, $region: ID) { \
        childStatistics(level: $level, regionId: $region) { total } }";
    let officer = |level: &str, region: Value| {
        let app = &app;
        let variables = json!({ "level": level, "region": region });
        async move {
            app.gql_as(Role::CivilAffairsOfficer, query, variables)
                .await
        }
    };
    let prefecture = app.region_id("652700").await;
    let own = app.region_id("652701").await;
    let other = app.region_id("652702").await;

    let default = officer("COUNTY", Value::Null).await;
    let from_above = officer("COUNTY", prefecture).await;
    let elsewhere = officer("COUNTY", other).await;
    let above_level = officer("PREFECTURE", own).await;
    let unknown = officer("COUNTY", json!("bm90LWEtcmVnaW9u")).await;

    assert!(default.codes().is_empty(), "{:?}", default.body);
    assert_eq!(
        from_above.data(),
        default.data(),
        "from above: the jurisdiction"
    );
    for (refused, field) in [
        (&elsewhere, "regionId"),
        (&above_level, "level"),
        (&unknown, "regionId"),
    ] {
        assert_eq!(refused.code(), "BAD_USER_INPUT", "{:?}", refused.body);
        assert_eq!(refused.body["errors"][0]["extensions"]["field"], field);
    }
}

#[tokio::test]
async fn a_school_counts_its_pupils_wherever_they_live() {
    let app = TestApp::spawn().await;
    let head = account::Entity::find()
        .filter(account::Column::Username.eq("demo.school_head"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let school = organization::Entity::find_by_id(head.organization_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let home = region::Entity::find_by_id(school.region_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    // A child from another county goes to this school.
    let from_elsewhere = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652702/"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    child::Entity::update_many()
        .col_expr(child::Column::SchoolId, Some(school.id).into())
        .filter(child::Column::Id.eq(from_elsewhere.id))
        .exec(&app.state.db)
        .await
        .unwrap();
    let pupils = child::Entity::find()
        .filter(child::Column::SchoolId.eq(school.id))
        .all(&app.state.db)
        .await
        .unwrap();

    let response = app
        .gql_as(
            Role::SchoolHead,
            STATISTICS,
            json!({ "level": "PREFECTURE" }),
        )
        .await;

    assert!(pupils.len() > 1);
    assert!(!from_elsewhere.region_path.starts_with(&home.path));
    assert_eq!(
        response.data()["childStatistics"]["total"],
        json!(pupils.len()),
        "{:?}",
        response.body
    );
}

const REPORT_STATISTICS: &str = "query($from: NaiveDate) { reportStatistics(level: COUNTY, \
    from: $from, by: [CATEGORY], grain: MONTH) { protected minCell roundedTo lines { \
    region { code } period values count \
    stages { stage reached medianMinutes p90Minutes missed } } } }";

#[tokio::test]
async fn report_times_and_missed_deadlines_are_exact_for_the_police_and_protected_for_the_analyst()
{
    let app = TestApp::spawn().await;
    // A year on, past every demo report: six reports, accepted 15, 25, … 65 minutes after
    // they were submitted (the deadline is 30).
    app.clock.advance(chrono::TimeDelta::days(400));
    let now = chrono::Utc::now() + chrono::TimeDelta::days(400);
    let teacher = app.login_as(Role::Teacher).await;
    let child = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["myPairedChildren"]["edges"][0]["node"]["id"]
        .clone();
    let mut ids = Vec::new();
    for i in 0..6 {
        let submitted = app
            .gql(
                Some(&teacher.access),
                "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }",
                json!({ "input": {
                    "idempotencyKey": format!("stat-{i}"),
                    "category": "LIVING_ALONE",
                    "urgency": "NORMAL",
                    "narrative": "孩子独自在家，父母外出务工，家中无人照看",
                    "occurredAt": (now - chrono::TimeDelta::minutes(5)).to_rfc3339(),
                    "regionId": app.region_id("652701100201").await,
                    "childId": child,
                } }),
            )
            .await;
        assert!(submitted.codes().is_empty(), "{:?}", submitted.body);
        ids.push(submitted.data()["submitReport"]["report"]["id"].clone());
    }
    // A lone report of another kind, which a protected table must not even list.
    let lone = app
        .gql(
            Some(&teacher.access),
            "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }",
            json!({ "input": {
                "idempotencyKey": "stat-lone",
                "category": "GUARDIAN_UNABLE",
                "urgency": "NORMAL",
                "narrative": "祖父母年迈多病，无力照看孩子的日常生活",
                "occurredAt": (now - chrono::TimeDelta::minutes(5)).to_rfc3339(),
                "regionId": app.region_id("652701100201").await,
                "childId": child,
            } }),
        )
        .await;
    assert!(lone.codes().is_empty(), "{:?}", lone.body);
    app.clock.advance(chrono::TimeDelta::minutes(5));
    for id in &ids {
        app.clock.advance(chrono::TimeDelta::minutes(10));
        let police = app.login_as(Role::PoliceOfficer).await;
        let accepted = app
            .gql(
                Some(&police.access),
                "mutation($id: ID!) { transitionReport(input: {id: $id, move: ACCEPT}) { report { state } } }",
                json!({ "id": id }),
            )
            .await;
        assert!(accepted.codes().is_empty(), "{:?}", accepted.body);
    }
    let today = shouhu::clock::china_date(now);
    let variables = json!({ "from": (today - chrono::TimeDelta::days(1)).to_string() });

    let by_police = app
        .gql_as(Role::PoliceOfficer, REPORT_STATISTICS, variables.clone())
        .await;
    let by_analyst = app
        .gql_as(Role::Analyst, REPORT_STATISTICS, variables.clone())
        .await;
    let by_teacher = app
        .gql_as(Role::Teacher, REPORT_STATISTICS, variables)
        .await;

    let police = &by_police.data()["reportStatistics"];
    assert_eq!(police["protected"], false, "{:?}", by_police.body);
    let lines = police["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["values"], json!(["GUARDIAN_UNABLE"]));
    assert_eq!(lines[0]["count"], 1);
    let line = &lines[1];
    assert_eq!(line["region"]["code"], "652701");
    assert_eq!(line["period"], json!(today.format("%Y-%m").to_string()));
    assert_eq!(line["values"], json!(["LIVING_ALONE"]));
    assert_eq!(line["count"], 6);
    let stages = line["stages"].as_array().unwrap();
    assert_eq!(
        stages[0],
        json!({ "stage": "ACCEPT", "reached": 6, "medianMinutes": 35, "p90Minutes": 65, "missed": 4 })
    );
    assert_eq!(
        stages[1],
        json!({ "stage": "DISPATCH", "reached": 0, "medianMinutes": null, "p90Minutes": null, "missed": 0 })
    );
    assert_eq!(
        stages[2]["missed"],
        Value::Null,
        "responding has no deadline"
    );

    let analyst = &by_analyst.data()["reportStatistics"];
    assert_eq!(analyst["protected"], true, "{:?}", by_analyst.body);
    assert_eq!(analyst["roundedTo"], 5);
    let lines = analyst["lines"].as_array().unwrap();
    assert_eq!(
        lines.len(),
        1,
        "the lone report's line is left out: {lines:?}"
    );
    let line = &lines[0];
    assert_eq!(line["values"], json!(["LIVING_ALONE"]));
    assert!(
        [json!(5), json!(10)].contains(&line["count"]),
        "{line}: 6 rounded"
    );
    assert_eq!(line["stages"][0]["medianMinutes"], 35, "over 6 reports");
    assert_eq!(line["stages"][0]["missed"], Value::Null, "4 is withheld");
    assert_eq!(line["stages"][1]["missed"], 0);
    assert_eq!(by_teacher.code(), "FORBIDDEN");

    // The analyst's windows are whole months: any day of a month counts from its first, and
    // no grain means months, so no two windows round almost the same reports two ways.
    let month_start = today.with_day(1).unwrap();
    let from_the_first = app
        .gql_as(
            Role::Analyst,
            REPORT_STATISTICS,
            json!({ "from": month_start.to_string() }),
        )
        .await;
    let no_grain = app
        .gql_as(
            Role::Analyst,
            "query($from: NaiveDate) { reportStatistics(level: COUNTY, from: $from, by: [CATEGORY]) { lines { period count } } }",
            json!({ "from": today.to_string() }),
        )
        .await;
    assert_eq!(from_the_first.data(), by_analyst.data());
    assert_eq!(
        no_grain.data()["reportStatistics"]["lines"][0]["period"],
        json!(today.format("%Y-%m").to_string())
    );
}

#[tokio::test]
async fn dropout_statistics_count_openings_returns_and_written_reports_by_period() {
    use entity::{dropout_case, enums::DropoutState};
    let app = TestApp::spawn().await;
    // Three of the teacher's children absent three school days: one back at school, one
    // reported in writing, one still open.
    let teacher = app.login_as(Role::Teacher).await;
    let paired = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 3) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let mut monday = shouhu::clock::china_date(chrono::Utc::now()) - chrono::TimeDelta::days(14);
    while chrono::Datelike::weekday(&monday) != chrono::Weekday::Mon {
        monday -= chrono::TimeDelta::days(1);
    }
    let follow = "mutation($input: FollowUpDropoutInput!) { followUpDropout(input: $input) { case { state } } }";
    for (i, edge) in paired.data()["myPairedChildren"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let opened = app
            .gql(
                Some(&teacher.access),
                "mutation($input: RecordAbsenceInput!) { recordAbsence(input: $input) { openedCase { id } } }",
                json!({ "input": { "childId": edge["node"]["id"], "from": monday.to_string(), "to": (monday + chrono::TimeDelta::days(2)).to_string() } }),
            )
            .await;
        let case = opened.data()["recordAbsence"]["openedCase"]["id"].clone();
        assert!(case.is_string(), "{:?}", opened.body);
        let steps = match i {
            0 => vec![json!({ "caseId": case, "action": "RETURNED" })],
            1 => vec![
                json!({ "caseId": case, "action": "PERSUADE", "persuasion": { "attemptedOn": monday.to_string(), "byWhom": "班主任", "outcome": "家长不同意" } }),
                json!({ "caseId": case, "action": "REPORT_IN_WRITING", "report": "劝返无效" }),
            ],
            _ => vec![],
        };
        for input in steps {
            let done = app
                .gql(Some(&teacher.access), follow, json!({ "input": input }))
                .await;
            assert!(done.codes().is_empty(), "{:?}", done.body);
        }
    }
    let db = &app.state.db;
    let codes: BTreeMap<String, String> = region::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.path, r.code))
        .collect();
    let mut expected: BTreeMap<(String, String), [u64; 3]> = BTreeMap::new();
    for case in dropout_case::Entity::find().all(db).await.unwrap() {
        let child = child::Entity::find_by_id(case.child_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        if !child.region_path.starts_with("652700/652701/") {
            continue;
        }
        let county = codes["652700/652701"].clone();
        let year = |day: chrono::NaiveDate| chrono::Datelike::year(&day).to_string();
        expected
            .entry((county.clone(), year(case.opened_on)))
            .or_default()[0] += 1;
        if let Some(closed) = case.closed_at.map(shouhu::clock::china_date) {
            let at = match case.state {
                DropoutState::Returned => 1,
                DropoutState::Reported => 2,
                _ => continue,
            };
            expected.entry((county.clone(), year(closed))).or_default()[at] += 1;
        }
    }

    let response = app
        .gql_as(
            Role::CivilAffairsOfficer,
            "{ dropoutStatistics(level: COUNTY, grain: YEAR) { protected \
               lines { region { code } period opened returned reported } } }",
            json!({}),
        )
        .await;

    let table = &response.data()["dropoutStatistics"];
    assert_eq!(table["protected"], false, "{:?}", response.body);
    let shown: BTreeMap<(String, String), [u64; 3]> = table["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                (
                    line["region"]["code"].as_str().unwrap().to_owned(),
                    line["period"].as_str().unwrap().to_owned(),
                ),
                ["opened", "returned", "reported"].map(|f| line[f].as_u64().unwrap()),
            )
        })
        .collect();
    let all: Vec<u64> = (0..3)
        .map(|at| expected.values().map(|line| line[at]).sum())
        .collect();
    assert!(all[0] >= 3 && all[1] >= 1 && all[2] >= 1, "{all:?}");
    assert_eq!(shown, expected);

    // The analyst counts the same cases, protected: small counts are withheld, and a line
    // with nothing left to show is not listed at all.
    let by_analyst = app
        .gql_as(
            Role::Analyst,
            "{ dropoutStatistics(level: COUNTY, grain: YEAR) { protected \
               lines { region { code } opened returned reported } } }",
            json!({}),
        )
        .await;
    let table = &by_analyst.data()["dropoutStatistics"];
    assert_eq!(table["protected"], true, "{:?}", by_analyst.body);
    for line in table["lines"].as_array().unwrap() {
        for field in ["opened", "returned", "reported"] {
            let n = &line[field];
            assert!(
                n.is_null() || n.as_u64().is_some_and(|n| n == 0 || n >= 5),
                "{line}"
            );
        }
        assert!(
            ["opened", "returned", "reported"]
                .iter()
                .any(|f| line[f].as_u64().is_some_and(|n| n > 0)),
            "a line with nothing to show is left out: {line}"
        );
    }
}
