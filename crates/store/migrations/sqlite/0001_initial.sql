-- Sessions, laps and telemetry chunks. Integers are INTEGER (64-bit), booleans 0/1, times as the names say.

CREATE TABLE sessions (
    -- AUTOINCREMENT so an id is never reused after a delete: ids end up in URLs.
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL,
    game          TEXT    NOT NULL,
    car           TEXT    NOT NULL,
    track         TEXT    NOT NULL,
    driver        TEXT    NOT NULL,
    started_at_ms INTEGER NOT NULL,
    ended_at_ms   INTEGER,
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at_ms INTEGER NOT NULL
);

-- The session list, newest first.
CREATE INDEX sessions_by_start ON sessions (started_at_ms DESC, id DESC);

CREATE TABLE laps (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    lap_number  INTEGER NOT NULL,
    lap_time_s  REAL    NOT NULL,
    -- JSON array of sector times in seconds.
    sectors_s   TEXT    NOT NULL,
    start_t_us  INTEGER NOT NULL,
    end_t_us    INTEGER NOT NULL,
    frame_count INTEGER NOT NULL,
    valid       INTEGER NOT NULL CHECK (valid IN (0, 1)),
    out_lap     INTEGER NOT NULL CHECK (out_lap IN (0, 1)),
    pit         INTEGER NOT NULL CHECK (pit IN (0, 1)),
    -- Also the index for "laps of a session by number" and for the cascade.
    UNIQUE (session_id, lap_number)
);

CREATE TABLE chunks (
    session_id  INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- The game's lap number of every frame in the chunk (chunks are cut at lap changes); NULL when unknown.
    lap_number  INTEGER,
    first_seq   INTEGER NOT NULL,
    frame_count INTEGER NOT NULL,
    t_start_us  INTEGER NOT NULL,
    t_end_us    INTEGER NOT NULL,
    -- racecraft-codec chunk bytes (columnar, LZ4).
    data        BLOB    NOT NULL,
    -- Also serves session_frames and next_seq.
    PRIMARY KEY (session_id, first_seq)
);

-- lap_frames: the chunks of one lap in sequence order.
CREATE INDEX chunks_by_lap ON chunks (session_id, lap_number, first_seq);
