//! Key-period screening: campaigns over a region, hazard sites, teams with members, screening
//! records of children and sites, and a finding that raises a report at once.

use chrono::{NaiveDate, TimeDelta, Utc};
use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

const CAMPAIGN: &str = "mutation($input: StartScreeningCampaignInput!) { startScreeningCampaign(input: $input) { campaign { id name season region { name } } } }";
const SITE: &str = "mutation($input: AddHazardSiteInput!) { addHazardSite(input: $input) { site { id kind risk place region { name } } } }";
const TEAM: &str = "mutation($input: FormScreeningTeamInput!) { formScreeningTeam(input: $input) { team { id kind name organization { name } members { name duty organization { name } } } } }";
const RECORD: &str = "mutation($input: RecordScreeningInput!) { recordScreening(input: $input) { replayed record { id concern child { id } hazardSite { place } } report { id state category } } }";

fn today() -> NaiveDate {
    (Utc::now() + TimeDelta::hours(8)).date_naive()
}

fn day(n: i64) -> String {
    (today() + TimeDelta::days(n)).to_string()
}

fn field_of(response: &shouhu_tests::GqlResponse) -> Value {
    response.body["errors"][0]["extensions"]["field"].clone()
}

#[tokio::test]
async fn a_holiday_campaign_screens_children_and_sites_and_a_finding_raises_a_report() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let director = app.login_as(Role::ChildDirector).await;
    let teacher = app.login_as(Role::Teacher).await;
    let township = app.region_id("652701100").await;
    let village = app.region_id("652701100201").await;
    let elsewhere = app.region_id("652702100").await;
    let station = app.organization_id("police_station:652701100").await;
    let government = app.organization_id("township_government:652701100").await;
    let campaign_input = |region: &Value, starts: i64, ends: i64| json!({ "input": { "name": "寒假留守儿童安全排查", "season": "WINTER_HOLIDAY", "startsOn": day(starts), "endsOn": day(ends), "regionId": region } });

    let backwards = app
        .gql(
            Some(&supervisor.access),
            CAMPAIGN,
            campaign_input(&township, 5, -5),
        )
        .await;
    let outside = app
        .gql(
            Some(&supervisor.access),
            CAMPAIGN,
            campaign_input(&elsewhere, -5, 30),
        )
        .await;
    let started = app
        .gql(
            Some(&supervisor.access),
            CAMPAIGN,
            campaign_input(&township, -5, 30),
        )
        .await;
    let campaign = started.data()["startScreeningCampaign"]["campaign"]["id"].clone();
    let site = app
        .gql(
            Some(&director.access),
            SITE,
            json!({ "input": { "regionId": village, "kind": "WATER", "place": "村东涝坝，无护栏", "risk": "HIGH" } }),
        )
        .await;
    let site_id = site.data()["addHazardSite"]["site"]["id"].clone();
    let team_input = |members: Value| json!({ "input": { "campaignId": campaign, "kind": "HAZARD_SCREENING", "name": "隐患排查组", "organizationId": government, "members": members } });
    let no_members = app
        .gql(Some(&supervisor.access), TEAM, team_input(json!([])))
        .await;
    let team = app
        .gql(
            Some(&supervisor.access),
            TEAM,
            team_input(json!([
                { "name": "李警官", "organizationId": station, "duty": "巡查水域" },
                { "name": "王主任", "duty": "入户走访" },
            ])),
        )
        .await;
    let team_id = team.data()["formScreeningTeam"]["team"]["id"].clone();
    let child = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { id } } } }",
            json!({}),
        )
        .await
        .data()["myPairedChildren"]["edges"][0]["node"]["id"]
        .clone();
    let screening = |key: &str, extra: Value| {
        let mut input = json!({ "idempotencyKey": key, "campaignId": campaign, "teamId": team_id, "screenedOn": day(0), "finding": "独自在家，炉火无人看管", "concern": true });
        for (k, v) in extra.as_object().unwrap() {
            input[k] = v.clone();
        }
        json!({ "input": input })
    };
    let raise = json!({ "category": "LIVING_ALONE", "urgency": "IMMEDIATE" });
    let teachers_campaigns = app
        .gql(
            Some(&teacher.access),
            "{ screeningCampaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let agency_campaigns = app
        .gql_as(
            Role::SocialWorker,
            "{ screeningCampaigns { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let early = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening("s-0", json!({ "childId": child, "screenedOn": day(-9) })),
        )
        .await;
    let both = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening("s-0", json!({ "childId": child, "hazardSiteId": site_id })),
        )
        .await;
    let calm = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening(
                "s-0",
                json!({ "childId": child, "concern": false, "raiseReport": raise }),
            ),
        )
        .await;
    let raised = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening("s-1", json!({ "childId": child, "raiseReport": raise })),
        )
        .await;
    let retried = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening("s-1", json!({ "childId": child, "raiseReport": raise })),
        )
        .await;
    let reused = app
        .gql(
            Some(&teacher.access),
            RECORD,
            screening(
                "s-1",
                json!({ "childId": child, "finding": "另一次排查：家中有人照看" }),
            ),
        )
        .await;
    let at_site = app
        .gql(
            Some(&director.access),
            RECORD,
            screening(
                "s-2",
                json!({ "hazardSiteId": site_id, "finding": "护栏缺失，已设警示牌" }),
            ),
        )
        .await;
    let overview = app
        .gql(
            Some(&supervisor.access),
            "query($id: ID!) { screeningCampaign(id: $id) { teams { name } tally { children sites concerns reportsRaised } records(concern: true) { edges { node { concern } } } } }",
            json!({ "id": campaign }),
        )
        .await;
    let police_reports = app
        .gql_as(
            Role::PoliceOfficer,
            "{ reports(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let sites = app
        .gql(
            Some(&teacher.access),
            "{ hazardSites { id risk } }",
            json!({}),
        )
        .await;

    assert_eq!(field_of(&backwards), "input.endsOn");
    assert_eq!(field_of(&outside), "input.regionId");
    let started = &started.data()["startScreeningCampaign"]["campaign"];
    assert_eq!(started["season"], "WINTER_HOLIDAY");
    assert_eq!(site.data()["addHazardSite"]["site"]["risk"], "HIGH");
    assert_eq!(field_of(&no_members), "input.members");
    let team = &team.data()["formScreeningTeam"]["team"];
    assert_eq!(
        team["members"][0]["organization"]["name"],
        "博乐市公安局团结镇派出所"
    );
    assert_eq!(team["members"][1]["duty"], "入户走访");
    assert_eq!(
        teachers_campaigns.data()["screeningCampaigns"]["edges"][0]["node"]["id"],
        campaign,
        "a campaign covering the school's township"
    );
    assert_eq!(
        agency_campaigns.data()["screeningCampaigns"]["edges"],
        json!([])
    );
    assert_eq!(field_of(&early), "input.screenedOn");
    assert_eq!(field_of(&both), "input.childId");
    assert_eq!(field_of(&calm), "input.raiseReport");
    let raised = &raised.data()["recordScreening"];
    assert_eq!(raised["replayed"], false);
    assert_eq!(raised["report"]["state"], "SUBMITTED");
    assert_eq!(raised["report"]["category"], "LIVING_ALONE");
    assert_eq!(raised["record"]["child"]["id"], child);
    assert_eq!(retried.data()["recordScreening"]["replayed"], true);
    assert_eq!(reused.code(), "CONFLICT", "a key reused for another record");
    assert_eq!(
        reused.body["errors"][0]["extensions"]["existingId"],
        raised["record"]["id"]
    );
    assert_eq!(
        retried.data()["recordScreening"]["record"]["id"],
        raised["record"]["id"]
    );
    assert_eq!(
        at_site.data()["recordScreening"]["record"]["hazardSite"]["place"],
        "村东涝坝，无护栏"
    );
    let seen = &overview.data()["screeningCampaign"];
    assert_eq!(seen["teams"], json!([{ "name": "隐患排查组" }]));
    assert_eq!(
        seen["tally"],
        json!({ "children": 1, "sites": 1, "concerns": 2, "reportsRaised": 1 })
    );
    assert_eq!(seen["records"]["edges"].as_array().unwrap().len(), 2);
    let reported: Vec<&Value> = police_reports.data()["reports"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["node"]["id"])
        .collect();
    assert!(
        reported.contains(&&raised["report"]["id"]),
        "the police have the report"
    );
    let sites = sites.data()["hazardSites"].as_array().unwrap();
    assert!(sites.iter().any(|s| s["id"] == site_id));
    assert_eq!(sites[0]["risk"], "HIGH", "highest risk first");
    assert_eq!(sites.last().unwrap()["risk"], "LOW");
}

