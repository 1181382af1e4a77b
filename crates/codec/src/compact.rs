//! The compact single-frame encoding: `i64 t_us · u64 present · f32 × popcount(present)`, little-endian.
//! 16 + 4·k bytes for k present channels. Used on the live path where batching would add latency.

use racecraft_core::{CHANNEL_COUNT, Frame};

use crate::{Error, Reader, Result};

/// Encoded size of `frame`.
pub fn encoded_len(frame: &Frame) -> usize {
    16 + 4 * frame.len()
}

/// Appends `frame` to `out`.
pub fn encode(frame: &Frame, out: &mut Vec<u8>) {
    out.reserve(encoded_len(frame));
    out.extend_from_slice(&frame.t_us.to_le_bytes());
    out.extend_from_slice(&frame.present_mask().to_le_bytes());
    for (_, value) in frame.iter() {
        out.extend_from_slice(&value.to_le_bytes());
    }
}

/// Decodes one frame from the start of `bytes`; returns it and the number of bytes used.
///
/// A mask bit for a channel this version does not know is an error (the sender is newer than us), and so is
/// a value that is not finite: neither is silently dropped.
pub fn decode(bytes: &[u8]) -> Result<(Frame, usize)> {
    let mut r = Reader::new(bytes);
    let frame = decode_from(&mut r)?;
    Ok((frame, r.pos()))
}

pub(crate) fn decode_from(r: &mut Reader<'_>) -> Result<Frame> {
    let t_us = r.i64()?;
    let present = r.u64()?;
    if present & !Frame::ALL_CHANNELS_MASK != 0 {
        return Err(Error::Malformed {
            what: "compact frame",
            detail: format!("presence mask {present:#x} names channels beyond the {CHANNEL_COUNT} this version knows"),
        });
    }
    let mut slots = [0f32; CHANNEL_COUNT];
    let mut mask = present;
    while mask != 0 {
        let i = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let v = r.f32()?;
        if !v.is_finite() {
            return Err(Error::Malformed { what: "compact frame", detail: format!("channel {i} is not finite") });
        }
        slots[i] = v;
    }
    Ok(Frame::from_slots(t_us, present, &slots))
}

#[cfg(test)]
mod tests {
    use super::*;
    use racecraft_core::Channel;

    #[test]
    fn golden_bytes() {
        let f = Frame::new(1_000).with(Channel::Speed, 1.0).with(Channel::Gear, -1.0);
        let mut out = Vec::new();
        encode(&f, &mut out);
        let mut expected = Vec::new();
        expected.extend_from_slice(&1000i64.to_le_bytes());
        expected.extend_from_slice(&0b101u64.to_le_bytes());
        expected.extend_from_slice(&1.0f32.to_le_bytes());
        expected.extend_from_slice(&(-1.0f32).to_le_bytes());
        assert_eq!(out, expected);
        assert_eq!(decode(&out), Ok((f, 24)));
    }

    #[test]
    fn truncation_at_every_length_is_an_error() {
        let f = Frame::new(7).with(Channel::Speed, 3.0).with(Channel::Rpm, 4000.0);
        let mut out = Vec::new();
        encode(&f, &mut out);
        for n in 0..out.len() {
            assert!(matches!(decode(&out[..n]), Err(Error::Truncated { .. })), "len {n}");
        }
    }

    #[test]
    fn unknown_channels_and_nan_are_refused() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0i64.to_le_bytes());
        bytes.extend_from_slice(&(1u64 << 63).to_le_bytes());
        bytes.extend_from_slice(&1.0f32.to_le_bytes());
        assert!(matches!(decode(&bytes), Err(Error::Malformed { .. })));
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&0i64.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&f32::NAN.to_le_bytes());
        assert!(matches!(decode(&bytes), Err(Error::Malformed { .. })));
    }
}
