//! The `.ldx` sidecar: laps as beacon markers, plus the lap summary i2 shows in its details pane.
//!
//! Neither reference parser covers `.ldx` (protocols.md §5); the layout is the one i2 writes:
//! `LDXFile > Layers > Layer > MarkerBlock > MarkerGroup Name="Beacons" > Marker ClassName="BCN"` with the
//! beacon time in microseconds since the start of the log, and `Layers > Details > String` entries.

use std::fmt::Write as _;
use std::path::Path;

use racecraft_core::CompletedLap;

use super::{Error, Result};

/// The end of a lap, i.e. a beacon crossing.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LapMarker {
    /// Seconds since the start of the `.ld` log.
    pub end_time_s: f64,
}

/// The lap summary of the details pane.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LdxDetails {
    /// Number of laps.
    pub total_laps: u32,
    /// The fastest lap's number and time in seconds, if there is one.
    pub fastest: Option<(u32, f64)>,
}

impl LdxDetails {
    /// Beacons and summary for Racecraft laps, times relative to `log_start_us` (the session time of the `.ld`
    /// log's first sample, i.e. the earliest frame given to [`frames_to_ld_channels`](super::frames_to_ld_channels)).
    /// Every lap end becomes a beacon; the fastest lap is the fastest valid one (ties: the earlier lap).
    pub fn from_laps(laps: &[CompletedLap], log_start_us: i64) -> (Vec<LapMarker>, LdxDetails) {
        let markers = laps
            .iter()
            .map(|l| LapMarker { end_time_s: l.end_t_us.saturating_sub(log_start_us) as f64 * 1e-6 })
            .collect();
        let fastest = laps
            .iter()
            .filter(|l| l.valid && l.lap_time_s.is_finite())
            .fold(None::<&CompletedLap>, |best, l| match best {
                Some(b) if b.lap_time_s <= l.lap_time_s => Some(b),
                _ => Some(l),
            })
            .map(|l| (l.lap_number, l.lap_time_s));
        let total_laps = u32::try_from(laps.len()).unwrap_or(u32::MAX);
        (markers, LdxDetails { total_laps, fastest })
    }
}

/// `s` with the five XML special characters escaped, for attribute values.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// `m:ss.mmm`, as i2 shows lap times.
fn lap_time(s: f64) -> String {
    let ms = (s.max(0.0) * 1000.0).round() as u64;
    format!("{}:{:02}.{:03}", ms / 60_000, ms / 1000 % 60, ms % 1000)
}

/// The `.ldx` document. Non-finite or negative marker times are written as 0.
pub fn ldx_string(laps: &[LapMarker], details: &LdxDetails) -> String {
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\"?>\n");
    x.push_str("<LDXFile Locale=\"English_United States.1252\" DefaultLocale=\"C\" Version=\"1.6\">\n");
    x.push_str(" <Layers>\n  <Layer>\n   <MarkerBlock>\n    <MarkerGroup Name=\"Beacons\" Index=\"3\">\n");
    for (i, lap) in laps.iter().enumerate() {
        let t_us = if lap.end_time_s.is_finite() { (lap.end_time_s * 1e6).max(0.0) } else { 0.0 };
        let name = escape(&format!("Manual.{}", i + 1));
        let _ = writeln!(
            x,
            "     <Marker Version=\"100\" ClassName=\"BCN\" Name=\"{name}\" Flags=\"77\" Time=\"{t_us:.2}\"/>"
        );
    }
    x.push_str("    </MarkerGroup>\n   </MarkerBlock>\n  </Layer>\n  <Details>\n");
    let mut detail = |id: &str, value: String| {
        let _ = writeln!(x, "   <String Id=\"{}\" Value=\"{}\"/>", escape(id), escape(&value));
    };
    detail("Total Laps", details.total_laps.to_string());
    if let Some((lap, time_s)) = details.fastest {
        detail("Fastest Time", lap_time(time_s));
        detail("Fastest Lap", lap.to_string());
    }
    x.push_str("  </Details>\n </Layers>\n</LDXFile>\n");
    x
}

/// Writes the `.ldx` document to `path` (conventionally the `.ld` path with extension `ldx`).
pub fn write_ldx(path: impl AsRef<Path>, laps: &[LapMarker], details: &LdxDetails) -> Result<()> {
    let path = path.as_ref();
    std::fs::write(path, ldx_string(laps, details)).map_err(|source| Error::File { source, path: path.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lap(n: u32, time_s: f64, end_t_us: i64, valid: bool) -> CompletedLap {
        CompletedLap {
            lap_number: n,
            lap_time_s: time_s,
            sectors_s: vec![],
            start_t_us: 0,
            end_t_us,
            frame_count: 0,
            valid,
            out_lap: !valid,
            pit: false,
        }
    }

    #[test]
    fn from_racecraft_laps() {
        let laps = [lap(1, 70.0, 71_000_000, false), lap(2, 65.5, 136_500_000, true), lap(3, 66.0, 202_500_000, true)];
        let (markers, details) = LdxDetails::from_laps(&laps, 1_000_000);
        assert_eq!(markers.iter().map(|m| m.end_time_s).collect::<Vec<_>>(), [70.0, 135.5, 201.5]);
        assert_eq!(details, LdxDetails { total_laps: 3, fastest: Some((2, 65.5)) });
    }

    #[test]
    fn escapes_and_times() {
        assert_eq!(escape(r#"a&b<c>"'"#), "a&amp;b&lt;c&gt;&quot;&apos;");
        assert_eq!(lap_time(83.4567), "1:23.457");
        assert_eq!(lap_time(59.9996), "1:00.000");
    }
}
