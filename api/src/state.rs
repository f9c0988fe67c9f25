//! What every request shares: the pool, the settings and the services built from them.

use std::sync::{Arc, atomic::AtomicU64};

use sea_orm::DatabaseConnection;

use crate::{
    audit::{AuditKeys, AuditWriter},
    auth::{seal::Sealer, sessions::Sessions, throttle::Throttle, token::TokenService},
    clock::Clock,
    config::Config,
    domain::{account::Accounts, work::Store},
    events::EventBus,
    graphql::limits::Limits,
    metrics::Metrics,
    policy::Policy,
    replica::Reader,
    trusted::Trusted,
};

/// Shared application state, cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database pool (the primary's).
    pub db: DatabaseConnection,
    /// Reads of reading work: the replica's when one is configured, else the primary's.
    pub reader: Reader,
    /// Reads of the primary: what a request without reads of its own (a subscription) reads.
    pub primary_reader: Reader,
    /// The settings the app was built from.
    pub config: Arc<Config>,
    /// Issues and checks access tokens.
    pub tokens: Arc<TokenService>,
    /// Revoked sessions and cached accounts.
    pub sessions: Arc<Sessions>,
    /// Seals the cursors of connections.
    pub cursors: Arc<Sealer>,
    /// Sign-in throttling.
    pub throttle: Arc<Throttle>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// The access policy.
    pub policy: Arc<Policy>,
    /// Queues read and denial events for the audit trail.
    pub audit: AuditWriter,
    /// The audit trail's MAC and signing keys and its checkpoint file.
    pub audit_keys: Arc<AuditKeys>,
    /// Events for subscriptions.
    pub events: EventBus,
    /// The query limits.
    pub limits: Arc<Limits>,
    /// The client apps' trusted documents.
    pub trusted: Arc<Trusted>,
    /// The networks of the trusted proxies in front of the service.
    pub proxies: Arc<[ipnet::IpNet]>,
    /// The service's metrics, for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// SQL statements run on behalf of requests (tests assert query counts with it).
    pub statements: Arc<AtomicU64>,
}

impl AppState {
    /// Where domain commands open their unit of work: the database and the event bus.
    pub fn store(&self) -> Store<'_> {
        Store {
            db: &self.db,
            events: &self.events,
        }
    }

    /// What signing in, refreshing and signing out need, borrowed from the state.
    pub fn accounts(&self) -> Accounts<'_> {
        Accounts {
            db: &self.db,
            clock: self.clock.as_ref(),
            throttle: &self.throttle,
            mac: &self.audit_keys.mac,
            tokens: &self.tokens,
            sessions: &self.sessions,
            events: &self.events,
        }
    }
}
