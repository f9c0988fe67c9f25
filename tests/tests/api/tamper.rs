//! Sealing and tampering: the trail is sealed in signed batches with checkpoints in a file, and
//! each kind of tampering someone with write access to the database can do is named by
//! `audit verify` with its kind and place. Every tampering here is made directly in the
//! database, as such a person would.

use entity::{audit_batch, audit_event};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Statement, sea_query::Expr,
};
use serde_json::json;
use shouhu::audit::{
    chain::{self, Break, Tamper, Verdict},
    checkpoint,
};
use shouhu_tests::{Role, TestApp};

/// Reads ID numbers `times` times as a director: a sign-in and one read event per request.
async fn read_id_numbers(app: &TestApp, times: usize) {
    let director = app.login_as(Role::ChildDirector).await;
    for _ in 0..times {
        let response = app
            .gql(
                Some(&director.access),
                "{ children(first: 5) { edges { node { idNumber } } } }",
                json!({}),
            )
            .await;
        assert!(response.body["errors"].is_null(), "{:?}", response.body);
    }
}

async fn verify(app: &TestApp) -> Verdict {
    chain::verify(
        &app.state.db,
        &app.state.audit_keys,
        &app.checkpoints.0,
        1,
        chrono::Utc::now(),
    )
    .await
    .unwrap()
}

/// The verdict, which must be a break.
async fn broken(app: &TestApp) -> Break {
    match verify(app).await {
        Verdict::Broken(place) => place,
        intact => panic!("tampering went unnoticed: {intact:?}"),
    }
}

/// A sealed trail of at least `events` events, checked intact first, all in one batch (the
/// app's own sealer is slowed down so that the test seals).
async fn sealed_trail(events: usize) -> TestApp {
    let app = TestApp::spawn_with(|c| c.audit.seal_interval_ms = 3_600_000).await;
    read_id_numbers(&app, events).await;
    app.seal_audit().await;
    match verify(&app).await {
        Verdict::Intact {
            sealed,
            unsealed,
            batches,
            checkpoints,
        } => {
            assert!(sealed as usize > events, "{sealed}");
            assert_eq!(unsealed, 0);
            assert!(batches >= 1);
            assert_eq!(checkpoints, batches, "every batch has its checkpoint");
        }
        broken => panic!("an untampered trail verifies: {broken:?}"),
    }
    app
}

async fn at(app: &TestApp, seq: i64) -> audit_event::Model {
    audit_event::Entity::find()
        .filter(audit_event::Column::Seq.eq(seq))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

async fn last_seq(app: &TestApp) -> i64 {
    audit_event::Entity::find()
        .filter(audit_event::Column::Seq.is_not_null())
        .order_by_desc(audit_event::Column::Seq)
        .one(&app.state.db)
        .await
        .unwrap()
        .and_then(|e| e.seq)
        .unwrap()
}

async fn set(app: &TestApp, id: uuid::Uuid, column: audit_event::Column, value: Expr) {
    audit_event::Entity::update_many()
        .col_expr(column, value)
        .filter(audit_event::Column::Id.eq(id))
        .exec(&app.state.db)
        .await
        .unwrap();
}

/// Changes one column of the event at `seq` of a sealed trail and expects `edited` there.
async fn edit_is_named(seq: i64, column: audit_event::Column, value: Expr) {
    let app = sealed_trail(5).await;
    let victim = at(&app, seq).await;
    set(&app, victim.id, column, value).await;

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Edited);
    assert_eq!((place.seq, place.id), (Some(seq), Some(victim.id)));
}

#[tokio::test]
async fn an_edited_detail_is_named_edited_at_its_position() {
    edit_is_named(3, audit_event::Column::Detail, Expr::value("{\"read\":[]}")).await;
}

#[tokio::test]
async fn an_edited_action_is_named_edited() {
    edit_is_named(4, audit_event::Column::Action, Expr::value("login")).await;
}

#[tokio::test]
async fn a_deleted_middle_row_is_named_deleted() {
    let app = sealed_trail(5).await;
    let victim = at(&app, 2).await;
    audit_event::Entity::delete_by_id(victim.id)
        .exec(&app.state.db)
        .await
        .unwrap();

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Deleted);
    assert_eq!((place.seq, place.id), (Some(2), None));
}

