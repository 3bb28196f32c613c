//! The Discord front-end (issue 10): it only translates. A serenity gateway client receives
//! slash commands, button presses and direct messages; each is acknowledged at once (Discord
//! wants an answer within 3 s), then handled in order per person by the engine, whose neutral
//! replies become follow-ups, edits of the pressed message or direct messages. The outbox reaches
//! people by direct message; a person whose DMs are closed is marked unreachable and told in the
//! server the next time they act there.

mod commands;
mod render;
mod rest;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use flowstage_core::config::{Admins, DiscordConfig, Rules};
use flowstage_core::conversation::{Engine, Incoming, Origin, Placement, Reply, Speaker};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::{AccountId, Lang};
use flowstage_core::notify::Event;
use flowstage_core::store::{Singleton, Store};
use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, ChannelId, Client, ClientBuilder, CommandInteraction, ComponentInteraction,
    ComponentInteractionDataKind, Context, CreateAttachment, EventHandler, GatewayIntents, GuildId,
    HttpBuilder, Interaction, InteractionId, Member, Message, Ready, User,
};
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};
use tokio::sync::watch;

use self::render::Outgoing;
use self::rest::{Rest, RestError};
use crate::frontend::deliver::{Deliverer, DeliveryError, Outlet, Recipient};
use crate::frontend::dispatch::{Dispatcher, Handler};
use crate::frontend::reach::Reachability;
use crate::frontend::words;

/// A person's worker stops after this long without updates.
const PERSON_IDLE: Duration = Duration::from_secs(60);
/// How long start-up waits for Discord to accept the token.
const STARTUP_WAIT: Duration = Duration::from_secs(8);
/// The outbox looks again this often when nothing waits.
const OUTBOX_IDLE: Duration = Duration::from_millis(500);
/// How often an instance that does not run the gateway asks to, and how often the one that
/// does checks it still may: a dead owner is replaced within about this long.
const OWN_EVERY: Duration = Duration::from_secs(2);
const EPHEMERAL: u64 = 64;

/// Where the answer to one event goes.
#[derive(Debug, Clone)]
enum Answer {
    /// An acknowledged interaction: its token serves follow-ups and edits for 15 minutes.
    Interaction {
        application: ApplicationId,
        token: String,
        /// In a server channel: what concerns one person is shown to them only.
        ephemeral: bool,
        /// A button press acknowledged with a deferred update: `@original` is the pressed
        /// message. A slash command was deferred with "thinking…", filled by the first follow-up.
        pressed: bool,
    },
    /// A direct message: answered in the same DM channel.
    Dm { channel: u64 },
}

/// One event of one person, acknowledged already.
#[derive(Debug)]
struct Work {
    user: User,
    locale: String,
    is_admin: bool,
    /// Acted in a server channel (not a DM).
    in_guild: bool,
    /// That server channel: a place a venue's team may share (see the core's `team.rs`).
    place: Option<u64>,
    incoming: Incoming,
    answer: Answer,
}

/// The running front-end.
pub struct Discord {
    rest: Rest,
    engine: Arc<Engine>,
    store: Store,
    rules: Rules,
    admin_ids: HashSet<u64>,
    admin_role: Option<u64>,
    guild: Option<u64>,
    people: Arc<Dispatcher<u64, Work>>,
    reach: Reachability,
    /// Each person's DM channel, once opened.
    dm_channels: Mutex<HashMap<u64, u64>>,
    /// People told in the server, during this run, that their DMs are closed.
    told_closed: Mutex<HashSet<u64>>,
    /// The commands are registered once a run, on the first READY.
    registered: OnceLock<()>,
    /// Itself, for the gateway handler to queue work.
    me: OnceLock<std::sync::Weak<Discord>>,
}

impl std::fmt::Debug for Discord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discord").finish_non_exhaustive()
    }
}

/// What serenity puts in place of `https://discord.com`: `DISCORD_API_URL` may name the API's
/// root with or without its `/api` (or `/api/v10`) path.
fn proxy_of(api_url: &str) -> String {
    let url = api_url.trim_end_matches('/');
    let url = url.strip_suffix("/v10").unwrap_or(url);
    url.strip_suffix("/api").unwrap_or(url).to_owned()
}

