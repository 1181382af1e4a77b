//! Store: sessions, write batches, idempotence, cascades, migrations; on both backends.

use racecraft_core::Frame;
use racecraft_store::{Backend, LapRow, NewSession, OFFLINE_SESSION_ID_BASE, Session, SessionEnd, Store, WriteBatch};

use crate::both_backends;
use crate::common::{TestDb, assert_bit_exact, batch, chunk_rows, decode_rows, frames, lap, meta};

both_backends!(
    session_crud,
    write_round_trip_is_bit_exact,
    replaying_a_batch_is_harmless,
    delete_cascades_to_laps_and_chunks,
    next_seq_follows_the_last_chunk,
    reconnecting_reruns_migrations_harmlessly,
    a_session_created_offline_is_written_ahead_of_its_chunks_and_ended_after_them,
    database_ids_stay_below_the_offline_range_and_are_never_reused,
    the_entry_an_agent_names_is_stored_with_the_session,
    lap_edges_are_the_first_frame_of_each_lap_and_the_last_frame,
);

async fn session_crud(db: TestDb) {
    let store = &db.store;
    assert!(store.session(1).await.expect("query").is_none());
    let a = store.create_session(&meta("Monza", 1_000), Some("Quali")).await.expect("create");
    let b = store.create_session(&meta("Spa", 3_000), None).await.expect("create");
    let c = store.create_session(&meta("Imola", 2_000), None).await.expect("create");
    assert_eq!(a.name, "Quali");
    assert_eq!(b.name, "Spa · Ferrari 488 GT3");
    assert_eq!(a.meta(), meta("Monza", 1_000));
    assert_eq!((a.lap_count, a.best_lap_s, a.frame_count, a.archived, a.ended_at_ms), (0, None, 0, false, None));
    assert_eq!(store.session(a.id).await.expect("query"), Some(a.clone()));

    let ids = |list: Vec<Session>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(store.sessions(false).await.expect("list")), vec![b.id, c.id, a.id], "newest first");

    let renamed = store.update_session(c.id, Some("Race".to_owned()), None).await.expect("update").expect("exists");
    assert_eq!((renamed.name.as_str(), renamed.archived), ("Race", false));
    let archived = store.update_session(c.id, None, Some(true)).await.expect("update").expect("exists");
    assert_eq!((archived.name.as_str(), archived.archived), ("Race", true));
    assert_eq!(ids(store.sessions(false).await.expect("list")), vec![b.id, a.id]);
    assert_eq!(ids(store.sessions(true).await.expect("list")), vec![b.id, c.id, a.id]);
    assert_eq!(store.update_session(9_999, Some("x".to_owned()), None).await.expect("update"), None);

    assert!(store.end_session(a.id, 5_000).await.expect("end"));
    assert!(!store.end_session(9_999, 5_000).await.expect("end"));
    assert_eq!(store.session(a.id).await.expect("query").expect("exists").ended_at_ms, Some(5_000));

    assert!(store.delete_session(b.id).await.expect("delete"));
    assert!(!store.delete_session(b.id).await.expect("delete"));
    assert_eq!(store.session(b.id).await.expect("query"), None);
    // Ids are never reused, even for the newest session.
    let d = store.create_session(&meta("Spa", 4_000), None).await.expect("create");
    assert!(d.id > c.id);
}

