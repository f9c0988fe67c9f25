//! Field rules: every role against every field of Child and Guardian, as the policy file says;
//! and a hand-written table of spot checks that does not read the policy file, so a wrong
//! policy cannot pass by agreeing with itself.

use async_graphql::Value as GqlValue;
use chrono::{TimeDelta, Utc};
use entity::{access_grant, child, pairing};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, Iterable, QueryFilter};
use serde_json::{Value, json};
use shouhu::policy::Level;
use shouhu_tests::{Role, TestApp};
use uuid::Uuid;

const ROLES_WITH_ROWS: [Role; 12] = [
    Role::CivilAffairsOfficer,
    Role::ChildSupervisor,
    Role::ChildDirector,
    Role::Teacher,
    Role::SchoolHead,
    Role::PoliceOfficer,
    Role::WomensFederationWorker,
    Role::SocialWorker,
    Role::JusticeOfficer,
    Role::CourtOfficer,
    Role::EducationOfficer,
    Role::Procurator,
];

/// The names of the fields of `type_name` whose values are objects (or lists of them).
async fn object_fields(app: &TestApp, type_name: &str) -> Vec<String> {
    let response = app
        .gql(
            None,
            "query($t: String!) { __type(name: $t) { fields { name type { kind ofType { kind ofType { kind ofType { kind } } } } } } }",
            json!({ "t": type_name }),
        )
        .await;
    let mut names = Vec::new();
    for field in response.data()["__type"]["fields"].as_array().unwrap() {
        let mut ty = &field["type"];
        while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
            ty = &ty["ofType"];
        }
        if ty["kind"] == "OBJECT" {
            names.push(field["name"].as_str().unwrap().to_owned());
        }
    }
    names
}

/// The selection for a field: health in full (it is masked as a whole); other objects by
/// their typename, which every role with the full level sees alike even where a row scope
/// narrows a list (a teacher's visits are their own).
fn selection(field: &str, objects: &[String]) -> String {
    match field {
        "health" => "health { status illness disabilityCategory disabilityGrade }".into(),
        "guardians" | "residenceVillage" | "school" => format!("{field} {{ id }}"),
        _ if objects.iter().any(|o| o == field) => format!("{field} {{ __typename }}"),
        _ => field.to_owned(),
    }
}

/// A child of the demo teacher's, which every role with rows can be made to see: it is in the
/// demo village's township (jurisdictions), paired with the demo teacher, enrolled at the demo
/// school, and granted to the agency, justice bureau, court and procuratorate here.
async fn shared_child(app: &TestApp) -> Uuid {
    let teacher = entity::account::Entity::find()
        .filter(entity::account::Column::Username.eq("demo.teacher"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let pairs = pairing::Entity::find()
        .filter(pairing::Column::TeacherAccountId.eq(teacher.id))
        .all(&app.state.db)
        .await
        .unwrap();
    let mut chosen = None;
    for pair in pairs {
        let child = child::Entity::find_by_id(pair.child_id)
            .one(&app.state.db)
            .await
            .unwrap()
            .unwrap();
        if child.region_path == "652700/652701/652701100/652701100201" && child.school_id.is_some()
        {
            chosen = Some(child.id);
            break;
        }
    }
    let child = chosen.expect("a paired child in the demo village");
    for code in [
        "agency:652700:1",
        "justice:652701",
        "court:652701",
        "unit:procuratorate",
    ] {
        grant(app, child, code).await;
    }
    child
}

/// Lends a child's record to an organization for a day.
pub async fn grant(app: &TestApp, child: Uuid, organization_code: &str) {
    let organization = entity::organization::Entity::find()
        .filter(entity::organization::Column::Code.eq(organization_code))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    access_grant::Entity::insert(access_grant::ActiveModel {
        id: Set(Uuid::now_v7()),
        child_id: Set(child),
        organization_id: Set(organization.id),
        purpose: Set("test".into()),
        starts_at: Set(Utc::now() - TimeDelta::hours(1)),
        expires_at: Set(Utc::now() + TimeDelta::days(1)),
        revoked_at: Set(None),
        granted_by: Set(None),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
}

fn child_id(uuid: Uuid) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("Child:{uuid}"))
}

fn error_at<'a>(body: &'a Value, path: &[Value]) -> Option<&'a Value> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| e["path"].as_array().map(Vec::as_slice) == Some(path))
}

