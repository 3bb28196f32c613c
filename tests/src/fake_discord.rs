//! A fake Discord on loopback, so the real binary can be tested end to end without the internet:
//! REST v10 under `/api/v10` (what serenity calls once `HttpBuilder::proxy` points it here) and
//! the gateway over a plain `ws://` WebSocket (HELLO, IDENTIFY, READY, heartbeats, RESUME with the
//! missed dispatches replayed). It refuses what Discord refuses with Discord's own status codes
//! and error bodies, records every call and every refusal, and plays scripted people who run
//! slash commands, press buttons, pick from select menus, submit modals and write messages.
//!
//! Like the fake Telegram it is strict where Discord documents a rule even if Discord is lenient
//! on a given day: a test passes only when the bot keeps to the documented limits.

mod gateway;
mod rest;
pub mod validate;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};
use tokio::sync::Notify;

/// The bot's token, as the adapter sends it (`Authorization: Bot <TOKEN>`).
pub const TOKEN: &str = "MTAwMDAwMDAwMDAwMDAwMDAx.FakeDs.flow-stage-test-token";
/// The application and its bot user share this id, as they do for apps created since 2020.
pub const APPLICATION_ID: u64 = 1_000_000_000_000_000_001;
pub const BOT_USERNAME: &str = "Flow Stage";
/// The venue team's server the bot is a member of, and its first text channel.
pub const GUILD_ID: u64 = 1_100_000_000_000_000_001;
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_002;
/// What Discord answers in HELLO today.
pub const HEARTBEAT_INTERVAL_MS: u64 = 41_250;
/// Intents Discord must enable in the developer portal before a bot may ask for them.
pub const PRIVILEGED_INTENTS: u64 = (1 << 1) | (1 << 8) | (1 << 15);
pub const INTENT_GUILD_MESSAGES: u64 = 1 << 9;
pub const INTENT_DIRECT_MESSAGES: u64 = 1 << 12;
pub const INTENT_MESSAGE_CONTENT: u64 = 1 << 15;

/// Interaction types, as Discord numbers them.
pub const COMMAND: u8 = 2;
pub const COMPONENT: u8 = 3;
pub const AUTOCOMPLETE: u8 = 4;
pub const MODAL_SUBMIT: u8 = 5;

/// One call the bot made to the REST API.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// The path after `/api/v10`, query included.
    pub path: String,
    pub body: Value,
    pub status: u16,
    pub at: Instant,
}

/// A call (or a gateway payload) Discord would have refused.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The HTTP method, or `GATEWAY` for a payload on the WebSocket.
    pub method: String,
    pub path: String,
    pub body: Value,
    /// The HTTP status, or the close code for the gateway.
    pub status: u16,
    /// Discord's JSON error code (50035, 40060, 10062 …), 0 when Discord gives none.
    pub code: i64,
    pub message: String,
    /// The `errors` object of a 50035, `null` otherwise.
    pub errors: Value,
}

/// A file attached to a message (multipart `files[n]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A message in a channel, as Discord holds it now.
#[derive(Debug, Clone)]
pub struct DiscordMessage {
    pub id: u64,
    pub channel_id: u64,
    /// The bot, or the person who wrote it.
    pub author: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    pub attachments: Vec<Attachment>,
    pub flags: u64,
    /// The interaction this message answers, if any.
    pub interaction: Option<u64>,
    /// Set for an ephemeral reply: only this person sees it.
    pub ephemeral_to: Option<u64>,
    pub edits: u32,
    pub deleted: bool,
}

impl DiscordMessage {
    /// A deferred reply that nobody filled yet: the person sees "Flow Stage is thinking…".
    #[must_use]
    pub fn is_loading(&self) -> bool {
        self.flags & validate::FLAG_LOADING != 0
    }

    #[must_use]
    pub fn is_ephemeral(&self) -> bool {
        self.flags & validate::FLAG_EPHEMERAL != 0
    }

    /// Everything a person reads: the content, then each embed's title, description, fields and
    /// footer, one per line.
    #[must_use]
    pub fn text(&self) -> String {
        let mut parts = vec![self.content.clone()];
        for e in &self.embeds {
            for key in ["/author/name", "/title", "/description"] {
                if let Some(s) = e.pointer(key).and_then(Value::as_str) {
                    parts.push(s.to_owned());
                }
            }
            for f in e.get("fields").and_then(Value::as_array).into_iter().flatten() {
                let name = f.get("name").and_then(Value::as_str).unwrap_or_default();
                let value = f.get("value").and_then(Value::as_str).unwrap_or_default();
                parts.push(format!("{name}: {value}"));
            }
            if let Some(s) = e.pointer("/footer/text").and_then(Value::as_str) {
                parts.push(s.to_owned());
            }
        }
        parts.retain(|p| !p.is_empty());
        parts.join("\n")
    }

