//! Rate limits shared by instances through Redis, kept by each instance when Redis is away, and
//! client addresses taken from `X-Forwarded-For` only through trusted proxies.

use serde_json::json;
use shouhu::config::Config;
use shouhu_tests::{DEMO_PASSWORD, GqlResponse, Role, TestApp};

/// The Redis the tests count in: `TEST_REDIS_URL`, or the one on this machine.
fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// A Redis key prefix of the test's own: tests run side by side on one Redis.
fn shared_limits(config: &mut Config, prefix: &str) {
    config.redis_url = Some(redis_url());
    config.rate_limits.redis_prefix = prefix.to_owned();
}

async fn typename(address: &str, token: Option<&str>, forwarded: Option<&str>) -> GqlResponse {
    let client = reqwest::Client::new();
    let mut request = client
        .post(format!("{address}/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": "{ __typename }" }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(forwarded) = forwarded {
        request = request.header("x-forwarded-for", forwarded);
    }
    TestApp::read(request.send().await.unwrap()).await
}

#[tokio::test]
async fn two_instances_share_an_accounts_allowance_through_redis() {
    let prefix = format!("test-{}", uuid::Uuid::now_v7().simple());
    let adjust = |c: &mut Config| {
        shared_limits(c, &prefix);
        c.rate_limits.per_account_per_minute = 6;
    };
    let app = TestApp::spawn_with(adjust).await;
    let second = app.second_instance_with(adjust).await;
    let tokens = app.login_as(Role::Teacher).await;

    let mut statuses = Vec::new();
    for n in 0..8 {
        let address = if n % 2 == 0 {
            &app.address
        } else {
            &second.address
        };
        statuses.push(typename(address, Some(&tokens.access), None).await);
    }

    let served = statuses.iter().filter(|r| r.status == 200).count();
    assert_eq!(served, 6, "six in the minute, wherever they land");
    let refused = statuses.last().unwrap();
    assert_eq!(refused.status, 429);
    assert_eq!(refused.code(), "RATE_LIMITED");
    assert!(refused.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn failed_sign_ins_are_counted_by_every_instance_together() {
    let prefix = format!("test-{}", uuid::Uuid::now_v7().simple());
    let adjust = |c: &mut Config| {
        shared_limits(c, &prefix);
        c.login.free_failures = 2;
    };
    let app = TestApp::spawn_with(adjust).await;
    let second = app.second_instance_with(adjust).await;

    app.login("demo.teacher", "wrong").await;
    app.login("demo.teacher", "wrong").await;
    // The third failure, on the other instance, sets the wait for both.
    let third = second.login("demo.teacher", "wrong").await;
    let waiting = app.login("demo.teacher", DEMO_PASSWORD).await;

    assert_eq!(third.code(), "UNAUTHENTICATED");
    assert_eq!(waiting.code(), "RATE_LIMITED");
}

#[tokio::test]
async fn without_redis_each_instance_still_limits_and_nobody_sees_an_error() {
    // Nothing listens on port 1: every Redis command fails at once.
    let app = TestApp::spawn_with(|c| {
        c.redis_url = Some("redis://127.0.0.1:1".to_owned());
        c.rate_limits.per_account_per_minute = 3;
    })
    .await;
    let tokens = app.login_as(Role::Teacher).await;

    let mut codes = Vec::new();
    for _ in 0..4 {
        let response = typename(&app.address, Some(&tokens.access), None).await;
        codes.push((response.status.as_u16(), response.code()));
    }

    assert_eq!(
        codes,
        [
            (200, String::new()),
            (200, String::new()),
            (200, String::new()),
            (429, "RATE_LIMITED".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_redis_that_hangs_is_asked_once_per_pause_not_once_per_request() {
    use tokio::io::AsyncReadExt;
    // A "Redis" that takes connections and commands and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (commands, mut received) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            // A connection is an attempt to ask it, as is every count sent over one.
            let _ = commands.send(());
            let commands = commands.clone();
            tokio::spawn(async move {
                let mut buffer = vec![0; 64 * 1024];
                while let Ok(read) = socket.read(&mut buffer).await {
                    if read == 0 {
                        break;
                    }
                    let text = String::from_utf8_lossy(&buffer[..read]).to_uppercase();
                    for _ in 0..text.matches("\r\nINCR\r\n").count() {
                        let _ = commands.send(());
                    }
                }
            });
        }
    });
    let app = TestApp::spawn_with(|c| {
        c.redis_url = Some(format!("redis://127.0.0.1:{port}"));
        c.rate_limits.per_address_per_minute = 1_000;
    })
    .await;

    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(typename(&app.address, None, None).await.status.as_u16());
    }
    let mut asked = 0;
    while received.try_recv().is_ok() {
        asked += 1;
    }
    let metrics = reqwest::get(format!("{}/metrics", app.address))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    assert_eq!(statuses, [200; 10]);
    assert!(
        metrics
            .lines()
            .any(|line| line == "shouhu_rate_limits_local 1"),
        "{metrics}"
    );
    // The first request waits for Redis (its client connects, retries once, or sends the
    // count) and gives up; the rest count locally until the pause ends.
    assert!((1..5).contains(&asked), "Redis was asked {asked} times");
}

#[tokio::test]
async fn x_forwarded_for_is_believed_only_from_a_trusted_proxy() {
    let untrusted = TestApp::spawn_with(|c| c.rate_limits.per_address_per_minute = 2).await;
    let behind_proxy = TestApp::spawn_with(|c| {
        c.rate_limits.per_address_per_minute = 2;
        c.trusted_proxies = vec!["127.0.0.1".to_owned()];
    })
    .await;

    // From an untrusted peer, a different forwarded address each time changes nothing.
    let mut untrusted_statuses = Vec::new();
    for n in 0..3 {
        let forwarded = format!("198.51.100.{n}");
        let response = typename(&untrusted.address, None, Some(&forwarded)).await;
        untrusted_statuses.push(response.status.as_u16());
    }
    // Through the trusted proxy, each client is counted on its own; what a client writes in
    // front of the proxy's entry is not.
    let mut proxied_statuses = Vec::new();
    for n in 0..3 {
        let forwarded = format!("203.0.113.{n}, 198.51.100.7");
        let response = typename(&behind_proxy.address, None, Some(&forwarded)).await;
        proxied_statuses.push(response.status.as_u16());
    }
    let other_client = typename(&behind_proxy.address, None, Some("198.51.100.8")).await;

    assert_eq!(untrusted_statuses, [200, 200, 429]);
    assert_eq!(proxied_statuses, [200, 200, 429]);
    assert_eq!(other_client.status, 200);
}
