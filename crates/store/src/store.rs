//! [`Store`]: sessions, laps and chunks in SQLite or PostgreSQL behind one handle.
//!
//! Both backends run the same SQL text: `$N` placeholders, `ON CONFLICT ... DO NOTHING`, `RETURNING` and
//! `CAST(... AS BIGINT)` mean the same in SQLite and PostgreSQL, and every integer column decodes as `i64`
//! (BIGINT in PostgreSQL). Only the migrations differ, each in its backend's idioms. Queries are checked at
//! run time, so building needs no database.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use racecraft_codec::chunk;
use racecraft_core::{Frame, SessionMeta};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::OnceCell;

use crate::model::{LapEdges, LapRow, NewSession, Owner, Session, WriteBatch};
use crate::{Error, Result, now_ms};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// `"sqlite"` or `"postgres"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Connection pool settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// Longest wait for a pooled connection, which is also how long a query waits for an unreachable
    /// PostgreSQL before failing. Kept short so the [`crate::Writer`] falls back to its spool quickly.
    pub acquire_timeout: Duration,
    /// Most connections held open.
    pub max_connections: u32,
    /// How long SQLite waits on a locked database before failing.
    pub sqlite_busy_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            acquire_timeout: Duration::from_secs(3),
            max_connections: 8,
            sqlite_busy_timeout: Duration::from_secs(5),
        }
    }
}

/// Sessions, laps and telemetry in SQLite or PostgreSQL. Cheap to clone: clones share one pool.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    /// Set once the migrations have run: a lazily connected store runs them on first contact.
    migrated: Arc<OnceCell<()>>,
}

#[derive(Debug, Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Evaluates `$body` with `$p` bound to whichever pool the store has. The body is compiled once per
/// backend, so the same query text gets each driver's argument and row types.
macro_rules! with_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            Pool::Sqlite($p) => $body,
            Pool::Postgres($p) => $body,
        }
    };
}

/// The session columns plus the lap and telemetry summary, for `FROM sessions s`.
macro_rules! select_session {
    () => {
        "SELECT s.id, s.name, s.game, s.car, s.track, s.driver, s.started_at_ms, s.ended_at_ms, s.archived, \
         s.team_id, s.driver_user_id, s.visibility, s.team, s.car_number, \
         (SELECT COUNT(*) FROM laps l WHERE l.session_id = s.id) AS lap_count, \
         (SELECT MIN(l.lap_time_s) FROM laps l WHERE l.session_id = s.id AND l.valid) AS best_lap_s, \
         (SELECT CAST(COALESCE(SUM(c.frame_count), 0) AS BIGINT) FROM chunks c WHERE c.session_id = s.id) \
           AS frame_count \
         FROM sessions s "
    };
}

mod accounts;
pub use accounts::{AgentToken, Member, Membership, ShareLink, User};

const SELECT_SESSION: &str = concat!(select_session!(), "WHERE s.id = $1");
const SELECT_SESSIONS: &str =
    concat!(select_session!(), "WHERE $1 OR NOT s.archived ORDER BY s.started_at_ms DESC, s.id DESC");
const SELECT_CAR_SESSIONS: &str = concat!(
    select_session!(),
    "WHERE s.car_number <> '' AND NOT s.archived AND (s.ended_at_ms IS NULL OR s.ended_at_ms >= $1) \
     ORDER BY s.started_at_ms DESC, s.id DESC"
);

const LAP_COLUMNS_BY_SESSION: &str = "SELECT id, session_id, lap_number, lap_time_s, sectors_s, start_t_us, \
     end_t_us, frame_count, valid, out_lap, pit FROM laps WHERE session_id = $1 ORDER BY lap_number";

const LAP_COLUMNS_BY_ID: &str = "SELECT id, session_id, lap_number, lap_time_s, sectors_s, start_t_us, \
     end_t_us, frame_count, valid, out_lap, pit FROM laps WHERE id = $1";

// INSERT ... SELECT ... WHERE EXISTS: rows of a session deleted meanwhile are skipped like duplicates, so a
// batch that raced a DELETE can never become a poison record that blocks the spool forever.
const INSERT_CHUNK: &str = "INSERT INTO chunks \
     (session_id, lap_number, first_seq, frame_count, t_start_us, t_end_us, data) \
     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1) \
     ON CONFLICT (session_id, first_seq) DO NOTHING";

