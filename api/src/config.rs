//! Typed settings in layers: built-in defaults, then an optional TOML file (`SHOUHU_CONFIG`,
//! default `shouhu.toml` when it exists), then `SHOUHU_*` environment variables, where `__`
//! separates sections (`SHOUHU_JWT__ISSUER`). A few flat names are kept for the settings people
//! reach for first: `SHOUHU_BIND`, `SHOUHU_DATABASE_URL`, `SHOUHU_LOG_FORMAT`.

use std::path::PathBuf;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

/// Everything the service can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `development` or `production`: production refuses to start with unsafe settings and
    /// tightens others (see [`Config::for_environment`]).
    pub env: Environment,
    /// Address and port to listen on.
    pub bind: String,
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    pub database_url: String,
    /// Largest number of pooled database connections.
    pub database_max_connections: u32,
    /// A streaming replica of the PostgreSQL database (`postgres://user@replica/db`), for
    /// reading work: statistics, `totalCount` and ledger exports read from it; everything
    /// else, and every request that writes, reads the primary. While it fails or lags, that
    /// work falls back to the primary. Unset: everything reads the primary.
    pub database_replica_url: Option<String>,
    /// How often, in seconds, the replica is checked: that it answers, replicates this
    /// primary and is not too far behind. A replica set aside returns only by this check.
    pub database_replica_check_secs: u64,
    /// How far behind the primary, in seconds of its writing, the replica may fall before it
    /// is set aside.
    pub database_replica_max_lag_secs: u64,
    /// How long, in seconds, one statement on the replica may take before it is abandoned for
    /// the primary and the replica set aside.
    pub database_replica_timeout_secs: u64,
    /// Migrate the database on start.
    pub migrate_on_start: bool,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Access and refresh tokens.
    pub jwt: JwtConfig,
    /// Sign-in throttling.
    pub login: LoginConfig,
    /// Requests per account, client address and client app.
    pub rate_limits: RequestLimits,
    /// Bounds on what one GraphQL request may ask.
    pub limits: QueryLimits,
    /// The networks of the proxies in front of the service (`10.0.0.0/8`, `192.168.1.7`): a
    /// request from one of them is taken to come from the right-most address of its
    /// `X-Forwarded-For` that is not a trusted proxy. Empty: the peer's address, always.
    #[serde(deserialize_with = "list_or_commas")]
    pub trusted_proxies: Vec<String>,
    /// Redis (`redis://127.0.0.1:6379`) to keep rate limits in, shared by every instance; when
    /// unset, or while it cannot be reached, each instance counts on its own.
    pub redis_url: Option<String>,
    /// Serve GraphiQL at `GET /graphql` to browsers: on by default in development, off in
    /// production (where turning it on refuses to start).
    pub graphiql: Option<bool>,
    /// The client apps' trusted documents.
    pub documents: DocumentsConfig,
    /// A bearer token `/metrics` asks of its scraper; unset, `/metrics` answers anyone who can
    /// reach the port (production refuses to start without one).
    #[serde(serialize_with = "redacted")]
    pub metrics_token: Option<SecretString>,
    /// An OpenTelemetry collector's OTLP/HTTP endpoint (`http://collector:4318`): when set, each
    /// request's spans are exported there, joined to the caller's trace by its `traceparent`.
    pub otlp_endpoint: Option<String>,
    /// Seconds in-flight requests get to finish on shutdown.
    pub shutdown_timeout_secs: u64,
    /// Seconds a subscription socket has to send a valid `connection_init` before it is closed
    /// with 4408.
    pub subscription_init_timeout_secs: u64,
    /// A policy file to use instead of the shipped one (checked against the schema at start).
    pub policy_file: Option<PathBuf>,
    /// The audit trail's background work.
    pub audit: AuditConfig,
    /// Hours after recording during which the author may correct a visit.
    pub visit_correction_window_hours: u32,
    /// Hours after recording during which the author may correct a service activity.
    pub activity_correction_window_hours: u32,
    /// Consecutive school days absent without a reason after which a dropout case opens.
    pub dropout_absence_days: u32,
    /// Hours a break-glass opening of a record outside one's scope lasts.
    pub break_glass_hours: u32,
    /// Break-glass openings one account may make in 24 hours; past that, `RATE_LIMITED`.
    pub break_glass_per_day: u32,
    /// Deadlines of the emergency response.
    pub report_deadlines: ReportDeadlines,
    /// The smallest count of children statistics show to a caller who may not read the
    /// children in full; smaller cells, and those that would give them away, are withheld, and
    /// the counts shown are rounded to a multiple of it. At least 3 in production.
    pub statistics_min_cell: u64,
    /// How often, in seconds, the service checks that last month's snapshot of the ledger
    /// (for trends) has been taken, and that the closed months' visit compliance is counted
    /// and not stale, and takes what is missing.
    pub statistics_snapshot_interval_secs: u64,
    /// How often the service checks whether a plan task's cycle has ended, and starts the next.
    pub plan_cycle_check_secs: u64,
}

