//! A fake Telegram Bot API server on loopback, so the real binary can be tested end to end without
//! the internet: it speaks the Bot API's JSON at `/bot<token>/<method>`, refuses what Telegram
//! refuses with Telegram's own error shapes, records every call and every refusal, and plays
//! scripted users (`user_sends`, `user_presses`, …) that reach the bot by long polling or webhook.
//!
//! It is deliberately stricter than Telegram where Telegram is lenient but documented otherwise
//! (a bare `&` or `>` in HTML, an unescaped reserved character in MarkdownV2): the bot must follow
//! the documented rules, not the tolerance of the day.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Map, Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;

/// The bot the fake plays: its id is the numeric part of the token.
pub const BOT_USERNAME: &str = "FlowStageTestBot";

/// Telegram's limits, as documented.
pub const MAX_TEXT_UTF16: usize = 4096;
pub const MAX_CAPTION_UTF16: usize = 1024;
pub const MAX_CALLBACK_DATA: usize = 64;

/// The callback data the bot puts on a button that shows a choice already made.
pub const CHOSEN_DATA: &str = "tg:chosen";

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";
const QUERY_TOO_OLD: &str =
    "Bad Request: query is too old and response timeout expired or query id is invalid";

/// A message the bot sent (or edited), as Telegram holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct BotMessage {
    pub chat: i64,
    pub message_id: i64,
    /// The text (or caption) after the parse mode was applied: what the user reads.
    pub text: String,
    pub entities: Vec<Entity>,
    /// The markup as sent: an inline keyboard, a reply keyboard, or a keyboard removal.
    pub reply_markup: Option<Value>,
    pub document: Option<Document>,
    /// How many times it was edited.
    pub edits: u32,
}

impl BotMessage {
    /// Labels of the inline buttons, row by row.
    #[must_use]
    pub fn inline_buttons(&self) -> Vec<Vec<(String, String)>> {
        let Some(rows) = self.reply_markup.as_ref().and_then(|m| m.get("inline_keyboard")) else {
            return Vec::new();
        };
        rows.as_array()
            .into_iter()
            .flatten()
            .map(|row| {
                row.as_array()
                    .into_iter()
                    .flatten()
                    .map(|b| {
                        (
                            b.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
                            b.get("callback_data")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_owned(),
                        )
                    })
                    .collect()
            })
            .collect()
    }

    /// Buttons of a reply keyboard: (label, asks for the location).
    #[must_use]
    pub fn keyboard_buttons(&self) -> Vec<(String, bool)> {
        let Some(rows) = self.reply_markup.as_ref().and_then(|m| m.get("keyboard")) else {
            return Vec::new();
        };
        rows.as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().into_iter().flatten())
            .map(|b| match b {
                Value::String(s) => (s.clone(), false),
                b => (
                    b.get("text").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    b.get("request_location").and_then(Value::as_bool).unwrap_or(false),
                ),
            })
            .collect()
    }
}

/// A formatting entity of a parsed text, offsets in UTF-16 code units as Telegram counts them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entity {
    pub kind: String,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub file_name: String,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    pub at: Instant,
}

/// A call Telegram would have refused.
#[derive(Debug, Clone)]
pub struct Refusal {
    pub method: String,
    pub params: Value,
    pub error_code: u16,
    pub description: String,
}

#[derive(Debug, Clone)]
struct User {
    first_name: String,
    lang: Option<String>,
    blocked: bool,
}

#[derive(Debug)]
struct Callback {
    chat: i64,
    pressed_at: Instant,
    answered: Option<Instant>,
}

#[derive(Debug, Default)]
struct Flood {
    /// Sending calls still to refuse with 429, then the wait the bot must respect.
    remaining: u32,
    retry_after: u64,
    until: Option<Instant>,
}

#[derive(Debug)]
struct St {
    updates: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: HashMap<i64, i64>,
    next_callback: u64,
    webhook: Option<(String, Option<String>)>,
    /// Generation of the getUpdates request allowed to wait; an older one is terminated.
    poll_generation: u64,
    /// The bot's messages, by chat.
    messages: HashMap<i64, Vec<BotMessage>>,
    users: HashMap<i64, User>,
    callbacks: HashMap<String, Callback>,
    calls: Vec<Call>,
    refused: Vec<Refusal>,
    flood: Flood,
    commands: HashMap<(String, String), Vec<(String, String)>>,
    webhook_statuses: Vec<u16>,
    /// Time after which a callback query can no longer be answered.
    callback_timeout: Duration,
    /// Messages sent to each chat, for waiting on a count in O(1).
    sent_count: HashMap<i64, usize>,
    /// When each user's latest unanswered action happened.
    awaiting: HashMap<i64, Instant>,
    /// Time from a user's action to the bot's first message after it.
    latencies: Vec<Duration>,
    /// Blocked users the bot has been told about once (a second try is a refusal).
    told_blocked: HashMap<i64, u32>,
    /// Files users sent, by file id, served by `getFile` and the file download path.
    uploads: HashMap<String, Vec<u8>>,
    /// Telegram's own sending limits, when enforced ([`FakeTelegram::enforce_limits`]).
    limits: Option<Limits>,
}

/// Telegram's limits on a bot's messages: about 30 a second over all chats, and about one a
/// second in one chat beyond a short burst. Each is a cell rate: the theoretical arrival time of
/// the next message, with some messages of slack.
#[derive(Debug)]
struct Limits {
    bot: Instant,
    chats: HashMap<i64, Instant>,
    /// Messages refused with 429 because of these limits, and messages accepted under them.
    refused: u32,
    accepted: u32,
}

const LIMIT_BOT_RATE: f64 = 30.0;
const LIMIT_BOT_BURST: f64 = 30.0;
const LIMIT_CHAT_RATE: f64 = 1.0;
const LIMIT_CHAT_BURST: f64 = 20.0;

impl Limits {
    /// Admits a message to `chat` now, or says how long to wait.
    fn admit(&mut self, chat: i64) -> Result<(), Duration> {
        let now = Instant::now();
        let wait = |tat: Instant, rate: f64, burst: f64| {
            let slack = Duration::from_secs_f64((burst - 1.0) / rate);
            tat.checked_sub(slack).map_or(Duration::ZERO, |t| t.saturating_duration_since(now))
        };
        let chat_tat = self.chats.get(&chat).copied().unwrap_or(now);
        let wait = wait(self.bot, LIMIT_BOT_RATE, LIMIT_BOT_BURST).max(wait(
            chat_tat,
            LIMIT_CHAT_RATE,
            LIMIT_CHAT_BURST,
        ));
        if !wait.is_zero() {
            self.refused += 1;
            return Err(wait);
        }
        self.accepted += 1;
        self.bot = self.bot.max(now) + Duration::from_secs_f64(1.0 / LIMIT_BOT_RATE);
        self.chats.insert(chat, chat_tat.max(now) + Duration::from_secs_f64(1.0 / LIMIT_CHAT_RATE));
        Ok(())
    }
}

struct Inner {
    token: String,
    bot_id: i64,
    st: Mutex<St>,
    /// Woken whenever an update is queued or a bot message changes.
    changed: Notify,
    /// While set and in the future, the network between the bot and the fake is down.
    down_until: Mutex<Option<Instant>>,
    /// Open connections through the front door, cut when an outage starts.
    connections: Mutex<Vec<tokio::task::AbortHandle>>,
}

impl Inner {
    fn st(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// The running fake. Dropping it stops the server.
pub struct FakeTelegram {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    webhook_task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
        self.webhook_task.abort();
    }
}

impl FakeTelegram {
    /// Starts on a free loopback port. Must run inside a Tokio runtime.
    pub async fn start() -> Self {
        Self::start_with_token("123456:TEST-token_abc").await
    }

