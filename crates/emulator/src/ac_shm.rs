//! Assetto Corsa / ACC shared memory: the game's named mappings on Windows, or the files a Linux/Proton bridge
//! keeps in `/dev/shm`.
//!
//! The game writes the static page when a session loads, then rewrites the physics page every physics step and
//! the graphics page every rendered frame, in place and without a lock, bumping each page's `packetId`. This
//! emulator does the same, into mappings (`Local\acpmf_*`, [`SharedMemoryWriter::create_named`]) or with
//! positioned writes into files of the game's exact page sizes ([`SharedMemoryWriter::create`]), so a reader can
//! observe torn pages just as with the game.

use racecraft_core::positional::write_all_at;
use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use racecraft_capture::assetto_corsa::graphics::{GraphicsAc, GraphicsAcc, GraphicsCommon, GraphicsTail};
use racecraft_capture::assetto_corsa::physics::{PhysicsAcc, PhysicsBase, PhysicsExtended};
use racecraft_capture::assetto_corsa::static_page::{StaticAcc, StaticBase};
use racecraft_capture::assetto_corsa::{Game, GraphicsPage, PageKind, PhysicsPage, StaticPage, WideStr};
use racecraft_core::{Channel, Compound, Frame, SessionMeta, Wheel};

use crate::{Error, Result, frame_to_world, ms};

/// One pound per square inch in kPa.
const KPA_PER_PSI: f32 = 6.894_757;

/// The physics page AC or ACC would write for `frame`, with `packet_id`.
pub fn physics_page(game: Game, frame: &Frame, packet_id: i32) -> PhysicsPage {
    let get = |c: Channel| frame.get(c).unwrap_or(0.0);
    let mut base = PhysicsBase { packet_id, ..PhysicsBase::default() };
    base.gas = get(Channel::Throttle);
    base.brake = get(Channel::Brake);
    base.fuel = get(Channel::Fuel);
    // The game counts 0 = R, 1 = N, 2 = 1st.
    base.gear = frame.get(Channel::Gear).map_or(1, |g| g as i32 + 1);
    base.rpms = get(Channel::Rpm).round() as i32;
    base.steer_angle = get(Channel::SteerInput);
    base.speed_kmh = get(Channel::Speed) * 3.6;
    base.velocity = frame_to_world([get(Channel::VelX), get(Channel::VelY), get(Channel::VelZ)]);
    base.acc_g = [get(Channel::AccLat), get(Channel::AccVert), get(Channel::AccLong)];
    base.heading = get(Channel::Yaw);
    base.pitch = get(Channel::Pitch);
    base.roll = get(Channel::Roll);
    for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
        base.tyre_core_temperature[i] = get(Channel::tyre_temp(wheel));
        base.wheels_pressure[i] = get(Channel::tyre_pressure(wheel)) / KPA_PER_PSI;
    }
    let mut extended = PhysicsExtended::default();
    for (i, wheel) in Wheel::ALL.into_iter().enumerate() {
        extended.slip_ratio[i] = get(Channel::slip_ratio(wheel));
    }
    match game {
        // AC's documented page ends before the extended tail; the reader reads AC pages at that size.
        Game::AssettoCorsa => PhysicsPage { base, extended: None, acc: None },
        Game::Acc => PhysicsPage { base, extended: Some(extended), acc: Some(PhysicsAcc::default()) },
    }
}

