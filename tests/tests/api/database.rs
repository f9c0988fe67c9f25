//! Migrations and demo data.

use migration::{Migrator, MigratorTrait};
use shouhu_tests::{DEMO_PASSWORD, TestDb};

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
    Migrator::down(&conn, None).await.unwrap();
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
