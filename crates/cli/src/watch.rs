//! `racecraft import --watch DIR`: every file Racecraft can read that lands in a folder (iRacing's telemetry
//! folder, a logger's export folder) is imported once it is complete, and only once, also across restarts.
//!
//! A file is complete when its size and modification time have not changed for [`SETTLE`] (a game or logger
//! still writing it changes both). The folder is listed every [`POLL`]: plain listing works the same on every
//! platform and file system (network shares included), and a telemetry folder changes a few times an hour.
//! What was imported is kept in `DIR/.racecraft-imported` (one line per file: size, modification time in ms,
//! name), so a file is imported again only if it changes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};

/// How often the folder is listed.
pub const POLL: Duration = Duration::from_secs(1);
/// How long a file's size and modification time must stay put before it is taken as complete.
pub const SETTLE: Duration = Duration::from_secs(3);
/// The file in the watched folder that remembers what was imported.
pub const STATE_FILE: &str = ".racecraft-imported";
/// The extensions imported (what `racecraft import` reads).
const EXTENSIONS: &[&str] = &["ibt", "ld", "csv", "rcr"];

/// A file as listed: its size and modification time, ms since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    /// Bytes.
    pub size: u64,
    /// Modification time, ms since the Unix epoch.
    pub modified_ms: i64,
}

/// Which files are ready to import, from successive listings. No input or output of its own: the caller lists
/// the folder and says when.
#[derive(Debug, Default)]
pub struct Watch {
    /// Files seen but not imported: how they looked, and since when.
    pending: BTreeMap<String, (Seen, Instant)>,
    /// Files imported (or refused), as they looked then.
    done: BTreeMap<String, Seen>,
}

impl Watch {
    /// A watch that already imported `done`.
    pub fn with_done(done: BTreeMap<String, Seen>) -> Watch {
        Watch { pending: BTreeMap::new(), done }
    }

    /// Takes a listing made at `now`; answers the files that are complete and not imported as they are, in name
    /// order.
    pub fn poll(&mut self, listing: &BTreeMap<String, Seen>, now: Instant) -> Vec<String> {
        self.pending.retain(|name, _| listing.contains_key(name));
        let mut ready = Vec::new();
        for (name, seen) in listing {
            if self.done.get(name) == Some(seen) {
                continue;
            }
            match self.pending.get(name) {
                Some((was, since)) if was == seen => {
                    if now.duration_since(*since) >= SETTLE {
                        ready.push(name.clone());
                    }
                }
                _ => {
                    self.pending.insert(name.clone(), (*seen, now));
                }
            }
        }
        ready
    }

    /// Marks `name` as imported (or refused) as it looked when it was ready.
    pub fn finished(&mut self, name: &str) {
        if let Some((seen, _)) = self.pending.remove(name) {
            self.done.insert(name.to_string(), seen);
        }
    }

    /// What was imported, to remember.
    pub fn done(&self) -> &BTreeMap<String, Seen> {
        &self.done
    }
}

/// The importable files directly in `dir` (not in subfolders, not hidden).
pub fn list(dir: &Path) -> Result<BTreeMap<String, Seen>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let Ok(entry) = entry else { continue };
        let Ok(name) = entry.file_name().into_string() else { continue };
        let wanted = Path::new(&name)
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)));
        if name.starts_with('.') || !wanted {
            continue;
        }
        let Ok(meta) = entry.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        out.insert(name, Seen { size: meta.len(), modified_ms });
    }
    Ok(out)
}

/// Reads the state file: `size modified_ms name` per line; lines that do not parse are skipped.
pub fn parse_state(text: &str) -> BTreeMap<String, Seen> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.splitn(3, ' ');
            let size = parts.next()?.parse().ok()?;
            let modified_ms = parts.next()?.parse().ok()?;
            let name = parts.next()?.to_string();
            (!name.is_empty()).then_some((name, Seen { size, modified_ms }))
        })
        .collect()
}

/// The state file's text for `done`.
pub fn format_state(done: &BTreeMap<String, Seen>) -> String {
    done.iter().map(|(name, s)| format!("{} {} {name}\n", s.size, s.modified_ms)).collect()
}

/// Saves the state file (written beside, then renamed over, so a crash leaves the old or the new one).
fn save_state(dir: &Path, done: &BTreeMap<String, Seen>) -> Result<()> {
    let path = dir.join(STATE_FILE);
    let tmp = dir.join(format!("{STATE_FILE}.tmp"));
    std::fs::write(&tmp, format_state(done)).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))
}

