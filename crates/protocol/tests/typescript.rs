//! The UI's generated TypeScript matches the Rust types, and the messages round-trip through serde in the shape
//! docs/protocol.md describes.

use std::path::PathBuf;

use racecraft_protocol::rest::{Lap, Session};
use racecraft_protocol::viewer::ViewerMessage;
use serde_json::json;

#[test]
fn generated_typescript_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/src/lib/protocol.ts");
    let fresh = racecraft_protocol::typescript::declarations();
    if std::env::var_os("RACECRAFT_UPDATE_TS").is_some() {
        std::fs::write(&path, &fresh).expect("write protocol.ts");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "{} is stale: run `RACECRAFT_UPDATE_TS=1 cargo test -p racecraft-protocol --test typescript` and commit it",
        path.display()
    );
    // The shapes the UI relies on are there.
    for needle in ["type ViewerMessage", "\"type\": \"lap_completed\"", "out_lap: boolean", "id: number | null"] {
        assert!(fresh.contains(needle), "`{needle}` in:\n{fresh}");
    }
}

fn lap() -> Lap {
    Lap {
        id: None,
        session_id: 7,
        lap_number: 2,
        lap_time_s: 85.123,
        sectors_s: vec![28.1, 30.0, 27.023],
        start_t_s: 90.2,
        frame_count: 28347,
        valid: true,
        out_lap: false,
        pit: false,
    }
}

#[test]
fn messages_have_the_documented_shape() {
    let msg = ViewerMessage::LapCompleted { lap: lap(), best_lap_s: Some(84.9) };
    let value = serde_json::to_value(&msg).expect("serialize");
    assert_eq!(
        value,
        json!({"type": "lap_completed", "best_lap_s": 84.9, "lap": {"id": null, "session_id": 7, "lap_number": 2,
            "lap_time_s": 85.123, "sectors_s": [28.1, 30.0, 27.023], "start_t_s": 90.2, "frame_count": 28347,
            "valid": true, "out_lap": false, "pit": false}})
    );
    assert_eq!(serde_json::to_value(ViewerMessage::SessionEnded).expect("serialize"), json!({"type": "session_ended"}));
    assert_eq!(
        serde_json::to_value(ViewerMessage::Lagged { skipped: 17 }).expect("serialize"),
        json!({"type": "lagged", "skipped": 17})
    );
    let session = Session {
        id: 7,
        name: "Monza · GT3".into(),
        game: "sim".into(),
        car: "GT3".into(),
        track: "Monza".into(),
        driver: String::new(),
        started_at_ms: 1_763_700_000_000,
        ended_at_ms: None,
        archived: false,
        lap_count: 3,
        best_lap_s: Some(85.1),
        frame_count: 12345,
        live: true,
        team_id: Some(2),
        visibility: racecraft_core::Visibility::Private,
        team: "Apex".into(),
        car_number: "7".into(),
    };
    let hello = ViewerMessage::Hello { v: 1, session, channels: vec![], laps: vec![lap()], best_lap_s: None };
    let text = serde_json::to_string(&hello).expect("serialize");
    assert!(text.starts_with(r#"{"type":"hello","v":1,"session":{"id":7,"#), "{text}");
    assert!(text.contains(r#""team_id":2,"visibility":"private","team":"Apex","car_number":"7""#), "{text}");
    assert_eq!(serde_json::from_str::<ViewerMessage>(&text).expect("parse"), hello);
}

#[test]
fn the_protocol_page_names_every_body_and_message() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    let doc = std::fs::read_to_string(&path).expect("docs/protocol.md");
    let mut missing: Vec<String> = racecraft_protocol::typescript::root_names()
        .into_iter()
        .chain(["AgentMessage", "IngestReply", "LapInsight"].map(String::from))
        .filter(|name| !doc.contains(&format!("`{name}`")))
        .collect();
    // Every message tag the browser can receive is described.
    let decls = racecraft_protocol::typescript::declarations();
    for tag in decls.split("\"type\": \"").skip(1).filter_map(|rest| rest.split('"').next()) {
        if !doc.contains(&format!("`{tag}`")) && !doc.contains(&format!("\"type\":\"{tag}\"")) {
            missing.push(format!("message `{tag}`"));
        }
    }
    assert!(missing.is_empty(), "{} does not describe: {missing:?}", path.display());
}