    pub async fn start_with_token(token: &str) -> Self {
        let bot_id = token.split(':').next().and_then(|s| s.parse().ok()).unwrap_or(1);
        let inner = Arc::new(Inner {
            token: token.to_owned(),
            bot_id,
            st: Mutex::new(St {
                updates: VecDeque::new(),
                next_update_id: 1,
                next_message_id: HashMap::new(),
                next_callback: 1,
                webhook: None,
                poll_generation: 0,
                messages: HashMap::new(),
                users: HashMap::new(),
                callbacks: HashMap::new(),
                calls: Vec::new(),
                refused: Vec::new(),
                flood: Flood::default(),
                commands: HashMap::new(),
                webhook_statuses: Vec::new(),
                callback_timeout: Duration::from_secs(15),
                sent_count: HashMap::new(),
                awaiting: HashMap::new(),
                latencies: Vec::new(),
                told_blocked: HashMap::new(),
                uploads: HashMap::new(),
                limits: None,
            }),
            changed: Notify::new(),
            down_until: Mutex::new(None),
            connections: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let upstream = listener.local_addr().expect("local addr");
        let front = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = front.local_addr().expect("local addr");
        let app = axum::Router::new().route("/{*path}", any(handle)).with_state(inner.clone());
        let server = tokio::spawn({
            let inner = inner.clone();
            async move {
                let api = tokio::spawn(async move {
                    let _ = axum::serve(listener, app).await;
                });
                front_door(front, upstream, inner).await;
                api.abort();
            }
        });
        let webhook_task = tokio::spawn(deliver_webhooks(inner.clone()));
        Self { inner, addr, server, webhook_task }
    }

    /// What `TELEGRAM_API_URL` must be set to.
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    #[must_use]
    pub fn token(&self) -> &str {
        &self.inner.token
    }

    /// A user who can talk to the bot; `lang` is their app's `language_code`.
    pub fn add_user(&self, id: i64, first_name: &str, lang: Option<&str>) {
        self.inner.st().users.insert(
            id,
            User {
                first_name: first_name.to_owned(),
                lang: lang.map(str::to_owned),
                blocked: false,
            },
        );
    }

    /// The user blocks the bot: every message to them is refused with 403 from now on.
    pub fn block_user(&self, id: i64) {
        if let Some(u) = self.inner.st().users.get_mut(&id) {
            u.blocked = true;
        }
    }

    /// The user unblocks the bot.
    pub fn unblock_user(&self, id: i64) {
        if let Some(u) = self.inner.st().users.get_mut(&id) {
            u.blocked = false;
        }
    }

    /// The next `count` sending calls get 429 with `retry_after` seconds; a call before that wait
    /// is over is a refusal.
    pub fn flood(&self, count: u32, retry_after: u64) {
        let mut st = self.inner.st();
        st.flood.remaining = count;
        st.flood.retry_after = retry_after;
    }

    /// The network between the bot and Telegram fails for `d`: open connections are cut and new
    /// ones closed at once, as when a link or a proxy goes down.
    pub fn outage(&self, d: Duration) {
        *self.inner.down_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(Instant::now() + d);
        let conns = std::mem::take(
            &mut *self.inner.connections.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for c in conns {
            c.abort();
        }
    }

    /// From now on, refuses messages beyond Telegram's limits with 429, as Telegram does: about
    /// 30 a second from the bot over all chats, and one a second in a chat after a burst of 20.
    pub fn enforce_limits(&self) {
        let now = Instant::now();
        self.inner.st().limits =
            Some(Limits { bot: now, chats: HashMap::new(), refused: 0, accepted: 0 });
    }

    /// Messages refused for going beyond the limits, and messages accepted, since they were
    /// enforced.
    pub fn limit_counts(&self) -> (u32, u32) {
        self.inner.st().limits.as_ref().map_or((0, 0), |l| (l.refused, l.accepted))
    }

    pub fn set_callback_timeout(&self, timeout: Duration) {
        self.inner.st().callback_timeout = timeout;
    }

    /// The user types `text` (a command when it starts with `/`).
    pub fn user_sends(&self, user: i64, text: &str) {
        let mut st = self.inner.st();
        let mut msg = user_message(&mut st, user);
        msg["text"] = json!(text);
        if text.starts_with('/') {
            let len = text.split_whitespace().next().map_or(0, |c| c.encode_utf16().count());
            msg["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
        }
        push_update(&mut st, json!({ "message": msg }));
        drop(st);
        self.inner.changed.notify_waiters();
    }

    /// The user sends a file (a document message), which the bot can fetch with `getFile`.
    pub fn user_sends_document(&self, user: i64, file_name: &str, mime_type: &str, bytes: &[u8]) {
        let mut st = self.inner.st();
        let file_id = format!("upload{}", st.uploads.len() + 1);
        st.uploads.insert(file_id.clone(), bytes.to_vec());
        let mut msg = user_message(&mut st, user);
        msg["document"] = json!({
            "file_id": file_id, "file_unique_id": format!("u{file_id}"),
            "file_name": file_name, "mime_type": mime_type, "file_size": bytes.len(),
        });
        push_update(&mut st, json!({ "message": msg }));
        drop(st);
        self.inner.changed.notify_waiters();
    }

    /// The user sends a photo, with an optional caption.
    pub fn user_sends_photo(&self, user: i64, caption: Option<&str>) {
        let mut st = self.inner.st();
        let mut msg = user_message(&mut st, user);
        msg["photo"] =
            json!([{"file_id": "photo1", "file_unique_id": "p1", "width": 90, "height": 90}]);
        if let Some(c) = caption {
            msg["caption"] = json!(c);
        }
        push_update(&mut st, json!({ "message": msg }));
        drop(st);
        self.inner.changed.notify_waiters();
    }

    pub fn user_shares_location(&self, user: i64, latitude: f64, longitude: f64) {
        let mut st = self.inner.st();
        let mut msg = user_message(&mut st, user);
        msg["location"] = json!({"latitude": latitude, "longitude": longitude});
        push_update(&mut st, json!({ "message": msg }));
        drop(st);
        self.inner.changed.notify_waiters();
    }

    /// The user presses the button labelled `label` on the newest message of the bot that shows
    /// one: an inline button sends a callback query, a reply-keyboard button its text (or the
    /// location when it asks for it: then `location` is shared).
    pub fn user_presses(&self, user: i64, label: &str) -> Result<(), String> {
        self.user_presses_with_location(user, label, (48.8566, 2.3522))
    }

    pub fn user_presses_with_location(
        &self,
        user: i64,
        label: &str,
        location: (f64, f64),
    ) -> Result<(), String> {
        let mut st = self.inner.st();
        // Newest message first; on it the exact label, or else one containing `label` ("Envoyer"
        // for "📨 Envoyer"). A button that only shows a choice already made is never pressed.
        let found = st.messages.get(&user).into_iter().flatten().rev().find_map(|m| {
            let inline: Vec<(String, String)> = m
                .inline_buttons()
                .into_iter()
                .flatten()
                .filter(|(_, d)| d != CHOSEN_DATA)
                .collect();
            let keyboard = m.keyboard_buttons();
            for exact in [true, false] {
                let hit = |l: &str| if exact { l == label } else { l.contains(label) };
                if let Some((_, data)) = inline.iter().find(|(l, _)| hit(l)) {
                    return Some(Err((m.clone(), data.clone())));
                }
                if let Some(k) = keyboard.iter().find(|(l, _)| hit(l)) {
                    return Some(Ok(k.clone()));
                }
            }
            None
        });
        match found {
            None => {
                let seen: Vec<String> = st
                    .messages
                    .get(&user)
                    .into_iter()
                    .flatten()
                    .flat_map(|m| {
                        m.inline_buttons()
                            .into_iter()
                            .flatten()
                            .map(|(l, _)| l)
                            .chain(m.keyboard_buttons().into_iter().map(|(l, _)| l))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                {
                    let last: Vec<&str> = st
                        .messages
                        .get(&user)
                        .into_iter()
                        .flatten()
                        .rev()
                        .take(3)
                        .map(|m| m.text.as_str())
                        .collect();
                    Err(format!(
                        "no button {label:?} for user {user}; buttons seen: {seen:?}; last messages: {last:#?}"
                    ))
                }
            }
            Some(Ok((text, wants_location))) => {
                let mut msg = user_message(&mut st, user);
                if wants_location {
                    msg["location"] = json!({"latitude": location.0, "longitude": location.1});
                } else {
                    msg["text"] = json!(text);
                }
                push_update(&mut st, json!({ "message": msg }));
                drop(st);
                self.inner.changed.notify_waiters();
                Ok(())
            }
            Some(Err((message, data))) => {
                let id = format!("cq{}", st.next_callback);
                st.next_callback += 1;
                st.callbacks.insert(
                    id.clone(),
                    Callback { chat: user, pressed_at: Instant::now(), answered: None },
                );
                let from = user_json(&st, user);
                let message = message_json(self.inner.bot_id, &st, &message);
                push_update(
                    &mut st,
                    json!({"callback_query": {
                        "id": id, "from": from, "message": message,
                        "chat_instance": format!("ci{user}"), "data": data,
                    }}),
                );
                drop(st);
                self.inner.changed.notify_waiters();
                Ok(())
            }
        }
    }

    /// Every message the bot has in the chat with `user`, oldest first, as they are now.
    #[must_use]
    pub fn messages_to(&self, user: i64) -> Vec<BotMessage> {
        self.inner.st().messages.get(&user).cloned().unwrap_or_default()
    }

    #[must_use]
    pub fn last_message_to(&self, user: i64) -> Option<BotMessage> {
        self.inner.st().messages.get(&user).and_then(|list| list.last().cloned())
    }

    /// Waits until a message to `user` satisfies `pred`, newest first; panics after `timeout`
    /// with what the user did receive.
    pub async fn wait_for(
        &self,
        user: i64,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&BotMessage) -> bool,
    ) -> BotMessage {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(m) = self.messages_to(user).into_iter().rev().find(|m| pred(m)) {
                return m;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let got: Vec<String> =
                    self.messages_to(user).iter().map(|m| m.text.clone()).collect();
                panic!("user {user} never received {what} within {timeout:?}; got: {got:#?}");
            }
        }
    }

    /// Waits for a message to `user` whose text contains `needle`.
    pub async fn wait_for_text(&self, user: i64, needle: &str) -> BotMessage {
        self.wait_for(user, Duration::from_secs(20), needle, |m| m.text.contains(needle)).await
    }

    /// Waits until the bot has sent `count` messages to `user` in all.
    pub async fn wait_for_count(&self, user: i64, count: usize, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.messages_to(user).len() >= count {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!("user {user} got fewer than {count} messages within {timeout:?}");
            }
        }
    }

    /// How many messages the bot has sent to `user` (edits not counted).
    #[must_use]
    pub fn sent_count(&self, user: i64) -> usize {
        self.inner.st().sent_count.get(&user).copied().unwrap_or(0)
    }

    /// Times from a user's action to the bot's first message after it, in order of answer.
    #[must_use]
    pub fn latencies(&self) -> Vec<Duration> {
        self.inner.st().latencies.clone()
    }

    /// How often the bot was told a user blocked it.
    #[must_use]
    pub fn forbidden(&self, user: i64) -> u32 {
        self.inner.st().told_blocked.get(&user).copied().unwrap_or(0)
    }

    #[must_use]
    pub fn calls(&self, method: &str) -> Vec<Call> {
        self.inner.st().calls.iter().filter(|c| c.method == method).cloned().collect()
    }

    #[must_use]
    pub fn refused(&self) -> Vec<Refusal> {
        self.inner.st().refused.clone()
    }

    /// Callback queries pressed but not answered yet.
    #[must_use]
    pub fn unanswered_callbacks(&self) -> usize {
        self.inner.st().callbacks.values().filter(|c| c.answered.is_none()).count()
    }

    /// The slowest time from a press to its answer.
    #[must_use]
    pub fn slowest_callback_answer(&self) -> Option<Duration> {
        self.inner
            .st()
            .callbacks
            .values()
            .filter_map(|c| c.answered.map(|a| a.duration_since(c.pressed_at)))
            .max()
    }

    /// The commands registered for a scope (`{"type":"default"}` …) and language ("" for none).
    #[must_use]
    pub fn commands(&self, scope: &Value, lang: &str) -> Vec<(String, String)> {
        self.inner
            .st()
            .commands
            .get(&(scope.to_string(), lang.to_owned()))
            .cloned()
            .unwrap_or_default()
    }

    #[must_use]
    pub fn webhook(&self) -> Option<(String, Option<String>)> {
        self.inner.st().webhook.clone()
    }

    /// HTTP statuses the bot's webhook endpoint answered.
    #[must_use]
    pub fn webhook_statuses(&self) -> Vec<u16> {
        self.inner.st().webhook_statuses.clone()
    }

    /// Updates queued and not yet taken by the bot.
    #[must_use]
    pub fn pending_updates(&self) -> usize {
        self.inner.st().updates.len()
    }

    /// Panics with the details if the bot made any call Telegram would have refused, or left a
    /// callback query unanswered: what every test checks at its end.
    pub fn assert_clean(&self) {
        let refused = self.refused();
        assert!(refused.is_empty(), "Telegram would have refused: {refused:#?}");
        let unanswered = self.unanswered_callbacks();
        assert_eq!(unanswered, 0, "callback queries left unanswered");
    }
}

fn push_update(st: &mut St, mut update: Value) {
    let from = update
        .get("message")
        .or_else(|| update.get("callback_query"))
        .and_then(|m| m.get("from"))
        .and_then(|f| f["id"].as_i64());
    if let Some(user) = from {
        st.awaiting.entry(user).or_insert_with(Instant::now);
    }
    update["update_id"] = json!(st.next_update_id);
    st.next_update_id += 1;
    st.updates.push_back(update);
}

fn next_message_id(st: &mut St, chat: i64) -> i64 {
    let n = st.next_message_id.entry(chat).or_insert(0);
    *n += 1;
    *n
}

fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn user_json(st: &St, user: i64) -> Value {
    let u = st.users.get(&user).cloned().unwrap_or(User {
        first_name: format!("user{user}"),
        lang: None,
        blocked: false,
    });
    let mut v = json!({"id": user, "is_bot": false, "first_name": u.first_name});
    if let Some(l) = u.lang {
        v["language_code"] = json!(l);
    }
    v
}

fn chat_json(st: &St, chat: i64) -> Value {
    let name = st.users.get(&chat).map_or_else(|| format!("user{chat}"), |u| u.first_name.clone());
    json!({"id": chat, "type": "private", "first_name": name})
}

fn user_message(st: &mut St, user: i64) -> Value {
    let id = next_message_id(st, user);
    json!({
        "message_id": id, "date": now_unix(),
        "chat": chat_json(st, user), "from": user_json(st, user),
    })
}

fn bot_user(bot_id: i64) -> Value {
    json!({"id": bot_id, "is_bot": true, "first_name": "Flow Stage", "username": BOT_USERNAME})
}

/// The Message object Telegram returns for a bot message.
/// A file message (a document or a photo) with its caption and keyboard, checked as Telegram
/// checks them, then kept.
fn send_file(inner: &Inner, st: &mut St, p: &Params, chat: i64, file: Document) -> ApiResult {
    let caption = p.str("caption").unwrap_or_default();
    let (text, entities) = parse_text(&caption, p.str("parse_mode").as_deref())?;
    if utf16_len(&text) > MAX_CAPTION_UTF16 {
        return Err(bad("Bad Request: message caption is too long"));
    }
    let markup = p.json("reply_markup")?;
    check_markup(markup.as_ref())?;
    let message_id = next_message_id(st, chat);
    let m = BotMessage {
        chat,
        message_id,
        text,
        entities,
        reply_markup: markup,
        document: Some(file),
        edits: 0,
    };
    let v = message_json(inner.bot_id, st, &m);
    record_sent(st, chat);
    st.messages.entry(chat).or_default().push(m);
    Ok(v)
}

/// A PNG's width and height, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.get(..8)? != b"\x89PNG\r\n\x1a\n" || bytes.get(12..16)? != b"IHDR" {
        return None;
    }
    let w = u32::from_be_bytes(bytes.get(16..20)?.try_into().ok()?);
    let h = u32::from_be_bytes(bytes.get(20..24)?.try_into().ok()?);
    Some((w, h))
}

fn message_json(bot_id: i64, st: &St, m: &BotMessage) -> Value {
    let mut v = json!({
        "message_id": m.message_id, "date": now_unix(),
        "chat": chat_json(st, m.chat), "from": bot_user(bot_id),
    });
    let entities: Vec<Value> = m
        .entities
        .iter()
        .map(|e| {
            let mut x = json!({"type": e.kind, "offset": e.offset, "length": e.length});
            if let Some(u) = &e.url {
                x["url"] = json!(u);
            }
            x
        })
        .collect();
    if let Some(d) = m.document.as_ref().filter(|d| d.file_name.is_empty()) {
        let (w, h) = png_size(&d.bytes).unwrap_or((0, 0));
        v["photo"] = json!([{
            "file_id": format!("photo{}-{}", m.chat, m.message_id),
            "file_unique_id": format!("p{}-{}", m.chat, m.message_id),
            "width": w, "height": h, "file_size": d.bytes.len(),
        }]);
        if !m.text.is_empty() {
            v["caption"] = json!(m.text);
        }
    } else if let Some(d) = &m.document {
        v["document"] = json!({
            "file_id": format!("file{}-{}", m.chat, m.message_id),
            "file_unique_id": format!("u{}-{}", m.chat, m.message_id),
            "file_name": d.file_name, "mime_type": d.mime_type, "file_size": d.bytes.len(),
        });
        if !m.text.is_empty() {
            v["caption"] = json!(m.text);
            if !entities.is_empty() {
                v["caption_entities"] = json!(entities);
            }
        }
    } else {
        v["text"] = json!(m.text);
        if !entities.is_empty() {
            v["entities"] = json!(entities);
        }
    }
    // Only inline keyboards belong to a message; reply keyboards live in the chat.
    if let Some(markup) = &m.reply_markup
        && markup.get("inline_keyboard").is_some()
    {
        v["reply_markup"] = markup.clone();
    }
    v
}

// ---------------------------------------------------------------------------------------------
// The HTTP side.

struct ApiError {
    code: u16,
    description: String,
    retry_after: Option<u64>,
}

fn bad(description: impl Into<String>) -> ApiError {
    ApiError { code: 400, description: description.into(), retry_after: None }
}

type ApiResult = Result<Value, ApiError>;

fn reply(result: ApiResult) -> Response {
    match result {
        Ok(v) => (StatusCode::OK, axum::Json(json!({"ok": true, "result": v}))).into_response(),
        Err(e) => {
            let mut body = json!({"ok": false, "error_code": e.code, "description": e.description});
            if let Some(r) = e.retry_after {
                body["parameters"] = json!({"retry_after": r});
            }
            let status = StatusCode::from_u16(e.code).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(body)).into_response()
        }
    }
}

/// Request parameters, whatever the encoding (JSON, form, query or multipart), plus a file part.
struct Params {
    map: Map<String, Value>,
    file: Option<(String, String, Vec<u8>)>,
}

impl Params {
    fn str(&self, k: &str) -> Option<String> {
        match self.map.get(k)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            v => Some(v.to_string()),
        }
    }

