//! B6, storage write: sustained frames/s into SQLite and into PostgreSQL through `racecraft_store`, shaped as
//! the server writes (one-second LZ4 chunks, several per transaction), against the disk measured in the same
//! run in the same directory: the fdatasync latency of a 4 KiB append and the sequential write bandwidth.

use std::io::Write;
use std::time::{Duration, Instant};

use racecraft_codec::chunk::{ChunkEncoder, Compression};
use racecraft_core::{Frame, SessionMeta};
use racecraft_store::{ChunkRow, Store, WriteBatch};
use serde::Serialize;

use crate::{Error, Result, Scale, percentile};

/// Sessions (cars) per transaction, one one-second chunk each: 10 cars at 333 Hz per commit.
const CARS: usize = 10;

/// The disk under the temporary directory, measured in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct DiskReport {
    /// fdatasync after a 4 KiB append, median, µs.
    pub fdatasync_p50_us: f64,
    /// fdatasync after a 4 KiB append, 99th percentile, µs.
    pub fdatasync_p99_us: f64,
    /// Sequential write of `seq_bytes` in 1 MiB writes, then fdatasync, MB/s.
    pub seq_write_mbps: f64,
    /// Bytes written for the sequential figure.
    pub seq_bytes: u64,
}

/// One backend's sustained write.
#[derive(Debug, Clone, Serialize)]
pub struct StoreWriteReport {
    /// `sqlite` or `postgres`.
    pub backend: String,
    /// Why the backend was not measured (PostgreSQL not reachable), else `None`.
    pub skipped: Option<String>,
    /// Seconds of writing.
    pub seconds: f64,
    /// Frames made durable.
    pub frames: u64,
    /// Frames per second sustained (encoding included).
    pub frames_per_s: f64,
    /// Transactions committed.
    pub commits: usize,
    /// Commit (one `Store::write`) latency, median, ms.
    pub commit_p50_ms: f64,
    /// Commit latency, 99th percentile, ms.
    pub commit_p99_ms: f64,
    /// Stored chunk bytes per frame.
    pub bytes_per_frame: f64,
}

/// Measures fdatasync latency and sequential write bandwidth in `dir`.
pub fn disk(dir: &std::path::Path, scale: Scale) -> Result<DiskReport> {
    let n = scale.pick(500, 20);
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("fdatasync.bin"))?;
    let block = [0x5au8; 4096];
    let mut lat = Vec::with_capacity(n);
    for _ in 0..n {
        let start = Instant::now();
        f.write_all(&block)?;
        f.sync_data()?;
        lat.push(start.elapsed().as_secs_f64() * 1e6);
    }
    lat.sort_by(f64::total_cmp);
    let mib = scale.pick(256, 4);
    let path = dir.join("sequential.bin");
    let mut f = std::fs::File::create(&path)?;
    let chunk = vec![0xa5u8; 1 << 20];
    let start = Instant::now();
    for _ in 0..mib {
        f.write_all(&chunk)?;
    }
    f.sync_data()?;
    let secs = start.elapsed().as_secs_f64();
    drop(f);
    std::fs::remove_file(&path)?;
    let seq_bytes = (mib as u64) << 20;
    Ok(DiskReport {
        fdatasync_p50_us: percentile(&lat, 50.0),
        fdatasync_p99_us: percentile(&lat, 99.0),
        seq_write_mbps: seq_bytes as f64 / secs / 1e6,
        seq_bytes,
    })
}

fn failed(e: impl std::fmt::Display) -> Error {
    Error::Failed(e.to_string())
}

