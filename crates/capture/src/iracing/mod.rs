//! iRacing: `.ibt` telemetry files and the live memory map (same header and variable layout).

/// What can go wrong reading iRacing bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {}
