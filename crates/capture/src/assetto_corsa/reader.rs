//! Polling the shared memory pages and turning new physics steps into frames.
//!
//! There is no lock between the game and a reader: the game rewrites a page in place while we may be copying
//! it. So each page is copied, then its `packetId` is read again; if it changed, the copy may be torn and is
//! retried. A page whose `packetId` did not advance is a duplicate and yields nothing.

use super::graphics::GraphicsPage;
use super::physics::{self, PhysicsPage};
use super::static_page::{self, StaticPage};
use super::{Error, Game, Result};
use racecraft_core::{Frame, SessionMeta};
use std::path::{Path, PathBuf};

/// Copies attempted before a page that keeps changing is given up on for this poll.
const ATTEMPTS: usize = 4;

/// Frames between re-reads of the static page, which changes only when a session loads (about 1 s of AC physics).
const STATIC_EVERY: u32 = 333;

/// One of the three shared memory pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageKind {
    /// `acpmf_physics`.
    Physics,
    /// `acpmf_graphics`.
    Graphics,
    /// `acpmf_static`.
    Static,
}

impl PageKind {
    /// The mapping's name, which is also the file name under `/dev/shm` on Linux.
    pub fn file_name(self) -> &'static str {
        match self {
            PageKind::Physics => "acpmf_physics",
            PageKind::Graphics => "acpmf_graphics",
            PageKind::Static => "acpmf_static",
        }
    }

    /// The name the game gives the mapping on Windows.
    pub fn mapping_name(self) -> &'static str {
        match self {
            PageKind::Physics => "Local\\acpmf_physics",
            PageKind::Graphics => "Local\\acpmf_graphics",
            PageKind::Static => "Local\\acpmf_static",
        }
    }

    fn page(self) -> &'static str {
        match self {
            PageKind::Physics => "physics",
            PageKind::Graphics => "graphics",
            PageKind::Static => "static",
        }
    }
}

/// Where pages come from: a directory of files, or anything a test wants to put in between.
pub trait PageSource {
    /// Fills `buf` with the first `buf.len()` bytes of `page`; `Ok(false)` when the page does not exist (or is
    /// still shorter than `buf`, as while a bridge is creating it).
    fn read(&mut self, page: PageKind, buf: &mut [u8]) -> Result<bool>;
}

/// How long an open page file is trusted before checking that the path still names it.
const RECHECK: std::time::Duration = std::time::Duration::from_millis(250);

/// Pages as files in a directory, the layout the Linux/Proton bridges create in `/dev/shm`.
///
/// Files are kept open and read with positioned reads (no open/close per poll at 333 Hz). A bridge that is
/// restarted removes and recreates the files, and an open handle would go on reading the orphaned old file, so
/// every 250 ms (see [`DirSource::with_recheck`]) the path is looked up again and the handle replaced when it names a different file (or
/// dropped when it names none).
#[derive(Debug)]
pub struct DirSource {
    dir: PathBuf,
    open: [Option<OpenPage>; 3],
    recheck: std::time::Duration,
}

#[derive(Debug)]
struct OpenPage {
    file: std::fs::File,
    identity: Option<(u64, u64)>,
    checked: std::time::Instant,
}

impl DirSource {
    /// Pages in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> DirSource {
        DirSource::with_recheck(dir, RECHECK)
    }

    /// Pages in `dir`, looking the paths up again every `recheck` (zero: on every read).
    pub fn with_recheck(dir: impl Into<PathBuf>, recheck: std::time::Duration) -> DirSource {
        DirSource { dir: dir.into(), open: [None, None, None], recheck }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// Device and inode of a file, where the platform has them.
fn identity(metadata: &std::fs::Metadata) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        None
    }
}