async fn write_round_trip_is_bit_exact(db: TestDb) {
    let store = &db.store;
    let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
    // 250 frames: laps 1 and 2 complete (100 each), lap 3 in progress.
    let all = frames(0, 250, 100);
    let laps = [lap(1, 80.5, false), lap(2, 79.25, true)];
    let batch = batch(s.id, 0, &all, &laps);
    assert_eq!(batch.chunks.len(), 3 + 3 + 2, "cut at 40 frames and at lap changes");
    store.write(&batch).await.expect("write");

    let rows = store.laps(s.id).await.expect("laps");
    assert_eq!(rows.len(), 2);
    for (row, want) in rows.iter().zip(&laps) {
        let expected = LapRow {
            id: row.id,
            session_id: s.id,
            lap_number: want.lap_number,
            lap_time_s: want.lap_time_s,
            sectors_s: want.sectors_s.clone(),
            start_t_us: want.start_t_us,
            end_t_us: want.end_t_us,
            frame_count: want.frame_count,
            valid: want.valid,
            out_lap: want.out_lap,
            pit: want.pit,
        };
        assert_eq!(row, &expected);
        assert_eq!(store.lap(row.id).await.expect("lap").as_ref(), Some(row));
    }
    assert_eq!(store.lap(rows[1].id + 1_000).await.expect("lap"), None);

    // One oracle, two paths: the original frames and the codec's decoding of the rows we wrote.
    for (row, range) in rows.iter().zip([0..100, 100..200]) {
        let got = store.lap_frames(row).await.expect("lap frames");
        assert_bit_exact(&got, &all[range.clone()]);
        let want = decode_rows(batch.chunks.iter().filter(|c| c.lap_number == Some(row.lap_number)));
        assert_bit_exact(&got, &want);
    }
    assert_bit_exact(&store.session_frames(s.id).await.expect("session frames"), &all);
    assert_bit_exact(&store.session_frames(s.id).await.expect("session frames"), &decode_rows(&batch.chunks));

    // Chunk by chunk with one channel: every chunk once, in order, with only that channel decoded.
    let speed = racecraft_core::Channel::Speed;
    let (mut seen, mut calls) = (Vec::new(), 0);
    store
        .each_session_chunk(s.id, 1 << speed.index(), |frames| {
            calls += 1;
            seen.extend_from_slice(frames);
        })
        .await
        .expect("chunks");
    assert_eq!(calls, batch.chunks.len(), "one call per chunk");
    let only_speed: Vec<Frame> = all
        .iter()
        .map(|f| {
            let mut g = Frame::new(f.t_us);
            if let Some(v) = f.get(speed) {
                g.set(speed, v);
            }
            g
        })
        .collect();
    assert!(all.iter().any(|f| f.present_mask() != 1 << speed.index()), "the frames have other channels to leave out");
    assert_bit_exact(&seen, &only_speed);

    let summary = store.session(s.id).await.expect("query").expect("exists");
    assert_eq!((summary.lap_count, summary.best_lap_s, summary.frame_count), (2, Some(79.25), 250));
}

async fn replaying_a_batch_is_harmless(db: TestDb) {
    let store = &db.store;
    let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
    let all = frames(0, 120, 100);
    let first = batch(s.id, 0, &all, &[lap(1, 80.0, true)]);
    store.write(&first).await.expect("write");
    store.write(&first).await.expect("replay");

    // A replay whose rows differ (a resend cut differently, a recomputed lap) keeps what is stored.
    let mut other = batch(s.id, 0, &all[..40], &[lap(1, 99.0, true)]);
    other.chunks[0].data = racecraft_codec::chunk::encode(&frames(500, 40, 100));
    store.write(&other).await.expect("conflicting replay");

    assert_bit_exact(&store.session_frames(s.id).await.expect("frames"), &all);
    let laps = store.laps(s.id).await.expect("laps");
    assert_eq!(laps.len(), 1);
    assert_eq!(laps[0].lap_time_s, 80.0);

    // Rows of a session deleted meanwhile are skipped, not an error that would block a spool forever.
    let gone = store.create_session(&meta("Spa", 0), None).await.expect("create");
    assert!(store.delete_session(gone.id).await.expect("delete"));
    store.write(&batch(gone.id, 0, &all, &[lap(1, 80.0, true)])).await.expect("write for deleted session");
    assert!(store.session_frames(gone.id).await.expect("frames").is_empty());
    assert!(store.laps(gone.id).await.expect("laps").is_empty());
    store.write(&WriteBatch::default()).await.expect("empty batch");
}

