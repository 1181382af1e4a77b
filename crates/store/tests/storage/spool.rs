//! Spool: durability framing, torn tails, corruption, and replay into the store.

use std::path::Path;

use racecraft_store::{Error, Spool, WriteBatch};

use crate::common::{TestDb, assert_bit_exact, batch, frames, lap, meta, sqlite_db};

/// Three batches of one session, and the frames they hold. The last two records are short (a few hundred
/// bytes) because the torn-tail and bit-flip tests reopen the spool once per byte of them.
fn three_batches(session_id: i64) -> (Vec<WriteBatch>, Vec<racecraft_core::Frame>) {
    let all = frames(0, 122, 100);
    let batches = vec![
        batch(session_id, 0, &all[..100], &[]),
        batch(session_id, 100, &all[100..110], &[lap(1, 80.0, true)]),
        batch(session_id, 110, &all[110..], &[lap(2, 79.0, true)]),
    ];
    (batches, all)
}

async fn spool_with(dir: &Path, batches: &[WriteBatch]) -> (Spool, Vec<u64>) {
    let spool = Spool::open(dir).await.expect("open");
    let mut ends = Vec::new();
    for b in batches {
        spool.append(b).await.expect("append");
        ends.push(std::fs::metadata(spool.path()).expect("stat").len());
    }
    (spool, ends)
}

async fn session(db: &TestDb) -> i64 {
    db.store.create_session(&meta("Monza", 0), None).await.expect("create").id
}

#[tokio::test]
async fn append_then_drain_writes_everything_in_order_and_empties_the_file() {
    let db = sqlite_db().await;
    let id = session(&db).await;
    let (batches, all) = three_batches(id);
    let dir = tempfile::tempdir().expect("dir");
    let (spool, _) = spool_with(&dir.path().join("spool"), &batches).await;

    assert_eq!(spool.pending_batches(), 3);
    assert_eq!(spool.next_seq(id), 122);
    assert_eq!(spool.next_seq(id + 1), 0);
    assert_eq!(spool.read_batches().await.expect("read"), batches);

    assert_eq!(spool.drain(&db.store).await.expect("drain"), 3);
    assert_eq!(spool.pending_batches(), 0);
    assert_eq!(std::fs::metadata(spool.path()).expect("stat").len(), 0);
    assert_bit_exact(&db.store.session_frames(id).await.expect("frames"), &all);
    assert_eq!(db.store.laps(id).await.expect("laps").len(), 2);
    assert_eq!(spool.drain(&db.store).await.expect("drain again"), 0);
    // Still knows where the session's spooled frames ended.
    assert_eq!(spool.next_seq(id), 122);
}

#[tokio::test]
async fn reopening_keeps_pending_batches() {
    let dir = tempfile::tempdir().expect("dir");
    let (batches, _) = three_batches(5);
    drop(spool_with(dir.path(), &batches[..2]).await);
    let spool = Spool::open(dir.path()).await.expect("reopen");
    assert_eq!(spool.pending_batches(), 2);
    assert_eq!(spool.next_seq(5), 110);
    spool.append(&batches[2]).await.expect("append after reopen");
    assert_eq!(spool.read_batches().await.expect("read"), batches);
}

