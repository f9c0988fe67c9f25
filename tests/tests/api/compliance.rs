//! `visitCompliance`: exact against the ledger and the visits counted here, for civil affairs
//! and rounded for the analyst; closed months read from the counts kept of them, a visit
//! recorded late into a closed month or corrected into another counted at once, a change of a
//! child that alters closed months likewise, a month that ends counted once by two instances,
//! and the month's work list (`visitDue`) made of the children the month counts.

use std::{collections::BTreeMap, time::Duration};

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use entity::{child, region, visit, visit_compliance_count, visit_compliance_month};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::json;
use shouhu::{
    clock::{Clock, china_date, china_midnight},
    domain::statistics::visits,
};
use shouhu_tests::{GqlResponse, Role, TestApp};

/// Each township's children due a visit and visited, per month, counted here from the
/// ledger and the visits as `visitCompliance` defines them.
async fn exact_compliance(
    app: &TestApp,
    home: &str,
    months: &[chrono::NaiveDate],
) -> BTreeMap<(String, String), (u64, u64)> {
    use entity::visit;
    let db = &app.state.db;
    let codes: BTreeMap<String, String> = region::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.path, r.code))
        .collect();
    let visits = visit::Entity::find()
        .filter(visit::Column::VisitorRole.eq(entity::enums::Role::ChildDirector))
        .all(db)
        .await
        .unwrap();
    let mut table = BTreeMap::new();
    for child in child::Entity::find().all(db).await.unwrap() {
        if !child.region_path.starts_with(&format!("{home}/")) {
            continue;
        }
        let township = child
            .region_path
            .split('/')
            .take(3)
            .collect::<Vec<_>>()
            .join("/");
        for start in months {
            let next = *start + chrono::Months::new(1);
            let (from, until) = (
                shouhu::clock::china_midnight(*start),
                shouhu::clock::china_midnight(next),
            );
            if !due_in(&child, *start) {
                continue;
            }
            let seen = visits
                .iter()
                .any(|v| v.child_id == child.id && v.visited_at >= from && v.visited_at < until);
            let line: &mut (u64, u64) = table
                .entry((codes[&township].clone(), start.format("%Y-%m").to_string()))
                .or_default();
            line.0 += 1;
            line.1 += u64::from(seen);
        }
    }
    table
}

/// Whether `child` is due a visit in `month` (its first day), as `visitCompliance` defines
/// it: registered by the month's end (by the form's date, or by when the record was made) and
/// followed during the month.
fn due_in(child: &child::Model, month: NaiveDate) -> bool {
    let next = month + Months::new(1);
    let followed = child.status == entity::enums::ChildStatus::Active
        || child.status_changed_on.is_some_and(|d| d >= month);
    let registered = child
        .filled_on
        .map_or(child.created_at < china_midnight(next), |day| day < next);
    followed && registered
}

/// Records a visit to `child` (its global id) at `at`, as `token`'s holder; asserts it went in.
async fn record_visit(
    app: &TestApp,
    token: &str,
    key: &str,
    child: &serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
) -> GqlResponse {
    let recorded = app
        .gql(
            Some(token),
            "mutation($input: RecordVisitInput!) { recordVisit(input: $input) { visit { id } } }",
            json!({ "input": {
                "idempotencyKey": key,
                "childId": child,
                "visit": { "visitedAt": at.to_rfc3339(), "method": "HOME" }
            } }),
        )
        .await;
    assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    recorded
}

/// Records, as `token`'s holder, that `child`'s parents came home on `on`; asserts it went in.
async fn parents_returned(app: &TestApp, token: &str, child: &child::Model, on: NaiveDate) {
    let changed = app
        .gql(
            Some(token),
            "mutation($id: ID!, $v: Int!, $d: NaiveDate!) { changeChildStatus(input: {id: $id, \
             version: $v, status: PARENTS_RETURNED, reason: \"父母返乡\", effectiveOn: $d}) { \
             child { status } } }",
            json!({ "id": shouhu_tests::gid("Child", child.id), "v": child.version, "d": on }),
        )
        .await;
    assert!(changed.body["errors"].is_null(), "{:?}", changed.body);
}

const COMPLIANCE: &str = "query($from: NaiveDate, $until: NaiveDate) { \
    visitCompliance(level: TOWNSHIP, from: $from, until: $until) { protected roundedTo \
    lines { region { code } month due visited rate } } }";

