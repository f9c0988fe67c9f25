//! The ledger's mutations: registration and its validation, duplicates, optimistic
//! concurrency, status, review, guardians, entrustment agreements and consents.

use base64::Engine;
use chrono::{Datelike, NaiveDate, Utc};
use entity::{audit_event, child};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use shouhu::domain::values::ResidentId;
use shouhu_tests::{GqlResponse, Role, TestApp};

const DEMO_VILLAGE: &str = "652701100201";

fn global(kind: &str, id: uuid::Uuid) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

/// A valid registration form for a ten-year-old girl in the demo village.
pub(crate) async fn form(app: &TestApp, sequence: u16) -> Value {
    let today = Utc::now().date_naive();
    let birth = NaiveDate::from_ymd_opt(today.year() - 10, 5, 20).unwrap();
    let id_number =
        ResidentId::compose("652701", birth, sequence, entity::enums::Gender::Female).unwrap();
    json!({
        "name": "测试女孩",
        "gender": "FEMALE",
        "birthDate": birth.to_string(),
        "ethnicity": "汉族",
        "idNumber": id_number.as_str(),
        "residenceVillageId": app.region_id(DEMO_VILLAGE).await,
        "address": "红星村1组1号",
        "leftBehindType": "BOTH_PARENTS_AWAY",
        "livingArrangement": "WITH_GRANDPARENTS",
        "schoolingStage": "PRIMARY",
        "guardianshipQuality": "FAIR",
        "incomeSources": ["WAGES_FROM_WORK_AWAY"],
    })
}

pub(crate) const REGISTER: &str = "mutation($input: RegisterChildInput!) { registerChild(input: $input) { needsReport possibleDuplicates { id } child { id name version needsReport idNumber reviewDue } } }";

async fn register(app: &TestApp, role: Role, input: Value) -> GqlResponse {
    app.gql_as(role, REGISTER, json!({ "input": input })).await
}

fn with(mut input: Value, key: &str, value: Value) -> Value {
    input[key] = value;
    input
}

#[tokio::test]
async fn a_child_director_registers_a_child_in_their_village() {
    let app = TestApp::spawn().await;

    let response = register(&app, Role::ChildDirector, form(&app, 401).await).await;

    assert!(response.body["errors"].is_null(), "{:?}", response.body);
    let payload = &response.data()["registerChild"];
    assert_eq!(payload["child"]["name"], "测试女孩");
    assert_eq!(payload["child"]["version"], 1);
    assert_eq!(payload["needsReport"], false);
    assert_eq!(payload["child"]["reviewDue"], false);
    assert_eq!(payload["possibleDuplicates"], json!([]));
}

#[tokio::test]
async fn every_validation_rule_names_its_field() {
    let app = TestApp::spawn().await;
    let base = form(&app, 402).await;
    let today = Utc::now().date_naive();
    let teen = NaiveDate::from_ymd_opt(today.year() - 16, 1, 1).unwrap();
    let teen_id = ResidentId::compose("652701", teen, 3, entity::enums::Gender::Female).unwrap();
    let mut bad_checksum = base["idNumber"].as_str().unwrap().to_owned();
    let last = bad_checksum.pop().unwrap();
    bad_checksum.push(if last == '0' { '1' } else { '0' });
    let police_station = {
        let org = entity::organization::Entity::find()
            .filter(entity::organization::Column::Code.eq("police_station:652701100"))
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        global("Organization", org.id)
    };
    let township = app.region_id("652701100").await;
    let other_county_village = app.region_id("652722100201").await;
    // Two days ahead: the ledger counts days in China Standard Time.
    let tomorrow = (today + chrono::TimeDelta::days(2)).to_string();

    let cases = [
        (
            with(base.clone(), "idNumber", json!(bad_checksum)),
            "input.idNumber",
        ),
        (
            with(base.clone(), "idNumber", json!("12345")),
            "input.idNumber",
        ),
        (
            with(base.clone(), "gender", json!("MALE")),
            "input.idNumber",
        ),
        (
            with(base.clone(), "birthDate", json!("2016-01-01")),
            "input.idNumber",
        ),
        (
            with(
                with(base.clone(), "idNumber", Value::Null),
                "birthDate",
                json!(tomorrow),
            ),
            "input.birthDate",
        ),
        (
            with(
                with(base.clone(), "idNumber", json!(teen_id.as_str())),
                "birthDate",
                json!(teen.to_string()),
            ),
            "input.birthDate",
        ),
        (
            with(base.clone(), "residenceVillageId", json!(township)),
            "input.residenceVillageId",
        ),
        (
            with(
                base.clone(),
                "residenceVillageId",
                json!(other_county_village),
            ),
            "input.residenceVillageId",
        ),
        (
            with(base.clone(), "schoolId", json!(police_station)),
            "input.schoolId",
        ),
        (with(base.clone(), "name", json!("  ")), "input.name"),
        (
            with(base.clone(), "filledOn", json!(tomorrow)),
            "input.filledOn",
        ),
        (
            with(base.clone(), "healthStatus", json!("DISABLED")),
            "input.disabilityCategory",
        ),
    ];
    let children_before = child::Entity::find().count(&app.state.db).await.unwrap();
    let director = app.login_as(Role::ChildDirector).await;
    for (input, field) in cases {
        let response = app
            .gql(Some(&director.access), REGISTER, json!({ "input": input }))
            .await;
        assert_eq!(
            response.code(),
            "BAD_USER_INPUT",
            "{field}: {:?}",
            response.body
        );
        assert_eq!(
            response.body["errors"][0]["extensions"]["field"], field,
            "{:?}",
            response.body
        );
    }
    assert_eq!(
        child::Entity::find().count(&app.state.db).await.unwrap(),
        children_before
    );
}

