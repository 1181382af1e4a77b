//! Racecraft frames to MoTeC channels: names and display units are converted here, at the edge.

use racecraft_core::{Channel, Frame};

use super::{Error, LdChannel, Result};

const RAD_TO_DEG: f64 = 180.0 / std::f64::consts::PI;

/// The MoTeC-conventional name, short name, display unit and factor from our SI/0..1 value for `channel`.
/// Every conversion is a pure factor (no offsets), so `value_motec = value_racecraft · factor`.
pub fn ld_name_for(channel: Channel) -> (&'static str, &'static str, &'static str, f64) {
    use Channel as C;
    // Temperatures are written as "C", not "°C", as MoTeC's own files do: the unit field is plain ASCII there.
    match channel {
        C::Speed => ("Ground Speed", "Gnd Spd", "km/h", 3.6),
        C::Rpm => ("Engine RPM", "RPM", "rpm", 1.0),
        C::Gear => ("Gear", "Gear", "", 1.0),
        C::Throttle => ("Throttle Pos", "Thr Pos", "%", 100.0),
        C::Brake => ("Brake Pos", "Brk Pos", "%", 100.0),
        C::Clutch => ("Clutch Pos", "Clt Pos", "%", 100.0),
        C::Steer => ("Steering Angle", "Steer", "deg", RAD_TO_DEG),
        C::PosX => ("Car Pos X", "Pos X", "m", 1.0),
        C::PosY => ("Car Pos Y", "Pos Y", "m", 1.0),
        C::PosZ => ("Car Pos Z", "Pos Z", "m", 1.0),
        C::VelX => ("Velocity X", "Vel X", "km/h", 3.6),
        C::VelY => ("Velocity Y", "Vel Y", "km/h", 3.6),
        C::VelZ => ("Velocity Z", "Vel Z", "km/h", 3.6),
        C::AccLat => ("G Force Lat", "G Lat", "G", 1.0),
        C::AccLong => ("G Force Long", "G Long", "G", 1.0),
        C::AccVert => ("G Force Vert", "G Vert", "G", 1.0),
        C::Yaw => ("Yaw Angle", "Yaw", "deg", RAD_TO_DEG),
        C::Pitch => ("Pitch Angle", "Pitch", "deg", RAD_TO_DEG),
        C::Roll => ("Roll Angle", "Roll", "deg", RAD_TO_DEG),
        C::Lap => ("Lap Number", "Lap", "", 1.0),
        C::LapTime => ("Lap Time", "Lap Tm", "s", 1.0),
        C::LastLapTime => ("Last Lap Time", "Last Lp", "s", 1.0),
        C::LapDist => ("Lap Distance", "Lap Dst", "m", 1.0),
        C::LapDistPct => ("Lap Distance Pct", "Lap Pct", "%", 100.0),
        C::Sector => ("Sector", "Sector", "", 1.0),
        C::Fuel => ("Fuel Level", "Fuel", "l", 1.0),
        C::TyreTempFl => ("Tyre Temp FL", "TT FL", "C", 1.0),
        C::TyreTempFr => ("Tyre Temp FR", "TT FR", "C", 1.0),
        C::TyreTempRl => ("Tyre Temp RL", "TT RL", "C", 1.0),
        C::TyreTempRr => ("Tyre Temp RR", "TT RR", "C", 1.0),
        C::TyrePressFl => ("Tyre Pres FL", "TP FL", "kPa", 1.0),
        C::TyrePressFr => ("Tyre Pres FR", "TP FR", "kPa", 1.0),
        C::TyrePressRl => ("Tyre Pres RL", "TP RL", "kPa", 1.0),
        C::TyrePressRr => ("Tyre Pres RR", "TP RR", "kPa", 1.0),
        C::SlipRatioFl => ("Wheel Slip FL", "Slip FL", "", 1.0),
        C::SlipRatioFr => ("Wheel Slip FR", "Slip FR", "", 1.0),
        C::SlipRatioRl => ("Wheel Slip RL", "Slip RL", "", 1.0),
        C::SlipRatioRr => ("Wheel Slip RR", "Slip RR", "", 1.0),
        C::InPit => ("In Pit", "In Pit", "", 1.0),
        C::LapValid => ("Lap Valid", "Lap Vld", "", 1.0),
        C::SteerInput => ("Steering Input", "Str In", "%", 100.0),
        C::FuelKg => ("Fuel Mass", "Fuel M", "kg", 1.0),
        C::TyreWearFl => ("Tyre Wear FL", "TW FL", "%", 100.0),
        C::TyreWearFr => ("Tyre Wear FR", "TW FR", "%", 100.0),
        C::TyreWearRl => ("Tyre Wear RL", "TW RL", "%", 100.0),
        C::TyreWearRr => ("Tyre Wear RR", "TW RR", "%", 100.0),
        C::TyreCompound => ("Tyre Compound", "Tyre Cp", "", 1.0),
        C::Damage => ("Damage", "Damage", "%", 100.0),
        C::Position => ("Position", "Pos", "", 1.0),
    }
}

/// Samples per channel a `.ld` export may hold for each frame it is made from (see [`frames_to_ld_channels`]).
pub const LD_SAMPLES_PER_FRAME: u64 = 4;
/// Samples per channel a `.ld` export may always hold, however few its frames: an hour at 1 Hz.
pub const LD_MIN_SAMPLE_BUDGET: u64 = 3600;

