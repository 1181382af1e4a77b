//! `racecraft chaos` end to end on SQLite: a short run with the server killed and its disk filled, checked
//! from its JSON summary. Needs root (it mounts a tmpfs); without it the command, and this test, fail.

use std::process::Command;

use serde_json::Value;

#[test]
fn a_short_sqlite_chaos_run_loses_and_duplicates_nothing() {
    let out = Command::new(env!("CARGO_BIN_EXE_racecraft"))
        .args(["chaos", "--duration", "20", "--db", "sqlite", "--seed", "1", "--json"])
        .env("RUST_LOG", "warn")
        .output()
        .expect("racecraft chaos runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "chaos failed ({}):\n{stdout}\n{stderr}", out.status);
    let s: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("summary is not JSON: {e}:\n{stdout}"));
    let n = |key: &str| s[key].as_i64().unwrap_or_else(|| panic!("{key} missing:\n{stdout}"));

    assert_eq!(s["ok"], true, "{stdout}");
    assert!(n("frames_sent") > 0, "{stdout}");
    assert_eq!(n("acked_minus_stored"), 0, "{stdout}");
    assert_eq!(n("frames_acked") - n("frames_stored"), 0, "{stdout}");
    assert!(n("stored_minus_sent") <= 0, "{stdout}");
    assert_eq!(n("frames_stored_twice"), 0, "{stdout}");
    assert_eq!(n("acked_frames_missing"), 0, "{stdout}");
    // With the faults over, the agent delivered everything it was given.
    assert_eq!(n("frames_stored"), n("frames_sent"), "{stdout}");
    assert_eq!(n("frames_read_back"), n("frames_stored"), "{stdout}");
    assert_eq!(s["coverage_exact"], true, "{stdout}");

    let faults = &s["faults"];
    assert!(faults["kill_server"].as_u64() >= Some(1), "{stdout}");
    assert!(faults["fill_disk"].as_u64() >= Some(1), "{stdout}");
    assert_eq!(faults["stop_database"], 0, "{stdout}");
    assert_eq!(faults["unplanned_server_exits"], 0, "{stdout}");

    // The full disk bit: while it was full, the server could not make frames durable, so acknowledgements
    // stalled (at most a flush already under way when the disk filled, well under half of what was sent).
    let frames_per_s = 333.0 * 2.0;
    let fills: Vec<&Value> =
        faults["injected"].as_array().expect("injected").iter().filter(|f| f["kind"] == "fill_disk").collect();
    assert!(!fills.is_empty(), "{stdout}");
    for f in fills {
        let held_s = f["to_s"].as_f64().expect("to_s") - f["from_s"].as_f64().expect("from_s");
        let acked = f["acked_to"].as_u64().expect("acked_to") - f["acked_from"].as_u64().expect("acked_from");
        assert!(held_s >= 2.9, "{f}");
        assert!((acked as f64) < held_s * frames_per_s / 2.0, "acks went on while the disk was full: {f}");
    }
}