#[tokio::test]
async fn visit_compliance_is_exact_for_civil_affairs_and_rounded_for_the_analyst() {
    let app = TestApp::spawn().await;
    let today = shouhu::clock::china_date(chrono::Utc::now());
    let this_month = chrono::NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
        1,
    )
    .unwrap();
    let months: Vec<_> = (0..3)
        .rev()
        .map(|back| this_month - chrono::Months::new(back))
        .collect();
    let variables = json!({
        "from": months[0].to_string(),
        "until": (this_month + chrono::Months::new(1)).to_string(),
    });

    let by_officer = app
        .gql_as(Role::CivilAffairsOfficer, COMPLIANCE, variables.clone())
        .await;
    let by_analyst = app.gql_as(Role::Analyst, COMPLIANCE, variables).await;
    let officer_view = exact_compliance(&app, "652700/652701", &months).await;
    let analyst_view = exact_compliance(&app, "652700", &months).await;

    let shown = |response: &shouhu_tests::GqlResponse| {
        let table = &response.data()["visitCompliance"];
        assert!(table.is_object(), "{:?}", response.body);
        table["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|line| {
                (
                    (
                        line["region"]["code"].as_str().unwrap().to_owned(),
                        line["month"].as_str().unwrap().to_owned(),
                    ),
                    (
                        line["due"].as_u64(),
                        line["visited"].as_u64(),
                        line["rate"].as_f64(),
                    ),
                )
            })
            .collect::<BTreeMap<_, _>>()
    };
    let officer = shown(&by_officer);
    assert_eq!(by_officer.data()["visitCompliance"]["protected"], false);
    assert_eq!(
        officer.keys().collect::<Vec<_>>(),
        officer_view.keys().collect::<Vec<_>>()
    );
    let mut visited_somewhere = false;
    for (key, (due, visited)) in &officer_view {
        let (shown_due, shown_visited, rate) = officer[key];
        assert_eq!(
            (shown_due, shown_visited),
            (Some(*due), Some(*visited)),
            "{key:?}"
        );
        let expected = *visited as f64 / *due as f64;
        assert!(rate.is_some_and(|r| (r - expected).abs() < 1e-9), "{key:?}");
        visited_somewhere |= *visited > 0;
    }
    assert!(visited_somewhere, "the demo has directors' visits");

    let analyst = shown(&by_analyst);
    assert_eq!(by_analyst.data()["visitCompliance"]["roundedTo"], 5);
    assert_eq!(
        analyst.keys().collect::<Vec<_>>(),
        analyst_view.keys().collect::<Vec<_>>()
    );
    for (key, (due, visited)) in &analyst_view {
        let (shown_due, shown_visited, _) = analyst[key];
        for (exact, shown) in [(*due, shown_due), (*visited, shown_visited)] {
            match shown {
                Some(n) => assert!(
                    exact == 0 && n == 0 || super::statistics::rounds(exact, n),
                    "{key:?}"
                ),
                None => assert!((1..5).contains(&exact), "{key:?}: {exact} withheld"),
            }
        }
    }
}

/// The months whose counts are marked stale, oldest first.
async fn stale(db: &sea_orm::DatabaseConnection) -> Vec<NaiveDate> {
    visit_compliance_month::Entity::find()
        .filter(visit_compliance_month::Column::Stale.eq(true))
        .order_by_asc(visit_compliance_month::Column::Month)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.month)
        .collect()
}

fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap()
}

/// The lines of a compliance table: (township code, month) to (due, visited).
fn lines(response: &GqlResponse) -> BTreeMap<(String, String), (u64, u64)> {
    let table = &response.data()["visitCompliance"];
    assert!(table.is_object(), "{:?}", response.body);
    table["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                (
                    line["region"]["code"].as_str().unwrap().to_owned(),
                    line["month"].as_str().unwrap().to_owned(),
                ),
                (
                    line["due"].as_u64().unwrap(),
                    line["visited"].as_u64().unwrap(),
                ),
            )
        })
        .collect()
}

/// The twelve months up to and including the one `today` falls in, and the window's variables.
fn year_to(today: NaiveDate) -> (Vec<NaiveDate>, serde_json::Value) {
    let this_month = first_of_month(today);
    let months: Vec<_> = (0..12)
        .rev()
        .map(|back| this_month - Months::new(back))
        .collect();
    let variables = json!({
        "from": months[0].to_string(),
        "until": (this_month + Months::new(1)).to_string(),
    });
    (months, variables)
}

