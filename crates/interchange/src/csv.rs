//! MoTeC-style CSV: metadata rows, a channel-name row, a units row, then one data row per frame.
//!
//! # What we write
//! ```text
//! "Format","MoTeC CSV File"
//! "Venue","<track>"
//! "Vehicle","<car>"
//! "Driver","<driver>"
//! "Device","<game>"
//! "Comment","<comment>"
//! "Log Date","dd/mm/yyyy"            (UTC)
//! "Log Time","hh:mm:ss[.mmm]"        (UTC)
//! "Sample Rate","<Hz, rounded>"
//! "Duration","<s>"
//! "Range","entire outing"
//! "Beacon Markers","<lap end times in s, space separated>"
//!
//! "Time","speed_mps","rpm",...
//! "s","m/s","rpm",...
//!
//! "0.000000","12.5","6000",...
//! ```
//! Every field is quoted, as MoTeC does. Columns carry our own channel names and SI units unchanged: MoTeC
//! treats units as display-only, and keeping our names means the file imports back without a lookup table.
//! Time is written with exactly six decimals (microseconds), values with the shortest text that parses back
//! to the same `f32`, and an absent value is an empty cell.
//!
//! # What we read
//! Everything above, and plain CSVs whose first row is `Time` followed by channel names. Cells may be
//! separated by commas, semicolons (then `12,5` is read as 12.5) or tabs: the header row tells which. Columns are matched
//! by our channel names or by common MoTeC display names ("Ground Speed", "Throttle Pos", "G Force Lat", ...),
//! case-insensitively; a units row, when present, converts values to SI (km/h, mph, %, deg, G, bar, psi, °F,
//! ms, km). Columns that match no channel, repeat one, or carry a unit we cannot convert are listed in
//! [`CsvSession::unknown_columns`] rather than dropped silently; [`ColumnMap`]s (`--map COLUMN=CHANNEL[:UNIT]`)
//! name any other column's channel and unit by hand.

use std::io::{BufWriter, Read, Write};

use racecraft_core::{Channel, Frame, STANDARD_GRAVITY_MPS2, SessionMeta};

/// Errors reading or writing CSV.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The CSV itself is malformed (bad quoting, invalid UTF-8) or the reader failed.
    #[error("malformed CSV: {0}")]
    Csv(#[from] ::csv::Error),
    /// Writing failed.
    #[error("write failed: {0}")]
    Io(#[from] std::io::Error),
    /// No row starts with a time column, so there is no channel-name row.
    #[error("no header row: expected a row whose first cell is \"Time\"")]
    MissingHeader,
    /// A data row has a different number of cells than the header.
    #[error("line {line}: {found} cells, but the header has {expected}")]
    FieldCount {
        /// 1-based line number.
        line: u64,
        /// Cells in the header row.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },
    /// A cell that should hold a number does not.
    #[error("line {line}, column {column} ({name}): not a number: {value:?}")]
    BadNumber {
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// The column's header.
        name: String,
        /// The offending text.
        value: String,
    },
    /// A column mapped by hand is not in the file.
    #[error("no column {column:?} to map (the file's columns: {seen})")]
    MappedColumnMissing {
        /// The column asked for.
        column: String,
        /// The file's column names, comma-separated.
        seen: String,
    },
    /// A column mapped by hand carries a unit that cannot be converted to its channel's.
    #[error("column {column:?}: cannot convert {unit:?} to {channel} ({own})")]
    MappedUnit {
        /// The column.
        column: String,
        /// Its unit.
        unit: String,
        /// The channel it was mapped to.
        channel: &'static str,
        /// That channel's unit.
        own: &'static str,
    },
    /// A time cell is empty, not finite or outside the range of microseconds in an `i64`.
    #[error("line {line}: time out of range or missing: {value:?}")]
    BadTime {
        /// 1-based line number.
        line: u64,
        /// The offending text.
        value: String,
    },
}

/// `Result` with this module's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Choices for [`write_csv`].
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// Channels to write, in this order. `None`: every channel present in any frame, in index order.
    pub channels: Option<Vec<Channel>>,
    /// Text for the "Comment" row.
    pub comment: String,
}

/// What [`read_csv`] recovers from a file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsvSession {
    /// Venue → track, Vehicle → car, Driver → driver, Device → game, Log Date + Log Time → start (UTC).
    pub meta: SessionMeta,
    /// One frame per data row, in file order.
    pub frames: Vec<Frame>,
    /// Lap end times in seconds from the start of the log (the "Beacon Markers" row).
    pub laps: Vec<f64>,
    /// Every metadata row as (key, value), including those mapped into `meta`.
    pub metadata: Vec<(String, String)>,
    /// Headers of columns that were not imported: no matching channel, a repeat of an earlier column's
    /// channel, or a unit we cannot convert.
    pub unknown_columns: Vec<String>,
}

