//! The columnar chunk: many frames, column by column, predicted, byte-shuffled and compressed.
//!
//! ```text
//! header (16 bytes): u8 version = 2 · u8 codec (0 none, 1 LZ4, 2 zstd) · u16 reserved = 0
//!                    · u32 frame_count · u32 raw_len (body size before compression) · u32 crc32 (of body as stored)
//! body (raw):  time column   frame_count zigzag LEB128 varints: t_us of the first frame, the first delta,
//!                            then delta-of-deltas (all wrapping i64 arithmetic)
//!              u64 union mask of channels present in any frame
//!              per channel in the mask, in index order:
//!                u8 kind: bit 0 presence (0: in every frame, 1: bitmap of frame_count bits follows, LSB
//!                   first, padding bits 0) · bits 1..=3 predictor (below) · bits 4..=7 zero
//!                predictor 0 (constant): one u32, the bits of every present value
//!                otherwise: one u32 residual per present value, byte-shuffled (4 planes):
//!                  1 XOR previous · 2 XOR linear extrapolation · 3 zigzag difference to the linear
//!                  extrapolation · 4 zigzag difference to the previous (all on the f32 bit patterns)
//! ```
//! Why this layout: consecutive telemetry samples share sign, exponent and high mantissa bits, so a good
//! prediction leaves residuals whose high bytes are zero, and shuffling puts those zero bytes next to each
//! other, where the entropy coder finds long runs. The encoder picks each column's predictor by the bits its
//! residuals need: linear extrapolation (`2a − b`, computed in f64 and rounded to f32) wins on smooth
//! signals at high rates, the previous value on steps (gear, lap), the integer difference on monotone
//! columns (time in lap, distance). Constant columns cost four bytes whatever the chunk length.
//!
//! Version 1 chunks (XOR with the previous value only, times as shuffled i64 deltas, a flags byte with bit 0
//! meaning LZ4) are still decoded, so old recordings and stored chunks keep working; this build writes
//! version 2 only.
//!
//! On simulated 333 Hz frames zstd (level 3) makes 8192-frame chunks about 30 % smaller than LZ4 (14.3 vs
//! 20.5 B/frame) and 33-frame chunks about 27 % smaller; [`Compression`] lets the caller choose per chunk
//! (recording blocks use zstd; the live path and the store's 1-second chunks LZ4).

use std::cell::RefCell;

use racecraft_core::{CHANNEL_COUNT, Frame};

use crate::{Error, Reader, Result};

/// Chunk version this build writes.
pub const VERSION: u8 = 2;
/// The first chunk version, still read.
pub const VERSION_1: u8 = 1;
/// Header size in bytes.
pub const HEADER_LEN: usize = 16;
/// Largest number of frames one chunk may hold (about 50 minutes at 333 Hz).
pub const MAX_FRAMES: u32 = 1 << 20;
/// The zstd level [`ChunkEncoder::new`] uses: level 3 is zstd's default, within a few percent of the best
/// levels on this layout at a fraction of their time.
pub const DEFAULT_ZSTD_LEVEL: i32 = 3;

/// The most an LZ4 block can expand: a 3-byte match sequence plus n extension bytes of 255 produce at most
/// 255 bytes per byte read, and literals produce one.
const LZ4_MAX_RATIO: usize = 255;
/// The most a zstd frame can expand: no block regenerates more than 128 KiB and none is shorter than 4
/// bytes (3-byte header and an RLE byte).
const ZSTD_MAX_RATIO: usize = 32 * 1024;

const V1_FLAG_LZ4: u8 = 1;
const CODEC_NONE: u8 = 0;
const CODEC_LZ4: u8 = 1;
const CODEC_ZSTD: u8 = 2;

const KIND_BITMAP: u8 = 1;
const PRED_CONST: u8 = 0;
const PRED_XOR_PREV: u8 = 1;
const PRED_XOR_LINEAR: u8 = 2;
const PRED_SUB_LINEAR: u8 = 3;
const PRED_SUB_PREV: u8 = 4;

