//! Shared fixtures: deterministic frames, encoded batches, and a store per backend.

use racecraft_codec::chunk;
use racecraft_core::{CHANNEL_COUNT, Channel, CompletedLap, Frame, SessionMeta};
use racecraft_store::{ChunkRow, NewLap, Store, StoreConfig, WriteBatch};
use racecraft_testkit::PgDatabase;

/// A store plus whatever keeps its database alive.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _pg: Option<PgDatabase>,
}

pub async fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    // A nested path: connect creates the missing directories.
    let url = format!("sqlite://{}/nested/dir/racecraft.db", dir.path().display());
    let store = Store::connect(&url).await.expect("connect sqlite");
    TestDb { store, url, _dir: Some(dir), _pg: None }
}

pub async fn pg_db() -> TestDb {
    let db = PgDatabase::create().await;
    let url = db.url().to_owned();
    let store = Store::connect_with(&url, &StoreConfig::default()).await.expect("connect postgres");
    TestDb { store, url, _dir: None, _pg: Some(db) }
}

/// Generates `#[tokio::test]`s running each listed `async fn(TestDb)` once per backend.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::sqlite_db().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::pg_db().await).await;
                }
            )*
        }
    };
}

pub fn meta(track: &str, started_at_ms: i64) -> SessionMeta {
    SessionMeta {
        game: "sim".to_owned(),
        car: "Ferrari 488 GT3".to_owned(),
        track: track.to_owned(),
        driver: "Test Driver".to_owned(),
        started_at_ms,
        ..Default::default()
    }
}

/// Frames `first_seq .. first_seq + n` of a deterministic drive: `per_lap` frames per lap, laps numbered
/// from 1, a channel that comes and goes, and values whose low mantissa bits all matter.
pub fn frames(first_seq: u64, n: usize, per_lap: u64) -> Vec<Frame> {
    (first_seq..first_seq + n as u64)
        .map(|seq| {
            let x = seq as f32 * 0.013;
            let mut f = Frame::new(seq as i64 * 16_667)
                .with(Channel::Speed, 50.0 + 20.0 * x.sin())
                .with(Channel::Rpm, 6000.0 + 1500.0 * (0.7 * x).cos())
                .with(Channel::Throttle, 0.5 + 0.5 * (1.3 * x).sin())
                .with(Channel::Steer, -0.1 * (0.4 * x).sin())
                .with(Channel::Lap, (1 + seq / per_lap) as f32)
                .with(Channel::LapTime, (seq % per_lap) as f32 * 0.016_667);
            if seq % 3 == 0 {
                f.set(Channel::Fuel, 40.0 - x * 0.01);
            }
            f
        })
        .collect()
}

/// Splits consecutive frames (starting at `first_seq`) into chunks at lap changes and every `max` frames,
/// encoded with the codec, as the writer does.
pub fn chunk_rows(session_id: i64, first_seq: u64, frames: &[Frame], max: usize) -> Vec<ChunkRow> {
    let mut rows = Vec::new();
    let mut start = 0;
    while start < frames.len() {
        let lap = frames[start].lap();
        let mut end = start + 1;
        while end < frames.len() && end - start < max && frames[end].lap() == lap {
            end += 1;
        }
        let part = &frames[start..end];
        rows.push(ChunkRow {
            session_id,
            lap_number: lap,
            first_seq: first_seq + start as u64,
            frame_count: part.len() as u32,
            t_start_us: part[0].t_us,
            t_end_us: part[part.len() - 1].t_us,
            data: chunk::encode(part),
        });
        start = end;
    }
    rows
}

pub fn lap(lap_number: u32, lap_time_s: f64, valid: bool) -> CompletedLap {
    let start_t_us = i64::from(lap_number) * 90_000_000;
    CompletedLap {
        lap_number,
        lap_time_s,
        sectors_s: vec![lap_time_s * 0.3, lap_time_s * 0.3, lap_time_s * 0.4],
        start_t_us,
        end_t_us: start_t_us + (lap_time_s * 1e6) as i64,
        frame_count: 100,
        valid,
        out_lap: !valid,
        pit: false,
    }
}

pub fn batch(session_id: i64, first_seq: u64, frames: &[Frame], laps: &[CompletedLap]) -> WriteBatch {
    WriteBatch {
        chunks: chunk_rows(session_id, first_seq, frames, 40),
        laps: laps.iter().map(|l| NewLap { session_id, lap: l.clone() }).collect(),
        ..WriteBatch::default()
    }
}

/// Frames equal bit for bit: time, presence mask and every value slot.
#[track_caller]
pub fn assert_bit_exact(got: &[Frame], want: &[Frame]) {
    assert_eq!(got.len(), want.len(), "frame count");
    for (i, (a, b)) in got.iter().zip(want).enumerate() {
        assert_eq!(a.t_us, b.t_us, "t_us of frame {i}");
        assert_eq!(a.present_mask(), b.present_mask(), "presence of frame {i}");
        for c in 0..CHANNEL_COUNT {
            assert_eq!(a.value_at(c).to_bits(), b.value_at(c).to_bits(), "channel {c} of frame {i}");
        }
    }
}

/// The frames of some chunk rows decoded with the codec: the oracle for what the store must return.
pub fn decode_rows<'a>(rows: impl IntoIterator<Item = &'a ChunkRow>) -> Vec<Frame> {
    let mut out = Vec::new();
    for row in rows {
        chunk::decode_into(&row.data, &mut out).expect("decodes");
    }
    out
}
