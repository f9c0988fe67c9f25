//! Test harness: start the real application in-process on port 0, against a database of the
//! test's own, and talk to it over HTTP.
//!
//! Every test runs on SQLite. With `TEST_DATABASE_URL` set (a PostgreSQL server URL, such as
//! `postgres://postgres@127.0.0.1:5432/postgres`), the same tests run on PostgreSQL instead:
//! each test gets a database of its own, cloned from a template migrated and loaded once per
//! test process, and dropped afterwards.

pub mod db;
pub mod load;
pub mod ws;

use std::sync::Arc;

use reqwest::{StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use shouhu::{
    app::Application,
    clock::OffsetClock,
    config::{Config, LogFormat},
    state::AppState,
};

pub use db::TestDb;
pub use entity::enums::Role;
use sea_orm::ActiveEnum;

/// The password of every demo account in tests.
pub const DEMO_PASSWORD: &str = "test-demo-password-2026";
/// The JWT secret tests configure, so they can forge tokens.
pub const JWT_SECRET: &str = "test-secret-for-shouhu-at-least-32-bytes-long";
/// The audit MAC key tests configure (base64), so they can check and forge MACs.
pub const AUDIT_MAC_KEY: &str = "poQVKeZkN1o9kaSPonJVJpUAS3NV6o21Y3wVmG9Vop8=";
/// The audit signing key tests configure (base64 Ed25519 seed).
pub const AUDIT_SIGNING_KEY: &str = "x4PyAUfhWkYrNzHAL0mO1G2DB8UXM/9zU98pfBk8r1g=";

/// A running application and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// A client without cookies or redirects.
    pub client: reqwest::Client,
    /// The app's state (its database pool).
    pub state: AppState,
    /// The app's clock, to move time forward.
    pub clock: OffsetClock,
    /// The app's audit checkpoint file (removed with the app).
    pub checkpoints: TempFile,
    server: actix_web::dev::ServerHandle,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
    _db: TestDb,
}