/// Runs the gateway while this instance owns it (`Singleton::DiscordGateway`: one session for
/// all the instances sharing a database, or each interaction would be handled twice); stands by
/// otherwise, and takes over within seconds when the owner goes. Returns when told to stop.
async fn run_gateway(dc: Arc<Discord>, config: DiscordConfig, mut shutdown: watch::Receiver<bool>) {
    let pause = |shutdown: &mut watch::Receiver<bool>| {
        let mut shutdown = shutdown.clone();
        async move {
            tokio::select! {
                _ = shutdown.changed() => true,
                () = tokio::time::sleep(OWN_EVERY) => false,
            }
        }
    };
    let mut standing_by = false;
    loop {
        let mut own = match dc.store.try_own(Singleton::DiscordGateway).await {
            Ok(Some(own)) => own,
            Ok(None) => {
                if !standing_by {
                    tracing::info!("another instance runs the Discord gateway: standing by");
                    standing_by = true;
                }
                if pause(&mut shutdown).await {
                    return;
                }
                continue;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not ask for the Discord gateway");
                if pause(&mut shutdown).await {
                    return;
                }
                continue;
            }
        };
        standing_by = false;
        // Direct messages only: interactions come whatever the intents, and no privileged
        // intent (message content in servers) is needed.
        let intents = GatewayIntents::DIRECT_MESSAGES;
        let mut client: Client = match ClientBuilder::new_with_http(http(&config), intents)
            .event_handler(Events(dc.clone()))
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "the Discord client could not be built");
                if pause(&mut shutdown).await {
                    return;
                }
                continue;
            }
        };
        tracing::info!("this instance runs the Discord gateway");
        let shards = client.shard_manager.clone();
        let mut running = tokio::spawn(async move {
            if let Err(e) = client.start().await {
                tracing::error!(error = %e, "the Discord gateway stopped");
            }
        });
        loop {
            tokio::select! {
                _ = shutdown.changed() => {
                    shards.shutdown_all().await;
                    let _ = running.await;
                    return;
                }
                _ = &mut running => break,
                () = tokio::time::sleep(OWN_EVERY) => {
                    if !own.still_held().await {
                        tracing::warn!("the Discord gateway's lock was lost with its database connection: stopping it here");
                        shards.shutdown_all().await;
                        let _ = running.await;
                        break;
                    }
                }
            }
        }
        drop(own);
        if pause(&mut shutdown).await {
            return;
        }
    }
}

fn http(config: &DiscordConfig) -> serenity::http::Http {
    // serenity's rate limiter ignores the proxy: we pace ourselves (see `rest`).
    HttpBuilder::new(config.token.expose())
        .proxy(proxy_of(&config.api_url))
        .ratelimiter_disabled(true)
        .build()
}

/// Starts the front-end: checks the token, connects to the gateway (commands are registered on
/// READY) and runs the outbox delivery worker; everything stops when `shutdown` turns true.
pub async fn start(
    config: &DiscordConfig,
    admins: &Admins,
    rules: Rules,
    store: Store,
    engine: Arc<Engine>,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let dc = Arc::new(Discord {
        rest: Rest::new(Arc::new(http(config))),
        engine,
        store: store.clone(),
        rules,
        admin_ids: admins.discord_ids.iter().copied().collect(),
        admin_role: admins.discord_role,
        guild: config.guild_id,
        people: Arc::new(Dispatcher::new(PERSON_IDLE)),
        reach: Reachability::new(store, Platform::Discord),
        dm_channels: Mutex::new(HashMap::new()),
        told_closed: Mutex::new(HashSet::new()),
        registered: OnceLock::new(),
        me: OnceLock::new(),
    });
    let _ = dc.me.set(Arc::downgrade(&dc));
    let me = dc.rest.call("GET /users/@me", || Request::new(Route::UserMe, LightMethod::Get));
    match tokio::time::timeout(STARTUP_WAIT, me).await {
        Ok(Ok(_)) => tracing::info!("Discord front-end starting"),
        Ok(Err(RestError::Refused { status: 401 | 403, .. })) => {
            anyhow::bail!("DISCORD_TOKEN was refused by Discord")
        }
        Ok(Err(e)) => tracing::warn!(error = %e, "Discord unreachable at start-up; retrying"),
        Err(_) => tracing::warn!("Discord unreachable at start-up; retrying"),
    }
    let gateway = tokio::spawn(run_gateway(dc.clone(), config.clone(), shutdown.clone()));
    let stopper = {
        let dc = dc.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _ = shutdown.changed().await;
            let _ = gateway.await;
            dc.people.drain(Duration::from_secs(8)).await;
        })
    };
    let outbox = tokio::spawn(async move {
        let deliverer = Deliverer::new(dc.store.clone(), dc.rules.clone(), dc.clone());
        deliverer.run(OUTBOX_IDLE, shutdown).await;
    });
    Ok(vec![stopper, outbox])
}