#[tokio::test]
async fn a_child_under_16_living_alone_needs_a_report() {
    let app = TestApp::spawn().await;
    let input = with(form(&app, 403).await, "livingArrangement", json!("ALONE"));

    let response = register(&app, Role::ChildDirector, input).await;

    assert_eq!(response.data()["registerChild"]["needsReport"], true);
    assert_eq!(
        response.data()["registerChild"]["child"]["needsReport"],
        true
    );
}

#[tokio::test]
async fn the_same_id_number_twice_is_a_conflict_naming_the_child_only_to_who_may_see_it() {
    let app = TestApp::spawn().await;
    let input = form(&app, 404).await;
    let first = register(&app, Role::ChildDirector, input.clone()).await;
    let first_id = first.data()["registerChild"]["child"]["id"].clone();

    let again = register(&app, Role::ChildDirector, input.clone()).await;
    let elsewhere_input = with(
        input,
        "residenceVillageId",
        json!(app.region_id("652722100201").await),
    );
    let stranger = app
        .login("director.652722100201", shouhu_tests::DEMO_PASSWORD)
        .await;
    let stranger_token = stranger.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let elsewhere = app
        .gql(
            Some(&stranger_token),
            REGISTER,
            json!({ "input": elsewhere_input }),
        )
        .await;

    assert_eq!(again.code(), "CONFLICT");
    assert_eq!(
        again.body["errors"][0]["extensions"]["existingId"],
        first_id
    );
    assert_eq!(elsewhere.code(), "CONFLICT");
    assert!(
        elsewhere.body["errors"][0]["extensions"]
            .get("existingId")
            .is_none()
    );
}

#[tokio::test]
async fn same_name_birth_date_and_village_is_registered_with_possible_duplicates() {
    let app = TestApp::spawn().await;
    let first = register(&app, Role::ChildDirector, form(&app, 405).await).await;
    let first_id = first.data()["registerChild"]["child"]["id"].clone();

    let second = register(
        &app,
        Role::ChildDirector,
        with(form(&app, 406).await, "idNumber", Value::Null),
    )
    .await;

    assert!(second.body["errors"].is_null(), "{:?}", second.body);
    assert_eq!(
        second.data()["registerChild"]["possibleDuplicates"],
        json!([{ "id": first_id }])
    );
}

const UPDATE: &str = "mutation($input: UpdateChildInput!) { updateChild(input: $input) { needsReport child { version grade livingArrangement } } }";

#[tokio::test]
async fn two_updates_with_the_same_version_one_wins_the_other_conflicts() {
    let app = TestApp::spawn().await;
    let registered = register(&app, Role::ChildDirector, form(&app, 407).await).await;
    let id = registered.data()["registerChild"]["child"]["id"].clone();
    let tokens = app.login_as(Role::ChildDirector).await;

    let (a, b) = tokio::join!(
        app.gql(
            Some(&tokens.access),
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "grade": "四年级" } })
        ),
        app.gql(
            Some(&tokens.access),
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "grade": "五年级" } })
        ),
    );

    let mut codes = vec![a.code(), b.code()];
    codes.sort();
    assert_eq!(codes, ["", "CONFLICT"]);
    let winner = if a.code().is_empty() { &a } else { &b };
    assert_eq!(winner.data()["updateChild"]["child"]["version"], 2);
    let stale = app
        .gql(
            Some(&tokens.access),
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "grade": "六年级" } }),
        )
        .await;
    assert_eq!(stale.code(), "CONFLICT");
}