#[tokio::test]
async fn swapped_positions_are_named_reordered() {
    let app = sealed_trail(5).await;
    let (second, third) = (at(&app, 2).await, at(&app, 3).await);
    // Through a free position: SQLite keeps positions unique.
    set(&app, second.id, audit_event::Column::Seq, Expr::value(-1)).await;
    set(&app, third.id, audit_event::Column::Seq, Expr::value(2)).await;
    set(&app, second.id, audit_event::Column::Seq, Expr::value(3)).await;

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Reordered);
    assert_eq!(place.batch, second.batch);
}

#[tokio::test]
async fn deleting_the_last_ten_rows_is_named_truncated() {
    let app = sealed_trail(15).await;
    let last = last_seq(&app).await;
    audit_event::Entity::delete_many()
        .filter(audit_event::Column::Seq.gt(last - 10))
        .exec(&app.state.db)
        .await
        .unwrap();

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Truncated);
    assert_eq!(place.seq, Some(last - 9));
}

#[tokio::test]
async fn deleting_every_row_and_batch_is_caught_by_the_checkpoint_file() {
    let app = sealed_trail(5).await;
    audit_event::Entity::delete_many()
        .exec(&app.state.db)
        .await
        .unwrap();
    audit_batch::Entity::delete_many()
        .exec(&app.state.db)
        .await
        .unwrap();

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Truncated);
    assert_eq!(place.batch, Some(1));
}

#[tokio::test]
async fn an_edit_with_the_chain_recomputed_is_still_named_edited() {
    let app = sealed_trail(5).await;
    let victim = at(&app, 3).await;
    // The editor rewrites the detail, makes a MAC with a key of their own, and recomputes the
    // batch's root and head with plain SHA-256; they cannot sign.
    let forged_detail = "{\"read\":[]}";
    set(
        &app,
        victim.id,
        audit_event::Column::Detail,
        Expr::value(forged_detail),
    )
    .await;
    set(
        &app,
        victim.id,
        audit_event::Column::Mac,
        Expr::value("00".repeat(32)),
    )
    .await;
    let batch = audit_batch::Entity::find_by_id(victim.batch.unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let root = "ab".repeat(32);
    let head = checkpoint::head(
        batch.number,
        batch.first_seq,
        batch.last_seq,
        &root,
        &batch.prev_head,
        &checkpoint::timestamp(batch.sealed_at),
    );
    audit_batch::Entity::update_many()
        .col_expr(audit_batch::Column::Root, Expr::value(root))
        .col_expr(audit_batch::Column::Head, Expr::value(head))
        .filter(audit_batch::Column::Number.eq(batch.number))
        .exec(&app.state.db)
        .await
        .unwrap();

    let place = broken(&app).await;
    assert_eq!(place.batch, Some(batch.number));
    assert!(
        matches!(place.kind, Tamper::Forged | Tamper::Edited),
        "{place:?}"
    );
}

/// An unsealed `login` event written straight into the table, with a MAC made up.
async fn forge_login(app: &TestApp) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: sea_orm::Set(id),
        seq: sea_orm::Set(None),
        batch: sea_orm::Set(None),
        occurred_at: sea_orm::Set(chrono::Utc::now()),
        actor_account_id: sea_orm::Set(Some(uuid::Uuid::now_v7())),
        actor_role: sea_orm::Set(Some("admin".into())),
        action: sea_orm::Set("login".into()),
        subject_type: sea_orm::Set(None),
        subject_id: sea_orm::Set(None),
        detail: sea_orm::Set("{}".into()),
        request_id: sea_orm::Set(None),
        mac: sea_orm::Set(Some("11".repeat(32))),
        refused_at: sea_orm::Set(None),
    })
    .exec_without_returning(&app.state.db)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn a_forged_unsealed_event_is_never_sealed_and_raises_the_alarm() {
    let app = sealed_trail(3).await;
    let forged = forge_login(&app).await;
    read_id_numbers(&app, 2).await;

    app.seal_audit().await;

    let row = audit_event::Entity::find_by_id(forged)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.seq, None, "never sealed");
    assert!(row.refused_at.is_some());
    let alarms = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("audit.refused"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(alarms.len(), 1);
    assert!(alarms[0].detail.contains(&forged.to_string()));
    assert!(alarms[0].seq.is_some(), "the alarm itself is sealed");
    let place = broken(&app).await;
    assert_eq!((place.kind, place.id), (Tamper::Forged, Some(forged)));

    // The refusal is made once: sealing again raises no second alarm.
    app.seal_audit().await;
    let alarms = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("audit.refused"))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(alarms, 1);
}

