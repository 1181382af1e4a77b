//! The OpenAI chat-completions API as far as the chat speaks it: the request, the streamed chunks
//! (`data: {json}` server-sent events ending `data: [DONE]`), and the answer they add up to.
//!
//! Everything the endpoint sends is outside input: chunks are parsed, never trusted, and what they add up to is
//! bounded ([`Limits`]) so a broken or hostile endpoint cannot grow the answer without end.

use serde::{Deserialize, Serialize};

/// A message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant` or `tool`.
    pub role: String,
    /// Its text (absent on an assistant message that only calls tools).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The tools an assistant message calls.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<ToolCall>,
    /// The call a `tool` message answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_id: Option<String>,
}

impl Message {
    /// A message of `role` saying `content`.
    pub fn text(role: &str, content: impl Into<String>) -> Message {
        Message { role: role.to_string(), content: Some(content.into()), tool_calls: Vec::new(), tool_call_id: None }
    }

    /// The answer to tool call `id`.
    pub fn tool_result(id: &str, content: impl Into<String>) -> Message {
        Message {
            role: "tool".to_string(),
            content: Some(content.into()),
            tool_calls: Vec::new(),
            tool_call_id: Some(id.to_string()),
        }
    }
}

/// A tool call as the model made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ToolCall {
    /// The call's id, echoed by the answer.
    pub id: String,
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Which function, with what.
    pub function: FunctionCall,
}

/// The function a tool call names and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunctionCall {
    /// The tool's name.
    pub name: String,
    /// Its arguments, a JSON object as text.
    pub arguments: String,
}

/// A tool offered to the model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolDef {
    /// Always `function`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The function.
    pub function: FunctionDef,
}

/// A function offered to the model: name, what it does, the JSON schema of its arguments.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunctionDef {
    /// Name.
    pub name: String,
    /// What it answers.
    pub description: String,
    /// JSON schema of the arguments.
    pub parameters: serde_json::Value,
}

/// `POST {endpoint}/chat/completions`.
#[derive(Debug, Clone, Serialize)]
pub struct Request<'a> {
    /// The model's name.
    pub model: &'a str,
    /// The conversation.
    pub messages: &'a [Message],
    /// The tools it may call (none: answer now).
    #[serde(skip_serializing_if = "<[ToolDef]>::is_empty")]
    pub tools: &'a [ToolDef],
    /// Always streamed.
    pub stream: bool,
    /// Longest answer, tokens.
    pub max_tokens: u32,
    /// Sampling temperature: low, the answers are about numbers.
    pub temperature: f32,
    /// Which tool the model must call (`{"type":"function","function":{"name":..}}`); absent: its choice.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<serde_json::Value>,
}

/// One streamed chunk.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Chunk {
    /// Its choices; the chat asks for one.
    #[serde(default)]
    pub choices: Vec<ChunkChoice>,
}

/// A choice in a chunk.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ChunkChoice {
    /// What it adds.
    #[serde(default)]
    pub delta: Delta,
    /// Why generation ended, on the last chunk.
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// What a chunk adds to the answer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Delta {
    /// Text.
    #[serde(default)]
    pub content: Option<String>,
    /// Pieces of tool calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<ToolCallDelta>>,
}

/// A piece of a tool call: the first piece of a call carries its id and name, later ones more arguments.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ToolCallDelta {
    /// Which call of the answer.
    #[serde(default)]
    pub index: u32,
    /// The call's id.
    #[serde(default)]
    pub id: Option<String>,
    /// Name and arguments so far.
    #[serde(default)]
    pub function: Option<FunctionDelta>,
}

/// A piece of a tool call's function.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct FunctionDelta {
    /// The name (first piece).
    #[serde(default)]
    pub name: Option<String>,
    /// More of the arguments' text.
    #[serde(default)]
    pub arguments: Option<String>,
}

