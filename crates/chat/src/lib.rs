//! The coaching chat: a driver asks about a session and a model answers from the session's analysis.
//!
//! - [`context`]: what the model is told: the lap table, corners, one lap against the best, mistakes and
//!   coaching, exact and with units, from the same tools MCP clients call.
//! - [`openai`]: the OpenAI chat-completions API (any compatible server: Ollama, llama.cpp, LM Studio, vLLM,
//!   OpenAI), streamed.
//! - [`cite`]: the check of the corners and laps an answer names.
//! - [`Coach::ask`]: one question answered: the model may call the analysis tools (answered by
//!   `racecraft-mcp`, limited to this session's corners and laps), its text streams out as it comes, and the
//!   finished answer's references are checked.

pub mod cite;
pub mod context;
pub mod openai;

use std::time::Duration;

use futures_util::StreamExt;
use racecraft_mcp::Racecraft;
use racecraft_protocol::chat::{AskEvent, ChatRole, ChatTurn};
use serde_json::Value;
use tokio::sync::mpsc;

pub use context::SessionContext;

/// The tools the chat offers: MCP's, less `list_sessions` (the chat is about one session).
const CHAT_TOOLS: &[&str] =
    &["lap_table", "corner_report", "compare_laps", "corner_detail", "channel_window", "same_track_sessions"];
/// Rounds of tool calls before the model must answer.
const MAX_TOOL_ROUNDS: usize = 4;
/// Longest tool answer handed back to the model, bytes (a channel window can be large).
const MAX_TOOL_ANSWER_BYTES: usize = 24 << 10;
/// Most turns of history sent with a question.
const MAX_HISTORY_TURNS: usize = 40;
/// Longest turn accepted, bytes.
const MAX_TURN_BYTES: usize = 16 << 10;

/// An OpenAI-compatible endpoint and the model to ask there.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Base URL, up to and including `/v1` (`http://127.0.0.1:11434/v1`).
    pub url: String,
    /// Model name.
    pub model: String,
    /// Bearer key (`RACECRAFT_LLM_API_KEY`), if the endpoint wants one.
    pub api_key: Option<String>,
    /// Longest answer per round, tokens.
    pub max_tokens: u32,
    /// Longest wait for the first byte of an answer, and between two pieces.
    pub idle_timeout: Duration,
}

/// Why the chat cannot be set up or a question not be asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The endpoint URL is unusable.
    #[error("model endpoint {0:?} is not an http:// or https:// URL")]
    Url(String),
    /// The question is not one to send.
    #[error("{0}")]
    Question(String),
}

impl Endpoint {
    /// `url` (with or without a trailing `/`) and `model`, with default limits.
    pub fn new(url: &str, model: &str, api_key: Option<String>) -> Result<Endpoint, Error> {
        let url = url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) || model.trim().is_empty() {
            return Err(Error::Url(url.to_string()));
        }
        Ok(Endpoint {
            url: url.to_string(),
            model: model.to_string(),
            api_key: api_key.filter(|k| !k.is_empty()),
            max_tokens: 1024,
            idle_timeout: Duration::from_secs(60),
        })
    }
}

/// The tools a conversation offers.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The tools offered.
    pub tools: Vec<openai::ToolDef>,
    /// A tool the model must call first (`None`: the model chooses, as in every question from the UI).
    pub first_tool: Option<String>,
}

/// Asks one endpoint.
#[derive(Debug, Clone)]
pub struct Coach {
    endpoint: Endpoint,
    http: reqwest::Client,
    limits: openai::Limits,
}