/// Deadlines of the emergency response, in minutes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportDeadlines {
    /// From submission to acceptance (受理).
    pub accept_minutes: i64,
    /// From acceptance to dispatch (出警).
    pub dispatch_minutes: i64,
    /// From acceptance to dispatch for missing children, violence and sexual harm.
    pub dispatch_urgent_minutes: i64,
    /// From the response (处置) to notifying the township (通报).
    pub notify_township_minutes: i64,
    /// How often the overdue sweep runs, in seconds.
    pub sweep_interval_secs: u64,
}

impl Default for ReportDeadlines {
    fn default() -> Self {
        Self {
            accept_minutes: 30,
            dispatch_minutes: 120,
            dispatch_urgent_minutes: 60,
            notify_township_minutes: 24 * 60,
            sweep_interval_secs: 30,
        }
    }
}

/// The audit trail: its keys, its checkpoints outside the database and its background work.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditConfig {
    /// Read and denial events the queue holds before requests wait for the writer.
    pub queue_capacity: usize,
    /// How often the sealer seals new events into a batch, in milliseconds.
    pub seal_interval_ms: u64,
    /// Most events in one sealed batch.
    pub seal_batch_size: u64,
    /// The key of each event's MAC (32 bytes, base64), never stored in the database. When
    /// unset, one is generated for the process: events it writes verify only while it runs.
    #[serde(serialize_with = "redacted")]
    pub mac_key: Option<SecretString>,
    /// The Ed25519 key that signs each sealed batch (32-byte seed, base64). When unset, one is
    /// generated for the process, as for `mac_key`.
    #[serde(serialize_with = "redacted")]
    pub signing_key: Option<SecretString>,
    /// The append-only JSON-lines file each sealed batch's signed checkpoint is appended to:
    /// the anchor outside the database that deleting the trail's tail cannot reach.
    pub checkpoint_file: PathBuf,
}

impl Default for AuditConfig {
    fn default() -> Self {
        Self {
            queue_capacity: 10_000,
            seal_interval_ms: 1_000,
            seal_batch_size: 10_000,
            mac_key: None,
            signing_key: None,
            checkpoint_file: PathBuf::from("shouhu-audit-checkpoints.jsonl"),
        }
    }
}

/// Token settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JwtConfig {
    /// HS256 signing secret, at least 32 bytes. When unset, one is generated at start (tokens then
    /// die with the process, and several processes cannot share them): set it in production.
    #[serde(serialize_with = "redacted")]
    pub secret: Option<SecretString>,
    /// The `iss` claim issued and required.
    pub issuer: String,
    /// The `aud` claim issued and required.
    pub audience: String,
    /// Lifetime of an access token, in seconds.
    pub access_ttl_secs: u64,
    /// Lifetime of a refresh token, in seconds.
    pub refresh_ttl_secs: u64,
}

/// Sign-in throttling and reports from the public. Past a limit, `RATE_LIMITED` with
/// `extensions.retryAfter` in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginConfig {
    /// Sign-in attempts per minute from one client address.
    pub attempts_per_address_per_minute: u32,
    /// Failed sign-ins in a row a username may have before it must wait: 1 s after the next
    /// failure, then twice as long after each further one.
    pub free_failures: u32,
    /// The longest wait after failed sign-ins, in seconds.
    pub max_delay_secs: u64,
    /// Reports from the public (no account) per hour from one client address.
    pub public_reports_per_address_per_hour: u32,
}