/// Writes `frames` in the MoTeC CSV layout described in the [module docs](self).
///
/// `laps` are lap end times in seconds from session start, written as the "Beacon Markers" row.
pub fn write_csv(
    w: impl Write,
    meta: &SessionMeta,
    frames: &[Frame],
    laps: &[f64],
    options: &CsvOptions,
) -> Result<()> {
    let mut w = BufWriter::new(w);
    let channels = match &options.channels {
        Some(c) => c.clone(),
        None => {
            let mask = frames.iter().fold(0u64, |m, f| m | f.present_mask());
            Channel::ALL.iter().copied().filter(|c| mask & (1 << c.index()) != 0).collect()
        }
    };

    let (date, time) = format_start(meta.started_at_ms);
    let (first, last) = (frames.first().map_or(0, |f| f.t_us), frames.last().map_or(0, |f| f.t_us));
    let duration_s = (last.saturating_sub(first)) as f64 * 1e-6;
    let rate = if frames.len() > 1 && duration_s > 0.0 {
        format!("{:.0}", (frames.len() - 1) as f64 / duration_s)
    } else {
        String::new()
    };
    // Shortest round-trip text, so beacon times read back bit-exact.
    let beacons = laps.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" ");
    let rows: [(&str, &str); 12] = [
        ("Format", "MoTeC CSV File"),
        ("Venue", &meta.track),
        ("Vehicle", &meta.car),
        ("Driver", &meta.driver),
        ("Device", &meta.game),
        ("Comment", &options.comment),
        ("Log Date", &date),
        ("Log Time", &time),
        ("Sample Rate", &rate),
        ("Duration", &format!("{duration_s:.3}")),
        ("Range", "entire outing"),
        ("Beacon Markers", &beacons),
    ];
    for (key, value) in rows {
        write_row(&mut w, [key, value])?;
    }
    w.write_all(b"\n")?;
    write_row(&mut w, std::iter::once("Time").chain(channels.iter().map(|c| c.name())))?;
    write_row(&mut w, std::iter::once("s").chain(channels.iter().map(|c| c.info().unit)))?;
    w.write_all(b"\n")?;

    // Data rows are formatted straight into the writer: numbers need no escaping, and a row of 40 channels at
    // 333 Hz must not cost 80 small allocations.
    for frame in frames {
        write!(w, "\"{}\"", TimeText(frame.t_us))?;
        for c in &channels {
            match frame.get(*c) {
                // `Display` for f32 is the shortest text that parses back to the same value.
                Some(v) => write!(w, ",\"{v}\"")?,
                None => w.write_all(b",\"\"")?,
            }
        }
        w.write_all(b"\n")?;
    }
    w.flush()?;
    Ok(())
}

fn write_row<'a>(w: &mut impl Write, cells: impl IntoIterator<Item = &'a str>) -> std::io::Result<()> {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(b"\"")?;
        w.write_all(cell.replace('"', "\"\"").as_bytes())?;
        w.write_all(b"\"")?;
    }
    w.write_all(b"\n")
}

/// Seconds with exactly six decimals, from integer microseconds so nothing is lost.
struct TimeText(i64);

impl std::fmt::Display for TimeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:06}", abs / 1_000_000, abs % 1_000_000)
    }
}