    fn i64(&self, k: &str) -> Option<i64> {
        match self.map.get(k)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    fn bool(&self, k: &str) -> bool {
        match self.map.get(k) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => s == "true",
            _ => false,
        }
    }

    /// A parameter that is JSON, sent as an object or (in forms) as a JSON string.
    fn json(&self, k: &str) -> Result<Option<Value>, ApiError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| bad(format!("Bad Request: can't parse {k} JSON object"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }
}

async fn read_params(req: Request) -> Result<Params, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut map = Map::new();
    if let Some(q) = req.uri().query() {
        for (k, v) in form_pairs(q) {
            map.insert(k, Value::String(v));
        }
    }
    if content_type.starts_with("multipart/form-data") {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| bad("Bad Request: can't parse multipart"))?;
        let mut file = None;
        while let Ok(Some(field)) = mp.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let mime = field.content_type().map(str::to_owned);
            let data = field.bytes().await.map_err(|_| bad("Bad Request: can't read multipart"))?;
            match file_name {
                Some(f) => {
                    file = Some((f, mime.unwrap_or_default(), data.to_vec()));
                    // `attach://name` references are resolved to this one file.
                    map.insert(name, Value::String("<file>".into()));
                }
                None => {
                    map.insert(name, Value::String(String::from_utf8_lossy(&data).into_owned()));
                }
            }
        }
        return Ok(Params { map, file });
    }
    let body: Bytes = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .map_err(|_| bad("Bad Request: body too large"))?;
    if content_type.starts_with("application/json") && !body.is_empty() {
        match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Object(o)) => map.extend(o),
            _ => return Err(bad("Bad Request: can't parse JSON")),
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        for (k, v) in form_pairs(&String::from_utf8_lossy(&body)) {
            map.insert(k, Value::String(v));
        }
    }
    Ok(Params { map, file: None })
}

fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path(path): Path<String>,
    req: Request,
) -> Response {
    // Files are downloaded from `/file/bot<token>/<file_path>`.
    if let Some(rest) = path.strip_prefix("file/") {
        let file = rest
            .strip_prefix(&format!("bot{}/documents/", inner.token))
            .and_then(|id| inner.st().uploads.get(id).cloned());
        return match file {
            Some(bytes) => (axum::http::StatusCode::OK, bytes).into_response(),
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        };
    }
    let Some((bot, method)) = path.split_once('/') else {
        return reply(Err(ApiError {
            code: 404,
            description: "Not Found".into(),
            retry_after: None,
        }));
    };
    if bot.strip_prefix("bot") != Some(inner.token.as_str()) {
        return reply(Err(ApiError {
            code: 401,
            description: "Unauthorized".into(),
            retry_after: None,
        }));
    }
    let params = match read_params(req).await {
        Ok(p) => p,
        Err(e) => return reply(Err(e)),
    };
    // Telegram's method names are case-insensitive.
    let method = method.to_ascii_lowercase();
    let logged = Value::Object(params.map.clone());
    inner.st().calls.push(Call {
        method: method.clone(),
        params: logged.clone(),
        at: Instant::now(),
    });
    let result = if method == "getupdates" {
        get_updates(&inner, &params).await
    } else {
        let r = call(&inner, &method, &params);
        inner.changed.notify_waiters();
        r
    };
    if let Err(e) = &result {
        // An injected 429 is the bot meeting Telegram's limits, not a mistake, and so is one of
        // the enforced limits (counted apart, `limit_counts`); the refusal log keeps the rest
        // (including a 429 for calling again before `retry_after` was over).
        let injected = e.description.ends_with("(injected)") || e.description.ends_with("(limits)");
        if e.code == 403 {
            let chat = params.i64("chat_id").unwrap_or_default();
            *inner.st().told_blocked.entry(chat).or_insert(0) += 1;
        }
        if !injected {
            inner.st().refused.push(Refusal {
                method: method.clone(),
                params: logged,
                error_code: e.code,
                description: e.description.clone(),
            });
        }
    }
    reply(result.map_err(|mut e| {
        if let Some(d) = e
            .description
            .strip_suffix(" (injected)")
            .or_else(|| e.description.strip_suffix(" (limits)"))
        {
            e.description = d.to_owned();
        }
        e
    }))
}

async fn get_updates(inner: &Arc<Inner>, p: &Params) -> ApiResult {
    let offset = p.i64("offset").unwrap_or(0);
    let limit = usize::try_from(p.i64("limit").unwrap_or(100).clamp(1, 100)).unwrap_or(100);
    let timeout =
        Duration::from_secs(u64::try_from(p.i64("timeout").unwrap_or(0).max(0)).unwrap_or(0));
    let generation = {
        let mut st = inner.st();
        if st.webhook.is_some() {
            return Err(ApiError {
                code: 409,
                description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first".into(),
                retry_after: None,
            });
        }
        st.poll_generation += 1;
        st.poll_generation
    };
    inner.changed.notify_waiters();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let changed = inner.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        {
            let mut st = inner.st();
            if st.poll_generation != generation {
                return Err(ApiError {
                    code: 409,
                    description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running".into(),
                    retry_after: None,
                });
            }
            // An offset confirms every update before it.
            while st.updates.front().is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
            {
                st.updates.pop_front();
            }
            if !st.updates.is_empty() {
                let batch: Vec<Value> = st.updates.iter().take(limit).cloned().collect();
                return Ok(Value::Array(batch));
            }
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return Ok(json!([]));
        }
    }
}

const SENDING: &[&str] = &[
    "sendmessage",
    "senddocument",
    "sendphoto",
    "editmessagetext",
    "editmessagereplymarkup",
    "sendchataction",
];

