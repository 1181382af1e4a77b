//! [`Frame`]: one normalized sample. Fixed-size and `Copy`, so hot paths never allocate per frame.

use crate::channel::{CHANNEL_COUNT, Channel};

/// One sample of telemetry at session time `t_us`.
///
/// Channels are stored in a fixed array with a presence mask rather than as `Option` fields: the frame stays
/// under 200 bytes, copies without allocation and maps one-to-one onto the columnar codec. A value that is not
/// finite is never stored: setting it leaves the channel absent, so an implausible reading becomes a missing
/// channel instead of a zero or a NaN.
#[derive(Clone, Copy, PartialEq)]
pub struct Frame {
    /// Microseconds since the session started.
    pub t_us: i64,
    present: u64,
    // Invariant: values[i] == 0.0 whenever bit i of `present` is clear, so derived equality is meaningful.
    values: [f32; CHANNEL_COUNT],
}

impl Default for Frame {
    fn default() -> Self {
        Frame::new(0)
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        map.entry(&"t_us", &self.t_us);
        for (channel, value) in self.iter() {
            map.entry(&channel.name(), &value);
        }
        map.finish()
    }
}

impl Frame {
    /// Mask with a bit for every channel of this version.
    pub const ALL_CHANNELS_MASK: u64 = if CHANNEL_COUNT == 64 { u64::MAX } else { (1u64 << CHANNEL_COUNT) - 1 };

    /// An empty frame at `t_us`.
    pub const fn new(t_us: i64) -> Frame {
        Frame { t_us, present: 0, values: [0.0; CHANNEL_COUNT] }
    }

    /// Session time in seconds.
    pub fn t_s(&self) -> f64 {
        self.t_us as f64 * 1e-6
    }

    /// The value of `channel`, if present.
    #[inline]
    pub fn get(&self, channel: Channel) -> Option<f32> {
        let i = channel.index();
        (self.present & (1 << i) != 0).then(|| self.values[i])
    }

    /// Sets `channel` to `value`; a non-finite value leaves the channel absent.
    #[inline]
    pub fn set(&mut self, channel: Channel, value: f32) {
        let i = channel.index();
        if value.is_finite() {
            self.values[i] = value;
            self.present |= 1 << i;
        } else {
            self.clear(channel);
        }
    }

    /// Sets `channel` from an `f64`, rounding to `f32`.
    #[inline]
    pub fn set_f64(&mut self, channel: Channel, value: f64) {
        self.set(channel, value as f32);
    }

    /// Sets `channel` when `value` is `Some`, clears it otherwise.
    #[inline]
    pub fn set_opt(&mut self, channel: Channel, value: Option<f32>) {
        match value {
            Some(v) => self.set(channel, v),
            None => self.clear(channel),
        }
    }

    /// Builder form of [`Frame::set`].
    #[must_use]
    pub fn with(mut self, channel: Channel, value: f32) -> Frame {
        self.set(channel, value);
        self
    }

    /// Removes `channel`.
    #[inline]
    pub fn clear(&mut self, channel: Channel) {
        let i = channel.index();
        self.present &= !(1 << i);
        self.values[i] = 0.0;
    }

    /// Whether `channel` is present.
    #[inline]
    pub fn has(&self, channel: Channel) -> bool {
        self.present & (1 << channel.index()) != 0
    }

    /// Bit mask of present channels (bit i = channel with index i).
    #[inline]
    pub fn present_mask(&self) -> u64 {
        self.present
    }

    /// Number of present channels.
    pub fn len(&self) -> usize {
        self.present.count_ones() as usize
    }

    /// Whether no channel is present.
    pub fn is_empty(&self) -> bool {
        self.present == 0
    }

    /// Raw value slot by index, 0.0 where absent. For codecs that move whole columns.
    #[inline]
    pub fn value_at(&self, index: usize) -> f32 {
        self.values[index]
    }

    /// Builds a frame from a presence mask and a value per channel slot. Bits beyond this version's channels,
    /// and non-finite values, are dropped: the result always upholds the frame's invariants.
    pub fn from_slots(t_us: i64, present: u64, values: &[f32; CHANNEL_COUNT]) -> Frame {
        let mut frame = Frame::new(t_us);
        let mut mask = present & Self::ALL_CHANNELS_MASK;
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if let Some(channel) = Channel::from_index(i) {
                frame.set(channel, values[i]);
            }
        }
        frame
    }

    /// Present channels and their values, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (Channel, f32)> + '_ {
        let mut mask = self.present;
        std::iter::from_fn(move || {
            if mask == 0 {
                return None;
            }
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            Some((Channel::ALL[i], self.values[i]))
        })
    }

    /// Speed in m/s.
    pub fn speed_mps(&self) -> Option<f32> {
        self.get(Channel::Speed)
    }

    /// Gear, −1 reverse, 0 neutral, 1.. forward.
    pub fn gear(&self) -> Option<i8> {
        self.get(Channel::Gear).map(|g| g as i8)
    }

    /// The game's lap number.
    pub fn lap(&self) -> Option<u32> {
        self.get(Channel::Lap).filter(|l| *l >= 0.0).map(|l| l as u32)
    }

    /// Time into the current lap, seconds.
    pub fn lap_time_s(&self) -> Option<f32> {
        self.get(Channel::LapTime)
    }

    /// The game's last completed lap time, seconds.
    pub fn last_lap_s(&self) -> Option<f32> {
        self.get(Channel::LastLapTime)
    }

    /// Current sector, 0-based.
    pub fn sector(&self) -> Option<u8> {
        self.get(Channel::Sector).filter(|s| *s >= 0.0).map(|s| s as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_is_small_and_copy() {
        assert_eq!(std::mem::size_of::<Frame>(), (8 + 8 + 4 * CHANNEL_COUNT).next_multiple_of(8));
    }

    #[test]
    fn set_get_clear() {
        let mut f = Frame::new(5).with(Channel::Speed, 50.0).with(Channel::Gear, 3.0);
        assert_eq!(f.speed_mps(), Some(50.0));
        assert_eq!(f.gear(), Some(3));
        assert_eq!(f.get(Channel::Rpm), None);
        assert_eq!(f.len(), 2);
        f.clear(Channel::Speed);
        assert_eq!(f.speed_mps(), None);
        assert_eq!(f, Frame::new(5).with(Channel::Gear, 3.0));
    }

    #[test]
    fn non_finite_values_become_missing() {
        let mut f = Frame::new(0).with(Channel::Rpm, 7000.0);
        f.set(Channel::Rpm, f32::NAN);
        assert!(!f.has(Channel::Rpm));
        f.set(Channel::Speed, f32::INFINITY);
        assert!(f.is_empty());
    }

    #[test]
    fn iter_in_index_order_and_from_slots_round_trip() {
        let f = Frame::new(9).with(Channel::LapValid, 1.0).with(Channel::Speed, 1.5).with(Channel::Lap, 2.0);
        let got: Vec<_> = f.iter().map(|(c, _)| c).collect();
        assert_eq!(got, vec![Channel::Speed, Channel::Lap, Channel::LapValid]);
        let mut slots = [0.0; CHANNEL_COUNT];
        for (c, v) in f.iter() {
            slots[c.index()] = v;
        }
        assert_eq!(Frame::from_slots(9, f.present_mask() | (1 << 63), &slots), f);
    }
}
