//! Writer: frames in, chunks and laps out; the spool during an outage; restarts.

use std::time::{Duration, Instant};

use racecraft_store::{Error, Spool, Store, StoreConfig, Writer, WriterConfig};
use racecraft_testkit::PgCluster;

use crate::both_backends;
use crate::common::{TestDb, assert_bit_exact, batch, frames, lap, meta};

/// Flushes only when told to, so tests decide when data moves.
fn manual(max_chunk_frames: usize) -> WriterConfig {
    WriterConfig {
        flush_interval: Duration::from_secs(3600),
        max_chunk_frames,
        retry_interval: Duration::from_millis(50),
    }
}

/// Bounds a wait that should end quickly, so a bug fails the test instead of hanging it.
async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), f).await.unwrap_or_else(|_| panic!("timed out: {what}"))
}

both_backends!(frames_flushed_are_stored_bit_exact);

async fn frames_flushed_are_stored_bit_exact(db: TestDb) {
    let dir = tempfile::tempdir().expect("dir");
    let spool = Spool::open(dir.path()).await.expect("spool");
    let writer = Writer::spawn(db.store.clone(), spool, manual(4096));
    let s = db.store.create_session(&meta("Monza", 0), None).await.expect("create");
    let all = frames(0, 500, 200);
    let mut watermark = writer.subscribe();
    for part in 0..5 {
        let from = part * 100;
        writer.frames(s.id, from as u64, all[from..from + 100].to_vec()).expect("frames");
    }
    writer.lap(s.id, lap(1, 80.0, true)).expect("lap");
    writer.lap(s.id, lap(2, 79.0, true)).expect("lap");
    assert_eq!(writer.persisted_seq(s.id), 0);
    within("flush", writer.flush()).await.expect("flush");

    assert!(watermark.has_changed().expect("sender alive"));
    assert_eq!(writer.persisted_seq(s.id), 500);
    assert_bit_exact(&db.store.session_frames(s.id).await.expect("frames"), &all);
    let laps = db.store.laps(s.id).await.expect("laps");
    assert_eq!(laps.iter().map(|l| l.lap_number).collect::<Vec<_>>(), vec![1, 2]);
    assert_bit_exact(&db.store.lap_frames(&laps[1]).await.expect("lap frames"), &all[200..400]);
    let status = writer.status();
    assert!(status.db_available);
    assert_eq!((status.pending_frames, status.written_frames, status.spooled_batches), (0, 500, 0));
    assert_eq!(status.written_chunks, 3, "one chunk per lap");
    watermark.mark_unchanged();

    // A resend of frames already taken changes nothing; frames after a gap start a new chunk.
    writer.frames(s.id, 450, all[450..].to_vec()).expect("frames");
    let later = frames(600, 10, 200);
    writer.frames(s.id, 600, later.clone()).expect("frames");
    writer.end_session(s.id, 7_000).expect("end");
    within("flush", writer.flush()).await.expect("flush");
    assert_eq!(db.store.session(s.id).await.expect("session").expect("exists").ended_at_ms, Some(7_000));
    assert_eq!(writer.persisted_seq(s.id), 610);
    assert_eq!(db.store.next_seq(s.id).await.expect("next_seq"), 610);
    let status = writer.status();
    assert_eq!((status.pending_frames, status.written_frames, status.written_chunks), (0, 510, 4));
}

#[tokio::test]
async fn chunks_are_cut_at_lap_changes_and_at_the_size_limit() {
    let db = crate::common::sqlite_db().await;
    let dir = tempfile::tempdir().expect("dir");
    let writer = Writer::spawn(db.store.clone(), Spool::open(dir.path()).await.expect("spool"), manual(4));
    let s = db.store.create_session(&meta("Monza", 0), None).await.expect("create");
    // Laps of 10, 10 and 5 frames, handed over in pieces that straddle the lap changes.
    let all = frames(0, 25, 10);
    for (from, to) in [(0, 7), (7, 13), (13, 25)] {
        writer.frames(s.id, from as u64, all[from..to].to_vec()).expect("frames");
    }
    for n in 1..=3 {
        writer.lap(s.id, lap(n, 80.0, true)).expect("lap");
    }
    within("flush", writer.flush()).await.expect("flush");
    // ceil(10/4) + ceil(10/4) + ceil(5/4)
    assert_eq!(writer.status().written_chunks, 3 + 3 + 2);
    let laps = db.store.laps(s.id).await.expect("laps");
    for (row, range) in laps.iter().zip([0..10, 10..20, 20..25]) {
        assert_bit_exact(&db.store.lap_frames(row).await.expect("lap frames"), &all[range]);
    }
}

