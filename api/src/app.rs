//! Builds the actix application from the settings. `main` and the tests both use this, so the
//! tests start the very same application on port 0.

use std::{
    net::TcpListener,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::TimeDelta;
use secrecy::ExposeSecret;

use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use tracing_actix_web::TracingLogger;

use tokio::{sync::watch, task::JoinHandle};

use crate::graphql::limits::Limits;
use crate::{
    audit::{AuditKeys, AuditWriter, chain, partitions},
    auth::{
        seal::Sealer,
        sessions::Sessions,
        throttle::Throttle,
        token::{self, TokenService},
    },
    clock::{Clock, SystemClock},
    config::{Config, Environment},
    db,
    domain::{account, report, statistics},
    events::EventBus,
    graphql, http,
    metrics::Metrics,
    policy::Policy,
    replica::{self, Reader, Watch},
    state::AppState,
    trusted::Trusted,
};
use tokio::signal::unix::{Signal, SignalKind, signal};

/// A built application, bound to its port and ready to run.
pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
    audit_writer: JoinHandle<()>,
    sealer: JoinHandle<()>,
    sweeper: JoinHandle<()>,
    snapshots: JoinHandle<()>,
    plan_cycles: JoinHandle<()>,
    replica_watch: JoinHandle<()>,
    event_listener: JoinHandle<()>,
    revocations: JoinHandle<()>,
    reloads: JoinHandle<()>,
    stop_background: watch::Sender<bool>,
}

/// The policy in force, checked against the service's schema: the configured file
/// (`policy_file`), or the shipped policy.
pub fn load_policy(config: &Config) -> anyhow::Result<Policy> {
    let text = match &config.policy_file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("reading the policy file {}: {e}", path.display()))?,
        None => crate::policy::DEFAULT_POLICY.to_owned(),
    };
    Policy::load(&text, &graphql::sdl())
}

impl Application {
    /// Connects, migrates when configured, binds, on the system clock.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with the given clock (tests move time forward with it).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let config = config.for_environment().map_err(|problems| {
            anyhow::anyhow!("refusing to start in production: {}", problems.join("; "))
        })?;
        anyhow::ensure!(
            config
                .metrics_token
                .as_ref()
                .is_none_or(|token| !token.expose_secret().trim().is_empty()),
            "metrics_token is empty: give it a token, or leave it unset"
        );
        let policy = Arc::new(load_policy(&config)?);
        let mut db = db::connect(&config).await?;
        let replica = db::connect_replica(&config).await?;
        if config.migrate_on_start {
            db::migrate(&db).await?;
        }
        let audit_keys = Arc::new(AuditKeys::from_config(&config.audit)?);
        partitions::ensure(&db, clock.now()).await;
        chain::adopt_legacy(&db, &audit_keys, clock.now()).await?;
        let (audit, audit_writer) = AuditWriter::start(db.clone(), config.audit.queue_capacity);
        let (stop_background, stopped) = watch::channel(false);
        let metrics = Arc::new(Metrics::new());
        let sealer = tokio::spawn(chain::run_sealer(
            db.clone(),
            Arc::clone(&audit_keys),
            Arc::clone(&clock),
            Duration::from_millis(config.audit.seal_interval_ms),
            config.audit.seal_batch_size.max(1),
            Arc::clone(&metrics),
            stopped.clone(),
        ));
        let events = EventBus::new(&db);
        let sessions = Arc::new(Sessions::new(
            TimeDelta::seconds(i64::try_from(config.jwt.access_ttl_secs)?) + TimeDelta::minutes(1),
        ));
        account::load_revoked(&db, &sessions, clock.now()).await?;
        let revocations = tokio::spawn(account::follow_revocations(
            db.clone(),
            Arc::clone(&sessions),
            events.clone(),
            Arc::clone(&clock),
        ));
        let event_listener = tokio::spawn(events.clone().listen(config.database_url.clone()));
        let sweeper = tokio::spawn(report::run_sweeper(
            db.clone(),
            Arc::clone(&clock),
            config.report_deadlines.clone(),
            events.clone(),
            Arc::clone(&metrics),
            stopped.clone(),
        ));
        let snapshots = tokio::spawn(statistics::keeping::run(
            db.clone(),
            Arc::clone(&clock),
            Duration::from_secs(config.statistics_snapshot_interval_secs.max(1)),
            stopped.clone(),
        ));
        let plan_cycles = tokio::spawn(crate::domain::assignment::run_plan_cycles(
            db.clone(),
            Arc::clone(&clock),
            crate::demo::RESPONSIBILITY_MATRIX,
            Duration::from_secs(config.plan_cycle_check_secs.max(1)),
            stopped.clone(),
        ));
        // Counted on the requests' connection only, so background work does not blur it.
        let statements = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&statements);
        let count = move |_: &sea_orm::metric::Info<'_>| {
            counter.fetch_add(1, Ordering::Relaxed);
        };
        db.set_metric_callback(count.clone());
        let reader = match replica {
            Some(mut replica) => {
                replica.set_metric_callback(count);
                Reader::with_replica(
                    db.clone(),
                    replica,
                    Duration::from_secs(config.database_replica_timeout_secs.max(1)),
                    Arc::clone(&metrics),
                )
            }
            None => Reader::primary(db.clone()),
        };
        let replica_watch = tokio::spawn(replica::watch(
            reader.clone(),
            Watch {
                every: Duration::from_secs(config.database_replica_check_secs.max(1)),
                max_lag: Duration::from_secs(config.database_replica_max_lag_secs.max(1)),
            },
            stopped,
        ));
        let proxies = http::client::parse_proxies(&config.trusted_proxies)?;
        let trusted = Arc::new(
            Trusted::load(config.documents.dir.clone(), config.documents.enforce)
                .map_err(|e| anyhow::anyhow!("trusted documents: {e}"))?,
        );
        let documents = trusted.manifests();
        anyhow::ensure!(
            config.env == Environment::Development || documents.documents().next().is_some(),
            "refusing to start in production: no trusted documents in {} (documents.dir), so \
             callers without a token could not even sign in",
            trusted.dir().display()
        );
        tracing::info!(
            apps = documents.apps().len(),
            documents = documents.documents().count(),
            enforce = ?trusted.enforcement,
            "trusted documents read from {}",
            trusted.dir().display()
        );
        let secret = token::secret(&config.jwt)?;
        let state = AppState {
            primary_reader: reader.primary_only(),
            reader,
            db,
            tokens: Arc::new(TokenService::new(&config.jwt, &secret)?),
            cursors: Arc::new(Sealer::new(&secret, "cursor")),
            sessions,
            throttle: Arc::new(Throttle::new(
                &config.login,
                &config.rate_limits,
                config.redis_url.as_deref(),
            )?),
            clock,
            policy,
            audit,
            audit_keys,
            statements,
            metrics,
            proxies: proxies.into(),
            limits: Arc::new(Limits::new(&config.limits, &graphql::sdl())),
            trusted: Arc::clone(&trusted),
            events,
            config: Arc::new(config),
        };
        // Caught from here on, before the first request: a `SIGHUP` no longer ends the process.
        let hangups = signal(SignalKind::hangup())
            .map_err(|e| anyhow::anyhow!("catching SIGHUP to reload trusted documents: {e}"))?;
        let reloads = tokio::spawn(reload_on_hangup(hangups, trusted));
        let listener = TcpListener::bind(&state.config.bind)?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            state,
            server,
            audit_writer,
            sealer,
            sweeper,
            snapshots,
            plan_cycles,
            replica_watch,
            event_listener,
            revocations,
            reloads,
            stop_background,
        })
    }

    /// The port it listens on (the real one when bound to port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server as SIGTERM would (tests restart the application with it).
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The shared state (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, lets in-flight requests finish, then writes the queued
    /// audit events and seals the chain.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        let Self {
            state,
            audit_writer,
            sealer,
            sweeper,
            snapshots,
            plan_cycles,
            replica_watch,
            event_listener,
            revocations,
            reloads,
            stop_background,
            ..
        } = self;
        event_listener.abort();
        revocations.abort();
        reloads.abort();
        let audit = state.audit.clone();
        audit.flush().await;
        drop(state);
        let _ = stop_background.send(true);
        let _ = sweeper.await;
        let _ = snapshots.await;
        let _ = plan_cycles.await;
        let _ = replica_watch.await;
        let _ = sealer.await;
        // Events queued since the first flush (by requests and subscriptions still ending) are
        // written too, not cut off in the writer's wait for a fuller batch.
        audit.flush().await;
        audit_writer.abort();
        served
    }
}