    /// Buttons row by row: (label, custom_id or url, disabled).
    #[must_use]
    pub fn buttons(&self) -> Vec<Vec<(String, String, bool)>> {
        self.components
            .iter()
            .map(|row| {
                row.get("components")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter(|c| c.get("type").and_then(Value::as_u64) == Some(2))
                    .map(|b| {
                        let id = b.get("custom_id").or_else(|| b.get("url"));
                        (
                            str_of(b.get("label")),
                            str_of(id),
                            b.get("disabled").and_then(Value::as_bool).unwrap_or(false),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .filter(|row: &Vec<_>| !row.is_empty())
            .collect()
    }

    /// Select menus: (custom_id, [(label, value)]).
    #[must_use]
    pub fn selects(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.components
            .iter()
            .flat_map(|row| row.get("components").and_then(Value::as_array).into_iter().flatten())
            .filter(|c| c.get("type").and_then(Value::as_u64) == Some(3))
            .map(|s| {
                let options = s
                    .get("options")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|o| (str_of(o.get("label")), str_of(o.get("value"))))
                    .collect();
                (str_of(s.get("custom_id")), options)
            })
            .collect()
    }
}

fn str_of(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or_default().to_owned()
}

/// An interaction the fake sent, to wait on its response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InteractionRef {
    pub id: u64,
    pub token: String,
    pub kind: u8,
    pub user: u64,
}

/// The initial response the bot gave to an interaction (`POST …/callback`).
#[derive(Debug, Clone)]
pub struct Response {
    /// 4 message, 5 deferred message, 6 deferred update, 7 update, 8 choices, 9 modal.
    pub kind: u8,
    pub data: Value,
    /// From the interaction's dispatch to this response.
    pub after: Duration,
}

/// How fast one interaction was acknowledged and answered, from its dispatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// The interaction's type (2 command, 3 component, 4 autocomplete, 5 modal).
    pub kind: u8,
    /// The initial response.
    pub ack: Option<Duration>,
    /// The first message that answers it.
    pub answered: Option<Duration>,
}

/// What a person saw in answer to an interaction: the initial response, and the message it
/// created or updated as it is now (a deferral filled by its edit or first follow-up).
#[derive(Debug, Clone)]
pub struct Reply {
    pub interaction: InteractionRef,
    pub response: Response,
    pub message: Option<DiscordMessage>,
    pub followups: Vec<DiscordMessage>,
}

impl Reply {
    /// The text of the reply's message (empty for a modal or choices).
    #[must_use]
    pub fn text(&self) -> String {
        self.message.as_ref().map(DiscordMessage::text).unwrap_or_default()
    }

    /// Autocomplete choices: (name, value as a string).
    #[must_use]
    pub fn choices(&self) -> Vec<(String, String)> {
        self.response
            .data
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|c| {
                let value = match c.get("value") {
                    Some(Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                (str_of(c.get("name")), value)
            })
            .collect()
    }
}

/// What happened on the gateway, in order, for tests to assert the protocol was followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayEvent {
    Connected {
        query: String,
    },
    Hello,
    Identify {
        intents: u64,
        shard: Option<(u64, u64)>,
    },
    Ready {
        session_id: String,
    },
    Heartbeat {
        seq: Option<u64>,
    },
    HeartbeatAck,
    Resume {
        session_id: String,
        seq: u64,
    },
    /// A RESUME accepted: how many dispatches were replayed before RESUMED.
    Resumed {
        replayed: usize,
    },
    InvalidSession,
    Dispatch {
        seq: u64,
        event: String,
    },
    /// The fake cut the connection (`drop_socket`).
    Dropped,
    /// The fake closed the connection with this code.
    Closed {
        code: u16,
    },
    /// The bot's side of the connection ended.
    Disconnected,
}

#[derive(Debug, Clone)]
struct Person {
    name: String,
    locale: String,
    dms_closed: bool,
    roles: Vec<u64>,
    /// The member's permissions in the guild, as Discord computes them.
    permissions: u64,
}

#[derive(Debug, Clone)]
struct Channel {
    /// The guild for a server channel, `None` for a DM.
    guild: Option<u64>,
    name: String,
    /// The person at the other end of a DM.
    recipient: Option<u64>,
}

#[derive(Debug, Clone)]
struct Interaction {
    r: InteractionRef,
    channel: u64,
    created: Instant,
    /// The command's name, or the component's / modal's custom_id.
    name: String,
    /// The message a pressed component sits on (what type 6/7 and `@original` change).
    source: Option<u64>,
    response: Option<Response>,
    original: Option<u64>,
    followups: Vec<u64>,
    /// From the dispatch to the first message that answers it (a filled deferral, a follow-up,
    /// an edit, or an initial response with a message).
    answered: Option<Duration>,
}

/// One dispatch of the session, numbered as Discord numbers them.
#[derive(Debug, Clone)]
struct Dispatch {
    seq: u64,
    event: String,
    data: Value,
}

#[derive(Debug)]
struct Session {
    id: String,
    intents: u64,
    log: Vec<Dispatch>,
}

#[derive(Debug)]
struct Bucket {
    used: u32,
    window_start: Instant,
}

#[derive(Debug)]
struct St {
    next_id: u64,
    people: HashMap<u64, Person>,
    channels: HashMap<u64, Channel>,
    dm_channels: HashMap<u64, u64>,
    messages: Vec<DiscordMessage>,
    interactions: Vec<Interaction>,
    /// Where each interaction sits in `interactions`, by id.
    by_id: HashMap<u64, usize>,
    /// Application commands by scope: `None` global, `Some(guild)`.
    commands: HashMap<Option<u64>, Vec<Value>>,
    calls: Vec<Call>,
    refused: Vec<Refusal>,
    gateway: Vec<GatewayEvent>,
    session: Option<Session>,
    /// The live WebSocket connection: its number and the handle that cuts it.
    connection: Option<(u64, tokio::task::AbortHandle)>,
    connections: u64,
    heartbeat_interval: Duration,
    privileged_intents: u64,
    interaction_timeout: Duration,
    token_lifetime: Duration,
    rate_limit: u32,
    rate_window: Duration,
    buckets: HashMap<String, Bucket>,
    /// 50007 answers per person since their DMs closed: the first is the bot learning it.
    dms_refused: HashMap<u64, u32>,
}

struct Inner {
    addr: SocketAddr,
    st: Mutex<St>,
    /// Woken whenever a dispatch is queued, a message changes or a call is recorded.
    changed: Notify,
}

impl Inner {
    fn st(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }
}

/// The running fake. Dropping it stops the server.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
        if let Some((_, conn)) = self.inner.st().connection.take() {
            conn.abort();
        }
    }
}