fn call(inner: &Inner, method: &str, p: &Params) -> ApiResult {
    let mut st = inner.st();
    if SENDING.contains(&method) {
        flood_check(&mut st)?;
    }
    if ["sendmessage", "senddocument", "sendphoto"].contains(&method)
        && let (Some(limits), Some(chat)) = (st.limits.as_mut(), p.i64("chat_id"))
        && let Err(wait) = limits.admit(chat)
    {
        let left = wait.as_secs() + 1;
        return Err(ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {left} (limits)"),
            retry_after: Some(left),
        });
    }
    match method {
        "getfile" => {
            let id = p.str("file_id").unwrap_or_default();
            match st.uploads.get(&id) {
                Some(bytes) => Ok(json!({
                    "file_id": id, "file_unique_id": format!("u{id}"), "file_size": bytes.len(),
                    "file_path": format!("documents/{id}"),
                })),
                None => Err(bad("Bad Request: invalid file_id")),
            }
        }
        "getme" => Ok(json!({
            "id": inner.bot_id, "is_bot": true, "first_name": "Flow Stage", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false,
        })),
        "setwebhook" => {
            let url = p.str("url").unwrap_or_default();
            if url.is_empty() {
                st.webhook = None;
                return Ok(json!(true));
            }
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(bad(
                    "Bad Request: bad webhook: An HTTPS URL must be provided for webhook",
                ));
            }
            let secret = p.str("secret_token");
            if let Some(s) = &secret
                && (s.is_empty()
                    || s.len() > 256
                    || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            {
                return Err(bad("Bad Request: secret token contains unallowed characters"));
            }
            if p.bool("drop_pending_updates") {
                st.updates.clear();
            }
            st.webhook = Some((url, secret));
            st.poll_generation += 1;
            Ok(json!(true))
        }
        "deletewebhook" => {
            if p.bool("drop_pending_updates") {
                st.updates.clear();
            }
            st.webhook = None;
            Ok(json!(true))
        }
        "getwebhookinfo" => {
            let (url, _) = st.webhook.clone().unwrap_or_default();
            Ok(
                json!({"url": url, "has_custom_certificate": false, "pending_update_count": st.updates.len()}),
            )
        }
        "setmycommands" => set_my_commands(&mut st, p),
        "deletemycommands" => {
            let scope = p.json("scope")?.unwrap_or_else(|| json!({"type": "default"}));
            let lang = p.str("language_code").unwrap_or_default();
            st.commands.remove(&(scope.to_string(), lang));
            Ok(json!(true))
        }
        "sendchataction" => {
            let chat = reachable_chat(&st, p)?;
            let _ = chat;
            Ok(json!(true))
        }
        "sendmessage" => {
            let chat = reachable_chat(&st, p)?;
            let text = p.str("text").unwrap_or_default();
            let (text, entities) = parse_text(&text, p.str("parse_mode").as_deref())?;
            check_text(&text, MAX_TEXT_UTF16, "Bad Request: message is too long")?;
            let markup = p.json("reply_markup")?;
            check_markup(markup.as_ref())?;
            let message_id = next_message_id(&mut st, chat);
            let m = BotMessage {
                chat,
                message_id,
                text,
                entities,
                reply_markup: markup,
                document: None,
                edits: 0,
            };
            let v = message_json(inner.bot_id, &st, &m);
            record_sent(&mut st, chat);
            st.messages.entry(chat).or_default().push(m);
            Ok(v)
        }
        "sendphoto" => {
            let chat = reachable_chat(&st, p)?;
            let Some((_, _, bytes)) = p.file.clone() else {
                return Err(bad("Bad Request: there is no photo in the request"));
            };
            if bytes.len() > 10 * 1024 * 1024 {
                return Err(bad("Bad Request: PHOTO_INVALID_DIMENSIONS"));
            }
            // Telegram reads the picture: a PNG's size is in its header.
            let Some((w, h)) = png_size(&bytes) else {
                return Err(bad("Bad Request: IMAGE_PROCESS_FAILED"));
            };
            if w + h > 10_000 || w.max(h) > 20 * w.min(h).max(1) {
                return Err(bad("Bad Request: PHOTO_INVALID_DIMENSIONS"));
            }
            // A photo has no file name: that is how it is told from a document here.
            let photo = Document { file_name: String::new(), mime_type: "image/png".into(), bytes };
            send_file(inner, &mut st, p, chat, photo)
        }
        "senddocument" => {
            let chat = reachable_chat(&st, p)?;
            let Some((file_name, mime, bytes)) = p.file.clone() else {
                return Err(bad("Bad Request: there is no document in the request"));
            };
            if bytes.is_empty() {
                return Err(bad("Bad Request: file must be non-empty"));
            }
            let mime_type = if mime.is_empty() || mime == "application/octet-stream" {
                guess_mime(&file_name)
            } else {
                mime
            };
            send_file(inner, &mut st, p, chat, Document { file_name, mime_type, bytes })
        }
        "editmessagetext" | "editmessagereplymarkup" => {
            let chat = reachable_chat(&st, p)?;
            let id = p
                .i64("message_id")
                .ok_or_else(|| bad("Bad Request: message identifier is not specified"))?;
            let markup = p.json("reply_markup")?;
            if markup.as_ref().is_some_and(|m| m.get("inline_keyboard").is_none()) {
                return Err(bad("Bad Request: inline keyboard expected"));
            }
            check_markup(markup.as_ref())?;
            let new_text = if method == "editmessagetext" {
                let text = p.str("text").unwrap_or_default();
                let parsed = parse_text(&text, p.str("parse_mode").as_deref())?;
                check_text(&parsed.0, MAX_TEXT_UTF16, "Bad Request: MESSAGE_TOO_LONG")?;
                Some(parsed)
            } else {
                None
            };
            let bot_id = inner.bot_id;
            let Some(old) = st
                .messages
                .get(&chat)
                .and_then(|list| list.iter().find(|m| m.message_id == id))
                .cloned()
            else {
                return Err(bad("Bad Request: message to edit not found"));
            };
            let mut edited = old.clone();
            if let Some((text, entities)) = new_text {
                if edited.document.is_some() {
                    return Err(bad("Bad Request: there is no text in the message to edit"));
                }
                edited.text = text;
                edited.entities = entities;
            }
            // An empty inline keyboard is how a keyboard is removed.
            let markup = markup.filter(|m| {
                m.get("inline_keyboard")
                    .and_then(Value::as_array)
                    .is_some_and(|rows| !rows.is_empty())
            });
            let old_inline =
                edited.reply_markup.clone().filter(|m| m.get("inline_keyboard").is_some());
            edited.reply_markup = markup;
            let new_inline = edited.reply_markup.clone();
            if edited.text == old.text
                && edited.entities == old.entities
                && normalise(old_inline.as_ref()) == normalise(new_inline.as_ref())
            {
                return Err(bad(NOT_MODIFIED));
            }
            edited.edits += 1;
            if let Some(slot) = st
                .messages
                .get_mut(&chat)
                .and_then(|list| list.iter_mut().find(|m| m.message_id == id))
            {
                *slot = edited.clone();
            }
            Ok(message_json(bot_id, &st, &edited))
        }
        "answercallbackquery" => {
            let id = p.str("callback_query_id").unwrap_or_default();
            if let Some(t) = p.str("text")
                && t.chars().count() > 200
            {
                return Err(bad("Bad Request: MESSAGE_TOO_LONG"));
            }
            let timeout = st.callback_timeout;
            let Some(cb) = st.callbacks.get_mut(&id) else {
                return Err(bad(QUERY_TOO_OLD));
            };
            if cb.answered.is_some() || cb.pressed_at.elapsed() > timeout {
                return Err(bad(QUERY_TOO_OLD));
            }
            let _ = cb.chat;
            cb.answered = Some(Instant::now());
            Ok(json!(true))
        }
        _ => Err(ApiError { code: 404, description: "Not Found".into(), retry_after: None }),
    }
}

/// An inline keyboard compared the way Telegram does: only what the user sees and sends back.
fn normalise(markup: Option<&Value>) -> Vec<Vec<(String, String)>> {
    let m = BotMessage {
        chat: 0,
        message_id: 0,
        text: String::new(),
        entities: Vec::new(),
        reply_markup: markup.cloned(),
        document: None,
        edits: 0,
    };
    m.inline_buttons()
}

fn record_sent(st: &mut St, chat: i64) {
    *st.sent_count.entry(chat).or_insert(0) += 1;
    if let Some(t) = st.awaiting.remove(&chat) {
        st.latencies.push(t.elapsed());
    }
}

fn flood_check(st: &mut St) -> Result<(), ApiError> {
    if let Some(until) = st.flood.until
        && Instant::now() < until
    {
        let left = until.saturating_duration_since(Instant::now()).as_secs() + 1;
        return Err(ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {left}"),
            retry_after: Some(left),
        });
    }
    if st.flood.remaining > 0 {
        st.flood.remaining -= 1;
        let r = st.flood.retry_after;
        // The wait is counted from the last refusal, as Telegram does.
        st.flood.until = Some(Instant::now() + Duration::from_secs(r));
        return Err(ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {r} (injected)"),
            retry_after: Some(r),
        });
    }
    Ok(())
}

fn reachable_chat(st: &St, p: &Params) -> Result<i64, ApiError> {
    let chat = p.i64("chat_id").ok_or_else(|| bad("Bad Request: chat_id is empty"))?;
    match st.users.get(&chat) {
        None => Err(bad("Bad Request: chat not found")),
        Some(u) if u.blocked => Err(ApiError {
            code: 403,
            // The first 403 is how the bot learns; trying that user again is the mistake.
            description: if st.told_blocked.get(&chat).copied().unwrap_or(0) == 0 {
                "Forbidden: bot was blocked by the user (injected)".into()
            } else {
                "Forbidden: bot was blocked by the user".into()
            },
            retry_after: None,
        }),
        Some(_) => Ok(chat),
    }
}

fn check_text(text: &str, max: usize, too_long: &str) -> Result<(), ApiError> {
    if text.trim().is_empty() {
        return Err(bad("Bad Request: message text is empty"));
    }
    if utf16_len(text) > max {
        return Err(bad(too_long));
    }
    Ok(())
}

