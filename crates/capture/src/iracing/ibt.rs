//! `.ibt` files: header, disk sub-header, variable headers, session-info YAML, then fixed-size records.

use super::Error;
use super::header::{self, DiskSubHeader, HEADER_LEN, Header, SUB_HEADER_LEN, VarHeader, check_range};
use super::normalize::VarMap;
use racecraft_core::{Channel, Frame, SessionMeta};
use std::path::Path;

/// How far after a lap-counter increment iRacing may still be updating `LapLastLapTime` and
/// `LapCurrentLapTime` (0.5 s observed; 2 s at 60 Hz leaves margin).
const LAP_SETTLE_RECORDS: usize = 120;

/// A parsed `.ibt` file. Owns a copy of the record bytes.
#[derive(Debug, Clone)]
pub struct IbtFile {
    /// The irsdk header.
    pub header: Header,
    /// The disk sub-header.
    pub sub_header: DiskSubHeader,
    /// Every variable header, in file order.
    pub vars: Vec<VarHeader>,
    /// The session-info YAML text (decoded as Latin-1, which covers the cp1252 the simulator writes
    /// closely enough for names; trailing NULs removed).
    pub session_info: String,
    /// Records the sub-header announced but the file does not fully contain (a file cut short).
    pub truncated_records: u64,
    records: Vec<u8>,
    record_count: usize,
    map: VarMap,
}

/// One record (row of variables) of a file.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// Index of the record in the file.
    pub index: usize,
    /// The row's bytes (`bufLen` long).
    pub bytes: &'a [u8],
}

impl Record<'_> {
    /// The first element of `var` in this record.
    pub fn value(&self, var: &VarHeader) -> Option<f64> {
        var.value(self.bytes)
    }

    /// Element `index` of `var` in this record.
    pub fn value_at(&self, var: &VarHeader, index: usize) -> Option<f64> {
        var.value_at(self.bytes, index)
    }
}