/// Body compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Stored as is.
    None,
    /// LZ4 block: fastest to decode; the live path and short chunks.
    Lz4,
    /// One zstd frame at the encoder's level: about 30 % smaller than LZ4 on telemetry.
    Zstd,
}

/// Summary of a chunk from its header alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkHeader {
    /// Chunk version: [`VERSION_1`] or [`VERSION`].
    pub version: u8,
    /// Frames in the chunk.
    pub frame_count: u32,
    /// Body compression.
    pub compression: Compression,
    /// Body size before compression.
    pub raw_len: u32,
}

/// Encodes chunks, reusing its scratch buffers (and zstd context) across calls so steady-state encoding
/// does not allocate.
pub struct ChunkEncoder {
    raw: Vec<u8>,
    /// Present values' bits per channel, filled in one pass over the frames.
    columns: Vec<Vec<u32>>,
    residuals: Vec<u32>,
    zstd_level: i32,
    zstd: Option<zstd::bulk::Compressor<'static>>,
}

impl std::fmt::Debug for ChunkEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkEncoder").field("zstd_level", &self.zstd_level).finish_non_exhaustive()
    }
}

impl Default for ChunkEncoder {
    fn default() -> Self {
        ChunkEncoder::new()
    }
}

impl ChunkEncoder {
    /// A new encoder; zstd chunks use [`DEFAULT_ZSTD_LEVEL`].
    pub fn new() -> ChunkEncoder {
        ChunkEncoder {
            raw: Vec::new(),
            columns: vec![Vec::new(); CHANNEL_COUNT],
            residuals: Vec::new(),
            zstd_level: DEFAULT_ZSTD_LEVEL,
            zstd: None,
        }
    }

    /// A new encoder whose zstd chunks use `level` (clamped to zstd's range, 1..=22).
    pub fn with_zstd_level(level: i32) -> ChunkEncoder {
        ChunkEncoder { zstd_level: level.clamp(1, 22), ..ChunkEncoder::new() }
    }

    /// The raw (uncompressed) version-2 body of the last chunk encoded: what the entropy coder saw.
    pub fn last_raw_body(&self) -> &[u8] {
        &self.raw
    }