async fn delete_cascades_to_laps_and_chunks(db: TestDb) {
    let store = &db.store;
    let a = store.create_session(&meta("Monza", 0), None).await.expect("create");
    let b = store.create_session(&meta("Spa", 0), None).await.expect("create");
    let all = frames(0, 150, 100);
    for s in [&a, &b] {
        store.write(&batch(s.id, 0, &all, &[lap(1, 80.0, true)])).await.expect("write");
    }
    let a_lap = store.laps(a.id).await.expect("laps")[0].clone();
    assert!(store.delete_session(a.id).await.expect("delete"));

    assert!(store.laps(a.id).await.expect("laps").is_empty());
    assert_eq!(store.lap(a_lap.id).await.expect("lap"), None);
    assert!(store.lap_frames(&a_lap).await.expect("frames").is_empty());
    assert!(store.session_frames(a.id).await.expect("frames").is_empty());
    assert_eq!(store.next_seq(a.id).await.expect("next_seq"), 0);
    // The other session is untouched.
    assert_eq!(store.laps(b.id).await.expect("laps").len(), 1);
    assert_bit_exact(&store.session_frames(b.id).await.expect("frames"), &all);
}

async fn next_seq_follows_the_last_chunk(db: TestDb) {
    let store = &db.store;
    let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
    assert_eq!(store.next_seq(s.id).await.expect("next_seq"), 0);
    store.write(&batch(s.id, 0, &frames(0, 100, 1000), &[])).await.expect("write");
    assert_eq!(store.next_seq(s.id).await.expect("next_seq"), 100);
    // After a gap, the end of the newest chunk counts.
    let later = chunk_rows(s.id, 200, &frames(200, 10, 1000), 40);
    store.write(&WriteBatch { chunks: later, ..WriteBatch::default() }).await.expect("write");
    assert_eq!(store.next_seq(s.id).await.expect("next_seq"), 210);
    assert_eq!(store.session(s.id).await.expect("query").expect("exists").frame_count, 110);
}

async fn reconnecting_reruns_migrations_harmlessly(db: TestDb) {
    let s = db.store.create_session(&meta("Monza", 0), None).await.expect("create");
    db.store.write(&batch(s.id, 0, &frames(0, 50, 100), &[])).await.expect("write");
    for _ in 0..2 {
        let again = Store::connect(&db.url).await.expect("reconnect");
        again.ping().await.expect("ping");
        assert_eq!(again.backend(), db.store.backend());
        assert_eq!(again.session(s.id).await.expect("query").expect("exists").frame_count, 50);
        again.close().await;
    }
    db.store.write(&batch(s.id, 50, &frames(50, 10, 100), &[])).await.expect("write after reconnect");
    assert_eq!(db.store.next_seq(s.id).await.expect("next_seq"), 60);
}

#[tokio::test]
async fn backend_follows_the_url() {
    let db = crate::common::sqlite_db().await;
    assert_eq!(db.store.backend(), Backend::Sqlite);
    assert_eq!(db.store.backend().to_string(), "sqlite");
    let memory = Store::connect("sqlite::memory:").await.expect("in-memory");
    let s = memory.create_session(&meta("Monza", 0), None).await.expect("create");
    assert_eq!(memory.session(s.id).await.expect("query").map(|s| s.id), Some(s.id));
    assert!(matches!(Store::connect("mysql://localhost/x").await, Err(racecraft_store::Error::UnsupportedUrl { .. })));
}

#[test]
fn rows_serialize_as_the_protocol_says() {
    let session = Session {
        id: 7,
        name: "Monza · GT3".to_owned(),
        game: "sim".to_owned(),
        car: "GT3".to_owned(),
        track: "Monza".to_owned(),
        driver: "D".to_owned(),
        started_at_ms: 1_763_700_000_000,
        ended_at_ms: None,
        archived: false,
        lap_count: 3,
        best_lap_s: Some(85.1),
        frame_count: 12_345,
        team_id: Some(2),
        driver_user_id: Some(5),
        visibility: racecraft_core::Visibility::Private,
        team: "Apex".to_owned(),
        car_number: "7".to_owned(),
    };
    assert_eq!(
        serde_json::to_value(&session).expect("json"),
        serde_json::json!({"id":7,"name":"Monza · GT3","game":"sim","car":"GT3","track":"Monza","driver":"D",
            "started_at_ms":1_763_700_000_000_i64,"ended_at_ms":null,"archived":false,"lap_count":3,
            "best_lap_s":85.1,"frame_count":12345,"team_id":2,"driver_user_id":5,"visibility":"private",
            "team":"Apex","car_number":"7"})
    );
}

