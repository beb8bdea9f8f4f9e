//! The writer's guarantees, on real connections: group commit, cancellation, solos.

use std::time::Duration;

use crate::config::DbLocation;
use crate::db::{Db, get_meta, set_meta};
use crate::ids::Ids;

/// Units queued behind a held lease share one transaction; a unit dropped without commit
/// takes only its own writes with it, before and after kept ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_keeps_its_committed_units_and_drops_only_the_discarded_ones() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DbLocation::File(dir.path().join("w.db")))
        .await
        .unwrap();
    let ids = std::sync::Arc::new(Ids::new(1, 1, 0));
    let before = db.commits();
    // Hold the connection so the 40 units below queue up behind it.
    let gate = db.write().await.unwrap();
    let mut units = Vec::new();
    for i in 0..40u32 {
        let (db, ids) = (db.clone(), ids.clone());
        units.push(tokio::spawn(async move {
            let mut tx = db.write().await.unwrap();
            set_meta(&mut tx, &format!("unit-{i}"), "written")
                .await
                .unwrap();
            if i % 3 == 0 {
                drop(tx); // discarded
            } else {
                tx.commit(&ids).await.unwrap();
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    gate.commit(&ids).await.unwrap();
    for u in units {
        u.await.unwrap();
    }
    let mut conn = db.pool.acquire().await.unwrap();
    for i in 0..40u32 {
        let got = get_meta(&mut conn, &format!("unit-{i}")).await.unwrap();
        let want = (i % 3 != 0).then(|| "written".to_owned());
        assert_eq!(got, want, "unit {i}");
    }
    let commits = db.commits() - before;
    assert!(commits < 10, "41 queued units took {commits} commits");
    drop(conn);
    db.close().await;
}

/// A solo waits for the running batch to commit, gets the connection outside any
/// transaction, and units that ask meanwhile wait until it is dropped; a transaction it
/// leaves open is rolled back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_solo_runs_between_batches_and_alone() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(&DbLocation::File(dir.path().join("s.db")))
        .await
        .unwrap();
    let ids = std::sync::Arc::new(Ids::new(1, 1, 0));
    let mut gate = db.write().await.unwrap();
    set_meta(&mut gate, "before", "yes").await.unwrap();
    let solo = tokio::spawn({
        let db = db.clone();
        async move { db.solo().await.unwrap() }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !solo.is_finished(),
        "no solo while a unit holds the connection"
    );
    gate.commit(&ids).await.unwrap();
    let mut solo = solo.await.unwrap();
    // Outside any transaction: BEGIN works, and the unit before it is committed.
    crate::db::sql::raw_sql_on(&mut solo, "BEGIN IMMEDIATE")
        .await
        .unwrap();
    assert_eq!(
        get_meta(&mut solo, "before").await.unwrap().as_deref(),
        Some("yes")
    );
    set_meta(&mut solo, "left open", "yes").await.unwrap();
    let unit = tokio::spawn({
        let (db, ids) = (db.clone(), ids.clone());
        async move {
            let mut tx = db.write().await.unwrap();
            let seen = get_meta(&mut tx, "left open").await.unwrap();
            set_meta(&mut tx, "after", "yes").await.unwrap();
            tx.commit(&ids).await.unwrap();
            seen
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !unit.is_finished(),
        "no unit while the solo holds the connection"
    );
    drop(solo);
    assert_eq!(
        unit.await.unwrap(),
        None,
        "the open transaction was rolled back"
    );
    let mut conn = db.pool.acquire().await.unwrap();
    assert_eq!(
        get_meta(&mut conn, "after").await.unwrap().as_deref(),
        Some("yes")
    );
    drop(conn);
    db.close().await;
}

/// A unit that stops waiting (its request was cancelled) before or while it holds the
/// connection neither wedges the writer nor leaves its writes behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_unit_gives_the_connection_back() {
    let db = Db::open(&DbLocation::Memory).await.unwrap();
    let ids = Ids::new(1, 1, 0);
    let gate = db.write().await.unwrap();
    let waiting = tokio::spawn({
        let db = db.clone();
        async move { db.write().await.map(drop) }
    });
    let holding = tokio::spawn({
        let db = db.clone();
        async move {
            let mut tx = db.write().await.unwrap();
            set_meta(&mut tx, "cancelled", "yes").await.unwrap();
            std::future::pending::<()>().await;
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    waiting.abort();
    drop(gate);
    tokio::time::sleep(Duration::from_millis(50)).await;
    holding.abort();
    let mut tx = tokio::time::timeout(Duration::from_secs(5), db.write())
        .await
        .expect("the writer is not wedged")
        .unwrap();
    assert_eq!(get_meta(&mut tx, "cancelled").await.unwrap(), None);
    tx.commit(&ids).await.unwrap();
}

/// The fence between units neither lets a unit's `defer_foreign_keys` reach the next unit nor
/// expires the connection's prepared statements (every unit re-preparing each statement it runs
/// cost a quarter of the mock's CPU under load).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fence_resets_deferred_keys_without_expiring_statements() {
    use rusqlite::StatementStatus::RePrepare;
    const READ: &str = "SELECT value FROM meta WHERE key = ?";
    let db = Db::open(&DbLocation::Memory).await.unwrap();
    let ids = std::sync::Arc::new(Ids::new(1, 1, 0));
    let gate = db.write().await.unwrap();
    let mut units = Vec::new();
    for i in 0..20u32 {
        let (db, ids) = (db.clone(), ids.clone());
        units.push(tokio::spawn(async move {
            let mut tx = db.write().await.unwrap();
            let (deferred, reprepared) = {
                let deferred: bool = tx
                    .query_row("PRAGMA defer_foreign_keys", [], |r| r.get(0))
                    .unwrap();
                if i == 0 {
                    // What the reset does; its own statements may be re-prepared once.
                    tx.execute_batch("PRAGMA defer_foreign_keys = ON").unwrap();
                }
                let mut read = tx.prepare_cached(READ).unwrap();
                let mut rows = read.query(["id_counter"]).unwrap();
                while rows.next().unwrap().is_some() {}
                drop(rows);
                (deferred, read.get_status(RePrepare))
            };
            set_meta(&mut tx, &format!("unit-{i}"), "x").await.unwrap();
            tx.commit(&ids).await.unwrap();
            (i, deferred, reprepared)
        }));
        // One at a time into the queue, so the units run in this order.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(gate);
    let mut seen = Vec::new();
    for u in units {
        seen.push(u.await.unwrap());
    }
    for &(i, deferred, _) in &seen {
        assert!(!deferred, "unit {i} inherited defer_foreign_keys = ON");
    }
    let after_first: Vec<i32> = seen.iter().skip(1).map(|s| s.2).collect();
    assert!(
        after_first.windows(2).all(|w| w[0] == w[1]),
        "the fences re-prepared a cached statement: {after_first:?}"
    );
    db.close().await;
}
