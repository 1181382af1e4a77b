//! Decode throughput per format, one packet per iteration on one core, each beside a copy of the same bytes
//! (the floor any decoder pays to look at them). Criterion reports elements/s = packets/s (rows/s for `.ibt`).
//!
//! `cargo bench -p racecraft-capture --bench decode`; under `cargo test --benches` each runs once, so the
//! bench keeps compiling and working. F1 packets and the `.ibt` file are the real captures in `tests/data`; the
//! other games have no public capture, so their packets are built by the crates' own encoders.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use racecraft_capture::assetto_corsa::{AcUdp, PhysicsPage, decode_datagram, udp::RtCarInfo};
use racecraft_capture::iracing::IbtFile;
use racecraft_capture::{f1, forza, outgauge};
use racecraft_core::{Channel, Frame};
use std::hint::black_box;
use std::path::Path;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

/// The raw bytes of the first packet named `kind` in a z0mt3c capture (tests/data/f1/PROVENANCE.md).
fn f1_packet(kind: &str) -> Vec<u8> {
    let text = std::fs::read_to_string(data("f1/2024.jsonl")).expect("F1 capture");
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON line");
        if v["packetID"] == kind {
            let raw = v["message"].get("data").unwrap_or(&v["message"]);
            return raw
                .as_array()
                .expect("bytes")
                .iter()
                .map(|b| u8::try_from(b.as_u64().expect("byte")).expect("byte"))
                .collect();
        }
    }
    panic!("no {kind} packet in the capture");
}

fn sample_frame() -> Frame {
    Frame::new(0)
        .with(Channel::Speed, 55.0)
        .with(Channel::Rpm, 7200.0)
        .with(Channel::Gear, 4.0)
        .with(Channel::Throttle, 0.8)
        .with(Channel::Brake, 0.1)
        .with(Channel::PosX, 100.0)
        .with(Channel::PosY, -50.0)
        .with(Channel::PosZ, 3.0)
        .with(Channel::Lap, 2.0)
        .with(Channel::LapTime, 31.5)
}

/// One group per format: the decoder (bytes → frame where the format has one) and a memcpy of the same bytes.
fn pair(c: &mut Criterion, name: &str, bytes: &[u8], decode: impl Fn(&[u8]) -> usize) {
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(1));
    g.bench_function("decode", |b| b.iter(|| decode(black_box(bytes))));
    let mut buf = vec![0u8; bytes.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(bytes));
            black_box(&buf);
        })
    });
    g.finish();
}

fn formats(c: &mut Criterion) {
    let telemetry = f1_packet("carTelemetry");
    pair(c, "f1_car_telemetry_1352", &telemetry, |b| {
        let p = f1::decode(b).expect("telemetry");
        let mut n = f1::F1Normalizer::new(None);
        n.push(&p).map_or(0, |f| f.len())
    });
    let motion = f1_packet("motion");
    pair(c, "f1_motion_1349", &motion, |b| f1::decode(b).map_or(0, |p| p.header().packet_id as usize));

    let page = PhysicsPage::parse(&[0u8; 800]).expect("zeroed ACC page").encode();
    pair(c, "ac_physics_800", &page, |b| PhysicsPage::parse(b).expect("page").to_frame(0).len());

    let info = RtCarInfo { speed_ms: 40.0, engine_rpm: 6000.0, gear: 4, ..RtCarInfo::default() }.encode();
    pair(c, "ac_udp_car_info_328", &info, |b| match decode_datagram(b) {
        Ok(AcUdp::CarInfo(ci)) => ci.to_frame(0).len(),
        _ => 0,
    });

    let fz = forza::Packet::from_frame(forza::Format::Fm2023Dash, &sample_frame(), 1000).encode();
    pair(c, "forza_fm2023_331", &fz, |b| forza::decode(b).expect("forza").to_frame(0).map_or(0, |f| f.len()));

    let og = outgauge::OutGauge::from_frame(&sample_frame(), 1000, Some(1)).encode();
    pair(c, "outgauge_96", &og, |b| outgauge::decode(b).expect("outgauge").to_frame(0).len());

    // iRacing: every row of a real .ibt to a frame, against copying the same rows.
    let ibt = IbtFile::open(data("iracing/tsukuba_formulavee_4laps.ibt")).expect("ibt");
    let rows: Vec<u8> = ibt.records().flat_map(|r| r.bytes.iter().copied()).collect();
    let mut g = c.benchmark_group("iracing_ibt_rows");
    g.throughput(Throughput::Elements(ibt.record_count() as u64));
    g.sample_size(10);
    g.bench_function("frames", |b| b.iter(|| black_box(&ibt).frames().map(|f| f.len()).sum::<usize>()));
    let mut buf = vec![0u8; rows.len()];
    g.bench_function("memcpy", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&rows));
            black_box(&buf);
        })
    });
    g.finish();
}

criterion_group!(benches, formats);
criterion_main!(benches);