/// One codec, one oracle over every path: the same frames come back bit-exact from a recording file, from
/// SQLite chunks and from PostgreSQL chunks (simulated 333 Hz data, all channels, plus awkward bit patterns).
#[tokio::test]
async fn recording_sqlite_and_postgres_return_the_same_bits() {
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Spa").expect("track"),
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, seed: 9, ..Default::default() },
    )
    .expect("sim");
    let mut want: Vec<racecraft_core::Frame> = sim.frames().take(5000).collect();
    // Values a lossy or float-arithmetic codec would alter: subnormals, -0.0, extremes, and a missing channel.
    want[10].set(racecraft_core::Channel::Fuel, f32::from_bits(1));
    want[11].set(racecraft_core::Channel::Fuel, -0.0);
    want[12].set(racecraft_core::Channel::Fuel, f32::MAX);
    want[13].clear(racecraft_core::Channel::Rpm);

    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("oracle.rcr");
    let mut writer = racecraft_record::RecordingWriter::create(&path, &meta("Spa", 0)).expect("create");
    for f in &want {
        writer.push(*f).expect("push");
    }
    writer.finish().expect("finish");
    let from_file = racecraft_record::read_all(&path).expect("read").frames;
    assert_bit_exact(&from_file, &want);

    for db in [crate::common::sqlite_db().await, crate::common::pg_db().await] {
        let s = db.store.create_session(&meta("Spa", 0), None).await.expect("create");
        db.store.write(&batch(s.id, 0, &want, &[])).await.expect("write");
        let from_db = db.store.session_frames(s.id).await.expect("frames");
        assert_bit_exact(&from_db, &want);
        assert_bit_exact(&from_db, &from_file);
    }
}

fn offline_session(id: i64) -> NewSession {
    NewSession { id, name: "offline".to_owned(), meta: meta("Monza", 1_000), created_at_ms: 1_500, owner: None }
}

async fn a_session_created_offline_is_written_ahead_of_its_chunks_and_ended_after_them(db: TestDb) {
    let store = &db.store;
    let id = OFFLINE_SESSION_ID_BASE + 1_763_700_000_000 * 1024;
    let all = frames(0, 250, 100);
    let mut b = batch(id, 0, &all, &[lap(1, 85.0, true), lap(2, 84.0, true)]);
    b.sessions.push(offline_session(id));
    b.ends.push(SessionEnd { session_id: id, ended_at_ms: 9_000 });
    store.write(&b).await.expect("write");
    // The spool may hand the same batch over again after a crash: nothing changes.
    store.write(&b).await.expect("replay");

    let s = store.session(id).await.expect("query").expect("the row was created");
    assert_eq!((s.id, s.name.as_str(), s.meta()), (id, "offline", meta("Monza", 1_000)));
    assert_eq!((s.ended_at_ms, s.frame_count, s.lap_count, s.best_lap_s), (Some(9_000), 250, 2, Some(84.0)));
    assert_bit_exact(&store.session_frames(id).await.expect("frames"), &all);
    assert_eq!(store.sessions(false).await.expect("list").len(), 1);
}

async fn database_ids_stay_below_the_offline_range_and_are_never_reused(db: TestDb) {
    let store = &db.store;
    let a = store.create_session(&meta("Monza", 0), None).await.expect("create");
    let b = store.create_session(&meta("Spa", 0), None).await.expect("create");
    let offline = OFFLINE_SESSION_ID_BASE + 5;
    store
        .write(&WriteBatch { sessions: vec![offline_session(offline)], ..WriteBatch::default() })
        .await
        .expect("write");
    // The database's next id follows its own, not the offline row's.
    let c = store.create_session(&meta("Imola", 0), None).await.expect("create");
    assert_eq!((b.id, c.id), (a.id + 1, a.id + 2));
    // ...and a deleted session's id is not handed out again, offline rows or not.
    assert!(store.delete_session(c.id).await.expect("delete"));
    store
        .write(&WriteBatch { sessions: vec![offline_session(offline + 1)], ..WriteBatch::default() })
        .await
        .expect("write");
    let d = store.create_session(&meta("Imola", 0), None).await.expect("create");
    assert_eq!(d.id, c.id + 1);
    let ids: Vec<i64> = store.sessions(false).await.expect("list").iter().map(|s| s.id).collect();
    assert_eq!(ids.len(), 5, "{ids:?}");
}

