//! The Telegram front-end (issue 6): it only translates. Updates (by long polling, or by webhook
//! at `POST /webhooks/telegram`) become engine events; the engine's neutral replies become Bot API
//! calls. Each chat's updates are handled one at a time in order, different chats concurrently.

mod commands;
mod outbox;
mod pace;
mod render;
mod send;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use flowstage_core::config::{Admins, Rules, Secret, TelegramConfig};
use flowstage_core::conversation::{Effect, Engine, Incoming, Origin, Reply, Speaker};
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::{InboxId, Lang};
use flowstage_core::store::{Arrival, InboxItem, Store, StoreError};
use teloxide::Bot;
use teloxide::payloads::{
    AnswerCallbackQuerySetters as _, EditMessageReplyMarkupSetters as _, GetUpdatesSetters as _,
    SendDocumentSetters as _, SendMessageSetters as _, SendPhotoSetters as _,
};
use teloxide::requests::{Request as _, Requester as _};
use teloxide::types::{
    AllowedUpdate, ButtonRequest, CallbackQuery, ChatAction, ChatId, InlineKeyboardButtonKind,
    InlineKeyboardMarkup, InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove,
    LinkPreviewOptions, Message, MessageKind, ParseMode, ReplyMarkup, Update, UpdateKind, User,
};
use tokio::sync::watch;

use self::send::{SendError, Sender};
use crate::frontend::dispatch::{Dispatcher, Handler};
use crate::frontend::inbox::{Intake, Keeper, LEASE, Pending, Progress, stored_replies};
use crate::frontend::words;

/// Long polling waits this long for updates; below reqwest's 17-second client timeout.
const POLL_TIMEOUT_SECS: u32 = 10;
/// How long start-up waits for Telegram before going on and trying in the background.
const STARTUP_WAIT: Duration = Duration::from_secs(8);
/// A chat's worker stops after this long without updates (and starts again on the next one).
const CHAT_IDLE: Duration = Duration::from_secs(60);

/// The running front-end, shared by the poller, the webhook route, the chat workers and the
/// outbox worker.
pub struct Telegram {
    bot: Bot,
    engine: Arc<Engine>,
    store: Store,
    admins: HashSet<i64>,
    /// Admins whose chat shows the admin menu already.
    admin_menus: Mutex<HashSet<i64>>,
    rules: Rules,
    sender: Sender,
    /// Each chat's queue of recorded updates, so one chat is handled in order.
    chats: Arc<Dispatcher<i64, Work>>,
    /// This instance's claims on the stored inbox.
    keeper: Keeper,
    /// Records queued here and not finished.
    pending: Pending,
    /// Chats that show the "share my location" keyboard.
    location_shown: Mutex<HashSet<i64>>,
    /// What Telegram must send back with each update (webhook mode).
    webhook_secret: Option<Secret>,
}

impl std::fmt::Debug for Telegram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telegram").finish_non_exhaustive()
    }
}

/// A recorded update in its chat's queue: to handle (with the update already read, when it just
/// came), or whose stored replies are still to send.
#[derive(Debug)]
pub(crate) struct Work {
    item: InboxItem,
    update: Option<Update>,
}