/// What a stream of chunks may add up to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest answer text, bytes.
    pub max_content_bytes: usize,
    /// Most tool calls in one answer.
    pub max_tool_calls: usize,
    /// Longest tool-call arguments, bytes.
    pub max_argument_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_content_bytes: 256 << 10, max_tool_calls: 8, max_argument_bytes: 16 << 10 }
    }
}

/// Why the endpoint's stream cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StreamError {
    /// A `data:` line that is not a chunk.
    #[error("the model server sent something that is not a chat-completion chunk: {reason}")]
    Chunk {
        /// Why it did not parse.
        reason: String,
    },
    /// The answer grew past a limit.
    #[error("the model's answer is too large: {0}")]
    TooLarge(String),
    /// A tool call piece names a call too far from the ones before.
    #[error("the model server sent tool call {index} after {seen} calls")]
    ToolIndex {
        /// The index sent.
        index: u32,
        /// Calls seen so far.
        seen: usize,
    },
}

/// A `data:` payload: a chunk, or the end of the stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A chunk.
    Chunk(Chunk),
    /// `[DONE]`.
    Done,
}

/// Parses one server-sent event's data.
pub fn parse_event(data: &str) -> Result<Event, StreamError> {
    let data = data.trim();
    if data == "[DONE]" {
        return Ok(Event::Done);
    }
    serde_json::from_str(data).map(Event::Chunk).map_err(|e| StreamError::Chunk { reason: e.to_string() })
}

/// The answer the chunks add up to so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// Its text.
    pub content: String,
    /// The tools it calls, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Why it ended (`stop`, `length`, `tool_calls`).
    pub finish_reason: Option<String>,
}

impl Answer {
    /// Adds `chunk`, answering the text it adds (for the user to see at once).
    pub fn push(&mut self, chunk: &Chunk, limits: &Limits) -> Result<String, StreamError> {
        let mut added = String::new();
        // The chat asks for one choice; any others are ignored.
        let Some(choice) = chunk.choices.first() else {
            return Ok(added);
        };
        if let Some(text) = &choice.delta.content {
            if self.content.len() + text.len() > limits.max_content_bytes {
                return Err(StreamError::TooLarge(format!("more than {} bytes of text", limits.max_content_bytes)));
            }
            self.content.push_str(text);
            added.push_str(text);
        }
        for piece in choice.delta.tool_calls.iter().flatten() {
            let index = piece.index as usize;
            if index > self.tool_calls.len() {
                return Err(StreamError::ToolIndex { index: piece.index, seen: self.tool_calls.len() });
            }
            if index == self.tool_calls.len() {
                if index >= limits.max_tool_calls {
                    return Err(StreamError::TooLarge(format!("more than {} tool calls", limits.max_tool_calls)));
                }
                self.tool_calls.push(ToolCall {
                    id: String::new(),
                    kind: "function".to_string(),
                    function: FunctionCall { name: String::new(), arguments: String::new() },
                });
            }
            let call = &mut self.tool_calls[index];
            if let Some(id) = &piece.id {
                call.id.clone_from(id);
            }
            if let Some(function) = &piece.function {
                // OpenAI sends the name in a call's first piece only; llama.cpp's Python server repeats it in
                // every piece.
                if let Some(name) = &function.name
                    && *name != call.function.name
                {
                    call.function.name.push_str(name);
                }
                if let Some(arguments) = &function.arguments {
                    if call.function.arguments.len() + arguments.len() > limits.max_argument_bytes {
                        return Err(StreamError::TooLarge(format!(
                            "tool call arguments over {} bytes",
                            limits.max_argument_bytes
                        )));
                    }
                    call.function.arguments.push_str(arguments);
                }
            }
        }
        if let Some(reason) = &choice.finish_reason {
            self.finish_reason = Some(reason.clone());
        }
        Ok(added)
    }

