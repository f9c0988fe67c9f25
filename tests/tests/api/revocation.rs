//! Revocation bites at once: an access token of a revoked session, of an account signed out
//! everywhere or disabled, is refused on the next request, on every instance; open
//! subscriptions close; and a token's claims never widen what the account may do.

use std::time::Duration;

use crate::auth::{ME, claims_of, me_code, refresh, sign};
use chrono::Utc;
use jsonwebtoken::Algorithm;
use serde_json::json;
use shouhu_tests::{
    JWT_SECRET, Role, TestApp, Tokens,
    db::postgres_server,
    ws::{self, Opened, Subscriber},
};

async fn logout(app: &TestApp, tokens: &Tokens, everywhere: bool) {
    let out = app
        .gql(
            Some(&tokens.access),
            "mutation($t: String, $e: Boolean) { logout(input: {refreshToken: $t, everywhere: $e}) { revoked } }",
            json!({ "t": tokens.refresh, "e": everywhere }),
        )
        .await;
    assert_eq!(out.data()["logout"]["revoked"], true, "{:?}", out.body);
}

async fn subscribed(app: &TestApp, token: &str) -> Box<Subscriber> {
    let Opened::Ready(mut socket) = ws::open(&app.address, Some(token)).await else {
        panic!("the subscription connection opens");
    };
    socket
        .subscribe("1", "subscription { reportEvents { reportId } }")
        .await;
    socket
}

#[tokio::test]
async fn a_device_logout_refuses_that_devices_access_token_at_once() {
    let app = TestApp::spawn().await;
    let this_device = app.login_as(Role::Teacher).await;
    let other_device = app.login_as(Role::Teacher).await;
    assert_eq!(me_code(&app, &this_device.access).await, "");

    logout(&app, &this_device, false).await;

    assert_eq!(me_code(&app, &this_device.access).await, "UNAUTHENTICATED");
    assert_eq!(me_code(&app, &other_device.access).await, "");
}

#[tokio::test]
async fn refresh_token_reuse_refuses_the_familys_access_tokens() {
    let app = TestApp::spawn().await;
    let first = app.login_as(Role::Teacher).await;
    let rotated = refresh(&app, &first.refresh).await;
    let second_access = rotated.data()["refreshToken"]["accessToken"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_code(&app, &second_access).await, "");

    assert_eq!(
        refresh(&app, &first.refresh).await.code(),
        "UNAUTHENTICATED"
    );

    assert_eq!(me_code(&app, &second_access).await, "UNAUTHENTICATED");
    assert_eq!(me_code(&app, &first.access).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_disabled_account_is_refused_at_once_though_it_was_read_a_moment_before() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    assert_eq!(me_code(&app, &teacher.access).await, "");

    // As `shouhu account disable` does, from outside the server: the server learns of it only
    // through the change's announcement on the bus.
    shouhu::domain::account::set_disabled(
        app.state.store(),
        &app.state.audit_keys.mac,
        "demo.teacher",
        true,
        Utc::now(),
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while me_code(&app, &teacher.access).await != "UNAUTHENTICATED"
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    assert_eq!(me_code(&app, &teacher.access).await, "UNAUTHENTICATED");
    assert_eq!(
        refresh(&app, &teacher.refresh).await.code(),
        "UNAUTHENTICATED"
    );
}

#[tokio::test]
async fn a_logout_on_one_instance_is_honoured_by_another_within_a_second() {
    if postgres_server().is_none() {
        // On SQLite the service is one process; instances share revocations through
        // PostgreSQL's LISTEN/NOTIFY.
        return;
    }
    let app = TestApp::spawn().await;
    let other = app.second_instance().await;
    let tokens = app.login_as(Role::ChildDirector).await;
    let me_there = |token: String| {
        let (client, url) = (app.client.clone(), format!("{}/graphql", other.address));
        async move {
            let response = client
                .post(url)
                .header("accept", "application/graphql-response+json")
                .bearer_auth(token)
                .json(&json!({ "query": ME }))
                .send()
                .await
                .unwrap();
            TestApp::read(response).await.code()
        }
    };
    assert_eq!(me_there(tokens.access.clone()).await, "");

    logout(&app, &tokens, false).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    assert_eq!(me_there(tokens.access.clone()).await, "UNAUTHENTICATED");
}

#[tokio::test]
async fn an_open_subscription_closes_when_its_session_is_revoked() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let mut socket = subscribed(&app, &police.access).await;
    assert_eq!(socket.closed(Duration::from_millis(300)).await, None);

    logout(&app, &police, false).await;

    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4401));
}

