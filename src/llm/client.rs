//! A blocking client (reqwest's, with rustls) for OpenAI-compatible chat-completion endpoints
//! (hosted APIs, vLLM, llama.cpp's server, Ollama): timeouts, retries with exponential backoff
//! and jitter on 429 and 5xx honouring `Retry-After`, streamed (SSE) or whole replies, and errors
//! that say which of "the key was refused", "nothing answers there" and "the reply makes no
//! sense" happened.
//!
//! The API key is sent in the `Authorization` header and kept nowhere else: the URL, the request
//! body and [`Reply`] (what the transcript records) never hold it.

use std::io::Read;
use std::time::{Duration, Instant};

/// How to reach the endpoint.
#[derive(Clone)]
pub struct ClientConfig {
    /// The base URL (`http://127.0.0.1:8080/v1`); `/chat/completions` is appended unless the URL
    /// already ends with it.
    pub endpoint: String,
    /// The model name sent in each request.
    pub model: String,
    /// The API key, sent as `Authorization: Bearer <key>`; `None` sends no header (local servers).
    pub api_key: Option<String>,
    /// The longest wait to connect.
    pub connect_timeout: Duration,
    /// The longest wait for any read of the reply (its headers, each chunk of its body).
    pub read_timeout: Duration,
    /// Retries after a 429, a 5xx or a dropped connection; 0 tries once.
    pub max_retries: u32,
    /// The first backoff; each retry doubles it, up to [`ClientConfig::backoff_max`].
    pub backoff_base: Duration,
    /// The longest backoff (and the longest `Retry-After` honoured).
    pub backoff_max: Duration,
    /// Seed of the jitter, so that a run's waits are reproducible.
    pub seed: u64,
    /// Ask for a streamed reply (`"stream": true`, server-sent events).
    pub stream: bool,
    /// The largest reply body read, in bytes.
    pub max_body: u64,
}

impl std::fmt::Debug for ClientConfig {
    // By hand so that the key can never reach a log or a panic message.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("endpoint", &self.endpoint)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_retries", &self.max_retries)
            .field("stream", &self.stream)
            .finish()
    }
}

/// One chat message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl Message {
    /// A message of `role`.
    pub fn new(role: &str, content: impl Into<String>) -> Message {
        Message { role: role.to_string(), content: content.into() }
    }
}

/// What came back from one conversation turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The assistant's text.
    pub content: String,
    /// Tokens of the prompt, as the endpoint counted them (when it says).
    pub prompt_tokens: Option<u64>,
    /// Tokens of the reply, as the endpoint counted them (when it says).
    pub completion_tokens: Option<u64>,
    /// HTTP attempts made (1 without retries).
    pub attempts: u32,
    /// Each retry: the status (0 for a dropped connection) and the wait before it.
    pub retries: Vec<(u16, Duration)>,
}

/// Why a turn failed. Every kind means "could not run" (exit 2), not a verdict on code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// 401 or 403: the key is missing, wrong or lacks access.
    #[error("the endpoint refused the API key (HTTP {status}): {message}")]
    Refused {
        /// The status.
        status: u16,
        /// The endpoint's message, shortened.
        message: String,
    },
    /// No connection could be made, or it timed out.
    #[error("the endpoint {endpoint} could not be reached: {message}")]
    Unreachable {
        /// The URL.
        endpoint: String,
        /// What failed.
        message: String,
    },
    /// A reply came but is not a chat completion.
    #[error("the endpoint's reply is not a chat completion: {0}")]
    Malformed(String),
    /// A status that retrying does not help (400, 404, …), or retries ran out.
    #[error("the endpoint answered HTTP {status}{}: {message}", if *.attempts > 1 { format!(" after {} attempts", .attempts) } else { String::new() })]
    Status {
        /// The last status.
        status: u16,
        /// Attempts made.
        attempts: u32,
        /// The endpoint's message, shortened.
        message: String,
    },
}