#[tokio::test]
async fn a_row_given_a_position_no_batch_covers_is_named_inserted() {
    let app = sealed_trail(3).await;
    let forged = forge_login(&app).await;
    let beyond = last_seq(&app).await + 1;
    set(&app, forged, audit_event::Column::Seq, Expr::value(beyond)).await;

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Inserted);
    assert_eq!((place.seq, place.id), (Some(beyond), Some(forged)));
}

#[tokio::test]
async fn a_row_given_a_position_before_the_trail_is_named_inserted() {
    let app = sealed_trail(3).await;
    let forged = forge_login(&app).await;
    set(&app, forged, audit_event::Column::Seq, Expr::value(-1)).await;

    let place = broken(&app).await;
    assert_eq!((place.kind, place.id), (Tamper::Inserted, Some(forged)));
}

#[tokio::test]
async fn an_authentic_event_left_unsealed_for_long_is_named_stalled() {
    let app = sealed_trail(3).await;
    let (row, _) = shouhu::audit::AuditRecord::new(
        &app.state.audit_keys.mac,
        "login",
        chrono::Utc::now() - chrono::TimeDelta::minutes(10),
        None,
    )
    .into_rows();
    audit_event::Entity::insert(row)
        .exec_without_returning(&app.state.db)
        .await
        .unwrap();

    assert_eq!(broken(&app).await.kind, Tamper::Stalled);
}

#[tokio::test]
async fn a_lease_held_forever_is_taken_back_and_sealing_goes_on() {
    let app = sealed_trail(3).await;
    let db = &app.state.db;
    sea_orm::ConnectionTrait::execute_unprepared(
        db,
        "UPDATE audit_seal_lease SET holder = '00000000-0000-0000-0000-000000000001', \
         expires_at = '2099-01-01 00:00:00+00:00'",
    )
    .await
    .unwrap();
    forge_login(&app).await;
    read_id_numbers(&app, 1).await;
    app.flush_audit().await;

    let keys = &app.state.audit_keys;
    let holder = uuid::Uuid::now_v7();
    let now = chrono::Utc::now();
    let blocked = chain::seal(db, keys, holder, now, 1000).await.unwrap();
    assert_eq!(blocked.events, 0, "the lease is held");
    let resumed = chain::seal(db, keys, holder, now, 1000).await.unwrap();
    assert!(resumed.events > 0, "the lease was put right: {resumed:?}");
}

#[tokio::test]
async fn a_checkpoint_file_gone_while_batches_exist_is_named_truncated() {
    let app = sealed_trail(3).await;
    std::fs::remove_file(&app.checkpoints.0).unwrap();

    let place = broken(&app).await;
    assert_eq!(place.kind, Tamper::Truncated);
    assert!(place.reason.contains("checkpoint file"), "{place}");
}

#[tokio::test]
async fn a_batch_not_signed_by_the_deployment_is_named_forged() {
    let app = sealed_trail(3).await;
    let batch = audit_batch::Entity::find()
        .order_by_desc(audit_batch::Column::Number)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    audit_batch::Entity::update_many()
        .col_expr(
            audit_batch::Column::SealedAt,
            Expr::value(batch.sealed_at + chrono::TimeDelta::seconds(1)),
        )
        .filter(audit_batch::Column::Number.eq(batch.number))
        .exec(&app.state.db)
        .await
        .unwrap();

    let place = broken(&app).await;
    assert_eq!(
        (place.kind, place.batch),
        (Tamper::Forged, Some(batch.number))
    );
}

/// The first sealed read event, which lists records, and one record the index holds for it.
async fn indexed_read(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let read = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("read"))
        .order_by_asc(audit_event::Column::Seq)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    let record = *shouhu::audit::stored_records_of(&read)
        .iter()
        .map(|(_, id)| id)
        .next()
        .expect("the read lists records");
    (record, read.id)
}

/// Runs SQL written for each database's form of the record-to-event index, with the record and
/// the event as its two parameters (and, with `other`, a third record id).
async fn tamper_with_index(
    app: &TestApp,
    (record, event): (uuid::Uuid, uuid::Uuid),
    postgres: &str,
    sqlite: &str,
    other: Option<uuid::Uuid>,
) {
    let db = &app.state.db;
    let backend = db.get_database_backend();
    let sql = if backend == DatabaseBackend::Postgres {
        postgres
    } else {
        sqlite
    };
    let mut values: Vec<sea_orm::Value> = vec![record.into(), event.into()];
    values.extend(other.map(Into::into));
    let done = db
        .execute_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .unwrap();
    assert_eq!(done.rows_affected(), 1, "the index row was changed");
}