/// Bytes looked at to find the delimiter: far more than the metadata rows and the header take.
const SNIFF_BYTES: u64 = 64 * 1024;

/// A column mapped by hand, for files whose names or units are not recognised: `COLUMN=CHANNEL[:UNIT]`, e.g.
/// `Speed KMH=speed_mps:km/h`. Its cells are read as that channel in that unit (the file's units row when no
/// unit is given), whatever the column would otherwise be taken for.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    /// The column's header, matched ignoring ASCII case.
    pub column: String,
    /// The channel its cells are.
    pub channel: Channel,
    /// Their unit.
    pub unit: Option<String>,
}

impl std::str::FromStr for ColumnMap {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<ColumnMap, String> {
        let (column, target) =
            text.rsplit_once('=').ok_or_else(|| format!("`{text}`: expected COLUMN=CHANNEL[:UNIT]"))?;
        let (name, unit) = match target.split_once(':') {
            Some((name, unit)) => (name.trim(), Some(unit.trim().to_owned())),
            None => (target.trim(), None),
        };
        let channel = Channel::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Channel::ALL.iter().map(|c| c.name()).collect();
            format!("`{text}`: no channel `{name}` (channels: {})", names.join(", "))
        })?;
        if let Some(unit) = &unit
            && convert_for(channel, unit).is_none()
        {
            return Err(format!("`{text}`: cannot convert `{unit}` to {} ({})", channel.name(), channel.info().unit));
        }
        let column = column.trim().to_owned();
        if column.is_empty() {
            return Err(format!("`{text}`: no column name before `=`"));
        }
        Ok(ColumnMap { column, channel, unit })
    }
}

/// Reads a MoTeC-layout or plain CSV; see the [module docs](self) for what is accepted.
pub fn read_csv(r: impl Read) -> Result<CsvSession> {
    read_csv_mapped(r, &[])
}