#[tokio::test]
async fn closed_months_are_read_from_their_counts_and_a_late_visit_counts_at_once() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let today = china_date(app.clock.now());
    let this_month = first_of_month(today);
    let last_month = this_month - Months::new(1);
    let (months, variables) = year_to(today);
    let home = app.home_path("demo.civil_affairs_officer").await;

    // Loading the demo counted the 36 months before the last one closed for a while.
    let settled = first_of_month(china_date(app.clock.now() - visits::SETTLED));
    let expected: Vec<_> = (1..=36)
        .rev()
        .map(|back| settled - Months::new(back))
        .collect();
    let kept = visit_compliance_month::Entity::find()
        .order_by_asc(visit_compliance_month::Column::Month)
        .all(db)
        .await
        .unwrap();
    assert_eq!(kept.iter().map(|m| m.month).collect::<Vec<_>>(), expected);
    assert!(kept.iter().all(|m| !m.stale));

    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    // Once the caller's account and session are cached.
    app.gql(Some(&officer.access), "{ me { id } }", json!({}))
        .await;
    let before = app.statements();
    let year = app.gql(Some(&officer.access), COMPLIANCE, variables).await;
    let year_cost = app.statements() - before;
    assert_eq!(lines(&year), exact_compliance(&app, &home, &months).await);
    // Eleven closed months cost what one does: their rows and their counts.
    let two = json!({
        "from": last_month.to_string(),
        "until": (this_month + Months::new(1)).to_string(),
    });
    let before = app.statements();
    let short = app.gql(Some(&officer.access), COMPLIANCE, two).await;
    assert!(short.body["errors"].is_null(), "{:?}", short.body);
    assert_eq!(app.statements() - before, year_cost);

    // A child director's visit recorded today into a closed month, for a child not visited then.
    let director = app.login_as(Role::ChildDirector).await;
    let theirs = app
        .gql(
            Some(&director.access),
            "{ children(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<_> = theirs.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|edge| edge["node"]["id"].clone())
        .collect();
    let seen = visit::Entity::find()
        .filter(visit::Column::ChildId.is_in(ids.iter().map(shouhu_tests::uuid_of)))
        .filter(visit::Column::VisitorRole.eq(entity::enums::Role::ChildDirector))
        .all(db)
        .await
        .unwrap();
    let registered: BTreeMap<_, _> = child::Entity::find()
        .filter(child::Column::Id.is_in(ids.iter().map(shouhu_tests::uuid_of)))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.filled_on))
        .collect();
    let (late, child) = months[..11]
        .iter()
        .rev()
        .find_map(|month| {
            let (from, until) = (
                china_midnight(*month),
                china_midnight(*month + Months::new(1)),
            );
            ids.iter()
                .find(|id| {
                    let uuid = shouhu_tests::uuid_of(id);
                    registered[&uuid].is_some_and(|day| day < *month)
                        && !seen.iter().any(|v| {
                            v.child_id == uuid && v.visited_at >= from && v.visited_at < until
                        })
                })
                .map(|id| (*month, id.clone()))
        })
        .expect("a director's child not visited in some closed month");
    let recorded = record_visit(
        &app,
        &director.access,
        "late-entry",
        &child,
        china_midnight(late) + TimeDelta::days(14),
    )
    .await;
    let month = visit_compliance_month::Entity::find_by_id(late)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert!(month.stale, "marked in the visit's transaction");

    let (months, variables) = year_to(today);
    let expected = exact_compliance(&app, &home, &months).await;
    let after = app
        .gql(Some(&officer.access), COMPLIANCE, variables.clone())
        .await;
    assert_eq!(lines(&after), expected, "the stale month counted live");
    let visited = |table: &BTreeMap<(String, String), (u64, u64)>| -> u64 {
        table
            .iter()
            .filter(|((_, m), _)| *m == late.format("%Y-%m").to_string())
            .map(|(_, (_, v))| v)
            .sum()
    };
    assert_eq!(visited(&expected), visited(&lines(&year)) + 1);

    // The next check counts the month again, from the ledger and visits as they are.
    assert_eq!(
        visits::refresh(db, app.clock.now()).await.unwrap(),
        vec![late]
    );
    assert!(
        !visit_compliance_month::Entity::find_by_id(late)
            .one(db)
            .await
            .unwrap()
            .unwrap()
            .stale
    );
    let again = app.gql(Some(&officer.access), COMPLIANCE, variables).await;
    assert_eq!(lines(&again), expected);
    assert!(
        visits::refresh(db, app.clock.now())
            .await
            .unwrap()
            .is_empty()
    );

    // Corrected into another closed month: the month it leaves and the one it enters marked.
    let other = months[..11]
        .iter()
        .copied()
        .find(|month| *month != late)
        .unwrap();
    let corrected = app
        .gql(
            Some(&director.access),
            "mutation($id: ID!, $at: DateTime!) { correctVisit(input: {id: $id, visit: \
             {visitedAt: $at, method: HOME}}) { visit { visitedAt } } }",
            json!({
                "id": recorded.data()["recordVisit"]["visit"]["id"],
                "at": (china_midnight(other) + TimeDelta::days(3)).to_rfc3339(),
            }),
        )
        .await;
    assert!(corrected.body["errors"].is_null(), "{:?}", corrected.body);
    assert_eq!(stale(db).await, [other.min(late), other.max(late)]);
    let (months, variables) = year_to(today);
    let moved = app.gql(Some(&officer.access), COMPLIANCE, variables).await;
    assert_eq!(lines(&moved), exact_compliance(&app, &home, &months).await);
}

