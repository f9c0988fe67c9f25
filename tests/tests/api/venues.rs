//! Venues and village stations: every village must have a service station for left-behind
//! children, and `villagesWithoutStation` names those that do not.

use entity::{enums::VenueKind, region, venue};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

use crate::policy::reached_as_the_policy_says;

const TOWNSHIP: &str = "652701100";

const WITHOUT: &str = "query($r: ID) { villagesWithoutStation(regionId: $r) { code } }";

const REGISTER: &str = "mutation($input: RegisterVenueInput!) { registerVenue(input: $input) { \
    venue { id kind name open staffNames village { code } organization { code } } replayed } }";

/// The township's villages without an open station, counted here from the tables.
async fn expected(app: &TestApp) -> Vec<String> {
    let db = &app.state.db;
    let stations: Vec<uuid::Uuid> = venue::Entity::find()
        .filter(venue::Column::Kind.eq(VenueKind::VillageServiceStation))
        .filter(venue::Column::ClosedOn.is_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.region_id)
        .collect();
    let mut codes: Vec<String> = region::Entity::find()
        .filter(region::Column::Level.eq(entity::enums::RegionLevel::Village))
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.code.starts_with(TOWNSHIP) && !stations.contains(&r.id))
        .map(|r| r.code)
        .collect();
    codes.sort();
    codes
}

fn codes(response: &Value) -> Vec<String> {
    response["villagesWithoutStation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_station_registered_takes_its_village_off_the_list_and_closing_it_puts_it_back() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let before = app.gql(Some(&supervisor.access), WITHOUT, json!({})).await;
    let missing = expected(&app).await;
    assert!(!missing.is_empty());
    assert_eq!(codes(before.data()), missing, "{:?}", before.body);
    let village = app.region_id(&missing[0]).await;
    let director = app
        .gql_as(Role::ChildDirector, "{ me { id } }", json!({}))
        .await
        .data()["me"]["id"]
        .clone();
    let input = json!({ "input": {
        "idempotencyKey": "station-1",
        "kind": "VILLAGE_SERVICE_STATION",
        "name": "新设留守儿童服务工作站",
        "villageId": village,
        "organizationId": app.organization_id(&format!("village_committee:{}", missing[0])).await,
        "openingHours": "周一至周五 16:00-18:00",
        "staffIds": [director],
    } });

    let registered = app
        .gql(Some(&supervisor.access), REGISTER, input.clone())
        .await;
    let retried = app
        .gql(Some(&supervisor.access), REGISTER, input.clone())
        .await;
    let mut second = input.clone();
    second["input"]["idempotencyKey"] = json!("station-2");
    let another = app.gql(Some(&supervisor.access), REGISTER, second).await;
    let after = app.gql(Some(&supervisor.access), WITHOUT, json!({})).await;

    let venue = &registered.data()["registerVenue"]["venue"];
    assert_eq!(venue["open"], true, "{:?}", registered.body);
    assert_eq!(venue["village"]["code"], json!(missing[0]));
    assert_eq!(venue["staffNames"].as_array().unwrap().len(), 1);
    assert_eq!(retried.data()["registerVenue"]["replayed"], true);
    assert_eq!(retried.data()["registerVenue"]["venue"]["id"], venue["id"]);
    assert_eq!(another.code(), "CONFLICT", "one open station a village");
    assert_eq!(codes(after.data()), missing[1..].to_vec());
    assert_eq!(codes(after.data()), expected(&app).await);

    let close = "mutation($id: ID!) { closeVenue(input: {id: $id, reason: \"房屋改建\"}) { venue { open closedOn } } }";
    let closed = app
        .gql(
            Some(&supervisor.access),
            close,
            json!({ "id": venue["id"] }),
        )
        .await;
    let again = app
        .gql(
            Some(&supervisor.access),
            close,
            json!({ "id": venue["id"] }),
        )
        .await;
    let reopened = app.gql(Some(&supervisor.access), WITHOUT, json!({})).await;
    assert_eq!(closed.data()["closeVenue"]["venue"]["open"], false);
    assert_eq!(again.code(), "INVALID_TRANSITION");
    assert_eq!(codes(reopened.data()), missing);
}

#[tokio::test]
async fn venues_outside_ones_area_are_neither_registered_nor_changed() {
    let app = TestApp::spawn().await;
    let director = app.login_as(Role::ChildDirector).await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    // The director's own village, and another of the township.
    let own = app.home_path("demo.child_director").await;
    let own_code = own.rsplit('/').next().unwrap().to_owned();
    let other = expected(&app)
        .await
        .into_iter()
        .chain(["652701100202".to_owned(), "652701100203".to_owned()])
        .find(|c| *c != own_code)
        .unwrap();
    let registered = app
        .gql(
            Some(&supervisor.access),
            REGISTER,
            json!({ "input": {
                "idempotencyKey": "home-1",
                "kind": "WOMENS_HOME",
                "name": "妇女之家",
                "villageId": app.region_id(&other).await,
                "organizationId": app.organization_id("womens_federation:652701").await,
            } }),
        )
        .await;
    let venue = registered.data()["registerVenue"]["venue"]["id"].clone();
    assert!(venue.is_string(), "{:?}", registered.body);

    let elsewhere = app
        .gql(
            Some(&director.access),
            REGISTER,
            json!({ "input": {
                "idempotencyKey": "home-2",
                "kind": "WOMENS_HOME",
                "name": "妇女之家",
                "villageId": app.region_id(&other).await,
                "organizationId": app.organization_id("womens_federation:652701").await,
            } }),
        )
        .await;
    let changed = app
        .gql(
            Some(&director.access),
            "mutation($id: ID!) { updateVenue(input: {id: $id, name: \"改名\"}) { venue { name } } }",
            json!({ "id": venue }),
        )
        .await;
    let wide = app
        .gql(
            Some(&director.access),
            WITHOUT,
            json!({ "r": app.region_id(TOWNSHIP).await }),
        )
        .await;
    let listed = app
        .gql_as(
            Role::Teacher,
            "{ venues(filter: {kinds: [WOMENS_HOME]}) { totalCount edges { node { name village { code } } } } }",
            json!({}),
        )
        .await;

    assert_eq!(elsewhere.code(), "BAD_USER_INPUT");
    assert_eq!(
        elsewhere.body["errors"][0]["extensions"]["field"],
        "input.villageId"
    );
    assert_eq!(changed.code(), "NOT_FOUND");
    assert_eq!(
        wide.code(),
        "BAD_USER_INPUT",
        "the township is above the director's village"
    );
    assert_eq!(
        listed.data()["venues"]["totalCount"],
        1,
        "{:?}",
        listed.body
    );
}

#[tokio::test]
async fn every_role_reaches_the_venue_operations_the_policy_allows() {
    let app = TestApp::spawn().await;
    reached_as_the_policy_says(
        &app,
        &[
            ("Query", "venues", "{ venues { edges { cursor } } }"),
            ("Query", "villagesWithoutStation", "{ villagesWithoutStation { code } }"),
            ("Query", "stationCoverage", "{ stationCoverage { villages } }"),
            (
                "Mutation",
                "registerVenue",
                "mutation { registerVenue(input: {idempotencyKey: \"k\", kind: OTHER, name: \"n\", villageId: \"x\", organizationId: \"x\"}) { replayed } }",
            ),
            (
                "Mutation",
                "updateVenue",
                "mutation { updateVenue(input: {id: \"x\"}) { venue { id } } }",
            ),
            (
                "Mutation",
                "closeVenue",
                "mutation { closeVenue(input: {id: \"x\", reason: \"r\"}) { venue { id } } }",
            ),
        ],
    )
    .await;
}

/// Station coverage of the regions right under `home`, counted here from the tables.
async fn coverage(app: &TestApp, home: &str) -> Vec<Value> {
    let db = &app.state.db;
    let regions = region::Entity::find().all(db).await.unwrap();
    let stations: Vec<uuid::Uuid> = venue::Entity::find()
        .filter(venue::Column::Kind.eq(VenueKind::VillageServiceStation))
        .filter(venue::Column::ClosedOn.is_null())
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.region_id)
        .collect();
    let area = regions.iter().find(|r| r.path == home).unwrap();
    let mut lines: Vec<Value> = regions
        .iter()
        .filter(|r| r.parent_id == Some(area.id))
        .map(|under| {
            let villages: Vec<_> = regions
                .iter()
                .filter(|r| r.level == entity::enums::RegionLevel::Village)
                .filter(|r| r.path == under.path || r.path.starts_with(&format!("{}/", under.path)))
                .collect();
            let with = villages.iter().filter(|v| stations.contains(&v.id)).count();
            json!({
                "region": { "code": under.code },
                "villages": villages.len(),
                "withStation": with,
                "withoutStation": villages.len() - with,
            })
        })
        .collect();
    lines.sort_by_key(|line| line["region"]["code"].as_str().unwrap().to_owned());
    lines
}

