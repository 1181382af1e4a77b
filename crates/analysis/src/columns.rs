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

/// Samples reserved per column from a frame-count hint, at most (about 3 hours at 100 Hz, 88 MB of columns): a
/// hint is the caller's word, so beyond this the columns grow as samples actually arrive.
const MAX_RESERVED_SAMPLES: usize = 1 << 20;

/// Frames at the start that set the thinning stride ([`thinning_stride`] reads the intervals between them).
const STRIDE_FRAMES: usize = 201;

/// Builds [`Columns`] from frames handed over in any number of slices (a recording's blocks as they are
/// decoded), with the same result as one slice of them all: the first [`STRIDE_FRAMES`] frames are held until
/// they set the thinning stride, after that nothing but the columns is kept.
#[derive(Debug, Default)]
pub(crate) struct ColumnsBuilder {
    c: Columns,
    stride: Option<usize>,
    held: Vec<Frame>,
    last_t: Option<i64>,
    /// The previous frame seen, and whether it was kept.
    prev: Option<(Frame, bool)>,
    since_kept: usize,
    frames_seen: usize,
    /// Frames expected in all, to size the columns once.
    expected: usize,
}

impl ColumnsBuilder {
    /// Takes the next frames, in time order.
    pub fn extend(&mut self, frames: &[Frame]) {
        self.frames_seen += frames.len();
        match self.stride {
            Some(stride) => self.take(frames, stride),
            None => {
                self.held.extend_from_slice(frames);
                if self.held.len() >= STRIDE_FRAMES {
                    self.start();
                }
            }
        }
    }

    /// Frames handed over so far.
    pub fn frames_seen(&self) -> usize {
        self.frames_seen
    }

    /// Sizes the columns for `frames` frames in all (a hint: more or fewer still work).
    pub fn expect(&mut self, frames: usize) {
        self.expected = frames;
    }

    fn start(&mut self) {
        let stride = thinning_stride(&self.held);
        let frames = self.expected.max(self.held.len());
        let n = (frames / stride).saturating_add(frames / 50 + 16).min(MAX_RESERVED_SAMPLES);
        self.c = Columns::with_capacity(n);
        self.stride = Some(stride);
        let held = std::mem::take(&mut self.held);
        self.take(&held, stride);
    }

    fn take(&mut self, frames: &[Frame], stride: usize) {
        let key = |f: &Frame, ch: Channel| f.get(ch).map(f32::to_bits);
        for f in frames {
            if self.last_t.is_some_and(|t| f.t_us <= t) || !limits::plausible_time(f.t_us) {
                continue;
            }
            self.last_t = Some(f.t_us);
            let change = self.prev.as_ref().is_some_and(|(p, _)| {
                key(f, Channel::Lap) != key(p, Channel::Lap)
                    || key(f, Channel::Sector) != key(p, Channel::Sector)
                    || key(f, Channel::Gear) != key(p, Channel::Gear)
                    || matches!((p.get(Channel::LapDist), f.get(Channel::LapDist)), (Some(a), Some(b)) if b < a)
            });
            let keep_this = self.prev.is_none() || change || self.since_kept + 1 >= stride;
            if keep_this {
                if change && let Some((p, false)) = &self.prev {
                    // A change: keep the sample before it as well.
                    let p = *p;
                    self.c.push(&p);
                }
                self.c.push(f);
                self.since_kept = 0;
            } else {
                self.since_kept += 1;
            }
            self.prev = Some((*f, keep_this));
        }
    }

    /// The columns of every frame handed over.
    pub fn finish(mut self) -> Columns {
        if self.stride.is_none() {
            self.start();
        }
        let mut c = self.c;
        if let Some((p, false)) = self.prev {
            c.push(&p);
        }
        c.positions = c.has(Channel::PosX)
            && c.has(Channel::PosY)
            && c.pos_x.iter().filter(|x| x.is_finite()).count() * 2 >= c.len();
        c
    }
}

impl Columns {
    fn with_capacity(n: usize) -> Columns {
        let col = || Vec::with_capacity(n);
        Columns {
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
        }
    }

    /// Copies the columns out of `frames`, skipping any frame whose time is not after the previous one or is
    /// absurd, and reading absurd values as absent ([`crate::limits`]: this is where outside input is checked).
    /// Above 100 Hz the samples are thinned to about one per [`STATS_PERIOD_S`], keeping both samples around
    /// every change of lap counter, sector or gear and every lap-distance wrap, so that crossings, sector
    /// splits and shifts keep their full-rate timing while everything else reads a third of the data.
    pub fn from_frames(frames: &[Frame]) -> Columns {
        let mut b = ColumnsBuilder::default();
        if frames.len() >= STRIDE_FRAMES {
            // Sized for all of them at once rather than grown.
            let stride = thinning_stride(frames);
            b.c = Columns::with_capacity(frames.len() / stride + frames.len() / 50 + 16);
            b.stride = Some(stride);
            b.frames_seen = frames.len();
            b.take(frames, stride);
        } else {
            b.extend(frames);
        }
        b.finish()
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