    /// Appends the chunk of `frames` to `out`.
    ///
    /// # Panics
    /// If `frames` holds more than [`MAX_FRAMES`]: callers cut chunks far smaller.
    pub fn encode(&mut self, frames: &[Frame], compression: Compression, out: &mut Vec<u8>) {
        assert!(frames.len() <= MAX_FRAMES as usize, "chunk of {} frames exceeds MAX_FRAMES", frames.len());
        let n = frames.len();
        self.raw.clear();
        encode_times(frames, &mut self.raw);

        // One pass over the frames to transpose them: 41 strided passes cost more than the coding itself.
        for column in &mut self.columns {
            column.clear();
        }
        let mut union = 0u64;
        for f in frames {
            let mut mask = f.present_mask();
            union |= mask;
            while mask != 0 {
                let ch = mask.trailing_zeros() as usize;
                mask &= mask - 1;
                self.columns[ch].push(f.value_at(ch).to_bits());
            }
        }
        self.raw.extend_from_slice(&union.to_le_bytes());
        let mut mask = union;
        while mask != 0 {
            let ch = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            let bit = 1u64 << ch;
            let column = &self.columns[ch];
            let bitmap = column.len() != n;
            let predictor = choose_predictor(column);
            self.raw.push((u8::from(bitmap) * KIND_BITMAP) | (predictor << 1));
            if bitmap {
                let start = self.raw.len();
                self.raw.resize(start + n.div_ceil(8), 0);
                for (i, f) in frames.iter().enumerate() {
                    if f.present_mask() & bit != 0 {
                        self.raw[start + i / 8] |= 1 << (i % 8);
                    }
                }
            }
            if predictor == PRED_CONST {
                self.raw.extend_from_slice(&column[0].to_le_bytes());
                continue;
            }
            self.residuals.clear();
            match predictor {
                PRED_XOR_PREV => residuals::<PRED_XOR_PREV>(column, &mut self.residuals),
                PRED_XOR_LINEAR => residuals::<PRED_XOR_LINEAR>(column, &mut self.residuals),
                PRED_SUB_LINEAR => residuals::<PRED_SUB_LINEAR>(column, &mut self.residuals),
                _ => residuals::<PRED_SUB_PREV>(column, &mut self.residuals),
            }
            shuffle(&self.residuals, &mut self.raw);
        }

        let header_at = out.len();
        let body_start = header_at + HEADER_LEN;
        out.extend_from_slice(&[VERSION, CODEC_NONE, 0, 0]);
        out.extend_from_slice(&(n as u32).to_le_bytes());
        out.extend_from_slice(&(self.raw.len() as u32).to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        match compression {
            Compression::None => out.extend_from_slice(&self.raw),
            Compression::Lz4 => {
                out[header_at + 1] = CODEC_LZ4;
                let max = lz4_flex::block::get_maximum_output_size(self.raw.len());
                out.resize(body_start + max, 0);
                let written = lz4_flex::block::compress_into(&self.raw, &mut out[body_start..])
                    .expect("output sized by get_maximum_output_size");
                out.truncate(body_start + written);
            }
            Compression::Zstd => {
                out[header_at + 1] = CODEC_ZSTD;
                let max = zstd::zstd_safe::compress_bound(self.raw.len());
                out.resize(body_start + max, 0);
                let level = self.zstd_level;
                let compressor = match &mut self.zstd {
                    Some(c) => c,
                    slot => slot.insert(zstd::bulk::Compressor::new(level).expect("zstd context allocates")),
                };
                let written = compressor
                    .compress_to_buffer(&self.raw, &mut out[body_start..])
                    .expect("output sized by compress_bound");
                out.truncate(body_start + written);
            }
        }
        let crc = crc32fast::hash(&out[body_start..]);
        out[body_start - 4..body_start].copy_from_slice(&crc.to_le_bytes());
    }
}

/// Encodes `frames` into a new buffer with LZ4 (convenience for cold paths).
pub fn encode(frames: &[Frame]) -> Vec<u8> {
    let mut out = Vec::new();
    ChunkEncoder::new().encode(frames, Compression::Lz4, &mut out);
    out
}

/// Writes the time column: zigzag varints of the first time, the first delta, then delta-of-deltas.
fn encode_times(frames: &[Frame], raw: &mut Vec<u8>) {
    let (mut prev, mut prev_delta) = (0i64, 0i64);
    for (i, f) in frames.iter().enumerate() {
        let value = match i {
            0 => f.t_us,
            1 => f.t_us.wrapping_sub(prev),
            _ => f.t_us.wrapping_sub(prev).wrapping_sub(prev_delta),
        };
        if i > 0 {
            prev_delta = f.t_us.wrapping_sub(prev);
        }
        prev = f.t_us;
        write_varint(zigzag64(value), raw);
    }
}

fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag64(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn unzigzag32(v: u32) -> i32 {
    (v >> 1) as i32 ^ -((v & 1) as i32)
}

fn write_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(r: &mut Reader<'_>) -> Result<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let b = r.u8()?;
        // The tenth byte holds only the top bit of a u64.
        if i == 9 && b > 1 {
            return Err(malformed("time varint overflows 64 bits".into()));
        }
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(malformed("time varint longer than 10 bytes".into()))
}

/// The running state of a column's predictors: the last two values' bits, both +0.0 before the first value
/// (so the first prediction is 0.0 and the second `2·v0`): no branch per value for the warm-up.
#[derive(Default)]
struct Predictor {
    a: u32,
    b: u32,
}

impl Predictor {
    /// `2a − b` in f64, rounded to f32: exact for any pair of f32 and the same on every IEEE platform, so
    /// encoder and decoder agree bit for bit.
    #[inline(always)]
    fn linear(&self) -> u32 {
        let (a, b) = (f64::from(f32::from_bits(self.a)), f64::from(f32::from_bits(self.b)));
        ((2.0 * a - b) as f32).to_bits()
    }

    #[inline(always)]
    fn prev(&self) -> u32 {
        self.a
    }

    #[inline(always)]
    fn push(&mut self, w: u32) {
        self.b = self.a;
        self.a = w;
    }

    #[inline(always)]
    fn residual(&mut self, predictor: u8, w: u32) -> u32 {
        let r = match predictor {
            PRED_XOR_PREV => w ^ self.prev(),
            PRED_XOR_LINEAR => w ^ self.linear(),
            PRED_SUB_LINEAR => zigzag32(w.wrapping_sub(self.linear()) as i32),
            _ => zigzag32(w.wrapping_sub(self.prev()) as i32),
        };
        self.push(w);
        r
    }

    #[inline(always)]
    fn value(&mut self, predictor: u8, r: u32) -> u32 {
        let w = match predictor {
            PRED_XOR_PREV => r ^ self.prev(),
            PRED_XOR_LINEAR => r ^ self.linear(),
            PRED_SUB_LINEAR => self.linear().wrapping_add(unzigzag32(r) as u32),
            _ => self.prev().wrapping_add(unzigzag32(r) as u32),
        };
        self.push(w);
        w
    }
}

/// Appends the residuals of `column` under predictor `P` (a const so the loop has no branch per value).
fn residuals<const P: u8>(column: &[u32], out: &mut Vec<u32>) {
    let mut p = Predictor::default();
    out.extend(column.iter().map(|&w| p.residual(P, w)));
}

/// Undoes [`residuals`]: reads `m` shuffled residuals from `planes` and appends the values' bits to `out`.
fn values<const P: u8>(planes: [&[u8]; 4], out: &mut Vec<u32>) {
    let mut p = Predictor::default();
    let [p0, p1, p2, p3] = planes;
    out.extend(
        p0.iter()
            .zip(p1)
            .zip(p2)
            .zip(p3)
            .map(|(((&b0, &b1), &b2), &b3)| p.value(P, u32::from_le_bytes([b0, b1, b2, b3]))),
    );
}

/// The predictor whose residuals need the fewest significant bits in total; constant columns get
/// [`PRED_CONST`]. Bits are a proxy for what the entropy coder will spend, cheap enough to try all four.
fn choose_predictor(column: &[u32]) -> u8 {
    let Some(&first) = column.first() else { return PRED_XOR_PREV };
    if column.iter().all(|&w| w == first) {
        return PRED_CONST;
    }
    let bits = |r: u32| u64::from(32 - r.leading_zeros());
    let mut cost = [0u64; 4];
    // At most four windows of 256 values, spread over the chunk, decide: trying four predictors on every
    // value of a long chunk would cost more than coding it, and a column keeps its character for seconds.
    const WINDOW: usize = 256;
    let windows = column.len().div_ceil(WINDOW).min(4);
    for k in 0..windows {
        let start = (column.len() / windows * k).min(column.len().saturating_sub(WINDOW));
        let mut p = Predictor::default();
        if start >= 2 {
            p.push(column[start - 2]);
            p.push(column[start - 1]);
        }
        for &w in &column[start..(start + WINDOW).min(column.len())] {
            let (prev, linear) = (p.prev(), p.linear());
            cost[0] += bits(w ^ prev);
            cost[1] += bits(w ^ linear);
            cost[2] += bits(zigzag32(w.wrapping_sub(linear) as i32));
            cost[3] += bits(zigzag32(w.wrapping_sub(prev) as i32));
            p.push(w);
        }
    }
    // Ties go to the earliest, the cheapest to decode.
    let best = (0..4).min_by_key(|&i| cost[i]).unwrap_or(0);
    [PRED_XOR_PREV, PRED_XOR_LINEAR, PRED_SUB_LINEAR, PRED_SUB_PREV][best]
}

/// The largest raw (uncompressed) body a version-2 chunk of `frames` frames can have: every time a 10-byte
/// varint, and every channel a kind byte, a bitmap and a value per frame.
pub fn max_raw_len(frames: usize) -> usize {
    10 * frames + 8 + CHANNEL_COUNT * (1 + frames.div_ceil(8) + 4 * frames.max(1))
}

/// The largest chunk of `frames` frames [`ChunkEncoder::encode`] writes without compression or with LZ4.
pub fn max_encoded_len_lz4(frames: usize) -> usize {
    HEADER_LEN + lz4_flex::block::get_maximum_output_size(max_raw_len(frames))
}

/// Reads and checks the header; returns it and the body.
pub fn header(bytes: &[u8]) -> Result<(ChunkHeader, &[u8])> {
    let mut r = Reader::new(bytes);
    let version = r.u8()?;
    if version != VERSION && version != VERSION_1 {
        return Err(Error::UnsupportedVersion { what: "chunk", version });
    }
    let codec = r.u8()?;
    let reserved = r.array::<2>()?;
    let compression = match (version, codec) {
        (VERSION_1, 0) | (VERSION, CODEC_NONE) => Some(Compression::None),
        (VERSION_1, V1_FLAG_LZ4) | (VERSION, CODEC_LZ4) => Some(Compression::Lz4),
        (VERSION, CODEC_ZSTD) => Some(Compression::Zstd),
        _ => None,
    };
    let Some(compression) = compression.filter(|_| reserved == [0, 0]) else {
        return Err(malformed(format!("unknown codec {codec:#x} or reserved bytes {reserved:?} set")));
    };
    let frame_count = r.u32()?;
    if frame_count > MAX_FRAMES {
        return Err(malformed(format!("{frame_count} frames exceeds the limit of {MAX_FRAMES}")));
    }
    let raw_len = r.u32()?;
    // The largest body frame_count frames can need: times, mask, and per channel a kind byte, a bitmap and
    // values (a constant column holds 4 bytes even when no frame has it).
    let n = frame_count as usize;
    let max_raw = match version {
        VERSION_1 => 8 * n + 8 + CHANNEL_COUNT * (1 + n.div_ceil(8) + 4 * n),
        _ => max_raw_len(n),
    };
    if raw_len as usize > max_raw {
        return Err(malformed(format!("body of {raw_len} bytes is too large for {frame_count} frames")));
    }
    // And the smallest: every frame needs at least one byte of time (eight in version 1), then the mask.
    // Decoders size their output from frame_count once this holds, so a count the bytes cannot back is
    // refused here, before anything is allocated from it.
    let min_raw = match version {
        VERSION_1 => 8 * n + 8,
        _ => n + 8,
    };
    if (raw_len as usize) < min_raw {
        return Err(malformed(format!("body of {raw_len} bytes is too small for {frame_count} frames")));
    }
    let stored = r.u32()?;
    let body = r.rest();
    // A compressed body cannot expand past its codec's largest ratio: the decompression buffer is sized
    // from raw_len, so a tiny body claiming a large raw_len is refused before that buffer exists.
    let max_ratio = match compression {
        Compression::None => 1,
        Compression::Lz4 => LZ4_MAX_RATIO,
        Compression::Zstd => ZSTD_MAX_RATIO,
    };
    if raw_len as usize > max_ratio.saturating_mul(body.len()) {
        return Err(malformed(format!("{} body bytes cannot hold {raw_len} bytes", body.len())));
    }
    let computed = crc32fast::hash(body);
    if stored != computed {
        return Err(Error::Checksum { stored, computed });
    }
    Ok((ChunkHeader { version, frame_count, compression, raw_len }, body))
}

/// Decodes a whole chunk.
pub fn decode(bytes: &[u8]) -> Result<Vec<Frame>> {
    let mut frames = Vec::new();
    decode_into(bytes, &mut frames)?;
    Ok(frames)
}

thread_local! {
    /// One zstd decompression context per thread: creating one costs more than decoding a short chunk.
    static ZSTD_DECODER: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
    /// One decoding scratch per thread: fresh buffers of a long chunk's size cost a page fault per 4 KiB.
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch { body: Vec::new(), values: Vec::new() }) };
}

