//! Assetto Corsa's remote telemetry server (the game listens on UDP port 9996).
//!
//! A client sends a 12-byte handshake; the game answers with the 408-byte `handshackerResponse` (car, driver,
//! track, identifier 4242, version 1). After `SubscribeUpdate` the game sends an `RTCarInfo` (328 bytes) every
//! physics step, after `SubscribeSpot` an `RTLap` (212 bytes) at every lap completion, and after `Dismiss`
//! nothing more. This emulator plays that part for every client that talks to it.

use std::net::{SocketAddr, ToSocketAddrs, UdpSocket};

use racecraft_capture::assetto_corsa::WideStr;
use racecraft_capture::assetto_corsa::udp::{Handshake, HandshakerResponse, Operation, RtCarInfo, RtLap};
use racecraft_core::{Channel, Frame, SessionMeta, Wheel};

use crate::{Error, Result, frame_to_world, ms};

/// The `RTCarInfo` the game would send for `frame`.
pub fn car_info(frame: &Frame) -> RtCarInfo {
    let get = |c: Channel| frame.get(c).unwrap_or(0.0);
    let mut info = RtCarInfo::default();
    let speed = get(Channel::Speed);
    info.speed_ms = speed;
    info.speed_kmh = speed * 3.6;
    info.speed_mph = speed * 2.236_936;
    info.is_in_pit = frame.get(Channel::InPit).is_some_and(|p| p > 0.5);
    info.acc_g_vertical = get(Channel::AccVert);
    info.acc_g_horizontal = get(Channel::AccLat);
    info.acc_g_frontal = get(Channel::AccLong);
    info.lap_time = ms(frame.get(Channel::LapTime)).unwrap_or(0);
    info.last_lap = ms(frame.get(Channel::LastLapTime)).unwrap_or(0);
    info.lap_count = frame.get(Channel::Lap).map_or(0, |lap| (lap as i32 - 1).max(0));
    info.gas = get(Channel::Throttle);
    info.brake = get(Channel::Brake);
    info.clutch = 1.0 - get(Channel::Clutch);
    info.engine_rpm = get(Channel::Rpm);
    info.steer = get(Channel::Steer).to_degrees();
    info.gear = frame.get(Channel::Gear).map_or(1, |g| g as i32 + 1);
    for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
        info.slip_ratio[i] = get(Channel::slip_ratio(wheel));
    }
    info.car_position_normalized = get(Channel::LapDistPct);
    info.car_coordinates = frame_to_world([get(Channel::PosX), get(Channel::PosY), get(Channel::PosZ)]);
    info
}

/// The answer to a handshake for a session.
pub fn handshake_response(meta: &SessionMeta) -> HandshakerResponse {
    HandshakerResponse {
        car_name: WideStr(meta.car.clone()),
        driver_name: WideStr(meta.driver.clone()),
        identifier: 4242,
        version: 1,
        track_name: WideStr(meta.track.clone()),
        track_config: WideStr(String::new()),
    }
}

/// The game's side of the protocol on one UDP socket.
#[derive(Debug)]
pub struct AcUdpServer {
    socket: UdpSocket,
    meta: SessionMeta,
    updates: Vec<SocketAddr>,
    spots: Vec<SocketAddr>,
    last_lap: Option<i32>,
    /// Datagrams that were not a valid handshake, ignored as the game ignores them.
    pub ignored: u64,
}

impl AcUdpServer {
    /// Listens on `addr` (`127.0.0.1:0` in tests, `0.0.0.0:9996` to stand in for the game).
    pub fn bind(addr: impl ToSocketAddrs, meta: SessionMeta) -> Result<AcUdpServer> {
        let socket = UdpSocket::bind(addr).map_err(|source| Error::Socket { what: "bind", source })?;
        socket.set_nonblocking(true).map_err(|source| Error::Socket { what: "set_nonblocking", source })?;
        Ok(AcUdpServer { socket, meta, updates: Vec::new(), spots: Vec::new(), last_lap: None, ignored: 0 })
    }

    /// The address clients send their handshake to.
    pub fn local_addr(&self) -> Result<SocketAddr> {
        self.socket.local_addr().map_err(|source| Error::Socket { what: "local_addr", source })
    }

    /// Clients subscribed to car updates.
    pub fn subscribers(&self) -> usize {
        self.updates.len()
    }

    /// Answers every pending handshake, subscription and dismissal.
    pub fn serve_requests(&mut self) -> Result<()> {
        let mut buf = [0u8; 64];
        loop {
            let (n, from) = match self.socket.recv_from(&mut buf) {
                Ok(got) => got,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                // A previous send to a client that has gone away (ICMP port unreachable) surfaces here.
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => continue,
                Err(source) => return Err(Error::Socket { what: "recv_from", source }),
            };
            let Ok(request) = Handshake::decode(&buf[..n]) else {
                self.ignored += 1;
                continue;
            };
            match request.operation {
                Operation::Handshake => {
                    let response = handshake_response(&self.meta).encode();
                    self.send(&response, from)?;
                }
                Operation::SubscribeUpdate => add(&mut self.updates, from),
                Operation::SubscribeSpot => add(&mut self.spots, from),
                Operation::Dismiss => {
                    self.updates.retain(|a| *a != from);
                    self.spots.retain(|a| *a != from);
                }
            }
        }
    }

    /// Serves pending requests, then sends `frame` to every update subscriber, and an `RTLap` to spot
    /// subscribers when `frame` starts a new lap.
    pub fn publish(&mut self, frame: &Frame) -> Result<()> {
        self.serve_requests()?;
        let info = car_info(frame);
        let bytes = info.encode();
        for to in &self.updates {
            self.send(&bytes, *to)?;
        }
        let lap_changed = self.last_lap.is_some_and(|l| l != info.lap_count);
        self.last_lap = Some(info.lap_count);
        if lap_changed && info.last_lap > 0 {
            let lap = RtLap {
                car_identifier_number: 0,
                lap: info.lap_count,
                driver_name: WideStr(self.meta.driver.clone()),
                car_name: WideStr(self.meta.car.clone()),
                time: info.last_lap,
            }
            .encode();
            for to in &self.spots {
                self.send(&lap, *to)?;
            }
        }
        Ok(())
    }

    fn send(&self, bytes: &[u8], to: SocketAddr) -> Result<()> {
        match self.socket.send_to(bytes, to) {
            Ok(_) => Ok(()),
            // A full socket buffer drops the datagram, as UDP does.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => Ok(()),
            Err(source) => Err(Error::Socket { what: "send_to", source }),
        }
    }
}

fn add(list: &mut Vec<SocketAddr>, addr: SocketAddr) {
    if !list.contains(&addr) {
        list.push(addr);
    }
}