/// Most samples per channel [`frames_to_ld_channels`] writes for `frames` frames.
pub fn ld_sample_budget(frames: usize) -> u64 {
    LD_SAMPLES_PER_FRAME.saturating_mul(frames as u64).saturating_add(LD_MIN_SAMPLE_BUDGET)
}

/// MoTeC channels sampled at `rate_hz` from `frames`, one per Racecraft channel present in any frame, in
/// channel index order.
///
/// Resampling: sample `k` is at `t0 + k / rate_hz` (t0 = earliest frame) up to the last frame's time, and takes
/// each channel's latest value at or before that instant (sample-and-hold), which suits irregular game
/// updates and never invents values between samples. A channel missing from a frame keeps its previous
/// value; before its first value it is 0. Frames need not be sorted. `rate_hz` 0 is treated as 1.
///
/// Size: (time span × rate + 1) samples per channel. A `.ld` log has one fixed rate and no way to mark a hole,
/// so a gap between frames is written as held samples and the log keeps true session time (lap times read from
/// its beacons stay right). That makes the output grow with the time span rather than with the data, so the span
/// is bounded by the data: at most [`ld_sample_budget`] samples per channel ([`LD_SAMPLES_PER_FRAME`] per frame
/// plus [`LD_MIN_SAMPLE_BUDGET`]), else [`Error::SparseFrames`] naming the span and the frame count, before
/// anything is allocated. A real session at its own mean rate needs about one sample per frame; only frames
/// far sparser than one a second over their span (in practice corrupt frame times, such as one frame at 0 and
/// one at 10³⁰⁰ s) are refused. Memory is the output plus one pointer per frame.
pub fn frames_to_ld_channels(frames: &[Frame], rate_hz: u16) -> Result<Vec<LdChannel>> {
    let rate = rate_hz.max(1);
    let mut order: Vec<&Frame> = frames.iter().collect();
    order.sort_by_key(|f| f.t_us);
    let (Some(first), Some(last)) = (order.first(), order.last()) else {
        return Ok(Vec::new());
    };
    let present = order.iter().fold(0u64, |m, f| m | f.present_mask());
    let channels: Vec<Channel> = Channel::ALL.iter().copied().filter(|c| present & (1 << c.index()) != 0).collect();
    let t0 = first.t_us;
    // i128: the span of two i64 times, times a u16 rate, cannot overflow.
    let span_us = i128::from(last.t_us) - i128::from(t0);
    let samples = span_us * i128::from(rate) / 1_000_000 + 1;
    let max_samples = ld_sample_budget(frames.len());
    let n = match usize::try_from(samples) {
        Ok(n) if samples <= i128::from(max_samples) => n,
        _ => {
            return Err(Error::SparseFrames {
                span_s: span_us as f64 * 1e-6,
                frames: frames.len(),
                rate_hz: rate,
                samples: u128::try_from(samples).unwrap_or(0),
                max_samples,
            });
        }
    };

    let mut held = vec![0f32; channels.len()];
    let mut values: Vec<Vec<f32>> = vec![Vec::with_capacity(n); channels.len()];
    let mut next = 0;
    for k in 0..n {
        let t_k = i128::from(t0) + k as i128 * 1_000_000 / i128::from(rate);
        while let Some(f) = order.get(next).filter(|f| i128::from(f.t_us) <= t_k) {
            for (slot, &c) in held.iter_mut().zip(&channels) {
                if let Some(v) = f.get(c) {
                    *slot = v;
                }
            }
            next += 1;
        }
        for (col, &v) in values.iter_mut().zip(&held) {
            col.push(v);
        }
    }

    Ok(channels
        .iter()
        .zip(values)
        .map(|(&c, vals)| {
            let (name, short, unit, factor) = ld_name_for(c);
            LdChannel {
                name: name.into(),
                short_name: short.into(),
                unit: unit.into(),
                rate_hz: rate,
                values: vals.into_iter().map(|v| (f64::from(v) * factor) as f32).collect(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fit_their_fields() {
        for c in Channel::ALL {
            let (name, short, unit, factor) = ld_name_for(c);
            assert!(name.len() < 32 && short.len() < 8 && unit.len() < 12, "{c:?}");
            assert!(factor.is_finite() && factor > 0.0);
        }
    }

    #[test]
    fn hold_and_convert() {
        let frames = [
            Frame::new(0).with(Channel::Speed, 10.0).with(Channel::Throttle, 0.5),
            Frame::new(150_000).with(Channel::Speed, 20.0),
            Frame::new(300_000).with(Channel::Speed, 30.0).with(Channel::Throttle, 1.0),
        ];
        let chs = frames_to_ld_channels(&frames, 10).expect("channels");
        assert_eq!(chs.len(), 2);
        assert_eq!(chs[0].name, "Ground Speed");
        assert_eq!(chs[0].values, vec![36.0, 36.0, 72.0, 108.0]);
        assert_eq!(chs[1].name, "Throttle Pos");
        assert_eq!(chs[1].values, vec![50.0, 50.0, 50.0, 100.0]);
    }

    #[test]
    fn absent_before_first_value_is_zero() {
        let frames = [Frame::new(0), Frame::new(100_000).with(Channel::Rpm, 5000.0)];
        let chs = frames_to_ld_channels(&frames, 10).expect("channels");
        assert_eq!(chs[0].values, vec![0.0, 5000.0]);
    }
}