/// What decoding a chunk needs besides its output: the decompressed body and the decoded columns.
#[derive(Debug, Default)]
struct Scratch {
    body: Vec<u8>,
    values: Vec<u32>,
}

/// A thread keeps at most this many bytes of scratch between chunks (a longest 333 Hz block needs about 2 MB).
const SCRATCH_KEPT_BYTES: usize = 4 << 20;

fn zstd_decompress(body: &[u8], buf: &mut [u8]) -> Result<usize> {
    ZSTD_DECODER.with(|cell| {
        let mut slot = cell.borrow_mut();
        let decoder = match &mut *slot {
            Some(d) => d,
            slot => slot.insert(zstd::bulk::Decompressor::new().map_err(|e| malformed(format!("zstd context: {e}")))?),
        };
        // The destination is exactly raw_len bytes, so a frame that claims more fails instead of allocating.
        decoder.decompress_to_buffer(body, buf).map_err(|e| malformed(format!("zstd body: {e}")))
    })
}

/// Decodes a chunk, appending its frames to `frames`. On error, `frames` is left as it was.
pub fn decode_into(bytes: &[u8], frames: &mut Vec<Frame>) -> Result<()> {
    decode_channels_into(bytes, Frame::ALL_CHANNELS_MASK, frames)
}

/// Decodes only the channels in `channels` (a mask of [`Channel::index`](racecraft_core::Channel::index)
/// bits) of a chunk, appending its frames to `frames`: the other columns are stepped over, not decoded, which
/// makes reading a few channels of a long session several times faster. The checksum still covers the whole
/// chunk. Version 1 chunks are decoded whole. On error, `frames` is left as it was.
pub fn decode_channels_into(bytes: &[u8], channels: u64, frames: &mut Vec<Frame>) -> Result<()> {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = decode_with(bytes, channels, frames, &mut scratch);
            if scratch.body.capacity() + 4 * scratch.values.capacity() > SCRATCH_KEPT_BYTES {
                *scratch = Scratch::default();
            }
            result
        }
        Err(_) => decode_with(bytes, channels, frames, &mut Scratch::default()),
    })
}