#[tokio::test]
async fn the_flush_timer_persists_without_being_asked() {
    let db = crate::common::sqlite_db().await;
    let dir = tempfile::tempdir().expect("dir");
    let config = WriterConfig { flush_interval: Duration::from_millis(20), ..WriterConfig::default() };
    let writer = Writer::spawn(db.store.clone(), Spool::open(dir.path()).await.expect("spool"), config);
    let s = db.store.create_session(&meta("Monza", 0), None).await.expect("create");
    let mut watermark = writer.subscribe();
    writer.frames(s.id, 0, frames(0, 50, 100)).expect("frames");
    within("timer flush", watermark.wait_for(|_| writer.persisted_seq(s.id) == 50)).await.expect("sender alive");
    assert_eq!(db.store.next_seq(s.id).await.expect("next_seq"), 50);
}

/// The database goes away mid-stream: batches are spooled and acknowledged, and once the database is back
/// every frame ends up in it, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_spools_and_everything_arrives_after_the_restart() {
    let started = Instant::now();
    let mut pg = PgCluster::start().expect("temporary PostgreSQL");
    // A short acquire timeout: each attempt against the stopped server fails within a second.
    let config = StoreConfig { acquire_timeout: Duration::from_secs(1), ..StoreConfig::default() };
    let store = Store::connect_with(&pg.url(), &config).await.expect("connect");
    let dir = tempfile::tempdir().expect("dir");
    let spool = Spool::open(dir.path()).await.expect("spool");
    let writer = Writer::spawn(store.clone(), spool.clone(), manual(64));
    let mut available = writer.db_availability();
    let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
    let all = frames(0, 400, 100);

    writer.frames(s.id, 0, all[..100].to_vec()).expect("frames");
    within("flush", writer.flush()).await.expect("flush to the database");
    assert_eq!(writer.persisted_seq(s.id), 100);

    pg.stop().expect("stop PostgreSQL");
    writer.frames(s.id, 100, all[100..200].to_vec()).expect("frames");
    writer.lap(s.id, lap(1, 80.0, true)).expect("lap");
    within("flush", writer.flush()).await.expect("flush to the spool");
    // Acknowledged while the database is down: the frames are in the spool.
    assert_eq!(writer.persisted_seq(s.id), 200);
    assert!(!writer.status().db_available);
    assert!(!*available.borrow_and_update());
    writer.frames(s.id, 200, all[200..300].to_vec()).expect("frames");
    within("flush", writer.flush()).await.expect("flush to the spool");
    assert_eq!(writer.persisted_seq(s.id), 300);
    assert!(spool.pending_batches() >= 1);
    assert_eq!(spool.next_seq(s.id), 300);

    pg.restart().expect("restart PostgreSQL");
    within("spool drained", available.wait_for(|up| *up)).await.expect("sender alive");
    assert_eq!(spool.pending_batches(), 0);
    writer.frames(s.id, 300, all[300..].to_vec()).expect("frames");
    within("flush", writer.flush()).await.expect("flush to the database");

    assert_eq!(writer.persisted_seq(s.id), 400);
    assert_bit_exact(&store.session_frames(s.id).await.expect("frames"), &all);
    assert_eq!(store.laps(s.id).await.expect("laps").len(), 1);
    let status = writer.status();
    assert_eq!((status.pending_frames, status.spooled_batches, status.written_frames), (0, 0, 400));
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}

/// A new Store, Spool and Writer on the same SQLite file and spool directory find everything: what was
/// written, and what an earlier run left in the spool.
#[tokio::test]
async fn a_restart_keeps_everything() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/db/racecraft.db", dir.path().display());
    let spool_dir = dir.path().join("spool");
    let all = frames(0, 300, 100);

    let id = {
        let store = Store::connect(&url).await.expect("connect");
        let writer = Writer::spawn(store.clone(), Spool::open(&spool_dir).await.expect("spool"), manual(4096));
        let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
        writer.frames(s.id, 0, all[..200].to_vec()).expect("frames");
        writer.lap(s.id, lap(1, 80.0, true)).expect("lap");
        within("flush", writer.flush()).await.expect("flush");
        store.close().await;
        s.id
    };
    {
        // The previous run went down during an outage with the last batch still spooled.
        let spool = Spool::open(&spool_dir).await.expect("spool");
        spool.append(&batch(id, 200, &all[200..], &[lap(2, 79.0, true)])).await.expect("append");
    }

    let store = Store::connect(&url).await.expect("reconnect");
    let spool = Spool::open(&spool_dir).await.expect("reopen spool");
    assert_eq!(spool.pending_batches(), 1);
    assert_eq!(spool.next_seq(id).max(store.next_seq(id).await.expect("next_seq")), 300);
    let writer = Writer::spawn(store.clone(), spool.clone(), manual(4096));
    within("spool drained", writer.db_availability().wait_for(|up| *up)).await.expect("sender alive");
    assert_eq!(spool.pending_batches(), 0);
    assert_bit_exact(&store.session_frames(id).await.expect("frames"), &all);
    assert_eq!(store.laps(id).await.expect("laps").len(), 2);
    assert_eq!(store.next_seq(id).await.expect("next_seq"), 300);
}