/// Requests allowed per minute, past which a request is refused with 429 and `RATE_LIMITED`; 0
/// is no limit.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RequestLimits {
    /// Requests of one account.
    pub per_account_per_minute: u32,
    /// Requests without a token from one client address.
    pub per_address_per_minute: u32,
    /// Requests of one client app (of a trusted document of its manifest), all callers together.
    pub per_app_per_minute: u32,
    /// Downloads of the ledger (`/exports/ledger.*`) by one account per hour: each reads the
    /// account's whole scope.
    pub exports_per_account_per_hour: u32,
    /// The prefix of the service's keys in Redis (deployments sharing a Redis set one each).
    pub redis_prefix: String,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            per_account_per_minute: 600,
            per_address_per_minute: 120,
            per_app_per_minute: 0,
            exports_per_account_per_hour: 30,
            redis_prefix: "shouhu".to_owned(),
        }
    }
}

/// Bounds on one GraphQL request. The cost bounds here hold signed-in callers; `anonymous`
/// holds callers without a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueryLimits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity: one point per field, a connection's fields counted once per row of
    /// its page (`first`, or the default page of 20). Also the most fields a document's
    /// operations and fragments may expand to.
    pub max_complexity: usize,
    /// Most aliases in one operation, as expanded.
    pub max_aliases: usize,
    /// Most fields at the root of the operation, as expanded.
    pub max_root_fields: usize,
    /// Deepest nesting of a path into introspection (client tools read the schema with it).
    pub max_introspection_depth: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Whether callers without a token may use introspection (`__schema`, `__type`).
    pub anonymous_introspection: bool,
    /// The cost bounds of callers without a token.
    pub anonymous: CostLimits,
}

/// What one operation may cost.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostLimits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity, and the most fields the document may expand to.
    pub max_complexity: usize,
    /// Most aliases in one operation, as expanded.
    pub max_aliases: usize,
    /// Most fields at the root of the operation, as expanded.
    pub max_root_fields: usize,
    /// Deepest nesting of a path into introspection.
    pub max_introspection_depth: usize,
}

impl QueryLimits {
    /// The cost bounds of signed-in callers.
    pub fn signed_in(&self) -> CostLimits {
        CostLimits {
            max_depth: self.max_depth,
            max_complexity: self.max_complexity,
            max_aliases: self.max_aliases,
            max_root_fields: self.max_root_fields,
            max_introspection_depth: self.max_introspection_depth,
        }
    }
}

/// Which callers may send documents no manifest holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Enforcement {
    /// Everyone (development).
    Off,
    /// Signed-in callers; callers without a valid token only run trusted documents.
    Anonymous,
    /// Administrators only (their tooling); every other caller runs trusted documents.
    All,
}

/// The trusted documents of the client apps.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentsConfig {
    /// The folder of the client apps' manifests, one `<app>.json` each (read at start and again
    /// on `SIGHUP`).
    pub dir: PathBuf,
    /// Which callers may send documents no manifest holds: `off`, `anonymous` (signed-in
    /// callers only) or `all` (administrators only).
    pub enforce: Enforcement,
}

impl Default for DocumentsConfig {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("documents"),
            enforce: Enforcement::Off,
        }
    }
}

/// Where the service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    /// A developer's machine or a test: generated secrets, GraphiQL and free documents allowed.
    Development,
    /// A deployment.
    Production,
}

/// A secret is written as null wherever the settings are printed.
fn redacted<S: serde::Serializer>(
    _: &Option<SecretString>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_none()
}

