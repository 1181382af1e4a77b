//! Games that push datagrams at a listener: Forza Data Out, OutGauge (Live for Speed, BeamNG) and Racecraft's
//! JSON over UDP. Each frame becomes one datagram in the game's layout, sent to the capture's address.

use std::net::{SocketAddr, UdpSocket};

use racecraft_capture::forza;
use racecraft_capture::json::ApiPoint;
use racecraft_capture::outgauge::OutGauge;
use racecraft_core::Frame;

use crate::{Error, Result};

/// Which layout to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatagramGame {
    /// Forza Data Out in one of its four layouts.
    Forza(forza::Format),
    /// OutGauge, 96 bytes (with the ID field) or 92.
    OutGauge {
        /// Send the optional trailing ID.
        with_id: bool,
    },
    /// One `/api/ingest` JSON object per datagram, with `meta_time` in seconds.
    Json,
}

/// The datagram a game would send for `frame`.
pub fn datagram(game: DatagramGame, frame: &Frame) -> Vec<u8> {
    let t_ms = (frame.t_us / 1000).max(0);
    match game {
        DatagramGame::Forza(format) => forza::Packet::from_frame(format, frame, t_ms as u32).encode(),
        DatagramGame::OutGauge { with_id } => OutGauge::from_frame(frame, t_ms as u32, with_id.then_some(1)).encode(),
        DatagramGame::Json => ApiPoint::from_frame(frame, Some(frame.t_us as f64 * 1e-6)).encode(),
    }
}

/// Sends one datagram per frame to a capture.
#[derive(Debug)]
pub struct DatagramSender {
    socket: UdpSocket,
    to: SocketAddr,
    game: DatagramGame,
}

impl DatagramSender {
    /// A sender of `game`'s datagrams to `to`.
    pub fn new(game: DatagramGame, to: SocketAddr) -> Result<DatagramSender> {
        let any: SocketAddr = if to.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
        let socket = UdpSocket::bind(any).map_err(|source| Error::Socket { what: "bind", source })?;
        Ok(DatagramSender { socket, to, game })
    }

    /// Sends `frame`. Nobody listening is not an error: a game keeps sending regardless.
    pub fn publish(&mut self, frame: &Frame) -> Result<()> {
        match self.socket.send_to(&datagram(self.game, frame), self.to) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
            Err(source) => Err(Error::Socket { what: "send_to", source }),
        }
    }
}
