//! AC and ACC through the game's own named mappings, as on Windows (run under Wine by `scripts/test-windows.sh`):
//! a game that is not running, frames, duplicates, the game exiting and a different game starting. The pages are
//! written into real mappings with `racecraft-shm`, as the game creates them.
#![cfg(windows)]

use std::time::Duration;

use racecraft_capture::assetto_corsa::physics::{PhysicsAcc, PhysicsBase, PhysicsExtended};
use racecraft_capture::assetto_corsa::static_page::{self, StaticAcc, StaticBase};
use racecraft_capture::assetto_corsa::{
    Game, MappingSource, PageKind, PageReader, PhysicsPage, StaticPage, Update, WideStr,
};
use racecraft_core::Channel;
use racecraft_shm::Mapping;

/// The mappings' names are global: one test at a time plays the game.
static ONE_GAME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A running game: its three mappings.
struct RunningGame {
    game: Game,
    physics: Mapping,
    _graphics: Mapping,
    _static: Mapping,
}

fn start(game: Game, track: &str) -> RunningGame {
    let create = |page: PageKind, len: usize| Mapping::create(page.mapping_name(), len).expect("mapping");
    let static_len = if game == Game::Acc { static_page::ACC_SIZE } else { static_page::AC_SIZE };
    let page = StaticPage {
        base: StaticBase {
            sm_version: WideStr(if game == Game::Acc { "1.9" } else { "1.7" }.into()),
            track: WideStr(track.into()),
            car_model: WideStr("car".into()),
            ..StaticBase::default()
        },
        acc: (game == Game::Acc).then(StaticAcc::default),
    };
    let static_mapping = create(PageKind::Static, static_len);
    assert!(static_mapping.write(0, &page.encode()));
    RunningGame {
        game,
        physics: create(PageKind::Physics, game.physics_size()),
        _graphics: create(PageKind::Graphics, game.graphics_size()),
        _static: static_mapping,
    }
}

fn step(running: &RunningGame, packet_id: i32, speed_kmh: f32) {
    let page = PhysicsPage {
        base: PhysicsBase { packet_id, speed_kmh, ..PhysicsBase::default() },
        extended: (running.game == Game::Acc).then(PhysicsExtended::default),
        acc: (running.game == Game::Acc).then(PhysicsAcc::default),
    };
    assert!(running.physics.write(0, &page.encode()));
}

fn speed(update: Option<Update>) -> f32 {
    match update {
        Some(Update::Frame(frame)) => frame.get(Channel::Speed).expect("speed"),
        other => panic!("expected a frame, got {other:?}"),
    }
}

#[test]
fn named_mappings_give_frames_skip_duplicates_and_follow_the_game_out_and_back() {
    let _one = ONE_GAME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Reopened on every read, so that an exit is seen at once rather than within a second.
    let mut reader = PageReader::with_source(MappingSource::with_reopen(Duration::ZERO));
    assert_eq!(reader.poll(0).expect("poll"), Some(Update::NotRunning), "no game yet");

    let acc = start(Game::Acc, "monza");
    assert_eq!(reader.poll(1).expect("poll"), Some(Update::NotRunning), "loaded, packetId still 0");
    step(&acc, 1, 180.0);
    assert!((speed(reader.poll(2).expect("poll")) - 50.0).abs() < 1e-3);
    assert_eq!(reader.game(), Some(Game::Acc));
    assert_eq!(reader.session_meta().expect("meta").track, "monza");
    assert_eq!(reader.poll(3).expect("poll"), None, "same packetId: a duplicate");
    step(&acc, 2, 36.0);
    assert!((speed(reader.poll(4).expect("poll")) - 10.0).abs() < 1e-3);

    drop(acc);
    assert_eq!(reader.poll(5).expect("poll"), Some(Update::NotRunning), "the game exited");

    let ac = start(Game::AssettoCorsa, "spa");
    step(&ac, 1, 72.0);
    assert!((speed(reader.poll(6).expect("poll")) - 20.0).abs() < 1e-3);
    assert_eq!(reader.game(), Some(Game::AssettoCorsa), "AC told from ACC by smVersion after a restart");
    assert_eq!(reader.session_meta().expect("meta").track, "spa");
}

#[test]
fn a_reader_holding_the_mappings_sees_the_game_go_within_its_reopen_period() {
    let _one = ONE_GAME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut reader = PageReader::with_source(MappingSource::with_reopen(Duration::from_millis(50)));
    let acc = start(Game::Acc, "imola");
    step(&acc, 7, 100.0);
    assert!(matches!(reader.poll(0).expect("poll"), Some(Update::Frame(_))));
    drop(acc);
    // The reader's own handles keep the old pages alive, frozen at packetId 7, until it reopens them by name.
    let mut seen_gone = false;
    for _ in 0..200 {
        match reader.poll(1).expect("poll") {
            Some(Update::NotRunning) => {
                seen_gone = true;
                break;
            }
            None => std::thread::sleep(Duration::from_millis(5)),
            Some(Update::Frame(f)) => panic!("a frozen page gave a new frame: {f:?}"),
        }
    }
    assert!(seen_gone, "the exited game was never noticed");
}