#[tokio::test]
async fn an_update_keeps_what_it_omits_and_clears_what_it_sends_as_null() {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let app = TestApp::spawn().await;
    let id = registered_child(&app, 410).await;
    let uuid = shouhu::graphql::ids::expect(
        shouhu::graphql::ids::Kind::Child,
        &async_graphql::ID(id.as_str().unwrap().to_owned()),
        "id",
    )
    .unwrap();
    let school = entity::organization::Entity::find()
        .filter(entity::organization::Column::Kind.eq(entity::enums::OrganizationKind::School))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let stored = || async {
        child::Entity::find_by_id(uuid)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap()
    };
    let mut row = stored().await.into_active_model();
    row.school_id = Set(Some(school.id));
    row.disability_category = Set(Some("肢体".into()));
    row.disability_grade = Set(Some(3));
    row.update(&app.state.db).await.unwrap();

    let kept = app
        .gql_as(
            Role::ChildDirector,
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "grade": "四年级" } }),
        )
        .await;
    assert!(kept.body["errors"].is_null(), "{:?}", kept.body);
    let after_kept = stored().await;
    let cleared = app
        .gql_as(
            Role::ChildDirector,
            UPDATE,
            json!({ "input": { "id": id, "version": 2, "schoolId": null,
                               "disabilityCategory": null, "disabilityGrade": null } }),
        )
        .await;
    assert!(cleared.body["errors"].is_null(), "{:?}", cleared.body);
    let after_cleared = stored().await;

    assert_eq!(after_kept.school_id, Some(school.id));
    assert_eq!(after_kept.disability_grade, Some(3));
    assert_eq!(after_kept.grade.as_deref(), Some("四年级"));
    assert_eq!(after_cleared.school_id, None);
    assert_eq!(after_cleared.disability_category, None);
    assert_eq!(after_cleared.disability_grade, None);
    assert_eq!(
        after_cleared.grade.as_deref(),
        Some("四年级"),
        "omitted, kept"
    );
    assert_eq!(after_cleared.address, after_kept.address);
}

#[tokio::test]
async fn an_update_to_living_alone_raises_needs_report() {
    let app = TestApp::spawn().await;
    let registered = register(&app, Role::ChildDirector, form(&app, 408).await).await;
    let id = registered.data()["registerChild"]["child"]["id"].clone();

    let updated = app
        .gql_as(
            Role::ChildDirector,
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "livingArrangement": "ALONE" } }),
        )
        .await;

    assert_eq!(updated.data()["updateChild"]["needsReport"], true);
    assert_eq!(
        updated.data()["updateChild"]["child"]["livingArrangement"],
        "ALONE"
    );
}

