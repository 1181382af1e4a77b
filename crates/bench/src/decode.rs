//! B1, capture decode: each game's packet or page → a frame, in a loop on one core, against copying the same
//! bytes (the floor any decoder pays to look at them). F1 packets and the iRacing `.ibt` rows are the real
//! captures shipped in `crates/capture/tests/data`; the other games have no public capture, so their packets
//! are built by the emulator's encoders from simulated frames.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use racecraft_capture::assetto_corsa::{AcUdp, Game, PhysicsPage, decode_datagram};
use racecraft_capture::{f1, forza, iracing::IbtFile, outgauge};
use racecraft_core::Frame;
use serde::Serialize;

use crate::{Error, Result, Scale};

/// The capture test data shipped in a source checkout.
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../capture/tests/data");

/// One format's decode cost.
#[derive(Debug, Clone, Serialize)]
pub struct DecodeRow {
    /// Game and packet, with where the bytes came from.
    pub format: String,
    /// Distinct packets decoded in the loop.
    pub packets: usize,
    /// Average packet (or row) size, bytes.
    pub bytes: f64,
    /// Decode to a frame, ns per packet (fastest of the runs).
    pub decode_ns: f64,
    /// Copying the same bytes, ns per packet (fastest of the runs): the reference.
    pub memcpy_ns: f64,
}

/// B1: every format measured.
#[derive(Debug, Clone, Serialize)]
pub struct DecodeReport {
    /// One row per format.
    pub rows: Vec<DecodeRow>,
    /// Formats skipped, with why (their test data is not there, e.g. an installed binary).
    pub skipped: Vec<String>,
}

/// Nanoseconds per call of the fastest of `runs` timed loops of `iters` calls over `packets`.
fn ns_per(packets: &[Vec<u8>], iters: usize, runs: usize, mut f: impl FnMut(&[u8]) -> usize) -> f64 {
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        let start = Instant::now();
        let mut sum = 0usize;
        for i in 0..iters {
            sum = sum.wrapping_add(f(black_box(&packets[i % packets.len()])));
        }
        black_box(sum);
        best = best.min(start.elapsed().as_nanos() as f64 / iters as f64);
    }
    best
}

fn row(format: &str, packets: &[Vec<u8>], scale: Scale, decode: impl FnMut(&[u8]) -> usize) -> DecodeRow {
    let (iters, runs) = (scale.pick(200_000, 200), scale.pick(5, 1));
    let decode_ns = ns_per(packets, iters, runs, decode);
    let longest = packets.iter().map(Vec::len).max().unwrap_or(0);
    let mut buf = vec![0u8; longest];
    let memcpy_ns = ns_per(packets, iters, runs, |b| {
        buf[..b.len()].copy_from_slice(b);
        black_box(&buf);
        b.len()
    });
    DecodeRow {
        format: format.to_string(),
        packets: packets.len(),
        bytes: packets.iter().map(Vec::len).sum::<usize>() as f64 / packets.len().max(1) as f64,
        decode_ns,
        memcpy_ns,
    }
}

/// Every packet of kind `kind` (`carTelemetry`, `motion`) in a z0mt3c F1 capture (see its PROVENANCE.md).
fn f1_packets(path: &Path, kind: &str) -> Result<Vec<Vec<u8>>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| Error::Failed(e.to_string()))?;
        if v["packetID"] != kind {
            continue;
        }
        let raw = v["message"].get("data").unwrap_or(&v["message"]);
        let bytes: Option<Vec<u8>> =
            raw.as_array().map(|a| a.iter().filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok())).collect());
        out.extend(bytes);
    }
    Ok(out)
}

