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