impl PageSource for DirSource {
    fn read(&mut self, page: PageKind, buf: &mut [u8]) -> Result<bool> {
        use std::io::ErrorKind;
        let slot = page as usize;
        let io = |e: std::io::Error, path: PathBuf| Error::Io { page: page.page(), kind: e.kind(), path };
        let stale = self.open[slot].as_ref().is_none_or(|open| open.checked.elapsed() >= self.recheck);
        if stale {
            // Without inodes to compare (Windows), the handle is closed before looking again: a file removed while
            // open stays, pending deletion, under its name until its last handle closes.
            #[cfg(not(unix))]
            {
                self.open[slot] = None;
            }
            let path = self.dir.join(page.file_name());
            let current = match std::fs::metadata(&path) {
                Ok(metadata) => identity(&metadata),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    // The game has gone: every page is let go, or on Windows the open ones could not be removed
                    // and created again by the bridge.
                    self.open = [None, None, None];
                    return Ok(false);
                }
                Err(e) => return Err(io(e, path)),
            };
            match &mut self.open[slot] {
                Some(open) if current.is_some() && open.identity == current => {
                    open.checked = std::time::Instant::now();
                }
                other => {
                    let file = match std::fs::File::open(&path) {
                        Ok(file) => file,
                        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
                        Err(e) => return Err(io(e, path)),
                    };
                    let identity = file.metadata().ok().as_ref().and_then(identity);
                    *other = Some(OpenPage { file, identity, checked: std::time::Instant::now() });
                }
            }
        }
        let Some(open) = &self.open[slot] else { return Ok(false) };
        match racecraft_core::positional::read_exact_at(&open.file, buf, 0) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::UnexpectedEof => Ok(false),
            Err(e) => Err(io(e, self.dir.join(page.file_name()))),
        }
    }
}

/// The game's own named mappings (`Local\acpmf_*`), opened read-only: Windows, where the games run.
///
/// An open mapping outlives the game that created it (the reader's handle keeps it), frozen at its last
/// `packetId`. So every second (see [`MappingSource::with_reopen`]) each mapping is closed and opened again by
/// name: the same memory while the game runs, the new game's after a restart, and nothing once it has exited.
#[cfg(windows)]
#[derive(Debug)]
pub struct MappingSource {
    open: [Option<(racecraft_shm::Mapping, std::time::Instant)>; 3],
    reopen: std::time::Duration,
}

#[cfg(windows)]
impl MappingSource {
    /// The game's mappings, reopened every second.
    pub fn new() -> MappingSource {
        MappingSource::with_reopen(std::time::Duration::from_secs(1))
    }

    /// The game's mappings, reopened every `reopen` (zero: on every read).
    pub fn with_reopen(reopen: std::time::Duration) -> MappingSource {
        MappingSource { open: [None, None, None], reopen }
    }
}

#[cfg(windows)]
impl Default for MappingSource {
    fn default() -> MappingSource {
        MappingSource::new()
    }
}

#[cfg(windows)]
impl PageSource for MappingSource {
    fn read(&mut self, page: PageKind, buf: &mut [u8]) -> Result<bool> {
        let slot = &mut self.open[page as usize];
        if slot.as_ref().is_none_or(|(_, opened)| opened.elapsed() >= self.reopen) {
            // Closed before opening again, so that a game that has exited is seen to be gone.
            *slot = None;
            match racecraft_shm::Mapping::open(page.mapping_name()) {
                Ok(Some(mapping)) => *slot = Some((mapping, std::time::Instant::now())),
                Ok(None) => return Ok(false),
                Err(e) => {
                    return Err(Error::Io { page: page.page(), kind: e.kind(), path: page.mapping_name().into() });
                }
            }
        }
        // A view shorter than asked for is a game still creating its pages, as with a short file.
        Ok(slot.as_ref().is_some_and(|(mapping, _)| mapping.read(0, buf)))
    }
}

/// What a poll found besides "nothing new" (`Ok(None)`).
// A frame is over 200 bytes since the pit wall channels; it stays inline (and `Update` `Copy`) rather than
// boxed, which would allocate once per physics step.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Update {
    /// A new physics step, with the graphics page's lap channels when it was readable.
    Frame(Frame),
    /// The pages do not exist, or the game has not written them yet (`packetId` 0).
    NotRunning,
}

/// Reads AC/ACC shared memory pages and yields a frame per new physics step.
#[derive(Debug)]
pub struct PageReader<S = DirSource> {
    source: S,
    static_page: Option<StaticPage>,
    last_packet_id: Option<i32>,
    frames_since_static: u32,
    /// Copy buffers for the physics and graphics pages.
    buffers: [Vec<u8>; 2],
}

impl PageReader<DirSource> {
    /// A reader of the `acpmf_*` files in `dir` (`/dev/shm` with a Proton bridge).
    pub fn open(dir: impl Into<PathBuf>) -> PageReader<DirSource> {
        PageReader::with_source(DirSource::new(dir))
    }
}

#[cfg(windows)]
impl PageReader<MappingSource> {
    /// A reader of the game's own named mappings (`Local\acpmf_*`), on Windows.
    pub fn named() -> PageReader<MappingSource> {
        PageReader::with_source(MappingSource::new())
    }
}

enum Copy {
    Absent,
    Torn,
    /// The page is in the reader's buffer for it.
    Page,
}