/// The graphics page AC or ACC would write for `frame`, with `packet_id`.
pub fn graphics_page(game: Game, frame: &Frame, packet_id: i32) -> GraphicsPage {
    let mut common = GraphicsCommon { packet_id, ..GraphicsCommon::default() };
    common.status = 2; // live
    common.completed_laps = frame.get(Channel::Lap).map_or(0, |lap| (lap as i32 - 1).max(0));
    common.i_current_time = ms(frame.get(Channel::LapTime)).unwrap_or(0);
    common.i_last_time = ms(frame.get(Channel::LastLapTime)).unwrap_or(0);
    common.normalized_car_position = frame.get(Channel::LapDistPct).unwrap_or(0.0);
    common.current_sector_index = frame.get(Channel::Sector).map_or(0, |s| s as i32);
    common.is_in_pit = frame.get(Channel::InPit).map_or(0, |p| i32::from(p > 0.5));
    // 0, "not classified", when the frame has no position.
    common.position =
        frame.get(Channel::Position).filter(|p| (1.0..=1000.0).contains(p)).map_or(0, |p| p.round() as i32);
    if game == Game::Acc {
        common.tyre_compound = WideStr(acc_compound(frame).into());
    }
    let position = frame_to_world([
        frame.get(Channel::PosX).unwrap_or(0.0),
        frame.get(Channel::PosY).unwrap_or(0.0),
        frame.get(Channel::PosZ).unwrap_or(0.0),
    ]);
    let tail = match game {
        Game::AssettoCorsa => GraphicsTail::Ac(GraphicsAc { car_coordinates: position, ..GraphicsAc::default() }),
        Game::Acc => {
            let mut t = GraphicsAcc { active_cars: 1, player_car_id: 7, ..GraphicsAcc::default() };
            t.car_coordinates[0] = position;
            t.car_id[0] = 7;
            t.is_valid_lap = frame.get(Channel::LapValid).map_or(1, |v| i32::from(v > 0.5));
            GraphicsTail::Acc(Box::new(t))
        }
    };
    GraphicsPage { common, tail }
}

/// The name ACC writes for the frame's compound: it has one dry slick and one wet tyre, so intermediates and wets
/// are `"wet_compound"` and every other compound the dry one; nothing when the frame has no compound.
fn acc_compound(frame: &Frame) -> &'static str {
    match frame.get(Channel::TyreCompound).and_then(Compound::from_code) {
        None => "",
        Some(Compound::Intermediate | Compound::Wet) => "wet_compound",
        Some(Compound::Other | Compound::Soft | Compound::Medium | Compound::Hard) => "dry_compound",
    }
}

/// The static page for a session: `smVersion` 1.7 for AC, 1.9 for ACC.
pub fn static_page(game: Game, meta: &SessionMeta) -> StaticPage {
    let (name, surname) = meta.driver.split_once(' ').unwrap_or((meta.driver.as_str(), ""));
    let base = StaticBase {
        sm_version: WideStr(if game == Game::Acc { "1.9" } else { "1.7" }.into()),
        ac_version: WideStr(if game == Game::Acc { "1.10.2" } else { "1.16.4" }.into()),
        number_of_sessions: 1,
        num_cars: 1,
        car_model: WideStr(meta.car.clone()),
        track: WideStr(meta.track.clone()),
        player_name: WideStr(name.into()),
        player_surname: WideStr(surname.into()),
        sector_count: 3,
        ..StaticBase::default()
    };
    StaticPage { base, acc: (game == Game::Acc).then(StaticAcc::default) }
}

/// Where the pages go.
#[derive(Debug)]
enum Pages {
    /// `acpmf_*` files in a directory.
    Files { dir: PathBuf, physics: File, graphics: File },
    /// The game's named mappings; the static one is kept open so that it lives as long as the writer.
    #[cfg(windows)]
    Named { physics: racecraft_shm::Mapping, graphics: racecraft_shm::Mapping, _static: racecraft_shm::Mapping },
}

/// The three pages, written as the game writes them.
#[derive(Debug)]
pub struct SharedMemoryWriter {
    pages: Pages,
    game: Game,
    packet_id: i32,
}

impl SharedMemoryWriter {
    /// Creates (or truncates) the `acpmf_*` files in `dir` and writes the static page for `meta`. The physics and
    /// graphics pages start zeroed (`packetId` 0: "not running yet"), as when the game has loaded but not started.
    pub fn create(dir: impl Into<PathBuf>, game: Game, meta: &SessionMeta) -> Result<SharedMemoryWriter> {
        let dir = dir.into();
        let open = |page: PageKind, len: usize| -> Result<File> {
            let path = dir.join(page.file_name());
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(true)
                .open(&path)
                .map_err(|source| Error::Write { path: path.clone(), source })?;
            write_all_at(&file, &vec![0; len], 0).map_err(|source| Error::Write { path, source })?;
            Ok(file)
        };
        let physics = open(PageKind::Physics, game.physics_size())?;
        let graphics = open(PageKind::Graphics, game.graphics_size())?;
        let static_file = open(PageKind::Static, static_size(game))?;
        let bytes = static_page(game, meta).encode();
        write_all_at(&static_file, &bytes, 0)
            .map_err(|source| Error::Write { path: dir.join(PageKind::Static.file_name()), source })?;
        Ok(SharedMemoryWriter { pages: Pages::Files { dir, physics, graphics }, game, packet_id: 0 })
    }