fn check_markup(markup: Option<&Value>) -> Result<(), ApiError> {
    let Some(m) = markup else { return Ok(()) };
    if let Some(rows) = m.get("inline_keyboard") {
        let rows = rows
            .as_array()
            .ok_or_else(|| bad("Bad Request: can't parse inline keyboard button"))?;
        for row in rows {
            let row = row
                .as_array()
                .ok_or_else(|| bad("Bad Request: can't parse inline keyboard button"))?;
            for b in row {
                let text = b.get("text").and_then(Value::as_str).unwrap_or_default();
                if text.is_empty() {
                    return Err(bad("Bad Request: BUTTON_TEXT_INVALID"));
                }
                match (b.get("callback_data").and_then(Value::as_str), b.get("url")) {
                    (Some(d), _) if d.is_empty() || d.len() > MAX_CALLBACK_DATA => {
                        return Err(bad("Bad Request: BUTTON_DATA_INVALID"));
                    }
                    (None, None) => {
                        return Err(bad(
                            "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
                        ));
                    }
                    _ => {}
                }
            }
        }
    } else if let Some(rows) = m.get("keyboard") {
        let ok = rows.as_array().is_some_and(|r| r.iter().all(Value::is_array));
        if !ok {
            return Err(bad("Bad Request: can't parse keyboard button"));
        }
    }
    Ok(())
}