async fn the_entry_an_agent_names_is_stored_with_the_session(db: TestDb) {
    let store = &db.store;
    let entered =
        racecraft_core::SessionMeta { team: "Apex Racing".into(), car_number: "7".into(), ..meta("Spa", 1_000) };
    let online = store.create_session(&entered, None).await.expect("create");
    assert_eq!((online.team.as_str(), online.car_number.as_str()), ("Apex Racing", "7"));
    assert_eq!(store.session(online.id).await.expect("query").expect("row").meta(), entered);

    // A session created while the database was away keeps its entry too.
    let id = OFFLINE_SESSION_ID_BASE + 9;
    let offline = NewSession {
        meta: racecraft_core::SessionMeta { car_number: "12".into(), ..entered.clone() },
        ..offline_session(id)
    };
    store.write(&WriteBatch { sessions: vec![offline.clone()], ..WriteBatch::default() }).await.expect("write");
    let row = store.session(id).await.expect("query").expect("row");
    assert_eq!((row.team.as_str(), row.car_number.as_str()), ("Apex Racing", "12"));
    assert_eq!(row.meta(), offline.meta);

    // The pit wall's query: sessions with a car number, running or ended recently, not archived.
    let plain = store.create_session(&meta("Spa", 2_000), None).await.expect("create");
    let ids = |list: Vec<Session>| list.into_iter().map(|s| s.id).collect::<Vec<_>>();
    assert_eq!(ids(store.car_sessions(0).await.expect("cars")), vec![id, online.id], "newest first, no plain session");
    assert!(store.end_session(online.id, 5_000).await.expect("end"));
    assert_eq!(ids(store.car_sessions(5_000).await.expect("cars")), vec![id, online.id], "ended at the limit");
    assert_eq!(ids(store.car_sessions(5_001).await.expect("cars")), vec![id], "ended before: gone; running: kept");
    store.update_session(id, None, Some(true)).await.expect("archive");
    assert_eq!(ids(store.car_sessions(0).await.expect("cars")), vec![online.id]);
    assert!(store.session(plain.id).await.expect("query").is_some());
}

async fn lap_edges_are_the_first_frame_of_each_lap_and_the_last_frame(db: TestDb) {
    let store = &db.store;
    let s = store.create_session(&meta("Monza", 0), None).await.expect("create");
    assert_eq!(store.lap_edges(s.id, u64::MAX).await.expect("edges"), racecraft_store::LapEdges::default());
    // 250 frames, 100 a lap, in chunks of at most 40 cut at lap changes: laps 1, 2 and 3 start at 0, 100, 200.
    let all = frames(0, 250, 100);
    store.write(&batch(s.id, 0, &all, &[])).await.expect("write");
    let edges = store.lap_edges(s.id, u64::MAX).await.expect("edges");
    let laps: Vec<u32> = edges.lap_starts.iter().map(|(lap, _)| *lap).collect();
    assert_eq!(laps, [1, 2, 3]);
    for ((_, got), want) in edges.lap_starts.iter().zip([&all[0], &all[100], &all[200]]) {
        assert_bit_exact(std::slice::from_ref(got), std::slice::from_ref(want));
    }
    assert_bit_exact(&[edges.last.expect("a last frame")], &all[249..]);
    // Only the channels asked for.
    let mask = 1u64 << racecraft_core::Channel::Lap.index();
    let edges = store.lap_edges(s.id, mask).await.expect("edges");
    assert!(edges.lap_starts.iter().all(|(lap, f)| f.present_mask() == mask && f.lap() == Some(*lap)));
}
