//! Typed settings in layers: built-in defaults, then an optional TOML file (`SHOUHU_CONFIG`,
//! default `shouhu.toml` when it exists), then `SHOUHU_*` environment variables, where `__`
//! separates sections (`SHOUHU_JWT__ISSUER`). A few flat names are kept for the settings people
//! reach for first: `SHOUHU_BIND`, `SHOUHU_DATABASE_URL`, `SHOUHU_LOG_FORMAT`.

use std::path::PathBuf;

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// Everything the service can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: String,
    /// Database URL: `sqlite://path?mode=rwc` or `postgres://user@host/db`.
    pub database_url: String,
    /// Largest number of pooled database connections.
    pub database_max_connections: u32,
    /// Migrate the database on start.
    pub migrate_on_start: bool,
    /// `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// Access and refresh tokens.
    pub jwt: JwtConfig,
    /// Sign-in throttling.
    pub login: LoginConfig,
    /// Bounds on what one GraphQL request may ask.
    pub limits: QueryLimits,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
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
    /// Consecutive school days absent without a reason after which a dropout case opens.
    pub dropout_absence_days: u32,
    /// Hours a break-glass opening of a record outside one's scope lasts.
    pub break_glass_hours: u32,
    /// Break-glass openings one account may make in 24 hours; past that, `RATE_LIMITED`.
    pub break_glass_per_day: u32,
    /// Deadlines of the emergency response.
    pub report_deadlines: ReportDeadlines,
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
    #[serde(skip_serializing)]
    pub mac_key: Option<SecretString>,
    /// The Ed25519 key that signs each sealed batch (32-byte seed, base64). When unset, one is
    /// generated for the process, as for `mac_key`.
    #[serde(skip_serializing)]
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
    #[serde(skip_serializing)]
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

/// Sign-in throttling: attempts allowed per minute before `RATE_LIMITED`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoginConfig {
    /// Sign-in attempts per minute for one username.
    pub attempts_per_username_per_minute: u32,
    /// Sign-in attempts per minute from one client address.
    pub attempts_per_address_per_minute: u32,
    /// Reports from the public (no account) per hour from one client address.
    pub public_reports_per_address_per_hour: u32,
}

/// Bounds on one GraphQL request.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueryLimits {
    /// Deepest selection nesting.
    pub max_depth: usize,
    /// Highest complexity (one point per field, times `first` on connections).
    pub max_complexity: usize,
    /// Most aliases in one document.
    pub max_aliases: usize,
    /// Most fields at the root of the operation.
    pub max_root_fields: usize,
    /// Largest request body, in bytes.
    pub max_body_bytes: usize,
    /// Deepest nesting of the introspection query (client tools read the schema with it).
    pub max_introspection_depth: usize,
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
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://shouhu.db?mode=rwc".into(),
            database_max_connections: 10,
            migrate_on_start: true,
            log_format: LogFormat::Pretty,
            jwt: JwtConfig::default(),
            login: LoginConfig::default(),
            limits: QueryLimits::default(),
            trust_forwarded_for: false,
            shutdown_timeout_secs: 30,
            subscription_init_timeout_secs: 10,
            policy_file: None,
            audit: AuditConfig::default(),
            visit_correction_window_hours: 48,
            dropout_absence_days: 3,
            break_glass_hours: 4,
            break_glass_per_day: 3,
            report_deadlines: ReportDeadlines::default(),
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
            attempts_per_username_per_minute: 10,
            attempts_per_address_per_minute: 60,
            public_reports_per_address_per_hour: 5,
        }
    }
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self {
            max_depth: 12,
            max_complexity: 5_000,
            max_aliases: 30,
            max_root_fields: 20,
            max_body_bytes: 256 * 1024,
            max_introspection_depth: 16,
        }
    }
}

impl Config {
    /// Reads the layers: defaults < file < environment.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        let file = std::env::var_os("SHOUHU_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("shouhu.toml"));
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(
                Env::prefixed("SHOUHU_")
                    .split("__")
                    .ignore(&["CONFIG", "DEMO_PASSWORD"]),
            )
            .extract()
            .map_err(Box::new)
    }
}
