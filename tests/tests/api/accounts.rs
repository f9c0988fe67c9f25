//! Running accounts: the administrator creates units and accounts within its jurisdiction,
//! changes, disables and resets them; a one-time password signs in nowhere until the person
//! replaces it; everyone changes their own password; and every operation is refused to the
//! roles the policy refuses it.

use sea_orm::EntityTrait;
use serde_json::{Value, json};
use shouhu_tests::{
    DEMO_PASSWORD, Role, TestApp, Tokens,
    ws::{self, Opened},
};

use crate::{auth::me_code, policy::reached_as_the_policy_says};

const CREATE_ACCOUNT: &str = "mutation($input: CreateAccountInput!) { createAccount(input: $input) { \
    account { id username role mustChangePassword organization { code } } oneTimePassword replayed } }";

const CHANGE_PASSWORD: &str = "mutation($u: String!, $c: String!, $n: String!) { changePassword(input: \
    {username: $u, currentPassword: $c, newPassword: $n}) { accessToken refreshToken account { username mustChangePassword } } }";

const NEW_PASSWORD: &str = "a long walk by the river";

/// A township unit the admin creates, and an account in it with its one-time password.
async fn new_account(app: &TestApp, admin: &Tokens, username: &str, role: &str) -> (Value, String) {
    let created = app
        .gql(
            Some(&admin.access),
            CREATE_ACCOUNT,
            json!({ "input": {
                "idempotencyKey": format!("create-{username}"),
                "username": username,
                "displayName": "王老师",
                "role": role,
                "organizationId": app.organization_id("township_government:652701100").await,
            } }),
        )
        .await;
    assert!(created.codes().is_empty(), "{:?}", created.body);
    let payload = &created.data()["createAccount"];
    (
        payload["account"]["id"].clone(),
        payload["oneTimePassword"].as_str().unwrap().to_owned(),
    )
}

async fn change_password(
    app: &TestApp,
    username: &str,
    current: &str,
    new: &str,
) -> shouhu_tests::GqlResponse {
    app.gql(
        None,
        CHANGE_PASSWORD,
        json!({ "u": username, "c": current, "n": new }),
    )
    .await
}

/// The admin's mutation on the account `id`, answering its error codes.
async fn on_account(app: &TestApp, token: &str, mutation: &str, id: &Value) -> Vec<String> {
    app.gql(
        Some(token),
        &format!("mutation($id: ID!) {{ {mutation}(input: {{id: $id}}) {{ account {{ id }} }} }}"),
        json!({ "id": id }),
    )
    .await
    .codes()
}

#[tokio::test]
async fn a_new_account_signs_in_only_after_replacing_its_one_time_password() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let (id, one_time) = new_account(&app, &admin, "wang.laoshi", "TEACHER").await;
    let first_login = app.login("wang.laoshi", &one_time).await;
    let weak = change_password(&app, "wang.laoshi", &one_time, "wang.laoshi-2026").await;
    let wrong = change_password(&app, "wang.laoshi", "not-the-password", NEW_PASSWORD).await;
    let changed = change_password(&app, "wang.laoshi", &one_time, NEW_PASSWORD).await;
    let old_again = app.login("wang.laoshi", &one_time).await;
    let signed_in = app.login("wang.laoshi", NEW_PASSWORD).await;

    assert_eq!(first_login.code(), "PASSWORD_CHANGE_REQUIRED");
    assert_eq!(weak.code(), "BAD_USER_INPUT");
    assert_eq!(
        weak.body["errors"][0]["extensions"]["field"],
        "input.newPassword"
    );
    assert!(
        weak.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("username"),
        "{:?}",
        weak.body
    );
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    assert!(changed.codes().is_empty(), "{:?}", changed.body);
    let token = changed.data()["changePassword"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(
        changed.data()["changePassword"]["account"]["mustChangePassword"],
        false
    );
    assert_eq!(
        me_code(&app, token).await,
        "",
        "the device that changed it is signed in"
    );
    assert_eq!(old_again.code(), "UNAUTHENTICATED");
    assert!(signed_in.codes().is_empty(), "{:?}", signed_in.body);
    let found = app
        .gql(
            Some(&admin.access),
            "query($id: ID!) { node(id: $id) { ... on Account { username role mustChangePassword } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        found.data()["node"],
        json!({ "username": "wang.laoshi", "role": "TEACHER", "mustChangePassword": false })
    );
}

