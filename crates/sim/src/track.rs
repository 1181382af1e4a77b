//! [`Track`]: a circuit's centre line and its race line, resampled at a uniform step with smoothed curvature.
//!
//! Method: the race line (about 5 m between raw points, with GPS-like noise) is first resampled linearly at
//! about 1 m, then smoothed with a periodic Gaussian of [`SMOOTH_SIGMA_M`], and resampled again at a uniform
//! step of about [`TARGET_STEP_M`] along the smoothed line. Heading comes from central differences of the
//! points and signed curvature (positive for left turns) from central differences of the heading, so
//! heading, curvature and position agree with each other at every point. The start line is at point 0 of
//! the race line file; the point count is a multiple of three so the sector boundaries at 1/3 and 2/3 of
//! the length fall exactly on points.

use std::f64::consts::PI;
use std::path::Path;

use racecraft_core::signal::smooth_periodic;

use crate::error::{CsvProblem, Error, Result};

/// Step of the resampled race line, metres (approximate: the point count is rounded to a multiple of 3).
pub const TARGET_STEP_M: f64 = 1.5;
/// Standard deviation of the Gaussian that smooths the race line, metres. Large enough to remove the noise
/// of 5 m-spaced surveyed points, small enough to keep a 15 m hairpin a hairpin.
pub const SMOOTH_SIGMA_M: f64 = 6.0;
/// Fewest points a track file must have.
pub const MIN_POINTS: usize = 10;
/// Shortest closed line accepted, metres.
pub const MIN_LENGTH_M: f64 = 200.0;

macro_rules! builtin_tracks {
    ($($name:literal),* $(,)?) => {
        const BUILTIN_NAMES: &[&str] = &[$($name),*];
        const BUILTIN_FILES: &[(&str, &str)] = &[$(
            (
                include_str!(concat!("../tracks/", $name, ".csv")),
                include_str!(concat!("../tracks/racelines/", $name, ".csv")),
            )
        ),*];
    };
}

builtin_tracks!(
    "Austin",
    "Budapest",
    "Catalunya",
    "Hockenheim",
    "IMS",
    "Melbourne",
    "MexicoCity",
    "Montreal",
    "Monza",
    "MoscowRaceway",
    "Norisring",
    "Nuerburgring",
    "Oschersleben",
    "Sakhir",
    "Sepang",
    "Shanghai",
    "Silverstone",
    "Sochi",
    "Spa",
    "YasMarina",
);

/// A closed circuit: the surveyed centre line with widths, and the race line the simulated car follows.
#[derive(Clone)]
pub struct Track {
    name: String,
    centre: Vec<[f64; 2]>,
    widths: Vec<[f64; 2]>,
    /// Resampled, smoothed race line; point `i` is at distance `i * step` from the start line.
    line: Vec<[f64; 2]>,
    /// Heading at each point, radians, unwrapped (continuous along the lap).
    heading: Vec<f64>,
    /// Signed curvature at each point, 1/m, positive turning left.
    curvature: Vec<f64>,
    step_m: f64,
    length_m: f64,
}

/// Official turn counts of the 20 built-in circuits in the layout of the track data (TUMFTM
/// racetrack-database, 2018–2019 layouts), from each circuit's Wikipedia infobox / F1 circuit guide.
const OFFICIAL_TURNS: [(&str, usize); 20] = [
    ("Austin", 20),
    ("Budapest", 14),
    ("Catalunya", 16),
    ("Hockenheim", 17),
    ("IMS", 4),
    ("Melbourne", 16),
    ("MexicoCity", 17),
    ("Montreal", 14),
    ("Monza", 11),
    ("MoscowRaceway", 15),
    ("Norisring", 8),
    ("Nuerburgring", 16),
    ("Oschersleben", 14),
    ("Sakhir", 15),
    ("Sepang", 15),
    ("Shanghai", 16),
    ("Silverstone", 18),
    ("Sochi", 18),
    ("Spa", 19),
    ("YasMarina", 21),
];