/// Watches `dir` until Ctrl-C, handing each complete new file to `import`. A file `import` refuses is reported
/// and not tried again until it changes.
pub async fn run<F, Fut>(dir: &Path, mut import: F) -> Result<()>
where
    F: FnMut(PathBuf) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    anyhow::ensure!(dir.is_dir(), "--watch {}: not a folder", dir.display());
    let state = std::fs::read_to_string(dir.join(STATE_FILE)).unwrap_or_default();
    let mut watch = Watch::with_done(parse_state(&state));
    println!(
        "Watching {} for {} files ({} imported before); Ctrl-C to stop.",
        dir.display(),
        EXTENSIONS.join(", "),
        watch.done().len()
    );
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stop = crate::stop_requested();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            _ = tick.tick() => {}
        }
        let listing = match list(dir) {
            Ok(listing) => listing,
            Err(e) => {
                eprintln!("{e:#}; trying again");
                continue;
            }
        };
        for name in watch.poll(&listing, Instant::now()) {
            let path = dir.join(&name);
            match import(path).await {
                Ok(()) => println!("imported {name}"),
                Err(e) => eprintln!("not imported: {name}: {e:#}"),
            }
            watch.finished(&name);
            save_state(dir, watch.done())?;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn listing(files: &[(&str, u64, i64)]) -> BTreeMap<String, Seen> {
        files.iter().map(|&(n, size, modified_ms)| (n.to_string(), Seen { size, modified_ms })).collect()
    }

    #[test]
    fn a_file_is_ready_once_it_stops_changing_and_only_once() {
        let t0 = Instant::now();
        let mut w = Watch::default();
        assert!(w.poll(&listing(&[("a.ibt", 10, 1)]), t0).is_empty(), "just seen");
        // Still being written: size and time move, the clock restarts.
        assert!(w.poll(&listing(&[("a.ibt", 20, 2)]), t0 + SETTLE).is_empty());
        assert!(w.poll(&listing(&[("a.ibt", 20, 2)]), t0 + SETTLE + SETTLE / 2).is_empty());
        assert_eq!(w.poll(&listing(&[("a.ibt", 20, 2)]), t0 + SETTLE * 2), vec!["a.ibt".to_string()]);
        w.finished("a.ibt");
        assert!(w.poll(&listing(&[("a.ibt", 20, 2)]), t0 + SETTLE * 10).is_empty(), "imported once");
        // Changed afterwards (a logger appending a session): imported again once settled.
        assert!(w.poll(&listing(&[("a.ibt", 30, 5)]), t0 + SETTLE * 11).is_empty());
        assert_eq!(w.poll(&listing(&[("a.ibt", 30, 5)]), t0 + SETTLE * 12), vec!["a.ibt".to_string()]);
    }

    #[test]
    fn a_file_that_goes_away_is_forgotten() {
        let t0 = Instant::now();
        let mut w = Watch::default();
        w.poll(&listing(&[("a.csv", 1, 1)]), t0);
        assert!(w.poll(&listing(&[]), t0 + SETTLE).is_empty());
        assert!(w.poll(&listing(&[("a.csv", 1, 1)]), t0 + SETTLE).is_empty(), "seen anew");
    }

    #[test]
    fn the_state_file_round_trips_and_skips_garbage() {
        let done = listing(&[("lap 1.csv", 10, 1_700_000_000_000), ("x.ibt", 3, 4)]);
        let text = format_state(&done);
        assert_eq!(parse_state(&text), done, "names with spaces survive");
        let mut w = Watch::with_done(parse_state(&format!("{text}junk\n12\n-1 x y\n")));
        assert!(w.poll(&done, Instant::now()).is_empty(), "imported before a restart");
        assert_eq!(w.done(), &done);
    }

    #[test]
    fn only_importable_visible_files_are_listed() {
        let dir = tempfile::tempdir().expect("tmp");
        for name in ["a.ibt", "b.CSV", "c.txt", ".hidden.csv", STATE_FILE] {
            std::fs::write(dir.path().join(name), b"x").expect("write");
        }
        std::fs::create_dir(dir.path().join("sub.ld")).expect("dir");
        let names: BTreeSet<String> = list(dir.path()).expect("list").into_keys().collect();
        assert_eq!(names, ["a.ibt", "b.CSV"].into_iter().map(String::from).collect());
    }
}
