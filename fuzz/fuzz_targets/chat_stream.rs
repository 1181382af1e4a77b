#![no_main]
//! Any bytes as a model server's streamed answer: split into `data:` payloads, each parsed as a chunk and added
//! to the answer, which never panics and never grows past its limits; and any text scanned for the corners and
//! laps it cites.
use libfuzzer_sys::fuzz_target;
use racecraft_chat::{cite, openai};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let limits = openai::Limits { max_content_bytes: 4096, max_tool_calls: 4, max_argument_bytes: 512 };
    let mut answer = openai::Answer::default();
    for line in text.lines() {
        let Some(payload) = line.strip_prefix("data:") else { continue };
        if let Ok(openai::Event::Chunk(chunk)) = openai::parse_event(payload) {
            let _ = answer.push(&chunk, &limits);
        }
    }
    assert!(answer.content.len() <= limits.max_content_bytes);
    assert!(answer.tool_calls.len() <= limits.max_tool_calls);
    for (cited, _) in cite::references(&text) {
        assert!(text.contains(&cited));
    }
    let _ = cite::check(&text, &[1, 2, 3], &[1, 2]);
});