impl FakeDiscord {
    /// Starts on a free loopback port with one guild and one text channel. Must run inside a
    /// Tokio runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let mut channels = HashMap::new();
        channels.insert(
            CHANNEL_ID,
            Channel { guild: Some(GUILD_ID), name: "général".into(), recipient: None },
        );
        let inner = Arc::new(Inner {
            addr,
            st: Mutex::new(St {
                next_id: 1_200_000_000_000_000_000,
                people: HashMap::new(),
                channels,
                dm_channels: HashMap::new(),
                messages: Vec::new(),
                interactions: Vec::new(),
                by_id: HashMap::new(),
                commands: HashMap::new(),
                calls: Vec::new(),
                refused: Vec::new(),
                gateway: Vec::new(),
                session: None,
                connection: None,
                connections: 0,
                heartbeat_interval: Duration::from_millis(HEARTBEAT_INTERVAL_MS),
                privileged_intents: 0,
                interaction_timeout: Duration::from_secs(3),
                token_lifetime: Duration::from_secs(15 * 60),
                rate_limit: 5,
                rate_window: Duration::from_secs(5),
                buckets: HashMap::new(),
                dms_refused: HashMap::new(),
            }),
            changed: Notify::new(),
        });
        let app = axum::Router::new()
            .route("/ws", axum::routing::get(gateway::upgrade))
            .route("/{*path}", axum::routing::any(rest::handle))
            .with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { inner, server }
    }

    /// What `DISCORD_API_URL` (serenity's `HttpBuilder::proxy`) must be set to: no `/api/v10`,
    /// serenity replaces only `https://discord.com` in its URLs.
    #[must_use]
    pub fn api_url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The plain `ws://` URL `GET /api/v10/gateway` hands out.
    #[must_use]
    pub fn gateway_url(&self) -> String {
        self.inner.ws_url()
    }

    #[must_use]
    pub fn token(&self) -> &'static str {
        TOKEN
    }

    // -----------------------------------------------------------------------------------------
    // Setting the scene.

    /// A person in the guild; `locale` is their client's language (`fr`, `en-US` …).
    pub fn add_user(&self, id: u64, name: &str, locale: &str) {
        self.inner.st().people.insert(
            id,
            Person {
                name: name.to_owned(),
                locale: locale.to_owned(),
                dms_closed: false,
                roles: Vec::new(),
                permissions: 0,
            },
        );
    }

    /// The person switches their client to another language: their next interactions carry it.
    pub fn set_locale(&self, user: u64, locale: &str) {
        if let Some(p) = self.inner.st().people.get_mut(&user) {
            p.locale = locale.to_owned();
        }
    }

    /// The person turns off "direct messages from server members": sending them a DM gets
    /// 403 code 50007 from now on (opening the DM channel still works, as on Discord).
    pub fn close_dms(&self, user: u64) {
        if let Some(p) = self.inner.st().people.get_mut(&user) {
            p.dms_closed = true;
        }
    }

    pub fn open_dms(&self, user: u64) {
        let mut st = self.inner.st();
        if let Some(p) = st.people.get_mut(&user) {
            p.dms_closed = false;
        }
        st.dms_refused.remove(&user);
    }

    /// The member's roles in the guild (as interactions carry them in `member.roles`).
    pub fn set_roles(&self, user: u64, roles: &[u64]) {
        if let Some(p) = self.inner.st().people.get_mut(&user) {
            p.roles = roles.to_vec();
        }
    }

    /// The member's computed permissions (`member.permissions`); 8 is ADMINISTRATOR.
    pub fn set_permissions(&self, user: u64, permissions: u64) {
        if let Some(p) = self.inner.st().people.get_mut(&user) {
            p.permissions = permissions;
        }
    }

    /// Another text channel of the guild.
    pub fn add_channel(&self, name: &str) -> u64 {
        let mut st = self.inner.st();
        let id = next_id(&mut st);
        st.channels
            .insert(id, Channel { guild: Some(GUILD_ID), name: name.to_owned(), recipient: None });
        id
    }

    /// The DM channel between the bot and `user`, opened if needed.
    pub fn dm_channel(&self, user: u64) -> u64 {
        dm_channel(&mut self.inner.st(), user)
    }

    /// The heartbeat interval the next HELLO announces.
    pub fn set_heartbeat_interval(&self, d: Duration) {
        self.inner.st().heartbeat_interval = d;
    }

    /// Privileged intents switched on in the developer portal (none by default).
    pub fn allow_privileged_intents(&self, bits: u64) {
        self.inner.st().privileged_intents = bits;
    }

    /// How long after its dispatch an interaction may still get its initial response (3 s).
    pub fn set_interaction_timeout(&self, d: Duration) {
        self.inner.st().interaction_timeout = d;
    }

    /// How long an interaction token serves follow-ups and edits (15 minutes).
    pub fn set_token_lifetime(&self, d: Duration) {
        self.inner.st().token_lifetime = d;
    }

    /// Every route bucket allows `limit` calls per `window` (5 per 5 s by default).
    pub fn set_rate_limit(&self, limit: u32, window: Duration) {
        let mut st = self.inner.st();
        st.rate_limit = limit;
        st.rate_window = window;
        st.buckets.clear();
    }

    // -----------------------------------------------------------------------------------------
    // The gateway.

    /// Waits until the bot has identified and received READY.
    pub async fn wait_ready(&self, timeout: Duration) {
        self.wait_until(timeout, "the bot never received READY", |st| {
            st.gateway.iter().any(|e| matches!(e, GatewayEvent::Ready { .. }))
        })
        .await;
    }

    /// Cuts the bot's WebSocket without a close frame, as a network failure does; what is
    /// dispatched meanwhile waits in the session for a RESUME.
    pub fn drop_socket(&self) {
        let mut st = self.inner.st();
        if let Some((_, conn)) = st.connection.take() {
            conn.abort();
            st.gateway.push(GatewayEvent::Dropped);
        }
    }

    /// Forgets the session: a RESUME gets INVALID_SESSION (resumable: false).
    pub fn invalidate_session(&self) {
        self.inner.st().session = None;
    }

    /// Everything seen on the gateway, in order.
    #[must_use]
    pub fn gateway_events(&self) -> Vec<GatewayEvent> {
        self.inner.st().gateway.clone()
    }

    /// Waits until a gateway event satisfies `pred`.
    pub async fn wait_gateway(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&GatewayEvent) -> bool,
    ) {
        self.wait_until(timeout, what, |st| st.gateway.iter().any(&pred)).await;
    }

    // -----------------------------------------------------------------------------------------
    // People acting.

    /// The person runs `/command` in `channel` with `options` as Discord's client sends them:
    /// `[{"name": "date", "value": "2027-03-12"}]` (a subcommand nests its own `options`). The
    /// option types come from the registered command; a command or option the bot did not
    /// register, or a value its definition forbids, is a mistake in the test and panics.
    pub fn send_command(
        &self,
        user: u64,
        channel: u64,
        command: &str,
        options: Value,
    ) -> InteractionRef {
        let mut st = self.inner.st();
        let (def, guild_scope) = find_command(&st, channel, command);
        let options = typed_options(&def, &options, false, command);
        let mut data = json!({
            "id": def["id"], "name": command, "type": 1, "options": options,
        });
        if let Some(g) = guild_scope {
            data["guild_id"] = json!(g.to_string());
        }
        let r = new_interaction(&mut st, COMMAND, user, channel, command, None, data);
        drop(st);
        self.inner.changed.notify_waiters();
        r
    }

    /// The person types in an option with autocomplete: `options` as in [`Self::send_command`],
    /// the one being typed marked `"focused": true` (its value is the text typed so far).
    pub fn send_autocomplete(
        &self,
        user: u64,
        channel: u64,
        command: &str,
        options: Value,
    ) -> InteractionRef {
        let mut st = self.inner.st();
        let (def, guild_scope) = find_command(&st, channel, command);
        let options = typed_options(&def, &options, true, command);
        let mut data = json!({"id": def["id"], "name": command, "type": 1, "options": options});
        if let Some(g) = guild_scope {
            data["guild_id"] = json!(g.to_string());
        }
        let r = new_interaction(&mut st, AUTOCOMPLETE, user, channel, command, None, data);
        drop(st);
        self.inner.changed.notify_waiters();
        r
    }

    /// The person presses the button labelled `label` (exactly, else containing it) on the
    /// newest message they can see that shows one.
    pub fn press(&self, user: u64, label: &str) -> Result<InteractionRef, String> {
        let mut st = self.inner.st();
        let found = visible(&st, user).rev().find_map(|m| {
            let buttons: Vec<(String, String, bool)> =
                m.buttons().into_iter().flatten().filter(|(_, _, disabled)| !disabled).collect();
            [true, false].into_iter().find_map(|exact| {
                buttons
                    .iter()
                    .find(|(l, _, _)| if exact { l == label } else { l.contains(label) })
                    .map(|(_, id, _)| (m.id, m.channel_id, id.clone()))
            })
        });
        let Some((message, channel, custom_id)) = found else {
            let seen: Vec<String> = visible(&st, user)
                .flat_map(|m| m.buttons().into_iter().flatten().map(|(l, _, _)| l))
                .collect();
            return Err(format!("no button {label:?} for user {user}; buttons seen: {seen:?}"));
        };
        let data = json!({"custom_id": custom_id, "component_type": 2});
        let r = new_interaction(&mut st, COMPONENT, user, channel, &custom_id, Some(message), data);
        drop(st);
        self.inner.changed.notify_waiters();
        Ok(r)
    }

    /// The person picks the options labelled `labels` in the newest select menu they can see
    /// that offers the first of them.
    pub fn choose(&self, user: u64, labels: &[&str]) -> Result<InteractionRef, String> {
        let mut st = self.inner.st();
        let first = labels.first().copied().unwrap_or_default();
        let found = visible(&st, user).rev().find_map(|m| {
            m.selects()
                .into_iter()
                .find(|(_, options)| options.iter().any(|(l, _)| l == first))
                .map(|(id, options)| (m.id, m.channel_id, id, options))
        });
        let Some((message, channel, custom_id, options)) = found else {
            return Err(format!("no select menu offering {first:?} for user {user}"));
        };
        let mut values = Vec::new();
        for l in labels {
            match options.iter().find(|(ol, _)| ol == l) {
                Some((_, v)) => values.push(v.clone()),
                None => return Err(format!("the menu {custom_id:?} has no option {l:?}")),
            }
        }
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        let r = new_interaction(&mut st, COMPONENT, user, channel, &custom_id, Some(message), data);
        drop(st);
        self.inner.changed.notify_waiters();
        Ok(r)
    }

    /// The person fills the modal the bot answered `shown_by` with and submits it; `values` are
    /// (input custom_id, text). Discord's client enforces `required`, `min_length` and
    /// `max_length`, so a value breaking them is an error here.
    pub fn submit_modal(
        &self,
        shown_by: &InteractionRef,
        values: &[(&str, &str)],
    ) -> Result<InteractionRef, String> {
        let mut st = self.inner.st();
        let Some(origin) = st.interactions.iter().find(|i| i.r.id == shown_by.id).cloned() else {
            return Err("unknown interaction".into());
        };
        let Some(modal) = origin.response.as_ref().filter(|r| r.kind == 9).map(|r| r.data.clone())
        else {
            return Err(format!("the bot did not answer {:?} with a modal", origin.name));
        };
        let mut rows = Vec::new();
        for input in modal["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().into_iter().flatten())
        {
            let id = str_of(input.get("custom_id"));
            let value = values
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, v)| (*v).to_owned())
                .or_else(|| input.get("value").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            let n = value.chars().count() as u64;
            let required = input.get("required").and_then(Value::as_bool).unwrap_or(true);
            if required && n == 0 {
                return Err(format!("the input {id:?} is required"));
            }
            let min = input.get("min_length").and_then(Value::as_u64).unwrap_or(0);
            let max = input.get("max_length").and_then(Value::as_u64).unwrap_or(4000);
            if n > 0 && (n < min || n > max) {
                return Err(format!("the input {id:?} takes {min} to {max} characters"));
            }
            rows.push(
                json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}),
            );
        }
        for (k, _) in values {
            if !rows.iter().any(|r| r["components"][0]["custom_id"] == *k) {
                return Err(format!("the modal has no input {k:?}"));
            }
        }
        let custom_id = str_of(modal.get("custom_id"));
        let data = json!({"custom_id": custom_id, "components": rows});
        let r = new_interaction(
            &mut st,
            MODAL_SUBMIT,
            shown_by.user,
            origin.channel,
            &custom_id,
            origin.source,
            data,
        );
        drop(st);
        self.inner.changed.notify_waiters();
        Ok(r)
    }

    /// The person writes `content` in `channel` (a DM channel or a guild channel): a
    /// MESSAGE_CREATE reaches the bot if its intents ask for it, with the content only when
    /// MESSAGE_CONTENT is granted or the message is a DM or mentions the bot, as on Discord.
    pub fn user_sends(&self, user: u64, channel: u64, content: &str) -> u64 {
        let mut st = self.inner.st();
        let id = next_id(&mut st);
        let m = DiscordMessage {
            id,
            channel_id: channel,
            author: user,
            content: content.to_owned(),
            embeds: Vec::new(),
            components: Vec::new(),
            attachments: Vec::new(),
            flags: 0,
            interaction: None,
            ephemeral_to: None,
            edits: 0,
            deleted: false,
        };
        let in_guild = st.channels.get(&channel).and_then(|c| c.guild);
        let intents = st.session.as_ref().map_or(0, |s| s.intents);
        let wanted =
            if in_guild.is_some() { INTENT_GUILD_MESSAGES } else { INTENT_DIRECT_MESSAGES };
        let mut payload = message_json(&st, &m);
        let mentions_bot = content.contains(&format!("<@{APPLICATION_ID}>"));
        if in_guild.is_some() && intents & INTENT_MESSAGE_CONTENT == 0 && !mentions_bot {
            payload["content"] = json!("");
            payload["embeds"] = json!([]);
            payload["components"] = json!([]);
        }
        if let Some(g) = in_guild {
            payload["guild_id"] = json!(g.to_string());
            let mut member = member_json(&st, user);
            if let Some(o) = member.as_object_mut() {
                o.remove("user");
            }
            payload["member"] = member;
        }
        st.messages.push(m);
        if intents & wanted != 0 {
            dispatch(&mut st, "MESSAGE_CREATE", payload);
        }
        drop(st);
        self.inner.changed.notify_waiters();
        id
    }

    /// Waits for the bot's initial response to `i`.
    pub async fn wait_response(&self, i: &InteractionRef, timeout: Duration) -> Response {
        let id = i.id;
        self.wait_until(timeout, &format!("a response to interaction {id}"), |st| {
            st.interactions.iter().any(|x| x.r.id == id && x.response.is_some())
        })
        .await;
        let st = self.inner.st();
        st.interactions
            .iter()
            .find(|x| x.r.id == id)
            .and_then(|x| x.response.clone())
            .expect("waited for it")
    }

    /// Waits for the reply to `i`: its initial response and, when that defers a message, the
    /// edit or follow-up that fills it.
    pub async fn wait_reply(&self, i: &InteractionRef, timeout: Duration) -> Reply {
        let response = self.wait_response(i, timeout).await;
        if response.kind == 5 {
            let id = i.id;
            self.wait_until(timeout, &format!("the deferred reply to interaction {id}"), |st| {
                st.interactions
                    .iter()
                    .find(|x| x.r.id == id)
                    .and_then(|x| x.original)
                    .and_then(|m| st.messages.iter().find(|msg| msg.id == m))
                    .is_some_and(|m| !m.is_loading())
            })
            .await;
        }
        self.reply(i)
    }

    /// The reply to `i` as it stands now.
    #[must_use]
    pub fn reply(&self, i: &InteractionRef) -> Reply {
        let st = self.inner.st();
        let x =
            st.interactions.iter().find(|x| x.r.id == i.id).expect("an interaction the fake sent");
        let find = |id: u64| st.messages.iter().find(|m| m.id == id).cloned();
        Reply {
            interaction: i.clone(),
            response: x.response.clone().unwrap_or(Response {
                kind: 0,
                data: Value::Null,
                after: Duration::ZERO,
            }),
            message: x.original.and_then(find),
            followups: x.followups.iter().copied().filter_map(find).collect(),
        }
    }

    /// Runs a slash command and returns the bot's reply (see [`Self::wait_reply`]).
    pub async fn interaction_command(
        &self,
        user: u64,
        channel: u64,
        command: &str,
        options: Value,
    ) -> Reply {
        let i = self.send_command(user, channel, command, options);
        self.wait_reply(&i, Duration::from_secs(20)).await
    }

    /// Presses a button and returns the bot's reply.
    pub async fn interaction_press(&self, user: u64, label: &str) -> Reply {
        let i = self.press(user, label).unwrap_or_else(|e| panic!("{e}"));
        self.wait_reply(&i, Duration::from_secs(20)).await
    }

    /// Picks from a select menu and returns the bot's reply.
    pub async fn interaction_choose(&self, user: u64, labels: &[&str]) -> Reply {
        let i = self.choose(user, labels).unwrap_or_else(|e| panic!("{e}"));
        self.wait_reply(&i, Duration::from_secs(20)).await
    }

    /// Submits the modal shown in answer to `shown_by` and returns the bot's reply.
    pub async fn interaction_submit(
        &self,
        shown_by: &InteractionRef,
        values: &[(&str, &str)],
    ) -> Reply {
        let i = self.submit_modal(shown_by, values).unwrap_or_else(|e| panic!("{e}"));
        self.wait_reply(&i, Duration::from_secs(20)).await
    }

    /// Types in an autocompleted option and returns the choices the bot offered.
    pub async fn interaction_autocomplete(
        &self,
        user: u64,
        channel: u64,
        command: &str,
        options: Value,
    ) -> Vec<(String, String)> {
        let i = self.send_autocomplete(user, channel, command, options);
        self.wait_reply(&i, Duration::from_secs(20)).await.choices()
    }

    // -----------------------------------------------------------------------------------------
    // What the bot did.

    /// Messages in `channel`, oldest first, deleted ones included (see `deleted`).
    #[must_use]
    pub fn messages_in(&self, channel: u64) -> Vec<DiscordMessage> {
        self.inner.st().messages.iter().filter(|m| m.channel_id == channel).cloned().collect()
    }

    /// The bot's messages in the DM channel with `user`, oldest first.
    #[must_use]
    pub fn dms_to(&self, user: u64) -> Vec<DiscordMessage> {
        let st = self.inner.st();
        let Some(ch) = st.dm_channels.get(&user).copied() else { return Vec::new() };
        st.messages
            .iter()
            .filter(|m| m.channel_id == ch && m.author == APPLICATION_ID && !m.deleted)
            .cloned()
            .collect()
    }

    #[must_use]
    pub fn message(&self, id: u64) -> Option<DiscordMessage> {
        self.inner.st().messages.iter().find(|m| m.id == id).cloned()
    }

    /// Waits until a message of the bot that `user` can see satisfies `pred`, newest first.
    pub async fn wait_for(
        &self,
        user: u64,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&DiscordMessage) -> bool,
    ) -> DiscordMessage {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            {
                let st = self.inner.st();
                if let Some(m) =
                    visible(&st, user).rev().find(|m| m.author == APPLICATION_ID && pred(m))
                {
                    return m.clone();
                }
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let st = self.inner.st();
                let got: Vec<String> = visible(&st, user).map(DiscordMessage::text).collect();
                panic!("user {user} never saw {what} within {timeout:?}; saw: {got:#?}");
            }
        }
    }

    /// Waits for a DM to `user` whose text contains `needle`.
    pub async fn wait_for_dm(&self, user: u64, needle: &str) -> DiscordMessage {
        let wanted = needle.to_owned();
        let dm = self.dm_channel(user);
        self.wait_for(user, Duration::from_secs(20), needle, move |m| {
            m.channel_id == dm && m.text().contains(&wanted)
        })
        .await
    }

    /// The application commands registered in a scope: `None` global, `Some(guild)`.
    #[must_use]
    pub fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        self.inner.st().commands.get(&guild).cloned().unwrap_or_default()
    }

    /// REST calls whose method and path (after `/api/v10`) start with `prefix`, e.g.
    /// `"POST /interactions/"`.
    #[must_use]
    pub fn calls(&self, prefix: &str) -> Vec<Call> {
        self.inner
            .st()
            .calls
            .iter()
            .filter(|c| format!("{} {}", c.method, c.path).starts_with(prefix))
            .cloned()
            .collect()
    }

    #[must_use]
    pub fn refused(&self) -> Vec<Refusal> {
        self.inner.st().refused.clone()
    }

    /// How often the bot was told `user`'s DMs are closed.
    #[must_use]
    pub fn dms_refused(&self, user: u64) -> u32 {
        self.inner.st().dms_refused.get(&user).copied().unwrap_or(0)
    }

    /// Initial responses the bot gave to `i` (the accepted one; refused ones are in `refused`).
    #[must_use]
    pub fn response(&self, i: &InteractionRef) -> Option<Response> {
        self.inner
            .st()
            .interactions
            .iter()
            .find(|x| x.r.id == i.id)
            .and_then(|x| x.response.clone())
    }

    /// How fast the bot acknowledged and answered `i` so far.
    #[must_use]
    pub fn timing(&self, i: &InteractionRef) -> Timing {
        let st = self.inner.st();
        st.by_id.get(&i.id).and_then(|&n| st.interactions.get(n)).map_or(
            Timing { kind: i.kind, ack: None, answered: None },
            |x| Timing {
                kind: x.r.kind,
                ack: x.response.as_ref().map(|r| r.after),
                answered: x.answered,
            },
        )
    }

    /// The timing of every interaction sent, in order.
    #[must_use]
    pub fn timings(&self) -> Vec<Timing> {
        let st = self.inner.st();
        st.interactions
            .iter()
            .map(|x| Timing {
                kind: x.r.kind,
                ack: x.response.as_ref().map(|r| r.after),
                answered: x.answered,
            })
            .collect()
    }

    /// Interactions sent and not answered, and deferred replies never filled.
    #[must_use]
    pub fn unanswered(&self) -> Vec<String> {
        let st = self.inner.st();
        st.interactions
            .iter()
            .filter_map(|x| {
                if x.response.is_none() {
                    return Some(format!("{} {:?} never answered", x.r.id, x.name));
                }
                let loading = x
                    .original
                    .and_then(|m| st.messages.iter().find(|msg| msg.id == m))
                    .is_some_and(|m| m.is_loading() && !m.deleted);
                loading.then(|| format!("{} {:?} deferred and never filled", x.r.id, x.name))
            })
            .collect()
    }

    /// Panics with the details if the bot made any call Discord would have refused, or left an
    /// interaction unanswered: what every test checks at its end.
    pub fn assert_clean(&self) {
        let refused = self.refused();
        assert!(refused.is_empty(), "Discord would have refused: {refused:#?}");
        let unanswered = self.unanswered();
        assert!(unanswered.is_empty(), "interactions left hanging: {unanswered:#?}");
    }

    async fn wait_until(&self, timeout: Duration, what: &str, pred: impl Fn(&St) -> bool) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let changed = self.inner.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if pred(&self.inner.st()) {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                let refused = self.refused();
                panic!("{what}: not within {timeout:?}; refused so far: {refused:#?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shared helpers of the REST and gateway sides.

fn next_id(st: &mut St) -> u64 {
    st.next_id += 1;
    st.next_id
}

fn dm_channel(st: &mut St, user: u64) -> u64 {
    if let Some(c) = st.dm_channels.get(&user) {
        return *c;
    }
    let id = next_id(st);
    st.channels.insert(id, Channel { guild: None, name: String::new(), recipient: Some(user) });
    st.dm_channels.insert(user, id);
    id
}

/// Messages `user` can see: their DMs and the guild's channels, ephemeral ones only their own.
fn visible(st: &St, user: u64) -> impl DoubleEndedIterator<Item = &DiscordMessage> {
    let dm = st.dm_channels.get(&user).copied();
    st.messages.iter().filter(move |m| {
        let ch = st.channels.get(&m.channel_id);
        let reachable = Some(m.channel_id) == dm || ch.is_some_and(|c| c.guild.is_some());
        reachable && !m.deleted && m.ephemeral_to.is_none_or(|u| u == user)
    })
}

/// Appends a dispatch to the session and wakes the connection that delivers it.
fn dispatch(st: &mut St, event: &str, data: Value) {
    if let Some(s) = st.session.as_mut() {
        let seq = s.log.len() as u64 + 1;
        s.log.push(Dispatch { seq, event: event.to_owned(), data });
    } else {
        panic!("the bot has no gateway session: wait_ready before people act");
    }
}

fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(d.as_secs()).unwrap_or(0);
    chrono::DateTime::from_timestamp(secs, d.subsec_nanos())
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

fn bot_user_json() -> Value {
    json!({
        "id": APPLICATION_ID.to_string(), "username": "flowstage", "discriminator": "0000",
        "global_name": BOT_USERNAME, "avatar": null, "bot": true, "system": false,
        "public_flags": 0, "flags": 0, "banner": null, "accent_color": null,
        "avatar_decoration_data": null,
    })
}

fn user_json(st: &St, user: u64) -> Value {
    if user == APPLICATION_ID {
        return bot_user_json();
    }
    let name = st.people.get(&user).map_or_else(|| format!("user{user}"), |p| p.name.clone());
    json!({
        "id": user.to_string(), "username": name.to_lowercase().replace(' ', "_"),
        "discriminator": "0", "global_name": name, "avatar": null, "bot": false,
        "public_flags": 0, "flags": 0, "banner": null, "accent_color": null,
        "avatar_decoration_data": null,
    })
}

fn member_json(st: &St, user: u64) -> Value {
    let p = st.people.get(&user);
    let roles: Vec<String> =
        p.map(|p| p.roles.iter().map(u64::to_string).collect()).unwrap_or_default();
    json!({
        "user": user_json(st, user), "nick": null, "avatar": null, "banner": null,
        "roles": roles, "joined_at": "2026-01-05T10:00:00.000000+00:00", "premium_since": null,
        "deaf": false, "mute": false, "flags": 0, "pending": false,
        "permissions": p.map_or(0, |p| p.permissions).to_string(),
        "communication_disabled_until": null, "avatar_decoration_data": null,
    })
}

fn channel_json(st: &St, id: u64) -> Value {
    match st.channels.get(&id) {
        Some(Channel { guild: Some(g), name, .. }) => json!({
            "id": id.to_string(), "type": 0, "guild_id": g.to_string(), "name": name,
            "position": 0, "permission_overwrites": [], "nsfw": false, "topic": null,
            "last_message_id": null, "parent_id": null, "rate_limit_per_user": 0, "flags": 0,
            "permissions": "2248473465835073",
        }),
        Some(Channel { recipient, .. }) => json!({
            "id": id.to_string(), "type": 1, "last_message_id": null, "flags": 0,
            "recipients": [user_json(st, recipient.unwrap_or_default())],
        }),
        None => json!({"id": id.to_string(), "type": 0, "name": "unknown"}),
    }
}

/// The Message object Discord returns and dispatches.
fn message_json(st: &St, m: &DiscordMessage) -> Value {
    let attachments: Vec<Value> = m
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let url = format!(
                "https://cdn.discordapp.com/attachments/{}/{}/{}",
                m.channel_id,
                m.id + i as u64,
                a.filename
            );
            json!({
                "id": (m.id + i as u64).to_string(), "filename": a.filename, "size": a.bytes.len(),
                "url": url, "proxy_url": url, "content_type": a.content_type,
            })
        })
        .collect();
    let mut v = json!({
        "id": m.id.to_string(), "channel_id": m.channel_id.to_string(),
        "author": user_json(st, m.author), "content": m.content,
        "timestamp": timestamp(SystemTime::now()),
        "edited_timestamp": if m.edits > 0 { json!(timestamp(SystemTime::now())) } else { Value::Null },
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": attachments, "embeds": m.embeds, "components": m.components,
        "pinned": false, "type": if m.interaction.is_some() { 20 } else { 0 },
        "flags": m.flags,
    });
    if m.author == APPLICATION_ID {
        v["application_id"] = json!(APPLICATION_ID.to_string());
        if m.interaction.is_some() {
            v["webhook_id"] = json!(APPLICATION_ID.to_string());
        }
    }
    v
}