    /// Gives calls without an id one (some servers omit it), so every tool answer names its call.
    pub fn name_calls(&mut self, round: usize) {
        for (i, call) in self.tool_calls.iter_mut().enumerate() {
            if call.id.is_empty() {
                call.id = format!("call_{round}_{i}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(json: &str) -> Chunk {
        match parse_event(json).expect("an event") {
            Event::Chunk(c) => c,
            Event::Done => panic!("not a chunk"),
        }
    }

    #[test]
    fn text_and_tool_call_pieces_add_up() {
        let limits = Limits::default();
        let mut answer = Answer::default();
        let added = answer.push(&chunk(r#"{"choices":[{"delta":{"role":"assistant","content":"Brake"}}]}"#), &limits);
        assert_eq!(added.expect("added"), "Brake");
        answer.push(&chunk(r#"{"choices":[{"delta":{"content":" later"}}]}"#), &limits).expect("added");
        let first = r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"corner_detail","arguments":"{\"co"}}]}}]}"#;
        answer.push(&chunk(first), &limits).expect("added");
        let more = r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"corner_detail","arguments":"rner\":3}"}}]},"finish_reason":"tool_calls"}]}"#;
        answer.push(&chunk(more), &limits).expect("added");
        assert_eq!(answer.content, "Brake later");
        assert_eq!(answer.tool_calls.len(), 1);
        assert_eq!(answer.tool_calls[0].id, "c1");
        assert_eq!(answer.tool_calls[0].function.name, "corner_detail");
        assert_eq!(answer.tool_calls[0].function.arguments, r#"{"corner":3}"#);
        assert_eq!(answer.finish_reason.as_deref(), Some("tool_calls"));
        assert_eq!(parse_event(" [DONE] ").expect("done"), Event::Done);
    }

    #[test]
    fn broken_and_oversized_streams_are_errors() {
        assert!(matches!(parse_event("{\"choices\":"), Err(StreamError::Chunk { .. })));
        assert!(matches!(parse_event("{\"choices\":7}"), Err(StreamError::Chunk { .. })));
        let limits = Limits { max_content_bytes: 8, max_tool_calls: 1, max_argument_bytes: 4 };
        let mut answer = Answer::default();
        let long = chunk(r#"{"choices":[{"delta":{"content":"123456789"}}]}"#);
        assert!(matches!(answer.push(&long, &limits), Err(StreamError::TooLarge(_))));
        let skip = chunk(r#"{"choices":[{"delta":{"tool_calls":[{"index":3}]}}]}"#);
        assert_eq!(answer.push(&skip, &limits), Err(StreamError::ToolIndex { index: 3, seen: 0 }));
        let two = chunk(r#"{"choices":[{"delta":{"tool_calls":[{"index":0},{"index":1}]}}]}"#);
        assert!(matches!(answer.push(&two, &limits), Err(StreamError::TooLarge(_))));
        let args = chunk(r#"{"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"12345"}}]}}]}"#);
        assert!(matches!(Answer::default().push(&args, &limits), Err(StreamError::TooLarge(_))));
    }

    proptest::proptest! {
        /// Whatever a model server sends, parsing and adding up answer an error or stay within the limits.
        #[test]
        fn any_data_is_parsed_or_refused_within_limits(lines in proptest::collection::vec(".{0,200}", 0..20),
                                                     calls in proptest::collection::vec((0u32..12, ".{0,40}"), 0..30)) {
            let limits = Limits { max_content_bytes: 300, max_tool_calls: 4, max_argument_bytes: 50 };
            let mut answer = Answer::default();
            for line in &lines {
                if let Ok(Event::Chunk(c)) = parse_event(line) {
                    let _ = answer.push(&c, &limits);
                }
            }
            for (index, args) in &calls {
                let json = serde_json::json!({"choices":[{"delta":{"content": args, "tool_calls":[{"index": index, "function": {"arguments": args}}]}}]});
                let _ = answer.push(&serde_json::from_value::<Chunk>(json).expect("a chunk"), &limits);
            }
            proptest::prop_assert!(answer.content.len() <= limits.max_content_bytes);
            proptest::prop_assert!(answer.tool_calls.len() <= limits.max_tool_calls);
            proptest::prop_assert!(answer.tool_calls.iter().all(|c| c.function.arguments.len() <= limits.max_argument_bytes));
        }
    }
}
