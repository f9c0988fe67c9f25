//! A database of the test's own: a SQLite file, or a PostgreSQL database when
//! `TEST_DATABASE_URL` is set (and, with `TEST_DATABASE_REPLICA_URL`, a streaming replica of that
//! server). Demo databases are copies of a template built once per process.

use std::{path::PathBuf, sync::OnceLock};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use uuid::Uuid;

use crate::DEMO_PASSWORD;

/// A database that is removed when dropped.
pub struct TestDb {
    /// Its URL.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Postgres { server: String, name: String },
}

/// The PostgreSQL server to use, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A streaming replica of that server, if any: `TEST_DATABASE_REPLICA_URL` (such as
/// `postgres://postgres@127.0.0.1:5433/postgres`; `.ci/replica` starts one).
pub fn replica_server() -> Option<String> {
    std::env::var("TEST_DATABASE_REPLICA_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .filter(|_| postgres_server().is_some())
}

/// The URL of the database `database_url` names, on the server of `server` (its address,
/// user and password).
pub fn same_database_on(server: &str, database_url: &str) -> String {
    let name = database_url.rsplit('/').next().unwrap_or_default();
    postgres_url(server, name)
}

fn postgres_url(server: &str, name: &str) -> String {
    match server.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => format!("{server}/{name}"),
    }
}

fn sqlite_url(path: &std::path::Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

fn unique_name() -> String {
    format!("shouhu_test_{}", Uuid::now_v7().simple())
}

/// The template with the demo data, built once per process on a thread of its own.
fn template() -> &'static str {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(build_template())
        })
        .join()
        .expect("the template is built")
    })
}

async fn build_template() -> String {
    let (url, id) = match postgres_server() {
        Some(server) => {
            let name = format!("shouhu_template_{}", std::process::id());
            let admin = Database::connect(&server)
                .await
                .expect("the server answers");
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}"))
                .await
                .expect("old template dropped");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("template created");
            admin.close().await.expect("closed");
            (postgres_url(&server, &name), name)
        }
        None => {
            let path =
                std::env::temp_dir().join(format!("shouhu_template_{}.db", std::process::id()));
            let _ = std::fs::remove_file(&path);
            (sqlite_url(&path), path.display().to_string())
        }
    };
    let db = connect(&url).await;
    Migrator::up(&db, None).await.expect("migrated");
    shouhu::demo::load(&db, Some(DEMO_PASSWORD.to_owned()), chrono::Utc::now())
        .await
        .expect("demo data loaded");
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .expect("checkpointed");
    }
    db.close().await.expect("closed");
    id
}

async fn connect(url: &str) -> DatabaseConnection {
    let config = shouhu::config::Config {
        database_url: url.to_owned(),
        database_max_connections: 2,
        ..Default::default()
    };
    shouhu::db::connect(&config).await.expect("connected")
}

impl TestDb {
    /// A copy of the template: migrated, with the demo data.
    pub async fn with_demo() -> Self {
        let template = template();
        match postgres_server() {
            Some(server) => {
                let name = unique_name();
                let admin = Database::connect(&server)
                    .await
                    .expect("the server answers");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}"))
                    .await
                    .expect("database cloned from the template");
                admin.close().await.expect("closed");
                Self::postgres(server, name)
            }
            None => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
                std::fs::copy(template, &path).expect("template copied");
                Self {
                    url: sqlite_url(&path),
                    cleanup: Cleanup::File(path),
                }
            }
        }
    }

    /// An empty database: not even migrated.
    pub async fn empty() -> Self {
        match postgres_server() {
            Some(server) => {
                let name = unique_name();
                let admin = Database::connect(&server)
                    .await
                    .expect("the server answers");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("database created");
                admin.close().await.expect("closed");
                Self::postgres(server, name)
            }
            None => {
                let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
                Self {
                    url: sqlite_url(&path),
                    cleanup: Cleanup::File(path),
                }
            }
        }
    }

    fn postgres(server: String, name: String) -> Self {
        Self {
            url: postgres_url(&server, &name),
            cleanup: Cleanup::Postgres { server, name },
        }
    }

    /// A connection of the test's own, for arranging and inspecting rows directly.
    pub async fn connect(&self) -> DatabaseConnection {
        connect(&self.url).await
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Postgres { server, name } => {
                let (server, name) = (server.clone(), name.clone());
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime");
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&server).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}
