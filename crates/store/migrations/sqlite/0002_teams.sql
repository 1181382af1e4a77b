-- The team server: users, teams and their members, login sessions, agent tokens and share links. Every secret
-- (login cookie, agent token, share link) is stored as its SHA-256 hex digest, never as itself.

CREATE TABLE teams (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT    NOT NULL UNIQUE,
    -- Argon2id PHC string.
    password_hash TEXT    NOT NULL,
    created_at_ms INTEGER NOT NULL
);

CREATE TABLE memberships (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT    NOT NULL CHECK (role IN ('owner', 'engineer', 'driver', 'viewer')),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id);

CREATE TABLE logins (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL
);

CREATE TABLE agent_tokens (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash     TEXT    NOT NULL UNIQUE,
    team_id        INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    driver_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label          TEXT    NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    revoked_at_ms  INTEGER
);

CREATE TABLE share_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash    TEXT    NOT NULL UNIQUE,
    session_id    INTEGER NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- One lap of the session, or the whole session when NULL.
    lap_id        INTEGER REFERENCES laps (id) ON DELETE CASCADE,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER,
    revoked_at_ms INTEGER
);
CREATE INDEX share_links_by_session ON share_links (session_id);

-- A session belongs to a team and a driver once the server has teams; NULL on a local server.
ALTER TABLE sessions ADD COLUMN team_id INTEGER REFERENCES teams (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN driver_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN visibility TEXT NOT NULL DEFAULT 'team'
    CHECK (visibility IN ('private', 'team', 'link'));
