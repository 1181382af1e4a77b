//! Row types: what the store reads back ([`Session`], [`LapRow`]) and what it writes ([`WriteBatch`]).

use racecraft_core::{CompletedLap, Frame, SessionMeta, Visibility};

/// A session as the REST API shows it: its metadata, state and a summary of its laps and telemetry.
///
/// Serializes as the protocol's `<Session>` without `live`, which only the server knows.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Session {
    /// Database id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Source game or tool.
    pub game: String,
    /// Car name.
    pub car: String,
    /// Track name.
    pub track: String,
    /// Driver name.
    pub driver: String,
    /// Wall-clock start, milliseconds since the Unix epoch.
    pub started_at_ms: i64,
    /// Wall-clock end, milliseconds since the Unix epoch; `None` while it has not ended.
    pub ended_at_ms: Option<i64>,
    /// Hidden from the default session list.
    pub archived: bool,
    /// Completed laps stored.
    pub lap_count: u64,
    /// Fastest valid lap, seconds; `None` without a valid lap.
    pub best_lap_s: Option<f64>,
    /// Telemetry frames stored.
    pub frame_count: u64,
    /// The team it belongs to; `None` on a local server (no teams).
    #[serde(default)]
    pub team_id: Option<i64>,
    /// The user who drove it, when known.
    #[serde(default)]
    pub driver_user_id: Option<i64>,
    /// Who besides its driver and the team's owners and engineers may read it.
    #[serde(default)]
    pub visibility: Visibility,
    /// The team the agent named for the car (display; on a team server the owning team is `team_id`).
    #[serde(default)]
    pub team: String,
    /// The car's race number the agent named; empty when none.
    #[serde(default)]
    pub car_number: String,
}

impl Session {
    /// Its owner, if it has one.
    pub fn owner(&self) -> Option<Owner> {
        self.team_id.map(|team_id| Owner { team_id, driver_user_id: self.driver_user_id })
    }

    /// The metadata the session was created with.
    pub fn meta(&self) -> SessionMeta {
        SessionMeta {
            game: self.game.clone(),
            car: self.car.clone(),
            track: self.track.clone(),
            driver: self.driver.clone(),
            started_at_ms: self.started_at_ms,
            team: self.team.clone(),
            car_number: self.car_number.clone(),
        }
    }
}

/// The first frame of every stored lap of a session and its last frame ([`crate::Store::lap_edges`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LapEdges {
    /// (lap number, its first frame), by lap number.
    pub lap_starts: Vec<(u32, Frame)>,
    /// The last frame stored.
    pub last: Option<Frame>,
}

/// A stored lap. The server turns it into the protocol's `Lap` (`racecraft_protocol::rest::Lap`) in one place.
#[derive(Debug, Clone, PartialEq)]
pub struct LapRow {
    /// Database id.
    pub id: i64,
    /// The session it belongs to.
    pub session_id: i64,
    /// The game's lap number.
    pub lap_number: u32,
    /// Lap time, seconds.
    pub lap_time_s: f64,
    /// Sector times, seconds (empty when the source has none).
    pub sectors_s: Vec<f64>,
    /// Session time at the start of the lap, microseconds.
    pub start_t_us: i64,
    /// Session time at the end of the lap, microseconds.
    pub end_t_us: i64,
    /// Frames seen during the lap.
    pub frame_count: u64,
    /// A lap that counts (see [`CompletedLap::valid`]).
    pub valid: bool,
    /// The capture joined after the lap had started.
    pub out_lap: bool,
    /// The car was in the pit lane during the lap.
    pub pit: bool,
}

impl LapRow {
    /// The lap as the lap tracker reported it, without its database ids.
    pub fn completed(&self) -> CompletedLap {
        CompletedLap {
            lap_number: self.lap_number,
            lap_time_s: self.lap_time_s,
            sectors_s: self.sectors_s.clone(),
            start_t_us: self.start_t_us,
            end_t_us: self.end_t_us,
            frame_count: self.frame_count,
            valid: self.valid,
            out_lap: self.out_lap,
            pit: self.pit,
        }
    }
}

/// Everything one flush writes, in one transaction, in this order: sessions, chunks, laps, ends. Writing the
/// same batch again changes nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteBatch {
    /// Sessions created while the database was away ([`crate::Writer::create_session`]), inserted first so
    /// the chunks and laps that follow never reference a missing session.
    pub sessions: Vec<NewSession>,
    /// Telemetry chunks.
    pub chunks: Vec<ChunkRow>,
    /// Completed laps.
    pub laps: Vec<NewLap>,
    /// Sessions that ended, recorded after their last chunks and laps.
    pub ends: Vec<SessionEnd>,
}