/// [`read_csv`], with columns mapped by hand taking precedence over the names and units it recognises.
pub fn read_csv_mapped(mut r: impl Read, maps: &[ColumnMap]) -> Result<CsvSession> {
    let mut head = Vec::new();
    r.by_ref().take(SNIFF_BYTES).read_to_end(&mut head)?;
    let delimiter = sniff_delimiter(&head);
    let r = std::io::Cursor::new(head).chain(r);
    let mut reader = ::csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(r);
    // Where the semicolon separates cells, the comma is the decimal mark (`12,5`).
    let decimal_comma = delimiter == b';';
    let mut session = CsvSession::default();
    let mut records = reader.records();

    // Metadata rows until the channel-name row (blank lines are skipped by the csv reader).
    let header = loop {
        let Some(record) = records.next().transpose()? else { return Err(Error::MissingHeader) };
        let first = record.get(0).unwrap_or("").trim();
        if is_time_name(first) {
            break record;
        }
        if !first.is_empty() {
            session.metadata.push((first.to_owned(), record.get(1).unwrap_or("").trim().to_owned()));
        }
    };
    apply_metadata(&mut session);

    let names: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
    let mut pending = records.next().transpose()?;
    // A row right after the header whose time cell is not a number is the units row.
    let units: Vec<String> = match &pending {
        Some(row) if row.get(0).is_some_and(|t| number_text(t.trim(), decimal_comma).parse::<f64>().is_err()) => {
            let units = names.iter().enumerate().map(|(i, _)| row.get(i).unwrap_or("").trim().to_owned()).collect();
            pending = records.next().transpose()?;
            units
        }
        _ => vec![String::new(); names.len()],
    };

    for m in maps {
        if !names.iter().skip(1).any(|n| n.eq_ignore_ascii_case(&m.column)) {
            return Err(Error::MappedColumnMissing { column: m.column.clone(), seen: names[1..].join(", ") });
        }
    }
    // Column i (≥ 1) → channel and conversion, or reported.
    let mut columns: Vec<Option<(Channel, Convert)>> = vec![None; names.len()];
    let mut seen = 0u64;
    // Channels mapped by hand are theirs, not taken by a column recognised by name.
    for m in maps {
        seen |= 1 << m.channel.index();
    }
    for i in 1..names.len() {
        let by_hand = maps.iter().find(|m| m.column.eq_ignore_ascii_case(&names[i]));
        if let Some(m) = by_hand {
            let unit = m.unit.as_deref().unwrap_or(&units[i]);
            let convert = convert_for(m.channel, unit).ok_or_else(|| Error::MappedUnit {
                column: names[i].clone(),
                unit: unit.to_owned(),
                channel: m.channel.name(),
                own: m.channel.info().unit,
            })?;
            columns[i] = Some((m.channel, convert));
            continue;
        }
        let mapped = channel_for(&names[i]).and_then(|c| convert_for(c, &units[i]).map(|k| (c, k)));
        match mapped {
            Some((c, k)) if seen & (1 << c.index()) == 0 => {
                seen |= 1 << c.index();
                columns[i] = Some((c, k));
            }
            _ => session.unknown_columns.push(names[i].clone()),
        }
    }

    while let Some(row) = pending {
        let line = row.position().map_or(0, |p| p.line());
        if row.len() != names.len() {
            return Err(Error::FieldCount { line, expected: names.len(), found: row.len() });
        }
        let t_text = row.get(0).unwrap_or("").trim();
        let t_us = parse_time_us(&number_text(t_text, decimal_comma))
            .ok_or_else(|| Error::BadTime { line, value: t_text.to_owned() })?;
        let mut frame = Frame::new(t_us);
        for (i, column) in columns.iter().enumerate() {
            let Some((channel, convert)) = column else { continue };
            let text = row.get(i).unwrap_or("").trim();
            if text.is_empty() {
                continue;
            }
            let bad = || Error::BadNumber { line, column: i + 1, name: names[i].clone(), value: text.to_owned() };
            let text = number_text(text, decimal_comma);
            // Identity columns parse straight to f32 so the shortest-round-trip text comes back bit-exact.
            let value = match convert {
                Convert::Identity => text.parse::<f32>().map_err(|_| bad())?,
                Convert::Linear { scale, offset } => (text.parse::<f64>().map_err(|_| bad())? * scale + offset) as f32,
            };
            frame.set(*channel, value);
        }
        session.frames.push(frame);
        pending = records.next().transpose()?;
    }
    Ok(session)
}

/// The cell delimiter: the one right after the time cell of the header row (comma, semicolon or tab), else
/// whichever of them the first line has most of, else comma.
fn sniff_delimiter(head: &[u8]) -> u8 {
    const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];
    let lines = || head.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    for line in lines() {
        let cell = line.strip_prefix(b"\"").unwrap_or(line);
        for name in ["time", "t_s"] {
            let Some(rest) = cell.get(name.len()..) else { continue };
            if !cell[..name.len()].eq_ignore_ascii_case(name.as_bytes()) {
                continue;
            }
            let rest = if line.starts_with(b"\"") { rest.strip_prefix(b"\"").unwrap_or(b"") } else { rest };
            if let Some(&d) = rest.first().filter(|d| DELIMITERS.contains(d)) {
                return d;
            }
        }
    }
    let first = lines().find(|l| !l.is_empty()).unwrap_or(b"");
    let count = |d: u8| first.iter().filter(|&&b| b == d).count();
    DELIMITERS.into_iter().filter(|&d| count(d) > 0).max_by_key(|&d| count(d)).unwrap_or(b',')
}

/// A number's text with a decimal comma turned into a point, when the file uses one.
fn number_text(text: &str, decimal_comma: bool) -> std::borrow::Cow<'_, str> {
    if decimal_comma && text.contains(',') { text.replace(',', ".").into() } else { text.into() }
}

fn is_time_name(s: &str) -> bool {
    ["time", "t_s"].iter().any(|n| s.eq_ignore_ascii_case(n))
}

