//! The pit wall channels (race position, tyre compound, tyre wear) through each emulator and back through the
//! capture's decoder, where the game's format carries them.

use racecraft_capture::assetto_corsa::{Game, GraphicsPage, PhysicsPage};
use racecraft_capture::forza;
use racecraft_capture::iracing::{IbtFile, LiveReader};
use racecraft_core::{Channel, Compound, Frame, Wheel};
use racecraft_emulator::ac_shm::{graphics_page, physics_page};
use racecraft_emulator::iracing::LiveMapWriter;
use racecraft_emulator::udp::{DatagramGame, datagram};

const TSUKUBA: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");

/// The frame AC or ACC shared memory reads back after the emulator wrote `frame`'s pages.
fn through_shared_memory(game: Game, frame: &Frame) -> Frame {
    let physics = PhysicsPage::parse(&physics_page(game, frame, 1).encode()).expect("physics page");
    let mut back = physics.to_frame(frame.t_us);
    GraphicsPage::parse(&graphics_page(game, frame, 1).encode()).expect("graphics page").apply_to(&mut back);
    back
}

#[test]
fn shared_memory_carries_the_position_and_acc_its_two_compounds() {
    let frame = Frame::new(0).with(Channel::Speed, 30.0).with(Channel::Position, 4.0);
    for game in [Game::AssettoCorsa, Game::Acc] {
        let back = through_shared_memory(game, &frame);
        assert_eq!(back.get(Channel::Position), Some(4.0), "{game:?}");
        assert!(!back.has(Channel::TyreCompound), "{game:?}: no compound in, none out");
    }
    assert!(!through_shared_memory(Game::Acc, &Frame::new(0)).has(Channel::Position), "0 is no position");
    // ACC has one dry slick and one wet tyre: a wet or intermediate comes back wet, any dry compound as the
    // dry slick ("another"). AC's page names the car's own tyre, which is no compound code.
    for (sent, acc) in [
        (Compound::Wet, Compound::Wet),
        (Compound::Intermediate, Compound::Wet),
        (Compound::Soft, Compound::Other),
        (Compound::Hard, Compound::Other),
        (Compound::Other, Compound::Other),
    ] {
        let frame = Frame::new(0).with(Channel::TyreCompound, sent.code());
        assert_eq!(through_shared_memory(Game::Acc, &frame).get(Channel::TyreCompound), Some(acc.code()), "{sent:?}");
        assert!(!through_shared_memory(Game::AssettoCorsa, &frame).has(Channel::TyreCompound), "{sent:?}");
    }
    // Neither page has a tyre wear or damage the channels can take: they are not sent.
    let mut worn = Frame::new(0).with(Channel::Damage, 0.5);
    for wheel in Wheel::ALL {
        worn.set(Channel::tyre_wear(wheel), 0.25);
    }
    for game in [Game::AssettoCorsa, Game::Acc] {
        let back = through_shared_memory(game, &worn);
        assert!(Wheel::ALL.iter().all(|&w| !back.has(Channel::tyre_wear(w))) && !back.has(Channel::Damage));
    }
}

#[test]
fn forza_dash_datagrams_carry_the_race_position() {
    let frame = Frame::new(0).with(Channel::Speed, 30.0).with(Channel::Position, 12.0);
    for format in [forza::Format::Fm7Dash, forza::Format::HorizonDash, forza::Format::Fm2023Dash] {
        let bytes = datagram(DatagramGame::Forza(format), &frame);
        let back = forza::decode(&bytes).expect("decodes").to_frame(0).expect("racing");
        assert_eq!(back.get(Channel::Position), Some(12.0), "{format:?}");
    }
    let sled = datagram(DatagramGame::Forza(forza::Format::Sled), &frame);
    assert!(!forza::decode(&sled).expect("decodes").to_frame(0).expect("racing").has(Channel::Position));
}

#[test]
fn iracing_live_map_carries_the_position_and_tyre_wear_of_the_file() {
    let ibt = std::fs::read(TSUKUBA).expect("fixture");
    let expected: Vec<Frame> = IbtFile::parse(&ibt).expect("parses").frames().collect();
    let dir = std::env::temp_dir().join(format!("racecraft-pit-wall-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("irsdk_map");
    let mut game = LiveMapWriter::create(&path, &ibt).expect("map");
    // Before the car is classified (position 0) and after (P1), each compared with the file's own frame.
    let classified = expected.iter().position(|f| f.has(Channel::Position)).expect("classified at some point");
    for row in [0, classified, expected.len() - 1] {
        game.publish(row).expect("publish");
        let map = std::fs::read(&path).expect("map readable");
        let mut live = LiveReader::new(map.as_slice()).expect("header");
        let frame = live.read_frame(map.as_slice()).expect("a frame");
        for channel in [Channel::Position, Channel::TyreWearFl, Channel::TyreWearRr] {
            assert_eq!(frame.get(channel), expected[row].get(channel), "row {row}: {}", channel.name());
        }
    }
    assert_eq!(expected[classified].get(Channel::Position), Some(1.0));
    // The map must be closed before its file can go (Windows refuses to delete a mapped file).
    drop(game);
    std::fs::remove_dir_all(&dir).expect("clean up");
}