/// The literal of [`crate::OFFLINE_SESSION_ID_BASE`] for SQL text (kept equal by a test).
macro_rules! offline_base {
    () => {
        "4503599627370496"
    };
}

const INSERT_SESSION: &str = "INSERT INTO sessions (name, game, car, track, driver, started_at_ms, archived, \
     created_at_ms, team_id, driver_user_id, team, car_number) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";

// SQLite's AUTOINCREMENT takes the largest id in the table plus one, which after a session created offline
// (id 2^52 and up) would be an offline id: the id is chosen here instead, below the offline range and above
// every id ever handed out (sqlite_sequence, which `Store::write` keeps free of offline ids), so a deleted
// session's id is still never reused.
const INSERT_SESSION_SQLITE: &str = concat!(
    "INSERT INTO sessions (id, name, game, car, track, driver, started_at_ms, archived, created_at_ms, team_id, \
     driver_user_id, team, car_number) VALUES (\
     (SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sessions' AND seq < ",
    offline_base!(),
    "), 0), COALESCE((SELECT MAX(id) FROM sessions WHERE id < ",
    offline_base!(),
    "), 0)) + 1), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
);

// A session created offline carries its own id. PostgreSQL's identity column takes one only when told to
// (OVERRIDING SYSTEM VALUE); its sequence never reaches the offline range (capped by migration 0002).
const INSERT_OFFLINE_SESSION_PG: &str = "INSERT INTO sessions \
     (id, name, game, car, track, driver, started_at_ms, archived, created_at_ms, team_id, driver_user_id, team, \
     car_number) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
     ON CONFLICT (id) DO NOTHING";
const INSERT_OFFLINE_SESSION_SQLITE: &str = "INSERT INTO sessions \
     (id, name, game, car, track, driver, started_at_ms, archived, created_at_ms, team_id, driver_user_id, team, \
     car_number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (id) DO NOTHING";
const SQLITE_SESSION_SEQ: &str = "SELECT seq FROM sqlite_sequence WHERE name = 'sessions'";

const END_SESSION: &str = "UPDATE sessions SET ended_at_ms = $2 WHERE id = $1";

const INSERT_LAP: &str = "INSERT INTO laps \
     (session_id, lap_number, lap_time_s, sectors_s, start_t_us, end_t_us, frame_count, valid, out_lap, pit) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 WHERE EXISTS (SELECT 1 FROM sessions WHERE id = $1) \
     ON CONFLICT (session_id, lap_number) DO NOTHING";

// Chunks are read a page at a time (keyset on first_seq) so a long session never holds all its blobs at once.
const CHUNK_PAGE: i64 = 64;
const SELECT_SESSION_CHUNKS: &str = "SELECT first_seq, frame_count, data FROM chunks \
     WHERE session_id = $1 AND first_seq >= $2 ORDER BY first_seq LIMIT $3";
const SELECT_LAP_CHUNKS: &str = "SELECT first_seq, frame_count, data FROM chunks \
     WHERE session_id = $1 AND lap_number = $4 AND first_seq >= $2 ORDER BY first_seq LIMIT $3";
const SELECT_CHUNKS_FROM_LAP: &str = "SELECT first_seq, frame_count, data FROM chunks \
     WHERE session_id = $1 AND lap_number >= $4 AND first_seq >= $2 ORDER BY first_seq LIMIT $3";

// The first chunk of every lap (chunks are cut at lap changes, so its first frame starts the lap), and the
// session's last chunk: what a pit wall needs of a stint without reading its telemetry.
const SELECT_LAP_FIRST_CHUNKS: &str = "SELECT c.lap_number, c.first_seq, c.frame_count, c.data FROM chunks c \
     WHERE c.session_id = $1 AND c.lap_number IS NOT NULL AND c.first_seq = \
     (SELECT MIN(d.first_seq) FROM chunks d WHERE d.session_id = $1 AND d.lap_number = c.lap_number) \
     ORDER BY c.lap_number";
const SELECT_LAST_CHUNK: &str =
    "SELECT first_seq, frame_count, data FROM chunks WHERE session_id = $1 ORDER BY first_seq DESC LIMIT 1";