/// serenity's event handler: acknowledges and queues.
struct Events(Arc<Discord>);

#[serenity::async_trait]
impl EventHandler for Events {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        if self.0.registered.get().is_none() {
            self.0.register(ready.application.id).await;
        }
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(c) => self.0.on_command(c).await,
            Interaction::Autocomplete(c) => self.0.on_autocomplete(c).await,
            Interaction::Component(c) => self.0.on_component(c).await,
            _ => {}
        }
    }

    async fn message(&self, _ctx: Context, m: Message) {
        self.0.on_message(m);
    }
}

/// The language of an interaction's locale: French for `fr`, English for any other (Discord
/// has no locale we do not speak otherwise).
fn lang_of(locale: &str) -> Lang {
    if locale == "fr" || locale.starts_with("fr-") { Lang::Fr } else { Lang::En }
}

impl Discord {
    fn arc(&self) -> Option<Arc<Discord>> {
        self.me.get().and_then(std::sync::Weak::upgrade)
    }

    /// Registers the slash commands in the configured server (at once) or globally.
    async fn register(&self, app: ApplicationId) {
        let defs = Value::Array(commands::definitions());
        let result = match self.guild {
            Some(g) => {
                let guild_id = GuildId::new(g);
                // For operators: REST calls are named for the logs.
                self.rest
                    .call("PUT guild commands", || {
                        rest::json(
                            Route::GuildCommands { application_id: app, guild_id },
                            LightMethod::Put,
                            &defs,
                        )
                    })
                    .await
            }
            None => {
                self.rest
                    .call("PUT commands", || {
                        rest::json(Route::Commands { application_id: app }, LightMethod::Put, &defs)
                    })
                    .await
            }
        };
        match result {
            Ok(_) => {
                let _ = self.registered.set(());
                tracing::info!(guild = ?self.guild, "Discord slash commands registered");
            }
            Err(e) => tracing::warn!(error = %e, "registering the slash commands failed"),
        }
    }

    fn is_admin(&self, user: &User, member: Option<&Member>) -> bool {
        self.admin_ids.contains(&user.id.get())
            || self
                .admin_role
                .is_some_and(|r| member.is_some_and(|m| m.roles.iter().any(|x| x.get() == r)))
    }

    /// The initial response: within 3 s, whatever the queue holds.
    async fn acknowledge(&self, id: InteractionId, token: &str, body: &Value) -> bool {
        let key = format!("callback {id}");
        let result = self
            .rest
            .call(&key, || {
                rest::json(
                    Route::InteractionResponse { interaction_id: id, token },
                    LightMethod::Post,
                    body,
                )
            })
            .await;
        if let Err(e) = &result {
            tracing::warn!(error = %e, "an interaction could not be acknowledged");
        }
        result.is_ok()
    }

