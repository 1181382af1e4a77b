//! The coaching chat's bodies: whether a model is configured, a question with the conversation so far, and the
//! events of the answer as the server streams them (`text/event-stream`, one JSON [`AskEvent`] per event).
//!
//! The conversation lives with the browser; every question sends it whole, so the server keeps nothing of it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// `GET /api/chat`: whether the server has a model to ask, and where the data goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ChatInfo {
    /// A model is configured (`racecraft serve --llm-url URL --llm-model NAME`).
    pub enabled: bool,
    /// The OpenAI-compatible endpoint that receives the session's analysis and the questions.
    pub endpoint: Option<String>,
    /// The model asked.
    pub model: Option<String>,
    /// How to turn the chat on, for the UI to show while it is off.
    pub how_to_enable: String,
}

/// Who said a turn of the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// The driver.
    User,
    /// The model.
    Assistant,
}

/// One turn of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ChatTurn {
    /// Who said it.
    pub role: ChatRole,
    /// What was said.
    pub content: String,
}

/// `POST /api/sessions/{id}/chat`: the conversation so far, ending with the user's new question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AskRequest {
    /// Oldest first; the last turn is the user's.
    pub messages: Vec<ChatTurn>,
}

/// A reference in an answer that the analysis does not back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CitationFlag {
    /// The words as the model wrote them (`T14`, `lap 31`).
    pub cited: String,
    /// Why they are flagged (`there is no corner 14: the corners are T1–T11`).
    pub problem: String,
}

/// One event of an answer as it is generated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AskEvent {
    /// The model looks something up.
    Tool {
        /// The tool.
        name: String,
        /// Its arguments as the model gave them (JSON text).
        arguments: String,
    },
    /// What the lookup answered.
    ToolResult {
        /// The tool.
        name: String,
        /// It answered (false: the model gets the error text and may try again).
        ok: bool,
        /// A line about the answer, or the error.
        summary: String,
    },
    /// The next piece of the answer's text.
    Delta {
        /// Text to append.
        text: String,
    },
    /// The answer is complete.
    Done {
        /// Corners and laps it names that this session does not have.
        flags: Vec<CitationFlag>,
        /// Why the model stopped (`stop`, `length`, `tool rounds`).
        finish_reason: String,
    },
    /// The answer could not be completed.
    Error {
        /// What went wrong, for the user.
        message: String,
    },
}