#[tokio::test]
async fn a_month_that_ends_is_counted_once_by_two_instances() {
    let app = TestApp::spawn_with(|c| c.statistics_snapshot_interval_secs = 1).await;
    let _second = app
        .second_instance_with(|c| c.statistics_snapshot_interval_secs = 1)
        .await;
    let db = &app.state.db;
    let home = app.home_path("demo.civil_affairs_officer").await;
    let month = first_of_month(china_date(app.clock.now()));
    let (months, _) = year_to(month);
    let before = exact_compliance(&app, &home, &months).await;

    // Into the next month: the month that was in progress is closed now.
    app.clock
        .advance(china_midnight(month + Months::new(1)) - app.clock.now() + TimeDelta::hours(1));
    let mut waited = 0;
    while visit_compliance_month::Entity::find_by_id(month)
        .one(db)
        .await
        .unwrap()
        .is_none()
    {
        assert!(waited < 100, "{month} not counted after 10 s");
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += 1;
    }
    let taken = visit_compliance_month::Entity::find_by_id(month)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    // Both instances have ticked since, and neither took it again.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        visit_compliance_month::Entity::find_by_id(month)
            .one(db)
            .await
            .unwrap(),
        Some(taken)
    );
    assert!(!visits::take(db, month, app.clock.now()).await.unwrap());

    let counts = visit_compliance_count::Entity::find()
        .filter(visit_compliance_count::Column::Month.eq(month))
        .filter(visit_compliance_count::Column::RegionPath.starts_with(format!("{home}/")))
        .all(db)
        .await
        .unwrap();
    let label = month.format("%Y-%m").to_string();
    let (due, visited) = before
        .iter()
        .filter(|((_, m), _)| *m == label)
        .fold((0, 0), |(d, v), (_, (due, seen))| (d + due, v + seen));
    assert_eq!(
        (
            counts.iter().map(|c| c.due).sum::<i64>(),
            counts.iter().map(|c| c.visited).sum::<i64>()
        ),
        (i64::try_from(due).unwrap(), i64::try_from(visited).unwrap()),
        "counted once, not once per instance"
    );

    // Read back from the counts, the month shows what it showed while in progress.
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let shown = app
        .gql(
            Some(&officer.access),
            COMPLIANCE,
            json!({ "from": month.to_string(), "until": (month + Months::new(1)).to_string() }),
        )
        .await;
    let expected: BTreeMap<_, _> = before
        .into_iter()
        .filter(|((_, m), _)| *m == label)
        .collect();
    assert_eq!(lines(&shown), expected);
}