fn parse_time_us(text: &str) -> Option<i64> {
    // Plain decimals with at most six places (all we write) convert exactly, whatever their size.
    if let Some(us) = parse_decimal_us(text) {
        return Some(us);
    }
    let seconds: f64 = text.parse().ok()?;
    let us = (seconds * 1e6).round();
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    (us.is_finite() && us >= i64::MIN as f64 && us < i64::MAX as f64).then_some(us as i64)
}

/// `[+-]digits[.digits]` with at most six decimals, as exact microseconds; `None` for anything else.
fn parse_decimal_us(text: &str) -> Option<i64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || frac.len() > 6 || !digits(int) || !digits(frac) || int.len() > 20 {
        return None;
    }
    let mut us: i128 = int.parse().ok()?;
    us *= 1_000_000;
    if !frac.is_empty() {
        us += frac.parse::<i128>().ok()? * 10i128.pow(6 - frac.len() as u32);
    }
    i64::try_from(if negative { -us } else { us }).ok()
}

fn apply_metadata(session: &mut CsvSession) {
    let (mut date, mut time) = (None, None);
    for (key, value) in &session.metadata {
        let meta = &mut session.meta;
        match key.to_ascii_lowercase().as_str() {
            "venue" => meta.track.clone_from(value),
            "vehicle" => meta.car.clone_from(value),
            "driver" => meta.driver.clone_from(value),
            "device" => meta.game.clone_from(value),
            "log date" => date = Some(value.as_str()),
            "log time" => time = Some(value.as_str()),
            "beacon markers" => {
                session.laps = value.split_whitespace().filter_map(|t| t.parse().ok()).collect();
            }
            _ => {}
        }
    }
    if let Some(ms) = date.and_then(|d| parse_start(d, time.unwrap_or(""))) {
        session.meta.started_at_ms = ms;
    }
}

/// How a column's unit maps onto the channel's SI unit: `si = value × scale + offset`.
#[derive(Debug, Clone, Copy)]
enum Convert {
    Identity,
    Linear { scale: f64, offset: f64 },
}

/// MoTeC display names we recognise on import, besides our own channel names.
const DISPLAY_NAMES: &[(&str, Channel)] = &[
    ("Ground Speed", Channel::Speed),
    ("Speed", Channel::Speed),
    ("Engine RPM", Channel::Rpm),
    ("Throttle Pos", Channel::Throttle),
    ("Throttle", Channel::Throttle),
    ("Brake Pos", Channel::Brake),
    ("Clutch Pos", Channel::Clutch),
    ("Steering Angle", Channel::Steer),
    ("G Force Lat", Channel::AccLat),
    ("G Force Long", Channel::AccLong),
    ("G Force Vert", Channel::AccVert),
    ("Lap Number", Channel::Lap),
    ("Lap Distance", Channel::LapDist),
    ("Lap Time", Channel::LapTime),
    ("Last Lap Time", Channel::LastLapTime),
    ("Fuel Level", Channel::Fuel),
];

fn channel_for(name: &str) -> Option<Channel> {
    Channel::ALL
        .iter()
        .copied()
        .find(|c| c.name().eq_ignore_ascii_case(name))
        .or_else(|| DISPLAY_NAMES.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, c)| *c))
}

/// The conversion from `unit` to `channel`'s own unit, or `None` when we do not know one.
fn convert_for(channel: Channel, unit: &str) -> Option<Convert> {
    let own = channel.info().unit;
    if unit.is_empty() || unit.eq_ignore_ascii_case(own) {
        return Some(Convert::Identity);
    }
    let lin = |scale: f64, offset: f64| Some(Convert::Linear { scale, offset });
    let u = unit.to_ascii_lowercase();
    match (own, u.as_str()) {
        ("m/s", "km/h" | "kph") => lin(1.0 / 3.6, 0.0),
        ("m/s", "mph") => lin(0.447_04, 0.0),
        ("0..1" | "-1..1", "%") => lin(0.01, 0.0),
        ("rad", "deg" | "°") => lin(std::f64::consts::PI / 180.0, 0.0),
        ("g", "m/s/s" | "m/s2" | "m/s²") => lin(1.0 / STANDARD_GRAVITY_MPS2, 0.0),
        ("kPa", "bar") => lin(100.0, 0.0),
        ("kPa", "psi") => lin(6.894_757, 0.0),
        ("°C", "c" | "degc") => Some(Convert::Identity),
        ("°C", "°f" | "f" | "degf") => lin(5.0 / 9.0, -32.0 * 5.0 / 9.0),
        ("°C", "k") => lin(1.0, -273.15),
        ("s", "ms") => lin(1e-3, 0.0),
        ("m", "km") => lin(1e3, 0.0),
        ("l", "litres" | "liters" | "ltr") => Some(Convert::Identity),
        _ => None,
    }
}