impl WriteBatch {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty() && self.chunks.is_empty() && self.laps.is_empty() && self.ends.is_empty()
    }

    /// Frames in all chunks.
    pub fn frame_count(&self) -> u64 {
        self.chunks.iter().map(|c| u64::from(c.frame_count)).sum()
    }
}

/// A run of consecutive frames of one session, encoded with `racecraft_codec::chunk`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRow {
    /// The session.
    pub session_id: i64,
    /// The game's lap number shared by every frame of the chunk, if known.
    pub lap_number: Option<u32>,
    /// Sequence number of the first frame; the chunk holds `first_seq .. first_seq + frame_count`.
    pub first_seq: u64,
    /// Frames in the chunk.
    pub frame_count: u32,
    /// Session time of the first frame, microseconds.
    pub t_start_us: i64,
    /// Session time of the last frame, microseconds.
    pub t_end_us: i64,
    /// The encoded chunk.
    pub data: Vec<u8>,
}

impl ChunkRow {
    /// Sequence number just after the last frame.
    pub fn end_seq(&self) -> u64 {
        self.first_seq + u64::from(self.frame_count)
    }
}

/// A completed lap to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLap {
    /// The session.
    pub session_id: i64,
    /// The lap.
    pub lap: CompletedLap,
}

impl NewLap {
    /// Refuses values no database column can hold, so a bad lap is an error at the door rather than a batch
    /// that fails on every retry.
    pub(crate) fn check(&self) -> crate::Result<()> {
        let not_finite =
            |what| crate::Error::NotFinite { session_id: self.session_id, lap_number: self.lap.lap_number, what };
        if !self.lap.lap_time_s.is_finite() {
            return Err(not_finite("lap_time_s"));
        }
        if !self.lap.sectors_s.iter().all(|s| s.is_finite()) {
            return Err(not_finite("sectors_s"));
        }
        if i64::try_from(self.lap.frame_count).is_err() {
            return Err(crate::Error::OutOfRange { what: "lap frame_count", value: self.lap.frame_count });
        }
        Ok(())
    }
}

/// The first id of the range [`crate::Writer::create_session`] hands out while the database is away: 2^52.
/// The database's own ids stay below it (PostgreSQL's identity has this as its bound, SQLite's
/// [`crate::Store::create_session`] picks below it), and the range ends below 2^53, so every id is still
/// exact as a JavaScript number.
pub const OFFLINE_SESSION_ID_BASE: i64 = 1 << 52;

/// A session row created without the database, under an id of its own (at or above
/// [`OFFLINE_SESSION_ID_BASE`]), inserted by [`crate::Store::write`] unless that id exists already.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSession {
    /// The id the session was given.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Its metadata.
    pub meta: SessionMeta,
    /// When it was created, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
    /// The team and driver it belongs to (a session streamed with an agent token or by a signed-in user).
    pub owner: Option<Owner>,
}

/// The team a session belongs to, and the user who drove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owner {
    /// The team.
    pub team_id: i64,
    /// The driver, when known.
    pub driver_user_id: Option<i64>,
}

impl NewSession {
    /// The row as the REST API shows it, with nothing stored yet.
    pub fn session(&self) -> Session {
        Session {
            id: self.id,
            name: self.name.clone(),
            game: self.meta.game.clone(),
            car: self.meta.car.clone(),
            track: self.meta.track.clone(),
            driver: self.meta.driver.clone(),
            started_at_ms: self.meta.started_at_ms,
            ended_at_ms: None,
            archived: false,
            lap_count: 0,
            best_lap_s: None,
            frame_count: 0,
            team_id: self.owner.map(|o| o.team_id),
            driver_user_id: self.owner.and_then(|o| o.driver_user_id),
            visibility: Visibility::default(),
            team: self.meta.team.clone(),
            car_number: self.meta.car_number.clone(),
        }
    }
}

/// A session's end, written like its frames so that an end during an outage is not lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionEnd {
    /// The session.
    pub session_id: i64,
    /// Wall-clock end, milliseconds since the Unix epoch.
    pub ended_at_ms: i64,
}