#[tokio::test]
async fn status_changes_and_reviews_are_recorded() {
    let app = TestApp::spawn().await;
    let registered = register(&app, Role::ChildDirector, form(&app, 409).await).await;
    let id = registered.data()["registerChild"]["child"]["id"].clone();
    let today = Utc::now().date_naive().to_string();

    let changed = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!, $d: NaiveDate!) { changeChildStatus(input: {id: $id, version: 1, status: PARENTS_RETURNED, reason: \"父母返乡\", effectiveOn: $d}) { child { status statusReason statusChangedOn version } } }",
            json!({ "id": id, "d": today }),
        )
        .await;
    let reviewed = app
        .gql_as(
            Role::ChildSupervisor,
            "mutation($id: ID!) { markChildReviewed(input: {id: $id, version: 2, reviewedBy: \"督导员\"}) { child { reviewDue reviewedBy version } } }",
            json!({ "id": id }),
        )
        .await;
    let no_reason = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!, $d: NaiveDate!) { changeChildStatus(input: {id: $id, version: 3, status: ACTIVE, reason: \" \", effectiveOn: $d}) { child { id } } }",
            json!({ "id": id, "d": today }),
        )
        .await;

    let child = &changed.data()["changeChildStatus"]["child"];
    assert_eq!(child["status"], "PARENTS_RETURNED");
    assert_eq!(child["statusReason"], "父母返乡");
    assert_eq!(child["statusChangedOn"], today);
    let child = &reviewed.data()["markChildReviewed"]["child"];
    assert_eq!(child["reviewDue"], false);
    assert_eq!(child["reviewedBy"], "督导员");
    assert_eq!(child["version"], 3);
    assert_eq!(
        no_reason.body["errors"][0]["extensions"]["field"],
        "input.reason"
    );
}

async fn registered_child(app: &TestApp, sequence: u16) -> Value {
    register(app, Role::ChildDirector, form(app, sequence).await)
        .await
        .data()["registerChild"]["child"]["id"]
        .clone()
}

const ADD_GUARDIAN: &str = "mutation($input: AddGuardianInput!) { addGuardian(input: $input) { guardian { id name phone version } child { guardians { id name relation isPrimary } } } }";

#[tokio::test]
async fn guardians_are_added_updated_linked_and_unlinked() {
    let app = TestApp::spawn().await;
    let child = registered_child(&app, 410).await;
    let sibling = registered_child(&app, 411).await;

    let added = app
        .gql_as(
            Role::ChildDirector,
            ADD_GUARDIAN,
            json!({ "input": { "childId": child, "relation": "GRANDMOTHER", "isPrimary": true, "guardian": { "name": "李奶奶", "phone": "13912345678" } } }),
        )
        .await;
    let guardian = &added.data()["addGuardian"]["guardian"];
    assert_eq!(guardian["phone"], "13912345678");
    let guardian_id = guardian["id"].clone();

    let bad_phone = app
        .gql_as(
            Role::ChildDirector,
            ADD_GUARDIAN,
            json!({ "input": { "childId": child, "relation": "FATHER", "guardian": { "name": "父亲", "phone": "12345" } } }),
        )
        .await;
    assert_eq!(
        bad_phone.body["errors"][0]["extensions"]["field"],
        "input.guardian.phone"
    );

    let updated = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!) { updateGuardian(input: {id: $id, version: 1, guardian: {name: \"李奶奶\", phone: \"13900000000\", workProvince: \"广东省\", workCity: \"东莞市\"}}) { guardian { phone workLocation version } } }",
            json!({ "id": guardian_id }),
        )
        .await;
    assert_eq!(
        updated.data()["updateGuardian"]["guardian"]["workLocation"],
        "广东省东莞市"
    );
    assert_eq!(updated.data()["updateGuardian"]["guardian"]["version"], 2);

    let linked = app
        .gql_as(
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!) { linkGuardian(input: {childId: $c, guardianId: $g, relation: GRANDMOTHER}) { child { guardians { id } } } }",
            json!({ "c": sibling, "g": guardian_id }),
        )
        .await;
    assert_eq!(
        linked.data()["linkGuardian"]["child"]["guardians"],
        json!([{ "id": guardian_id }])
    );

    let unlinked = app
        .gql_as(
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!) { unlinkGuardian(input: {childId: $c, guardianId: $g}) { child { guardians { id } } } }",
            json!({ "c": sibling, "g": guardian_id }),
        )
        .await;
    assert_eq!(
        unlinked.data()["unlinkGuardian"]["child"]["guardians"],
        json!([])
    );
}

#[tokio::test]
async fn a_failed_mutation_leaves_no_row_and_no_audit_event() {
    let app = TestApp::spawn().await;
    let child = registered_child(&app, 412).await;
    let added = app
        .gql_as(
            Role::ChildDirector,
            ADD_GUARDIAN,
            json!({ "input": { "childId": child, "relation": "GRANDMOTHER", "isPrimary": true, "guardian": { "name": "李奶奶" } } }),
        )
        .await;
    let guardian_id = added.data()["addGuardian"]["guardian"]["id"].clone();
    app.flush_audit().await;
    let events_before = audit_event::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap();

    // Linking the same guardian again first clears the primary flag, then finds the link and
    // fails: the transaction must take the first write back.
    let again = app
        .gql_as(
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!) { linkGuardian(input: {childId: $c, guardianId: $g, relation: GRANDMOTHER, isPrimary: true}) { child { id } } }",
            json!({ "c": child, "g": guardian_id }),
        )
        .await;

    assert_eq!(again.code(), "CONFLICT");
    let guardians = app
        .gql_as(
            Role::ChildDirector,
            "query($id: ID!) { child(id: $id) { guardians { isPrimary } } }",
            json!({ "id": child }),
        )
        .await;
    assert_eq!(
        guardians.data()["child"]["guardians"],
        json!([{ "isPrimary": true }])
    );
    app.flush_audit().await;
    let writes_after = audit_event::Entity::find()
        .filter(audit_event::Column::Action.ne("read"))
        .filter(audit_event::Column::Action.ne("login"))
        .count(&app.state.db)
        .await
        .unwrap();
    let writes_before = events_before;
    assert!(
        writes_after <= writes_before,
        "no audit event for the failed write"
    );
}

#[tokio::test]
async fn entrustment_agreements_and_consents_are_recorded() {
    let app = TestApp::spawn().await;
    let child = registered_child(&app, 413).await;
    let added = app
        .gql_as(
            Role::ChildDirector,
            ADD_GUARDIAN,
            json!({ "input": { "childId": child, "relation": "OTHER_RELATIVE", "guardian": { "name": "王叔叔" } } }),
        )
        .await;
    let guardian = added.data()["addGuardian"]["guardian"]["id"].clone();
    let today = Utc::now().date_naive().to_string();

    let agreement = app
        .gql_as(
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordEntrustmentAgreement(input: {childId: $c, parents: \"王父、李母\", entrustedGuardianId: $g, startsOn: $d, duties: \"日常照料、接送上学\", guidedBy: \"村儿童主任\", signedOn: $d}) { agreement { parents entrustedGuardian { id } } child { guardians { isEntrusted } entrustmentAgreements { duties } } } }",
            json!({ "c": child, "g": guardian, "d": today }),
        )
        .await;
    assert!(agreement.body["errors"].is_null(), "{:?}", agreement.body);
    let payload = &agreement.data()["recordEntrustmentAgreement"];
    assert_eq!(payload["agreement"]["entrustedGuardian"]["id"], guardian);
    assert_eq!(payload["child"]["guardians"][0]["isEntrusted"], true);
    assert_eq!(
        payload["child"]["entrustmentAgreements"][0]["duties"],
        "日常照料、接送上学"
    );

    let consent = app
        .gql_as(
            Role::ChildDirector,
            "mutation($c: ID!, $g: ID!, $d: NaiveDate!) { recordConsent(input: {childId: $c, guardianId: $g, purpose: SOCIAL_WORK_REFERRAL, givenOn: $d}) { consent { id purpose active } } }",
            json!({ "c": child, "g": guardian, "d": today }),
        )
        .await;
    let consent_id = consent.data()["recordConsent"]["consent"]["id"].clone();
    assert_eq!(consent.data()["recordConsent"]["consent"]["active"], true);

    let withdrawn = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { consent { active withdrawnAt } } }",
            json!({ "id": consent_id }),
        )
        .await;
    assert_eq!(
        withdrawn.data()["withdrawConsent"]["consent"]["active"],
        false
    );
    let twice = app
        .gql_as(
            Role::ChildDirector,
            "mutation($id: ID!) { withdrawConsent(input: {consentId: $id}) { consent { active } } }",
            json!({ "id": consent_id }),
        )
        .await;
    assert_eq!(twice.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn the_form_date_is_registered_read_back_and_cleared() {
    let app = TestApp::spawn().await;
    let filled_on = (Utc::now().date_naive() - chrono::TimeDelta::days(3)).to_string();
    let registered = register(
        &app,
        Role::ChildDirector,
        with(form(&app, 411).await, "filledOn", json!(filled_on)),
    )
    .await;
    assert!(registered.codes().is_empty(), "{:?}", registered.body);
    let id = registered.data()["registerChild"]["child"]["id"].clone();
    let read = "query($id: ID!) { child(id: $id) { filledOn version } }";

    let by_director = app
        .gql_as(Role::ChildDirector, read, json!({ "id": id }))
        .await;
    let by_federation = app
        .gql_as(Role::WomensFederationWorker, read, json!({ "id": id }))
        .await;
    let cleared = app
        .gql_as(
            Role::ChildDirector,
            UPDATE,
            json!({ "input": { "id": id, "version": 1, "filledOn": null } }),
        )
        .await;
    let after = app
        .gql_as(Role::ChildDirector, read, json!({ "id": id }))
        .await;

    assert_eq!(by_director.data()["child"]["filledOn"], json!(filled_on));
    assert_eq!(by_federation.data()["child"]["filledOn"], Value::Null);
    assert_eq!(by_federation.data()["child"]["version"], 1);
    assert_eq!(
        by_federation.code(),
        "FORBIDDEN",
        "as the form's other signatures"
    );
    assert!(cleared.codes().is_empty(), "{:?}", cleared.body);
    assert_eq!(after.data()["child"]["filledOn"], Value::Null);
}