#[tokio::test]
async fn every_role_sees_every_child_guardian_and_visit_field_as_the_policy_says() {
    let app = TestApp::spawn().await;
    let policy = app.state.policy.clone();
    let child = child_id(shared_child(&app).await);
    let child_fields: Vec<String> = policy.types()["Child"].keys().cloned().collect();
    let guardian_fields: Vec<String> = policy.types()["Guardian"].keys().cloned().collect();
    let visit_fields: Vec<String> = policy.types()["Visit"].keys().cloned().collect();
    let child_objects = object_fields(&app, "Child").await;
    let guardian_objects = object_fields(&app, "Guardian").await;
    let visit_objects = object_fields(&app, "Visit").await;
    // A visit of the demo teacher's, so every role that may list the child's visits has one.
    let own_visit = app
        .gql_as(
            Role::Teacher,
            "mutation($c: ID!, $at: DateTime!) { recordVisit(input: {idempotencyKey: \"matrix\", childId: $c, visit: {visitedAt: $at, method: HOME, living: {rating: GOOD, note: \"整洁\"}, safety: {rating: FAIR, note: \"路边有水塘\"}}}) { visit { id } } }",
            json!({ "c": child, "at": Utc::now().to_rfc3339() }),
        )
        .await
        .data()["recordVisit"]["visit"]["id"]
        .clone();
    assert!(own_visit.is_string());
    let query = format!(
        "query($id: ID!) {{ child(id: $id) {{ {} }} guardianView: child(id: $id) {{ guardians {{ {} }} }} visitView: child(id: $id) {{ visits(first: 100) {{ edges {{ node {{ id {} }} }} }} }} }}",
        child_fields
            .iter()
            .map(|f| selection(f, &child_objects))
            .collect::<Vec<_>>()
            .join(" "),
        guardian_fields
            .iter()
            .map(|f| selection(f, &guardian_objects))
            .collect::<Vec<_>>()
            .join(" "),
        visit_fields
            .iter()
            .map(|f| match f.as_str() {
                "living" | "guardianship" | "schooling" | "health" | "safety" => {
                    format!("{f} {{ rating note }}")
                }
                _ => selection(f, &visit_objects),
            })
            .collect::<Vec<_>>()
            .join(" "),
    );
    let visit_index = |body: &Value| -> Option<usize> {
        body["data"]["visitView"]["visits"]["edges"]
            .as_array()?
            .iter()
            .position(|e| e["node"]["id"] == own_visit)
    };
    let reference_visit_index =
        |body: &Value| visit_index(body).expect("the reference sees the visit");
    // Civil affairs officers see every field in full: the reference.
    let reference = app
        .gql_as(Role::CivilAffairsOfficer, &query, json!({ "id": child }))
        .await;
    assert!(
        reference.body["errors"].is_null(),
        "{:?}",
        reference.body["errors"]
    );

    let mut checks = 0;
    for role in ROLES_WITH_ROWS {
        let seen = app.gql_as(role, &query, json!({ "id": child })).await;
        assert!(
            seen.data()["child"].is_object(),
            "{role:?} cannot see the shared child: {:?}",
            seen.body
        );
        let guardians_level = policy.level("Child", "guardians", Some(role));
        let visits_level = policy.level("Child", "visits", Some(role));
        let seen_visit = visit_index(&seen.body);
        if visits_level == Level::Full {
            assert!(seen_visit.is_some(), "{role:?} lists the teacher's visit");
        }
        let reference_visit = reference_visit_index(&reference.body);
        let cases =
            child_fields
                .iter()
                .map(|f| {
                    (
                        "Child",
                        f,
                        vec![json!("child"), json!(f)],
                        &reference.data()["child"][f],
                        &seen.data()["child"][f],
                    )
                })
                .chain(
                    guardian_fields
                        .iter()
                        .filter(|_| guardians_level == Level::Full)
                        .map(|f| {
                            (
                                "Guardian",
                                f,
                                vec![
                                    json!("guardianView"),
                                    json!("guardians"),
                                    json!(0),
                                    json!(f),
                                ],
                                &reference.data()["guardianView"]["guardians"][0][f],
                                &seen.data()["guardianView"]["guardians"][0][f],
                            )
                        }),
                )
                .chain(
                    visit_fields
                        .iter()
                        .filter(|_| visits_level == Level::Full)
                        .filter_map(|f| {
                            let i = seen_visit?;
                            Some((
                                "Visit",
                                f,
                                vec![
                                    json!("visitView"),
                                    json!("visits"),
                                    json!("edges"),
                                    json!(i),
                                    json!("node"),
                                    json!(f),
                                ],
                                &reference.data()["visitView"]["visits"]["edges"][reference_visit]
                                    ["node"][f],
                                &seen.data()["visitView"]["visits"]["edges"][i]["node"][f],
                            ))
                        }),
                )
                .collect::<Vec<_>>();
        for (type_name, field, path, full, got) in cases {
            let rule = policy.rule(type_name, field).unwrap();
            let at = format!("{role:?} {type_name}.{field}");
            match rule.level(Some(role)) {
                Level::Full => {
                    assert_eq!(got, full, "{at}: full value");
                    assert!(error_at(&seen.body, &path).is_none(), "{at}: no error");
                }
                Level::Masked => {
                    let masked = rule
                        .mask
                        .unwrap()
                        .apply(GqlValue::from_json(full.clone()).unwrap())
                        .into_json()
                        .unwrap();
                    assert_eq!(got, &masked, "{at}: masked value");
                    assert!(!full.is_null(), "{at}: the reference has a value to mask");
                    if full.is_string() {
                        assert_ne!(got, full, "{at}: masking changed the value");
                    }
                }
                Level::None => {
                    assert!(got.is_null(), "{at}: null");
                    let error = error_at(&seen.body, &path)
                        .unwrap_or_else(|| panic!("{at}: an error at its path"));
                    assert_eq!(error["extensions"]["code"], "FORBIDDEN", "{at}");
                }
            }
            checks += 1;
        }
    }
    println!("role × field checks: {checks}");
    assert!(checks > 600, "{checks}");
}