/// A list given as a list (in the file) or as one comma-separated string (in a variable).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Given::deserialize(deserializer)? {
        Given::List(list) => list,
        Given::Text(text) => text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            env: Environment::Development,
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://shouhu.db?mode=rwc".into(),
            database_max_connections: 10,
            database_replica_url: None,
            database_replica_check_secs: 5,
            database_replica_max_lag_secs: 30,
            database_replica_timeout_secs: 30,
            migrate_on_start: true,
            log_format: LogFormat::Pretty,
            jwt: JwtConfig::default(),
            login: LoginConfig::default(),
            rate_limits: RequestLimits::default(),
            limits: QueryLimits::default(),
            trusted_proxies: Vec::new(),
            redis_url: None,
            graphiql: None,
            documents: DocumentsConfig::default(),
            metrics_token: None,
            otlp_endpoint: None,
            shutdown_timeout_secs: 30,
            subscription_init_timeout_secs: 10,
            policy_file: None,
            audit: AuditConfig::default(),
            visit_correction_window_hours: 48,
            activity_correction_window_hours: 48,
            dropout_absence_days: 3,
            break_glass_hours: 4,
            break_glass_per_day: 3,
            report_deadlines: ReportDeadlines::default(),
            statistics_min_cell: 5,
            statistics_snapshot_interval_secs: 3600,
            plan_cycle_check_secs: 3600,
        }
    }
}

impl Default for JwtConfig {
    fn default() -> Self {
        Self {
            secret: None,
            issuer: "shouhu".into(),
            audience: "shouhu-api".into(),
            access_ttl_secs: 15 * 60,
            refresh_ttl_secs: 30 * 24 * 3600,
        }
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        Self {
            attempts_per_address_per_minute: 60,
            free_failures: 5,
            max_delay_secs: 300,
            public_reports_per_address_per_hour: 5,
        }
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 25_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_introspection_depth: 16,
            max_body_bytes: 256 * 1024,
            anonymous_introspection: true,
            anonymous: CostLimits::default(),
        }
    }
}

/// Callers without a token sign in, refresh, report a child at risk and read the schema: the
/// standard introspection query (whose operation and fragments expand to some 370 fields)
/// fits, little else does.
impl Default for CostLimits {
    fn default() -> Self {
        Self {
            max_depth: 6,
            max_complexity: 500,
            max_aliases: 5,
            max_root_fields: 5,
            max_introspection_depth: 16,
        }
    }
}

/// Variables of the `SHOUHU_` prefix that are not settings: the configuration file's path and
/// the passwords of `serve --demo` and `account create`.
const NOT_SETTINGS: [&str; 3] = ["CONFIG", "DEMO_PASSWORD", "NEW_PASSWORD"];

/// JWT secrets that are published: the examples of `deploy/` and of the tests.
const PUBLISHED_SECRETS: [&str; 2] = [
    "change-me-change-me-change-me-change-me",
    "test-secret-for-shouhu-at-least-32-bytes-long",
];

