//! Framing of binary WebSocket messages. The first byte is the message kind.
//!
//! - [`KIND_TELEMETRY`] (server → viewer): `u8 1 · u64 seq · compact frame`.
//! - [`KIND_FRAMES`] (agent → server): `u8 2 · u64 first_seq · u32 count · chunk`.

use racecraft_core::Frame;

use crate::chunk::{ChunkEncoder, Compression};
use crate::{Error, Reader, Result, compact};

/// One live frame for a viewer.
pub const KIND_TELEMETRY: u8 = 1;
/// A batch of frames from an agent.
pub const KIND_FRAMES: u8 = 2;
/// Most frames one agent batch may carry: the agent's catch-up batches (about 12 s at 333 Hz). A chunk can
/// describe a million frames in a few kilobytes, and each decodes to a 180-byte [`Frame`], so the count is
/// capped before anything is decoded; this keeps a batch's decoding within a few MiB whatever it claims.
pub const MAX_BATCH_FRAMES: u32 = 4096;
/// Bytes in a batch message before its chunk.
const FRAMES_HEADER_LEN: usize = 1 + 8 + 4;

/// The largest message [`encode_frames`] writes for `frames` frames (every channel, incompressible values):
/// what a receiver must accept.
pub fn max_frames_message_len(frames: usize) -> usize {
    FRAMES_HEADER_LEN + crate::chunk::max_encoded_len_lz4(frames)
}

/// Appends a viewer telemetry message.
pub fn encode_telemetry(seq: u64, frame: &Frame, out: &mut Vec<u8>) {
    out.push(KIND_TELEMETRY);
    out.extend_from_slice(&seq.to_le_bytes());
    compact::encode(frame, out);
}

/// Decodes a viewer telemetry message into `(seq, frame)`.
pub fn decode_telemetry(bytes: &[u8]) -> Result<(u64, Frame)> {
    let mut r = Reader::new(bytes);
    expect_kind(&mut r, KIND_TELEMETRY)?;
    let seq = r.u64()?;
    let frame = compact::decode_from(&mut r)?;
    if !r.rest().is_empty() {
        return Err(malformed(format!("{} trailing bytes", r.remaining())));
    }
    Ok((seq, frame))
}

/// Appends an agent batch: frames numbered from `first_seq`. A single frame is sent uncompressed (LZ4 would
/// only add latency to 100 bytes); larger catch-up batches are compressed. Receivers refuse batches of more
/// than [`MAX_BATCH_FRAMES`].
pub fn encode_frames(encoder: &mut ChunkEncoder, first_seq: u64, frames: &[Frame], out: &mut Vec<u8>) {
    out.push(KIND_FRAMES);
    out.extend_from_slice(&first_seq.to_le_bytes());
    out.extend_from_slice(&(frames.len() as u32).to_le_bytes());
    let compression = if frames.len() > 8 { Compression::Lz4 } else { Compression::None };
    encoder.encode(frames, compression, out);
}

/// Decodes an agent batch into `(first_seq, frames)`, appending the frames to `frames`. On error `frames`
/// is left as it was, and no more than [`MAX_BATCH_FRAMES`] frames (nor more than the chunk's bytes can
/// hold, see [`crate::chunk::header`]) were ever reserved.
pub fn decode_frames(bytes: &[u8], frames: &mut Vec<Frame>) -> Result<u64> {
    let mut r = Reader::new(bytes);
    expect_kind(&mut r, KIND_FRAMES)?;
    let first_seq = r.u64()?;
    let count = r.u32()?;
    if count > MAX_BATCH_FRAMES {
        return Err(malformed(format!("batch of {count} frames exceeds the limit of {MAX_BATCH_FRAMES}")));
    }
    // Both counts must agree before the chunk is decoded, so its own count is held to the limit too.
    let (header, _) = crate::chunk::header(r.rest())?;
    if header.frame_count != count {
        return Err(malformed(format!("batch says {count} frames, its chunk {}", header.frame_count)));
    }
    crate::chunk::decode_into(r.rest(), frames)?;
    Ok(first_seq)
}

fn expect_kind(r: &mut Reader<'_>, kind: u8) -> Result<()> {
    let got = r.u8()?;
    if got != kind {
        return Err(malformed(format!("message kind {got}, expected {kind}")));
    }
    Ok(())
}

fn malformed(detail: String) -> Error {
    Error::Malformed { what: "wire message", detail }
}

#[cfg(test)]
mod tests {
    use super::*;
    use racecraft_core::Channel;

    #[test]
    fn telemetry_round_trip_and_garbage() {
        let f = Frame::new(42).with(Channel::Speed, 12.5);
        let mut out = Vec::new();
        encode_telemetry(9, &f, &mut out);
        assert_eq!(decode_telemetry(&out), Ok((9, f)));
        assert!(decode_telemetry(&out[..out.len() - 1]).is_err());
        let mut extra = out.clone();
        extra.push(0);
        assert!(decode_telemetry(&extra).is_err());
        out[0] = KIND_FRAMES;
        assert!(decode_telemetry(&out).is_err());
    }

    #[test]
    fn frames_round_trip_single_and_batch() {
        let mut enc = ChunkEncoder::new();
        for n in [1usize, 100] {
            let frames: Vec<_> = (0..n).map(|i| Frame::new(i as i64).with(Channel::Rpm, i as f32)).collect();
            let mut out = Vec::new();
            encode_frames(&mut enc, 77, &frames, &mut out);
            let mut back = Vec::new();
            assert_eq!(decode_frames(&out, &mut back), Ok(77));
            assert_eq!(back, frames);
            // A lying count is refused and leaves nothing behind.
            out[9] ^= 1;
            let mut back = Vec::new();
            assert!(decode_frames(&out, &mut back).is_err());
            assert!(back.is_empty());
        }
    }
}
