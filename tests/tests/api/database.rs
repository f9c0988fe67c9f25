//! Migrations and demo data.

use std::collections::BTreeMap;

use entity::child;
use migration::{
    Migrator, MigratorTrait,
    rollback::{self, Step, Stopped},
};
use sea_orm::{EntityTrait, PaginatorTrait};
use shouhu_tests::{DEMO_PASSWORD, TestDb};

/// The connection `shouhu migrate --down` rolls back on.
async fn rollback_connection(db: &TestDb) -> sea_orm::DatabaseConnection {
    shouhu::db::connect_for_rollback(&shouhu_tests::test_config(
        &db.url,
        std::path::Path::new("unused.jsonl"),
    ))
    .await
    .unwrap()
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let db = TestDb::empty().await;
    let conn = db.connect().await;

    Migrator::up(&conn, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    // Every step down in a transaction of its own, on SQLite too (the migrations' own rows go
    // with their tables).
    let done = rollback::roll_back(&rollback_connection(&db).await, u32::MAX, true)
        .await
        .unwrap();
    assert_eq!(done.len(), Migrator::migrations().len());
    assert!(
        !Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::up(&conn, None).await.unwrap();

    assert!(
        Migrator::get_pending_migrations(&conn)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn loading_the_demo_data_twice_changes_nothing() {
    let db = TestDb::empty().await;
    let conn = db.connect().await;
    Migrator::up(&conn, None).await.unwrap();

    shouhu::demo::load(&conn, Some(DEMO_PASSWORD.into()), chrono::Utc::now())
        .await
        .unwrap();
    let first = shouhu::demo::counts(&conn).await.unwrap();
    let second_load = shouhu::demo::load(&conn, None, chrono::Utc::now())
        .await
        .unwrap();
    let second = shouhu::demo::counts(&conn).await.unwrap();

    assert_eq!(first, second);
    assert!(second_load.accounts_existed);
    assert!(second_load.generated_password.is_none());
    assert_eq!(first["region"], 1 + 4 + 16 + 64);
    assert!(first["child"] >= 300, "a few hundred children: {first:?}");
    assert!(first["organization"] > 25, "{first:?}");
}

#[tokio::test]
async fn a_deployments_first_administrator_is_created_audited_and_signs_in() {
    let app = shouhu_tests::TestApp::spawn().await;
    let txn = shouhu::db::begin_write(&app.state.db).await.unwrap();
    let short = shouhu::domain::account::create(
        &txn,
        &app.state.audit_keys.mac,
        shouhu::domain::account::NewAccount {
            username: "root",
            display_name: "Root",
            password: "short",
            role: entity::enums::Role::Admin,
            organization_code: "unit:civil_affairs",
        },
        chrono::Utc::now(),
    )
    .await;
    assert!(short.is_err(), "a password under 12 characters is refused");
    let created = shouhu::domain::account::create(
        &txn,
        &app.state.audit_keys.mac,
        shouhu::domain::account::NewAccount {
            username: "First.Admin",
            display_name: "首位管理员",
            password: "a-long-enough-password",
            role: entity::enums::Role::Admin,
            organization_code: "unit:civil_affairs",
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();

    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let audited = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::Action.eq("account.create"))
        .filter(entity::audit_event::Column::SubjectId.eq(created.id))
        .all(&app.state.db)
        .await
        .unwrap();
    let login = app.login("first.admin", "a-long-enough-password").await;

    assert_eq!(created.username, "first.admin");
    assert_eq!(audited.len(), 1);
    assert!(login.body["errors"].is_null(), "{:?}", login.body);
}

/// Every table of the database with its number of rows (the migration bookkeeping aside).
async fn rows(conn: &sea_orm::DatabaseConnection) -> std::collections::BTreeMap<String, i64> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = conn.get_database_backend();
    let list = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let mut counted = std::collections::BTreeMap::new();
    for row in conn
        .query_all_raw(Statement::from_string(backend, list))
        .await
        .unwrap()
    {
        let name: String = row.try_get("", "name").unwrap();
        if name == "seaql_migrations" {
            continue;
        }
        let count = conn
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT COUNT(*) AS n FROM \"{name}\""),
            ))
            .await
            .unwrap()
            .unwrap();
        counted.insert(name, count.try_get::<i64>("", "n").unwrap());
    }
    counted
}

/// An upgrade from every earlier point of the migration history to `main`, with data in the
/// database: the demo database is taken back `k` migrations (the tables those made are gone,
/// every older table keeps its rows, in the shape the older schema gave them), as a deployment
/// of that older release would hold it, and brought up to date again. Every migration then runs
/// on tables that hold rows, and no row of a table that existed before is lost.
#[tokio::test]
async fn every_older_schema_holding_data_upgrades_to_main_losing_no_row() {
    let db = TestDb::with_demo().await;
    let conn = db.connect().await;
    let total = Migrator::migrations().len();
    let full = rows(&conn).await;
    assert!(full["child"] > 0 && full["visit"] > 0, "{full:?}");
    for back in 1..total {
        let at = total - back;
        Migrator::down(&conn, Some(u32::try_from(back).unwrap()))
            .await
            .unwrap_or_else(|err| panic!("down to migration {at}: {err}"));
        let older = rows(&conn).await;
        Migrator::up(&conn, None)
            .await
            .unwrap_or_else(|err| panic!("upgrading from migration {at} of {total}: {err}"));
        let upgraded = rows(&conn).await;
        for (table, count) in &older {
            if let Some(now) = upgraded.get(table) {
                assert!(
                    now >= count,
                    "upgrading from migration {at}: {table} held {count} rows, now {now}"
                );
            }
        }
        assert_eq!(
            upgraded.keys().collect::<Vec<_>>(),
            full.keys().collect::<Vec<_>>(),
            "upgrading from migration {at} makes the same tables"
        );
    }
    assert_eq!(rows(&conn).await["region"], full["region"]);
}

#[tokio::test]
async fn the_demo_at_scale_adds_its_children_once_in_the_demos_proportions() {
    use entity::{child, pairing};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    use serde_json::json;
    use shouhu::domain::values::ResidentId;
    use shouhu_tests::Role;

    let app = shouhu_tests::TestApp::spawn().await;
    let db = &app.state.db;
    let before = shouhu::demo::counts(db).await.unwrap();
    let demo_children: std::collections::HashSet<uuid::Uuid> = child::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();

    let generated = shouhu::demo::scale::load(db, 672, chrono::Utc::now())
        .await
        .unwrap();
    let after = shouhu::demo::counts(db).await.unwrap();
    let again = shouhu::demo::scale::load(db, 672, chrono::Utc::now())
        .await
        .unwrap();
    let after_again = shouhu::demo::counts(db).await.unwrap();

    assert_eq!(generated["child"], 672);
    assert_eq!(generated["guardian"], 2 * 672);
    assert_eq!(generated["visit"], 12 * 672, "a visit every other month");
    assert!(generated["report"] > 0 && generated["service_item"] > 0);
    assert_eq!(after["child"], before["child"] + 672);
    assert_eq!(after["visit"], before["visit"] + 12 * 672);
    assert_eq!(generated, again);
    assert_eq!(
        after, after_again,
        "the same size loaded again adds nothing"
    );
    let another_size = shouhu::demo::scale::load(db, 100, chrono::Utc::now()).await;
    assert!(
        another_size.is_err(),
        "generated children of another size would repeat ID numbers"
    );
    assert_eq!(shouhu::demo::counts(db).await.unwrap(), after);
    let marked = child::Entity::find()
        .filter(child::Column::FilledBy.eq(shouhu::demo::scale::GENERATED_BY))
        .count(db)
        .await
        .unwrap();
    assert_eq!(marked, 672, "generated children say so in the ledger");
    // The demo accounts' township holds 96 of every 336 children.
    let township = child::Entity::find()
        .filter(child::Column::RegionPath.starts_with("652700/652701/652701100/"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(township, 96 + 672 * 96 / 336);
    for c in child::Entity::find().all(db).await.unwrap() {
        let number = c.id_number.unwrap();
        assert!(ResidentId::parse(&number).is_ok(), "{number}");
    }
    // Teachers help only children enrolled at their school, as `pairTeacher` requires.
    let schools: std::collections::HashMap<uuid::Uuid, Option<uuid::Uuid>> = child::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.school_id))
        .collect();
    let (generated_pairs, elsewhere): (Vec<_>, Vec<_>) = pairing::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| !demo_children.contains(&p.child_id))
        .partition(|p| schools[&p.child_id] == Some(p.school_id));
    assert!(!generated_pairs.is_empty());
    assert!(
        elsewhere.is_empty(),
        "{} pairings across schools",
        elsewhere.len()
    );
    // The API reads the generated children with their two years of visits.
    let listed = app
        .gql_as(
            Role::ChildSupervisor,
            "{ children(first: 100) { edges { node { id visits(first: 20) { edges { node { visitedAt } } } } } } }",
            json!({}),
        )
        .await;
    let most_visits = listed.data()["children"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["visits"]["edges"].as_array().unwrap().len())
        .max();
    assert_eq!(most_visits, Some(12), "{:?}", listed.body);
}