    async fn on_command(&self, c: CommandInteraction) {
        let in_guild = c.guild_id.is_some();
        let data = if in_guild { json!({"flags": EPHEMERAL}) } else { json!({}) };
        if !self.acknowledge(c.id, &c.token, &json!({"type": 5, "data": data})).await {
            return;
        }
        let name = c.data.name.clone();
        let args = commands::args_of(&name, &c.data.options);
        let work = Work {
            is_admin: self.is_admin(&c.user, c.member.as_deref()),
            user: c.user,
            locale: c.locale,
            in_guild,
            place: in_guild.then_some(c.channel_id.get()),
            incoming: Incoming::Command { name, args },
            answer: Answer::Interaction {
                application: c.application_id,
                token: c.token,
                ephemeral: in_guild,
                pressed: false,
            },
        };
        self.queue(work);
    }

    /// Choices for an option being typed, from the core's taxonomy: answered at once, since
    /// Discord waits for them while the person types.
    async fn on_autocomplete(&self, c: CommandInteraction) {
        let choices = commands::autocomplete(&c.data.name, &c.data.options, lang_of(&c.locale));
        self.acknowledge(c.id, &c.token, &json!({"type": 8, "data": {"choices": choices}})).await;
    }

    async fn on_component(&self, c: ComponentInteraction) {
        // A select menu's chosen value is the engine's payload, as a button's `custom_id` is.
        let payload = match &c.data.kind {
            ComponentInteractionDataKind::StringSelect { values } => values.first().cloned(),
            ComponentInteractionDataKind::Button => Some(c.data.custom_id.clone()),
            _ => None,
        };
        if !self.acknowledge(c.id, &c.token, &json!({"type": 6})).await {
            return;
        }
        let Some(payload) = payload else { return };
        let in_guild = c.guild_id.is_some();
        let work = Work {
            is_admin: self.is_admin(&c.user, c.member.as_ref()),
            user: c.user,
            locale: c.locale,
            in_guild,
            place: in_guild.then_some(c.channel_id.get()),
            incoming: Incoming::Button(payload),
            answer: Answer::Interaction {
                application: c.application_id,
                token: c.token,
                ephemeral: in_guild,
                pressed: true,
            },
        };
        self.queue(work);
    }

    fn on_message(&self, m: Message) {
        // Flow Stage talks in direct messages; server messages are for slash commands.
        if m.author.bot || m.guild_id.is_some() {
            return;
        }
        let channel = m.channel_id.get();
        self.dm_channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(m.author.id.get(), channel);
        let work = Work {
            is_admin: self.is_admin(&m.author, None),
            locale: String::new(),
            user: m.author,
            in_guild: false,
            place: None,
            incoming: Incoming::from_line(&m.content),
            answer: Answer::Dm { channel },
        };
        self.queue(work);
    }

    fn queue(&self, work: Work) {
        if let Some(me) = self.arc() {
            self.people.dispatch(&me, work.user.id.get(), work);
        }
    }

    #[tracing::instrument(skip_all, fields(platform = "discord", account))]
    async fn handle_work(&self, work: Work) {
        let user_id = work.user.id.get();
        // An interaction says the language the person's client shows; a DM says none.
        let locale = (!work.locale.is_empty()).then(|| lang_of(&work.locale));
        let lang = locale.unwrap_or(Lang::Fr);
        let speaker = Speaker {
            identity: Identity { platform: Platform::Discord, external_id: user_id.to_string() },
            display_name: work.user.global_name.clone().unwrap_or_else(|| work.user.name.clone()),
            lang,
            is_admin: work.is_admin,
        };
        let mut reply_lang = lang;
        let origin =
            Origin { lang: locale, place: work.place.map(|c| c.to_string()), ..Origin::default() };
        let mut replies = match self.engine.handle_in(&speaker, work.incoming, &origin).await {
            Ok(outcome) => {
                reply_lang = outcome.lang;
                tracing::Span::current().record("account", outcome.account.0);
                let mut replies = outcome.replies;
                if work.in_guild {
                    if let Some(note) = self.dms_closed_note(user_id, outcome.account).await {
                        replies.push(Reply::new().text(words(outcome.lang, note, &[])));
                    }
                } else {
                    self.reach.heard_from(&user_id.to_string(), outcome.account).await;
                }
                replies
            }
            Err(e) => {
                tracing::error!(error = %e, "the conversation could not be loaded or saved");
                vec![Reply::new().text(words(lang, "frontend-sorry", &[]))]
            }
        };
        if let Err(e) = self.answer(&work.answer, &mut replies, reply_lang).await {
            tracing::warn!(error = %e, "answering on Discord failed");
        }
    }