    /// Creates the game's named mappings (`Local\acpmf_*`, of the game's page sizes) and writes the static page
    /// for `meta`, as AC or ACC does when it starts; the mappings go when the writer is dropped or removed.
    #[cfg(windows)]
    pub fn create_named(game: Game, meta: &SessionMeta) -> Result<SharedMemoryWriter> {
        let create = |page: PageKind, len: usize| {
            racecraft_shm::Mapping::create(page.mapping_name(), len)
                .map_err(|source| Error::Write { path: page.mapping_name().into(), source })
        };
        let physics = create(PageKind::Physics, game.physics_size())?;
        let graphics = create(PageKind::Graphics, game.graphics_size())?;
        let static_mapping = create(PageKind::Static, static_size(game))?;
        if !static_mapping.write(0, &static_page(game, meta).encode()) {
            return Err(Error::Input("the static page is longer than its mapping".into()));
        }
        Ok(SharedMemoryWriter {
            pages: Pages::Named { physics, graphics, _static: static_mapping },
            game,
            packet_id: 0,
        })
    }

    /// Publishes one physics step (and the graphics page with it), with the next `packetId`.
    pub fn publish(&mut self, frame: &Frame) -> Result<()> {
        self.packet_id = self.packet_id.wrapping_add(1).max(1);
        let physics = physics_page(self.game, frame, self.packet_id).encode();
        let graphics = graphics_page(self.game, frame, self.packet_id).encode();
        self.write(PageKind::Graphics, &graphics)?;
        self.write(PageKind::Physics, &physics)
    }

    /// Rewrites the last physics step unchanged (same `packetId`), as the game does while paused.
    pub fn repeat(&mut self, frame: &Frame) -> Result<()> {
        let physics = physics_page(self.game, frame, self.packet_id).encode();
        self.write(PageKind::Physics, &physics)
    }

    /// Where the pages are: a directory, or the mappings' names.
    pub fn location(&self) -> String {
        match &self.pages {
            Pages::Files { dir, .. } => dir.display().to_string(),
            #[cfg(windows)]
            Pages::Named { .. } => "Local\\acpmf_*".to_string(),
        }
    }

    /// Removes the pages, as the game (or a bridge) does when it exits.
    pub fn remove(self) -> Result<()> {
        let dir = match self.pages {
            Pages::Files { dir, .. } => dir,
            // Dropping the mappings is the game's exit.
            #[cfg(windows)]
            Pages::Named { .. } => return Ok(()),
        };
        for page in [PageKind::Physics, PageKind::Graphics, PageKind::Static] {
            let path = dir.join(page.file_name());
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::Write { path, source }),
            }
        }
        Ok(())
    }

    fn write(&self, page: PageKind, bytes: &[u8]) -> Result<()> {
        match &self.pages {
            Pages::Files { dir, physics, graphics } => {
                let file = if page == PageKind::Physics { physics } else { graphics };
                write_all_at(file, bytes, 0).map_err(|source| Error::Write { path: dir.join(page.file_name()), source })
            }
            #[cfg(windows)]
            Pages::Named { physics, graphics, .. } => {
                let mapping = if page == PageKind::Physics { physics } else { graphics };
                if mapping.write(0, bytes) {
                    Ok(())
                } else {
                    Err(Error::Input(format!("the {} page is longer than its mapping", page.file_name())))
                }
            }
        }
    }
}

fn static_size(game: Game) -> usize {
    match game {
        Game::AssettoCorsa => racecraft_capture::assetto_corsa::static_page::AC_SIZE,
        Game::Acc => racecraft_capture::assetto_corsa::static_page::ACC_SIZE,
    }
}