#[tokio::test]
async fn a_deleted_index_row_that_hides_a_read_from_a_childs_trail_is_named_deleted() {
    let app = sealed_trail(3).await;
    let row = indexed_read(&app).await;
    tamper_with_index(
        &app,
        row,
        "UPDATE audit_subject SET subject_ids = array_remove(subject_ids, $1) WHERE event_id = $2",
        "DELETE FROM audit_subject WHERE subject_id = ?1 AND event_id = ?2",
        None,
    )
    .await;

    let place = broken(&app).await;
    assert_eq!((place.kind, place.id), (Tamper::Deleted, Some(row.1)));
}

#[tokio::test]
async fn an_index_row_pointing_a_read_at_another_record_is_named() {
    let app = sealed_trail(3).await;
    let row = indexed_read(&app).await;
    tamper_with_index(
        &app,
        row,
        "UPDATE audit_subject SET subject_ids = array_replace(subject_ids, $1, $3) \
         WHERE event_id = $2",
        "UPDATE audit_subject SET subject_id = ?3 WHERE subject_id = ?1 AND event_id = ?2",
        Some(uuid::Uuid::now_v7()),
    )
    .await;

    let place = broken(&app).await;
    assert_eq!((place.kind, place.id), (Tamper::Edited, Some(row.1)));
}

#[tokio::test]
async fn events_queued_at_shutdown_are_written_and_sealed_once_across_a_restart() {
    let app = TestApp::spawn().await;
    read_id_numbers(&app, 4).await;
    let before = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("read"))
        .count(&app.state.db)
        .await
        .unwrap();

    let app = app.restart().await;

    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::Action.eq("read"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert!(reads.len() as u64 >= before);
    assert_eq!(
        reads.len(),
        4,
        "every queued read was written on shutdown ({before} were before it)"
    );

    // Sealed at shutdown or, what was left, by the restarted sealer; each once.
    read_id_numbers(&app, 3).await;
    app.seal_audit().await;
    let all = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(&app.state.db)
        .await
        .unwrap();
    let positions: Vec<i64> = all.iter().filter_map(|e| e.seq).collect();
    assert_eq!(positions.len(), all.len(), "everything is sealed");
    assert_eq!(
        positions,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "each event once, without gaps"
    );
    assert!(matches!(
        verify(&app).await,
        Verdict::Intact { unsealed: 0, .. }
    ));
}

#[tokio::test]
async fn two_sealers_never_seal_the_same_events_twice() {
    let app = TestApp::spawn().await;
    read_id_numbers(&app, 3).await;
    app.flush_audit().await;

    let now = chrono::Utc::now();
    let keys = &app.state.audit_keys;
    let (a, b) = tokio::join!(
        chain::seal(&app.state.db, keys, uuid::Uuid::now_v7(), now, 1000),
        chain::seal(&app.state.db, keys, uuid::Uuid::now_v7(), now, 1000),
    );
    app.seal_audit().await;

    assert!(a.is_ok() || b.is_ok());
    assert!(matches!(
        verify(&app).await,
        Verdict::Intact { unsealed: 0, .. }
    ));
}

#[tokio::test]
async fn the_record_to_event_index_keeps_every_record_across_its_migration_down_and_up() {
    use migration::MigratorTrait;

    let app = sealed_trail(3).await;
    let (record, event) = indexed_read(&app).await;
    let db = &app.state.db;
    let finds = || async {
        audit_event::Entity::find()
            .filter(
                audit_event::Column::Id.in_subquery(shouhu::audit::events_about(
                    db.get_database_backend(),
                    &[record],
                )),
            )
            .all(db)
            .await
            .unwrap()
            .iter()
            .any(|e| e.id == event)
    };
    assert!(finds().await);

    // Down to just before the index's reshaping, however many migrations came after it.
    let names: Vec<String> = migration::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let reshaped = names
        .iter()
        .position(|name| name == "m20261201_000015_audit_subject_compact")
        .unwrap();
    migration::Migrator::down(db, Some((names.len() - reshaped) as u32))
        .await
        .unwrap();
    let rows = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM audit_subject WHERE subject_type IS NOT NULL",
        ))
        .await
        .unwrap()
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap();
    assert!(
        rows >= 15,
        "one row per record again, each with its kind: {rows}"
    );
    migration::Migrator::up(db, None).await.unwrap();

    assert!(finds().await, "the record's trail still finds the read");
    assert!(matches!(
        verify(&app).await,
        Verdict::Intact { unsealed: 0, .. }
    ));
}