fn decode_with(bytes: &[u8], channels: u64, frames: &mut Vec<Frame>, scratch: &mut Scratch) -> Result<()> {
    let (h, body) = header(bytes)?;
    let Scratch { body: buf, values } = scratch;
    let raw: &[u8] = match h.compression {
        Compression::None => body,
        Compression::Lz4 | Compression::Zstd => {
            buf.clear();
            buf.resize(h.raw_len as usize, 0);
            let got = if h.compression == Compression::Lz4 {
                lz4_flex::block::decompress_into(body, buf).map_err(|e| malformed(format!("LZ4 body: {e}")))?
            } else {
                zstd_decompress(body, buf)?
            };
            if got != buf.len() {
                return Err(malformed(format!("body decompressed to {got} bytes, header says {}", buf.len())));
            }
            buf
        }
    };
    if raw.len() != h.raw_len as usize {
        return Err(malformed(format!("body is {} bytes, header says {}", raw.len(), h.raw_len)));
    }
    let n = h.frame_count as usize;
    let mut r = Reader::new(raw);
    let start = frames.len();
    // header() has checked that the body holds at least one byte per frame.
    frames.reserve(n);
    let result = if h.version == VERSION_1 {
        decode_times_v1(&mut r, n, frames).and_then(|()| decode_columns_v1(&mut r, n, &mut frames[start..]))
    } else {
        decode_times(&mut r, n, frames).and_then(|()| decode_columns(&mut r, n, channels, &mut frames[start..], values))
    };
    let result = result.and_then(|()| match r.remaining() {
        0 => Ok(()),
        extra => Err(malformed(format!("{extra} trailing bytes in body"))),
    });
    if result.is_err() {
        frames.truncate(start);
    }
    result
}