#[tokio::test]
async fn a_create_retried_with_its_key_answers_the_first_account_without_its_password() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let input = json!({
        "idempotencyKey": "retry-1",
        "username": "li.ganbu",
        "displayName": "李干部",
        "role": "CHILD_SUPERVISOR",
        "organizationId": app.organization_id("township_government:652701100").await,
    });

    let first = app
        .gql(
            Some(&admin.access),
            CREATE_ACCOUNT,
            json!({ "input": input }),
        )
        .await;
    let retried = app
        .gql(
            Some(&admin.access),
            CREATE_ACCOUNT,
            json!({ "input": input }),
        )
        .await;
    let mut another = input.clone();
    another["idempotencyKey"] = json!("retry-2");
    let taken = app
        .gql(
            Some(&admin.access),
            CREATE_ACCOUNT,
            json!({ "input": another }),
        )
        .await;

    let first = &first.data()["createAccount"];
    assert_eq!(first["replayed"], false);
    assert_eq!(first["account"]["mustChangePassword"], true);
    assert_eq!(
        first["oneTimePassword"].as_str().map(str::len),
        Some(19),
        "{first}"
    );
    let retried = &retried.data()["createAccount"];
    assert_eq!(retried["replayed"], true);
    assert_eq!(retried["account"]["id"], first["account"]["id"]);
    assert_eq!(retried["oneTimePassword"], Value::Null);
    assert_eq!(taken.code(), "CONFLICT");
    assert_eq!(
        taken.body["errors"][0]["extensions"]["existingId"],
        first["account"]["id"]
    );
}

