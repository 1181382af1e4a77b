//! Named mappings and events between two handles, as between a game and a reader (under Wine here).
#![cfg(windows)]

use std::time::Duration;

use racecraft_shm::{Event, Mapping};

#[test]
fn a_mapping_nobody_created_is_absent_not_an_error() {
    assert!(Mapping::open("Local\\racecraft-test-never-created").expect("open").is_none());
    assert!(Event::open("Local\\racecraft-test-never-created-event").expect("open").is_none());
}

#[test]
fn what_the_creator_writes_a_reader_reads_within_bounds_and_cannot_write() {
    let name = "Local\\racecraft-test-mapping";
    let game = Mapping::create(name, 600).expect("create");
    assert_eq!(game.len(), 600);
    assert!(game.write(596, &[1, 2, 3, 4]));
    assert!(!game.write(597, &[1, 2, 3, 4]), "past the end");
    let reader = Mapping::open(name).expect("open").expect("exists");
    assert!(reader.len() >= 600, "the view covers the mapping: {}", reader.len());
    let mut got = [0; 4];
    assert!(reader.read(596, &mut got));
    assert_eq!(got, [1, 2, 3, 4]);
    assert!(game.write(596, &[9]));
    assert!(reader.read(596, &mut got));
    assert_eq!(got, [9, 2, 3, 4], "a later write is seen by a later read");
    assert!(!reader.read(usize::MAX - 1, &mut got), "an offset that overflows");
    assert!(!reader.read(reader.len() - 3, &mut got), "past the view");
    assert!(!reader.write(0, &[1]), "opened read-only");
    // The creator gone, the reader's handle keeps the memory; once that closes too, the name is free.
    drop(game);
    assert!(reader.read(596, &mut got));
    assert_eq!(got, [9, 2, 3, 4]);
    drop(reader);
    assert!(Mapping::open(name).expect("open").is_none(), "no handle left: the mapping is gone");
}

#[test]
fn a_signal_wakes_a_waiter_in_another_thread_and_an_unsignalled_wait_times_out() {
    let name = "Local\\racecraft-test-event";
    let game = Event::create(name).expect("create");
    let reader = Event::open(name).expect("open").expect("exists");
    assert!(!reader.wait(Some(Duration::from_millis(1))).expect("wait"), "not signalled yet");
    let waiter = std::thread::spawn(move || reader.wait(None).expect("wait"));
    game.signal().expect("signal");
    assert!(waiter.join().expect("join"), "woken by the signal");
}