/// The URL requests go to.
pub fn completions_url(endpoint: &str) -> String {
    let trimmed = endpoint.trim_end_matches('/');
    if trimmed.ends_with("/chat/completions") {
        trimmed.to_string()
    } else {
        format!("{trimmed}/chat/completions")
    }
}

/// The JSON body of a request: deterministic (temperature 0, keys in a fixed order).
pub fn request_body(model: &str, messages: &[Message], stream: bool) -> String {
    let mut body = serde_json::json!({
        "model": model,
        "messages": messages,
        "temperature": 0,
        "stream": stream,
    });
    if stream {
        // A streamed reply carries token counts only when asked (OpenAI, vLLM); servers that do
        // not know the option ignore it.
        body["stream_options"] = serde_json::json!({"include_usage": true});
    }
    body.to_string()
}

/// A small deterministic generator for the jitter (SplitMix64): no dependency, and the same
/// seed gives the same waits.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed)
    }

    /// The next number in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// The wait before retry `retry` (0-based): `base * 2^retry`, capped at `max`, scaled by a
/// jitter factor in [0.5, 1.0) so that many clients do not retry in step; a `Retry-After` the
/// server sent wins (capped at `max` too, so a hostile header cannot stall a run for hours).
pub fn backoff(
    retry: u32,
    base: Duration,
    max: Duration,
    retry_after: Option<Duration>,
    jitter: &mut Jitter,
) -> Duration {
    if let Some(after) = retry_after {
        return after.min(max);
    }
    let exponential = base.saturating_mul(1u32.checked_shl(retry.min(30)).unwrap_or(u32::MAX)).min(max);
    exponential.mul_f64(0.5 + jitter.next_unit() / 2.0)
}

/// `Retry-After` as a wait: delay-seconds (`120`, fractions accepted). The HTTP-date form is
/// not honoured (it needs the clock, and a wrong clock would make the wait anything): `None`,
/// so the backoff applies.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)))
}

/// The first 300 characters of an error body, on one line.
fn short(text: &str) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(300) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

/// The message inside an OpenAI-style error body (`{"error": {"message": …}}`), else the body.
fn error_message(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.get("error").and_then(|e| e.get("message").and_then(|m| m.as_str()).or_else(|| e.as_str())));
    short(message.unwrap_or(body))
}