fn set_my_commands(st: &mut St, p: &Params) -> ApiResult {
    let commands = p.json("commands")?.unwrap_or_else(|| json!([]));
    let list =
        commands.as_array().ok_or_else(|| bad("Bad Request: can't parse commands JSON object"))?;
    if list.len() > 100 {
        return Err(bad("Bad Request: too many commands"));
    }
    let mut out = Vec::new();
    for c in list {
        let name = c.get("command").and_then(Value::as_str).unwrap_or_default();
        let desc = c.get("description").and_then(Value::as_str).unwrap_or_default();
        let name_ok = (1..=32).contains(&name.len())
            && name.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !name_ok {
            return Err(bad("Bad Request: BOT_COMMAND_INVALID"));
        }
        if !(1..=256).contains(&desc.chars().count()) {
            return Err(bad("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        out.push((name.to_owned(), desc.to_owned()));
    }
    let scope = p.json("scope")?.unwrap_or_else(|| json!({"type": "default"}));
    match scope.get("type").and_then(Value::as_str) {
        Some("default" | "all_private_chats" | "all_group_chats" | "all_chat_administrators") => {}
        Some("chat" | "chat_administrators" | "chat_member") => {
            let chat = scope.get("chat_id").and_then(Value::as_i64);
            if chat.is_none_or(|c| !st.users.contains_key(&c)) {
                return Err(bad("Bad Request: chat not found"));
            }
        }
        _ => return Err(bad("Bad Request: can't parse BotCommandScope JSON object")),
    }
    let lang = p.str("language_code").unwrap_or_default();
    if !(lang.is_empty() || (lang.len() == 2 && lang.chars().all(|c| c.is_ascii_lowercase()))) {
        return Err(bad("Bad Request: invalid language code specified"));
    }
    // Keys are canonical JSON of the scope, so tests can look them up with `json!`.
    let scope_key = canonical(&scope).to_string();
    st.commands.insert((scope_key, lang), out);
    Ok(json!(true))
}

/// The scope with only the fields Telegram reads, in a fixed order.
fn canonical(scope: &Value) -> Value {
    match scope.get("chat_id") {
        Some(c) => json!({"type": scope["type"], "chat_id": c}),
        None => json!({"type": scope["type"]}),
    }
}

fn guess_mime(file_name: &str) -> String {
    let ext = file_name.rsplit('.').next().unwrap_or_default().to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "json" => "application/json",
        "txt" => "text/plain",
        "ics" => "text/calendar",
        _ => "application/octet-stream",
    }
    .to_owned()
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

// ---------------------------------------------------------------------------------------------
// Parse modes, as strictly as Telegram documents them.

fn parse_text(text: &str, mode: Option<&str>) -> Result<(String, Vec<Entity>), ApiError> {
    let parsed = match mode {
        None | Some("") => Ok((text.to_owned(), Vec::new())),
        Some("HTML") => parse_html(text),
        Some("MarkdownV2") => parse_markdown_v2(text),
        Some("Markdown") => {
            Err("legacy Markdown is not checked by this fake: use MarkdownV2 or HTML".into())
        }
        Some(other) => return Err(bad(format!("Bad Request: unsupported parse_mode \"{other}\""))),
    };
    parsed.map_err(|e| bad(format!("Bad Request: can't parse entities: {e}")))
}

struct Open {
    kind: String,
    tag: String,
    start: usize,
    url: Option<String>,
}

/// Telegram's HTML: the documented tags only; every `<`, `>` and `&` that is not part of a tag
/// or of an entity (`&lt;` `&gt;` `&amp;` `&quot;`, numeric) must be escaped.
pub fn parse_html(s: &str) -> Result<(String, Vec<Entity>), String> {
    let mut out = String::new();
    let mut entities = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = bytes[i];
        match c {
            b'<' => {
                let Some(end) = s[i..].find('>').map(|e| i + e) else {
                    return Err(format!("Unclosed start tag at byte offset {i}"));
                };
                let inner = &s[i + 1..end];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    let Some(open) = stack.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {i}"));
                    };
                    if open.tag != name {
                        return Err(format!(
                            "Unmatched end tag at byte offset {i}, expected \"</{}>\", found \"</{name}>\"",
                            open.tag
                        ));
                    }
                    let offset = utf16_len(&out[..open.start]);
                    let length = utf16_len(&out[open.start..]);
                    if length > 0 && !open.kind.is_empty() {
                        entities.push(Entity { kind: open.kind, offset, length, url: open.url });
                    }
                } else {
                    let name_len = inner
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-'))
                        .unwrap_or(inner.len());
                    let name = inner[..name_len].to_ascii_lowercase();
                    let attrs = parse_attrs(&inner[name_len..]).ok_or_else(|| {
                        format!("Can't parse attributes of tag \"{name}\" at byte offset {i}")
                    })?;
                    let attr = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                    let (kind, url) = match name.as_str() {
                        "b" | "strong" => ("bold", None),
                        "i" | "em" => ("italic", None),
                        "u" | "ins" => ("underline", None),
                        "s" | "strike" | "del" => ("strikethrough", None),
                        "tg-spoiler" => ("spoiler", None),
                        "span" if attr("class").as_deref() == Some("tg-spoiler") => {
                            ("spoiler", None)
                        }
                        "code" => ("code", None),
                        "pre" => ("pre", None),
                        "blockquote" => ("blockquote", None),
                        "tg-emoji" => ("custom_emoji", None),
                        "a" => match attr("href") {
                            Some(h) if h.is_empty() => ("", None),
                            Some(h) => ("text_link", Some(h)),
                            None => ("", None),
                        },
                        _ => {
                            return Err(format!(
                                "Unsupported start tag \"{name}\" at byte offset {i}"
                            ));
                        }
                    };
                    stack.push(Open { kind: kind.to_owned(), tag: name, start: out.len(), url });
                }
                i = end + 1;
            }
            b'>' => return Err(format!("Unescaped '>' at byte offset {i}")),
            b'&' => {
                let (ch, len) = html_entity(&s[i..]).ok_or_else(|| {
                    format!("Unescaped '&' at byte offset {i}: not an HTML entity")
                })?;
                out.push(ch);
                i += len;
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    if let Some(open) = stack.pop() {
        return Err(format!("Can't find end tag corresponding to start tag \"{}\"", open.tag));
    }
    entities.sort_by_key(|e| e.offset);
    Ok((out, entities))
}

fn parse_attrs(s: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let name_end = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
        if !rest[name_end..].trim_start().starts_with('=') {
            // A valueless attribute, like `<blockquote expandable>`.
            out.push((rest[..name_end].to_ascii_lowercase(), String::new()));
            rest = rest[name_end..].trim_start();
            continue;
        }
        let eq = rest.find('=')?;
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = rest[eq + 1..].trim_start();
        let quote = after.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let close = after[1..].find(quote)? + 1;
        let value = &after[1..close];
        let (decoded, _) = parse_html(value).ok()?;
        out.push((name, decoded));
        rest = after[close + 1..].trim_start();
    }
    Some(out)
}

fn html_entity(s: &str) -> Option<(char, usize)> {
    let end = s.find(';')?;
    if end > 10 {
        return None;
    }
    let body = &s[1..end];
    let ch = match body {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let num = body.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((ch, end + 1))
}

const MD2_RESERVED: &str = "_*[]()~`>#+-=|{}.!\\";

/// Telegram's MarkdownV2: every reserved character outside an entity must be escaped with `\`;
/// inside `code`/`pre` only `` ` `` and `\`; inside a link's URL only `)` and `\`.
pub fn parse_markdown_v2(s: &str) -> Result<(String, Vec<Entity>), String> {
    let mut out = String::new();
    let mut entities = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |k: usize| chars.get(k).map(|&(_, c)| c);
    let mut k = 0;
    let mut line_start = true;
    while k < chars.len() {
        let (byte, c) = chars[k];
        let was_line_start = line_start;
        line_start = c == '\n';
        match c {
            '\\' => {
                let Some(n) = at(k + 1) else {
                    return Err(reserved('\\'));
                };
                if u32::from(n) > 126 {
                    return Err(format!("Can't escape character at byte offset {byte}"));
                }
                out.push(n);
                k += 2;
                continue;
            }
            '`' => {
                let fence = at(k + 1) == Some('`') && at(k + 2) == Some('`');
                let (open_len, kind) = if fence { (3, "pre") } else { (1, "code") };
                let mut j = k + open_len;
                if fence {
                    // An optional language on the opening line.
                    while at(j).is_some_and(|ch| ch != '\n' && ch != '`') {
                        j += 1;
                    }
                }
                let start = out.len();
                loop {
                    match at(j) {
                        None => {
                            return Err(format!(
                                "Can't find end of {} entity at byte offset {byte}",
                                if fence { "PreCode" } else { "Code" }
                            ));
                        }
                        Some('\\') => {
                            match at(j + 1) {
                                Some(n) => out.push(n),
                                None => {
                                    return Err(format!(
                                        "Can't find end of Code entity at byte offset {byte}"
                                    ));
                                }
                            }
                            j += 2;
                        }
                        Some('`') if !fence => {
                            j += 1;
                            break;
                        }
                        Some('`') if at(j + 1) == Some('`') && at(j + 2) == Some('`') => {
                            j += 3;
                            break;
                        }
                        Some('`') => return Err(reserved('`')),
                        Some(ch) => {
                            out.push(ch);
                            j += 1;
                        }
                    }
                }
                let offset = utf16_len(&out[..start]);
                let length = utf16_len(&out[start..]);
                entities.push(Entity { kind: kind.into(), offset, length, url: None });
                k = j;
                continue;
            }
            '*' | '_' | '~' | '|' => {
                let (kind, len) = match c {
                    '*' => ("bold", 1),
                    '_' if at(k + 1) == Some('_') => ("underline", 2),
                    '_' => ("italic", 1),
                    '~' => ("strikethrough", 1),
                    _ if at(k + 1) == Some('|') => ("spoiler", 2),
                    _ => {
                        return Err(reserved('|'));
                    }
                };
                if let Some(pos) = stack.iter().rposition(|o| o.kind == kind) {
                    if pos != stack.len() - 1 {
                        let inner = &stack[stack.len() - 1];
                        return Err(format!(
                            "Can't find end of {} entity at byte offset {}",
                            entity_name(&inner.kind),
                            inner.tag
                        ));
                    }
                    let open = stack.pop().unwrap_or(Open {
                        kind: String::new(),
                        tag: String::new(),
                        start: 0,
                        url: None,
                    });
                    let offset = utf16_len(&out[..open.start]);
                    let length = utf16_len(&out[open.start..]);
                    if length > 0 {
                        entities.push(Entity { kind: open.kind, offset, length, url: None });
                    }
                } else {
                    stack.push(Open {
                        kind: kind.into(),
                        tag: byte.to_string(),
                        start: out.len(),
                        url: None,
                    });
                }
                k += len;
                continue;
            }
            '[' => {
                stack.push(Open {
                    kind: "text_link".into(),
                    tag: byte.to_string(),
                    start: out.len(),
                    url: None,
                });
                k += 1;
                continue;
            }
            ']' => {
                let Some(top) = stack.last() else {
                    return Err(reserved(']'));
                };
                if top.kind != "text_link" {
                    return Err(format!(
                        "Can't find end of {} entity at byte offset {}",
                        entity_name(&top.kind),
                        top.tag
                    ));
                }
                if at(k + 1) != Some('(') {
                    return Err(format!("Can't find end of a URL at byte offset {byte}"));
                }
                let mut j = k + 2;
                let mut url = String::new();
                loop {
                    match at(j) {
                        None => {
                            return Err(format!("Can't find end of a URL at byte offset {byte}"));
                        }
                        Some('\\') => {
                            url.extend(at(j + 1));
                            j += 2;
                        }
                        Some(')') => {
                            j += 1;
                            break;
                        }
                        Some(ch) => {
                            url.push(ch);
                            j += 1;
                        }
                    }
                }
                let open = stack.pop().unwrap_or(Open {
                    kind: String::new(),
                    tag: String::new(),
                    start: 0,
                    url: None,
                });
                let offset = utf16_len(&out[..open.start]);
                let length = utf16_len(&out[open.start..]);
                if length > 0 && !url.is_empty() {
                    entities.push(Entity {
                        kind: "text_link".into(),
                        offset,
                        length,
                        url: Some(url),
                    });
                }
                k = j;
                continue;
            }
            '>' if was_line_start => {
                // A block quotation line; the quote entity itself is not tracked here.
                k += 1;
                continue;
            }
            c if MD2_RESERVED.contains(c) => {
                return Err(format!(
                    "Character '{c}' is reserved and must be escaped with the preceding '\\'"
                ));
            }
            c => out.push(c),
        }
        k += 1;
    }
    if let Some(open) = stack.pop() {
        return Err(format!(
            "Can't find end of {} entity at byte offset {}",
            entity_name(&open.kind),
            open.tag
        ));
    }
    entities.sort_by_key(|e| e.offset);
    Ok((out, entities))
}

fn reserved(c: char) -> String {
    format!("Character '{c}' is reserved and must be escaped with the preceding '\\'")
}

fn entity_name(kind: &str) -> &'static str {
    match kind {
        "bold" => "Bold",
        "italic" => "Italic",
        "underline" => "Underline",
        "strikethrough" => "Strikethrough",
        "spoiler" => "Spoiler",
        _ => "TextUrl",
    }
}

// ---------------------------------------------------------------------------------------------
// The front door: a TCP relay in front of the API, so an outage can cut the network.

async fn front_door(front: tokio::net::TcpListener, upstream: SocketAddr, inner: Arc<Inner>) {
    loop {
        let Ok((mut sock, _)) = front.accept().await else { continue };
        let down = inner
            .down_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .is_some_and(|t| Instant::now() < t);
        if down {
            drop(sock);
            continue;
        }
        let task = tokio::spawn(async move {
            if let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
            }
        });
        let mut conns = inner.connections.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        conns.retain(|c| !c.is_finished());
        conns.push(task.abort_handle());
    }
}

// ---------------------------------------------------------------------------------------------
// Webhook delivery, as Telegram does it: up to 40 requests at once (its default
// `max_connections`), one at a time per chat so a chat's updates arrive in order, each retried
// while the bot's endpoint fails.

const WEBHOOK_CONNECTIONS: usize = 40;

fn update_chat(u: &Value) -> i64 {
    let m = u.get("message").or_else(|| u.get("callback_query"));
    m.and_then(|m| m.get("chat").or_else(|| m.get("from")))
        .and_then(|c| c["id"].as_i64())
        .unwrap_or_default()
}

async fn deliver_webhooks(inner: Arc<Inner>) {
    let busy: Arc<Mutex<std::collections::HashSet<i64>>> = Arc::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(WEBHOOK_CONNECTIONS));
    loop {
        let changed = inner.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let next = {
            let mut st = inner.st();
            let mut busy = busy.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            match st.webhook.clone() {
                None => None,
                Some((url, secret)) => {
                    let free = st.updates.iter().position(|u| !busy.contains(&update_chat(u)));
                    free.and_then(|i| st.updates.remove(i)).map(|u| {
                        busy.insert(update_chat(&u));
                        (url, secret, u)
                    })
                }
            }
        };
        let Some((url, secret, update)) = next else {
            drop(slot);
            let _ = tokio::time::timeout(Duration::from_millis(200), changed).await;
            continue;
        };
        let (inner, busy) = (inner.clone(), busy.clone());
        tokio::spawn(async move {
            let status = post_json(&url, secret.as_deref(), &update).await.unwrap_or(0);
            let ok = (200..300).contains(&status);
            if !ok {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            {
                let mut st = inner.st();
                st.webhook_statuses.push(status);
                if !ok {
                    st.updates.push_front(update.clone());
                }
            }
            busy.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .remove(&update_chat(&update));
            drop(slot);
            inner.changed.notify_waiters();
        });
    }
}

/// A minimal HTTP/1.1 POST over loopback; returns the status code.
pub async fn post_json(url: &str, secret: Option<&str>, body: &Value) -> std::io::Result<u16> {
    let rest =
        url.strip_prefix("http://").ok_or_else(|| std::io::Error::other("only http:// here"))?;
    let (host, path) =
        rest.split_once('/').map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut stream = tokio::net::TcpStream::connect(host).await?;
    let body = body.to_string();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(s) = secret {
        req.push_str(&format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    stream.write_all(req.as_bytes()).await?;
    let mut resp = Vec::new();
    stream.read_to_end(&mut resp).await?;
    let head = String::from_utf8_lossy(&resp);
    head.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("no HTTP status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_accepts_escaped_text_and_documented_tags() {
        let (text, ents) =
            parse_html("<b>Rock &amp; Roll &lt;3</b> <i>*_[]</i> <a href=\"https://x.fr/?a=1&amp;b=2\">site</a>").unwrap();
        assert_eq!(text, "Rock & Roll <3 *_[] site");
        assert_eq!(ents.len(), 3);
        assert_eq!(ents[2].url.as_deref(), Some("https://x.fr/?a=1&b=2"));
        assert_eq!(ents[0], Entity { kind: "bold".into(), offset: 0, length: 14, url: None });
    }

    #[test]
    fn html_reads_attributes_as_telegram_does() {
        assert!(parse_html("<blockquote expandable>long</blockquote>").is_ok());
        assert!(parse_html("<pre><code class=\"language-rust\">fn</code></pre>").is_ok());
        assert!(parse_html("<a href='https://x.fr'>x</a>").is_ok());
        assert!(parse_html("<a href=\"https://x.fr/?a=1&b=2\">x</a>").is_err(), "& in a value");
    }

    #[test]
    fn html_refuses_what_telegram_refuses() {
        for bad in [
            "Rock & Roll",
            "I <3 you",
            "a > b",
            "<b>open",
            "close</b>",
            "<b><i>x</b></i>",
            "<h1>x</h1>",
            "&nbsp;",
        ] {
            assert!(parse_html(bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn markdown_v2_requires_every_reserved_character_escaped() {
        assert!(parse_markdown_v2("Hello.").is_err());
        assert!(parse_markdown_v2("Rock & Roll <3 (live)").is_err());
        assert!(parse_markdown_v2("*bold").is_err());
        let (text, ents) =
            parse_markdown_v2("*Rock* \\& Roll \\<3 \\*\\_\\[\\] [site](https://x.fr/a\\)b) `a.b`")
                .unwrap();
        assert_eq!(text, "Rock & Roll <3 *_[] site a.b");
        assert_eq!(ents[0].kind, "bold");
        assert_eq!(ents[1].url.as_deref(), Some("https://x.fr/a)b"));
        assert_eq!(ents[2].kind, "code");
    }

    #[test]
    fn lengths_are_counted_in_utf16_units_after_parsing() {
        let (text, _) = parse_html(&format!("<b>{}</b>", "é".repeat(4096))).unwrap();
        assert!(check_text(&text, MAX_TEXT_UTF16, "too long").is_ok());
        assert!(check_text(&"🎸".repeat(2049), MAX_TEXT_UTF16, "too long").is_err());
    }

    async fn bot(fake: &FakeTelegram) -> teloxide::Bot {
        teloxide::Bot::new(fake.token()).set_api_url(fake.api_url().parse().unwrap())
    }

    #[tokio::test]
    async fn a_real_client_meets_the_refusals_with_telegrams_errors() {
        use teloxide::ApiError as E;
        use teloxide::RequestError as R;
        use teloxide::prelude::*;
        use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
        let fake = FakeTelegram::start().await;
        fake.add_user(7, "Ana", Some("fr"));
        let bot = bot(&fake).await;
        let me = bot.get_me().await.unwrap();
        assert_eq!(me.username(), BOT_USERNAME);

        let long = "a".repeat(4097);
        let err = bot.send_message(ChatId(7), long).await.unwrap_err();
        assert!(matches!(err, R::Api(E::MessageIsTooLong)), "{err:?}");
        let err = bot
            .send_message(ChatId(7), "Rock & Roll <3")
            .parse_mode(ParseMode::Html)
            .await
            .unwrap_err();
        assert!(matches!(err, R::Api(E::CantParseEntities(_))), "{err:?}");
        let err =
            bot.send_message(ChatId(7), "Hi.").parse_mode(ParseMode::MarkdownV2).await.unwrap_err();
        assert!(matches!(err, R::Api(E::CantParseEntities(_))), "{err:?}");
        let kb = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("x", "y".repeat(65))]]);
        let err = bot.send_message(ChatId(7), "hi").reply_markup(kb).await.unwrap_err();
        assert!(matches!(err, R::Api(E::ButtonDataInvalid)), "{err:?}");
        let err = bot.send_message(ChatId(99), "hi").await.unwrap_err();
        assert!(matches!(err, R::Api(E::ChatNotFound)), "{err:?}");

        let kb = InlineKeyboardMarkup::new([[InlineKeyboardButton::callback("Oui", "yes")]]);
        let sent = bot
            .send_message(ChatId(7), "<b>Rock &amp; Roll</b>")
            .parse_mode(ParseMode::Html)
            .reply_markup(kb.clone())
            .await
            .unwrap();
        assert_eq!(sent.text(), Some("Rock & Roll"));
        let err = bot
            .edit_message_text(ChatId(7), sent.id, "<b>Rock &amp; Roll</b>")
            .parse_mode(ParseMode::Html)
            .reply_markup(kb)
            .await
            .unwrap_err();
        assert!(matches!(err, R::Api(E::MessageNotModified)), "{err:?}");

        fake.user_presses(7, "Oui").unwrap();
        let updates = bot.get_updates().timeout(1).await.unwrap();
        assert_eq!(updates.len(), 1);
        let teloxide::types::UpdateKind::CallbackQuery(q) = &updates[0].kind else {
            panic!("{updates:?}")
        };
        assert_eq!(q.data.as_deref(), Some("yes"));
        bot.answer_callback_query(q.id.clone()).text("ok").await.unwrap();
        let err = bot.answer_callback_query(q.id.clone()).await.unwrap_err();
        assert!(matches!(err, R::Api(E::InvalidQueryId)), "{err:?}");

        fake.block_user(7);
        let err = bot.send_message(ChatId(7), "hi").await.unwrap_err();
        assert!(matches!(err, R::Api(E::BotBlocked)), "{err:?}");

        assert_eq!(fake.refused().len(), 7, "every refusal is logged (not the first 403)");
        assert_eq!(fake.unanswered_callbacks(), 0);
    }

    #[tokio::test]
    async fn flood_limits_answer_429_and_punish_an_early_retry() {
        use teloxide::prelude::*;
        let fake = FakeTelegram::start().await;
        fake.add_user(7, "Ana", None);
        let bot = bot(&fake).await;
        fake.flood(1, 1);
        let err = bot.send_message(ChatId(7), "hi").await.unwrap_err();
        assert!(
            matches!(err, teloxide::RequestError::RetryAfter(s) if s.seconds() == 1),
            "{err:?}"
        );
        assert!(fake.refused().is_empty(), "an injected 429 is not the bot's mistake");
        assert!(bot.send_message(ChatId(7), "hi").await.is_err());
        assert_eq!(fake.refused().len(), 1, "retrying before retry_after is");
        tokio::time::sleep(Duration::from_millis(1100)).await;
        bot.send_message(ChatId(7), "hi").await.unwrap();
    }

    #[tokio::test]
    async fn long_polling_waits_for_an_update_and_offsets_confirm() {
        use teloxide::prelude::*;
        let fake = FakeTelegram::start().await;
        fake.add_user(7, "Ana", Some("en"));
        let bot = bot(&fake).await;
        let poll = tokio::spawn({
            let bot = bot.clone();
            async move { bot.get_updates().timeout(5).await.unwrap() }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        fake.user_sends(7, "/start");
        let updates = poll.await.unwrap();
        assert_eq!(updates.len(), 1);
        let next = updates[0].id.0 + 1;
        let again =
            bot.get_updates().offset(i32::try_from(next).unwrap()).timeout(0).await.unwrap();
        assert!(again.is_empty());
        assert_eq!(fake.pending_updates(), 0);
    }

    #[tokio::test]
    async fn documents_and_commands_are_recorded() {
        use teloxide::prelude::*;
        use teloxide::types::{BotCommand, BotCommandScope, InputFile, Recipient};
        let fake = FakeTelegram::start().await;
        fake.add_user(7, "Ana", Some("en"));
        let bot = bot(&fake).await;
        bot.send_document(
            ChatId(7),
            InputFile::memory(b"%PDF-1.7".to_vec()).file_name("contract.pdf"),
        )
        .caption("Your contract")
        .await
        .unwrap();
        let doc = fake.last_message_to(7).unwrap().document.unwrap();
        assert_eq!(doc.file_name, "contract.pdf");
        assert_eq!(doc.mime_type, "application/pdf");
        assert_eq!(doc.bytes, b"%PDF-1.7");
        bot.set_my_commands([BotCommand::new("pending", "Profiles to review")])
            .scope(BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(7)) })
            .language_code("en")
            .await
            .unwrap();
        assert_eq!(fake.commands(&json!({"type": "chat", "chat_id": 7}), "en").len(), 1);
        assert!(fake.refused().is_empty(), "{:?}", fake.refused());
    }
}
