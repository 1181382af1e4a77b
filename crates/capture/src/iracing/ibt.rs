//! `.ibt` files: header, disk sub-header, variable headers, session-info YAML, then fixed-size records.

use super::Error;
use super::header::{self, DiskSubHeader, HEADER_LEN, Header, SUB_HEADER_LEN, VarHeader, check_range};
use super::normalize::VarMap;
use racecraft_core::{Channel, Frame, SessionMeta};
use std::path::Path;

/// How far after a lap-counter increment iRacing may still be updating `LapLastLapTime` and
/// `LapCurrentLapTime` (0.5 s observed; 2 s at 60 Hz leaves margin).
const LAP_SETTLE_RECORDS: usize = 120;

/// Latest plausible `SessionTime`, seconds: 30 days, far beyond any session the simulator runs.
pub const MAX_SESSION_TIME_S: f64 = 30.0 * 86_400.0;
/// Earliest plausible `SessionTime`, seconds: it counts up from the session's start, so a little below 0 is
/// the most float noise could give.
pub const MIN_SESSION_TIME_S: f64 = -1.0;
/// A step between kept records longer than this, seconds, separates runs of records; a run of one record is
/// a lone corrupt time (genuine records come at the disk rate, 1 to 60 Hz) and is skipped.
pub const MAX_RECORD_STEP_S: f64 = 10.0;

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
    /// Complete records [`IbtFile::frames`] skips because their `SessionTime` is corrupt (see
    /// [`IbtFile::record_time`]).
    pub skipped_records: u64,
    records: Vec<u8>,
    record_count: usize,
    map: VarMap,
    /// Per record, the session time its frame gets, seconds; `None` for a skipped record.
    times: Vec<Option<f64>>,
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
        let session_info = session_info_text(&b[info_at..info_at + info_len]);
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
        let times = record_times(&map, &records, buf_len, header.tick_rate);
        let skipped_records = times.iter().filter(|t| t.is_none()).count() as u64;
        Ok(IbtFile {
            header,
            sub_header,
            vars,
            session_info,
            truncated_records: (announced - record_count) as u64,
            skipped_records,
            records,
            record_count,
            map,
            times,
        })
    }

    /// The session time of record `index`'s frame, seconds, or `None` when [`IbtFile::frames`] skips the
    /// record (or the file has no such record).
    ///
    /// A file's `SessionTime` only ever counts up, so a record is skipped when its value is not finite, is
    /// outside [`MIN_SESSION_TIME_S`]..=[`MAX_SESSION_TIME_S`], or is out of order: the kept records are the
    /// longest run of the plausible ones in non-decreasing time (a corrupt value far ahead or behind is dropped,
    /// however few or many records it would otherwise cut off), minus any kept record alone between two steps of
    /// more than [`MAX_RECORD_STEP_S`] (a corrupt value at either end). A file without a `SessionTime`
    /// variable keeps every record, timed by its index at the header's tick rate.
    pub fn record_time(&self, index: usize) -> Option<f64> {
        self.times.get(index).copied().flatten()
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

    /// The records normalized to frames (see the module docs of the normalizer for conventions), one per
    /// record except the [`IbtFile::skipped_records`] whose `SessionTime` is corrupt ([`IbtFile::record_time`]).
    /// `t_us` is `SessionTime` relative to the first kept record. Around each lap-counter increment iRacing
    /// publishes the finished lap's `LapLastLapTime` and resets `LapCurrentLapTime` up to half a second late; a
    /// file can look ahead, so the frames from the increment on carry the settled values (the live reader
    /// cannot).
    pub fn frames(&self) -> impl Iterator<Item = Frame> + '_ {
        let fixes = self.lap_fixes();
        let t0 = self.times.iter().find_map(|t| *t).unwrap_or(0.0);
        let mut origin = None;
        self.records().filter_map(move |rec| {
            let t = self.record_time(rec.index)?;
            // Both times lie within the plausible range, so the difference in µs is far inside an i64.
            let mut f = self.map.frame(rec.bytes, ((t - t0) * 1e6).round() as i64, &mut origin);
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
                // Only kept records' times: a corrupt one would make a lap time of it.
                let t = m.session_time(r.bytes).and(self.record_time(r.index));
                [t, g(&m.lap), g(&m.lap_time), g(&m.last_lap)]
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
        session_meta(&self.session_info, self.sub_header.session_start_date.saturating_mul(1000))
    }
}

/// The session-info YAML as text: up to the first NUL, each byte a Latin-1 character (as iRacing writes it).
pub(crate) fn session_info_text(bytes: &[u8]) -> String {
    bytes.iter().take_while(|&&c| c != 0).map(|&c| char::from(c)).collect()
}

/// Car, track and driver from the session-info YAML (found by line scanning), for a session that started at
/// `started_at_ms` (0 when not known, as live).
pub(crate) fn session_meta(info: &str, started_at_ms: i64) -> SessionMeta {
    let track = yaml_value(info, "TrackDisplayName").or_else(|| yaml_value(info, "TrackName"));
    let (driver, car) = driver_entry(info);
    SessionMeta {
        game: "iracing".to_owned(),
        car: car.unwrap_or_default(),
        track: track.unwrap_or_default(),
        driver: driver.unwrap_or_default(),
        started_at_ms,
        ..Default::default()
    }
}

/// Per record of `records` (rows of `buf_len` bytes), its frame's session time in seconds, `None` for a record
/// to skip (the rules are on [`IbtFile::record_time`]).
fn record_times(map: &VarMap, records: &[u8], buf_len: usize, tick_rate: i32) -> Vec<Option<f64>> {
    let rows = records.chunks_exact(buf_len.max(1));
    if map.session_time.is_none() {
        let tick_rate = f64::from(tick_rate.max(1));
        return (0..rows.len()).map(|i| Some(i as f64 / tick_rate)).collect();
    }
    let mut times: Vec<Option<f64>> = rows
        .map(|row| map.session_time(row).filter(|t| (MIN_SESSION_TIME_S..=MAX_SESSION_TIME_S).contains(t)))
        .collect();
    let ordered = longest_ordered(&times);
    for (t, keep) in times.iter_mut().zip(&ordered) {
        if !keep {
            *t = None;
        }
    }
    drop_lone_records(&mut times);
    times
}

/// Which of `times` form the longest subsequence of the present ones in non-decreasing order (patience sorting,
/// O(n log n); of several longest, the one the algorithm meets first, which ends at the smallest time).
fn longest_ordered(times: &[Option<f64>]) -> Vec<bool> {
    // tails[k]: index of the smallest last time of an ordered run of length k + 1 found so far.
    let mut tails: Vec<usize> = Vec::new();
    let mut prev = vec![usize::MAX; times.len()];
    for (i, t) in times.iter().enumerate() {
        let Some(t) = *t else { continue };
        let pos = tails.partition_point(|&j| times[j].is_some_and(|u| u <= t));
        if pos > 0 {
            prev[i] = tails[pos - 1];
        }
        if pos == tails.len() {
            tails.push(i);
        } else {
            tails[pos] = i;
        }
    }
    let mut keep = vec![false; times.len()];
    let mut at = tails.last().copied().unwrap_or(usize::MAX);
    while let Some(k) = keep.get_mut(at) {
        *k = true;
        at = prev[at];
    }
    keep
}

/// Clears the kept times (in non-decreasing order) that stand alone: more than [`MAX_RECORD_STEP_S`] from the
/// kept times on both sides, or on their only side at either end. Runs of two or more kept records stay (a
/// genuine pause in recording), and so does a lone record when no run is longer than one.
fn drop_lone_records(times: &mut [Option<f64>]) {
    let kept: Vec<(usize, f64)> = times.iter().enumerate().filter_map(|(i, t)| Some((i, (*t)?))).collect();
    let near = |a: Option<&(usize, f64)>, b: f64| a.is_some_and(|&(_, a)| (b - a).abs() <= MAX_RECORD_STEP_S);
    let lone: Vec<usize> = (0..kept.len())
        .filter(|&k| {
            let t = kept[k].1;
            !near(k.checked_sub(1).and_then(|p| kept.get(p)), t) && !near(kept.get(k + 1), t)
        })
        .map(|k| kept[k].0)
        .collect();
    if lone.len() < kept.len() {
        for i in lone {
            times[i] = None;
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
