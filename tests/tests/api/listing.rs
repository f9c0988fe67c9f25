//! Regions, organizations with keyset pagination, and `node(id:)`.

use std::collections::HashSet;

use serde_json::{Value, json};
use shouhu_tests::{Role, TestApp};

#[tokio::test]
async fn regions_walk_down_from_the_prefecture_to_villages() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::CivilAffairsOfficer).await;

    let top = app
        .gql(
            Some(&tokens.access),
            "{ regions { id code level children { code name } } }",
            json!({}),
        )
        .await;
    let prefecture = &top.data()["regions"][0];
    let counties: Vec<&str> = prefecture["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();

    assert_eq!(prefecture["code"], "652700");
    assert_eq!(prefecture["level"], "PREFECTURE");
    assert_eq!(counties, ["652701", "652702", "652722", "652723"]);

    let bole = app
        .gql(
            Some(&tokens.access),
            "query($p: ID) { regions(parentId: $p) { code level parent { code } } }",
            json!({ "p": prefecture["id"] }),
        )
        .await;
    assert_eq!(bole.data()["regions"][0]["level"], "COUNTY");
    assert_eq!(bole.data()["regions"][0]["parent"]["code"], "652700");
}

#[tokio::test]
async fn regions_need_a_signed_in_caller() {
    let app = TestApp::spawn().await;

    let response = app.gql(None, "{ regions { code } }", json!({})).await;

    assert_eq!(response.code(), "UNAUTHENTICATED");
}

async fn organizations_page(app: &TestApp, token: &str, after: Option<&str>) -> Value {
    let response = app
        .gql(
            Some(token),
            "query($after: String) { organizations(first: 25, after: $after) { edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage endCursor } } }",
            json!({ "after": after }),
        )
        .await;
    assert!(response.body["errors"].is_null(), "{:?}", response.body);
    response.data()["organizations"].clone()
}

#[tokio::test]
async fn organizations_page_through_every_row_once_in_name_order() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Admin).await;

    let mut names = Vec::new();
    let mut ids = HashSet::new();
    let mut after: Option<String> = None;
    loop {
        let page = organizations_page(&app, &tokens.access, after.as_deref()).await;
        for edge in page["edges"].as_array().unwrap() {
            names.push(edge["node"]["name"].as_str().unwrap().to_owned());
            assert!(
                ids.insert(edge["node"]["id"].as_str().unwrap().to_owned()),
                "seen twice"
            );
        }
        if page["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    }

    let total = entity_count(&app).await;
    assert_eq!(ids.len() as u64, total);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

async fn entity_count(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::organization::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn organizations_filter_by_kind_region_and_name() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::CivilAffairsOfficer).await;
    let bole = app
        .gql(
            Some(&tokens.access),
            "{ regions { children { id code } } }",
            json!({}),
        )
        .await
        .data()["regions"][0]["children"][0]["id"]
        .clone();

    let schools = app
        .gql(
            Some(&tokens.access),
            "query($r: ID) { organizations(first: 100, filter: {kinds: [SCHOOL], regionId: $r}) { edges { node { kind name region { path } } } } }",
            json!({ "r": bole }),
        )
        .await;
    let edges = schools.data()["organizations"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 4, "one school per township of 博乐市");
    for edge in &edges {
        assert_eq!(edge["node"]["kind"], "SCHOOL");
        assert!(
            edge["node"]["region"]["path"]
                .as_str()
                .unwrap()
                .starts_with("652700/652701/")
        );
    }

    let named = app
        .gql(
            Some(&tokens.access),
            r#"{ organizations(filter: {nameContains: "派出所"}, first: 100) { edges { node { kind } } } }"#,
            json!({}),
        )
        .await;
    let kinds: HashSet<String> = named.data()["organizations"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, HashSet::from(["PUBLIC_SECURITY".to_owned()]));

    let literal = app
        .gql(
            Some(&tokens.access),
            r#"{ organizations(filter: {nameContains: "%"}) { edges { node { name } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        literal.data()["organizations"]["edges"],
        json!([]),
        "% matches literally"
    );
}

#[tokio::test]
async fn a_bad_cursor_or_page_size_is_bad_input() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Admin).await;

    let cursor = app
        .gql(
            Some(&tokens.access),
            r#"{ organizations(after: "garbage") { edges { cursor } } }"#,
            json!({}),
        )
        .await;
    let size = app
        .gql(
            Some(&tokens.access),
            "{ organizations(first: 1000) { edges { cursor } } }",
            json!({}),
        )
        .await;

    assert_eq!(cursor.code(), "BAD_USER_INPUT");
    assert_eq!(cursor.body["errors"][0]["extensions"]["field"], "after");
    assert_eq!(size.code(), "BAD_USER_INPUT");
    assert_eq!(size.body["errors"][0]["extensions"]["field"], "first");
}

