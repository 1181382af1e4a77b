//! A writer killed with SIGKILL loses at most the last 100 ms of frames.
//!
//! The test binary runs itself again as the writer child (selected by an environment variable). The child
//! pushes frames at about 333 Hz in real time, stamping each with its wall-clock push time, and prints one
//! line per push after the push returns. The parent kills it once it has reported a second's worth of pushes and
//! reads the file back.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use racecraft_core::{Channel, Frame};
use racecraft_record::{RecordingWriter, read_all};

const CHILD_ENV: &str = "RACECRAFT_RECORD_SIGKILL_CHILD";

fn frame(i: u64, t_us: i64) -> Frame {
    Frame::new(t_us).with(Channel::Speed, i as f32).with(Channel::Rpm, 5000.0 + (i % 100) as f32)
}

/// The writer child; a no-op unless the parent set the environment variable.
#[test]
fn sigkill_writer_child() {
    let Some(path) = std::env::var_os(CHILD_ENV) else { return };
    let mut w = RecordingWriter::create(&path, &common::meta()).expect("create");
    let start = Instant::now();
    let period = Duration::from_micros(3003);
    // Stops by itself after 20 s in case the parent died without killing it.
    for i in 0..(20_000_000 / 3003) {
        let due = start + period * i as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        // The frame's time is its push time, so gaps in t_us are gaps in wall time.
        let now = Instant::now();
        let t_us = i64::try_from(now.duration_since(start).as_micros()).expect("fits");
        w.push_at(frame(i, t_us), now).expect("push");
        println!("pushed {i} {t_us}");
    }
}

#[cfg(unix)]
#[test]
fn sigkill_loses_at_most_100_ms() {
    if std::env::var_os(CHILD_ENV).is_some() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("killed.rcr");
    let mut child = Command::new(std::env::current_exe().expect("current exe"))
        .args(["--exact", "sigkill_writer_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn child");
    let stdout = child.stdout.take().expect("stdout");
    // Every complete line the child writes is a push that had returned; the reader forwards them as they come.
    let (tx, pushes) = std::sync::mpsc::channel::<(u64, i64)>();
    let reader = std::thread::spawn(move || {
        for l in BufReader::new(stdout).lines().map_while(Result::ok) {
            // The harness's own "test ... " prefix may share the first line.
            let parsed = l.split_once("pushed ").and_then(|(_, rest)| {
                let mut it = rest.split(' ');
                Some((it.next()?.parse::<u64>().ok()?, it.next()?.parse::<i64>().ok()?))
            });
            if let Some(push) = parsed
                && tx.send(push).is_err()
            {
                return;
            }
        }
    });
    // Kill it once it has pushed a second's worth (an event, not a guess of how long that takes here).
    let mut reported = Vec::new();
    while reported.len() < 333 {
        reported.push(pushes.recv_timeout(Duration::from_secs(60)).expect("the child keeps pushing"));
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reap");
    reader.join().expect("reader thread");
    reported.extend(pushes.try_iter());

    let rec = read_all(&path).expect("read killed recording");
    assert!(rec.trailer.is_none(), "killed writer wrote no trailer");
    assert_eq!(rec.meta, Some(common::meta()));
    // Recovered frames are exactly the first frames pushed (a cut mid-block is a warning, not a loss).
    for (k, f) in rec.frames.iter().enumerate() {
        assert_eq!(*f, frame(k as u64, f.t_us), "frame {k}");
        if let Some(&(i, t)) = reported.get(k) {
            assert_eq!((i, t), (k as u64, f.t_us));
        }
    }
    // The first reported frame that was not recovered was still pending at the last reported push, so it
    // was less than 100 ms older than that push (else that push would have written it). Its t_us is its
    // push time, so the gap is measured in the child's own clock, immune to how slowly the parent ran.
    let &(_, last_t) = reported.last().expect("reports");
    if let Some(&(_, first_lost_t)) = reported.get(rec.frames.len()) {
        let lost_us = last_t - first_lost_t;
        assert!(lost_us < 100_000 + 1_000, "lost {lost_us} µs of reported frames");
    }
    // And in frame terms: the last reported frame is at most 100 ms plus one push interval (the longest
    // the child actually took between two pushes) after the last recovered frame.
    let longest_interval = reported.windows(2).map(|w| w[1].1 - w[0].1).max().unwrap_or(0);
    let last_recovered_t = rec.frames.last().map_or(0, |f| f.t_us);
    let gap = last_t - last_recovered_t;
    eprintln!(
        "pushed {}, recovered {}, gap {gap} µs, longest push interval {longest_interval} µs",
        reported.len(),
        rec.frames.len()
    );
    assert!(gap < 100_000 + longest_interval + 1_000, "gap {gap} µs");
}