/// A file of the test's own, removed when dropped.
pub struct TempFile(pub std::path::PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        Self(std::env::temp_dir().join(format!("shouhu-{name}-{}", uuid::Uuid::now_v7().simple())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The settings every test app starts from: the database, the test secrets and keys, and room
/// for the many sign-ins tests make.
pub fn test_config(database_url: &str, checkpoints: &std::path::Path) -> Config {
    let mut config = Config {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.to_owned(),
        database_max_connections: 5,
        log_format: LogFormat::Pretty,
        ..Config::default()
    };
    config.jwt.secret = Some(JWT_SECRET.to_owned().into());
    config.audit.mac_key = Some(AUDIT_MAC_KEY.to_owned().into());
    config.audit.signing_key = Some(AUDIT_SIGNING_KEY.to_owned().into());
    config.audit.checkpoint_file = checkpoints.to_owned();
    config.login.attempts_per_address_per_minute = 10_000;
    config.rate_limits.per_account_per_minute = 0;
    config.rate_limits.per_address_per_minute = 0;
    config
}

/// A second application instance on the same database.
pub struct SecondInstance {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    _checkpoints: TempFile,
}

impl SecondInstance {
    /// Signs in on this instance with a username and password.
    pub async fn login(&self, username: &str, password: &str) -> GqlResponse {
        let response = reqwest::Client::new()
            .post(format!("{}/graphql", self.address))
            .header("accept", "application/graphql-response+json")
            .json(&json!({
                "query": "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken } }",
                "variables": { "u": username, "p": password },
            }))
            .send()
            .await
            .expect("the request is sent");
        TestApp::read(response).await
    }
}

/// An HTTP answer to a GraphQL request.
#[derive(Debug)]
pub struct GqlResponse {
    /// HTTP status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Parsed JSON body (`Null` when not JSON).
    pub body: Value,
}

impl GqlResponse {
    /// `data`.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// The `extensions.code` of each error.
    pub fn codes(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["extensions"]["code"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The first error's code, or an empty string.
    pub fn code(&self) -> String {
        self.codes().into_iter().next().unwrap_or_default()
    }
}

/// Tokens of a signed-in test user.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// Access token.
    pub access: String,
    /// Refresh token.
    pub refresh: String,
}

impl TestApp {
    /// The app over the demo data, with default settings.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// The app over the demo data, with settings adjusted by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start(TestDb::with_demo().await, adjust).await
    }

    /// The app over an empty, migrated database.
    pub async fn spawn_empty() -> Self {
        Self::start(TestDb::empty().await, |_| {}).await
    }

    async fn start(db: TestDb, adjust: impl FnOnce(&mut Config)) -> Self {
        Self::start_on(
            db,
            TempFile::new("checkpoints.jsonl"),
            OffsetClock::default(),
            adjust,
        )
        .await
    }

    async fn start_on(
        db: TestDb,
        checkpoints: TempFile,
        clock: OffsetClock,
        adjust: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = test_config(&db.url, &checkpoints.0);
        adjust(&mut config);
        let app = Application::build_with_clock(config, Arc::new(clock.clone()))
            .await
            .expect("the app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let state = app.state().clone();
        let server = app.server_handle();
        let running = tokio::spawn(app.run_until_stopped());
        Self {
            address,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a client"),
            state,
            clock,
            checkpoints,
            server,
            running,
            _db: db,
        }
    }

    /// Stops the app as SIGTERM would (in-flight requests finish, queued audit events are
    /// written, the trail is sealed), then starts it again on the same database, clock and
    /// checkpoint file.
    pub async fn restart(self) -> Self {
        self.restart_with(|_| {}).await
    }

    /// As [`TestApp::restart`], with settings adjusted by `adjust`.
    pub async fn restart_with(self, adjust: impl FnOnce(&mut Config)) -> Self {
        let Self {
            state,
            clock,
            checkpoints,
            server,
            running,
            _db: db,
            ..
        } = self;
        drop(state);
        server.stop(true).await;
        running
            .await
            .expect("the app's task ends")
            .expect("the app stops cleanly");
        Self::start_on(db, checkpoints, clock, adjust).await
    }

    /// Another instance of the application on the same database (as a second API process
    /// would be), sharing this one's database and clock.
    pub async fn second_instance(&self) -> SecondInstance {
        self.second_instance_with(|_| {}).await
    }

    /// As [`TestApp::second_instance`], with settings adjusted by `adjust`.
    pub async fn second_instance_with(&self, adjust: impl FnOnce(&mut Config)) -> SecondInstance {
        let second = TempFile::new("second-checkpoints.jsonl");
        let mut config = test_config(&self._db.url, &second.0);
        adjust(&mut config);
        let app = Application::build_with_clock(config, Arc::new(self.clock.clone()))
            .await
            .expect("the second instance builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        SecondInstance {
            address,
            _checkpoints: second,
        }
    }

    /// `/graphql`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.address)
    }

    /// Sends a GraphQL request as the spec's media type, with `token` when given.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> GqlResponse {
        let mut request = self
            .client
            .post(self.graphql_url())
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Self::read(request.send().await.expect("the request is sent")).await
    }

    /// Sends any prepared request and reads the answer.
    pub async fn read(response: reqwest::Response) -> GqlResponse {
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("a body");
        GqlResponse {
            status,
            headers,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        }
    }

    /// Sends a GraphQL request as the demo account of `role` (signing in first).
    pub async fn gql_as(&self, role: Role, query: &str, variables: Value) -> GqlResponse {
        let tokens = self.login_as(role).await;
        self.gql(Some(&tokens.access), query, variables).await
    }

    /// Waits until the queued read and denial events are in the database.
    pub async fn flush_audit(&self) {
        self.state.audit.flush().await;
    }

    /// Writes the queued events and seals the chain, taking the sealing lease over from the
    /// app's own sealer (as a restarted sealer would once the lease expires).
    pub async fn seal_audit(&self) {
        self.flush_audit().await;
        shouhu::audit::chain::seal_all(
            &self.state.db,
            &self.state.audit_keys,
            chrono::Utc::now() + chrono::TimeDelta::minutes(5),
        )
        .await
        .expect("sealed");
    }

    /// What a query costs in SQL statements, once the caller's account and session are
    /// cached: the query runs three times, and the last two must cost the same (a loader
    /// batches a level once every field of it has asked, however long that takes). Each run
    /// must succeed and return `rows` rows at `list` (a root field holding a connection).
    pub async fn statements_for(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        list: &str,
        rows: usize,
    ) -> u64 {
        let mut costs = Vec::new();
        for _ in 0..3 {
            let before = self.statements();
            let response = self.gql(Some(token), query, variables.clone()).await;
            assert!(
                response.body["errors"].is_null(),
                "{:?}",
                response.body["errors"]
            );
            let edges = response.data()[list]["edges"]
                .as_array()
                .map_or(0, Vec::len);
            assert_eq!(edges, rows, "rows of {list}");
            costs.push(self.statements() - before);
        }
        assert_eq!(costs[1], costs[2], "statements of two runs of {query}");
        costs[2]
    }

    /// SQL statements the app has run for requests so far.
    pub fn statements(&self) -> u64 {
        self.state
            .statements
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Signs in with a username and password.
    pub async fn login(&self, username: &str, password: &str) -> GqlResponse {
        self.gql(
            None,
            "mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) { accessToken refreshToken account { username } } }",
            json!({ "u": username, "p": password }),
        )
        .await
    }

    /// Signs in as the demo account of `role`.
    pub async fn login_as(&self, role: Role) -> Tokens {
        let username = format!("demo.{}", role.to_value());
        let response = self.login(&username, DEMO_PASSWORD).await;
        let login = &response.data()["login"];
        assert!(
            login.is_object(),
            "login as {username} failed: {:?}",
            response.body
        );
        Tokens {
            access: login["accessToken"].as_str().unwrap_or_default().to_owned(),
            refresh: login["refreshToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        }
    }

    /// The global ID of the organization with this code (demo codes: `agency:652700:1`,
    /// `justice:652701`, `township_government:652701100`…).
    pub async fn organization_id(&self, code: &str) -> Value {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let found = entity::organization::Entity::find()
            .filter(entity::organization::Column::Code.eq(code))
            .one(&self.state.db)
            .await
            .expect("organization query")
            .unwrap_or_else(|| panic!("no organization {code}"));
        gid("Organization", found.id)
    }

    /// The region path of the organization of the account `username` (its jurisdiction).
    pub async fn home_path(&self, username: &str) -> String {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let db = &self.state.db;
        let account = entity::account::Entity::find()
            .filter(entity::account::Column::Username.eq(username))
            .one(db)
            .await
            .expect("account query")
            .unwrap_or_else(|| panic!("no account {username}"));
        let organization = entity::organization::Entity::find_by_id(account.organization_id)
            .one(db)
            .await
            .expect("organization query")
            .expect("the account's organization");
        entity::region::Entity::find_by_id(organization.region_id)
            .one(db)
            .await
            .expect("region query")
            .expect("the organization's region")
            .path
    }

    /// The global ID of the region with this code (`652701100201`, the demo's first village).
    pub async fn region_id(&self, code: &str) -> Value {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let found = entity::region::Entity::find()
            .filter(entity::region::Column::Code.eq(code))
            .one(&self.state.db)
            .await
            .expect("region query")
            .unwrap_or_else(|| panic!("no region {code}"));
        gid("Region", found.id)
    }

    /// Submits, as `teacher`, a report that `child` (as `paired_child` gives it) lives alone,
    /// under the idempotency key `key`; answers the report's global ID.
    pub async fn report_living_alone(&self, teacher: &Tokens, child: &Value, key: &str) -> Value {
        let submitted = self
            .gql(
                Some(&teacher.access),
                "mutation($input: SubmitReportInput!) { submitReport(input: $input) { report { id } } }",
                json!({ "input": {
                    "idempotencyKey": key,
                    "category": "LIVING_ALONE",
                    "urgency": "IMMEDIATE",
                    "narrative": "孩子独自在家",
                    "occurredAt": chrono::Utc::now().to_rfc3339(),
                    "regionId": child["residenceVillage"]["id"],
                    "childId": child["id"],
                } }),
            )
            .await;
        assert!(submitted.codes().is_empty(), "{:?}", submitted.body);
        submitted.data()["submitReport"]["report"]["id"].clone()
    }

    /// The first child paired with the teacher signed in as `teacher`: `{ id residenceVillage
    /// { id } guardians { id } }`.
    pub async fn paired_child(&self, teacher: &Tokens) -> Value {
        self.gql(
            Some(&teacher.access),
            "{ myPairedChildren(first: 1) { edges { node { id residenceVillage { id } guardians { id } } } } }",
            json!({}),
        )
        .await
        .data()["myPairedChildren"]["edges"][0]["node"]
            .clone()
    }
}

/// The global ID of a record of `kind`, as the API encodes it.
pub fn gid(kind: &str, id: uuid::Uuid) -> Value {
    use base64::Engine;
    Value::String(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{kind}:{id}")))
}

/// The record ID inside a global ID the API gave.
pub fn uuid_of(global: &Value) -> uuid::Uuid {
    use base64::Engine;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(global.as_str().unwrap_or_default())
        .unwrap_or_default();
    let text = String::from_utf8(raw).unwrap_or_default();
    text.split_once(':')
        .and_then(|(_, id)| id.parse().ok())
        .unwrap_or_else(|| panic!("{global} is no global ID"))
}
