//! Frames as columns: one pass over the frames copies the channels the analysis reads into flat slices,
//! absent values as NaN, so every later step works on contiguous `f32` columns without touching a `Frame`.
//! High-rate sessions are thinned on the way (see [`Columns::from_frames`]).

use racecraft_core::{Channel, Frame};

use crate::limits;

/// Every channel [`Columns`] reads, as a mask of [`Channel::index`] bits.
pub const CHANNELS_READ: u64 = {
    const READ: [Channel; 19] = [
        Channel::Speed,
        Channel::Rpm,
        Channel::Gear,
        Channel::Throttle,
        Channel::Brake,
        Channel::Clutch,
        Channel::PosX,
        Channel::PosY,
        Channel::AccLat,
        Channel::AccLong,
        Channel::Yaw,
        Channel::Lap,
        Channel::LapTime,
        Channel::LastLapTime,
        Channel::LapDist,
        Channel::LapDistPct,
        Channel::Sector,
        Channel::InPit,
        Channel::LapValid,
    ];
    let mut mask = 0u64;
    let mut i = 0;
    while i < READ.len() {
        mask |= 1 << READ[i].index();
        i += 1;
    }
    mask
};

/// The channels the analysis reads, by column.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    /// Session time, seconds; strictly increasing (frames that go back in time are dropped).
    pub t_s: Vec<f64>,
    pub speed: Vec<f32>,
    pub rpm: Vec<f32>,
    pub gear: Vec<f32>,
    pub throttle: Vec<f32>,
    pub brake: Vec<f32>,
    pub clutch: Vec<f32>,
    pub pos_x: Vec<f32>,
    pub pos_y: Vec<f32>,
    pub acc_lat: Vec<f32>,
    pub acc_long: Vec<f32>,
    pub yaw: Vec<f32>,
    pub lap: Vec<f32>,
    pub lap_time: Vec<f32>,
    pub last_lap: Vec<f32>,
    pub lap_dist: Vec<f32>,
    pub lap_dist_pct: Vec<f32>,
    pub sector: Vec<f32>,
    pub in_pit: Vec<f32>,
    pub lap_valid: Vec<f32>,
    /// Union of the presence masks of all kept frames.
    pub seen: u64,
    /// Positions are present in at least half of the samples.
    positions: bool,
    /// Step between the samples that statistics (grip, shift fit) read; 1 once the columns are thinned.
    pub stats_stride: usize,
}

/// The analysis reads about one sample per this period, seconds: at 333 Hz a sample every 3 ms adds
/// nothing to a percentile, a fit or a 1 m grid but time.
pub const STATS_PERIOD_S: f64 = 0.01;

/// Frames to step over between kept samples: the median interval of the first frames against
/// [`STATS_PERIOD_S`].
fn thinning_stride(frames: &[Frame]) -> usize {
    let mut dts: Vec<i64> =
        frames.windows(2).take(200).map(|w| w[1].t_us.saturating_sub(w[0].t_us)).filter(|d| *d > 0).collect();
    if dts.is_empty() {
        return 1;
    }
    let mid = dts.len() / 2;
    let (_, dt, _) = dts.select_nth_unstable(mid);
    ((STATS_PERIOD_S * 1e6 / *dt as f64).floor() as usize).max(1)
}