fn decode_times(r: &mut Reader<'_>, n: usize, frames: &mut Vec<Frame>) -> Result<()> {
    let (mut t, mut delta) = (0i64, 0i64);
    for i in 0..n {
        let v = unzigzag64(read_varint(r)?);
        match i {
            0 => t = v,
            1 => {
                delta = v;
                t = t.wrapping_add(delta);
            }
            _ => {
                delta = delta.wrapping_add(v);
                t = t.wrapping_add(delta);
            }
        }
        frames.push(Frame::new(t));
    }
    Ok(())
}

/// One decoded column: where its values are and which frames have it.
struct Column<'a> {
    channel: racecraft_core::Channel,
    bitmap: Option<&'a [u8]>,
    /// A constant column's value.
    constant: Option<f32>,
    /// Next value in the scratch buffer.
    cursor: usize,
}

fn decode_columns(
    r: &mut Reader<'_>,
    n: usize,
    wanted: u64,
    frames: &mut [Frame],
    scratch: &mut Vec<u32>,
) -> Result<()> {
    let union = r.u64()?;
    if union & !Frame::ALL_CHANNELS_MASK != 0 {
        return Err(malformed(format!("channel mask {union:#x} names channels this version does not know")));
    }
    // First every column into one scratch buffer, column after column, then one pass writing the frames in
    // order: writing each column straight into the frames walks the whole frame array once per channel,
    // which falls out of cache on long chunks.
    // Every value in the scratch buffer comes from four bytes of the body: sized by those, not by the count.
    scratch.clear();
    scratch.reserve((n * union.count_ones() as usize).min(r.remaining() / 4));
    let mut columns: Vec<Column<'_>> = Vec::with_capacity(union.count_ones() as usize);
    let mut mask = union;
    while mask != 0 {
        let ch = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let channel = racecraft_core::Channel::ALL[ch];
        let kind = r.u8()?;
        let predictor = (kind >> 1) & 0b111;
        if kind & 0xf0 != 0 || predictor > PRED_SUB_PREV {
            return Err(malformed(format!("column kind {kind:#04x} for channel {ch}")));
        }
        let bitmap = if kind & KIND_BITMAP != 0 {
            let b = r.take(n.div_ceil(8))?;
            if !n.is_multiple_of(8) && b[n / 8] >> (n % 8) != 0 {
                return Err(malformed(format!("padding bits set in the presence bitmap of channel {ch}")));
            }
            Some(b)
        } else {
            None
        };
        let m = bitmap.map_or(n, |b| b.iter().map(|x| x.count_ones() as usize).sum());
        if wanted & (1 << ch) == 0 {
            r.take(if predictor == PRED_CONST { 4 } else { 4 * m })?;
            continue;
        }
        if predictor == PRED_CONST {
            let v = f32::from_bits(r.u32()?);
            if !v.is_finite() {
                return Err(malformed(format!("channel {ch} constant is not finite")));
            }
            columns.push(Column { channel, bitmap, constant: Some(v), cursor: 0 });
            continue;
        }
        let words = r.take(4 * m)?;
        let (p0, rest) = words.split_at(m);
        let (p1, rest) = rest.split_at(m);
        let (p2, p3) = rest.split_at(m);
        let planes = [p0, p1, p2, p3];
        let start = scratch.len();
        match predictor {
            PRED_XOR_PREV => values::<PRED_XOR_PREV>(planes, scratch),
            PRED_XOR_LINEAR => values::<PRED_XOR_LINEAR>(planes, scratch),
            PRED_SUB_LINEAR => values::<PRED_SUB_LINEAR>(planes, scratch),
            _ => values::<PRED_SUB_PREV>(planes, scratch),
        }
        if let Some(k) = scratch[start..].iter().position(|&w| !f32::from_bits(w).is_finite()) {
            return Err(malformed(format!("channel {ch} value {k} is not finite")));
        }
        columns.push(Column { channel, bitmap, constant: None, cursor: start });
    }
    for (i, frame) in frames.iter_mut().enumerate() {
        for c in &mut columns {
            if c.bitmap.is_some_and(|b| b[i / 8] & (1 << (i % 8)) == 0) {
                continue;
            }
            let v = match c.constant {
                Some(v) => v,
                None => {
                    c.cursor += 1;
                    f32::from_bits(scratch[c.cursor - 1])
                }
            };
            frame.set(c.channel, v);
        }
    }
    Ok(())
}

