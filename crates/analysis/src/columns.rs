//! Frames as columns: one pass over the frames copies the channels the analysis reads into flat slices,
//! absent values as NaN, so every later step works on contiguous `f32` columns without touching a `Frame`.

use racecraft_core::{Channel, Frame};

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
}

impl Columns {
    /// Copies the columns out of `frames`, skipping any frame whose time is not after the previous one.
    pub fn from_frames(frames: &[Frame]) -> Columns {
        let n = frames.len();
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
        };
        let mut last_t = i64::MIN;
        for f in frames {
            if f.t_us <= last_t {
                continue;
            }
            last_t = f.t_us;
            c.seen |= f.present_mask();
            let g = |ch: Channel| f.get(ch).unwrap_or(f32::NAN);
            c.t_s.push(f.t_us as f64 * 1e-6);
            c.speed.push(g(Channel::Speed));
            c.rpm.push(g(Channel::Rpm));
            c.gear.push(g(Channel::Gear));
            c.throttle.push(g(Channel::Throttle));
            c.brake.push(g(Channel::Brake));
            c.clutch.push(g(Channel::Clutch));
            c.pos_x.push(g(Channel::PosX));
            c.pos_y.push(g(Channel::PosY));
            c.acc_lat.push(g(Channel::AccLat));
            c.acc_long.push(g(Channel::AccLong));
            c.yaw.push(g(Channel::Yaw));
            c.lap.push(g(Channel::Lap));
            c.lap_time.push(g(Channel::LapTime));
            c.last_lap.push(g(Channel::LastLapTime));
            c.lap_dist.push(g(Channel::LapDist));
            c.lap_dist_pct.push(g(Channel::LapDistPct));
            c.sector.push(g(Channel::Sector));
            c.in_pit.push(g(Channel::InPit));
            c.lap_valid.push(g(Channel::LapValid));
        }
        c
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
        self.has(Channel::PosX)
            && self.has(Channel::PosY)
            && self.pos_x.iter().filter(|x| x.is_finite()).count() * 2 >= self.len()
    }
}
