//! Typed metrics, rendered as Prometheus text at `/metrics`. Counters are bumped per message or batch,
//! never per frame in a loop.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

type Label = [(&'static str, &'static str); 1];

/// Every metric the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Frames accepted, by transport (`ws`, `http_ac`, `http_api`).
    pub frames_received: Family<Label, Counter>,
    /// Frames dropped, by reason (`duplicate`).
    pub frames_dropped: Family<Label, Counter>,
    /// Rejected requests or messages, by reason.
    pub ingest_rejected: Family<Label, Counter>,
    /// Connected live viewers.
    pub ws_viewers: Gauge,
    /// Times a viewer fell behind and skipped ahead.
    pub ws_client_lagged: Counter,
    /// Frames skipped by lagging viewers.
    pub ws_frames_skipped: Counter,
    /// Viewers disconnected because they stopped reading.
    pub ws_viewers_stalled: Counter,
    /// Requests refused by the browser guard, by reason (`forbidden`: host or origin; `not_json`).
    pub requests_refused: Family<Label, Counter>,
    /// Connected agents.
    pub ws_agents: Gauge,
    /// Laps completed.
    pub laps_completed: Counter,
    /// 1 while the database accepts writes.
    pub db_available: Gauge,
    /// Batches waiting in the disk spool.
    pub spooled_batches: Gauge,
    /// Frames waiting for the next storage flush.
    pub storage_pending_frames: Gauge,
    /// Frames written to the database.
    pub stored_frames: Gauge,
    /// Sessions analysed (cache misses), by what asked (`request`, `session_ended`, `server_started`).
    pub session_analyses: Family<Label, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// Registers every metric in a registry of its own (so several servers can live in one test process).
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("racecraft");
        let m = Metrics {
            registry: Registry::default(),
            frames_received: Family::default(),
            frames_dropped: Family::default(),
            ingest_rejected: Family::default(),
            ws_viewers: Gauge::default(),
            ws_client_lagged: Counter::default(),
            ws_frames_skipped: Counter::default(),
            ws_viewers_stalled: Counter::default(),
            requests_refused: Family::default(),
            ws_agents: Gauge::default(),
            laps_completed: Counter::default(),
            db_available: Gauge::default(),
            spooled_batches: Gauge::default(),
            storage_pending_frames: Gauge::default(),
            stored_frames: Gauge::default(),
            session_analyses: Family::default(),
        };
        registry.register("frames_received", "Frames accepted", m.frames_received.clone());
        registry.register("frames_dropped", "Frames dropped", m.frames_dropped.clone());
        registry.register("ingest_rejected", "Rejected requests and messages", m.ingest_rejected.clone());
        registry.register("ws_viewers", "Connected live viewers", m.ws_viewers.clone());
        registry.register("ws_client_lagged", "Viewer lag events", m.ws_client_lagged.clone());
        registry.register("ws_frames_skipped", "Frames skipped by lagging viewers", m.ws_frames_skipped.clone());
        registry.register("ws_viewers_stalled", "Viewers dropped for not reading", m.ws_viewers_stalled.clone());
        registry.register("requests_refused", "Requests refused by the browser guard", m.requests_refused.clone());
        registry.register("ws_agents", "Connected agents", m.ws_agents.clone());
        registry.register("session_analyses", "Sessions analysed from their stored frames", m.session_analyses.clone());
        registry.register("laps_completed", "Laps completed", m.laps_completed.clone());
        registry.register("db_available", "1 while the database accepts writes", m.db_available.clone());
        registry.register("spooled_batches", "Batches in the disk spool", m.spooled_batches.clone());
        registry.register(
            "storage_pending_frames",
            "Frames awaiting a storage flush",
            m.storage_pending_frames.clone(),
        );
        registry.register("stored_frames", "Frames written to the database by this process", m.stored_frames.clone());
        Metrics { registry, ..m }
    }

    /// Counts one rejection.
    pub fn reject(&self, reason: &'static str) {
        self.ingest_rejected.get_or_create(&[("reason", reason)]).inc();
    }

    /// Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
