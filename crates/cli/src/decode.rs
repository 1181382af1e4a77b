//! `racecraft decode`: look inside a game's bytes, decoded with the field names of the game's own specification.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};

/// Games whose bytes `decode` understands.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DecodeGame {
    /// EA F1 23, 24 and 25 UDP packets.
    F1,
    /// Assetto Corsa / ACC shared memory pages, told apart by size (physics 580/712/800, graphics 296/1588,
    /// static 684/820).
    AcShm,
    /// Assetto Corsa UDP datagrams (handshake response 408, car info 328, lap 212).
    AcUdp,
    /// Forza Data Out (232, 311, 324 or 331 bytes).
    Forza,
    /// OutGauge (92 or 96 bytes).
    Outgauge,
    /// JSON over UDP (one `/api/ingest` object).
    Json,
}

/// Flags of `racecraft decode`.
#[derive(Debug, Args)]
pub struct DecodeArgs {
    /// Which game's format the bytes are in.
    #[arg(long, value_enum)]
    game: DecodeGame,
    /// One raw datagram or page per file, or a directory of such files.
    path: PathBuf,
    /// Print JSON (one object per file) instead of Rust debug text.
    #[arg(long)]
    json: bool,
}

/// Decodes every file; a file that does not decode is reported by name and the others still print.
pub fn decode(args: DecodeArgs) -> Result<()> {
    let mut files = Vec::new();
    if args.path.is_dir() {
        for entry in std::fs::read_dir(&args.path).with_context(|| format!("listing {}", args.path.display()))? {
            let path = entry?.path();
            if path.is_file() {
                files.push(path);
            }
        }
        files.sort();
    } else {
        files.push(args.path.clone());
    }
    let mut failed = 0;
    for file in &files {
        if let Err(e) = decode_file(args.game, file, args.json) {
            // The reader went away (`| head`): stop quietly, as other command-line tools do.
            if e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe) {
                return Ok(());
            }
            eprintln!("{}: {e:#}", file.display());
            failed += 1;
        }
    }
    if failed > 0 {
        bail!("{failed} of {} files did not decode", files.len());
    }
    Ok(())
}

fn decode_file(game: DecodeGame, file: &Path, json: bool) -> Result<()> {
    use racecraft_capture::assetto_corsa::{self as ac, GraphicsPage, PhysicsPage, StaticPage};
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match game {
        DecodeGame::F1 => print(file, json, &racecraft_capture::f1::decode(&bytes)?),
        DecodeGame::AcShm => {
            let n = bytes.len();
            if ac::physics::SIZES.contains(&n) {
                print(file, json, &PhysicsPage::parse(&bytes)?)
            } else if ac::graphics::SIZES.contains(&n) {
                print(file, json, &GraphicsPage::parse(&bytes)?)
            } else if ac::static_page::SIZES.contains(&n) {
                print(file, json, &StaticPage::parse(&bytes)?)
            } else {
                bail!("{n} bytes is no AC/ACC page size (physics 580/712/800, graphics 296/1588, static 684/820)")
            }
        }
        DecodeGame::AcUdp => print(file, json, &ac::decode_datagram(&bytes)?),
        DecodeGame::Forza => print(file, json, &racecraft_capture::forza::decode(&bytes)?),
        DecodeGame::Outgauge => print(file, json, &racecraft_capture::outgauge::decode(&bytes)?),
        DecodeGame::Json => print(file, json, &racecraft_capture::json::decode(&bytes)?),
    }
}

fn print<T: serde::Serialize + std::fmt::Debug>(file: &Path, json: bool, packet: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let value = serde_json::json!({"file": file.display().to_string(), "packet": packet});
        writeln!(out, "{value}")?;
    } else {
        writeln!(out, "{}: {packet:#?}", file.display())?;
    }
    Ok(())
}
