//! The Discord front-end (issue 10): it only translates. A serenity gateway client receives
//! slash commands, button presses and direct messages; each is recorded in the stored inbox,
//! then acknowledged (Discord wants an answer within 3 s), then handled in order per person by
//! the engine, whose neutral replies (stored with the step) become follow-ups, edits of the
//! pressed message or direct messages, counted as they go so that a restart sends the rest and
//! nothing twice. The outbox reaches people by direct message; a person whose DMs are closed is
//! marked unreachable and told in the server the next time they act there.

mod commands;
mod render;
mod rest;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use flowstage_core::config::{Admins, DiscordConfig, Rules};
use flowstage_core::conversation::{Engine, Incoming, Origin, Placement, Reply, Speaker};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::{AccountId, InboxId, Lang};
use flowstage_core::notify::Event;
use flowstage_core::store::{Arrival, InboxItem, Singleton, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use serenity::all::{
    ActionRowComponent, ApplicationId, ChannelId, Client, ClientBuilder, CommandInteraction,
    ComponentInteraction, ComponentInteractionDataKind, Context, CreateAttachment, EventHandler,
    GatewayIntents, GuildId, HttpBuilder, Interaction, InteractionId, Member, Message,
    ModalInteraction, Ready, User,
};
use serenity::http::{LightMethod, Multipart, MultipartUpload, Request, Route};
use tokio::sync::watch;

use self::render::Outgoing;
use self::rest::{Rest, RestError};
use crate::frontend::deliver::{Deliverer, DeliveryError, Outlet, Recipient};
use crate::frontend::dispatch::{Dispatcher, Handler};
use crate::frontend::inbox::{Intake, Keeper, LEASE, Pending, Progress, stored_replies};
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
/// The button that opens the form to type an answer in (never an engine payload).
const ANSWER_FORM: &str = "fs-form";
/// The form's id and its one text input's.
const FORM_ID: &str = "fs-answer";
const FORM_INPUT: &str = "text";

/// Where the answer to one event goes.
#[derive(Debug, Clone, Serialize, Deserialize)]
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

/// One event of one person, as the inbox keeps it (its payload) and gives it back.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Recorded {
    user: u64,
    name: String,
    locale: String,
    is_admin: bool,
    /// Acted in a server channel (not a DM).
    in_guild: bool,
    /// That server channel: a place a venue's team may share (see the core's `team.rs`).
    place: Option<u64>,
    said: Said,
    answer: Answer,
}

/// What the person did, as the engine will read it.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Said {
    Command {
        name: String,
        args: String,
    },
    Button(String),
    Line(String),
    /// Typed in the form a server channel offers: text, never a command.
    Text(String),
}

impl Said {
    fn incoming(self) -> Incoming {
        match self {
            Said::Command { name, args } => Incoming::Command { name, args },
            Said::Button(payload) => Incoming::Button(payload),
            Said::Line(line) => Incoming::from_line(&line),
            Said::Text(text) => Incoming::Text(text),
        }
    }
}