impl Config {
    /// Reads the layers: defaults < file < environment. Answers the settings and the names of
    /// `SHOUHU_*` variables that name no setting, which are ignored (a Kubernetes Service named
    /// `shouhu` gives its pods `SHOUHU_PORT`, `SHOUHU_SERVICE_HOST` and the like) and should be
    /// warned about.
    pub fn load() -> Result<(Self, Vec<String>), Box<figment::Error>> {
        let file = std::env::var_os("SHOUHU_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("shouhu.toml"));
        let known = serde_json::to_value(Config::default()).unwrap_or_default();
        let unknown: Vec<String> = std::env::vars_os()
            .filter_map(|(name, _)| name.into_string().ok())
            .filter(|name| {
                name.strip_prefix("SHOUHU_").is_some_and(|key| {
                    !NOT_SETTINGS.contains(&key)
                        && !names_a_setting(&known, &key.to_lowercase().replace("__", "."))
                })
            })
            .collect();
        let config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(
                Env::prefixed("SHOUHU_")
                    .ignore(&NOT_SETTINGS)
                    .split("__")
                    .filter(move |key| names_a_setting(&known, &key.as_str().to_lowercase())),
            )
            .extract()
            .map_err(Box::new)?;
        Ok((config, unknown))
    }

    /// Whether GraphiQL is served.
    pub fn graphiql(&self) -> bool {
        self.graphiql
            .unwrap_or(self.env == Environment::Development)
    }

    /// The settings as the environment has them: in production, refuses a JWT secret that is
    /// generated, published or guessable, missing audit keys and GraphiQL, and holds callers
    /// without a token to trusted documents and no introspection.
    pub fn for_environment(mut self) -> Result<Self, Vec<String>> {
        if self.env == Environment::Development {
            return Ok(self);
        }
        let mut problems = Vec::new();
        match &self.jwt.secret {
            None => problems.push(
                "jwt.secret is not set (SHOUHU_JWT__SECRET): a generated secret dies with the \
                 process and cannot be shared by instances"
                    .to_owned(),
            ),
            Some(secret) if weak_secret(secret.expose_secret()) => problems.push(
                "jwt.secret is published or guessable: generate one with `openssl rand -base64 \
                 48`"
                .to_owned(),
            ),
            Some(_) => {}
        }
        if self.audit.mac_key.is_none() || self.audit.signing_key.is_none() {
            problems.push(
                "audit.mac_key and audit.signing_key must be set: generate them with `shouhu \
                 audit keygen`"
                    .to_owned(),
            );
        }
        if self.graphiql == Some(true) {
            problems.push("graphiql must be off in production".to_owned());
        }
        if self.statistics_min_cell < 3 {
            problems.push(
                "statistics_min_cell must be at least 3 in production: below that, protected \
                 statistics neither withhold nor round anything that protects a child"
                    .to_owned(),
            );
        }
        if self
            .metrics_token
            .as_ref()
            .is_none_or(|token| weak_secret(token.expose_secret()))
        {
            problems.push(
                "metrics_token (SHOUHU_METRICS_TOKEN) must be set, and not guessable: the \
                 metrics tell when reports are filed and whether the audit trail is sealed; \
                 generate one with `openssl rand -base64 32`"
                    .to_owned(),
            );
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.documents.enforce = self.documents.enforce.max(Enforcement::Anonymous);
        self.limits.anonymous_introspection = false;
        Ok(self)
    }
}

/// A secret anyone could know or guess: published, or of fewer than 32 bytes or 12 distinct
/// characters.
fn weak_secret(secret: &str) -> bool {
    let distinct: std::collections::BTreeSet<char> = secret.chars().collect();
    PUBLISHED_SECRETS.contains(&secret) || secret.len() < 32 || distinct.len() < 12
}

/// Whether a dotted key (`jwt.issuer`) names a setting, or a part of one, of the settings'
/// tree as `known` holds it.
fn names_a_setting(known: &serde_json::Value, key: &str) -> bool {
    let mut at = known;
    for part in key.split('.') {
        match at.get(part) {
            Some(next) => at = next,
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_known_down_to_their_sections() {
        let known = serde_json::to_value(Config::default()).unwrap();

        assert!(names_a_setting(&known, "jwt.secret"));
        assert!(names_a_setting(&known, "limits.anonymous.max_depth"));
        assert!(names_a_setting(&known, "redis_url"));
        assert!(!names_a_setting(&known, "port"));
        assert!(!names_a_setting(&known, "service_host"));
        assert!(!names_a_setting(&known, "jwt.secrett"));
    }

    #[test]
    fn production_refuses_weak_secrets_and_tightens_anonymous_access() {
        let strong = "n6PqZ1x0u8WcKj3rT5vYb2Lm9Hs4Df7G";
        let production_with = |secret: Option<&str>, metrics: Option<&str>| {
            let mut config = Config {
                env: Environment::Production,
                ..Config::default()
            };
            config.jwt.secret = secret.map(|s| s.to_owned().into());
            config.audit.mac_key = Some("k".to_owned().into());
            config.audit.signing_key = Some("k".to_owned().into());
            config.metrics_token = metrics.map(|s| s.to_owned().into());
            config.for_environment()
        };
        let production = |secret: Option<&str>| production_with(secret, Some(strong));

        assert!(production_with(Some(strong), None).is_err());
        assert!(production_with(Some(strong), Some("")).is_err());
        assert!(production(None).is_err());
        assert!(production(Some("change-me-change-me-change-me-change-me")).is_err());
        assert!(production(Some("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).is_err());
        let loose = Config {
            statistics_min_cell: 1,
            ..production(Some(strong)).unwrap()
        };
        assert!(loose.for_environment().is_err());
        let config = production(Some(strong)).unwrap();
        assert_eq!(config.documents.enforce, Enforcement::Anonymous);
        assert!(!config.limits.anonymous_introspection);
        assert!(!config.graphiql());
    }
}