impl Columns {
    /// Copies the columns out of `frames`, skipping any frame whose time is not after the previous one or is
    /// absurd, and reading absurd values as absent ([`crate::limits`]: this is where outside input is checked).
    /// Above 100 Hz the samples are thinned to about one per [`STATS_PERIOD_S`], keeping both samples around
    /// every change of lap counter, sector or gear and every lap-distance wrap, so that crossings, sector
    /// splits and shifts keep their full-rate timing while everything else reads a third of the data.
    pub fn from_frames(frames: &[Frame]) -> Columns {
        let stride = thinning_stride(frames);
        let n = frames.len() / stride + frames.len() / 50 + 16;
        let col = || Vec::with_capacity(n);
        let mut c = Columns {
            t_s: Vec::with_capacity(n),
            speed: col(),
            rpm: col(),
            gear: col(),
            throttle: col(),
            brake: col(),
            clutch: col(),
            pos_x: col(),
            pos_y: col(),
            acc_lat: col(),
            acc_long: col(),
            yaw: col(),
            lap: col(),
            lap_time: col(),
            last_lap: col(),
            lap_dist: col(),
            lap_dist_pct: col(),
            sector: col(),
            in_pit: col(),
            lap_valid: col(),
            seen: 0,
            positions: false,
            stats_stride: 1,
        };
        let mut last_t = i64::MIN;
        // The previous frame seen, and whether it was kept.
        let mut prev: Option<(&Frame, bool)> = None;
        let mut since_kept = 0usize;
        let key = |f: &Frame, ch: Channel| f.get(ch).map(f32::to_bits);
        for f in frames {
            if f.t_us <= last_t || !limits::plausible_time(f.t_us) {
                continue;
            }
            last_t = f.t_us;
            let change = prev.is_some_and(|(p, _)| {
                key(f, Channel::Lap) != key(p, Channel::Lap)
                    || key(f, Channel::Sector) != key(p, Channel::Sector)
                    || key(f, Channel::Gear) != key(p, Channel::Gear)
                    || matches!((p.get(Channel::LapDist), f.get(Channel::LapDist)), (Some(a), Some(b)) if b < a)
            });
            let keep_this = prev.is_none() || change || since_kept + 1 >= stride;
            if keep_this {
                if change && let Some((p, false)) = prev {
                    // A change: keep the sample before it as well.
                    c.push(p);
                }
                c.push(f);
                since_kept = 0;
            } else {
                since_kept += 1;
            }
            prev = Some((f, keep_this));
        }
        if let Some((p, false)) = prev {
            c.push(p);
        }
        c.positions = c.has(Channel::PosX)
            && c.has(Channel::PosY)
            && c.pos_x.iter().filter(|x| x.is_finite()).count() * 2 >= c.len();
        c
    }

    fn push(&mut self, f: &Frame) {
        let mask = f.present_mask();
        // The value slot is only meaningful when its bit is set; an absurd value counts as absent.
        let g = |ch: Channel| {
            let v = if mask & (1 << ch.index()) != 0 { f.value_at(ch.index()) } else { f32::NAN };
            limits::plausible(ch, v).unwrap_or(f32::NAN)
        };
        self.seen |=
            f.iter().filter(|(ch, v)| limits::plausible(*ch, *v).is_some()).fold(0, |m, (ch, _)| m | 1 << ch.index());
        self.t_s.push(f.t_us as f64 * 1e-6);
        self.speed.push(g(Channel::Speed));
        self.rpm.push(g(Channel::Rpm));
        self.gear.push(g(Channel::Gear));
        self.throttle.push(g(Channel::Throttle));
        self.brake.push(g(Channel::Brake));
        self.clutch.push(g(Channel::Clutch));
        self.pos_x.push(g(Channel::PosX));
        self.pos_y.push(g(Channel::PosY));
        self.acc_lat.push(g(Channel::AccLat));
        self.acc_long.push(g(Channel::AccLong));
        self.yaw.push(g(Channel::Yaw));
        self.lap.push(g(Channel::Lap));
        self.lap_time.push(g(Channel::LapTime));
        self.last_lap.push(g(Channel::LastLapTime));
        self.lap_dist.push(g(Channel::LapDist));
        self.lap_dist_pct.push(g(Channel::LapDistPct));
        self.sector.push(g(Channel::Sector));
        self.in_pit.push(g(Channel::InPit));
        self.lap_valid.push(g(Channel::LapValid));
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.t_s.len()
    }

    /// Whether `channel` appears in at least one frame.
    pub fn has(&self, channel: Channel) -> bool {
        self.seen & (1 << channel.index()) != 0
    }

    /// Whether positions are present in at least half of the samples.
    pub fn has_positions(&self) -> bool {
        self.positions
    }
}