#[tokio::test]
async fn a_torn_last_record_at_any_byte_keeps_all_complete_records() {
    let work = tempfile::tempdir().expect("dir");
    let (batches, _) = three_batches(5);
    let (spool, ends) = spool_with(&work.path().join("full"), &batches).await;
    let bytes = std::fs::read(spool.path()).expect("read");
    drop(spool);

    for cut in ends[1]..ends[2] {
        let dir = work.path().join(format!("cut{cut}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("spool.log"), &bytes[..cut as usize]).expect("write");
        let spool = Spool::open(&dir).await.expect("open torn spool");
        assert_eq!(spool.pending_batches(), 2, "cut at byte {cut}");
        assert_eq!(spool.read_batches().await.expect("read"), batches[..2], "cut at byte {cut}");
        // The torn bytes are gone, so a new record follows the complete ones directly.
        assert_eq!(std::fs::metadata(spool.path()).expect("stat").len(), ends[1], "cut at byte {cut}");
        if cut == ends[1] + 1 || cut == ends[2] - 1 {
            spool.append(&batches[2]).await.expect("append");
            assert_eq!(spool.read_batches().await.expect("read"), batches);
        }
        drop(spool);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[tokio::test]
async fn a_flipped_bit_is_detected_and_what_follows_is_discarded() {
    let work = tempfile::tempdir().expect("dir");
    let (batches, _) = three_batches(5);
    let (spool, ends) = spool_with(&work.path().join("full"), &batches).await;
    let bytes = std::fs::read(spool.path()).expect("read");
    drop(spool);

    // Every byte of the second record, one bit each (cycling through the bit positions).
    for at in ends[0]..ends[1] {
        let mut flipped = bytes.clone();
        flipped[at as usize] ^= 1 << (at % 8);
        let dir = work.path().join(format!("flip{at}"));
        std::fs::create_dir_all(&dir).expect("mkdir");
        std::fs::write(dir.join("spool.log"), &flipped).expect("write");
        let spool = Spool::open(&dir).await.expect("open corrupt spool");
        assert_eq!(spool.read_batches().await.expect("read"), batches[..1], "flip at byte {at}");
        drop(spool);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}

#[tokio::test]
async fn corruption_found_while_draining_keeps_the_records_before_it() {
    let db = sqlite_db().await;
    let id = session(&db).await;
    let (batches, all) = three_batches(id);
    let dir = tempfile::tempdir().expect("dir");
    let (spool, ends) = spool_with(dir.path(), &batches).await;
    // The disk goes bad under an open spool: a bit flips in the last record's payload.
    let mut bytes = std::fs::read(spool.path()).expect("read");
    bytes[ends[1] as usize + 20] ^= 0x10;
    std::fs::write(spool.path(), &bytes).expect("write");

    assert_eq!(spool.drain(&db.store).await.expect("drain"), 2);
    assert_eq!(spool.pending_batches(), 0);
    assert_eq!(std::fs::metadata(spool.path()).expect("stat").len(), 0);
    assert_bit_exact(&db.store.session_frames(id).await.expect("frames"), &all[..110]);
    // What was cut off is kept aside, not silently dropped.
    let kept: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("spool.log.corrupt-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(std::fs::read(kept[0].path()).expect("read"), bytes[ends[1] as usize..]);
}

/// Regression (disk full): an append that fails part way leaves no torn bytes, so later appends after
/// space returns are all read back, after a reopen too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_append_that_fails_on_a_full_disk_leaves_no_torn_record() {
    let disk = racecraft_testkit::Tmpfs::mount(1 << 20)
        .unwrap_or_else(|e| panic!("this test needs a tmpfs to fill (run as root or with CAP_SYS_ADMIN): {e}"));
    let (batches, _) = three_batches(5);
    let spool = Spool::open(disk.path()).await.expect("open");
    spool.append(&batches[0]).await.expect("append");
    let good_len = std::fs::metadata(spool.path()).expect("stat").len();
    disk.fill().expect("fill");
    // A record bigger than what is left in the last page: the write fails part way.
    let big = crate::common::batch(5, 1000, &frames(1000, 20_000, 1_000_000), &[]);
    assert!(matches!(spool.append(&big).await, Err(Error::Io { .. })));
    assert_eq!(std::fs::metadata(spool.path()).expect("stat").len(), good_len, "the failed append was cut off");
    assert_eq!(spool.pending_batches(), 1);
    disk.free().expect("free");
    spool.append(&batches[1]).await.expect("append after space returns");
    spool.append(&batches[2]).await.expect("append after space returns");
    assert_eq!(spool.read_batches().await.expect("read"), batches);
    drop(spool);
    let reopened = Spool::open(disk.path()).await.expect("reopen");
    assert_eq!(reopened.read_batches().await.expect("read"), batches);
    drop((reopened, disk));
}

#[tokio::test]
async fn a_store_error_keeps_what_is_left() {
    let db = sqlite_db().await;
    let id = session(&db).await;
    let (batches, all) = three_batches(id);
    let dir = tempfile::tempdir().expect("dir");
    let (spool, _) = spool_with(dir.path(), &batches).await;
    db.store.close().await;
    assert!(matches!(spool.drain(&db.store).await, Err(Error::Database(_))));
    assert_eq!(spool.pending_batches(), 3);

    let store = racecraft_store::Store::connect(&db.url).await.expect("reconnect");
    assert_eq!(spool.drain(&store).await.expect("drain"), 3);
    assert_bit_exact(&store.session_frames(id).await.expect("frames"), &all);
}

#[tokio::test]
async fn a_record_from_a_newer_version_is_an_error_and_left_alone() {
    let dir = tempfile::tempdir().expect("dir");
    // Version 4 (sessions with their owners and entries) is this build's newest; 5 is from the future.
    let payload = [5u8, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut record = b"RCSP".to_vec();
    record.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    record.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
    record.extend_from_slice(&payload);
    std::fs::write(dir.path().join("spool.log"), &record).expect("write");
    assert!(matches!(Spool::open(dir.path()).await, Err(Error::SpoolVersion { offset: 0, version: 5, .. })));
    assert_eq!(std::fs::read(dir.path().join("spool.log")).expect("read"), record);
}
