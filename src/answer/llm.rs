//! A draft answer from any OpenAI-compatible Chat Completions endpoint (OpenAI, vLLM,
//! llama.cpp's server, Ollama, LM Studio, a gateway), streaming or not.
//!
//! **Invariant:** the only module that talks to the network at answer time; every call
//! ends within `LlmSettings::timeout` with text or an `LlmError`, never a hang; the API
//! key is sent only as a bearer token and never printed.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{Value, json};

use super::prompt::Message;

/// Where and how to ask the LLM.
#[derive(Clone, PartialEq)]
pub struct LlmSettings {
    /// Base URL up to and including the API version, e.g. `https://api.openai.com/v1`
    /// or `http://127.0.0.1:11434/v1`; `/chat/completions` is appended.
    pub base_url: String,
    /// Model name as the endpoint knows it.
    pub model: String,
    /// Bearer token, if the endpoint needs one.
    pub api_key: Option<String>,
    /// Longest time a whole draft may take (connect, wait, stream).
    pub timeout: Duration,
    /// Longest draft, in tokens.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
}

impl std::fmt::Debug for LlmSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LlmSettings")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .finish()
    }
}

/// Why there is no draft; the caller answers extractively and says why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    /// No connection (refused, DNS, TLS).
    #[error("LLM endpoint unreachable: {0}")]
    Unreachable(String),
    /// No complete answer within the timeout.
    #[error("LLM endpoint did not answer within {0:?}")]
    Timeout(Duration),
    /// The endpoint answered with an error status.
    #[error("LLM endpoint answered HTTP {status}: {message}")]
    Status {
        /// HTTP status code.
        status: u16,
        /// The error message from the body, shortened.
        message: String,
    },
    /// The body was not a Chat Completions response.
    #[error("LLM endpoint sent a malformed response: {0}")]
    Malformed(String),
    /// The answer was empty.
    #[error("LLM endpoint sent an empty answer")]
    Empty,
    /// The answer stopped before its end (stream broke off, or the token limit).
    #[error("LLM answer was cut off: {0}")]
    CutOff(String),
}

/// A client for one endpoint.
#[derive(Debug, Clone)]
pub struct LlmClient {
    http: reqwest::Client,
    settings: LlmSettings,
}

/// Keeps error messages from bodies short and on one line.
fn shorten(text: &str) -> String {
    let one: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match one.char_indices().nth(200) {
        Some((i, _)) => format!("{}…", &one[..i]),
        None => one,
    }
}