/// The tools offered for session `context`: MCP's definitions, each id and corner limited to the ones that exist,
/// so a model constrained by the schema cannot even name a corner the session lacks. Laps are this session's
/// (the chat is about it; MCP clients can compare across sessions).
pub fn tool_defs(tools: &Racecraft, context: &SessionContext) -> Vec<openai::ToolDef> {
    let corners: Vec<Value> = context.corners().into_iter().map(Value::from).collect();
    let laps: Vec<Value> = context.lap_ids().into_iter().map(Value::from).collect();
    tools
        .definitions()
        .into_iter()
        .filter(|t| CHAT_TOOLS.contains(&t.name.as_ref()))
        .map(|t| {
            let mut parameters = Value::Object((*t.input_schema).clone());
            if let Some(props) = parameters.get_mut("properties").and_then(Value::as_object_mut) {
                let limits = [
                    ("session_id", vec![Value::from(context.session_id)]),
                    ("corner", corners.clone()),
                    ("lap_id", laps.clone()),
                    ("reference_lap_id", laps.clone()),
                ];
                for (name, allowed) in limits {
                    if let Some(p) = props.get_mut(name).and_then(Value::as_object_mut) {
                        // The enum alone says it all (grammar-constrained servers honour a bare enum best); an
                        // optional parameter is left out rather than null.
                        p.retain(|key, _| key == "description");
                        p.insert("enum".to_string(), Value::Array(allowed));
                    }
                }
            }
            openai::ToolDef {
                kind: "function",
                function: openai::FunctionDef {
                    name: t.name.to_string(),
                    description: t.description.as_deref().unwrap_or_default().to_string(),
                    parameters,
                },
            }
        })
        .collect()
}

/// Checks the conversation a browser sent: at least one turn, the last the user's, none too long.
pub fn check_turns(turns: &[ChatTurn]) -> Result<(), Error> {
    match turns.last() {
        None => return Err(Error::Question("ask a question: the conversation is empty".into())),
        Some(t) if t.role != ChatRole::User => {
            return Err(Error::Question("the conversation must end with the user's question".into()));
        }
        Some(t) if t.content.trim().is_empty() => return Err(Error::Question("the question is empty".into())),
        Some(_) => {}
    }
    if turns.len() > MAX_HISTORY_TURNS {
        return Err(Error::Question(format!("at most {MAX_HISTORY_TURNS} turns of conversation are sent; clear it")));
    }
    if let Some(t) = turns.iter().find(|t| t.content.len() > MAX_TURN_BYTES) {
        return Err(Error::Question(format!(
            "a turn of {} bytes is over the {MAX_TURN_BYTES}-byte limit",
            t.content.len()
        )));
    }
    Ok(())
}

impl Coach {
    /// A coach asking `endpoint`.
    pub fn new(endpoint: Endpoint) -> Coach {
        Coach { endpoint, http: reqwest::Client::new(), limits: openai::Limits::default() }
    }