fn decode_times_v1(r: &mut Reader<'_>, n: usize, frames: &mut Vec<Frame>) -> Result<()> {
    let times = r.take(8 * n)?;
    let mut t = 0i64;
    for i in 0..n {
        let mut b = [0u8; 8];
        for (p, byte) in b.iter_mut().enumerate() {
            *byte = times[p * n + i];
        }
        t = t.wrapping_add(i64::from_le_bytes(b));
        frames.push(Frame::new(t));
    }
    Ok(())
}

fn decode_columns_v1(r: &mut Reader<'_>, n: usize, frames: &mut [Frame]) -> Result<()> {
    let union = r.u64()?;
    if union & !Frame::ALL_CHANNELS_MASK != 0 {
        return Err(malformed(format!("channel mask {union:#x} names channels this version does not know")));
    }
    let mut mask = union;
    while mask != 0 {
        let ch = mask.trailing_zeros() as usize;
        mask &= mask - 1;
        let channel = racecraft_core::Channel::ALL[ch];
        let bitmap = match r.u8()? {
            0 => None,
            1 => Some(r.take(n.div_ceil(8))?),
            other => return Err(malformed(format!("presence kind {other} for channel {ch}"))),
        };
        let present = |i: usize| bitmap.is_none_or(|b| b[i / 8] & (1 << (i % 8)) != 0);
        let m = (0..n).filter(|&i| present(i)).count();
        let words = r.take(4 * m)?;
        let mut prev = 0u32;
        let mut k = 0;
        for (i, frame) in frames.iter_mut().enumerate() {
            if !present(i) {
                continue;
            }
            let b = [words[k], words[m + k], words[2 * m + k], words[3 * m + k]];
            k += 1;
            let w = u32::from_le_bytes(b) ^ prev;
            prev = w;
            let v = f32::from_bits(w);
            if !v.is_finite() {
                return Err(malformed(format!("channel {ch} frame {i} is not finite")));
            }
            frame.set(channel, v);
        }
    }
    Ok(())
}

/// Appends `words` byte-shuffled: all first bytes, then all second bytes, and so on.
fn shuffle(words: &[u32], out: &mut Vec<u8>) {
    let n = words.len();
    let start = out.len();
    out.resize(start + 4 * n, 0);
    let (p0, rest) = out[start..].split_at_mut(n);
    let (p1, rest) = rest.split_at_mut(n);
    let (p2, p3) = rest.split_at_mut(n);
    for (i, w) in words.iter().enumerate() {
        let b = w.to_le_bytes();
        p0[i] = b[0];
        p1[i] = b[1];
        p2[i] = b[2];
        p3[i] = b[3];
    }
}

fn malformed(detail: String) -> Error {
    Error::Malformed { what: "chunk", detail }
}

#[cfg(test)]
mod tests;