const COVERAGE: &str = "query($r: ID) { stationCoverage(regionId: $r) { region { code } villages withStation withoutStation } }";

#[tokio::test]
async fn station_coverage_counts_the_villages_and_stations_under_each_region_exactly() {
    let app = TestApp::spawn().await;
    let township = coverage(&app, &app.home_path("demo.child_supervisor").await).await;
    let county = coverage(&app, &app.home_path("demo.civil_affairs_officer").await).await;
    let village = township
        .iter()
        .find(|l| l["withStation"] == 1)
        .unwrap()
        .clone();
    let village_id = app
        .region_id(village["region"]["code"].as_str().unwrap())
        .await;

    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let by_supervisor = app.gql(Some(&supervisor.access), COVERAGE, json!({})).await;
    let one = app
        .gql(
            Some(&supervisor.access),
            COVERAGE,
            json!({ "r": village_id }),
        )
        .await;
    let away = app
        .gql(
            Some(&supervisor.access),
            COVERAGE,
            json!({ "r": app.region_id("652722100201").await }),
        )
        .await;
    let by_officer = app
        .gql_as(Role::CivilAffairsOfficer, COVERAGE, json!({}))
        .await;

    assert!(township.iter().any(|l| l["withoutStation"] == 1));
    assert!(county.len() > 1 && county.iter().any(|l| l["villages"].as_u64() > Some(1)));
    assert_eq!(
        by_supervisor.data()["stationCoverage"],
        json!(township),
        "{:?}",
        by_supervisor.body
    );
    assert_eq!(one.data()["stationCoverage"], json!([village]));
    assert_eq!(away.code(), "BAD_USER_INPUT");
    assert_eq!(
        by_officer.data()["stationCoverage"],
        json!(county),
        "{:?}",
        by_officer.body
    );
}