    /// The note for a person whose DMs are closed, once a run, when they act in the server.
    async fn dms_closed_note(&self, user: u64, account: AccountId) -> Option<&'static str> {
        let external = user.to_string();
        let marked = self.reach.is_unreachable(&external)
            || self.store.identities(account).await.is_ok_and(|ids| {
                ids.iter().any(|(id, reachable)| {
                    id.platform == Platform::Discord && id.external_id == external && !reachable
                })
            });
        let first =
            marked && self.told_closed.lock().unwrap_or_else(PoisonError::into_inner).insert(user);
        first.then_some("frontend-discord-dms-closed")
    }

    /// Sends the replies where the event asks.
    async fn answer(
        &self,
        to: &Answer,
        replies: &mut [Reply],
        lang: Lang,
    ) -> Result<(), RestError> {
        match to {
            Answer::Dm { channel } => {
                for reply in replies.iter() {
                    self.send_to_channel(*channel, reply, lang).await?;
                }
                Ok(())
            }
            Answer::Interaction { application, token, ephemeral, pressed } => {
                let mut sent = 0;
                for (i, reply) in replies.iter().enumerate() {
                    let messages = render::render(reply, lang);
                    for (j, m) in messages.iter().enumerate() {
                        let replace = *pressed
                            && i == 0
                            && j == 0
                            && reply.placement == Placement::ReplacePressed;
                        if replace {
                            self.edit_original(*application, token, m).await?;
                        } else {
                            self.follow_up(*application, token, &m.body(*ephemeral)).await?;
                        }
                        sent += 1;
                    }
                    for a in &reply.attachments {
                        let body = json!({
                            "attachments": [{"id": 0, "filename": a.file_name}],
                            "allowed_mentions": {"parse": []},
                        });
                        let mut body = body;
                        if *ephemeral {
                            body["flags"] = json!(EPHEMERAL);
                        }
                        let route =
                            Route::WebhookFollowupMessages { application_id: *application, token };
                        self.rest
                            .call(&format!("webhook {token}"), || with_file(route, &body, a))
                            .await?;
                        sent += 1;
                    }
                }
                if sent == 0 && !*pressed {
                    // Nothing to say: "thinking…" must not stay.
                    let route = Route::WebhookOriginalInteractionResponse {
                        application_id: *application,
                        token,
                    };
                    self.rest
                        .call(&format!("webhook {token}"), || {
                            Request::new(route, LightMethod::Delete)
                        })
                        .await?;
                }
                Ok(())
            }
        }
    }

    async fn follow_up(
        &self,
        app: ApplicationId,
        token: &str,
        body: &Value,
    ) -> Result<(), RestError> {
        let route = Route::WebhookFollowupMessages { application_id: app, token };
        self.rest
            .call(&format!("webhook {token}"), || rest::json(route, LightMethod::Post, body))
            .await
            .map(|_| ())
    }

    async fn edit_original(
        &self,
        app: ApplicationId,
        token: &str,
        m: &Outgoing,
    ) -> Result<(), RestError> {
        let route = Route::WebhookOriginalInteractionResponse { application_id: app, token };
        let body = json!({"content": m.content, "components": m.components, "allowed_mentions": {"parse": []}});
        self.rest
            .call(&format!("webhook {token}"), || rest::json(route, LightMethod::Patch, &body))
            .await
            .map(|_| ())
    }

    /// Sends a reply as messages in a channel (a DM).
    async fn send_to_channel(
        &self,
        channel: u64,
        reply: &Reply,
        lang: Lang,
    ) -> Result<(), RestError> {
        let channel_id = ChannelId::new(channel);
        let key = format!("channel {channel} messages");
        for m in render::render(reply, lang) {
            let body = m.body(false);
            self.rest
                .call(&key, || {
                    rest::json(Route::ChannelMessages { channel_id }, LightMethod::Post, &body)
                })
                .await?;
        }
        for a in &reply.attachments {
            let body = json!({
                "attachments": [{"id": 0, "filename": a.file_name}],
                "allowed_mentions": {"parse": []},
            });
            self.rest
                .call(&key, || with_file(Route::ChannelMessages { channel_id }, &body, a))
                .await?;
        }
        Ok(())
    }

    /// The DM channel with `user`, opened once.
    async fn dm_channel(&self, user: u64) -> Result<u64, RestError> {
        if let Some(c) = self.dm_channels.lock().unwrap_or_else(PoisonError::into_inner).get(&user)
        {
            return Ok(*c);
        }
        let body = json!({"recipient_id": user.to_string()});
        let v = self
            .rest
            .call("POST /users/@me/channels", || {
                rest::json(Route::UserMeDmChannels, LightMethod::Post, &body)
            })
            .await?;
        // For operators: an error for the logs.
        let id = v
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
            .ok_or_else(|| RestError::Unreachable("a DM channel without an id".into()))?;
        self.dm_channels.lock().unwrap_or_else(PoisonError::into_inner).insert(user, id);
        Ok(id)
    }
}