/// Which chunks of a session [`Store::frames`] reads.
#[derive(Debug, Clone, Copy)]
enum Span {
    Session,
    Lap(u32),
    FromLap(u32),
}

#[derive(sqlx::FromRow)]
struct SessionRecord {
    id: i64,
    name: String,
    game: String,
    car: String,
    track: String,
    driver: String,
    started_at_ms: i64,
    ended_at_ms: Option<i64>,
    archived: bool,
    lap_count: i64,
    best_lap_s: Option<f64>,
    frame_count: i64,
    team_id: Option<i64>,
    driver_user_id: Option<i64>,
    visibility: String,
    team: String,
    car_number: String,
}

impl From<SessionRecord> for Session {
    fn from(r: SessionRecord) -> Session {
        Session {
            id: r.id,
            name: r.name,
            game: r.game,
            car: r.car,
            track: r.track,
            driver: r.driver,
            started_at_ms: r.started_at_ms,
            ended_at_ms: r.ended_at_ms,
            archived: r.archived,
            lap_count: r.lap_count.max(0) as u64,
            best_lap_s: r.best_lap_s,
            frame_count: r.frame_count.max(0) as u64,
            team_id: r.team_id,
            driver_user_id: r.driver_user_id,
            // The column's CHECK admits only the names Visibility parses.
            visibility: r.visibility.parse().unwrap_or_default(),
            team: r.team,
            car_number: r.car_number,
        }
    }
}

#[derive(sqlx::FromRow)]
struct LapRecord {
    id: i64,
    session_id: i64,
    lap_number: i64,
    lap_time_s: f64,
    sectors_s: String,
    start_t_us: i64,
    end_t_us: i64,
    frame_count: i64,
    valid: bool,
    out_lap: bool,
    pit: bool,
}

impl TryFrom<LapRecord> for LapRow {
    type Error = Error;

    fn try_from(r: LapRecord) -> Result<LapRow> {
        let corrupt = |detail: String| Error::CorruptRow { what: "lap", session_id: r.session_id, detail };
        let sectors_s = serde_json::from_str(&r.sectors_s)
            .map_err(|e| corrupt(format!("lap {} sectors_s {:?}: {e}", r.id, r.sectors_s)))?;
        let lap_number = u32::try_from(r.lap_number)
            .map_err(|_| corrupt(format!("lap {} has lap number {}", r.id, r.lap_number)))?;
        Ok(LapRow {
            id: r.id,
            session_id: r.session_id,
            lap_number,
            lap_time_s: r.lap_time_s,
            sectors_s,
            start_t_us: r.start_t_us,
            end_t_us: r.end_t_us,
            frame_count: r.frame_count.max(0) as u64,
            valid: r.valid,
            out_lap: r.out_lap,
            pit: r.pit,
        })
    }
}

/// A chunk row converted to column types up front, so a bad value fails before the transaction starts.
struct ChunkArgs<'a> {
    session_id: i64,
    lap_number: Option<i64>,
    first_seq: i64,
    frame_count: i64,
    t_start_us: i64,
    t_end_us: i64,
    data: &'a [u8],
}

struct LapArgs {
    session_id: i64,
    lap_number: i64,
    lap_time_s: f64,
    sectors_s: String,
    start_t_us: i64,
    end_t_us: i64,
    frame_count: i64,
    valid: bool,
    out_lap: bool,
    pit: bool,
}

fn to_i64(value: u64, what: &'static str) -> Result<i64> {
    i64::try_from(value).map_err(|_| Error::OutOfRange { what, value })
}