/// Recorded work of one person: an event to handle, or the replies of one handled still to send.
#[derive(Debug)]
struct Work {
    item: InboxItem,
    recorded: Recorded,
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
    /// This instance's claims on the stored inbox.
    keeper: Keeper,
    /// Records queued and not finished.
    pending: Pending,
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
        // What this instance left (a restart) comes first; then its claims are kept alive and
        // what a dead owner left is taken over once its lease lapses.
        dc.keeper.take_back(&dc).await;
        let (keeping, kept) = watch::channel(false);
        tokio::spawn(dc.keeper.clone().run(dc.clone(), kept));
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
                    let _ = keeping.send(true);
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
        let _ = keeping.send(true);
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
    owner: String,
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
        keeper: Keeper { store: store.clone(), platform: Platform::Discord, owner },
        pending: Pending::default(),
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
            dc.keeper.release().await;
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
            Interaction::Modal(m) => self.0.on_form(m).await,
            _ => {}
        }
    }

    async fn message(&self, _ctx: Context, m: Message) {
        self.0.on_message(m).await;
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
        let name = c.data.name.clone();
        let args = commands::args_of(&name, &c.data.options);
        let recorded = Recorded {
            is_admin: self.is_admin(&c.user, c.member.as_deref()),
            user: c.user.id.get(),
            name: display_name(&c.user),
            locale: c.locale,
            in_guild,
            place: in_guild.then_some(c.channel_id.get()),
            said: Said::Command { name, args },
            answer: Answer::Interaction {
                application: c.application_id,
                token: c.token.clone(),
                ephemeral: in_guild,
                pressed: false,
            },
        };
        let ack = deferral(in_guild);
        self.take(&c.id.to_string(), recorded, Some((c.id, &c.token, &ack))).await;
    }

    /// Records an event in the inbox, then acknowledges it (an interaction), then queues it.
    /// Not recorded (the database is down), it is not acknowledged: Discord tells the person it
    /// failed and nothing was done. Recorded before (a second delivery), it is left alone. Not
    /// acknowledged, it is not handled.
    async fn take(
        &self,
        external_id: &str,
        recorded: Recorded,
        ack: Option<(InteractionId, &str, &Value)>,
    ) {
        let payload = match serde_json::to_string(&recorded) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "a Discord event could not be written down");
                return;
            }
        };
        let arrival = Arrival {
            external_id: external_id.to_owned(),
            chat: recorded.user.to_string(),
            payload,
            acknowledged: ack.is_none(),
        };
        let mut item = match self
            .store
            .record_arrivals(Platform::Discord, &[arrival], &self.keeper.owner, LEASE)
            .await
        {
            Ok(mut items) => match items.pop() {
                Some(item) => item,
                None => return,
            },
            Err(e) => {
                tracing::error!(error = %e, "a Discord event could not be recorded");
                return;
            }
        };
        if let Some((id, token, body)) = ack {
            if !self.acknowledge(id, token, body).await {
                self.skip(item.id).await;
                return;
            }
            if let Err(e) = self.store.arrival_acknowledged(item.id).await {
                // Handled all the same; only a crash before the step would lose it.
                tracing::warn!(error = %e, "an acknowledgement could not be recorded");
            }
            item.acknowledged = true;
        }
        self.queue(Work { item, recorded });
    }

    /// Whether Discord took the acknowledgement of a recorded interaction whose note a stop cut
    /// short (the process stopped between Discord's answer and the note): its token serves the
    /// original response only once acknowledged. Discord answers 404 otherwise, the one refusal
    /// this asks for, after a crash only; an interaction past its token's life, or an answer
    /// that does not say, counts as not acknowledged (the person was shown it failed).
    async fn was_acknowledged(&self, answer: &Answer) -> bool {
        let Answer::Interaction { application, token, .. } = answer else { return true };
        let route =
            Route::WebhookOriginalInteractionResponse { application_id: *application, token };
        self.rest
            .call(&format!("webhook {token}"), || Request::new(route, LightMethod::Get))
            .await
            .is_ok()
    }

    /// Marks a record done with nothing to send.
    async fn skip(&self, id: InboxId) {
        if let Err(e) = self.store.skip_arrival(id).await {
            tracing::warn!(error = %e, "an inbox record could not be marked done");
        }
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
        let ack = json!({"type": 6});
        if c.data.custom_id == ANSWER_FORM {
            // The form opens at once, as the initial response: nothing is done until it is sent.
            let lang = lang_of(&c.locale);
            let form = json!({"type": 9, "data": {
                "custom_id": FORM_ID,
                "title": words(lang, "frontend-discord-form-title", &[]),
                "components": [{"type": 1, "components": [{
                    "type": 4, "custom_id": FORM_INPUT, "style": 2,
                    "label": words(lang, "frontend-discord-form-label", &[]),
                    "required": true, "max_length": 2000,
                }]}],
            }});
            self.acknowledge(c.id, &c.token, &form).await;
            return;
        }
        let Some(payload) = payload else {
            self.acknowledge(c.id, &c.token, &ack).await;
            return;
        };
        let in_guild = c.guild_id.is_some();
        let recorded = Recorded {
            is_admin: self.is_admin(&c.user, c.member.as_ref()),
            user: c.user.id.get(),
            name: display_name(&c.user),
            locale: c.locale,
            in_guild,
            place: in_guild.then_some(c.channel_id.get()),
            said: Said::Button(payload),
            answer: Answer::Interaction {
                application: c.application_id,
                token: c.token.clone(),
                ephemeral: in_guild,
                pressed: true,
            },
        };
        self.take(&c.id.to_string(), recorded, Some((c.id, &c.token, &ack))).await;
    }

    /// The form a server channel offers for a typed answer, sent: the text goes to the engine
    /// as if typed, answered like a slash command (deferred, then follow-ups).
    async fn on_form(&self, m: ModalInteraction) {
        let text = m
            .data
            .components
            .iter()
            .flat_map(|row| row.components.iter())
            .find_map(|c| match c {
                ActionRowComponent::InputText(t) if t.custom_id == FORM_INPUT => t.value.clone(),
                _ => None,
            })
            .unwrap_or_default();
        let in_guild = m.guild_id.is_some();
        let recorded = Recorded {
            is_admin: self.is_admin(&m.user, m.member.as_ref()),
            user: m.user.id.get(),
            name: display_name(&m.user),
            locale: m.locale,
            in_guild,
            place: in_guild.then_some(m.channel_id.get()),
            said: Said::Text(text),
            answer: Answer::Interaction {
                application: m.application_id,
                token: m.token.clone(),
                ephemeral: in_guild,
                pressed: false,
            },
        };
        let ack = deferral(in_guild);
        self.take(&m.id.to_string(), recorded, Some((m.id, &m.token, &ack))).await;
    }

    async fn on_message(&self, m: Message) {
        // Flow Stage talks in direct messages; server messages are for slash commands.
        if m.author.bot || m.guild_id.is_some() {
            return;
        }
        let channel = m.channel_id.get();
        self.dm_channels
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(m.author.id.get(), channel);
        let recorded = Recorded {
            is_admin: self.is_admin(&m.author, None),
            locale: String::new(),
            user: m.author.id.get(),
            name: display_name(&m.author),
            in_guild: false,
            place: None,
            said: Said::Line(m.content.clone()),
            answer: Answer::Dm { channel },
        };
        // A message's id and an interaction's are both snowflakes, never equal.
        self.take(&m.id.to_string(), recorded, None).await;
    }

    /// Queues recorded work behind the others of its person, unless it is queued already.
    fn queue(&self, work: Work) {
        if let Some(me) = self.arc()
            && self.pending.start(work.item.id)
        {
            self.people.dispatch(&me, work.recorded.user, work);
        }
    }

    /// Handles recorded work: the event, or the replies still to send.
    async fn work(&self, work: Work) {
        let id = work.item.id;
        if work.item.handled {
            let lang = lang_of_record(&work.recorded);
            let mut replies = stored_replies(&work.item);
            let mut progress = Progress::new(id, work.item.sent);
            self.answer_stored(&work.recorded.answer, &mut replies, lang, &mut progress).await;
        } else if work.item.acknowledged || self.was_acknowledged(&work.recorded.answer).await {
            self.handle_work(id, work.recorded).await;
        } else {
            // Recorded, then the process stopped before Discord was told: the person was shown
            // that it failed, so it is not done behind their back.
            tracing::info!("an interaction never acknowledged before a stop is not handled");
            self.skip(id).await;
        }
        self.pending.finish(id);
    }

    #[tracing::instrument(skip_all, fields(platform = "discord", account))]
    async fn handle_work(&self, arrival: InboxId, work: Recorded) {
        let user_id = work.user;
        // An interaction says the language the person's client shows; a DM says none.
        let locale = (!work.locale.is_empty()).then(|| lang_of(&work.locale));
        let lang = locale.unwrap_or(Lang::Fr);
        let speaker = Speaker {
            identity: Identity { platform: Platform::Discord, external_id: user_id.to_string() },
            display_name: work.name.clone(),
            lang,
            is_admin: work.is_admin,
        };
        let origin = Origin {
            lang: locale,
            place: work.place.map(|c| c.to_string()),
            arrival: Some(arrival),
        };
        let mut progress = Progress::new(arrival, 0);
        match self.engine.handle_in(&speaker, work.said.incoming(), &origin).await {
            Ok(outcome) => {
                tracing::Span::current().record("account", outcome.account.0);
                let mut replies = outcome.replies;
                if work.in_guild {
                    // Said at once and not kept: the note is for this run's first act.
                    if let Some(note) = self.dms_closed_note(user_id, outcome.account).await {
                        replies.push(Reply::new().text(words(outcome.lang, note, &[])));
                    }
                } else {
                    self.reach.heard_from(&user_id.to_string(), outcome.account).await;
                }
                self.answer_stored(&work.answer, &mut replies, outcome.lang, &mut progress).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "the conversation could not be loaded or saved");
                let mut sorry = vec![Reply::new().text(words(lang, "frontend-sorry", &[]))];
                if let Err(e) = self.answer(&work.answer, &mut sorry, lang, None).await {
                    tracing::warn!(error = %e, "answering on Discord failed");
                }
                self.skip(arrival).await;
            }
        }
    }

    /// Sends a step's stored replies past those sent already, counting each message, and marks
    /// the record done after the last. A refusal ends the sending (the record is done, as
    /// nothing would change by trying again); an outage leaves the rest for the next start.
    async fn answer_stored(
        &self,
        to: &Answer,
        replies: &mut [Reply],
        lang: Lang,
        progress: &mut Progress,
    ) {
        match self.answer(to, replies, lang, Some(progress)).await {
            Ok(()) => {}
            Err(e @ RestError::Refused { .. }) => {
                tracing::warn!(error = %e, "answering on Discord was refused");
            }
            Err(e @ RestError::Unreachable(_)) => {
                tracing::warn!(error = %e, "answering on Discord failed; left for the next start");
                return;
            }
        }
        if let Err(e) = self.store.arrival_sent(progress.arrival, progress.sent, true).await {
            tracing::warn!(error = %e, "an inbox record could not be marked done");
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

    /// Sends the replies where the event asks, passing over (and counting) with `progress`
    /// the messages a previous run sent.
    async fn answer(
        &self,
        to: &Answer,
        replies: &mut [Reply],
        lang: Lang,
        mut progress: Option<&mut Progress>,
    ) -> Result<(), RestError> {
        match to {
            Answer::Dm { channel } => {
                for reply in replies.iter() {
                    self.send_to_channel(*channel, reply, lang, progress.as_deref_mut()).await?;
                }
                Ok(())
            }
            Answer::Interaction { application, token, ephemeral, pressed } => {
                let mut sent = 0;
                for (i, reply) in replies.iter().enumerate() {
                    let mut messages = render::render(reply, lang);
                    // Typing in a server channel is not read: the question offers a form.
                    if *ephemeral && reply.asks_text {
                        render::offer_form(&mut messages, ANSWER_FORM, lang);
                    }
                    for (j, m) in messages.iter().enumerate() {
                        sent += 1;
                        if Progress::skips(&mut progress) {
                            continue;
                        }
                        let replace = *pressed
                            && i == 0
                            && j == 0
                            && reply.placement == Placement::ReplacePressed;
                        if replace {
                            self.edit_original(*application, token, m).await?;
                        } else {
                            self.follow_up(*application, token, &m.body(*ephemeral)).await?;
                        }
                        Progress::sent_one(&mut progress, &self.store).await;
                    }
                    for a in &reply.attachments {
                        sent += 1;
                        if Progress::skips(&mut progress) {
                            continue;
                        }
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
                        Progress::sent_one(&mut progress, &self.store).await;
                    }
                }
                if sent == 0 && !*pressed && !Progress::skips(&mut progress) {
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
                    Progress::sent_one(&mut progress, &self.store).await;
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

    /// Sends a reply as messages in a channel (a DM), counted with `progress` when it is a
    /// step's stored reply.
    async fn send_to_channel(
        &self,
        channel: u64,
        reply: &Reply,
        lang: Lang,
        mut progress: Option<&mut Progress>,
    ) -> Result<(), RestError> {
        let channel_id = ChannelId::new(channel);
        let key = format!("channel {channel} messages");
        for m in render::render(reply, lang) {
            if Progress::skips(&mut progress) {
                continue;
            }
            let body = m.body(false);
            self.rest
                .call(&key, || {
                    rest::json(Route::ChannelMessages { channel_id }, LightMethod::Post, &body)
                })
                .await?;
            Progress::sent_one(&mut progress, &self.store).await;
        }
        for a in &reply.attachments {
            if Progress::skips(&mut progress) {
                continue;
            }
            let body = json!({
                "attachments": [{"id": 0, "filename": a.file_name}],
                "allowed_mentions": {"parse": []},
            });
            self.rest
                .call(&key, || with_file(Route::ChannelMessages { channel_id }, &body, a))
                .await?;
            Progress::sent_one(&mut progress, &self.store).await;
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
        self.work(work).await;
    }
}

impl Intake for Discord {
    fn resume(self: &Arc<Self>, item: InboxItem) {
        match serde_json::from_str::<Recorded>(&item.payload) {
            Ok(recorded) => self.queue(Work { item, recorded }),
            Err(e) => {
                tracing::warn!(error = %e, "an inbox record could not be read; skipped");
                let me = self.clone();
                tokio::spawn(async move { me.skip(item.id).await });
            }
        }
    }
}

/// The initial response that defers an answer ("thinking…"), shown to the person only in a
/// server channel.
fn deferral(in_guild: bool) -> Value {
    let data = if in_guild { json!({"flags": EPHEMERAL}) } else { json!({}) };
    json!({"type": 5, "data": data})
}

/// The name a person goes by on Discord.
fn display_name(user: &User) -> String {
    user.global_name.clone().unwrap_or_else(|| user.name.clone())
}

/// The language of a recorded event's stored replies: its locale's, else the engine's default.
fn lang_of_record(r: &Recorded) -> Lang {
    if r.locale.is_empty() { Lang::Fr } else { lang_of(&r.locale) }
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
            Ok(channel) => self.send_to_channel(channel, reply, lang, None).await,
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
            if let Err(e) = self.send_to_channel(channel, reply, lang, None).await {
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