#[tokio::test]
async fn disabling_a_role_change_and_a_reset_end_every_session_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let (id, one_time) = new_account(&app, &admin, "zhao.laoshi", "TEACHER").await;
    let signed_in = change_password(&app, "zhao.laoshi", &one_time, NEW_PASSWORD).await;
    let token = signed_in.data()["changePassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(&app, &token).await, "");

    // Disabled: the token is refused on the next request, and so is signing in.
    assert!(
        on_account(&app, &admin.access, "disableAccount", &id)
            .await
            .is_empty()
    );
    assert_eq!(me_code(&app, &token).await, "UNAUTHENTICATED");
    assert_eq!(
        app.login("zhao.laoshi", NEW_PASSWORD).await.code(),
        "UNAUTHENTICATED"
    );
    assert!(
        on_account(&app, &admin.access, "enableAccount", &id)
            .await
            .is_empty()
    );
    let again = app.login("zhao.laoshi", NEW_PASSWORD).await;
    let token = again.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();

    // A new role: the session opened under the old one ends.
    let moved = app
        .gql(
            Some(&admin.access),
            "mutation($id: ID!) { updateAccount(input: {id: $id, role: SCHOOL_HEAD, displayName: \"赵校长\"}) { account { role displayName } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(
        moved.data()["updateAccount"]["account"],
        json!({ "role": "SCHOOL_HEAD", "displayName": "赵校长" })
    );
    assert_eq!(me_code(&app, &token).await, "UNAUTHENTICATED");

    // A reset: sessions end, and only the new one-time password, replaced, signs in.
    let token = app.login("zhao.laoshi", NEW_PASSWORD).await.data()["login"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset = app
        .gql(
            Some(&admin.access),
            "mutation($id: ID!) { resetPassword(input: {id: $id}) { oneTimePassword account { mustChangePassword } } }",
            json!({ "id": id }),
        )
        .await;
    let reset_to = reset.data()["resetPassword"]["oneTimePassword"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(&app, &token).await, "UNAUTHENTICATED");
    assert_eq!(
        app.login("zhao.laoshi", NEW_PASSWORD).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.login("zhao.laoshi", &reset_to).await.code(),
        "PASSWORD_CHANGE_REQUIRED"
    );

    // Not on oneself.
    let me = app
        .gql(Some(&admin.access), "{ me { id } }", json!({}))
        .await;
    let own = me.data()["me"]["id"].clone();
    for mutation in ["disableAccount", "resetPassword"] {
        assert_eq!(
            on_account(&app, &admin.access, mutation, &own).await,
            vec!["BAD_USER_INPUT"],
            "{mutation}"
        );
    }

    app.flush_audit().await;
    let actions: Vec<String> = entity::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "account.create",
        "account.password_change",
        "account.disable",
        "account.enable",
        "account.update",
        "account.reset_password",
        "login.password_change_required",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn a_one_time_password_expires_after_three_days() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let (_, one_time) = new_account(&app, &admin, "sun.laoshi", "TEACHER").await;

    app.clock.advance(chrono::TimeDelta::hours(73));

    assert_eq!(
        app.login("sun.laoshi", &one_time).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        change_password(&app, "sun.laoshi", &one_time, NEW_PASSWORD)
            .await
            .code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn everyone_changes_their_own_password_and_their_other_sessions_end() {
    let app = TestApp::spawn().await;
    let other_device = app.login_as(Role::ChildDirector).await;

    let same = change_password(&app, "demo.child_director", DEMO_PASSWORD, DEMO_PASSWORD).await;
    let changed = change_password(&app, "demo.child_director", DEMO_PASSWORD, NEW_PASSWORD).await;

    assert_eq!(same.code(), "BAD_USER_INPUT");
    assert!(changed.codes().is_empty(), "{:?}", changed.body);
    assert_eq!(me_code(&app, &other_device.access).await, "UNAUTHENTICATED");
    let token = changed.data()["changePassword"]["accessToken"]
        .as_str()
        .unwrap();
    assert_eq!(me_code(&app, token).await, "");
    assert_eq!(
        app.login("demo.child_director", DEMO_PASSWORD).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn an_administrator_runs_only_the_accounts_and_units_of_its_jurisdiction() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    // A township's own administrator, made by the prefecture's.
    let (_, one_time) = new_account(&app, &admin, "township.admin", "ADMIN").await;
    let township = change_password(&app, "township.admin", &one_time, NEW_PASSWORD).await;
    let token = township.data()["changePassword"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let prefecture_admin = app
        .gql(Some(&admin.access), "{ me { id } }", json!({}))
        .await
        .data()["me"]["id"]
        .clone();

    let listed = app
        .gql(
            Some(&token),
            "{ accounts(first: 100) { totalCount edges { node { username organization { region { code } } } } } }",
            json!({}),
        )
        .await;
    let everyone = app
        .gql(
            Some(&admin.access),
            "{ accounts { totalCount } }",
            json!({}),
        )
        .await;
    let outside = app
        .gql(
            Some(&token),
            CREATE_ACCOUNT,
            json!({ "input": {
                "idempotencyKey": "outside",
                "username": "elsewhere.one",
                "displayName": "外人",
                "role": "TEACHER",
                "organizationId": app.organization_id("unit:civil_affairs").await,
            } }),
        )
        .await;
    let unit = app
        .gql(
            Some(&token),
            "mutation($r: ID!) { createOrganization(input: {idempotencyKey: \"o1\", code: \"women_home:652701100201\", name: \"村妇女之家\", kind: WOMENS_FEDERATION, regionId: $r, mandatoryReporter: false}) { organization { code region { code } } } }",
            json!({ "r": app.region_id("652701100201").await }),
        )
        .await;
    let taken_elsewhere = app
        .gql(
            Some(&token),
            CREATE_ACCOUNT,
            json!({ "input": {
                "idempotencyKey": "taken",
                "username": "demo.civil_affairs_officer",
                "displayName": "重名",
                "role": "TEACHER",
                "organizationId": app.organization_id("township_government:652701100").await,
            } }),
        )
        .await;
    let second_government = app
        .gql(
            Some(&token),
            "mutation($r: ID!) { createOrganization(input: {idempotencyKey: \"o3\", code: \"township_government:652701100:b\", name: \"另一个乡政府\", kind: TOWNSHIP_GOVERNMENT, regionId: $r, mandatoryReporter: true}) { organization { code } } }",
            json!({ "r": app.region_id("652701100").await }),
        )
        .await;
    let unit_outside = app
        .gql(
            Some(&token),
            "mutation($r: ID!) { createOrganization(input: {idempotencyKey: \"o2\", code: \"x:1\", name: \"外单位\", kind: CARE_COMMITTEE, regionId: $r, mandatoryReporter: false}) { organization { code } } }",
            json!({ "r": app.region_id("652701").await }),
        )
        .await;

    let edges = listed.data()["accounts"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert!(!edges.is_empty(), "{:?}", listed.body);
    assert!(
        edges
            .iter()
            .all(|e| e["node"]["organization"]["region"]["code"]
                .as_str()
                .is_some_and(|code| code.starts_with("652701100"))),
        "the township's units and those of its villages: {edges:?}"
    );
    assert!(
        everyone.data()["accounts"]["totalCount"].as_i64().unwrap()
            > listed.data()["accounts"]["totalCount"].as_i64().unwrap()
    );
    assert_eq!(
        on_account(&app, &token, "disableAccount", &prefecture_admin).await,
        vec!["NOT_FOUND"]
    );
    assert_eq!(outside.code(), "BAD_USER_INPUT");
    assert_eq!(
        outside.body["errors"][0]["extensions"]["field"],
        "input.organizationId"
    );
    assert_eq!(
        unit.data()["createOrganization"]["organization"],
        json!({ "code": "women_home:652701100201", "region": { "code": "652701100201" } }),
        "{:?}",
        unit.body
    );
    assert_eq!(unit_outside.code(), "BAD_USER_INPUT");
    // A username taken outside the jurisdiction is a conflict that names no account.
    assert_eq!(taken_elsewhere.code(), "CONFLICT");
    assert!(taken_elsewhere.body["errors"][0]["extensions"]["existingId"].is_null());
    // Reports and assessments are routed to the township's government: there is one.
    assert_eq!(
        second_government.code(),
        "CONFLICT",
        "{:?}",
        second_government.body
    );
}

#[tokio::test]
async fn every_role_reaches_the_account_operations_the_policy_allows() {
    let app = TestApp::spawn().await;
    let operations = [
        ("Query", "accounts", "{ accounts { edges { cursor } } }"),
        (
            "Mutation",
            "createAccount",
            "mutation { createAccount(input: {idempotencyKey: \"k\", username: \"u\", displayName: \"d\", role: TEACHER, organizationId: \"x\"}) { replayed } }",
        ),
        (
            "Mutation",
            "updateAccount",
            "mutation { updateAccount(input: {id: \"x\"}) { account { id } } }",
        ),
        (
            "Mutation",
            "disableAccount",
            "mutation { disableAccount(input: {id: \"x\"}) { account { id } } }",
        ),
        (
            "Mutation",
            "enableAccount",
            "mutation { enableAccount(input: {id: \"x\"}) { account { id } } }",
        ),
        (
            "Mutation",
            "resetPassword",
            "mutation { resetPassword(input: {id: \"x\"}) { oneTimePassword } }",
        ),
        (
            "Mutation",
            "createOrganization",
            "mutation { createOrganization(input: {idempotencyKey: \"k\", code: \"c\", name: \"n\", kind: CARE_COMMITTEE, regionId: \"x\", mandatoryReporter: false}) { replayed } }",
        ),
        (
            "Mutation",
            "updateOrganization",
            "mutation { updateOrganization(input: {id: \"x\"}) { organization { id } } }",
        ),
    ];
    reached_as_the_policy_says(&app, &operations).await;

    // changePassword is everyone's, with or without a token: an unknown username is refused
    // as sign-in refuses it.
    let change = "mutation { changePassword(input: {username: \"nobody\", currentPassword: \"p\", newPassword: \"q\"}) { accessToken } }";
    assert_eq!(
        app.gql(None, change, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
    let teacher = app.login_as(Role::Teacher).await;
    assert_eq!(
        app.gql(Some(&teacher.access), change, json!({}))
            .await
            .code(),
        "UNAUTHENTICATED"
    );
    // Without a token, none of the others.
    assert_eq!(
        app.gql(None, operations[1].2, json!({})).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn disabling_an_account_closes_its_open_subscription_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let Opened::Ready(mut socket) = ws::open(&app.address, Some(&police.access)).await else {
        panic!("the subscription connection opens");
    };
    socket
        .subscribe("1", "subscription { reportEvents { reportId } }")
        .await;
    assert_eq!(
        socket.closed(std::time::Duration::from_millis(300)).await,
        None
    );
    let found = app
        .gql(
            Some(&admin.access),
            "{ accounts(filter: {usernameStartsWith: \"DEMO.police\", roles: [POLICE_OFFICER]}) { edges { node { id username } } } }",
            json!({}),
        )
        .await;
    let edges = found.data()["accounts"]["edges"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(edges.len(), 1, "{edges:?}");

    assert!(
        on_account(
            &app,
            &admin.access,
            "disableAccount",
            &edges[0]["node"]["id"]
        )
        .await
        .is_empty()
    );

    assert_eq!(
        socket.closed(std::time::Duration::from_secs(1)).await,
        Some(4401)
    );
}