impl<S: PageSource> PageReader<S> {
    /// A reader of pages from `source`.
    pub fn with_source(source: S) -> PageReader<S> {
        PageReader {
            source,
            static_page: None,
            last_packet_id: None,
            frames_since_static: 0,
            buffers: [Vec::new(), Vec::new()],
        }
    }

    /// The source.
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    /// The game, once its static page has been read.
    pub fn game(&self) -> Option<Game> {
        self.static_page.as_ref().and_then(StaticPage::game)
    }

    /// The static page, once the game has written it.
    pub fn static_page(&self) -> Option<&StaticPage> {
        self.static_page.as_ref()
    }

    /// Car, track and driver, once the static page has been read.
    pub fn session_meta(&self) -> Option<SessionMeta> {
        self.static_page.as_ref().and_then(StaticPage::session_meta)
    }

    /// Copies `len` bytes of a page with a `packetId`, re-reading the id to detect a torn copy.
    fn copy_sequenced(&mut self, page: PageKind, len: usize) -> Result<Copy> {
        // One buffer per page, reused: no allocation per poll.
        let buf = &mut self.buffers[page as usize];
        buf.resize(len, 0);
        for _ in 0..ATTEMPTS {
            let mut id = [0; 4];
            if !self.source.read(page, buf)? || !self.source.read(page, &mut id)? {
                return Ok(Copy::Absent);
            }
            if buf[..4] == id {
                return Ok(Copy::Page);
            }
        }
        Ok(Copy::Torn)
    }

    /// Reads the static page (twice, as it has no `packetId`: equal copies are not torn) while the game is not
    /// known yet, and then every [`STATIC_EVERY`] frames to follow a new session's car and track.
    fn refresh_static(&mut self) -> Result<()> {
        if self.game().is_some() && self.frames_since_static < STATIC_EVERY {
            return Ok(());
        }
        self.frames_since_static = 0;
        // AC's page is 684 bytes, ACC's 820; a bridge's file may be exactly either size. Read AC's size first,
        // then ACC's tail only when `smVersion` says ACC.
        let (mut a, mut b) = (vec![0; static_page::AC_SIZE], vec![0; static_page::AC_SIZE]);
        if !self.source.read(PageKind::Static, &mut a)? || !self.source.read(PageKind::Static, &mut b)? || a != b {
            return Ok(());
        }
        let page = StaticPage::parse(&a)?;
        self.static_page = match page.game() {
            Some(Game::AssettoCorsa) => Some(page),
            Some(Game::Acc) => {
                let (mut a, mut b) = (vec![0; static_page::ACC_SIZE], vec![0; static_page::ACC_SIZE]);
                if !self.source.read(PageKind::Static, &mut a)?
                    || !self.source.read(PageKind::Static, &mut b)?
                    || a != b
                {
                    return Ok(());
                }
                Some(StaticPage::parse(&a)?)
            }
            None => None,
        };
        Ok(())
    }

    fn not_running(&mut self) -> Update {
        self.static_page = None;
        self.last_packet_id = None;
        Update::NotRunning
    }

    /// Reads the pages once: `Ok(None)` when the physics `packetId` has not advanced (or the page kept changing
    /// during every copy), a frame at `t_us` when it has, [`Update::NotRunning`] while the game is not there.
    pub fn poll(&mut self, t_us: i64) -> Result<Option<Update>> {
        self.refresh_static()?;
        let game = self.game();
        // Before the static page says which game it is, the 580 bytes every physics page has.
        let len = game.map_or(physics::AC_SIZE, Game::physics_size);
        match self.copy_sequenced(PageKind::Physics, len)? {
            Copy::Absent => return Ok(Some(self.not_running())),
            Copy::Torn => return Ok(None),
            Copy::Page => {}
        }
        let page = PhysicsPage::parse(&self.buffers[PageKind::Physics as usize])?;
        if page.packet_id == 0 {
            return Ok(Some(self.not_running()));
        }
        if self.last_packet_id == Some(page.packet_id) {
            return Ok(None);
        }
        self.last_packet_id = Some(page.packet_id);
        self.frames_since_static += 1;
        let mut frame = page.to_frame(t_us);
        if let Some(game) = game
            && let Copy::Page = self.copy_sequenced(PageKind::Graphics, game.graphics_size())?
        {
            GraphicsPage::parse(&self.buffers[PageKind::Graphics as usize])?.apply_to(&mut frame);
        }
        Ok(Some(Update::Frame(frame)))
    }
}