/// Runs B1.
pub fn capture_decode(scale: Scale) -> Result<DecodeReport> {
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    let data = Path::new(DATA);

    let mut telemetry = Vec::new();
    let mut motion = Vec::new();
    for year in ["2023", "2024"] {
        let path = data.join(format!("f1/{year}.jsonl"));
        if path.exists() {
            telemetry.extend(f1_packets(&path, "carTelemetry")?);
            motion.extend(f1_packets(&path, "motion")?);
        }
    }
    if telemetry.is_empty() || motion.is_empty() {
        skipped.push(format!("F1: no captures under {}", data.join("f1").display()));
    } else {
        let mut normalizer = f1::F1Normalizer::new(None);
        rows.push(row("F1 23/24 car telemetry (real capture) → frame", &telemetry, scale, |b| match f1::decode(b) {
            Ok(p) => normalizer.push(&p).map_or(1, |f| f.len()),
            Err(_) => 0,
        }));
        let mut normalizer = f1::F1Normalizer::new(None);
        rows.push(row("F1 23/24 motion (real capture) → frame state", &motion, scale, |b| match f1::decode(b) {
            Ok(p) => normalizer.push(&p).map_or(1, |f| f.len()),
            Err(_) => 0,
        }));
    }

    // The other games: packets the emulator builds from simulated frames, one per 333 Hz step of a few seconds.
    let sim = racecraft_sim::Simulation::new(
        racecraft_sim::Track::builtin("Monza")?,
        racecraft_sim::SimConfig { laps: 1, rate_hz: 333.0, ..Default::default() },
    )?;
    let frames: Vec<Frame> = sim.frames().step_by(7).take(512).collect();
    let pages: Vec<Vec<u8>> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| racecraft_emulator::ac_shm::physics_page(Game::AssettoCorsa, f, i as i32).encode())
        .collect();
    rows.push(row("Assetto Corsa physics page (encoder-made) → frame", &pages, scale, |b| {
        PhysicsPage::parse(b).map_or(0, |p| p.to_frame(0).len())
    }));
    let infos: Vec<Vec<u8>> =
        frames.iter().map(|f| racecraft_emulator::ac_udp::car_info(f).encode().to_vec()).collect();
    rows.push(row("Assetto Corsa UDP RTCarInfo (encoder-made) → frame", &infos, scale, |b| {
        match decode_datagram(b) {
            Ok(AcUdp::CarInfo(ci)) => ci.to_frame(0).len(),
            _ => 0,
        }
    }));
    let fz: Vec<Vec<u8>> = frames
        .iter()
        .enumerate()
        .map(|(i, f)| forza::Packet::from_frame(forza::Format::Fm2023Dash, f, i as u32).encode())
        .collect();
    rows.push(row("Forza Motorsport 2023 Dash (encoder-made) → frame", &fz, scale, |b| {
        forza::decode(b).ok().and_then(|p| p.to_frame(0)).map_or(0, |f| f.len())
    }));
    let og: Vec<Vec<u8>> =
        frames.iter().enumerate().map(|(i, f)| outgauge::OutGauge::from_frame(f, i as u32, Some(1)).encode()).collect();
    rows.push(row("OutGauge (encoder-made) → frame", &og, scale, |b| {
        outgauge::decode(b).map_or(0, |p| p.to_frame(0).len())
    }));

    // iRacing: every row of the real .ibt to a frame, against copying the same rows.
    let ibt_path = data.join("iracing/tsukuba_formulavee_4laps.ibt");
    if ibt_path.exists() {
        let ibt = IbtFile::open(&ibt_path).map_err(|e| Error::Failed(e.to_string()))?;
        let rows_n = ibt.record_count().max(1);
        let all: Vec<u8> = ibt.records().flat_map(|r| r.bytes.iter().copied()).collect();
        let runs = scale.pick(5, 1);
        let passes = scale.pick(20, 1);
        let mut decode_ns = f64::INFINITY;
        for _ in 0..runs {
            let start = Instant::now();
            for _ in 0..passes {
                black_box(black_box(&ibt).frames().map(|f| f.len()).sum::<usize>());
            }
            decode_ns = decode_ns.min(start.elapsed().as_nanos() as f64 / (passes * rows_n) as f64);
        }
        let mut buf = vec![0u8; all.len()];
        let mut memcpy_ns = f64::INFINITY;
        for _ in 0..runs {
            let start = Instant::now();
            for _ in 0..passes {
                buf.copy_from_slice(black_box(&all));
                black_box(&buf);
            }
            memcpy_ns = memcpy_ns.min(start.elapsed().as_nanos() as f64 / (passes * rows_n) as f64);
        }
        rows.push(DecodeRow {
            format: "iRacing .ibt row (real file) → frame".into(),
            packets: rows_n,
            bytes: all.len() as f64 / rows_n as f64,
            decode_ns,
            memcpy_ns,
        });
    } else {
        skipped.push(format!("iRacing: {} not found", ibt_path.display()));
    }
    Ok(DecodeReport { rows, skipped })
}
