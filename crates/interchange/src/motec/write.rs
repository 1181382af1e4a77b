//! The `.ld` writer.
//!
//! Layout written: header (1762 B) at 0, event block at 1762, venue block, vehicle block, then the channel
//! metadata blocks one after another, then each channel's samples in list order, so the last channel's data
//! ends at end of file as in MoTeC's own files. Samples are always float32 (class 7, size 4) with
//! shift 0, mul 1, scale 1, dec 0: no precision is lost and no per-channel scaling has to be chosen.
//! Device fields copy MoTeC's Sample1.ld (ADL, serial 12007, version 420) because i2 is known to open it.

use std::io::Write;
use std::path::Path;

use racecraft_core::SessionMeta;

use super::{CHANNEL_META_LEN, EVENT_LEN, Error, HEADER_LEN, LD_MARKER, Result};

const VENUE_LEN: usize = 1100;
const VEHICLE_LEN: usize = 260;

/// Session-level strings of a `.ld` file. Strings longer than their field are cut (at a character boundary)
/// to leave a terminating NUL; characters outside Latin-1 are written as `?`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LdMeta {
    /// Driver name (63 bytes).
    pub driver: String,
    /// Vehicle id (63 bytes).
    pub vehicle: String,
    /// Venue / track (63 bytes).
    pub venue: String,
    /// Event name (63 bytes).
    pub event: String,
    /// Session name (63 bytes).
    pub session: String,
    /// Short comment (63 bytes); also the event's long comment.
    pub comment: String,
    /// Date, `dd/mm/yyyy`.
    pub date: String,
    /// Time of day, `HH:MM:SS`.
    pub time: String,
}