/// `started_at_ms` as MoTeC's "Log Date" (dd/mm/yyyy) and "Log Time" (hh:mm:ss, plus .mmm when non-zero), UTC.
fn format_start(ms: i64) -> (String, String) {
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let (h, min, s, milli) = (in_day / 3_600_000, in_day / 60_000 % 60, in_day / 1000 % 60, in_day % 1000);
    let time =
        if milli == 0 { format!("{h:02}:{min:02}:{s:02}") } else { format!("{h:02}:{min:02}:{s:02}.{milli:03}") };
    (format!("{d:02}/{m:02}/{y:04}"), time)
}

/// The inverse of [`format_start`]; `None` if the date does not parse. A missing or bad time means midnight.
fn parse_start(date: &str, time: &str) -> Option<i64> {
    let mut parts = date.trim().split('/').map(|p| p.trim().parse::<i64>().ok());
    let (d, m, y) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) || !(-100_000..=100_000).contains(&y)
    {
        return None;
    }
    let mut ms_in_day = 0;
    let mut fields = time.trim().split(':');
    if let (Some(h), Some(min), Some(s)) = (fields.next(), fields.next(), fields.next()) {
        let (s, milli) = s.split_once('.').unwrap_or((s, "0"));
        let milli_digits: String = milli.chars().chain("000".chars()).take(3).collect();
        if let (Ok(h), Ok(min), Ok(s), Ok(milli)) =
            (h.parse::<i64>(), min.parse::<i64>(), s.parse::<i64>(), milli_digits.parse::<i64>())
            && (0..24).contains(&h)
            && (0..60).contains(&min)
            && (0..61).contains(&s)
            && (0..1000).contains(&milli)
        {
            ms_in_day = ((h * 60 + min) * 60 + s) * 1000 + milli;
        }
    }
    Some(days_from_civil(y, m, d) * 86_400_000 + ms_in_day)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the standard era-based calculation).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month, day).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { era * 400 + yoe + 1 } else { era * 400 + yoe }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for ms in [0, 1_763_790_000_123, -86_400_001, 951_782_400_000, 4_102_444_800_000] {
            let (d, t) = format_start(ms);
            assert_eq!(parse_start(&d, &t), Some(ms), "{d} {t}");
        }
        assert_eq!(format_start(1_700_000_000_000), ("14/11/2023".into(), "22:13:20".into()));
    }

    #[test]
    fn time_text_is_exact() {
        for t in [0, 1, -1, 999_999, 1_000_000, -1_500_000, 86_400_000_123, i64::MIN, i64::MAX] {
            assert_eq!(parse_time_us(&TimeText(t).to_string()), Some(t));
        }
        assert_eq!(parse_time_us("1.5e-3"), Some(1500));
        assert_eq!(parse_time_us("0.0000004"), Some(0));
        assert_eq!(parse_time_us("1e300"), None);
        assert_eq!(parse_time_us("."), None);
    }

    #[test]
    fn units_convert_to_si() {
        let Some(Convert::Linear { scale, .. }) = convert_for(Channel::Speed, "km/h") else { panic!() };
        assert!((36.0 * scale - 10.0).abs() < 1e-12);
        assert!(convert_for(Channel::Speed, "furlong/fortnight").is_none());
        assert!(matches!(convert_for(Channel::Rpm, "RPM"), Some(Convert::Identity)));
    }
}
