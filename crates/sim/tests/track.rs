//! Track loading: the built-in circuits, files on disk, and malformed input.

use std::path::{Path, PathBuf};

use racecraft_sim::{CsvProblem, Error, Track};

/// A scratch directory removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("racecraft-sim-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("racelines")).expect("create scratch dir");
        Scratch(dir)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::write(&path, text).expect("write scratch file");
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A counter-clockwise circle of radius `r` as centre-line CSV.
fn circle_csv(r: f64, points: usize, clockwise: bool) -> String {
    let mut out = String::from("# x_m,y_m,w_tr_right_m,w_tr_left_m\n");
    for i in 0..points {
        let mut a = i as f64 * std::f64::consts::TAU / points as f64;
        if clockwise {
            a = -a;
        }
        out.push_str(&format!("{:.6},{:.6},5.0,5.0\n", r * a.cos(), r * a.sin()));
    }
    out
}

#[test]
fn every_builtin_track_loads_with_a_plausible_length() {
    let names = Track::builtin_names();
    assert_eq!(names.len(), 20);
    for name in names {
        let track = Track::builtin(name).expect(name);
        assert_eq!(track.name(), *name);
        let km = track.length_m() / 1000.0;
        // Norisring, a street circuit, is the one short one (2.3 km).
        let range = if *name == "Norisring" { 2.0..3.0 } else { 3.0..7.5 };
        assert!(range.contains(&km), "{name}: {km} km");
        assert!(track.centre_line().len() > 100, "{name}");
        assert_eq!(track.widths().len(), track.centre_line().len());
        let n = track.race_line().len();
        assert_eq!(n % 3, 0);
        assert!((1.0..=2.0).contains(&track.step_m()), "{name}: step {}", track.step_m());
        assert!((n as f64 * track.step_m() - track.length_m()).abs() < 1e-6);
        let [b1, b2] = track.sector_boundaries_m();
        assert!((b1 - track.length_m() / 3.0).abs() < 1e-6 && (b2 - 2.0 * track.length_m() / 3.0).abs() < 1e-6);
        // A closed loop turns once, either way round.
        let turn: f64 = track.curvature().iter().sum::<f64>() * track.step_m() / std::f64::consts::TAU;
        assert!((turn.abs() - 1.0).abs() < 1e-6, "{name}: {turn}");
        // Smoothing leaves no hairpin tighter than 10 m and keeps the line near the surveyed one.
        assert!(track.curvature().iter().all(|k| k.abs() < 0.1), "{name}");
        let start = track.race_line()[0];
        let nearest =
            track.centre_line().iter().map(|p| (p[0] - start[0]).hypot(p[1] - start[1])).fold(f64::MAX, f64::min);
        assert!(nearest < 15.0, "{name}: start line {nearest} m from the centre line");
    }
}

#[test]
fn builtin_names_match_ignoring_case() {
    assert_eq!(Track::builtin("spa").expect("spa").name(), "Spa");
    assert_eq!(Track::builtin("MONZA").expect("monza").name(), "Monza");
    assert!(matches!(Track::builtin("Imola"), Err(Error::UnknownTrack(name)) if name == "Imola"));
}

#[test]
fn curvature_is_positive_turning_left() {
    let ccw = Track::from_csv_str("ccw", &circle_csv(80.0, 100, false), None).expect("ccw");
    let cw = Track::from_csv_str("cw", &circle_csv(80.0, 100, true), None).expect("cw");
    for (a, b) in ccw.curvature().iter().zip(cw.curvature()) {
        assert!((a - 1.0 / 80.0).abs() < 3e-4, "{a}");
        assert!((b + 1.0 / 80.0).abs() < 3e-4, "{b}");
    }
}

