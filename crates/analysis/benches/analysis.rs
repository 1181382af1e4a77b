//! Full analysis of simulated sessions on one core: 5, 10 and 20 laps of Monza at 60 and 333 Hz.
//!
//! `cargo bench -p racecraft-analysis` measures; under `cargo test --benches` (no `--bench` argument) the
//! sessions shrink to one short case so the benchmark keeps compiling and running in CI.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use racecraft_analysis::{AnalysisOptions, analyze_session};
use racecraft_core::Frame;
use racecraft_sim::{SimConfig, Simulation, Track};

fn session(laps: u32, rate_hz: f64) -> (racecraft_core::SessionMeta, Vec<Frame>) {
    let track = Track::builtin("Monza").expect("builtin track");
    let sim = Simulation::new(track, SimConfig { laps, rate_hz, seed: 1, ..SimConfig::default() }).expect("valid");
    (sim.meta(0), sim.frames().collect())
}

fn full_analysis(c: &mut Criterion) {
    let measuring = std::env::args().any(|a| a == "--bench");
    let cases: &[(u32, f64)] = if measuring {
        &[(5, 60.0), (10, 60.0), (20, 60.0), (5, 333.0), (10, 333.0), (20, 333.0)]
    } else {
        &[(2, 60.0)]
    };
    let mut group = c.benchmark_group("analyze_session");
    group.sample_size(10);
    let options = AnalysisOptions::default();
    for &(laps, rate) in cases {
        let (meta, frames) = session(laps, rate);
        group.throughput(Throughput::Elements(frames.len() as u64));
        group.bench_with_input(
            BenchmarkId::new(format!("{rate:.0}Hz"), format!("{laps}laps")),
            &frames,
            |b, frames| b.iter(|| analyze_session(black_box(&meta), black_box(frames), &options).expect("analysis")),
        );
    }
    group.finish();
}

criterion_group!(benches, full_analysis);
criterion_main!(benches);
