use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{TimeDelta, Utc};
use entity::account;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, Iterable, QueryFilter,
};
use serde_json::{Value, json};
use shouhu_tests::{DEMO_PASSWORD, JWT_SECRET, Role, TestApp};

pub(crate) const ME: &str = "{ me { username role organization { kind } jurisdiction { code } } }";

/// The claims of a real token, to tamper with.
pub(crate) fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A token with these claims, signed as told.
pub(crate) fn sign(claims: &Value, algorithm: Algorithm, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

/// The error code of reading `me` with `token` (empty when it works).
pub(crate) async fn me_code(app: &TestApp, token: &str) -> String {
    app.gql(Some(token), ME, json!({})).await.code()
}

#[tokio::test]
async fn a_demo_account_logs_in_and_reads_me() {
    let app = TestApp::spawn().await;

    let tokens = app.login_as(Role::Teacher).await;
    let me = app.gql(Some(&tokens.access), ME, json!({})).await;

    assert_eq!(me.status, 200);
    assert_eq!(me.data()["me"]["username"], "demo.teacher");
    assert_eq!(me.data()["me"]["role"], "TEACHER");
    assert_eq!(me.data()["me"]["organization"]["kind"], "SCHOOL");
    assert_eq!(me.data()["me"]["jurisdiction"]["code"], "652701100");
}

#[tokio::test]
async fn every_role_has_a_demo_account() {
    let app = TestApp::spawn().await;
    for role in Role::iter() {
        let tokens = app.login_as(role).await;
        let me = app.gql(Some(&tokens.access), ME, json!({})).await;
        assert!(me.body["errors"].is_null(), "{role:?}: {:?}", me.body);
    }
}

#[tokio::test]
async fn unknown_user_and_wrong_password_get_the_same_answer() {
    let app = TestApp::spawn().await;

    let unknown = app.login("nobody.here", DEMO_PASSWORD).await;
    let wrong = app.login("demo.teacher", "not-the-password").await;

    assert_eq!(unknown.code(), "UNAUTHENTICATED");
    assert_eq!(wrong.code(), "UNAUTHENTICATED");
    assert_eq!(
        unknown.body["errors"][0]["message"],
        wrong.body["errors"][0]["message"]
    );
    assert!(unknown.data()["login"].is_null() || unknown.data().is_null());
}

#[tokio::test]
async fn no_token_where_one_is_needed_is_unauthenticated() {
    let app = TestApp::spawn().await;

    let response = app.gql(None, ME, json!({})).await;

    assert_eq!(response.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn garbled_and_foreign_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let claims = claims_of(&tokens.access);
    let (header, payload) = {
        let mut parts = tokens.access.split('.');
        (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        )
    };
    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);

    let cases = [
        ("garbled", "not.a.token".to_owned()),
        (
            "bad signature",
            sign(
                &claims,
                Algorithm::HS256,
                "another-secret-another-secret-32b",
            ),
        ),
        ("alg none", format!("{none_header}.{payload}.")),
        (
            "another algorithm",
            sign(&claims, Algorithm::HS512, JWT_SECRET),
        ),
        (
            "signature of another token",
            format!("{header}.{payload}.AAAA"),
        ),
    ];
    for (case, token) in cases {
        assert_eq!(me_code(&app, &token).await, "UNAUTHENTICATED", "{case}");
    }
}

#[tokio::test]
async fn expired_wrong_issuer_and_wrong_audience_are_refused() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let claims = claims_of(&tokens.access);
    let past = (Utc::now() - TimeDelta::hours(1)).timestamp();

    let mut expired = claims.clone();
    expired["iat"] = json!(past - 900);
    expired["exp"] = json!(past);
    let mut issuer = claims.clone();
    issuer["iss"] = json!("someone-else");
    let mut audience = claims.clone();
    audience["aud"] = json!("another-api");

    assert_eq!(
        me_code(&app, &sign(&claims, Algorithm::HS256, JWT_SECRET)).await,
        ""
    );
    for (case, forged) in [
        ("expired", expired),
        ("issuer", issuer),
        ("audience", audience),
    ] {
        let token = sign(&forged, Algorithm::HS256, JWT_SECRET);
        assert_eq!(me_code(&app, &token).await, "UNAUTHENTICATED", "{case}");
    }
}

#[tokio::test]
async fn a_disabled_account_can_neither_log_in_nor_use_its_token() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;
    let teacher = account::Entity::find()
        .filter(account::Column::Username.eq("demo.teacher"))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut teacher: account::ActiveModel = teacher.into();
    teacher.disabled = Set(true);
    teacher.update(&app.state.db).await.unwrap();

    assert_eq!(me_code(&app, &tokens.access).await, "UNAUTHENTICATED");
    assert_eq!(
        app.login("demo.teacher", DEMO_PASSWORD).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn logout_everywhere_bumps_the_token_version_and_revokes_access_tokens() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::ChildDirector).await;
    let other_device = app.login_as(Role::ChildDirector).await;

    let out = app
        .gql(
            Some(&tokens.access),
            "mutation { logout(input: {everywhere: true}) { revoked } }",
            json!({}),
        )
        .await;

    assert_eq!(out.data()["logout"]["revoked"], true);
    assert_eq!(me_code(&app, &tokens.access).await, "UNAUTHENTICATED");
    assert_eq!(me_code(&app, &other_device.access).await, "UNAUTHENTICATED");
    let refreshed = refresh(&app, &other_device.refresh).await;
    assert_eq!(refreshed.code(), "UNAUTHENTICATED");
}