fn find_command(st: &St, channel: u64, name: &str) -> (Value, Option<u64>) {
    let guild = st.channels.get(&channel).and_then(|c| c.guild);
    let scopes = [guild, None];
    for scope in scopes {
        if scope.is_none()
            && guild.is_some()
            && st.commands.get(&guild).is_some_and(|l| l.iter().any(|c| c["name"] == name))
        {
            continue;
        }
        if let Some(c) =
            st.commands.get(&scope).into_iter().flatten().find(|c| {
                c["name"] == name && c.get("type").and_then(Value::as_u64).unwrap_or(1) == 1
            })
        {
            return (c.clone(), scope);
        }
    }
    panic!("/{name} is not registered for channel {channel}: Discord's client cannot send it");
}

/// The options as Discord's client sends them, typed from the command's definition.
fn typed_options(def: &Value, given: &Value, autocomplete: bool, path: &str) -> Value {
    let defs = def.get("options").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for o in given.as_array().into_iter().flatten() {
        let name = str_of(o.get("name"));
        let Some(d) = defs.iter().find(|d| d["name"] == name.as_str()) else {
            panic!("/{path} has no option {name:?}");
        };
        let kind = d.get("type").and_then(Value::as_u64).unwrap_or(3);
        let mut x = json!({"name": name, "type": kind});
        if matches!(kind, 1 | 2) {
            x["options"] = typed_options(
                d,
                o.get("options").unwrap_or(&json!([])),
                autocomplete,
                &format!("{path} {name}"),
            );
        } else {
            let focused = o.get("focused").and_then(Value::as_bool).unwrap_or(false);
            let value = o.get("value").cloned().unwrap_or(Value::Null);
            if focused {
                x["focused"] = json!(true);
                assert!(
                    d.get("autocomplete").and_then(Value::as_bool) == Some(true),
                    "/{path} {name} has no autocomplete"
                );
            } else {
                check_value(d, &value, &format!("/{path} {name}"));
            }
            x["value"] = value;
        }
        out.push(x);
    }
    if !autocomplete {
        for d in &defs {
            let required = d.get("required").and_then(Value::as_bool).unwrap_or(false);
            if required && !out.iter().any(|o| o["name"] == d["name"]) {
                panic!("/{path} requires the option {}", d["name"]);
            }
        }
    }
    Value::Array(out)
}