/// Sends one conversation turn and returns the assistant's reply, retrying as configured.
pub fn complete(config: &ClientConfig, messages: &[Message]) -> Result<Reply, ClientError> {
    let url = completions_url(&config.endpoint);
    let key = config.api_key.as_deref();
    // The URL never holds the key (it goes in the header only), but an endpoint typed with it
    // in, say, a query would otherwise reach an error message.
    let shown_url = redact(url.clone(), key);
    let unreachable = |message: String| ClientError::Unreachable { endpoint: shown_url.clone(), message };
    // reqwest's blocking builder has no `read_timeout` (only the async one has); its `timeout`
    // bounds the wait from sending the request to the reply's headers and then each read of the
    // body, separately. That is the read timeout: a stalled endpoint fails, a long reply that
    // keeps arriving does not.
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(config.connect_timeout)
        .timeout(config.read_timeout)
        .build()
        .map_err(|e| unreachable(redact(describe(&e), key)))?;
    let body = request_body(&config.model, messages, config.stream);
    let mut jitter = Jitter::new(config.seed);
    let mut retries = Vec::new();
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        let mut request = client.post(&url).header("Content-Type", "application/json").body(body.clone());
        if let Some(key) = key {
            // `bearer_auth` marks the header sensitive, so reqwest's own Debug hides it too.
            request = request.bearer_auth(key);
        }
        let retry_after;
        let status: u16;
        match request.send() {
            Err(error) => {
                // A refused or dropped connection may be a restarting server; a timeout is not
                // retried (another wait as long is unlikely to help), nor is a bad URL.
                let transient = !error.is_timeout() && (error.is_connect() || error.is_request());
                if !transient || attempt > config.max_retries {
                    return Err(unreachable(redact(describe(&error), key)));
                }
                status = 0;
                retry_after = None;
            }
            Ok(mut response) => {
                status = response.status().as_u16();
                let header =
                    |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
                retry_after = header("retry-after").and_then(|v| parse_retry_after(&v));
                let event_stream = header("content-type").is_some_and(|t| t.contains("text/event-stream"));
                // The blocking response is a `Read`: the body (a stream's events too) is read as
                // it arrives, each read bounded by the read timeout.
                let text = read_body(&mut response, config.max_body).map_err(|m| unreachable(redact(m, key)))?;
                // An endpoint may echo the key (in a 401's message, say): it goes no further.
                let text = redact(text, key);
                match status {
                    200..=299 => {
                        // Some servers stream without saying so in the content type.
                        let streamed = event_stream || text.trim_start().starts_with("data:");
                        let mut reply = if streamed { parse_stream(&text)? } else { parse_completion(&text)? };
                        reply.attempts = attempt;
                        reply.retries = retries;
                        return Ok(reply);
                    }
                    401 | 403 => return Err(ClientError::Refused { status, message: error_message(&text) }),
                    429 | 500..=599 if attempt <= config.max_retries => {}
                    _ => return Err(ClientError::Status { status, attempts: attempt, message: error_message(&text) }),
                }
            }
        }
        let wait = backoff(attempt - 1, config.backoff_base, config.backoff_max, retry_after, &mut jitter);
        retries.push((status, wait));
        std::thread::sleep(wait);
    }
}

/// `text` with every occurrence of `key` replaced, so that nothing derived from a reply (an
/// error message, the transcript) can carry the key.
pub fn redact(text: String, key: Option<&str>) -> String {
    match key {
        Some(key) if !key.is_empty() && text.contains(key) => text.replace(key, "<api key>"),
        _ => text,
    }
}

/// A transport error in words: its chain of causes (reqwest's own text alone says only "error
/// sending request"), without the URL, which the caller names once.
fn describe(error: &reqwest::Error) -> String {
    let mut text = error_chain(error);
    if let Some(url) = error.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    if error.is_timeout() && !text.contains("timed out") {
        text = format!("timed out: {text}");
    }
    text
}

/// The text of `error` followed by that of each of its causes, joined by ": " (a cause whose
/// text is already there is skipped: wrapped I/O errors repeat their inner error).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let part = cause.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = cause.source();
    }
    text
}

/// Reads at most `limit` bytes of the body as UTF-8.
fn read_body(reader: impl Read, limit: u64) -> Result<String, String> {
    let mut bytes = Vec::new();
    let started = Instant::now();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| {
        format!("reading the reply failed after {:.1} s: {}", started.elapsed().as_secs_f64(), error_chain(&e))
    })?;
    if bytes.len() as u64 > limit {
        return Err(format!("the reply is larger than {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| "the reply is not UTF-8".to_string())
}

/// The token counts of a `usage` object.
fn usage(value: &serde_json::Value) -> (Option<u64>, Option<u64>) {
    let usage = value.get("usage");
    let count = |key: &str| usage.and_then(|u| u.get(key)).and_then(|v| v.as_u64());
    (count("prompt_tokens"), count("completion_tokens"))
}

/// A whole (unstreamed) chat completion: `choices[0].message.content`.
pub fn parse_completion(text: &str) -> Result<Reply, ClientError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ClientError::Malformed(format!("not JSON ({e}): {}", short(text))))?;
    let content = value
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .and_then(|m| m.get("content"))
        .and_then(|c| c.as_str())
        .ok_or_else(|| ClientError::Malformed(format!("no choices[0].message.content in {}", short(text))))?;
    let (prompt_tokens, completion_tokens) = usage(&value);
    Ok(Reply { content: content.to_string(), prompt_tokens, completion_tokens, attempts: 1, retries: Vec::new() })
}