impl Track {
    /// Names of the built-in circuits, in alphabetical order.
    pub fn builtin_names() -> &'static [&'static str] {
        BUILTIN_NAMES
    }

    /// The official number of turns of a built-in circuit (by name, ignoring ASCII case), in the layout of its
    /// track data.
    pub fn official_turns(name: &str) -> Option<usize> {
        OFFICIAL_TURNS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|&(_, turns)| turns)
    }

    /// A built-in circuit by name, ignoring ASCII case (`"spa"` finds `"Spa"`).
    pub fn builtin(name: &str) -> Result<Track> {
        let index = BUILTIN_NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::UnknownTrack(name.to_owned()))?;
        let (centre, race) = BUILTIN_FILES[index];
        Track::from_csv_str(BUILTIN_NAMES[index], centre, Some(race))
    }

    /// A circuit from a centre-line CSV (`x_m,y_m,w_tr_right_m,w_tr_left_m`). When a race line
    /// `racelines/<same file name>` (`x_m,y_m`) exists beside it, the car follows that, otherwise the centre
    /// line. The track is named after the file stem.
    pub fn from_csv_path(path: &Path) -> Result<Track> {
        let read = |p: &Path| std::fs::read_to_string(p).map_err(|source| Error::Io { path: p.to_owned(), source });
        let centre = read(path)?;
        let race_path = path.parent().zip(path.file_name()).map(|(dir, file)| dir.join("racelines").join(file));
        let race = match race_path {
            Some(p) if p.is_file() => Some(read(&p)?),
            _ => None,
        };
        let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "track".into());
        Track::from_csv_str(&name, &centre, race.as_deref())
    }

    /// A circuit from CSV text: the centre line (4 fields a row) and optionally a race line (2 fields a row).
    /// Lines starting with `#` and blank lines are skipped.
    pub fn from_csv_str(name: &str, centre_csv: &str, race_line_csv: Option<&str>) -> Result<Track> {
        let centre_source = format!("{name}.csv");
        let rows = parse_rows::<4>(centre_csv, &centre_source)?;
        for (line, row) in &rows {
            for field in [3, 4] {
                if row[field - 1] < 0.0 {
                    return Err(Error::Csv {
                        source_name: centre_source,
                        line: *line,
                        problem: CsvProblem::NegativeWidth { field },
                    });
                }
            }
        }
        let centre: Vec<[f64; 2]> = rows.iter().map(|(_, r)| [r[0], r[1]]).collect();
        let widths: Vec<[f64; 2]> = rows.iter().map(|(_, r)| [r[2], r[3]]).collect();
        check_closed_line(&centre, &centre_source)?;

        let (race, race_source) = match race_line_csv {
            Some(text) => {
                let source = format!("racelines/{name}.csv");
                let rows = parse_rows::<2>(text, &source)?;
                (rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(), source)
            }
            None => (centre.clone(), centre_source),
        };
        let race = dedup_closed(&race);
        check_closed_line(&race, &race_source)?;

        let raw_length = closed_length(&race);
        let fine = resample_closed(&race, (raw_length / 1.0).round() as usize);
        let sigma_pts = SMOOTH_SIGMA_M / (raw_length / fine.len() as f64);
        let xs = smooth_periodic(&fine.iter().map(|p| p[0]).collect::<Vec<_>>(), sigma_pts);
        let ys = smooth_periodic(&fine.iter().map(|p| p[1]).collect::<Vec<_>>(), sigma_pts);
        let smooth: Vec<[f64; 2]> = xs.into_iter().zip(ys).map(|(x, y)| [x, y]).collect();
        let length_m = closed_length(&smooth);
        let n = (3 * (length_m / (3.0 * TARGET_STEP_M)).round() as usize).max(30);
        let line = resample_closed(&smooth, n);
        let step_m = length_m / n as f64;

        let raw_heading: Vec<f64> = (0..n)
            .map(|i| {
                let a = line[(i + n - 1) % n];
                let b = line[(i + 1) % n];
                (b[1] - a[1]).atan2(b[0] - a[0])
            })
            .collect();
        let curvature: Vec<f64> = (0..n)
            .map(|i| wrap_angle(raw_heading[(i + 1) % n] - raw_heading[(i + n - 1) % n]) / (2.0 * step_m))
            .collect();
        let mut heading = Vec::with_capacity(n);
        heading.push(raw_heading[0]);
        for i in 1..n {
            let prev = heading[i - 1];
            heading.push(prev + wrap_angle(raw_heading[i] - prev));
        }
        if curvature.iter().any(|k| !k.is_finite()) {
            return Err(Error::Degenerate { source_name: race_source, reason: "curvature is not finite" });
        }

        Ok(Track { name: name.to_owned(), centre, widths, line, heading, curvature, step_m, length_m })
    }

    /// The circuit's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Length of the race line, metres.
    pub fn length_m(&self) -> f64 {
        self.length_m
    }

    /// The surveyed centre line as loaded, `[x_m, y_m]` (closed: the last point joins the first).
    pub fn centre_line(&self) -> &[[f64; 2]] {
        &self.centre
    }

    /// Track widths at each centre-line point, `[right_m, left_m]`.
    pub fn widths(&self) -> &[[f64; 2]] {
        &self.widths
    }

    /// The resampled race line the car follows, `[x_m, y_m]`; point `i` is `i * step_m()` past the start line.
    pub fn race_line(&self) -> &[[f64; 2]] {
        &self.line
    }

    /// Signed curvature at each race-line point, 1/m, positive turning left.
    pub fn curvature(&self) -> &[f64] {
        &self.curvature
    }

    /// Heading at each race-line point, radians counter-clockwise from +x, continuous along the lap.
    pub fn heading(&self) -> &[f64] {
        &self.heading
    }

    /// Distance between consecutive race-line points, metres.
    pub fn step_m(&self) -> f64 {
        self.step_m
    }

    /// Distances of the two inner sector boundaries from the start line (1/3 and 2/3 of the length), metres.
    pub fn sector_boundaries_m(&self) -> [f64; 2] {
        let third = self.line.len() / 3;
        [third as f64 * self.step_m, (2 * third) as f64 * self.step_m]
    }

    /// Number of race-line points (a multiple of 3).
    pub(crate) fn len(&self) -> usize {
        self.line.len()
    }
}