impl Store {
    /// Connects with default settings; see [`Store::connect_with`].
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, &StoreConfig::default()).await
    }

    /// Connects to `sqlite://<path>` (file and parent directories created when missing; WAL,
    /// `synchronous=FULL`) or `postgres://...` / `postgresql://...`, and brings the schema up to date.
    pub async fn connect_with(url: &str, config: &StoreConfig) -> Result<Store> {
        let store = Store::connect_lazy_with(url, config)?;
        store.ready().await?;
        Ok(store)
    }

    /// A store that has not talked to its database yet: only a bad URL fails here. Every call connects as
    /// needed, and the first that reaches the database brings the schema up to date; until then calls fail
    /// with the connection error. A server starts with this, so it can serve live data and spool writes
    /// while its database is down.
    pub fn connect_lazy_with(url: &str, config: &StoreConfig) -> Result<Store> {
        let pool = if url.starts_with("sqlite:") {
            let in_memory = url.contains(":memory:") || url.contains("mode=memory");
            let mut options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: every commit syncs the WAL. A committed batch is acknowledged to the agent, which then
                // forgets those frames, and the spool drops what it replayed: with NORMAL an OS crash or a
                // power cut could take back commits both had already relied on. One sync per batch (once a
                // second) costs nothing worth saving.
                .synchronous(SqliteSynchronous::Full)
                // Writers queue on the lock instead of failing at once: the storage writer, a spool drain
                // and the REST handlers all write.
                .busy_timeout(config.sqlite_busy_timeout)
                .foreign_keys(true);
            if !in_memory {
                let path = options.get_filename().to_path_buf();
                create_parent_dirs(&path)?;
                options = options.filename(path);
            }
            let mut pool_options = SqlitePoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(config.acquire_timeout)
                .after_release(|conn, _| {
                    // A connection still inside a transaction (a failed COMMIT that SQLite kept open) would
                    // hold the write lock for good; closing it rolls the transaction back.
                    let keep = !sqlx::Connection::is_in_transaction(conn);
                    Box::pin(async move { Ok(keep) })
                });
            if in_memory {
                // An in-memory database lives as long as one of its connections: keep one forever.
                pool_options = pool_options.min_connections(1).idle_timeout(None).max_lifetime(None);
            }
            Pool::Sqlite(pool_options.connect_lazy_with(options))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(config.max_connections)
                .acquire_timeout(config.acquire_timeout)
                .after_release(|conn, _| {
                    let keep = !sqlx::Connection::is_in_transaction(conn);
                    Box::pin(async move { Ok(keep) })
                })
                .connect_lazy_with(options);
            Pool::Postgres(pool)
        } else {
            return Err(Error::UnsupportedUrl { url: url.to_owned() });
        };
        Ok(Store { pool, migrated: Arc::new(OnceCell::new()) })
    }

    /// Runs the migrations once, on the first call that reaches the database; a failure is retried by the
    /// next call.
    async fn ready(&self) -> Result<()> {
        self.migrated
            .get_or_try_init(|| async {
                match &self.pool {
                    Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
                    Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
                }
                Ok::<(), Error>(())
            })
            .await
            .map(|_| ())
    }

    /// Whether the schema has been brought up to date (the database has been reached at least once).
    pub fn is_migrated(&self) -> bool {
        self.migrated.initialized()
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<()> {
        self.ready().await?;
        with_pool!(&self.pool, p => sqlx::query("SELECT 1").execute(p).await.map(drop)?);
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        with_pool!(&self.pool, p => p.close().await);
    }

    /// Creates a session. Without a `name`, it is named after track and car.
    pub async fn create_session(&self, meta: &SessionMeta, name: Option<&str>) -> Result<Session> {
        self.create_owned_session(meta, name, None).await
    }

    /// Creates a session belonging to `owner` (team and driver). Without a `name`, it is named after track
    /// and car.
    pub async fn create_owned_session(
        &self,
        meta: &SessionMeta,
        name: Option<&str>,
        owner: Option<Owner>,
    ) -> Result<Session> {
        self.ready().await?;
        let name = name.map_or_else(|| default_name(meta), str::to_owned);
        let created_at_ms = now_ms();
        let sql = match self.pool {
            Pool::Sqlite(_) => INSERT_SESSION_SQLITE,
            Pool::Postgres(_) => INSERT_SESSION,
        };
        let id: i64 = with_pool!(&self.pool, p => sqlx::query_scalar(sql)
            .bind(&name)
            .bind(&meta.game)
            .bind(&meta.car)
            .bind(&meta.track)
            .bind(&meta.driver)
            .bind(meta.started_at_ms)
            .bind(false)
            .bind(created_at_ms)
            .bind(owner.map(|o| o.team_id))
            .bind(owner.and_then(|o| o.driver_user_id))
            .bind(&meta.team)
            .bind(&meta.car_number)
            .fetch_one(p)
            .await?);
        Ok(NewSession { id, name, meta: meta.clone(), created_at_ms, owner }.session())
    }

    /// One session, if it exists.
    pub async fn session(&self, id: i64) -> Result<Option<Session>> {
        self.ready().await?;
        let record: Option<SessionRecord> = with_pool!(&self.pool, p => sqlx::query_as(SELECT_SESSION)
            .bind(id)
            .fetch_optional(p)
            .await?);
        Ok(record.map(Session::from))
    }

    /// All sessions, newest first; archived ones only when asked for.
    pub async fn sessions(&self, include_archived: bool) -> Result<Vec<Session>> {
        self.ready().await?;
        let records: Vec<SessionRecord> = with_pool!(&self.pool, p => sqlx::query_as(SELECT_SESSIONS)
            .bind(include_archived)
            .fetch_all(p)
            .await?);
        Ok(records.into_iter().map(Session::from).collect())
    }

    /// The sessions that name a car number (a team's cars, for the pit wall), not archived, running or
    /// ended at `ended_since_ms` or later; newest first.
    pub async fn car_sessions(&self, ended_since_ms: i64) -> Result<Vec<Session>> {
        self.ready().await?;
        let records: Vec<SessionRecord> = with_pool!(&self.pool, p => sqlx::query_as(SELECT_CAR_SESSIONS)
            .bind(ended_since_ms)
            .fetch_all(p)
            .await?);
        Ok(records.into_iter().map(Session::from).collect())
    }

    /// Renames and/or (un)archives a session; `None` leaves a field as it is. `Ok(None)` if there is no
    /// such session.
    pub async fn update_session(
        &self,
        id: i64,
        name: Option<String>,
        archived: Option<bool>,
    ) -> Result<Option<Session>> {
        self.ready().await?;
        let sql = "UPDATE sessions SET name = COALESCE($2, name), archived = COALESCE($3, archived) WHERE id = $1";
        let affected = with_pool!(&self.pool, p => sqlx::query(sql)
            .bind(id)
            .bind(name.as_deref())
            .bind(archived)
            .execute(p)
            .await?
            .rows_affected());
        if affected == 0 {
            return Ok(None);
        }
        self.session(id).await
    }

    /// Deletes a session with its laps and telemetry; `false` if there was no such session.
    pub async fn delete_session(&self, id: i64) -> Result<bool> {
        self.ready().await?;
        let affected = with_pool!(&self.pool, p => sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(p)
            .await?
            .rows_affected());
        Ok(affected > 0)
    }

    /// Records when a session ended; `false` if there is no such session.
    pub async fn end_session(&self, id: i64, ended_at_ms: i64) -> Result<bool> {
        self.ready().await?;
        let affected = with_pool!(&self.pool, p => sqlx::query(END_SESSION)
            .bind(id)
            .bind(ended_at_ms)
            .execute(p)
            .await?
            .rows_affected());
        Ok(affected > 0)
    }

    /// Writes a batch in one transaction: its new sessions first (skipped when their id exists), then chunks
    /// and laps, then session ends. Chunks whose `(session_id, first_seq)` and laps whose
    /// `(session_id, lap_number)` are already stored are skipped, as are rows of sessions that no longer
    /// exist, so replaying a batch (after a crash, from the spool) is harmless.
    pub async fn write(&self, batch: &WriteBatch) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let chunks = batch
            .chunks
            .iter()
            .map(|c| {
                Ok(ChunkArgs {
                    session_id: c.session_id,
                    lap_number: c.lap_number.map(i64::from),
                    first_seq: to_i64(c.first_seq, "first_seq")?,
                    frame_count: i64::from(c.frame_count),
                    t_start_us: c.t_start_us,
                    t_end_us: c.t_end_us,
                    data: &c.data,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let laps = batch
            .laps
            .iter()
            .map(|l| {
                l.check()?;
                Ok(LapArgs {
                    session_id: l.session_id,
                    lap_number: i64::from(l.lap.lap_number),
                    lap_time_s: l.lap.lap_time_s,
                    sectors_s: sectors_json(&l.lap.sectors_s),
                    start_t_us: l.lap.start_t_us,
                    end_t_us: l.lap.end_t_us,
                    frame_count: to_i64(l.lap.frame_count, "lap frame_count")?,
                    valid: l.lap.valid,
                    out_lap: l.lap.out_lap,
                    pit: l.lap.pit,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        self.ready().await?;
        // The connection is taken out of the pool's hands for the transaction: if anything fails it is
        // closed, never returned. A COMMIT that fails for lack of space leaves SQLite's transaction open
        // while sqlx believes it ended; back in the pool, that connection held the write lock for good (every
        // other writer got "database is locked"), and the next batch written through it only released a
        // savepoint inside the dead transaction — reported as committed, acknowledged, and never stored.
        with_pool!(&self.pool, p => {
            let mut conn = p.acquire().await?;
            let written = async {
                let mut tx = match self.pool {
                    // IMMEDIATE takes the write lock up front (waiting up to busy_timeout): a deferred
                    // transaction that reads first fails at once with SQLITE_BUSY when it has to upgrade.
                    Pool::Sqlite(_) => sqlx::Connection::begin_with(&mut *conn, "BEGIN IMMEDIATE").await?,
                    Pool::Postgres(_) => sqlx::Connection::begin(&mut *conn).await?,
                };
                if !batch.sessions.is_empty() {
                    // An explicit id raises SQLite's AUTOINCREMENT high-water mark into the offline range;
                    // it is put back, so `create_session` keeps picking below that range without reusing ids.
                    let seq: Option<i64> = match self.pool {
                        Pool::Sqlite(_) => sqlx::query_scalar(SQLITE_SESSION_SEQ).fetch_optional(&mut *tx).await?,
                        Pool::Postgres(_) => None,
                    };
                    let sql = match self.pool {
                        Pool::Sqlite(_) => INSERT_OFFLINE_SESSION_SQLITE,
                        Pool::Postgres(_) => INSERT_OFFLINE_SESSION_PG,
                    };
                    for s in &batch.sessions {
                        sqlx::query(sql)
                            .bind(s.id)
                            .bind(&s.name)
                            .bind(&s.meta.game)
                            .bind(&s.meta.car)
                            .bind(&s.meta.track)
                            .bind(&s.meta.driver)
                            .bind(s.meta.started_at_ms)
                            .bind(false)
                            .bind(s.created_at_ms)
                            .bind(s.owner.map(|o| o.team_id))
                            .bind(s.owner.and_then(|o| o.driver_user_id))
                            .bind(&s.meta.team)
                            .bind(&s.meta.car_number)
                            .execute(&mut *tx)
                            .await?;
                    }
                    if matches!(self.pool, Pool::Sqlite(_)) {
                        let restore = match seq {
                            Some(seq) => sqlx::query("UPDATE sqlite_sequence SET seq = $1 WHERE name = 'sessions'")
                                .bind(seq),
                            None => sqlx::query("DELETE FROM sqlite_sequence WHERE name = 'sessions'"),
                        };
                        restore.execute(&mut *tx).await?;
                    }
                }
                for c in &chunks {
                    sqlx::query(INSERT_CHUNK)
                        .bind(c.session_id)
                        .bind(c.lap_number)
                        .bind(c.first_seq)
                        .bind(c.frame_count)
                        .bind(c.t_start_us)
                        .bind(c.t_end_us)
                        .bind(c.data)
                        .execute(&mut *tx)
                        .await?;
                }
                for l in &laps {
                    sqlx::query(INSERT_LAP)
                        .bind(l.session_id)
                        .bind(l.lap_number)
                        .bind(l.lap_time_s)
                        .bind(&l.sectors_s)
                        .bind(l.start_t_us)
                        .bind(l.end_t_us)
                        .bind(l.frame_count)
                        .bind(l.valid)
                        .bind(l.out_lap)
                        .bind(l.pit)
                        .execute(&mut *tx)
                        .await?;
                }
                for e in &batch.ends {
                    sqlx::query(END_SESSION).bind(e.session_id).bind(e.ended_at_ms).execute(&mut *tx).await?;
                }
                tx.commit().await
            }
            .await;
            if written.is_err() {
                // Closing the connection rolls back whatever SQLite or PostgreSQL still has open.
                let _ = sqlx::Connection::close_hard(conn.detach()).await;
            }
            written?;
        });
        Ok(())
    }

    /// The laps of a session, by lap number.
    pub async fn laps(&self, session_id: i64) -> Result<Vec<LapRow>> {
        self.ready().await?;
        let records: Vec<LapRecord> = with_pool!(&self.pool, p => sqlx::query_as(LAP_COLUMNS_BY_SESSION)
            .bind(session_id)
            .fetch_all(p)
            .await?);
        records.into_iter().map(LapRow::try_from).collect()
    }

    /// One lap, if it exists.
    pub async fn lap(&self, id: i64) -> Result<Option<LapRow>> {
        self.ready().await?;
        let record: Option<LapRecord> = with_pool!(&self.pool, p => sqlx::query_as(LAP_COLUMNS_BY_ID)
            .bind(id)
            .fetch_optional(p)
            .await?);
        record.map(LapRow::try_from).transpose()
    }

    /// The frames of a lap: its session's chunks with that lap number, in sequence order.
    pub async fn lap_frames(&self, lap: &LapRow) -> Result<Vec<Frame>> {
        self.frames(lap.session_id, Span::Lap(lap.lap_number), Frame::ALL_CHANNELS_MASK, lap.frame_count as usize).await
    }

    /// The frames of a session from lap `from_lap` on (frames without a lap number left out), in sequence
    /// order: what a server that restarted mid-session replays to pick up the lap in progress.
    pub async fn frames_from_lap(&self, session_id: i64, from_lap: u32) -> Result<Vec<Frame>> {
        self.frames(session_id, Span::FromLap(from_lap), Frame::ALL_CHANNELS_MASK, 0).await
    }

    /// Every stored frame of a session, in sequence order.
    pub async fn session_frames(&self, session_id: i64) -> Result<Vec<Frame>> {
        self.frames(session_id, Span::Session, Frame::ALL_CHANNELS_MASK, 0).await
    }

    /// The sequence number after the last stored frame of a session (0 when it has none): where an agent
    /// resumes.
    pub async fn next_seq(&self, session_id: i64) -> Result<u64> {
        self.ready().await?;
        let sql = "SELECT MAX(first_seq + frame_count) FROM chunks WHERE session_id = $1";
        let next: Option<i64> = with_pool!(&self.pool, p => sqlx::query_scalar(sql)
            .bind(session_id)
            .fetch_one(p)
            .await?);
        Ok(next.map_or(0, |n| n.max(0) as u64))
    }

    /// The channels in `channels` (a mask of [`Channel::index`](racecraft_core::Channel::index) bits) of a whole
    /// session, chunk by chunk in order, the others not decoded: `each` sees one chunk's frames at a time, so a
    /// long session is never held whole (the analysis takes its columns this way).
    pub async fn each_session_chunk(
        &self,
        session_id: i64,
        channels: u64,
        mut each: impl FnMut(&[Frame]) + Send,
    ) -> Result<()> {
        let mut frames = Vec::new();
        self.chunks(session_id, Span::Session, channels, &mut frames, |frames| {
            each(frames);
            frames.clear();
        })
        .await
    }

    /// The first frame stored of every lap of a session, by lap number, and its last frame: the `channels`
    /// (a presence mask) of each. Reads one chunk per lap plus one.
    pub async fn lap_edges(&self, session_id: i64, channels: u64) -> Result<LapEdges> {
        self.ready().await?;
        let firsts: Vec<(i64, i64, i64, Vec<u8>)> = with_pool!(&self.pool, p => sqlx::query_as(SELECT_LAP_FIRST_CHUNKS)
            .bind(session_id)
            .fetch_all(p)
            .await?);
        let last: Option<(i64, i64, Vec<u8>)> = with_pool!(&self.pool, p => sqlx::query_as(SELECT_LAST_CHUNK)
            .bind(session_id)
            .fetch_optional(p)
            .await?);
        let decode = |first_seq: i64, frame_count: i64, data: &[u8]| -> Result<Vec<Frame>> {
            let mut frames = Vec::new();
            chunk::decode_channels_into(data, channels, &mut frames).map_err(|source| Error::CorruptChunk {
                session_id,
                first_seq: first_seq.max(0) as u64,
                source,
            })?;
            if frames.len() as i64 != frame_count || frames.is_empty() {
                return Err(Error::CorruptRow {
                    what: "chunk",
                    session_id,
                    detail: format!(
                        "chunk at seq {first_seq} holds {} frames, its row says {frame_count}",
                        frames.len()
                    ),
                });
            }
            Ok(frames)
        };
        let mut edges = LapEdges::default();
        for (lap_number, first_seq, frame_count, data) in firsts {
            let frames = decode(first_seq, frame_count, &data)?;
            let lap = u32::try_from(lap_number).map_err(|_| Error::CorruptRow {
                what: "chunk",
                session_id,
                detail: format!("lap number {lap_number} at seq {first_seq}"),
            })?;
            edges.lap_starts.extend(frames.into_iter().next().map(|f| (lap, f)));
        }
        if let Some((first_seq, frame_count, data)) = last {
            edges.last = decode(first_seq, frame_count, &data)?.pop();
        }
        Ok(edges)
    }

    async fn frames(&self, session_id: i64, span: Span, channels: u64, expected: usize) -> Result<Vec<Frame>> {
        // A hint only: a corrupt or stale count must not allocate without bound.
        let mut frames = Vec::with_capacity(expected.min(1 << 24));
        self.chunks(session_id, span, channels, &mut frames, |_| {}).await?;
        Ok(frames)
    }

    /// Decodes the chunks of `span` in order, appending each one's frames to `frames` and then calling `after`
    /// (which may take them out).
    async fn chunks(
        &self,
        session_id: i64,
        span: Span,
        channels: u64,
        frames: &mut Vec<Frame>,
        mut after: impl FnMut(&mut Vec<Frame>) + Send,
    ) -> Result<()> {
        self.ready().await?;
        let mut from_seq = 0i64;
        loop {
            let page: Vec<(i64, i64, Vec<u8>)> = match span {
                Span::Lap(lap) | Span::FromLap(lap) => {
                    let sql = if matches!(span, Span::Lap(_)) { SELECT_LAP_CHUNKS } else { SELECT_CHUNKS_FROM_LAP };
                    with_pool!(&self.pool, p => sqlx::query_as(sql)
                        .bind(session_id)
                        .bind(from_seq)
                        .bind(CHUNK_PAGE)
                        .bind(i64::from(lap))
                        .fetch_all(p)
                        .await?)
                }
                Span::Session => with_pool!(&self.pool, p => sqlx::query_as(SELECT_SESSION_CHUNKS)
                    .bind(session_id)
                    .bind(from_seq)
                    .bind(CHUNK_PAGE)
                    .fetch_all(p)
                    .await?),
            };
            let full_page = page.len() as i64 == CHUNK_PAGE;
            for (first_seq, frame_count, data) in &page {
                let before = frames.len();
                chunk::decode_channels_into(data, channels, frames).map_err(|source| Error::CorruptChunk {
                    session_id,
                    first_seq: (*first_seq).max(0) as u64,
                    source,
                })?;
                let decoded = frames.len() - before;
                if decoded as i64 != *frame_count {
                    return Err(Error::CorruptRow {
                        what: "chunk",
                        session_id,
                        detail: format!("chunk at seq {first_seq} holds {decoded} frames, its row says {frame_count}"),
                    });
                }
                after(frames);
                from_seq = first_seq + 1;
            }
            if !full_page {
                return Ok(());
            }
        }
    }
}

pub(crate) fn default_name(meta: &SessionMeta) -> String {
    let parts: Vec<&str> = [meta.track.as_str(), meta.car.as_str()].into_iter().filter(|s| !s.is_empty()).collect();
    if parts.is_empty() { meta.game.clone() } else { parts.join(" · ") }
}

fn sectors_json(sectors_s: &[f64]) -> String {
    // Cannot fail: a list of numbers, checked finite by `NewLap::check`.
    serde_json::to_string(sectors_s).unwrap_or_else(|_| "[]".to_owned())
}

fn create_parent_dirs(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io { source, path: dir.to_path_buf() })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::OFFLINE_SESSION_ID_BASE;

    #[test]
    fn the_sql_literal_is_the_offline_id_base() {
        assert_eq!(offline_base!().parse::<i64>(), Ok(OFFLINE_SESSION_ID_BASE));
    }
}