/// What Discord's client lets a person type into an option.
fn check_value(d: &Value, v: &Value, what: &str) {
    let kind = d.get("type").and_then(Value::as_u64).unwrap_or(3);
    let ok = match kind {
        3 => v.as_str().is_some_and(|s| {
            let n = s.chars().count() as u64;
            n >= d.get("min_length").and_then(Value::as_u64).unwrap_or(0)
                && n <= d.get("max_length").and_then(Value::as_u64).unwrap_or(6000)
        }),
        4 | 10 => v.as_f64().is_some_and(|x| {
            (kind == 10 || v.is_i64() || v.is_u64())
                && d.get("min_value").and_then(Value::as_f64).is_none_or(|m| x >= m)
                && d.get("max_value").and_then(Value::as_f64).is_none_or(|m| x <= m)
        }),
        5 => v.is_boolean(),
        6..=9 | 11 => v.as_str().is_some_and(|s| s.parse::<u64>().is_ok()),
        _ => false,
    };
    assert!(ok, "{what}: Discord's client does not accept {v} for an option of type {kind}");
    if let Some(choices) = d.get("choices").and_then(Value::as_array).filter(|c| !c.is_empty()) {
        assert!(choices.iter().any(|c| c["value"] == *v), "{what}: {v} is not one of the choices");
    }
}