/// Writes for `seconds` into the store at `url`: each transaction holds one second of 333 Hz frames for each of
/// [`CARS`] sessions, encoded as the server's writer encodes them.
pub async fn store_write(backend: &str, url: &str, scale: Scale) -> Result<StoreWriteReport> {
    let seconds = scale.pick(60, 1) as f64;
    let store = Store::connect(url).await.map_err(failed)?;
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, ..Default::default() },
    )?;
    let samples: Vec<Frame> = sim.frames().collect();
    let mut sessions = Vec::new();
    for car in 0..CARS {
        let meta = SessionMeta { game: "bench".into(), track: "Monza".into(), ..SessionMeta::default() };
        sessions.push(store.create_session(&meta, Some(&format!("bench car {car}"))).await.map_err(failed)?.id);
    }
    let mut encoder = ChunkEncoder::new();
    let mut seq = 0u64;
    let mut lat = Vec::new();
    let (mut frames, mut bytes) = (0u64, 0u64);
    let mut second = vec![Frame::new(0); 333];
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs_f64(seconds) {
        let mut batch = WriteBatch::default();
        for (k, f) in second.iter_mut().enumerate() {
            *f = samples[(seq as usize + k) % samples.len()];
            f.t_us = (seq + k as u64) as i64 * 3003;
        }
        for &session_id in &sessions {
            let mut data = Vec::new();
            encoder.encode(&second, Compression::Lz4, &mut data);
            bytes += data.len() as u64;
            batch.chunks.push(ChunkRow {
                session_id,
                lap_number: None,
                first_seq: seq,
                frame_count: second.len() as u32,
                t_start_us: second[0].t_us,
                t_end_us: second[second.len() - 1].t_us,
                data,
            });
        }
        let t = Instant::now();
        store.write(&batch).await.map_err(failed)?;
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        frames += batch.frame_count();
        seq += second.len() as u64;
    }
    let elapsed = start.elapsed().as_secs_f64();
    store.close().await;
    lat.sort_by(f64::total_cmp);
    Ok(StoreWriteReport {
        backend: backend.to_string(),
        skipped: None,
        seconds: elapsed,
        frames,
        frames_per_s: frames as f64 / elapsed,
        commits: lat.len(),
        commit_p50_ms: percentile(&lat, 50.0),
        commit_p99_ms: percentile(&lat, 99.0),
        bytes_per_frame: bytes as f64 / frames.max(1) as f64,
    })
}

/// B6 on SQLite in `dir`.
pub async fn store_write_sqlite(dir: &std::path::Path, scale: Scale) -> Result<StoreWriteReport> {
    store_write("sqlite", &format!("sqlite://{}", dir.join("bench.db").display()), scale).await
}

/// B6 on a throwaway database of the PostgreSQL server at `admin_url` (created and dropped here). An
/// unreachable server is a skipped row, not an error.
pub async fn store_write_postgres(admin_url: &str, scale: Scale) -> Result<StoreWriteReport> {
    let db = match racecraft_services::PgDatabase::create(admin_url).await {
        Ok(db) => db,
        Err(e) => {
            return Ok(StoreWriteReport {
                backend: "postgres".into(),
                skipped: Some(format!("PostgreSQL not reachable: {e}")),
                seconds: 0.0,
                frames: 0,
                frames_per_s: 0.0,
                commits: 0,
                commit_p50_ms: 0.0,
                commit_p99_ms: 0.0,
                bytes_per_frame: 0.0,
            });
        }
    };
    let r = store_write("postgres", db.url(), scale).await;
    drop(db);
    r
}

/// B6 in full: the disk reference, then SQLite, then PostgreSQL, all in one temporary directory.
#[derive(Debug, Clone, Serialize)]
pub struct StorageWriteReport {
    /// The disk under the temporary directory.
    pub disk: DiskReport,
    /// SQLite in that directory.
    pub sqlite: StoreWriteReport,
    /// A throwaway database on the PostgreSQL server.
    pub postgres: StoreWriteReport,
}

/// Runs B6 against the PostgreSQL server at `pg_admin_url` (skipped if unreachable).
pub async fn storage_write(pg_admin_url: &str, scale: Scale) -> Result<StorageWriteReport> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().to_path_buf();
    let disk = tokio::task::spawn_blocking(move || disk(&path, scale)).await.map_err(failed)??;
    let sqlite = store_write_sqlite(dir.path(), scale).await?;
    let postgres = store_write_postgres(pg_admin_url, scale).await?;
    Ok(StorageWriteReport { disk, sqlite, postgres })
}
