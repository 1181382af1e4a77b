//! Constants of the byte layout. `FORMAT.md` in this crate describes every byte.

/// The first eight bytes of every recording. Like PNG's: a high byte catches 7-bit transfers, and CR LF,
/// SUB and LF catch line-ending conversion and `type` on Windows.
pub const MAGIC: [u8; 8] = *b"\x89RCR\r\n\x1a\n";
/// The format version this build writes, and the newest it reads. Version 2 has the same blocks as
/// version 1, but its frame blocks may hold version-2 codec chunks (zstd, predicted columns), which a
/// version-1 reader cannot decode: the bump makes such a reader say "newer version" instead of skipping
/// every frame block. Version-1 files are still read.
pub const VERSION: u16 = 2;
/// File header size: magic, u16 version, u16 reserved flags.
pub const FILE_HEADER_LEN: usize = 12;
/// Block header size: u8 type, u8 reserved, u32 payload length, u32 crc32.
pub const BLOCK_HEADER_LEN: usize = 10;
/// Largest payload a reader accepts. Refusing larger lengths up front means a corrupt length never
/// makes the reader allocate or wait for gigabytes.
pub const MAX_BLOCK_LEN: u32 = 64 << 20;
/// Largest number of frames in one frame block. Bounds the memory one decoded block can take (about 11 MiB).
pub const MAX_FRAMES_PER_BLOCK: u32 = 65_536;

/// Block type: session metadata, JSON of `SessionMeta`.
pub const BLOCK_META: u8 = 1;
/// Block type: frames, one codec chunk.
pub const BLOCK_FRAMES: u8 = 2;
/// Block type: one raw game packet.
pub const BLOCK_RAW: u8 = 3;
/// Block type: a lap marker.
pub const BLOCK_LAP: u8 = 4;
/// Block type: the trailer with the seek index; the last block of a finished file.
pub const BLOCK_TRAILER: u8 = 5;

/// Lap block payload size.
pub const LAP_PAYLOAD_LEN: usize = 21;

/// The crc32 of a block: over its type, reserved and length bytes, then its payload. Covering the header
/// means a flipped type or length is caught too, not just damage to the payload.
pub fn block_crc(header6: &[u8; 6], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(header6);
    h.update(payload);
    h.finalize()
}