#[tokio::test]
async fn the_months_work_list_holds_the_children_no_child_director_has_visited_yet() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let director = app.login_as(Role::ChildDirector).await;
    let home = app.home_path("demo.child_director").await;
    let listed_by = |token: String, due: bool| {
        let app = &app;
        async move {
            let response = app
                .gql(
                    Some(&token),
                    "query($due: Boolean) { children(first: 100, filter: {visitDue: $due}) { \
                     totalCount edges { node { id visitDue } } } }",
                    json!({ "due": due }),
                )
                .await;
            assert!(response.body["errors"].is_null(), "{:?}", response.body);
            let list = response.data()["children"].clone();
            let nodes: Vec<_> = list["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|edge| edge["node"].clone())
                .collect();
            assert!(
                nodes.iter().all(|node| node["visitDue"] == due),
                "{nodes:?}"
            );
            assert_eq!(list["totalCount"].as_u64().unwrap(), nodes.len() as u64);
            nodes
                .iter()
                .map(|node| shouhu_tests::uuid_of(&node["id"]))
                .collect::<std::collections::BTreeSet<_>>()
        }
    };

    let listed = |due: bool| listed_by(director.access.clone(), due);

    // A child of the village whose parents came home last month: due no longer.
    let this_month = first_of_month(china_date(app.clock.now()));
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let returned = child::Entity::find()
        .filter(child::Column::RegionPath.eq(&home))
        .filter(child::Column::Status.eq(entity::enums::ChildStatus::Active))
        .one(db)
        .await
        .unwrap()
        .expect("an active child in the director's village");
    let returned_on = this_month - Months::new(1) + TimeDelta::days(9);
    parents_returned(&app, &officer.access, &returned, returned_on).await;

    // Counted here: the village's children due this month (registered by its end and followed
    // during it, as `visitCompliance` counts them) and those a child director visited in it.
    let (month_start, month_end) = (
        china_midnight(this_month),
        china_midnight(this_month + Months::new(1)),
    );
    let theirs: std::collections::BTreeSet<_> = child::Entity::find()
        .filter(child::Column::RegionPath.eq(&home))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| due_in(c, this_month))
        .map(|c| c.id)
        .collect();
    assert!(!theirs.contains(&returned.id));
    let visited: std::collections::BTreeSet<_> = visit::Entity::find()
        .filter(visit::Column::VisitorRole.eq(entity::enums::Role::ChildDirector))
        .filter(visit::Column::VisitedAt.gte(month_start))
        .filter(visit::Column::VisitedAt.lt(month_end))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.child_id)
        .filter(|id| theirs.contains(id))
        .collect();
    let due = listed(true).await;
    assert_eq!(&due, &theirs.difference(&visited).copied().collect());
    assert_eq!(listed(false).await, visited);
    assert!(!due.contains(&returned.id));
    assert!(!due.is_empty(), "the demo village has children to visit");

    // Visited now: off the list.
    let next = *due.iter().next().unwrap();
    record_visit(
        &app,
        &director.access,
        "work-list",
        &shouhu_tests::gid("Child", next),
        app.clock.now(),
    )
    .await;
    let after = listed(true).await;
    assert_eq!(after.len() + 1, due.len());
    assert!(!after.contains(&next));

    // Two minutes before the month ends, a visit dated a minute into the next (the clock's
    // tolerance allows it) is next month's: the child stays on this month's list.
    let next_month = china_midnight(this_month + Months::new(1));
    app.clock
        .advance(next_month - TimeDelta::minutes(2) - app.clock.now());
    let director = app.login_as(Role::ChildDirector).await;
    let early = *after.iter().next().expect("another child to visit");
    record_visit(
        &app,
        &director.access,
        "next-month",
        &shouhu_tests::gid("Child", early),
        next_month + TimeDelta::minutes(1),
    )
    .await;
    let last_day = listed_by(director.access.clone(), true).await;
    assert!(last_day.contains(&early));
}

#[tokio::test]
async fn a_change_of_a_child_that_alters_closed_months_counts_them_live_until_counted_again() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let today = china_date(app.clock.now());
    let (months, variables) = year_to(today);
    let home = app.home_path("demo.civil_affairs_officer").await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;

    // A visit by a teacher counts for nothing here and marks nothing.
    let teacher = app.login_as(Role::Teacher).await;
    let paired = app.paired_child(&teacher).await;
    record_visit(
        &app,
        &teacher.access,
        "teacher-late",
        &paired["id"],
        china_midnight(months[0]) + TimeDelta::days(3),
    )
    .await;
    assert!(stale(db).await.is_empty());

    // A child of the county, registered over a year ago by its form, whose parents came home
    // four months ago: from the month after, it is no longer due.
    let child = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with(format!("{home}/")))
        .filter(child::Column::FilledOn.lt(months[0]))
        .filter(child::Column::Status.eq(entity::enums::ChildStatus::Active))
        .one(db)
        .await
        .unwrap()
        .expect("a child registered over a year ago");
    let returned_on = months[7] + TimeDelta::days(9);
    parents_returned(&app, &officer.access, &child, returned_on).await;
    assert_eq!(
        stale(db).await,
        months[7..11].to_vec(),
        "the closed months from the change's"
    );

    let expected = exact_compliance(&app, &home, &months).await;
    let live = app
        .gql(Some(&officer.access), COMPLIANCE, variables.clone())
        .await;
    assert_eq!(lines(&live), expected);
    visits::refresh(db, app.clock.now()).await.unwrap();
    assert!(stale(db).await.is_empty());
    let kept = app.gql(Some(&officer.access), COMPLIANCE, variables).await;
    assert_eq!(lines(&kept), expected);
}
