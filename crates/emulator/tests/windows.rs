//! The emulators publishing the way the games do on Windows, read back the way the capture reads the games
//! (under Wine here): ACC's named pages, and iRacing's mapping with its data-valid event.
#![cfg(windows)]

use std::sync::mpsc;
use std::time::Duration;

use racecraft_capture::assetto_corsa::{Game, PageReader, Update};
use racecraft_capture::iracing::{DATA_VALID_EVENT, LiveRead, LiveReader, MAP_NAME};
use racecraft_core::Channel;
use racecraft_emulator::ac_shm::SharedMemoryWriter;
use racecraft_emulator::iracing::LiveMapWriter;
use racecraft_shm::{Event, Mapping};
use racecraft_sim::{SimConfig, Simulation, Track};

const TSUKUBA: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../capture/tests/data/iracing/tsukuba_formulavee_4laps.ibt");

#[test]
fn acc_pages_published_by_name_are_read_by_name_frame_for_frame() {
    let track = Track::builtin("Norisring").expect("track");
    let sim = Simulation::new(track, SimConfig { laps: 1, rate_hz: 60.0, seed: 3, ..SimConfig::default() })
        .expect("simulation");
    let mut reader = PageReader::named();
    assert_eq!(reader.poll(0).expect("poll"), Some(Update::NotRunning));
    let mut game = SharedMemoryWriter::create_named(Game::Acc, &sim.meta(0)).expect("mappings");
    for (i, frame) in sim.frames().take(200).enumerate() {
        game.publish(&frame).expect("publish");
        let Some(Update::Frame(read)) = reader.poll(i as i64).expect("poll") else { panic!("no frame for step {i}") };
        let (want, got) = (frame.get(Channel::Speed).expect("speed"), read.get(Channel::Speed).expect("speed"));
        assert!((want - got).abs() < 0.01, "step {i}: {got} m/s read, {want} published");
    }
    assert_eq!(reader.game(), Some(Game::Acc));
    assert_eq!(reader.session_meta().expect("meta").track, sim.meta(0).track);
}

#[test]
fn iracing_rows_signalled_by_event_are_all_read_in_order_even_when_the_reader_wakes_late() {
    const ROWS: usize = 90;
    let ibt = std::fs::read(TSUKUBA).expect("fixture");
    let mut game = LiveMapWriter::create_named(&ibt).expect("mapping");
    let memory = Mapping::open(MAP_NAME).expect("open").expect("the map exists");
    let event = Event::open(DATA_VALID_EVENT).expect("open").expect("the event exists");
    let mut live = LiveReader::new(&memory).expect("header");
    let meta = live.session_meta(&memory).expect("session info");
    assert_eq!((meta.track.as_str(), meta.car.as_str()), ("Tsukuba Circuit 1k Outer", "Formula Vee"));

    // The simulator writes one, two or three rows before the reader gets to run: the slots then hold rows it has
    // not read, and it must take them oldest first. The writer waits until all it wrote has been read.
    let (read_tx, read_rx) = mpsc::channel::<usize>();
    let writer = std::thread::spawn(move || {
        let mut row = 0;
        for burst in (0..).map(|i| 1 + i % 3) {
            for _ in 0..burst {
                if row == ROWS {
                    return;
                }
                game.publish(row).expect("publish");
                row += 1;
            }
            while read_rx.recv().is_ok_and(|read| read < row) {}
        }
    });
    let mut ticks = Vec::new();
    let mut session_times_us = Vec::new();
    let mut last = None;
    while ticks.len() < ROWS {
        assert!(event.wait(Some(Duration::from_secs(30))).expect("wait"), "no signal after {} rows", ticks.len());
        loop {
            match live.next_after(&memory, last) {
                LiveRead::Row(record) => {
                    last = Some(record.tick_count);
                    ticks.push(record.tick_count);
                    session_times_us.push(live.frame(&record).expect("a frame").t_us);
                }
                LiveRead::Unchanged => break,
                LiveRead::Gone | LiveRead::Disconnected => panic!("the map went away"),
            }
        }
        let _ = read_tx.send(ticks.len());
    }
    writer.join().expect("writer");
    assert_eq!(ticks, (1..=ROWS as i32).collect::<Vec<_>>(), "every row once, in order");
    assert!(session_times_us.windows(2).all(|w| w[0] < w[1]), "SessionTime rises row by row: {session_times_us:?}");
}