/// One hand-written expectation.
enum Expect {
    Forbidden,
    Full,
    Pattern(fn(&str) -> bool),
}

fn is_year(s: &str) -> bool {
    s.len() == 4 && s.chars().all(|c| c.is_ascii_digit())
}

fn is_masked_id(s: &str) -> bool {
    s.len() == 18 && s[..4].chars().all(|c| c.is_ascii_digit()) && &s[4..14] == "**********"
}

fn is_masked_phone(s: &str) -> bool {
    s.len() == 11 && &s[3..7] == "****"
}

fn is_village_only(s: &str) -> bool {
    s.ends_with('村')
}

#[tokio::test]
async fn spot_checks_written_by_hand() {
    let app = TestApp::spawn().await;
    let child = child_id(shared_child(&app).await);
    let query = "query($id: ID!) { child(id: $id) { name birthDate idNumber address riskLevel health { status disabilityCategory } guardians { phone idNumber } } }";
    let spot_checks: [(Role, &[&str], Expect); 17] = [
        (Role::Teacher, &["idNumber"], Expect::Forbidden),
        (Role::Teacher, &["birthDate"], Expect::Pattern(is_year)),
        (
            Role::Teacher,
            &["address"],
            Expect::Pattern(is_village_only),
        ),
        (Role::Teacher, &["guardians", "0", "phone"], Expect::Full),
        (
            Role::Teacher,
            &["guardians", "0", "idNumber"],
            Expect::Forbidden,
        ),
        (
            Role::SchoolHead,
            &["idNumber"],
            Expect::Pattern(is_masked_id),
        ),
        (Role::Analyst, &["name"], Expect::Forbidden),
        (Role::Analyst, &["riskLevel"], Expect::Forbidden),
        (Role::PoliceOfficer, &["health"], Expect::Forbidden),
        (Role::PoliceOfficer, &["idNumber"], Expect::Full),
        (
            Role::WomensFederationWorker,
            &["idNumber"],
            Expect::Forbidden,
        ),
        (
            Role::SocialWorker,
            &["idNumber"],
            Expect::Pattern(is_masked_id),
        ),
        (
            Role::ChildSupervisor,
            &["guardians", "0", "idNumber"],
            Expect::Pattern(is_masked_id),
        ),
        (
            Role::ChildDirector,
            &["guardians", "0", "idNumber"],
            Expect::Pattern(is_masked_id),
        ),
        (
            Role::JusticeOfficer,
            &["guardians", "0", "phone"],
            Expect::Pattern(is_masked_phone),
        ),
        (
            Role::CourtOfficer,
            &["guardians", "0", "idNumber"],
            Expect::Full,
        ),
        (Role::CivilAffairsOfficer, &["idNumber"], Expect::Full),
    ];
    for (role, path, expect) in spot_checks {
        let response = app.gql_as(role, query, json!({ "id": child })).await;
        let mut value = &response.data()["child"];
        for step in path {
            value = match step.parse::<usize>() {
                Ok(i) => &value[i],
                Err(_) => &value[*step],
            };
        }
        let at = format!("{role:?} {path:?}");
        match expect {
            Expect::Forbidden => {
                assert!(value.is_null(), "{at}: {value}");
                assert!(response.codes().contains(&"FORBIDDEN".to_owned()), "{at}");
            }
            Expect::Full => {
                assert!(!value.is_null(), "{at}");
                let text = value.as_str().unwrap_or_default();
                assert!(!text.contains('*'), "{at}: {text}");
            }
            Expect::Pattern(check) => {
                let text = value.as_str().unwrap_or_default();
                assert!(check(text), "{at}: {text:?}");
            }
        }
    }
}