#[test]
fn from_csv_path_uses_the_race_line_beside_it() {
    let scratch = Scratch::new("paths");
    let monza = Track::builtin("Monza").expect("monza");
    let centre: String = std::iter::once("# x_m,y_m,w_tr_right_m,w_tr_left_m\n".to_owned())
        .chain(
            monza
                .centre_line()
                .iter()
                .zip(monza.widths())
                .map(|(p, w)| format!("{},{},{},{}\n", p[0], p[1], w[0], w[1])),
        )
        .collect();
    let race: String = include_str!("../tracks/racelines/Monza.csv").to_owned();
    let with_line = scratch.write("Temple.csv", &centre);
    scratch.write("racelines/Temple.csv", &race);
    let alone = scratch.write("Lonely.csv", &centre);

    let a = Track::from_csv_path(&with_line).expect("with race line");
    assert_eq!(a.name(), "Temple");
    assert_eq!(a.race_line(), monza.race_line());
    assert_eq!(a.length_m(), monza.length_m());
    let b = Track::from_csv_path(&alone).expect("centre line only");
    assert_eq!(b.centre_line(), monza.centre_line());
    assert!((b.length_m() - a.length_m()).abs() > 1.0, "the centre line is not the race line");

    let missing = Track::from_csv_path(Path::new("/nonexistent/racecraft/Nowhere.csv"));
    assert!(matches!(missing, Err(Error::Io { .. })), "{missing:?}");
}

#[test]
fn malformed_csvs_are_errors_with_line_numbers() {
    let good = circle_csv(100.0, 60, false);
    let with_line = |line_no: usize, row: &str| -> String {
        let mut lines: Vec<&str> = good.lines().collect();
        lines[line_no - 1] = row;
        lines.join("\n")
    };
    let csv_err = |text: &str| match Track::from_csv_str("bad", text, None) {
        Err(Error::Csv { line, problem, .. }) => (line, problem),
        other => panic!("expected a CSV error, got {other:?}"),
    };

    assert_eq!(csv_err(&with_line(5, "1.0,2.0,3.0")), (5, CsvProblem::FieldCount { expected: 4, found: 3 }));
    assert_eq!(csv_err(&with_line(7, "1.0,abc,3.0,3.0")), (7, CsvProblem::NotANumber { field: 2, text: "abc".into() }));
    assert_eq!(csv_err(&with_line(3, "NaN,1.0,3.0,3.0")), (3, CsvProblem::NotFinite { field: 1 }));
    assert_eq!(csv_err(&with_line(9, "1.0,1.0,-3.0,3.0")), (9, CsvProblem::NegativeWidth { field: 3 }));

    // A race line must have two fields; its errors name the race line file.
    let err = Track::from_csv_str("bad", &good, Some("# x_m,y_m\n1,2\n3,4,5\n")).expect_err("bad race line");
    assert!(matches!(&err, Error::Csv { line: 3, source_name, .. } if source_name == "racelines/bad.csv"), "{err}");
    assert!(err.to_string().starts_with("line 3: expected 2 fields, found 3"), "{err}");

    assert!(matches!(
        Track::from_csv_str("few", "# header\n1,1,1,1\n2,2,1,1\n", None),
        Err(Error::TooFewPoints { found: 2, .. })
    ));
    let tiny = circle_csv(10.0, 60, false);
    assert!(matches!(Track::from_csv_str("tiny", &tiny, None), Err(Error::Degenerate { .. })));
    let same: String = (0..50).map(|_| "5,5,1,1\n").collect();
    assert!(Track::from_csv_str("point", &same, Some(&"5,5\n".repeat(50))).is_err());
    assert!(Track::from_csv_str("empty", "", None).is_err());
}

#[test]
fn blank_lines_and_comments_are_skipped() {
    let mut text = circle_csv(100.0, 60, false);
    text.insert_str(0, "\n# a comment\n   \n");
    text.push_str("\n\n");
    let track = Track::from_csv_str("spaced", &text, None).expect("blank lines are fine");
    let plain = Track::from_csv_str("plain", &circle_csv(100.0, 60, false), None).expect("plain");
    assert_eq!(track.race_line(), plain.race_line());
}
