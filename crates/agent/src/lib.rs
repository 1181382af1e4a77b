//! The capture agent's uplink: streams frames to a server over WebSocket, buffering and resending across outages.