#[tokio::test]
async fn campaign_lists_cost_the_same_statements_for_1_or_3_campaigns() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let township = app.region_id("652701100").await;
    let government = app.organization_id("township_government:652701100").await;
    for name in ["暑假安全排查", "春节前排查"] {
        let started = app
            .gql(
                Some(&supervisor.access),
                CAMPAIGN,
                json!({ "input": { "name": name, "season": "OTHER", "startsOn": day(-3), "endsOn": day(3), "regionId": township } }),
            )
            .await;
        assert!(started.body["errors"].is_null(), "{:?}", started.body);
        let team = app
            .gql(
                Some(&supervisor.access),
                TEAM,
                json!({ "input": { "campaignId": started.data()["startScreeningCampaign"]["campaign"]["id"], "kind": "HOLIDAY_PATROL", "name": "巡查组", "organizationId": government, "members": [{ "name": "王主任" }] } }),
            )
            .await;
        assert!(team.body["errors"].is_null(), "{:?}", team.body);
    }
    let query = "query($n: Int) { screeningCampaigns(first: $n) { edges { node { name region { name } teams { name organization { name } members { name } } tally { children concerns reportsRaised } records(first: 2, concern: true) { totalCount edges { node { id } } pageInfo { hasNextPage } } } } } }";

    let mut costs = Vec::new();
    for n in [1, 3] {
        costs.push(
            app.statements_for(
                &supervisor.access,
                query,
                json!({ "n": n }),
                "screeningCampaigns",
                n,
            )
            .await,
        );
    }

    assert_eq!(costs[0], costs[1], "{costs:?}");
}

