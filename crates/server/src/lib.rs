//! The Racecraft server: ingest, live fan-out, storage pipeline, REST API and the web UI.