/// A streamed chat completion: server-sent events, each `data: {chunk}` adding
/// `choices[0].delta.content`, ended by `data: [DONE]`; a `usage` in any chunk is kept.
pub fn parse_stream(text: &str) -> Result<Reply, ClientError> {
    let mut content = String::new();
    let (mut prompt_tokens, mut completion_tokens) = (None, None);
    let mut events = 0usize;
    let mut done = false;
    for line in text.lines() {
        let Some(data) = line.strip_prefix("data:") else { continue };
        let data = data.trim();
        if data == "[DONE]" {
            done = true;
            break;
        }
        let chunk: serde_json::Value = serde_json::from_str(data)
            .map_err(|e| ClientError::Malformed(format!("a streamed event is not JSON ({e}): {}", short(data))))?;
        events += 1;
        if let Some(delta) = chunk
            .get("choices")
            .and_then(|c| c.get(0))
            .and_then(|c| c.get("delta"))
            .and_then(|d| d.get("content"))
            .and_then(|c| c.as_str())
        {
            content.push_str(delta);
        }
        let (p, c) = usage(&chunk);
        prompt_tokens = p.or(prompt_tokens);
        completion_tokens = c.or(completion_tokens);
    }
    if events == 0 || !done {
        return Err(ClientError::Malformed(format!(
            "a streamed reply of {events} events {}",
            if done { "with no content" } else { "that ended without `data: [DONE]`" }
        )));
    }
    Ok(Reply { content, prompt_tokens, completion_tokens, attempts: 1, retries: Vec::new() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_is_capped_and_jittered_reproducibly() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(2);
        let waits = |seed| {
            let mut jitter = Jitter::new(seed);
            (0..7).map(|r| backoff(r, base, max, None, &mut jitter)).collect::<Vec<_>>()
        };
        let first = waits(7);
        assert_eq!(first, waits(7), "same seed, same waits");
        assert_ne!(first, waits(8), "the seed moves the jitter");
        for (retry, wait) in first.iter().enumerate() {
            let full = (base * 2u32.pow(retry as u32)).min(max);
            assert!(*wait >= full / 2 && *wait < full, "retry {retry}: {wait:?} not in [{:?}, {full:?})", full / 2);
        }
        assert!(first[6] >= Duration::from_secs(1), "capped at max, not grown past it");
    }

    #[test]
    fn retry_after_wins_and_is_capped() {
        let mut jitter = Jitter::new(1);
        let max = Duration::from_secs(5);
        let after = Some(Duration::from_millis(1500));
        assert_eq!(backoff(0, Duration::from_millis(10), max, after, &mut jitter), Duration::from_millis(1500));
        let hostile = Some(Duration::from_secs(3600));
        assert_eq!(backoff(0, Duration::from_millis(10), max, hostile, &mut jitter), max);
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        assert_eq!(parse_retry_after("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.25 "), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn a_completion_and_a_stream_give_the_same_reply() {
        let whole = r#"{"choices":[{"message":{"role":"assistant","content":"SELECT 1"}}],
                        "usage":{"prompt_tokens":12,"completion_tokens":3}}"#;
        let reply = parse_completion(whole).unwrap();
        assert_eq!(
            (reply.content.as_str(), reply.prompt_tokens, reply.completion_tokens),
            ("SELECT 1", Some(12), Some(3))
        );
        let stream = "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n\
                      data: {\"choices\":[{\"delta\":{\"content\":\"SELECT\"}}]}\n\n\
                      data: {\"choices\":[{\"delta\":{\"content\":\" 1\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}\n\n\
                      data: [DONE]\n\n";
        assert_eq!(parse_stream(stream).unwrap(), reply);
    }

    #[test]
    fn a_streamed_request_asks_for_token_counts() {
        let messages = [Message::new("user", "hi")];
        let streamed: serde_json::Value = serde_json::from_str(&request_body("m", &messages, true)).unwrap();
        assert_eq!(streamed["stream_options"]["include_usage"], true);
        let whole: serde_json::Value = serde_json::from_str(&request_body("m", &messages, false)).unwrap();
        assert!(whole.get("stream_options").is_none());
        assert_eq!((whole["temperature"].as_i64(), whole["messages"][0]["role"].as_str()), (Some(0), Some("user")));
    }

    #[test]
    fn an_echoed_key_is_redacted() {
        let body = r#"{"error": {"message": "Incorrect API key provided: sk-abc123."}}"#.to_string();
        let redacted = redact(body, Some("sk-abc123"));
        assert_eq!(error_message(&redacted), "Incorrect API key provided: <api key>.");
        assert_eq!(redact("no key here".into(), Some("")), "no key here");
        assert_eq!(redact("sk-abc123".into(), None), "sk-abc123");
    }

    #[test]
    fn a_transport_error_names_its_cause_and_never_the_key() {
        // A port just released: nothing listens there. The key typed into the URL by mistake
        // must not reach the message either.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = ClientConfig {
            endpoint: format!("http://user:sk-secret-123@127.0.0.1:{port}/v1"),
            model: "m".into(),
            api_key: Some("sk-secret-123".into()),
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(5),
            max_retries: 0,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(1),
            seed: 0,
            stream: false,
            max_body: 1 << 20,
        };
        let error = complete(&config, &[Message::new("user", "hi")]).unwrap_err();
        let text = error.to_string();
        assert!(matches!(error, ClientError::Unreachable { .. }), "{text}");
        assert!(text.contains("could not be reached") && text.contains("onnect"), "the cause is named: {text}");
        assert!(!text.contains("sk-secret") && text.contains("<api key>"), "{text}");
    }

    #[test]
    fn an_error_chain_names_every_cause_once() {
        #[derive(Debug)]
        struct Reading(std::io::Error);
        impl std::fmt::Display for Reading {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("error decoding response body")
            }
        }
        impl std::error::Error for Reading {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let timed_out = std::io::Error::new(std::io::ErrorKind::TimedOut, "operation timed out");
        assert_eq!(error_chain(&Reading(timed_out)), "error decoding response body: operation timed out");
        // As reqwest reports a timed-out read of the body: an I/O error around its own error,
        // whose cause is the timeout; both are named.
        let repeated = std::io::Error::other(Reading(std::io::Error::other("operation timed out")));
        assert_eq!(error_chain(&repeated), "error decoding response body: operation timed out");
    }

    #[test]
    fn malformed_bodies_are_named() {
        assert!(matches!(parse_completion("<html>gateway</html>"), Err(ClientError::Malformed(_))));
        assert!(matches!(parse_completion(r#"{"choices":[]}"#), Err(ClientError::Malformed(_))));
        let cut = "data: {\"choices\":[{\"delta\":{\"content\":\"SEL\"}}]}\n\n";
        assert!(matches!(parse_stream(cut), Err(ClientError::Malformed(m)) if m.contains("[DONE]")));
    }

    #[test]
    fn the_url_gets_the_completions_path_once_and_the_key_stays_out_of_debug() {
        assert_eq!(completions_url("http://h:1/v1/"), "http://h:1/v1/chat/completions");
        assert_eq!(completions_url("http://h:1/v1/chat/completions"), "http://h:1/v1/chat/completions");
        let config = ClientConfig {
            endpoint: "http://h".into(),
            model: "m".into(),
            api_key: Some("sk-secret-123".into()),
            connect_timeout: Duration::from_secs(1),
            read_timeout: Duration::from_secs(1),
            max_retries: 0,
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(1),
            seed: 0,
            stream: false,
            max_body: 1,
        };
        assert!(!format!("{config:?}").contains("sk-secret"));
    }
}