/// Starts the front-end: registers the commands, takes back what this instance (`owner`, see
/// `frontend::inbox::owner`) left in the inbox, then polls (or sets the webhook, and returns
/// the route to mount on the HTTP server), and runs the outbox delivery worker and the inbox's
/// keeper. Everything stops when `shutdown` turns true.
#[allow(clippy::too_many_arguments)]
pub async fn start(
    config: &TelegramConfig,
    admins: &Admins,
    rules: Rules,
    store: Store,
    engine: Arc<Engine>,
    owner: String,
    shutdown: watch::Receiver<bool>,
) -> anyhow::Result<(Option<axum::Router>, Vec<tokio::task::JoinHandle<()>>)> {
    let api_url = config
        .api_url
        .parse()
        .map_err(|e| anyhow::anyhow!("TELEGRAM_API_URL is not a URL: {e}"))?;
    let bot = Bot::new(config.token.expose()).set_api_url(api_url);
    let webhook_url: Option<url::Url> = match &config.webhook_url {
        Some(u) => Some(u.parse().map_err(|e| anyhow::anyhow!("TELEGRAM_WEBHOOK_URL: {e}"))?),
        None => None,
    };
    let webhook_secret = config
        .webhook_url
        .as_ref()
        .map(|_| config.webhook_secret.clone().unwrap_or_else(|| Secret::new(random_secret())));
    let tg = Arc::new(Telegram {
        bot,
        engine,
        store: store.clone(),
        admins: admins.telegram_ids.iter().copied().collect(),
        admin_menus: Mutex::new(HashSet::new()),
        rules,
        sender: Sender::new(store.clone()),
        chats: Arc::new(Dispatcher::new(CHAT_IDLE)),
        keeper: Keeper { store, platform: Platform::Telegram, owner },
        pending: Pending::default(),
        location_shown: Mutex::new(HashSet::new()),
        webhook_secret,
    });
    // A token or a webhook URL that Telegram refuses stops start-up with the variable named; an
    // unreachable Telegram holds up the HTTP server for a few seconds at most: the front-end
    // keeps trying in the background.
    // Each step names the variable to blame if Telegram refuses it.
    let setup = async {
        let me = tg
            .sender
            .call(None, "getMe", || tg.bot.get_me().send())
            .await
            .map_err(|e| ("TELEGRAM_BOT_TOKEN", e))?;
        tracing::info!(username = me.username(), "Telegram front-end starting");
        commands::register(&tg).await;
        // For operators: the variable named in a start-up error.
        let blame = if webhook_url.is_some() {
            "TELEGRAM_WEBHOOK_URL (or TELEGRAM_WEBHOOK_SECRET)"
        } else {
            "TELEGRAM_BOT_TOKEN"
        };
        tg.route_updates(webhook_url.as_ref()).await.map_err(|e| (blame, e))
    };
    let ready = match tokio::time::timeout(STARTUP_WAIT, setup).await {
        Ok(Ok(())) => true,
        Ok(Err((variable, SendError::Refused(e)))) => {
            anyhow::bail!("{variable} was refused by Telegram: {e}")
        }
        Ok(Err((_, e))) => {
            tracing::warn!(error = %e, "Telegram unreachable at start-up; retrying");
            false
        }
        Err(_) => {
            tracing::warn!("Telegram unreachable at start-up; retrying");
            false
        }
    };
    // What this instance left when it last stopped goes first, before any new update.
    tg.keeper.take_back(&tg).await;
    let mut tasks =
        vec![tokio::spawn(tg.clone().run(ready, webhook_url.clone(), shutdown.clone()))];
    tasks.push(tokio::spawn(tg.keeper.clone().run(tg.clone(), shutdown.clone())));
    tasks.push(tokio::spawn(outbox::run(tg.clone(), shutdown)));
    let router = webhook_url.map(|_| {
        axum::Router::new().route("/webhooks/telegram", post(webhook)).with_state(tg.clone())
    });
    Ok((router, tasks))
}

/// A webhook secret when none is configured: Telegram then sends it back on every update.
fn random_secret() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut out = String::new();
    // Each `RandomState` is seeded from the system's randomness: 128 unpredictable bits.
    for n in 0..2_u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(n);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// `POST /webhooks/telegram`: only Telegram knows the secret; anything else changes nothing. An