#[tokio::test]
async fn a_campaigns_tally_counts_only_the_records_the_reader_may_see() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let director = app.login_as(Role::ChildDirector).await;
    let teacher = app.login_as(Role::Teacher).await;
    let township = app.region_id("652701100").await;
    let started = app
        .gql(
            Some(&supervisor.access),
            CAMPAIGN,
            json!({ "input": { "name": "暑期安全排查", "season": "SUMMER_HOLIDAY", "startsOn": day(-5), "endsOn": day(30), "regionId": township } }),
        )
        .await;
    let campaign = started.data()["startScreeningCampaign"]["campaign"]["id"].clone();
    let paired = app
        .gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let paired: Vec<Value> = paired.data()["myPairedChildren"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .collect();
    let villagers = app
        .gql(
            Some(&director.access),
            "{ children(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    let not_the_teachers = villagers.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].clone())
        .find(|id| !paired.contains(id))
        .expect("a village child the teacher is not paired with");
    let recorded = app
        .gql(
            Some(&director.access),
            RECORD,
            json!({ "input": { "idempotencyKey": "tally-1", "campaignId": campaign, "childId": not_the_teachers, "screenedOn": day(0), "finding": "独自在家", "concern": true } }),
        )
        .await;
    assert!(recorded.body["errors"].is_null(), "{:?}", recorded.body);
    let tally = "query($id: ID!) { screeningCampaign(id: $id) { tally { children concerns } \
        records { edges { node { id } } } all: records(first: 1) { totalCount } \
        concerning: records(concern: true) { totalCount } other: records(concern: false) { totalCount } } }";

    let township_view = app
        .gql(Some(&supervisor.access), tally, json!({ "id": campaign }))
        .await;
    let teacher_view = app
        .gql(Some(&teacher.access), tally, json!({ "id": campaign }))
        .await;

    assert_eq!(
        township_view.data()["screeningCampaign"]["tally"],
        json!({ "children": 1, "concerns": 1 })
    );
    assert_eq!(
        teacher_view.data()["screeningCampaign"]["tally"],
        json!({ "children": 0, "concerns": 0 }),
        "{:?}",
        teacher_view.body
    );
    assert_eq!(
        teacher_view.data()["screeningCampaign"]["records"]["edges"],
        json!([])
    );
    let counts = |view: &shouhu_tests::GqlResponse| {
        let campaign = &view.data()["screeningCampaign"];
        ["all", "concerning", "other"].map(|list| campaign[list]["totalCount"].clone())
    };
    assert_eq!(counts(&township_view), [json!(1), json!(1), json!(0)]);
    assert_eq!(counts(&teacher_view), [json!(0), json!(0), json!(0)]);
}
