//! Assetto Corsa and Assetto Corsa Competizione: shared memory pages and AC's UDP remote telemetry.

/// What can go wrong reading Assetto Corsa bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {}