/// update is answered 200 once recorded in the inbox (500 if it could not be: Telegram sends it
/// again); one already recorded is not handled again.
async fn webhook(
    State(tg): State<Arc<Telegram>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    let given = headers.get("x-telegram-bot-api-secret-token").and_then(|v| v.to_str().ok());
    match (given, tg.webhook_secret.as_ref()) {
        (Some(given), Some(expected)) if constant_time_eq(given, expected.expose()) => {}
        _ => return StatusCode::UNAUTHORIZED,
    }
    match serde_json::from_slice::<Update>(&body) {
        Ok(update) => match tg.record(vec![update]).await {
            Ok(()) => StatusCode::OK,
            Err(e) => {
                tracing::error!(error = %e, "a Telegram update could not be recorded");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        },
        Err(e) => {
            // Telegram would resend it forever: log it once and accept it.
            tracing::warn!(error = %e, "an unreadable Telegram update was skipped");
            StatusCode::OK
        }
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn lang_of(user: &User) -> Lang {
    match user.language_code.as_deref().map(|c| c.get(..2).unwrap_or(c)) {
        Some("en") => Lang::En,
        _ => Lang::Fr,
    }
}

/// The chat of a button press: its message's, or the presser's private chat.
fn query_chat(q: &CallbackQuery) -> i64 {
    q.message.as_ref().map_or(q.from.id.0.cast_signed(), |m| m.chat().id.0)
}

fn chat_of(update: &Update) -> Option<i64> {
    match &update.kind {
        UpdateKind::Message(m) => Some(m.chat.id.0),
        UpdateKind::CallbackQuery(q) => Some(query_chat(q)),
        _ => None,
    }
}

impl Telegram {
    /// Finishes what start-up could not (Telegram unreachable then), then receives updates
    /// until told to stop.
    async fn run(
        self: Arc<Self>,
        ready: bool,
        webhook: Option<url::Url>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut failures = 0;
        let mut ready = ready;
        while !ready {
            let attempt = async {
                self.sender.call(None, "getMe", || self.bot.get_me().send()).await?;
                self.route_updates(webhook.as_ref()).await
            };
            match attempt.await {
                Ok(()) => {
                    commands::register(&self).await;
                    tracing::info!("Telegram reachable again: front-end started");
                    ready = true;
                }
                Err(SendError::Refused(e)) => {
                    tracing::error!(error = %e, "Telegram refuses this bot's set-up; front-end stopped");
                    return;
                }
                Err(_) => {
                    failures += 1;
                    tokio::select! {
                        _ = shutdown.changed() => return,
                        () = tokio::time::sleep(send::backoff(failures)) => {}
                    }
                }
            }
        }
        match webhook {
            Some(_) => {
                let _ = shutdown.changed().await;
                self.drain().await;
            }
            None => self.poll(shutdown).await,
        }
    }

    /// Where updates go: the webhook, or nowhere (so getUpdates works; a webhook left from an
    /// earlier run would make it fail).
    async fn route_updates(&self, webhook: Option<&url::Url>) -> Result<(), SendError> {
        match webhook {
            Some(url) => {
                use teloxide::payloads::SetWebhookSetters as _;
                let secret = self.webhook_secret.as_ref().map_or("", Secret::expose);
                let allowed = [AllowedUpdate::Message, AllowedUpdate::CallbackQuery];
                self.sender
                    .call(None, "setWebhook", || {
                        self.bot
                            .set_webhook(url.clone())
                            .secret_token(secret)
                            .allowed_updates(allowed)
                            .send()
                    })
                    .await?;
                tracing::info!("Telegram updates come by webhook");
            }
            None => {
                self.sender
                    .call(None, "deleteWebhook", || self.bot.delete_webhook().send())
                    .await?;
            }
        }
        Ok(())
    }

    /// Long polling. A batch is recorded in the inbox, then confirmed (by asking again from past
    /// its last update) with a quick call that is always awaited; only the long wait that follows
    /// is given up when stopping. A batch that cannot be recorded is not confirmed: Telegram
    /// gives it again. A crash between recording and confirming gets the batch again, and the
    /// inbox recognises it.
    async fn poll(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut offset: i32 = 0;
        let mut failures: u32 = 0;
        let mut confirming = false;
        loop {
            let timeout = if confirming { 0 } else { POLL_TIMEOUT_SECS };
            let request = self
                .bot
                .get_updates()
                .offset(offset)
                .timeout(timeout)
                .allowed_updates([AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
                .send();
            let result = if confirming {
                request.await
            } else {
                tokio::select! {
                    _ = shutdown.changed() => return self.drain().await,
                    r = request => r,
                }
            };
            match result {
                Ok(updates) => {
                    let next = updates
                        .last()
                        .map(|u| i32::try_from(u.id.0).unwrap_or(i32::MAX).saturating_add(1));
                    match self.record(updates).await {
                        Ok(()) => {
                            failures = 0;
                            confirming = next.is_some();
                            offset = next.unwrap_or(offset);
                        }
                        Err(e) => {
                            failures += 1;
                            confirming = false;
                            let wait = send::backoff(failures);
                            tracing::error!(error = %e, ?wait, "updates not recorded; asking again");
                            tokio::select! {
                                _ = shutdown.changed() => return self.drain().await,
                                () = tokio::time::sleep(wait) => {}
                            }
                        }
                    }
                }
                Err(teloxide::RequestError::RetryAfter(s)) => {
                    tokio::time::sleep(s.duration()).await;
                }
                Err(e) => {
                    failures += 1;
                    let wait = send::backoff(failures);
                    tracing::warn!(error = %e, ?wait, "polling Telegram failed; retrying");
                    tokio::select! {
                        // Stopping while a batch is unconfirmed (its confirming call failed)
                        // means a restart gets it again: only possible during an outage.
                        _ = shutdown.changed() => return self.drain().await,
                        () = tokio::time::sleep(wait) => {}
                    }
                }
            }
        }
    }

    /// A file sent in chat (a signed contract), downloaded for the engine. One larger than
    /// [`MAX_DOCUMENT`] or that cannot be fetched reaches it empty, and is refused there.
    async fn document(&self, doc: &teloxide::types::Document) -> Option<Incoming> {
        use teloxide::net::Download as _;
        let file_name = doc.file_name.clone().unwrap_or_default();
        let mut bytes = Vec::new();
        if doc.file.size as usize <= MAX_DOCUMENT {
            match self.bot.get_file(doc.file.id.clone()).await {
                Ok(file) => {
                    if let Err(e) = self.bot.download_file(&file.path, &mut bytes).await {
                        tracing::warn!(error = %e, "document not downloaded");
                        bytes.clear();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "document not found"),
            }
        }
        Some(Incoming::Document { file_name, bytes })
    }

    /// Waits (a while at most) until every update dispatched has been handled, then lets go of
    /// what is left for another instance.
    async fn drain(&self) {
        self.chats.drain(Duration::from_secs(8)).await;
        self.keeper.release().await;
    }

    /// Records updates in the inbox, then queues those not seen before behind the others of
    /// their chat and answers their button presses at once. An update of no chat is not kept.
    async fn record(self: &Arc<Self>, updates: Vec<Update>) -> Result<(), StoreError> {
        let mut kept = Vec::with_capacity(updates.len());
        let mut arrivals = Vec::with_capacity(updates.len());
        for update in updates {
            let Some(chat) = chat_of(&update) else { continue };
            let payload = match serde_json::to_string(&update) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(error = %e, "an update could not be written down; skipped");
                    continue;
                }
            };
            arrivals.push(Arrival {
                external_id: update.id.0.to_string(),
                chat: chat.to_string(),
                payload,
                acknowledged: true,
            });
            kept.push(update);
        }
        if arrivals.is_empty() {
            return Ok(());
        }
        let recorded = self
            .store
            .record_arrivals(Platform::Telegram, &arrivals, &self.keeper.owner, LEASE)
            .await?;
        let mut updates: std::collections::HashMap<String, Update> =
            kept.into_iter().map(|u| (u.id.0.to_string(), u)).collect();
        for item in recorded {
            let update = updates.remove(&item.external_id);
            if let Some(UpdateKind::CallbackQuery(q)) = update.as_ref().map(|u| &u.kind) {
                let tg = self.clone();
                let q = q.clone();
                tokio::spawn(async move { tg.answer_callback(&q).await });
            }
            self.queue(Work { item, update });
        }
        Ok(())
    }

    /// Queues recorded work behind the others of its chat, unless it is queued already.
    fn queue(self: &Arc<Self>, work: Work) {
        let Ok(chat) = work.item.chat.parse::<i64>() else {
            tracing::warn!(chat = work.item.chat, "an inbox record names no Telegram chat");
            return;
        };
        if self.pending.start(work.item.id) {
            self.chats.dispatch(self, chat, work);
        }
    }

    /// Handles recorded work: the update, or the replies still to send.
    async fn work(&self, chat: i64, work: Work, collapsed: &mut HashSet<i32>) {
        let id = work.item.id;
        if work.item.handled {
            let replies = stored_replies(&work.item);
            self.send_stored(chat, id, &replies, work.item.sent, None).await;
        } else {
            // Taken back from the inbox: its button was answered, its keyboard collapsed, when
            // it first came (or too long ago for Telegram to take either now).
            let (update, fresh) = match work.update {
                Some(u) => (Some(u), true),
                None => (serde_json::from_str::<Update>(&work.item.payload).ok(), false),
            };
            match update {
                Some(update) => self.handle_update(chat, id, update, fresh, collapsed).await,
                None => {
                    tracing::warn!("an inbox record could not be read; skipped");
                    self.skip(id).await;
                }
            }
        }
        self.pending.finish(id);
    }

    /// Marks a record done with nothing to send.
    async fn skip(&self, id: InboxId) {
        if let Err(e) = self.store.skip_arrival(id).await {
            tracing::warn!(error = %e, "an inbox record could not be marked done");
        }
    }

    #[tracing::instrument(skip_all, fields(platform = "telegram", chat = chat, update = update.id.0, account))]
    async fn handle_update(
        &self,
        chat: i64,
        arrival: InboxId,
        update: Update,
        fresh: bool,
        collapsed: &mut HashSet<i32>,
    ) {
        let read = match update.kind {
            UpdateKind::Message(m) => match m.from.clone() {
                Some(user) => match m.document() {
                    Some(doc) => self.document(doc).await,
                    None => incoming_of(&m),
                }
                .map(|incoming| (user, incoming)),
                None => None,
            },
            UpdateKind::CallbackQuery(q) => match q.data.clone() {
                Some(data) if data != render::CHOSEN => {
                    if fresh {
                        self.collapse_keyboard(&q, &data, collapsed).await;
                    }
                    Some((q.from, Incoming::Button(data)))
                }
                _ => None,
            },
            _ => None,
        };
        let Some((user, incoming)) = read else { return self.skip(arrival).await };
        if user.is_bot || !chat.is_positive() {
            // Flow Stage talks with people in private chats only.
            return self.skip(arrival).await;
        }
        let admin = self.admins.contains(&chat);
        if admin
            && !self
                .admin_menus
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .contains(&chat)
        {
            commands::register_admin(self, chat).await;
        }
        let speaker = Speaker {
            identity: Identity { platform: Platform::Telegram, external_id: user.id.0.to_string() },
            display_name: user.full_name(),
            lang: lang_of(&user),
            is_admin: self.admins.contains(&user.id.0.cast_signed()),
        };
        let origin = Origin { arrival: Some(arrival), ..Origin::default() };
        let outcome = match self.engine.handle_in(&speaker, incoming, &origin).await {
            Ok(o) => o,
            Err(e) => {
                tracing::error!(error = %e, "the conversation could not be loaded or saved");
                let sorry = words(speaker.lang, "frontend-sorry", &[]);
                let _ = self.send_reply(chat, &Reply::new().text(sorry), Extra::None).await;
                return self.skip(arrival).await;
            }
        };
        tracing::Span::current().record("account", outcome.account.0);
        self.sender.heard_from(chat, outcome.account).await;
        let erased = outcome.effects.contains(&Effect::AccountErased);
        let asks_location = !erased && outcome.replies.iter().any(|r| r.accepts_location);
        // The "share my location" keyboard comes with the city question and goes after it.
        let shown =
            self.location_shown.lock().unwrap_or_else(PoisonError::into_inner).contains(&chat);
        let remove = shown && !asks_location;
        let keyboards = Some((outcome.lang, erased, remove));
        self.send_stored(chat, arrival, &outcome.replies, 0, keyboards).await;
        let mut shown = self.location_shown.lock().unwrap_or_else(PoisonError::into_inner);
        if asks_location {
            shown.insert(chat);
        } else {
            shown.remove(&chat);
        }
    }

    /// Sends a step's stored replies in order, past the `sent` messages already sent, recording
    /// the count after each message and the record done after the last. `keyboards` (the step's
    /// language, whether it erased the account, whether the location keyboard goes) comes with a
    /// step just taken; replies taken back from the inbox go without a reply keyboard (a city can
    /// be typed). A person who blocked the bot, or a reply Telegram refuses, ends the sending
    /// (the record is done); an outage leaves the rest for the next start.
    async fn send_stored(
        &self,
        chat: i64,
        arrival: InboxId,
        replies: &[Reply],
        sent: i64,
        keyboards: Option<(Lang, bool, bool)>,
    ) {
        let mut progress = Progress::new(arrival, sent);
        let outcome = async {
            for (i, reply) in replies.iter().enumerate() {
                let extra = match keyboards {
                    Some((lang, erased, _)) if reply.accepts_location && !erased => {
                        Extra::ShareLocation(lang)
                    }
                    Some((_, _, true)) if i == 0 => Extra::RemoveKeyboard,
                    _ => Extra::None,
                };
                self.send_reply_in(chat, reply, extra, Some(&mut progress)).await?;
            }
            Ok(())
        };
        match outcome.await {
            Ok(()) | Err(SendError::Unreachable | SendError::Refused(_)) => {}
            Err(SendError::Network(_)) => return,
        }
        if let Err(e) = self.store.arrival_sent(arrival, progress.sent, true).await {
            tracing::warn!(error = %e, "an inbox record could not be marked done");
        }
    }

    /// Answers a press at once, so the client stops its spinner; the toast names the choice.
    async fn answer_callback(&self, q: &CallbackQuery) {
        let lang = lang_of(&q.from);
        let toast = match q.data.as_deref() {
            Some(render::CHOSEN) => Some(words(lang, "frontend-already-chosen", &[])),
            Some(data) => {
                pressed_label(q, data).map(|l| words(lang, "frontend-chosen", &[("label", l)]))
            }
            None => None,
        };
        let chat = Some(query_chat(q));
        let _ = self
            .sender
            .call(chat, "answerCallbackQuery", || {
                let mut r = self.bot.answer_callback_query(q.id.clone());
                if let Some(t) = &toast {
                    r = r.text(t.chars().take(190).collect::<String>());
                }
                r.send()
            })
            .await;
    }

    /// Shows the choice on the pressed keyboard, so an old button is not pressed twice; never an
    /// edit that would change nothing.
    async fn collapse_keyboard(&self, q: &CallbackQuery, data: &str, collapsed: &mut HashSet<i32>) {
        let Some(message) = q.message.as_ref().and_then(|m| m.regular_message()) else { return };
        let Some(label) = pressed_label(q, data) else { return };
        let new = render::chosen(&label);
        if message.reply_markup() == Some(&new) || !collapsed.insert(message.id.0) {
            return;
        }
        let chat = message.chat.id;
        let id = message.id;
        let _ = self
            .sender
            .call(Some(chat.0), "editMessageReplyMarkup", || {
                self.bot.edit_message_reply_markup(chat, id).reply_markup(new.clone()).send()
            })
            .await;
    }

    /// Sends one reply: its texts (keyboard under the last), then its attachments, with the
    /// reply keyboard `extra` asks for.
    pub(crate) async fn send_reply(
        &self,
        chat: i64,
        reply: &Reply,
        extra: Extra,
    ) -> Result<(), SendError> {
        self.send_reply_in(chat, reply, extra, None).await
    }

    /// [`Telegram::send_reply`], counting the messages of a stored reply in `progress`: those
    /// it says were sent already are skipped.
    async fn send_reply_in(
        &self,
        chat: i64,
        reply: &Reply,
        extra: Extra,
        mut progress: Option<&mut Progress>,
    ) -> Result<(), SendError> {
        if self.sender.is_unreachable(chat) {
            return Err(SendError::Unreachable);
        }
        let location = match extra {
            Extra::ShareLocation(lang) => Some(lang),
            _ => None,
        };
        let messages = render::render(reply);
        let count = messages.len();
        // A message holds one keyboard: the removal goes on the first without buttons, or alone.
        let mut remove = extra == Extra::RemoveKeyboard;
        if remove && messages.iter().all(|m| m.keyboard.is_some()) {
            if !Progress::skips(&mut progress) {
                let markup = ReplyMarkup::KeyboardRemove(KeyboardRemove::new());
                self.send_html(chat, "✓", Some(markup)).await?;
                Progress::sent_one(&mut progress, &self.store).await;
            }
            remove = false;
        }
        for (i, m) in messages.into_iter().enumerate() {
            let last = i + 1 == count;
            let markup = match (&m.keyboard, location) {
                (Some(k), _) => Some(ReplyMarkup::InlineKeyboard(k.clone())),
                (None, Some(lang)) if last => Some(location_keyboard(lang)),
                (None, _) if remove => {
                    remove = false;
                    Some(ReplyMarkup::KeyboardRemove(KeyboardRemove::new()))
                }
                _ => None,
            };
            if !Progress::skips(&mut progress) {
                self.send_html(chat, &m.html, markup).await?;
                Progress::sent_one(&mut progress, &self.store).await;
            }
        }
        if let (Some(lang), true) = (location, render::keyboard(&reply.buttons).is_some()) {
            // The inline keyboard took the last message: the location button needs its own.
            let text = render::escape(&words(lang, "frontend-or-share-location", &[]));
            if !Progress::skips(&mut progress) {
                self.send_html(chat, &text, Some(location_keyboard(lang))).await?;
                Progress::sent_one(&mut progress, &self.store).await;
            }
        }
        if reply.document_follows() {
            // The file takes a moment to upload: show it is coming.
            let _ = self
                .sender
                .call(Some(chat), "sendChatAction", || {
                    self.bot.send_chat_action(ChatId(chat), ChatAction::UploadDocument).send()
                })
                .await;
        }
        let last_attachment = reply.attachments.len().saturating_sub(1);
        for (i, a) in reply.attachments.iter().enumerate() {
            let keyboard = if count == 0 && i == last_attachment {
                render::keyboard(&reply.buttons)
            } else {
                None
            };
            if !Progress::skips(&mut progress) {
                self.send_document(chat, a, keyboard).await?;
                Progress::sent_one(&mut progress, &self.store).await;
            }
        }
        Ok(())
    }

    async fn send_html(
        &self,
        chat: i64,
        html: &str,
        markup: Option<ReplyMarkup>,
    ) -> Result<Message, SendError> {
        self.sender
            .call(Some(chat), "sendMessage", || {
                let mut r = self
                    .bot
                    .send_message(ChatId(chat), html)
                    .parse_mode(ParseMode::Html)
                    .link_preview_options(no_preview());
                if let Some(m) = &markup {
                    r = r.reply_markup(m.clone());
                }
                r.send()
            })
            .await
    }

    /// A file: a PNG picture (a chart) as a photo, shown in the chat; anything else (a
    /// contract, an export) as a document.
    async fn send_document(
        &self,
        chat: i64,
        a: &flowstage_core::conversation::Attachment,
        keyboard: Option<InlineKeyboardMarkup>,
    ) -> Result<Message, SendError> {
        if a.mime_type == "image/png" {
            return self
                .sender
                .call(Some(chat), "sendPhoto", || {
                    let file = InputFile::memory(a.bytes.clone()).file_name(a.file_name.clone());
                    let mut r = self.bot.send_photo(ChatId(chat), file);
                    if let Some(k) = &keyboard {
                        r = r.reply_markup(k.clone());
                    }
                    r.send()
                })
                .await;
        }
        self.sender
            .call(Some(chat), "sendDocument", || {
                let file = InputFile::memory(a.bytes.clone()).file_name(a.file_name.clone());
                let mut r = self.bot.send_document(ChatId(chat), file);
                if let Some(k) = &keyboard {
                    r = r.reply_markup(k.clone());
                }
                r.send()
            })
            .await
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}

/// The reply keyboard (under the typing field) that goes with a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Extra {
    None,
    /// The city question: offer "share my location".
    ShareLocation(Lang),
    /// The city question is over: take the location keyboard away.
    RemoveKeyboard,
}

fn location_keyboard(lang: Lang) -> ReplyMarkup {
    let label = words(lang, "frontend-share-location", &[]);
    ReplyMarkup::Keyboard(
        KeyboardMarkup::new([[KeyboardButton::new(label).request(ButtonRequest::Location)]])
            .resize_keyboard()
            .one_time_keyboard(),
    )
}

/// The label of the button whose data came back.
fn pressed_label(q: &CallbackQuery, data: &str) -> Option<String> {
    let markup = q.message.as_ref()?.regular_message()?.reply_markup()?;
    markup.inline_keyboard.iter().flatten().find_map(|b| match &b.kind {
        InlineKeyboardButtonKind::CallbackData(d) if d == data => Some(b.text.clone()),
        _ => None,
    })
}

/// A signed contract is a few hundred kilobytes; a scan, a few megabytes.
const MAX_DOCUMENT: usize = 10 * 1024 * 1024;

/// What a message means to the engine: a command, text, or a shared location. A photo, a
/// sticker or a voice note counts as its caption (often none), so the person is still answered
/// ("I did not understand") rather than met with silence; service messages mean nothing.
fn incoming_of(m: &Message) -> Option<Incoming> {
    if let Some(text) = m.text() {
        return Some(Incoming::from_line(text));
    }
    if let Some(l) = m.location() {
        return Some(Incoming::Location { lat: l.latitude, lon: l.longitude });
    }
    match m.kind {
        MessageKind::Common(_) => Some(Incoming::Text(m.caption().unwrap_or_default().to_owned())),
        _ => None,
    }
}

impl Handler<i64, Work> for Telegram {
    /// Messages whose keyboard this chat's worker already collapsed: a second press queued on
    /// the same keyboard must not edit it again to the same content.
    type Local = HashSet<i32>;

    async fn handle(&self, chat: i64, work: Work, collapsed: &mut HashSet<i32>) {
        self.work(chat, work, collapsed).await;
    }
}

impl Intake for Telegram {
    fn resume(self: &Arc<Self>, item: InboxItem) {
        self.queue(Work { item, update: None });
    }
}
