//! Sessions, laps and telemetry chunks in SQLite or PostgreSQL, with a disk spool while the database is away.