#[tokio::test]
async fn node_fetches_regions_organizations_and_accounts_by_global_id() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let me = app
        .gql(
            Some(&tokens.access),
            "{ me { id organization { id } jurisdiction { id } } }",
            json!({}),
        )
        .await;
    let me = &me.data()["me"];

    for (id, typename) in [
        (&me["id"], "Account"),
        (&me["organization"]["id"], "Organization"),
        (&me["jurisdiction"]["id"], "Region"),
    ] {
        let node = app
            .gql(
                Some(&tokens.access),
                "query($id: ID!) { node(id: $id) { __typename id } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(node.data()["node"]["__typename"], typename);
        assert_eq!(&node.data()["node"]["id"], id);
    }

    let garbage = app
        .gql(
            Some(&tokens.access),
            r#"{ node(id: "bm90LWFuLWlk") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(garbage.data()["node"], Value::Null);
}

#[tokio::test]
async fn another_persons_account_reads_as_not_found_except_for_an_admin() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let director = app.login_as(Role::ChildDirector).await;
    let admin = app.login_as(Role::Admin).await;
    let teacher_id = app
        .gql(Some(&teacher.access), "{ me { id } }", json!({}))
        .await
        .data()["me"]["id"]
        .clone();
    let query = "query($id: ID!) { node(id: $id) { ... on Account { username } } }";

    let by_director = app
        .gql(Some(&director.access), query, json!({ "id": teacher_id }))
        .await;
    let by_admin = app
        .gql(Some(&admin.access), query, json!({ "id": teacher_id }))
        .await;

    assert_eq!(by_director.data()["node"], Value::Null);
    assert_eq!(by_admin.data()["node"]["username"], "demo.teacher");
}

#[tokio::test]
async fn node_reads_every_listed_kind_again_scoped_and_gated_as_its_own_query() {
    let app = TestApp::spawn().await;
    // A report, so the police have a report and an assignment to list.
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    app.report_living_alone(&teacher, &child, "node-kinds")
        .await;

    let mut tokens = std::collections::BTreeMap::new();
    for role in [
        Role::CivilAffairsOfficer,
        Role::ChildSupervisor,
        Role::PoliceOfficer,
        Role::ChildDirector,
    ] {
        tokens.insert(format!("{role:?}"), app.login_as(role).await.access);
    }
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    let mut ids = std::collections::BTreeMap::new();
    for (list, typename) in [
        ("visits", "Visit"),
        ("dropoutCases", "DropoutCase"),
        ("assignments", "Assignment"),
        ("serviceActivities", "ServiceActivity"),
        ("reports", "Report"),
        ("assessments", "Assessment"),
        ("serviceItems", "ServiceItem"),
        ("accessGrants", "AccessGrant"),
        ("breakGlassAccesses", "BreakGlassAccess"),
        ("screeningCampaigns", "ScreeningCampaign"),
    ] {
        for token in tokens.values() {
            let listed = app
                .gql(
                    Some(token),
                    &format!("{{ {list}(first: 1) {{ edges {{ node {{ id }} }} }} }}"),
                    json!({}),
                )
                .await;
            let Some(id) = listed.data()[list]["edges"][0]["node"]["id"].as_str() else {
                continue;
            };
            let again = app.gql(Some(token), node, json!({ "id": id })).await;
            assert_eq!(again.data()["node"]["__typename"], typename, "{list}");
            assert_eq!(again.data()["node"]["id"], id, "{list}");
            ids.insert(typename, id.to_owned());
            break;
        }
    }
    for typename in ["Visit", "Report", "Assignment", "ScreeningCampaign"] {
        assert!(ids.contains_key(typename), "no {typename} was listed");
    }

    // The analyst reads counts, not rows: `node` shows it none of them, and a report the analyst
    // did not submit is out of scope.
    let analyst = app.login_as(Role::Analyst).await;
    for typename in ["Visit", "Report", "Assignment"] {
        let by_analyst = app
            .gql(Some(&analyst.access), node, json!({ "id": ids[typename] }))
            .await;
        assert_eq!(by_analyst.data()["node"], Value::Null, "{typename}");
        assert!(by_analyst.codes().is_empty(), "{typename}");
    }
}