#[tokio::test]
async fn an_open_subscription_closes_when_the_account_signs_out_everywhere() {
    let app = TestApp::spawn().await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let other_device = app.login_as(Role::PoliceOfficer).await;
    let mut socket = subscribed(&app, &police.access).await;

    logout(&app, &other_device, true).await;

    assert_eq!(socket.closed(Duration::from_secs(1)).await, Some(4401));
}

#[tokio::test]
async fn an_open_subscription_closes_when_its_token_expires() {
    let app = TestApp::spawn_with(|c| c.jwt.access_ttl_secs = 2).await;
    let police = app.login_as(Role::PoliceOfficer).await;
    let mut socket = subscribed(&app, &police.access).await;
    assert_eq!(socket.closed(Duration::from_millis(500)).await, None);

    assert_eq!(socket.closed(Duration::from_secs(4)).await, Some(4401));
}

#[tokio::test]
async fn a_socket_that_never_initialises_is_closed_with_4408() {
    let app = TestApp::spawn_with(|c| c.subscription_init_timeout_secs = 1).await;

    let code = ws::open_silently(&app.address, Duration::from_secs(3)).await;

    assert_eq!(code, Some(4408));
}

#[tokio::test]
async fn claims_that_disagree_with_the_account_gain_nothing() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let mut claims = claims_of(&teacher.access);
    claims["rgn"] = json!("652700");
    claims["role"] = json!("civil_affairs_officer");
    claims["org"] = json!("00000000-0000-0000-0000-000000000000");
    let forged = sign(&claims, Algorithm::HS256, JWT_SECRET);
    let list =
        "{ me { role jurisdiction { code } } children(first: 100) { edges { node { id } } } }";

    let honest = app.gql(Some(&teacher.access), list, json!({})).await;
    let widened = app.gql(Some(&forged), list, json!({})).await;

    assert!(widened.body["errors"].is_null(), "{:?}", widened.body);
    assert_eq!(widened.data()["me"]["role"], "TEACHER");
    assert_eq!(widened.data(), honest.data());
}

#[tokio::test]
async fn logout_without_a_refresh_token_ends_the_session_of_the_access_token_in_use() {
    let app = TestApp::spawn().await;
    let this_device = app.login_as(Role::Teacher).await;
    let other_device = app.login_as(Role::Teacher).await;

    let out = app
        .gql(
            Some(&this_device.access),
            "mutation { logout(input: {}) { revoked } }",
            json!({}),
        )
        .await;

    assert_eq!(out.data()["logout"]["revoked"], true);
    assert_eq!(me_code(&app, &this_device.access).await, "UNAUTHENTICATED");
    assert_eq!(
        refresh(&app, &this_device.refresh).await.code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(me_code(&app, &other_device.access).await, "");
}

#[tokio::test]
async fn a_token_for_a_session_that_never_was_is_refused() {
    let app = TestApp::spawn().await;
    let teacher = app.login_as(Role::Teacher).await;
    let mut claims = claims_of(&teacher.access);
    claims["sid"] = json!("00000000-0000-7000-8000-000000000000");
    let minted = sign(&claims, Algorithm::HS256, JWT_SECRET);

    assert_eq!(me_code(&app, &teacher.access).await, "");
    assert_eq!(me_code(&app, &minted).await, "UNAUTHENTICATED");
}