impl IbtFile {
    /// Reads and parses the file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<IbtFile, crate::Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Io { kind: e.kind(), path: path.to_path_buf() })?;
        IbtFile::parse(&bytes)
    }

    /// Parses a whole `.ibt` file. Fewer complete records than the sub-header announces is not an error:
    /// the complete ones are kept and the shortfall is in [`IbtFile::truncated_records`].
    pub fn parse(b: &[u8]) -> Result<IbtFile, crate::Error> {
        let header = Header::parse(b)?;
        let sub_header = DiskSubHeader::parse(b)?;
        let vars = header::parse_vars(b, &header)?;
        let info_at = header.session_info_offset as usize;
        let info_len = header.session_info_len as usize;
        check_range("session info", info_at, info_len, b.len())?;
        let session_info: String =
            b[info_at..info_at + info_len].iter().take_while(|&&c| c != 0).map(|&c| char::from(c)).collect();
        let buf_len = header.buf_len as usize;
        let data_at = header.var_buf[0].buf_offset as usize;
        if data_at < HEADER_LEN + SUB_HEADER_LEN {
            return Err(
                Error::Field { field: "varBuf[0].bufOffset", value: i64::from(header.var_buf[0].buf_offset) }.into()
            );
        }
        let available = b.len().saturating_sub(data_at) / buf_len;
        let announced = sub_header.record_count as usize;
        let record_count = announced.min(available);
        let records = b.get(data_at..data_at + record_count * buf_len).unwrap_or_default().to_vec();
        let map = VarMap::new(&vars);
        Ok(IbtFile {
            header,
            sub_header,
            vars,
            session_info,
            truncated_records: (announced - record_count) as u64,
            records,
            record_count,
            map,
        })
    }

    /// The variable called `name`.
    pub fn var(&self, name: &str) -> Option<&VarHeader> {
        self.vars.iter().find(|v| v.name == name)
    }

    /// Number of complete records.
    pub fn record_count(&self) -> usize {
        self.record_count
    }

    /// Record `index`, if the file has it.
    pub fn record(&self, index: usize) -> Option<Record<'_>> {
        let len = self.header.buf_len as usize;
        let start = index.checked_mul(len)?;
        let bytes = self.records.get(start..start.checked_add(len)?)?;
        Some(Record { index, bytes })
    }

    /// The first element of `var` in record `record_index`.
    pub fn value(&self, record_index: usize, var: &VarHeader) -> Option<f64> {
        self.record(record_index)?.value(var)
    }

    /// Every complete record, in order.
    pub fn records(&self) -> impl ExactSizeIterator<Item = Record<'_>> + '_ {
        let len = self.header.buf_len as usize;
        self.records.chunks_exact(len).enumerate().map(|(index, bytes)| Record { index, bytes })
    }

    /// The records normalized to frames (see the module docs of the normalizer for conventions). `t_us` is
    /// `SessionTime` relative to the first record. Around each lap-counter increment iRacing publishes the
    /// finished lap's `LapLastLapTime` and resets `LapCurrentLapTime` up to half a second late; a file can
    /// look ahead, so the frames from the increment on carry the settled values (the live reader cannot).
    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        let fixes = self.lap_fixes();
        let t0 = self.record(0).and_then(|r| self.map.session_time(r.bytes));
        let tick_rate = f64::from(self.header.tick_rate.max(1));
        self.records().scan(None, move |origin, rec| {
            let t_s = match (self.map.session_time(rec.bytes), t0) {
                (Some(t), Some(t0)) => t - t0,
                _ => rec.index as f64 / tick_rate,
            };
            let mut f = self.map.frame(rec.bytes, (t_s * 1e6).round() as i64, origin);
            if f.has(Channel::Lap)
                && let Some(fix) = fixes.get(rec.index)
            {
                if let Some(t) = fix.lap_time {
                    f.set_f64(Channel::LapTime, t);
                }
                if let Some(t) = fix.last_lap {
                    f.set_f64(Channel::LastLapTime, t);
                }
            }
            Some(f)
        })
    }

    /// Per record, the settled lap values to use instead of the stale ones just after an increment.
    fn lap_fixes(&self) -> Vec<LapFix> {
        let m = &self.map;
        let rows: Vec<[Option<f64>; 4]> = self
            .records()
            .map(|r| {
                let g = |v| VarMap::get(v, r.bytes);
                [m.session_time(r.bytes), g(&m.lap), g(&m.lap_time), g(&m.last_lap)]
            })
            .collect();
        let mut fixes = vec![LapFix::default(); rows.len()];
        for i in 1..rows.len() {
            let ([_, Some(lap_before), cur_before, last_before], [_, Some(lap), ..]) = (rows[i - 1], rows[i]) else {
                continue;
            };
            if lap <= lap_before {
                continue;
            }
            let end = (i + LAP_SETTLE_RECORDS).min(rows.len());
            let window = (i..end).take_while(|&r| rows[r][1] == Some(lap));
            if let Some(cur_before) = cur_before
                && let Some(reset) = window.clone().find(|&r| rows[r][2].is_some_and(|c| c < cur_before))
                && let [Some(t_reset), _, Some(cur_reset), _] = rows[reset]
            {
                for (r, fix) in fixes.iter_mut().enumerate().take(reset).skip(i) {
                    if let Some(t) = rows[r][0] {
                        fix.lap_time = Some((cur_reset - (t_reset - t)).max(0.0));
                    }
                }
            }
            if let Some(changed) = window.clone().find(|&r| rows[r][3] != last_before)
                && let Some(settled) = rows[changed][3]
            {
                for fix in fixes.iter_mut().take(changed).skip(i) {
                    fix.last_lap = Some(settled).filter(|&t| t > 0.0);
                }
            }
        }
        fixes
    }

    /// Session metadata from the sub-header and the session-info YAML (found by line scanning).
    pub fn meta(&self) -> SessionMeta {
        let info = &self.session_info;
        let track = yaml_value(info, "TrackDisplayName").or_else(|| yaml_value(info, "TrackName"));
        let (driver, car) = driver_entry(info);
        SessionMeta {
            game: "iracing".to_owned(),
            car: car.unwrap_or_default(),
            track: track.unwrap_or_default(),
            driver: driver.unwrap_or_default(),
            started_at_ms: self.sub_header.session_start_date.saturating_mul(1000),
        }
    }
}

/// Settled lap values for one record.
#[derive(Debug, Clone, Copy, Default)]
struct LapFix {
    lap_time: Option<f64>,
    last_lap: Option<f64>,
}

/// The scalar after `key:` on a line (first occurrence), unquoted; `None` when absent or empty.
fn yaml_value(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|line| line_value(line, key))
}

fn line_value(line: &str, key: &str) -> Option<String> {
    let rest = line.trim_start().trim_start_matches("- ").strip_prefix(key)?.strip_prefix(':')?;
    let v = rest.trim().trim_matches('"').trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// `UserName` and `CarScreenName` of the `DriverInfo.Drivers` entry whose `CarIdx` is `DriverCarIdx`.
fn driver_entry(text: &str) -> (Option<String>, Option<String>) {
    let Some(start) = text.find("\nDriverInfo:") else {
        return (None, None);
    };
    let section = &text[start + 1..];
    let Some(idx) = yaml_value(section, "DriverCarIdx") else {
        return (None, None);
    };
    let mut lines = section
        .lines()
        .skip_while(|l| line_value(l, "CarIdx").as_deref() != Some(idx.as_str()) || !l.trim_start().starts_with("- "));
    if lines.next().is_none() {
        return (None, None);
    }
    let (mut driver, mut car) = (None, None);
    for line in lines.take_while(|l| !l.trim_start().starts_with("- ") && l.starts_with("  ")) {
        driver = driver.or_else(|| line_value(line, "UserName"));
        car = car.or_else(|| line_value(line, "CarScreenName"));
    }
    (driver, car)
}