#[tokio::test]
async fn masked_health_is_the_category_only() {
    let app = TestApp::spawn().await;
    let shared = shared_child(&app).await;
    child::Entity::update_many()
        .col_expr(
            child::Column::HealthStatus,
            entity::enums::HealthStatus::Disabled.into(),
        )
        .col_expr(child::Column::DisabilityCategory, "肢体残疾".into())
        .col_expr(child::Column::DisabilityGrade, 3.into())
        .filter(child::Column::Id.eq(shared))
        .exec(&app.state.db)
        .await
        .unwrap();
    let query = "query($id: ID!) { child(id: $id) { health { status disabilityCategory disabilityGrade } } }";

    let masked = app
        .gql_as(Role::Teacher, query, json!({ "id": child_id(shared) }))
        .await;
    let full = app
        .gql_as(
            Role::ChildDirector,
            query,
            json!({ "id": child_id(shared) }),
        )
        .await;

    assert_eq!(
        masked.data()["child"]["health"],
        json!({ "status": "DISABLED", "disabilityCategory": null, "disabilityGrade": null })
    );
    assert_eq!(
        full.data()["child"]["health"],
        json!({ "status": "DISABLED", "disabilityCategory": "肢体残疾", "disabilityGrade": 3 })
    );
}

#[tokio::test]
async fn a_mutation_the_role_may_not_call_is_forbidden_and_audited() {
    let app = TestApp::spawn().await;

    let response = app
        .gql_as(
            Role::Teacher,
            "mutation { markChildReviewed(input: {id: \"x\", version: 1}) { child { id } } }",
            json!({}),
        )
        .await;

    assert_eq!(response.code(), "FORBIDDEN");
    app.flush_audit().await;
    let denied = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("access.denied"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(denied.len(), 1);
    assert!(
        denied[0].detail.contains("Mutation.markChildReviewed"),
        "{}",
        denied[0].detail
    );
}

/// Every role against the operations of assessment and assistance, access, break-glass and
/// screening: those the policy denies are `FORBIDDEN`, the others get past the gate (to a bad
/// input, since the IDs here are not real).
#[tokio::test]
async fn every_role_reaches_the_assistance_and_screening_operations_the_policy_allows() {
    let app = TestApp::spawn().await;
    let operations = [
        (
            "Query",
            "assessments",
            "{ assessments { edges { cursor } } }",
        ),
        (
            "Query",
            "serviceItems",
            "{ serviceItems { edges { cursor } } }",
        ),
        (
            "Query",
            "breakGlassAccesses",
            "{ breakGlassAccesses { edges { cursor } } }",
        ),
        (
            "Query",
            "accessGrants",
            "{ accessGrants { edges { cursor } } }",
        ),
        (
            "Query",
            "screeningCampaigns",
            "{ screeningCampaigns { edges { cursor } } }",
        ),
        (
            "Query",
            "screeningCampaign",
            "{ screeningCampaign(id: \"x\") { id } }",
        ),
        ("Query", "hazardSites", "{ hazardSites { id } }"),
        (
            "Mutation",
            "startAssessment",
            "mutation { startAssessment(input: {childId: \"x\"}) { __typename } }",
        ),
        (
            "Mutation",
            "completeAssessment",
            "mutation { completeAssessment(input: {id: \"x\", safety: \"a\", guardianship: \"a\", physicalHealth: \"a\", mentalHealth: \"a\", riskLevel: LOW}) { __typename } }",
        ),
        (
            "Mutation",
            "addServiceItem",
            "mutation { addServiceItem(input: {idempotencyKey: \"k\", childId: \"x\", kind: COUNSELLING, organizationId: \"x\", dueOn: \"2030-01-01\"}) { __typename } }",
        ),
        (
            "Mutation",
            "updateServiceItem",
            "mutation { updateServiceItem(input: {id: \"x\", move: START}) { __typename } }",
        ),
        (
            "Mutation",
            "grantAccess",
            "mutation { grantAccess(input: {childId: \"x\", organizationId: \"x\", purpose: COUNSELLING, expiresAt: \"2030-01-01T00:00:00Z\", reason: \"r\"}) { __typename } }",
        ),
        (
            "Mutation",
            "revokeAccess",
            "mutation { revokeAccess(input: {id: \"x\", reason: \"r\"}) { __typename } }",
        ),
        (
            "Mutation",
            "breakGlass",
            "mutation { breakGlass(input: {childId: \"x\", reason: \"r\"}) { __typename } }",
        ),
        (
            "Mutation",
            "reviewBreakGlass",
            "mutation { reviewBreakGlass(input: {id: \"x\", note: \"n\"}) { __typename } }",
        ),
        (
            "Mutation",
            "startScreeningCampaign",
            "mutation { startScreeningCampaign(input: {name: \"n\", season: OTHER, startsOn: \"2030-01-01\", endsOn: \"2030-01-02\", regionId: \"x\"}) { __typename } }",
        ),
        (
            "Mutation",
            "formScreeningTeam",
            "mutation { formScreeningTeam(input: {campaignId: \"x\", kind: STUDY_HELP, name: \"n\", organizationId: \"x\", members: []}) { __typename } }",
        ),
        (
            "Mutation",
            "addHazardSite",
            "mutation { addHazardSite(input: {regionId: \"x\", kind: WATER, place: \"p\", risk: LOW}) { __typename } }",
        ),
        (
            "Mutation",
            "recordScreening",
            "mutation { recordScreening(input: {idempotencyKey: \"k\", campaignId: \"x\", screenedOn: \"2030-01-01\", finding: \"f\"}) { __typename } }",
        ),
    ];
    reached_as_the_policy_says(&app, &operations).await;
}

/// Sends each operation (root, field, document with nonsense input) as every role: refused as
/// `FORBIDDEN` to the roles the policy refuses it, and reaching its own checks for the others
/// (a mutation, `BAD_USER_INPUT`).
pub(crate) async fn reached_as_the_policy_says(app: &TestApp, operations: &[(&str, &str, &str)]) {
    let policy = app.state.policy.clone();
    let mut checks = 0;
    for role in Role::iter() {
        let tokens = app.login_as(role).await;
        for &(root, field, operation) in operations {
            let response = app.gql(Some(&tokens.access), operation, json!({})).await;
            let codes = response.codes();
            let at = format!("{role:?} {root}.{field}");
            if policy.level(root, field, Some(role)) == Level::None {
                assert_eq!(codes, vec!["FORBIDDEN"], "{at}");
            } else {
                assert!(!codes.iter().any(|c| c == "FORBIDDEN"), "{at}: {codes:?}");
                if root == "Mutation" {
                    assert_eq!(codes, vec!["BAD_USER_INPUT"], "{at}");
                }
            }
            checks += 1;
        }
    }
    assert_eq!(checks, Role::iter().count() * operations.len());
}

#[test]
fn the_access_matrix_document_is_current() {
    let checked_in = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/access-matrix.md"
    ))
    .expect("docs/access-matrix.md");
    let policy = shouhu::app::load_policy(&shouhu::config::Config::default()).unwrap();

    assert!(
        checked_in == shouhu::policy::matrix::render(&policy),
        "docs/access-matrix.md is stale: run `cargo run -q -- policy matrix > docs/access-matrix.md`"
    );
}