/// Values no database column can hold are refused at the door: accepted, they would make a batch that fails
/// on every retry and keeps the writer on its spool forever.
#[tokio::test]
async fn unstorable_input_is_refused_before_it_reaches_a_batch() {
    let db = crate::common::sqlite_db().await;
    let dir = tempfile::tempdir().expect("dir");
    let writer = Writer::spawn(db.store.clone(), Spool::open(dir.path()).await.expect("spool"), manual(4096));
    let s = db.store.create_session(&meta("Monza", 0), None).await.expect("create");
    let huge = i64::MAX as u64 - 5;
    assert!(matches!(writer.frames(s.id, huge, frames(0, 10, 100)), Err(Error::OutOfRange { .. })));
    let mut bad = lap(1, 80.0, true);
    bad.lap_time_s = f64::NAN;
    assert!(matches!(writer.lap(s.id, bad), Err(Error::NotFinite { .. })));
    writer.frames(s.id, 0, frames(0, 10, 100)).expect("frames");
    within("flush", writer.flush()).await.expect("flush");
    let status = writer.status();
    assert!(status.db_available);
    assert_eq!((status.pending_frames, status.written_frames), (0, 10));
}

#[tokio::test]
async fn a_session_created_during_an_outage_survives_a_restart_and_reaches_the_database() {
    let mut pg = PgCluster::start().expect("throwaway PostgreSQL");
    pg.stop().expect("stop");
    let dir = tempfile::tempdir().expect("dir");
    let config = StoreConfig { acquire_timeout: Duration::from_millis(500), ..StoreConfig::default() };
    let all = frames(0, 300, 100);
    let session = {
        let store = Store::connect_lazy_with(&pg.url(), &config).expect("lazy store");
        let writer = Writer::spawn(store, Spool::open(dir.path()).await.expect("spool"), manual(4096));
        let session = within("create", writer.create_session(&meta("Monza", 1_000), None)).await.expect("create");
        assert!(session.id >= racecraft_store::OFFLINE_SESSION_ID_BASE, "{}", session.id);
        assert_eq!(writer.offline_session(session.id), Some(session.clone()));
        writer.frames(session.id, 0, all.clone()).expect("frames");
        writer.lap(session.id, lap(1, 85.0, true)).expect("lap");
        writer.end_session(session.id, 9_000).expect("end");
        within("flush", writer.flush()).await.expect("spooled");
        assert_eq!(writer.persisted_seq(session.id), 300);
        session
    };

    // A restart while the database is still away knows the session and how far it got, from the spool.
    let store = Store::connect_lazy_with(&pg.url(), &config).expect("lazy store");
    let writer = Writer::spawn(store.clone(), Spool::open(dir.path()).await.expect("spool"), manual(4096));
    let known = writer.offline_session(session.id).expect("known from the spool");
    assert_eq!((known.meta(), known.ended_at_ms), (meta("Monza", 1_000), Some(9_000)));
    assert_eq!(writer.persisted_seq(session.id), 300);
    let next = within("create", writer.create_session(&meta("Spa", 2_000), None)).await.expect("create");
    assert!(next.id > session.id, "ids keep rising across restarts: {} then {}", session.id, next.id);

    pg.restart().expect("start");
    within("database available", writer.db_availability().wait_for(|up| *up)).await.expect("writer alive");
    let stored = store.session(session.id).await.expect("query").expect("row");
    assert_eq!(
        (stored.name.as_str(), stored.ended_at_ms, stored.frame_count, stored.lap_count),
        ("Monza · Ferrari 488 GT3", Some(9_000), 300, 1)
    );
    assert_bit_exact(&store.session_frames(session.id).await.expect("frames"), &all);
    assert!(store.session(next.id).await.expect("query").is_some());
}