#[tokio::test]
async fn node_reads_kinds_held_inside_a_parent_only_through_the_parents_field() {
    use sea_orm::Iterable;
    let app = TestApp::spawn().await;
    let listing = "{ children(first: 50) { edges { node { id entrustmentAgreements { id } consents { id } helpingTeacher { id } guardianContacts { id } interventions { id } } } } screeningCampaigns(first: 5) { edges { node { teams { id } records(first: 5) { edges { node { id } } } } } } hazardSites { id } }";
    let trail =
        "query($id: ID!) { auditTrail(subjectId: $id, first: 1) { edges { node { id } } } }";
    let node = "query($id: ID!) { node(id: $id) { __typename id } }";
    // Each nested kind's gates, as `node` checks them.
    let gates: [(&str, &[(&str, &str)]); 9] = [
        (
            "EntrustmentAgreement",
            &[("Query", "child"), ("Child", "entrustmentAgreements")],
        ),
        ("Consent", &[("Query", "child"), ("Child", "consents")]),
        (
            "Pairing",
            &[("Query", "child"), ("Child", "helpingTeacher")],
        ),
        (
            "GuardianContact",
            &[("Query", "child"), ("Child", "guardianContacts")],
        ),
        (
            "Intervention",
            &[("Query", "child"), ("Child", "interventions")],
        ),
        (
            "ScreeningTeam",
            &[
                ("Query", "screeningCampaign"),
                ("ScreeningCampaign", "teams"),
            ],
        ),
        (
            "ScreeningRecord",
            &[
                ("Query", "screeningCampaign"),
                ("ScreeningCampaign", "records"),
            ],
        ),
        ("HazardSite", &[("Query", "hazardSites")]),
        ("AuditEvent", &[("Query", "auditTrail")]),
    ];

    // One of each kind the demo data lacks: a consent, an agreement and an intervention on a
    // director's child, a teacher's contact with a guardian, a screening record.
    let today = (chrono::Utc::now() + chrono::TimeDelta::hours(8))
        .date_naive()
        .to_string();
    let director = app.login_as(Role::ChildDirector).await;
    let child = app
        .gql(
            Some(&director.access),
            "{ children(first: 1) { edges { node { id guardians { id } } } } }",
            json!({}),
        )
        .await
        .data()["children"]["edges"][0]["node"]
        .clone();
    let (child_id, guardian) = (&child["id"], &child["guardians"][0]["id"]);
    let teacher = app.login_as(Role::Teacher).await;
    let paired = app.paired_child(&teacher).await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let township = app
        .gql(
            Some(&supervisor.access),
            "{ me { jurisdiction { id } } }",
            json!({}),
        )
        .await
        .data()["me"]["jurisdiction"]["id"]
        .clone();
    let campaign = app
        .gql(
            Some(&supervisor.access),
            "mutation($input: StartScreeningCampaignInput!) { startScreeningCampaign(input: $input) { campaign { id } } }",
            json!({ "input": { "name": "暑期排查", "season": "SUMMER_HOLIDAY", "startsOn": today, "endsOn": today, "regionId": township } }),
        )
        .await
        .data()["startScreeningCampaign"]["campaign"]["id"]
        .clone();
    for (role, mutation, variables) in [
        (
            Role::CivilAffairsOfficer,
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordConsent(input: {childId: $c, guardianId: $g, purpose: COUNSELLING, givenOn: $d}) { consent { id } } }",
            json!({ "c": child_id, "g": guardian, "d": today }),
        ),
        (
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordEntrustmentAgreement(input: {childId: $c, parents: \"王父、李母\", entrustedGuardianId: $g, startsOn: $d, duties: \"日常照料\", guidedBy: \"村儿童主任\", signedOn: $d}) { agreement { id } } }",
            json!({ "c": child_id, "g": guardian, "d": today }),
        ),
        (
            Role::CivilAffairsOfficer,
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordIntervention(input: {childId: $c, guardianId: $g, kind: REVOCATION_PETITION_FILED, grounds: [ABANDONMENT], petitioner: \"县民政局\", caseNumber: \"(2026)新2701民特9号\", decidedOn: $d}) { intervention { id } } }",
            json!({ "c": child_id, "g": guardian, "d": today }),
        ),
        (
            Role::Teacher,
            "mutation($input: RecordGuardianContactInput!) { recordGuardianContact(input: $input) { contact { id } } }",
            json!({ "input": { "childId": paired["id"], "guardianId": paired["guardians"][0]["id"], "contactedAt": chrono::Utc::now().to_rfc3339(), "method": "VIDEO", "summary": "视频通话" } }),
        ),
        (
            Role::ChildDirector,
            "mutation($input: RecordScreeningInput!) { recordScreening(input: $input) { record { id } } }",
            json!({ "input": { "idempotencyKey": "node-record", "campaignId": campaign, "childId": child_id, "screenedOn": today, "finding": "家中有人照看", "concern": false } }),
        ),
    ] {
        let done = app.gql_as(role, mutation, variables).await;
        assert!(
            done.codes().is_empty(),
            "{mutation}: {:?}",
            done.body["errors"]
        );
    }

    // Every id a role can read inside a parent, with the role that read it.
    let mut found: std::collections::BTreeMap<&str, (Role, String)> = Default::default();
    for role in Role::iter() {
        let listed = app.gql_as(role, listing, json!({})).await;
        let data = listed.data();
        let mut take = |typename: &'static str, value: &Value| {
            if let Some(id) = value["id"].as_str() {
                found.entry(typename).or_insert((role, id.to_owned()));
            }
        };
        for child in data["children"]["edges"].as_array().into_iter().flatten() {
            let child = &child["node"];
            for (field, typename) in [
                ("entrustmentAgreements", "EntrustmentAgreement"),
                ("consents", "Consent"),
                ("guardianContacts", "GuardianContact"),
                ("interventions", "Intervention"),
            ] {
                for item in child[field].as_array().into_iter().flatten() {
                    take(typename, item);
                }
            }
            take("Pairing", &child["helpingTeacher"]);
            if let Some(id) = child["id"].as_str() {
                let events = app.gql_as(role, trail, json!({ "id": id })).await;
                take(
                    "AuditEvent",
                    &events.data()["auditTrail"]["edges"][0]["node"],
                );
            }
        }
        for campaign in data["screeningCampaigns"]["edges"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for team in campaign["node"]["teams"].as_array().into_iter().flatten() {
                take("ScreeningTeam", team);
            }
            for record in campaign["node"]["records"]["edges"]
                .as_array()
                .into_iter()
                .flatten()
            {
                take("ScreeningRecord", &record["node"]);
            }
        }
        for site in data["hazardSites"].as_array().into_iter().flatten() {
            take("HazardSite", site);
        }
    }
    let missing: Vec<&str> = gates
        .iter()
        .map(|(typename, _)| *typename)
        .filter(|typename| !found.contains_key(typename))
        .collect();
    assert!(missing.is_empty(), "nothing to read of {missing:?}");

    for (typename, gate) in gates {
        let (reader, id) = &found[typename];
        let again = app.gql_as(*reader, node, json!({ "id": id })).await;
        assert_eq!(again.data()["node"]["__typename"], typename);
        assert_eq!(again.data()["node"]["id"].as_str(), Some(id.as_str()));
        // A role that may not read the parent's field does not reach the object by its ID.
        for role in Role::iter() {
            let barred = gate.iter().any(|(ty, field)| {
                app.state.policy.level(ty, field, Some(role)) == shouhu::policy::Level::None
            });
            if barred {
                let by_other = app.gql_as(role, node, json!({ "id": id })).await;
                assert_eq!(
                    by_other.data()["node"],
                    Value::Null,
                    "{typename} for {role:?}"
                );
                assert!(by_other.codes().is_empty(), "{typename} for {role:?}");
            }
        }
    }
}

#[tokio::test]
async fn every_list_under_a_child_costs_the_same_statements_for_5_or_50_children() {
    let app = TestApp::spawn().await;
    let officer = app.login_as(Role::CivilAffairsOfficer).await;
    let query = "query($n: Int) { children(first: $n) { edges { node { guardians { name } entrustmentAgreements { id } consents { id } guardianContacts { id } openAbsences { absentOn } interventions { id } assessments { id } serviceItems { id } accessGrants { id } visits(first: 3) { edges { node { id } } pageInfo { hasNextPage } } lastVisitedAt residenceVillage { name } school { name } } } } }";

    let mut costs = Vec::new();
    for n in [5, 50] {
        costs.push(
            app.statements_for(&officer.access, query, json!({ "n": n }), "children", n)
                .await,
        );
    }

    assert_eq!(
        costs[0], costs[1],
        "statements for 5 and 50 children: {costs:?}"
    );
    println!(
        "statements for a page of children with every list: {}",
        costs[0]
    );
}

#[tokio::test]
async fn a_page_of_children_with_guardians_and_last_visits_costs_one_statement_per_level() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::ChildSupervisor).await;
    let query = "query($n: Int) { children(first: $n) { edges { node { id name guardians { name relation } visits(first: 3) { edges { node { visitedAt method } } } } } } }";

    let cost = app
        .statements_for(
            &supervisor.access,
            query,
            json!({ "n": 20 }),
            "children",
            20,
        )
        .await;

    // The page of children, their guardians, their visits: one statement each.
    assert_eq!(cost, 3, "statements for the page");
}

#[tokio::test]
async fn lists_under_reports_cost_the_same_statements_for_1_or_many_reports() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let child = app.paired_child(&teacher).await;
    for key in ["levels-1", "levels-2", "levels-3"] {
        app.report_living_alone(&teacher, &child, key).await;
    }
    let police = app.login_as(Role::PoliceOfficer).await;
    let query = "query($n: Int) { reports(first: $n) { edges { node { id transitions { toState } emergencyActions { kind } region { name } child { name } } } } }";
    let all = app
        .gql(Some(&police.access), query, json!({ "n": 20 }))
        .await;
    let many = all.data()["reports"]["edges"]
        .as_array()
        .map_or(0, Vec::len);
    assert!(many >= 3, "the three reports: {:?}", all.body);

    let one = app
        .statements_for(&police.access, query, json!({ "n": 1 }), "reports", 1)
        .await;
    let several = app
        .statements_for(&police.access, query, json!({ "n": many }), "reports", many)
        .await;

    assert_eq!(one, several, "statements for 1 and {many} reports");
}