    /// The endpoint asked.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The models the endpoint serves (`GET {url}/models`), or why it cannot say: a check worth making when the
    /// server starts, so a wrong URL, key or certificate shows at once rather than at the first question.
    pub async fn models(&self) -> Result<Vec<String>, String> {
        #[derive(serde::Deserialize)]
        struct Model {
            id: String,
        }
        #[derive(serde::Deserialize)]
        struct Models {
            data: Vec<Model>,
        }
        let url = format!("{}/models", self.endpoint.url);
        let mut request = self.http.get(&url);
        if let Some(key) = &self.endpoint.api_key {
            request = request.bearer_auth(key);
        }
        let response = tokio::time::timeout(self.endpoint.idle_timeout, request.send())
            .await
            .map_err(|_| format!("{url} did not answer within {} s", self.endpoint.idle_timeout.as_secs()))?
            .map_err(|e| format!("cannot reach {url}: {}", chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        let models: Models = response.json().await.map_err(|e| format!("{url}: not a model list: {}", chain(&e)))?;
        Ok(models.data.into_iter().map(|m| m.id).collect())
    }

    /// Answers the last turn of `turns` about `context`, sending events on `events` as they happen. Returns when
    /// the answer is done, failed, or nobody listens any more (the user stopped it: the model's request is
    /// dropped with it).
    pub async fn ask(
        &self,
        tools: &Racecraft,
        context: &SessionContext,
        turns: &[ChatTurn],
        events: mpsc::Sender<AskEvent>,
    ) {
        let plan = Plan { tools: tool_defs(tools, context), first_tool: None };
        self.converse(tools, context, turns, &plan, events).await;
    }

    /// [`Coach::ask`] offering `plan`'s tools, the first round made to call `plan.first_tool` if set.
    pub async fn converse(
        &self,
        tools: &Racecraft,
        context: &SessionContext,
        turns: &[ChatTurn],
        plan: &Plan,
        events: mpsc::Sender<AskEvent>,
    ) {
        // The user may stop before anything is sent back (the model is still reading the context): the answer,
        // and with it the model's request, is dropped as soon as nobody listens.
        tokio::select! {
            () = events.closed() => {}
            result = self.answer(tools, context, turns, plan, &events) => {
                if let Err(message) = result {
                    let _ = events.send(AskEvent::Error { message }).await;
                }
            }
        }
    }

    async fn answer(
        &self,
        tools: &Racecraft,
        context: &SessionContext,
        turns: &[ChatTurn],
        plan: &Plan,
        events: &mpsc::Sender<AskEvent>,
    ) -> Result<(), String> {
        check_turns(turns).map_err(|e| e.to_string())?;
        let defs = &plan.tools;
        let mut messages = vec![openai::Message::text("system", context.system_prompt())];
        messages.extend(turns.iter().map(|t| {
            openai::Message::text(if t.role == ChatRole::User { "user" } else { "assistant" }, t.content.clone())
        }));
        let mut text = String::new();
        for round in 0..=MAX_TOOL_ROUNDS {
            // The last round offers no tools: the model must answer with what it has.
            let offered = if round < MAX_TOOL_ROUNDS { defs.as_slice() } else { &[] };
            let choice = plan
                .first_tool
                .as_ref()
                .filter(|_| round == 0)
                .map(|name| serde_json::json!({"type": "function", "function": {"name": name}}));
            let Some(mut answer) = self.round(&messages, offered, choice, events).await? else {
                return Ok(());
            };
            text.push_str(&answer.content);
            if answer.tool_calls.is_empty() {
                let flags = cite::check(&text, &context.corners(), &context.laps());
                let finish_reason = answer.finish_reason.unwrap_or_else(|| "stop".to_string());
                let _ = events.send(AskEvent::Done { flags, finish_reason }).await;
                return Ok(());
            }
            answer.name_calls(round);
            messages.push(openai::Message {
                role: "assistant".to_string(),
                // Text, even empty: some servers refuse an assistant message without it.
                content: Some(answer.content.clone()),
                tool_calls: answer.tool_calls.clone(),
                tool_call_id: None,
            });
            for call in &answer.tool_calls {
                let name = call.function.name.clone();
                let arguments = call.function.arguments.clone();
                if events.send(AskEvent::Tool { name: name.clone(), arguments: arguments.clone() }).await.is_err() {
                    return Ok(());
                }
                let (ok, content, summary) = match self.call_tool(tools, &name, &arguments).await {
                    Ok(value) => {
                        let content = truncate(value.to_string(), MAX_TOOL_ANSWER_BYTES);
                        (true, content, summarize(&value))
                    }
                    Err(e) => (false, format!("error: {e}"), e),
                };
                let _ = events.send(AskEvent::ToolResult { name, ok, summary }).await;
                messages.push(openai::Message::tool_result(&call.id, content));
            }
        }
        Err("the model kept calling tools without answering".to_string())
    }

    /// Runs tool `name` if the chat offers it.
    async fn call_tool(&self, tools: &Racecraft, name: &str, arguments: &str) -> Result<Value, String> {
        if !CHAT_TOOLS.contains(&name) {
            return Err(format!("there is no tool {name:?}; the tools are {}", CHAT_TOOLS.join(", ")));
        }
        let arguments: Value = if arguments.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(arguments).map_err(|e| format!("the arguments of {name} are not JSON: {e}"))?
        };
        tools.call(name, arguments).await.map_err(|e| e.to_string())
    }

    /// One request to the model: streams its text out as it comes, answers what it added up to (`None`: nobody
    /// listens any more).
    async fn round(
        &self,
        messages: &[openai::Message],
        tools: &[openai::ToolDef],
        tool_choice: Option<Value>,
        events: &mpsc::Sender<AskEvent>,
    ) -> Result<Option<openai::Answer>, String> {
        let request = openai::Request {
            model: &self.endpoint.model,
            messages,
            tools,
            stream: true,
            max_tokens: self.endpoint.max_tokens,
            temperature: 0.2,
            tool_choice,
        };
        let url = format!("{}/chat/completions", self.endpoint.url);
        let mut builder = self.http.post(&url).json(&request);
        if let Some(key) = &self.endpoint.api_key {
            builder = builder.bearer_auth(key);
        }
        let idle = self.endpoint.idle_timeout;
        let response = tokio::time::timeout(idle, builder.send())
            .await
            .map_err(|_| {
                format!("the model server at {} did not answer within {} s", self.endpoint.url, idle.as_secs())
            })?
            .map_err(|e| format!("cannot reach the model server at {}: {}", self.endpoint.url, chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let body: String = body.chars().take(300).collect();
            return Err(format!("the model server answered {status}: {body}"));
        }
        let mut stream = eventsource_stream::EventStream::new(response.bytes_stream());
        let mut answer = openai::Answer::default();
        let mut finished = false;
        loop {
            let next = tokio::time::timeout(idle, stream.next())
                .await
                .map_err(|_| format!("the model server went quiet for {} s", idle.as_secs()))?;
            let Some(event) = next else { break };
            let event = event.map_err(|e| format!("the model server's stream broke: {e}"))?;
            match openai::parse_event(&event.data).map_err(|e| e.to_string())? {
                openai::Event::Done => {
                    finished = true;
                    break;
                }
                openai::Event::Chunk(chunk) => {
                    let added = answer.push(&chunk, &self.limits).map_err(|e| e.to_string())?;
                    if !added.is_empty() && events.send(AskEvent::Delta { text: added }).await.is_err() {
                        return Ok(None);
                    }
                }
            }
        }
        // A server that fails mid-answer may just close the stream (llama.cpp's Python server does, with 200).
        if !finished && answer.finish_reason.is_none() {
            return Err(format!(
                "the model server at {} ended its answer without finishing it (see its log: the conversation may be \
                 longer than its context)",
                self.endpoint.url
            ));
        }
        Ok(Some(answer))
    }
}

/// An error with its causes (`reqwest` says "error sending request" and keeps the why, a refused certificate
/// say, in its sources).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A line about a tool's answer for the user: its size, or what it holds.
fn summarize(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("{} items", items.len()),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().map(String::as_str).take(6).collect();
            format!("answered {}", keys.join(", "))
        }
        other => other.to_string().chars().take(80).collect(),
    }
}

