//! Games on demand: each module publishes [`Frame`](racecraft_core::Frame)s exactly the way one game does, so
//! that every capture path can be tested end to end without the game: simulator → emulated game → capture →
//! server, and the stored laps compared with the simulator's ground truth.
//!
//! # Layout
//! - [`ac_shm`]: Assetto Corsa / ACC shared memory, as the `acpmf_*` files a Linux/Proton bridge keeps in
//!   `/dev/shm` (any directory will do): the static page once per session, physics and graphics pages rewritten
//!   in place with an increasing `packetId`.
//! - [`ac_udp`]: AC's remote telemetry server on UDP (port 9996 in the game): answers the handshake, streams
//!   `RTCarInfo` to subscribers, sends `RTLap` when a lap completes, stops on dismiss.
//! - [`iracing`]: iRacing's live telemetry memory map, played back row by row from an `.ibt` file.
//! - [`udp`]: games that push datagrams at a listener: Forza Data Out (all four layouts), OutGauge (92/96
//!   bytes) and JSON over UDP.
//!
//! Emulators are blocking and thread-based on purpose: a game is a separate program, and tests run it on its own
//! thread beside the async capture code under test.

pub mod ac_shm;
pub mod ac_udp;
pub mod iracing;
pub mod udp;

use std::path::PathBuf;

/// What can go wrong while publishing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing a page file failed.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The input to publish is not usable (an `.ibt` that does not parse, say).
    #[error("input: {0}")]
    Input(String),
    /// A socket operation failed.
    #[error("UDP {what}: {source}")]
    Socket {
        /// What was being done.
        what: &'static str,
        /// Why.
        source: std::io::Error,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Frame (x, y, z up) to the AC world (x, y up, z): the inverse of the capture crate's mapping.
pub(crate) fn frame_to_world([x, y, z]: [f32; 3]) -> [f32; 3] {
    [x, z, y]
}

/// Seconds to whole milliseconds, as AC's integer lap timers; `None` stays `None`.
pub(crate) fn ms(seconds: Option<f32>) -> Option<i32> {
    seconds.filter(|s| s.is_finite() && *s >= 0.0).map(|s| (f64::from(s) * 1000.0).round() as i32)
}

/// Publishes `frames` paced by their timestamps: `speed` 1 is real time, 4 four times faster, 0 as fast as
/// possible. Returns the number of frames published.
pub fn play(
    frames: impl IntoIterator<Item = racecraft_core::Frame>,
    speed: f64,
    mut publish: impl FnMut(&racecraft_core::Frame) -> Result<()>,
) -> Result<u64> {
    let started = std::time::Instant::now();
    let mut first_us = None;
    let mut count = 0;
    for frame in frames {
        let first = *first_us.get_or_insert(frame.t_us);
        if speed > 0.0 {
            let due = std::time::Duration::from_secs_f64((frame.t_us - first).max(0) as f64 * 1e-6 / speed);
            if let Some(wait) = due.checked_sub(started.elapsed()) {
                std::thread::sleep(wait);
            }
        }
        publish(&frame)?;
        count += 1;
    }
    Ok(count)
}