#[tokio::test]
async fn a_rollback_shows_what_it_drops_and_drops_no_data_unless_told_to() {
    let db = TestDb::with_demo().await;
    let conn = rollback_connection(&db).await;
    let applied = || async { Migrator::get_applied_migrations(&conn).await.unwrap().len() };
    let before = applied().await;
    let children = child::Entity::find().count(&conn).await.unwrap();

    // What `migrate --down 100` shows: every table goes, the audit trail among them, with the
    // rows of each counted; and showing it changes nothing.
    let plan = rollback::plan(&conn, 100).await.unwrap();
    assert_eq!(plan.steps.len(), before);
    let tables: BTreeMap<&str, u64> = plan
        .steps
        .iter()
        .flat_map(|step| &step.tables)
        .map(|table| (table.name.as_str(), table.rows))
        .collect();
    assert_eq!(tables["child"], children);
    assert!(tables["account"] > 0, "{tables:?}");
    assert!(tables.contains_key("audit_event"), "{tables:?}");
    let guardians_version = plan
        .steps
        .iter()
        .find(|step| step.migration == "m20261209_000023_guardians_version")
        .unwrap();
    assert!(guardians_version.tables.is_empty());
    assert!(
        guardians_version
            .columns
            .iter()
            .any(|c| c.name == "child.guardians_version" && c.rows == children),
        "{guardians_version:?}"
    );
    assert_eq!(applied().await, before);
    assert_eq!(child::Entity::find().count(&conn).await.unwrap(), children);

    // Data is not dropped unless allowed: the first step that would drop some refuses, and
    // the steps before it (dropping nothing held) are all that is rolled back.
    let first_with_data = plan.steps.iter().position(Step::drops_data).unwrap();
    let refused = rollback::roll_back(&conn, 100, false).await;
    assert!(
        matches!(&refused, Err(Stopped::WouldDropData(step)) if *step == plan.steps[first_with_data]),
        "{refused:?}"
    );
    assert_eq!(applied().await, before - first_with_data);
    Migrator::up(&conn, None).await.unwrap();

    // Allowed, two steps go, each as shown, and come back with the next migration.
    let done = rollback::roll_back(&conn, 2, true).await.unwrap();
    assert_eq!(done, plan.steps[..2]);
    assert_eq!(applied().await, before - 2);
    Migrator::up(&conn, None).await.unwrap();
    assert_eq!(applied().await, before);
    assert_eq!(child::Entity::find().count(&conn).await.unwrap(), children);
}

#[tokio::test]
async fn every_demo_pairing_is_one_pair_teacher_would_make() {
    use entity::{account, pairing};
    use shouhu::auth::Principal;
    let app = shouhu_tests::TestApp::spawn().await;
    let db = &app.state.db;
    let pairings = pairing::Entity::find().all(db).await.unwrap();
    assert!(pairings.len() > 100, "{}", pairings.len());

    for pairing in &pairings {
        let teacher = account::Entity::find_by_id(pairing.teacher_account_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        let child = child::Entity::find_by_id(pairing.child_id)
            .one(db)
            .await
            .unwrap()
            .unwrap();
        // The school's head, as `pairTeacher` asks: its teacher, and a child enrolled there.
        let head = Principal {
            account_id: uuid::Uuid::now_v7(),
            organization_id: pairing.school_id,
            role: entity::enums::Role::SchoolHead,
            region_path: child.region_path.clone().into(),
            session_id: uuid::Uuid::now_v7(),
        };
        assert!(
            app.state.policy.may_pair_teacher(&head, &teacher),
            "{pairing:?}"
        );
        assert!(
            app.state.policy.may_pair_child(&head, &child),
            "{pairing:?} {child:?}"
        );
    }
}