fn new_interaction(
    st: &mut St,
    kind: u8,
    user: u64,
    channel: u64,
    name: &str,
    source: Option<u64>,
    data: Value,
) -> InteractionRef {
    let id = next_id(st);
    let token =
        format!("aW50ZXJhY3Rpb246{id}:fake-{}", id.wrapping_mul(2_654_435_761) % 1_000_000_007);
    let r = InteractionRef { id, token: token.clone(), kind, user };
    let guild = st.channels.get(&channel).and_then(|c| c.guild);
    let locale = st.people.get(&user).map_or_else(|| "fr".to_owned(), |p| p.locale.clone());
    let mut v = json!({
        "id": id.to_string(), "application_id": APPLICATION_ID.to_string(), "type": kind,
        "data": data, "channel_id": channel.to_string(), "channel": channel_json(st, channel),
        "token": token, "version": 1, "app_permissions": "2248473465835073", "locale": locale,
        "entitlements": [], "attachment_size_limit": 10_485_760,
    });
    match guild {
        Some(g) => {
            v["guild_id"] = json!(g.to_string());
            v["guild_locale"] = json!("fr");
            v["member"] = member_json(st, user);
            v["context"] = json!(0);
            v["authorizing_integration_owners"] = json!({"0": g.to_string()});
        }
        None => {
            v["user"] = user_json(st, user);
            v["context"] = json!(1);
            v["authorizing_integration_owners"] = json!({"0": "0"});
        }
    }
    if let Some(m) = source.and_then(|m| st.messages.iter().find(|x| x.id == m)) {
        v["message"] = message_json(st, m);
    }
    st.interactions.push(Interaction {
        r: r.clone(),
        channel,
        created: Instant::now(),
        name: name.to_owned(),
        source,
        response: None,
        original: None,
        followups: Vec::new(),
        answered: None,
    });
    st.by_id.insert(id, st.interactions.len() - 1);
    dispatch(st, "INTERACTION_CREATE", v);
    r
}