// Thousands of points: show the summary.
impl std::fmt::Debug for Track {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Track")
            .field("name", &self.name)
            .field("length_m", &self.length_m)
            .field("points", &self.line.len())
            .finish_non_exhaustive()
    }
}

/// Parses rows of exactly `N` finite numbers, keeping each row's 1-based line number.
fn parse_rows<const N: usize>(text: &str, source: &str) -> Result<Vec<(usize, [f64; N])>> {
    let mut rows = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let err = |problem| Error::Csv { source_name: source.to_owned(), line, problem };
        let found = trimmed.split(',').count();
        if found != N {
            return Err(err(CsvProblem::FieldCount { expected: N, found }));
        }
        let mut row = [0.0; N];
        for (i, field) in trimmed.split(',').enumerate() {
            let field = field.trim();
            let value: f64 =
                field.parse().map_err(|_| err(CsvProblem::NotANumber { field: i + 1, text: field.to_owned() }))?;
            if !value.is_finite() {
                return Err(err(CsvProblem::NotFinite { field: i + 1 }));
            }
            row[i] = value;
        }
        rows.push((line, row));
    }
    Ok(rows)
}

fn check_closed_line(points: &[[f64; 2]], source: &str) -> Result<()> {
    if points.len() < MIN_POINTS {
        return Err(Error::TooFewPoints { source_name: source.to_owned(), found: points.len(), min: MIN_POINTS });
    }
    if closed_length(points) < MIN_LENGTH_M {
        return Err(Error::Degenerate { source_name: source.to_owned(), reason: "the line is shorter than 200 m" });
    }
    Ok(())
}

/// Drops repeated points (including a last point that repeats the first): they would give zero-length steps.
fn dedup_closed(points: &[[f64; 2]]) -> Vec<[f64; 2]> {
    let mut out: Vec<[f64; 2]> = Vec::with_capacity(points.len());
    for &p in points {
        if out.last().is_none_or(|q| dist(*q, p) > 1e-6) {
            out.push(p);
        }
    }
    while out.len() > 1 && dist(out[0], out[out.len() - 1]) <= 1e-6 {
        out.pop();
    }
    out
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (b[0] - a[0]).hypot(b[1] - a[1])
}

fn closed_length(points: &[[f64; 2]]) -> f64 {
    let n = points.len();
    (0..n).map(|i| dist(points[i], points[(i + 1) % n])).sum()
}

/// `n` points evenly spaced along the closed polyline, the first at `points[0]`.
fn resample_closed(points: &[[f64; 2]], n: usize) -> Vec<[f64; 2]> {
    let total = closed_length(points);
    let step = total / n as f64;
    let mut out = Vec::with_capacity(n);
    let mut seg = 0;
    let mut seg_start = 0.0;
    let mut seg_len = dist(points[0], points[1 % points.len()]);
    for i in 0..n {
        let s = i as f64 * step;
        while s > seg_start + seg_len && seg + 1 < points.len() {
            seg_start += seg_len;
            seg += 1;
            seg_len = dist(points[seg], points[(seg + 1) % points.len()]);
        }
        let a = points[seg];
        let b = points[(seg + 1) % points.len()];
        let f = if seg_len > 0.0 { ((s - seg_start) / seg_len).clamp(0.0, 1.0) } else { 0.0 };
        out.push([a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1])]);
    }
    out
}

/// The angle in (-π, π].
pub(crate) fn wrap_angle(a: f64) -> f64 {
    let mut a = a % (2.0 * PI);
    if a > PI {
        a -= 2.0 * PI;
    } else if a <= -PI {
        a += 2.0 * PI;
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_circle_has_constant_curvature() {
        let r = 100.0;
        let csv: String = (0..126)
            .map(|i| {
                let a = i as f64 * 2.0 * PI / 126.0;
                format!("{},{},5,5\n", r * a.cos(), r * a.sin())
            })
            .collect();
        let track = Track::from_csv_str("circle", &csv, None).expect("circle");
        assert!((track.length_m() - 2.0 * PI * r).abs() < 2.0, "{}", track.length_m());
        assert_eq!(track.len() % 3, 0);
        for k in track.curvature() {
            assert!((k - 1.0 / r).abs() < 2e-4, "{k}");
        }
    }

    #[test]
    fn wrap_angle_range() {
        assert!((wrap_angle(3.0 * PI) - PI).abs() < 1e-12);
        assert!((wrap_angle(-0.5) + 0.5).abs() < 1e-12);
        assert!((wrap_angle(2.0 * PI + 0.25) - 0.25).abs() < 1e-12);
    }
}
