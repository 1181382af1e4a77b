//! What the analysis accepts from outside: the bounds past which a value is physically absurd.
//!
//! Frames come from games, files and the network, so any channel may hold NaN, ±∞, 3·10³⁸ or a subnormal.
//! [`analyze_session`](crate::analyze_session) checks every value it reads once, where the frames become columns:
//! a non-finite value, or one outside its channel's range below, is treated exactly like a value the frame does
//! not carry (absent), and a frame whose time is outside ±[`MAX_SESSION_TIME_S`] is skipped whole. Downstream
//! code therefore only ever sees finite values within these ranges. Subnormals are finite and within range, so
//! they are kept: they are merely tiny numbers.
//!
//! The ranges are generous on purpose: they reject what no car and no game can produce (a corrupt packet, a
//! misread file), not what is merely unusual (a crash spike, a hypercar, a 24-hour race).

use racecraft_core::Channel;

/// Frames further than this from the session's zero, seconds (30 days), are skipped.
pub const MAX_SESSION_TIME_S: f64 = 30.0 * 86_400.0;
/// Fastest speed over ground, either sign (reversing), m/s (900 km/h: past any land vehicle a game models).
pub const MAX_SPEED_MPS: f32 = 250.0;
/// Fastest engine, rpm (road engines and F1 stay under 20 000).
pub const MAX_RPM: f32 = 30_000.0;
/// Gears: −1 reverse, 0 neutral, forward up to this.
pub const MAX_GEAR: f32 = 20.0;
/// Pedals are 0..1; values this far outside are rounding of the game's own scale, further out is corrupt.
pub const PEDAL_SLACK: f32 = 0.05;
/// Farthest position from the world origin, either axis, m (game worlds are tens of km across).
pub const MAX_POSITION_M: f32 = 1_000_000.0;
/// Largest lateral or longitudinal acceleration, g (a crash in a sim peaks at a few tens of g).
pub const MAX_ACCELERATION_G: f32 = 100.0;
/// Largest heading magnitude, rad (games wrap it, or unwrap it over at most a few hundred turns).
pub const MAX_YAW_RAD: f32 = 100_000.0;
/// Highest lap number (a 24-hour race at one lap a minute is 1 440).
pub const MAX_LAP: f32 = 100_000.0;
/// Longest lap or lap time, s (24 hours).
pub const MAX_LAP_TIME_S: f32 = 86_400.0;
/// Longest lap, m (the Nürburgring's combined layout is 25 km, the Isle of Man TT course 61 km).
pub const MAX_LAP_LENGTH_M: f32 = 100_000.0;
/// Lap distance as a fraction: 0..1, with this much slack on either side.
pub const FRACTION_SLACK: f32 = 0.1;
/// Highest sector index.
pub const MAX_SECTOR: f32 = 100.0;

/// The range of plausible values of `channel`, inclusive; `None` for channels the analysis does not read.
pub fn range(channel: Channel) -> Option<(f32, f32)> {
    use Channel as C;
    Some(match channel {
        C::Speed => (-MAX_SPEED_MPS, MAX_SPEED_MPS),
        C::Rpm => (0.0, MAX_RPM),
        C::Gear => (-1.0, MAX_GEAR),
        C::Throttle | C::Brake | C::Clutch => (-PEDAL_SLACK, 1.0 + PEDAL_SLACK),
        C::PosX | C::PosY => (-MAX_POSITION_M, MAX_POSITION_M),
        C::AccLat | C::AccLong => (-MAX_ACCELERATION_G, MAX_ACCELERATION_G),
        C::Yaw => (-MAX_YAW_RAD, MAX_YAW_RAD),
        // Some games count the lap before the start as −1.
        C::Lap => (-1.0, MAX_LAP),
        C::LapTime | C::LastLapTime => (0.0, MAX_LAP_TIME_S),
        // Negative before the line (on the grid) in some games.
        C::LapDist => (-MAX_LAP_LENGTH_M, MAX_LAP_LENGTH_M),
        C::LapDistPct => (-FRACTION_SLACK, 1.0 + FRACTION_SLACK),
        C::Sector => (0.0, MAX_SECTOR),
        C::InPit | C::LapValid => (0.0, 1.0),
        _ => return None,
    })
}

/// `value` if it is finite and within `channel`'s [`range`] (any finite value for channels without one).
pub fn plausible(channel: Channel, value: f32) -> Option<f32> {
    let ok = match range(channel) {
        Some((lo, hi)) => (lo..=hi).contains(&value),
        None => value.is_finite(),
    };
    ok.then_some(value)
}

/// Whether a frame at `t_us` (microseconds of session time) is within ±[`MAX_SESSION_TIME_S`].
pub fn plausible_time(t_us: i64) -> bool {
    (t_us as f64 * 1e-6).abs() <= MAX_SESSION_TIME_S
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_channel_read_has_a_range() {
        for c in Channel::ALL {
            if crate::CHANNELS_READ & (1 << c.index()) != 0 {
                let (lo, hi) = range(c).unwrap_or_else(|| panic!("{c:?} has no range"));
                assert!(lo.is_finite() && hi.is_finite() && lo < hi, "{c:?}");
            }
        }
    }

    #[test]
    fn absurd_values_are_absent() {
        assert_eq!(plausible(Channel::Speed, 3e38), None);
        assert_eq!(plausible(Channel::Speed, f32::NAN), None);
        assert_eq!(plausible(Channel::Speed, f32::NEG_INFINITY), None);
        assert_eq!(plausible(Channel::Speed, 83.0), Some(83.0));
        assert_eq!(plausible(Channel::Speed, f32::MIN_POSITIVE / 2.0), Some(f32::MIN_POSITIVE / 2.0));
        assert_eq!(plausible(Channel::Throttle, 1.02), Some(1.02));
        assert_eq!(plausible(Channel::Throttle, 100.0), None);
        assert_eq!(plausible(Channel::TyreTempFl, f32::INFINITY), None);
        assert!(plausible_time(0) && plausible_time(-3_600_000_000) && !plausible_time(i64::MAX));
    }
}