/// Reads the trusted documents again on every `SIGHUP`; a folder that does not read leaves the
/// documents in force.
async fn reload_on_hangup(mut hangups: Signal, trusted: Arc<Trusted>) {
    while hangups.recv().await.is_some() {
        match trusted.reload() {
            Ok(manifests) => tracing::info!(
                apps = manifests.apps().len(),
                documents = manifests.documents().count(),
                "trusted documents reloaded"
            ),
            Err(error) => tracing::error!(%error, "trusted documents not reloaded"),
        }
    }
}

fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let schema = web::Data::new(graphql::schema(state.clone()));
    let shutdown = state.config.shutdown_timeout_secs;
    let graphiql = state.config.graphiql();
    let data = web::Data::new(state);
    let documents = web::Data::new(http::documents::Documents::default());
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(http::access_log))
            .wrap(TracingLogger::<http::RequestSpan>::new())
            .app_data(data.clone())
            .app_data(schema.clone())
            .app_data(documents.clone())
            .route("/healthz", web::get().to(http::healthz))
            .route("/readyz", web::get().to(http::readyz))
            .route("/metrics", web::get().to(http::metrics))
            .route("/graphql/ws", web::get().to(http::ws::subscriptions))
            .route("/graphql", web::to(http::graphql::graphql))
            .configure(|app| {
                if graphiql {
                    app.route(
                        &format!("{}/{{file}}", http::graphiql::ASSETS),
                        web::get().to(http::graphiql::asset),
                    );
                }
            })
            .route(
                "/exports/child-access.csv",
                web::get().to(http::exports::child_access),
            )
            .route("/exports/ledger.csv", web::get().to(http::ledger::csv))
            .route("/exports/ledger.xlsx", web::get().to(http::ledger::xlsx))
    })
    .listen(listener)?
    .shutdown_timeout(shutdown)
    .client_request_timeout(Duration::from_secs(30))
    .run();
    Ok(server)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shipped_policy_matches_the_schema() {
        super::load_policy(&crate::config::Config::default()).unwrap();
    }
}