impl LlmClient {
    /// A client; fails only when the TLS backend cannot start.
    pub fn new(settings: LlmSettings) -> Result<LlmClient, LlmError> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| LlmError::Unreachable(e.to_string()))?;
        Ok(LlmClient { http, settings })
    }

    /// The settings it was made with.
    pub fn settings(&self) -> &LlmSettings {
        &self.settings
    }

    fn request(&self, messages: &[Message], stream: bool) -> reqwest::RequestBuilder {
        let url = format!(
            "{}/chat/completions",
            self.settings.base_url.trim_end_matches('/')
        );
        let body = json!({
            "model": self.settings.model,
            "messages": messages,
            "max_tokens": self.settings.max_tokens,
            "temperature": self.settings.temperature,
            "stream": stream,
        });
        let mut req = self.http.post(url).json(&body);
        if let Some(key) = &self.settings.api_key {
            req = req.bearer_auth(key);
        }
        req
    }

    async fn send(
        &self,
        messages: &[Message],
        stream: bool,
    ) -> Result<reqwest::Response, LlmError> {
        let res = self
            .request(messages, stream)
            .send()
            .await
            .map_err(|e| LlmError::Unreachable(without_url(&e)))?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let body = res.text().await.unwrap_or_default();
        let message = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_string))
            .unwrap_or(body);
        Err(LlmError::Status {
            status: status.as_u16(),
            message: shorten(&message),
        })
    }

    /// The whole draft in one response.
    pub async fn complete(&self, messages: &[Message]) -> Result<String, LlmError> {
        let work = async {
            let res = self.send(messages, false).await?;
            let body = res
                .text()
                .await
                .map_err(|e| LlmError::CutOff(without_url(&e)))?;
            let v: Value = serde_json::from_str(&body)
                .map_err(|e| LlmError::Malformed(format!("{e}: {}", shorten(&body))))?;
            let choice = &v["choices"][0];
            let content = choice["message"]["content"]
                .as_str()
                .ok_or_else(|| LlmError::Malformed("no choices[0].message.content".into()))?;
            if choice["finish_reason"] == "length" {
                return Err(LlmError::CutOff("the token limit was reached".into()));
            }
            finish(content.to_string())
        };
        tokio::time::timeout(self.settings.timeout, work)
            .await
            .map_err(|_| LlmError::Timeout(self.settings.timeout))?
    }

    /// The draft as a stream: `on_delta` gets each piece as it arrives; returns the
    /// whole draft once the stream ended properly (`finish_reason` or `data: [DONE]`).
    pub async fn stream(
        &self,
        messages: &[Message],
        mut on_delta: impl FnMut(&str),
    ) -> Result<String, LlmError> {
        let work = async {
            let res = self.send(messages, true).await?;
            let json = res
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|ct| ct.starts_with("application/json"));
            if json {
                let body = res.text().await.unwrap_or_default();
                return Err(LlmError::Malformed(format!(
                    "expected an event stream, got JSON: {}",
                    shorten(&body)
                )));
            }
            let mut body = res.bytes_stream();
            let mut buffer: Vec<u8> = Vec::new();
            let mut text = String::new();
            let mut finished = false;
            while let Some(chunk) = body.next().await {
                let chunk = chunk.map_err(|e| LlmError::CutOff(without_url(&e)))?;
                buffer.extend_from_slice(&chunk);
                while let Some((end, skip)) = event_end(&buffer) {
                    let event: Vec<u8> = buffer.drain(..end + skip).take(end).collect();
                    let event = String::from_utf8(event)
                        .map_err(|_| LlmError::Malformed("an event is not UTF-8".into()))?;
                    for data in event
                        .lines()
                        .filter_map(|l| l.strip_prefix("data:"))
                        .map(str::trim)
                    {
                        if data == "[DONE]" {
                            return finish(text);
                        }
                        let v: Value = serde_json::from_str(data)
                            .map_err(|e| LlmError::Malformed(format!("{e}: {}", shorten(data))))?;
                        if let Some(message) = v["error"]["message"].as_str() {
                            return Err(LlmError::Status {
                                status: 500,
                                message: shorten(message),
                            });
                        }
                        let choice = &v["choices"][0];
                        if let Some(delta) = choice["delta"]["content"].as_str()
                            && !delta.is_empty()
                        {
                            text.push_str(delta);
                            on_delta(delta);
                        }
                        match choice["finish_reason"].as_str() {
                            Some("length") => {
                                return Err(LlmError::CutOff("the token limit was reached".into()));
                            }
                            Some(_) => finished = true,
                            None => {}
                        }
                    }
                }
            }
            if finished {
                finish(text)
            } else {
                Err(LlmError::CutOff(
                    "the stream ended without finish_reason or [DONE]".into(),
                ))
            }
        };
        tokio::time::timeout(self.settings.timeout, work)
            .await
            .map_err(|_| LlmError::Timeout(self.settings.timeout))?
    }
}

/// The end of the first complete SSE event in `buffer`: (its length, the separator's).
fn event_end(buffer: &[u8]) -> Option<(usize, usize)> {
    let lf = buffer.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2));
    let crlf = buffer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4));
    match (lf, crlf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

fn finish(text: String) -> Result<String, LlmError> {
    if text.trim().is_empty() {
        Err(LlmError::Empty)
    } else {
        Ok(text)
    }
}

/// A reqwest error without the URL (which may carry credentials in user:password@).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_api_key() {
        let s = LlmSettings {
            base_url: "http://127.0.0.1:1/v1".into(),
            model: "m".into(),
            api_key: Some("sk-secret-123".into()),
            timeout: Duration::from_secs(1),
            max_tokens: 10,
            temperature: 0.0,
        };
        let shown = format!("{s:?}");
        assert!(
            !shown.contains("sk-secret") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn sse_events_end_at_a_blank_line_in_either_line_ending() {
        assert_eq!(event_end(b"data: a\n\ndata: b"), Some((7, 2)));
        assert_eq!(event_end(b"data: a\r\n\r\n"), Some((7, 4)));
        assert_eq!(event_end(b"data: a\n"), None);
    }
}
