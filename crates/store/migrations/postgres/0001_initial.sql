-- Sessions, laps and telemetry chunks. Integers are BIGINT throughout so both backends decode to i64.

CREATE TABLE sessions (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          TEXT    NOT NULL,
    game          TEXT    NOT NULL,
    car           TEXT    NOT NULL,
    track         TEXT    NOT NULL,
    driver        TEXT    NOT NULL,
    started_at_ms BIGINT  NOT NULL,
    ended_at_ms   BIGINT,
    archived      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at_ms BIGINT  NOT NULL
);

-- The session list, newest first.
CREATE INDEX sessions_by_start ON sessions (started_at_ms DESC, id DESC);

CREATE TABLE laps (
    id          BIGINT           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id  BIGINT           NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    lap_number  BIGINT           NOT NULL,
    lap_time_s  DOUBLE PRECISION NOT NULL,
    -- JSON array of sector times in seconds (text: it is only ever read back whole).
    sectors_s   TEXT             NOT NULL,
    start_t_us  BIGINT           NOT NULL,
    end_t_us    BIGINT           NOT NULL,
    frame_count BIGINT           NOT NULL,
    valid       BOOLEAN          NOT NULL,
    out_lap     BOOLEAN          NOT NULL,
    pit         BOOLEAN          NOT NULL,
    -- Also the index for "laps of a session by number" and for the cascade.
    UNIQUE (session_id, lap_number)
);

CREATE TABLE chunks (
    session_id  BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- The game's lap number of every frame in the chunk (chunks are cut at lap changes); NULL when unknown.
    lap_number  BIGINT,
    first_seq   BIGINT NOT NULL,
    frame_count BIGINT NOT NULL,
    t_start_us  BIGINT NOT NULL,
    t_end_us    BIGINT NOT NULL,
    -- racecraft-codec chunk bytes (columnar, LZ4).
    data        BYTEA  NOT NULL,
    -- Also serves session_frames and next_seq.
    PRIMARY KEY (session_id, first_seq)
);

-- The bytes are LZ4 already: store them out of line without a second (pglz) compression pass.
ALTER TABLE chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- lap_frames: the chunks of one lap in sequence order.
CREATE INDEX chunks_by_lap ON chunks (session_id, lap_number, first_seq);