/// A message with one file (multipart: `payload_json` and `files[0]`).
fn with_file<'a>(
    route: Route<'a>,
    body: &Value,
    a: &flowstage_core::conversation::Attachment,
) -> Request<'a> {
    let file = CreateAttachment::bytes(a.bytes.clone(), a.file_name.clone());
    Request::new(route, LightMethod::Post).multipart(Some(Multipart {
        upload: MultipartUpload::Attachments(vec![file]),
        fields: Vec::new(),
        payload_json: Some(body.to_string()),
    }))
}

impl Handler<u64, Work> for Discord {
    type Local = ();

    async fn handle(&self, _user: u64, work: Work, (): &mut ()) {
        self.handle_work(work).await;
    }
}

impl Outlet for Discord {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    async fn send(&self, to: &Recipient, reply: &Reply) -> Result<(), DeliveryError> {
        let Ok(user) = to.identity.external_id.parse::<u64>() else {
            tracing::error!("a Discord identity that is not a number");
            return Err(DeliveryError::Unreachable);
        };
        if self.reach.is_unreachable(&to.identity.external_id) {
            return Err(DeliveryError::Unreachable);
        }
        let lang = self.store.account(to.account).await.map_or(Lang::Fr, |a| a.lang);
        let result = match self.dm_channel(user).await {
            Ok(channel) => self.send_to_channel(channel, reply, lang).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.code() == Some(rest::CANNOT_MESSAGE_USER) => {
                self.reach.refused(&to.identity.external_id).await;
                Err(DeliveryError::Unreachable)
            }
            Err(e) => Err(DeliveryError::Failed(e.to_string())),
        }
    }

    async fn to_team(&self, event: &Event, to: &Recipient, reply: &Reply) {
        let id = match (event.proposal(), event.booking()) {
            (Some(p), _) => p,
            (None, Some(b)) => match self.store.booking(b).await {
                Ok(b) => b.proposal,
                Err(_) => return,
            },
            (None, None) => return,
        };
        let Ok(p) = self.store.proposal(id).await else { return };
        for profile in [p.to_profile, p.from_profile] {
            let Ok(Some(outlet)) = self.store.team_outlet(profile).await else { continue };
            let owned = self.store.profile(profile).await.is_ok_and(|x| x.owner == to.account);
            let channel = outlet.address.parse::<u64>();
            let (true, Platform::Discord, Ok(channel)) = (owned, outlet.platform, channel) else {
                continue;
            };
            let lang = self.store.account(to.account).await.map_or(Lang::Fr, |a| a.lang);
            if let Err(e) = self.send_to_channel(channel, reply, lang).await {
                tracing::warn!(error = %e, "a team channel could not be told");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_api_url_names_the_root_with_or_without_its_path() {
        for url in
            ["https://discord.com", "https://discord.com/api", "https://discord.com/api/v10/"]
        {
            assert_eq!(super::proxy_of(url), "https://discord.com");
        }
        assert_eq!(super::proxy_of("http://127.0.0.1:9/api"), "http://127.0.0.1:9");
    }
}
