//! Builds the actix application from the settings. `main` and the tests both use this, so the
//! tests start the very same application on port 0.

use std::{net::TcpListener, sync::Arc, time::Duration};

use actix_web::{App, HttpServer, dev::Server, middleware::from_fn, web};
use tracing_actix_web::TracingLogger;

use crate::{
    auth::{throttle::LoginThrottle, token::TokenService},
    clock::{Clock, SystemClock},
    config::Config,
    db, graphql, http,
    state::AppState,
};

/// A built application, bound to its port and ready to run.
pub struct Application {
    port: u16,
    state: AppState,
    server: Server,
}

impl Application {
    /// Connects, migrates when configured, binds, on the system clock.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with the given clock (tests move time forward with it).
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = db::connect(&config).await?;
        if config.migrate_on_start {
            db::migrate(&db).await?;
        }
        let state = AppState {
            db,
            tokens: Arc::new(TokenService::new(&config.jwt)?),
            throttle: Arc::new(LoginThrottle::new(&config.login)),
            clock,
            config: Arc::new(config),
        };
        let listener = TcpListener::bind(&state.config.bind)?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, state.clone())?;
        Ok(Self {
            port,
            state,
            server,
        })
    }

    /// The port it listens on (the real one when bound to port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests reach the database through it).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn serve(listener: TcpListener, state: AppState) -> std::io::Result<Server> {
    let schema = web::Data::new(graphql::schema(state.clone()));
    let shutdown = state.config.shutdown_timeout_secs;
    let data = web::Data::new(state);
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(http::request_id_header))
            .wrap(TracingLogger::default())
            .app_data(data.clone())
            .app_data(schema.clone())
            .route("/healthz", web::get().to(http::healthz))
            .route("/readyz", web::get().to(http::readyz))
            .route("/graphql", web::to(http::graphql::graphql))
    })
    .listen(listener)?
    .shutdown_timeout(shutdown)
    .client_request_timeout(Duration::from_secs(30))
    .run();
    Ok(server)
}