/// `text` cut to at most `max` bytes at a character boundary, saying so.
fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str(" …(cut: ask for a narrower window)");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(role: ChatRole, content: &str) -> ChatTurn {
        ChatTurn { role, content: content.to_string() }
    }

    #[test]
    fn conversations_are_checked_before_anything_is_sent() {
        assert!(check_turns(&[]).is_err());
        assert!(check_turns(&[turn(ChatRole::Assistant, "hi")]).is_err());
        assert!(check_turns(&[turn(ChatRole::User, "  ")]).is_err());
        assert!(check_turns(&[turn(ChatRole::User, &"x".repeat(MAX_TURN_BYTES + 1))]).is_err());
        let long: Vec<ChatTurn> = (0..=MAX_HISTORY_TURNS).map(|_| turn(ChatRole::User, "q")).collect();
        assert!(check_turns(&long).is_err());
        assert!(
            check_turns(&[turn(ChatRole::User, "q"), turn(ChatRole::Assistant, "a"), turn(ChatRole::User, "T3?")])
                .is_ok()
        );
    }

    #[test]
    fn endpoints_must_be_http_urls_with_a_model() {
        assert!(Endpoint::new("ftp://x", "m", None).is_err());
        assert!(Endpoint::new("http://127.0.0.1:1/v1", " ", None).is_err());
        let e = Endpoint::new("http://127.0.0.1:11434/v1/", "qwen", Some(String::new())).expect("valid");
        assert_eq!(e.url, "http://127.0.0.1:11434/v1");
        assert_eq!(e.api_key, None);
    }

    #[test]
    fn long_tool_answers_are_cut_at_a_character() {
        let cut = truncate("é".repeat(10), 5);
        assert!(cut.starts_with("éé") && cut.contains("cut"), "{cut}");
        assert_eq!(truncate("short".into(), 10), "short");
    }
}