impl LdMeta {
    /// Driver, car, track and the UTC start date/time of a Racecraft session; event and session name are the
    /// game's id and `"1"`.
    pub fn from_session(s: &SessionMeta) -> LdMeta {
        let secs = s.started_at_ms.div_euclid(1000);
        let (days, tod) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        LdMeta {
            driver: s.driver.clone(),
            vehicle: s.car.clone(),
            venue: s.track.clone(),
            event: s.game.clone(),
            session: "1".into(),
            comment: String::new(),
            date: format!("{d:02}/{m:02}/{y:04}"),
            time: format!("{:02}:{:02}:{:02}", tod / 3600, tod / 60 % 60, tod % 60),
        }
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day) (H. Hinnant's civil_from_days).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// One channel to write.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LdChannel {
    /// Name (31 bytes), e.g. `"Ground Speed"`.
    pub name: String,
    /// Short name (7 bytes).
    pub short_name: String,
    /// Display unit (11 bytes). MoTeC treats it as a label: convert values before writing.
    pub unit: String,
    /// Sample rate in Hz, at least 1.
    pub rate_hz: u16,
    /// Samples, already in `unit`.
    pub values: Vec<f32>,
}

/// Writes `s` into `field` as Latin-1, leaving at least one trailing NUL.
fn put_str(field: &mut [u8], s: &str) {
    let max = field.len().saturating_sub(1);
    for (dst, c) in field.iter_mut().take(max).zip(s.chars()) {
        *dst = u8::try_from(u32::from(c)).unwrap_or(b'?');
    }
}

fn put_u16(buf: &mut [u8], off: usize, v: u16) {
    buf[off..off + 2].copy_from_slice(&v.to_le_bytes());
}

fn put_u32(buf: &mut [u8], off: usize, v: u32) {
    buf[off..off + 4].copy_from_slice(&v.to_le_bytes());
}

fn ptr(offset: usize) -> Result<u32> {
    u32::try_from(offset).map_err(|_| Error::TooLarge)
}

/// The bytes of a `.ld` file holding `channels` as float32.
pub fn encode_ld(meta: &LdMeta, channels: &[LdChannel]) -> Result<Vec<u8>> {
    if let Some(ch) = channels.iter().find(|c| c.rate_hz == 0) {
        return Err(Error::ZeroRate { channel: ch.name.clone() });
    }
    let event_ptr = HEADER_LEN;
    let venue_ptr = event_ptr + EVENT_LEN;
    let vehicle_ptr = venue_ptr + VENUE_LEN;
    let meta_ptr = vehicle_ptr + VEHICLE_LEN;
    let data_ptr = meta_ptr + CHANNEL_META_LEN * channels.len();
    let data_len: usize = channels.iter().map(|c| c.values.len().saturating_mul(4)).fold(0, usize::saturating_add);
    let total = data_ptr.checked_add(data_len).ok_or(Error::TooLarge)?;
    ptr(total)?;
    let num_channels = ptr(channels.len())?;
    let mut out = vec![0u8; total];

    let h = &mut out[..HEADER_LEN];
    put_u32(h, 0, LD_MARKER);
    put_u32(h, 8, if channels.is_empty() { 0 } else { ptr(meta_ptr)? });
    put_u32(h, 12, ptr(data_ptr)?);
    put_u32(h, 36, ptr(event_ptr)?);
    // Constants as in Sample1.ld; their meaning is unknown.
    put_u16(h, 64, 0);
    put_u16(h, 66, 0x4240);
    put_u16(h, 68, 0x000F);
    put_u32(h, 70, 12007);
    put_str(&mut h[74..82], "ADL");
    put_u16(h, 82, 420);
    put_u16(h, 84, 0x0080);
    put_u32(h, 86, num_channels);
    put_str(&mut h[94..110], &meta.date);
    put_str(&mut h[126..142], &meta.time);
    put_str(&mut h[158..222], &meta.driver);
    put_str(&mut h[222..286], &meta.vehicle);
    put_str(&mut h[350..414], &meta.venue);
    put_u32(h, 1502, 0x00D2_0822);
    put_str(&mut h[1508..1572], &meta.session);
    put_str(&mut h[1572..1636], &meta.comment);

    let e = &mut out[event_ptr..venue_ptr];
    put_str(&mut e[0..64], &meta.event);
    put_str(&mut e[64..128], &meta.session);
    put_str(&mut e[128..1152], &meta.comment);
    // The event and venue blocks hold 16-bit pointers; both targets sit below 64 KiB by construction.
    put_u16(e, 1152, venue_ptr as u16);
    let v = &mut out[venue_ptr..vehicle_ptr];
    put_str(&mut v[0..64], &meta.venue);
    put_u16(v, 1098, vehicle_ptr as u16);
    let veh = &mut out[vehicle_ptr..meta_ptr];
    put_str(&mut veh[0..64], &meta.vehicle);

    let mut data_at = data_ptr;
    for (i, ch) in channels.iter().enumerate() {
        let at = meta_ptr + i * CHANNEL_META_LEN;
        let c = &mut out[at..at + CHANNEL_META_LEN];
        put_u32(c, 0, if i == 0 { 0 } else { ptr(at - CHANNEL_META_LEN)? });
        put_u32(c, 4, if i + 1 == channels.len() { 0 } else { ptr(at + CHANNEL_META_LEN)? });
        put_u32(c, 8, ptr(data_at)?);
        put_u32(c, 12, ptr(ch.values.len())?);
        put_u16(c, 16, 0x2EE1u16.wrapping_add(i as u16));
        put_u16(c, 18, 7);
        put_u16(c, 20, 4);
        put_u16(c, 22, ch.rate_hz);
        put_u16(c, 24, 0);
        put_u16(c, 26, 1);
        put_u16(c, 28, 1);
        put_u16(c, 30, 0);
        put_str(&mut c[32..64], &ch.name);
        put_str(&mut c[64..72], &ch.short_name);
        put_str(&mut c[72..84], &ch.unit);
        for v in &ch.values {
            out[data_at..data_at + 4].copy_from_slice(&v.to_le_bytes());
            data_at += 4;
        }
    }
    Ok(out)
}

/// Writes a `.ld` file holding `channels` as float32 to `w`.
pub fn write_ld<W: Write>(mut w: W, meta: &LdMeta, channels: &[LdChannel]) -> Result<()> {
    w.write_all(&encode_ld(meta, channels)?)?;
    w.flush()?;
    Ok(())
}

/// Writes a `.ld` file at `path`.
pub fn write_ld_file(path: impl AsRef<Path>, meta: &LdMeta, channels: &[LdChannel]) -> Result<()> {
    let path = path.as_ref();
    let bytes = encode_ld(meta, channels)?;
    std::fs::write(path, bytes).map_err(|source| Error::File { source, path: path.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(13_110), (2005, 11, 23));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn meta_from_session() {
        let s = SessionMeta { started_at_ms: 1_132_739_580_000, ..SessionMeta::default() };
        let m = LdMeta::from_session(&s);
        assert_eq!((m.date.as_str(), m.time.as_str()), ("23/11/2005", "09:53:00"));
    }

    #[test]
    fn strings_keep_a_nul() {
        let mut f = [0u8; 4];
        put_str(&mut f, "abcdef");
        assert_eq!(&f, b"abc\0");
        put_str(&mut f, "é€");
        assert_eq!(&f[..2], &[0xE9, b'?']);
    }
}