/// Exchanges a refresh token.
pub(crate) async fn refresh(app: &TestApp, token: &str) -> shouhu_tests::GqlResponse {
    app.gql(
        None,
        "mutation($t: String!) { refreshToken(input: {refreshToken: $t}) { accessToken refreshToken } }",
        json!({ "t": token }),
    )
    .await
}

#[tokio::test]
async fn a_refresh_token_rotates_and_its_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let first = app.login_as(Role::Teacher).await;

    let rotated = refresh(&app, &first.refresh).await;
    let second_refresh = rotated.data()["refreshToken"]["refreshToken"]
        .as_str()
        .unwrap()
        .to_owned();
    let second_access = rotated.data()["refreshToken"]["accessToken"]
        .as_str()
        .unwrap();
    assert_ne!(second_refresh, first.refresh);
    assert_eq!(me_code(&app, second_access).await, "");

    // The first token again: a thief or a replay. The whole family dies.
    let reuse = refresh(&app, &first.refresh).await;
    assert_eq!(reuse.code(), "UNAUTHENTICATED");
    let after_reuse = refresh(&app, &second_refresh).await;
    assert_eq!(after_reuse.code(), "UNAUTHENTICATED");
}

#[tokio::test]
async fn logout_revokes_this_devices_refresh_token_only() {
    let app = TestApp::spawn().await;
    let this_device = app.login_as(Role::Teacher).await;
    let other_device = app.login_as(Role::Teacher).await;

    let out = app
        .gql(
            Some(&this_device.access),
            "mutation($t: String) { logout(input: {refreshToken: $t}) { revoked } }",
            json!({ "t": this_device.refresh }),
        )
        .await;

    assert_eq!(out.data()["logout"]["revoked"], true);
    assert_eq!(
        refresh(&app, &this_device.refresh).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(refresh(&app, &other_device.refresh).await.code(), "");
}

#[tokio::test]
async fn a_refresh_token_expires() {
    let app = TestApp::spawn().await;
    let tokens = app.login_as(Role::Teacher).await;

    app.clock.advance(TimeDelta::days(31));

    assert_eq!(
        refresh(&app, &tokens.refresh).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn failed_logins_slow_the_username_down_without_locking_its_owner_out() {
    let app = TestApp::spawn_with(|c| c.login.free_failures = 3).await;

    for _ in 0..4 {
        assert_eq!(
            app.login("demo.teacher", "wrong").await.code(),
            "UNAUTHENTICATED"
        );
    }
    // The fourth failure in a row makes the username wait a second.
    let waiting = app.login("demo.teacher", DEMO_PASSWORD).await;
    let other = app.login("demo.analyst", "wrong").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let after = app.login("demo.teacher", DEMO_PASSWORD).await;
    // Signing in cleared the count: one failure does not make it wait again.
    let again = app.login("demo.teacher", "wrong").await;
    let owner = app.login("demo.teacher", DEMO_PASSWORD).await;

    assert_eq!(waiting.code(), "RATE_LIMITED");
    assert_eq!(waiting.body["errors"][0]["extensions"]["retryAfter"], 1);
    assert_eq!(other.code(), "UNAUTHENTICATED");
    assert!(after.body["errors"].is_null(), "{:?}", after.body);
    assert_eq!(again.code(), "UNAUTHENTICATED");
    assert!(owner.body["errors"].is_null(), "{:?}", owner.body);
}

#[tokio::test]
async fn failed_logins_are_throttled_per_client_address() {
    let app = TestApp::spawn_with(|c| c.login.attempts_per_address_per_minute = 4).await;

    for n in 0..4 {
        let code = app.login(&format!("someone.{n}"), "wrong").await.code();
        assert_eq!(code, "UNAUTHENTICATED");
    }

    assert_eq!(
        app.login("demo.teacher", DEMO_PASSWORD).await.code(),
        "RATE_LIMITED"
    );
}

#[tokio::test]
async fn logins_and_failures_are_audited() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Teacher).await;
    app.login("demo.teacher", "wrong").await;

    let events = entity::audit_event::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap();

    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"login"), "{actions:?}");
    assert!(actions.contains(&"login.failed"), "{actions:?}");
    let failed = events.iter().find(|e| e.action == "login.failed").unwrap();
    assert!(!failed.detail.contains(DEMO_PASSWORD));
}
