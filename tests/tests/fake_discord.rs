//! The fake Discord against serenity 0.12.5 itself, pointed at it the way the adapter will be
//! (`HttpBuilder::proxy` + `ratelimiter_disabled(true)`): if serenity can identify, read every
//! dispatch, answer, follow up and resume against it, the fake speaks Discord's protocol; and
//! what Discord refuses, it refuses with Discord's codes and logs.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use flowstage_tests::fake_discord::{
    CHANNEL_ID, FakeDiscord, GUILD_ID, GatewayEvent, INTENT_GUILD_MESSAGES, TOKEN,
};
use serde_json::json;
use serenity::all::{
    AutocompleteChoice, ChannelId, Client, ClientBuilder, Command, CommandOptionType, Context,
    CreateActionRow, CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption,
    CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, EditInteractionResponse,
    EditMessage, Event, EventHandler, GatewayIntents, GuildId, HttpBuilder, InputTextStyle,
    Interaction, Message, RawEventHandler, Ready, UserId,
};
use serenity::async_trait;
use serenity::http::{HttpError, LightMethod, Request, Route};

const PERSON: u64 = 4_000_000_000_000_000_001;

/// What the bot saw and what Discord answered it.
#[derive(Default)]
struct Seen {
    /// Every dispatch serenity parsed, by name; `UNKNOWN <t>` for one it could not parse.
    events: Vec<String>,
    /// How many times each interaction reached the handler.
    interactions: HashMap<u64, u32>,
    /// (status, Discord code) of each refused call, by the command that made it.
    errors: HashMap<String, Vec<(u16, isize)>>,
    messages: Vec<String>,
}

type Shared = Arc<Mutex<Seen>>;

struct Bot(Shared);

fn refusal(e: &serenity::Error) -> (u16, isize) {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            (r.status_code.as_u16(), r.error.code)
        }
        other => panic!("not a refusal: {other:?}"),
    }
}

impl Bot {
    fn record(&self, what: &str, r: serenity::Result<()>) {
        if let Err(e) = r {
            self.0.lock().unwrap().errors.entry(what.to_owned()).or_default().push(refusal(&e));
        }
    }
}

fn message(content: &str) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new().content(content)
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, ctx: Context, _ready: Ready) {
        let commands = vec![
            CreateCommand::new("ping")
                .description("Answers pong")
                .name_localized("fr", "ping")
                .description_localized("fr", "Répond pong")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "word", "A word")
                        .description_localized("fr", "Un mot")
                        .required(true)
                        .set_autocomplete(true),
                ),
            CreateCommand::new("slow").description("Defers, then edits"),
            CreateCommand::new("form").description("Opens a modal"),
            CreateCommand::new("long").description("Tries 2,001 characters"),
            CreateCommand::new("rows").description("Tries six rows of buttons"),
            CreateCommand::new("twice").description("Answers twice"),
            CreateCommand::new("late").description("Answers too late"),
        ];
        let r = GuildId::new(GUILD_ID).set_commands(&ctx.http, commands).await;
        self.record("register", r.map(|_| ()));
        let help = CreateCommand::new("aide").description("Help").name_localized("en-US", "help");
        let r = Command::set_global_commands(&ctx.http, vec![help]).await;
        self.record("register", r.map(|_| ()));
    }

    async fn message(&self, _ctx: Context, msg: Message) {
        self.0.lock().unwrap().messages.push(msg.content);
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let id = interaction.id().get();
        *self.0.lock().unwrap().interactions.entry(id).or_default() += 1;
        let http = &ctx.http;
        match interaction {
            Interaction::Autocomplete(a) => {
                let typed = a.data.autocomplete().map(|o| o.value.to_owned()).unwrap_or_default();
                let choices = ["jazz", "java", "rock"]
                    .into_iter()
                    .filter(|c| c.starts_with(&typed))
                    .map(|c| AutocompleteChoice::new(c, c))
                    .collect();
                let r = a
                    .create_response(
                        http,
                        CreateInteractionResponse::Autocomplete(
                            CreateAutocompleteResponse::new().set_choices(choices),
                        ),
                    )
                    .await;
                self.record("autocomplete", r);
            }
            Interaction::Command(c) => match c.data.name.as_str() {
                "aide" => {
                    let r = c
                        .create_response(
                            http,
                            CreateInteractionResponse::Message(message("help in a DM")),
                        )
                        .await;
                    self.record("aide", r);
                }
                "ping" => {
                    let word = c.data.options.first().and_then(|o| o.value.as_str()).unwrap_or("");
                    let row =
                        CreateActionRow::Buttons(vec![CreateButton::new("again").label("Again")]);
                    let r = c
                        .create_response(
                            http,
                            CreateInteractionResponse::Message(
                                message(&format!("pong {word}")).components(vec![row]),
                            ),
                        )
                        .await;
                    self.record("ping", r);
                    let r = c
                        .create_followup(
                            http,
                            CreateInteractionResponseFollowup::new()
                                .content("only for you")
                                .ephemeral(true),
                        )
                        .await;
                    self.record("ping", r.map(|_| ()));
                }
                "slow" => {
                    let r = c
                        .create_response(
                            http,
                            CreateInteractionResponse::Defer(
                                CreateInteractionResponseMessage::new().ephemeral(true),
                            ),
                        )
                        .await;
                    self.record("slow", r);
                    let r =
                        c.edit_response(http, EditInteractionResponse::new().content("done")).await;
                    self.record("slow", r.map(|_| ()));
                }
                "form" => {
                    let modal = CreateModal::new("venue", "Votre lieu").components(vec![
                        CreateActionRow::InputText(
                            CreateInputText::new(InputTextStyle::Short, "Nom", "name")
                                .max_length(40),
                        ),
                    ]);
                    let r = c.create_response(http, CreateInteractionResponse::Modal(modal)).await;
                    self.record("form", r);
                }
                "long" => {
                    // serenity's builder refuses 2,001 characters itself (Model(MessageTooLong)):
                    // the raw call shows what Discord answers.
                    let body = json!({"type": 4, "data": {"content": "x".repeat(2001)}});
                    let r = http.create_interaction_response(c.id, &c.token, &body, vec![]).await;
                    self.record("long", r);
                    let r = c
                        .create_response(http, CreateInteractionResponse::Message(message("short")))
                        .await;
                    self.record("long", r);
                }
                "rows" => {
                    let rows = (0..6)
                        .map(|i| {
                            CreateActionRow::Buttons(vec![
                                CreateButton::new(format!("b{i}")).label(format!("B{i}")),
                            ])
                        })
                        .collect();
                    let r = c
                        .create_response(
                            http,
                            CreateInteractionResponse::Message(message("rows").components(rows)),
                        )
                        .await;
                    self.record("rows", r);
                    let r = c
                        .create_response(http, CreateInteractionResponse::Message(message("five")))
                        .await;
                    self.record("rows", r);
                }
                "twice" => {
                    let r = c
                        .create_response(http, CreateInteractionResponse::Message(message("one")))
                        .await;
                    self.record("twice", r);
                    let r = c
                        .create_response(http, CreateInteractionResponse::Message(message("two")))
                        .await;
                    self.record("twice", r);
                }
                "late" => {
                    tokio::time::sleep(Duration::from_millis(600)).await;
                    let r = c
                        .create_response(http, CreateInteractionResponse::Message(message("late")))
                        .await;
                    self.record("late", r);
                }
                _ => {}
            },
            Interaction::Component(b) => {
                let r = b
                    .create_response(
                        http,
                        CreateInteractionResponse::UpdateMessage(
                            message(&format!("pressed {}", b.data.custom_id)).components(vec![]),
                        ),
                    )
                    .await;
                self.record("press", r);
            }
            Interaction::Modal(m) => {
                let name = m
                    .data
                    .components
                    .iter()
                    .flat_map(|row| row.components.iter())
                    .find_map(|c| match c {
                        serenity::all::ActionRowComponent::InputText(t) => t.value.clone(),
                        _ => None,
                    })
                    .unwrap_or_default();
                let r = m
                    .create_response(
                        http,
                        CreateInteractionResponse::Message(message(&format!("saved {name}"))),
                    )
                    .await;
                self.record("modal", r);
            }
            _ => {}
        }
    }
}

struct Raw(Shared);

#[async_trait]
impl RawEventHandler for Raw {
    async fn raw_event(&self, _ctx: Context, event: Event) {
        let name = match &event {
            Event::Unknown(u) => format!("UNKNOWN {} {}", u.kind, u.value),
            other => other.name().unwrap_or_default(),
        };
        self.0.lock().unwrap().events.push(name);
    }
}

fn http(fake: &FakeDiscord, token: &str) -> serenity::http::Http {
    HttpBuilder::new(token).proxy(fake.api_url()).ratelimiter_disabled(true).build()
}

/// A serenity client connected to the fake, its commands registered.
async fn connect(fake: &FakeDiscord) -> (Shared, tokio::task::JoinHandle<()>) {
    let seen: Shared = Arc::default();
    let intents =
        GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::DIRECT_MESSAGES;
    let mut client: Client = ClientBuilder::new_with_http(http(fake, TOKEN), intents)
        .event_handler(Bot(seen.clone()))
        .raw_event_handler(Raw(seen.clone()))
        .await
        .expect("client");
    let task = tokio::spawn(async move {
        let _ = client.start().await;
    });
    fake.wait_ready(Duration::from_secs(20)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while fake.commands(Some(GUILD_ID)).len() < 7 || fake.commands(None).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "commands never registered: {:?}",
            seen.lock().unwrap().errors
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (seen, task)
}

fn unknown_events(seen: &Shared) -> Vec<String> {
    seen.lock().unwrap().events.iter().filter(|e| e.starts_with("UNKNOWN")).cloned().collect()
}

#[tokio::test]
async fn serenity_identifies_registers_answers_and_follows_up() {
    let fake = FakeDiscord::start().await;
    fake.add_user(PERSON, "Camille", "fr");
    // Several routes share a bucket during this test; Discord's default would make it wait.
    fake.set_rate_limit(50, Duration::from_secs(1));
    let (seen, task) = connect(&fake).await;

    let events = fake.gateway_events();
    assert!(events.contains(&GatewayEvent::Hello), "{events:?}");
    let identify = events.iter().find_map(|e| match e {
        GatewayEvent::Identify { intents, shard } => Some((*intents, *shard)),
        _ => None,
    });
    let (intents, shard) = identify.expect("IDENTIFY");
    assert_eq!(intents & INTENT_GUILD_MESSAGES, INTENT_GUILD_MESSAGES);
    assert_eq!(shard, Some((0, 1)));
    let ready = |e: &GatewayEvent| matches!(e, GatewayEvent::Dispatch { seq: 1, event } if event == "READY");
    assert!(events.iter().any(ready), "READY is dispatch 1: {events:?}");
    assert_eq!(fake.calls("GET /gateway").len(), 1, "serenity asks GET /gateway once");

    let ping = fake.commands(Some(GUILD_ID)).into_iter().find(|c| c["name"] == "ping").unwrap();
    assert_eq!(ping["description_localizations"]["fr"], "Répond pong");
    assert_eq!(ping["options"][0]["autocomplete"], true);

    // Autocomplete, then the command, its response and its ephemeral follow-up.
    let choices = fake
        .interaction_autocomplete(
            PERSON,
            CHANNEL_ID,
            "ping",
            json!([{"name": "word", "value": "ja", "focused": true}]),
        )
        .await;
    assert_eq!(choices, vec![("jazz".into(), "jazz".into()), ("java".into(), "java".into())]);
    let reply = fake
        .interaction_command(PERSON, CHANNEL_ID, "ping", json!([{"name": "word", "value": "hi"}]))
        .await;
    assert_eq!(reply.response.kind, 4);
    assert_eq!(reply.text(), "pong hi");
    assert_eq!(
        reply.message.as_ref().unwrap().buttons(),
        vec![vec![("Again".into(), "again".into(), false)]]
    );
    let followup = fake
        .wait_for(PERSON, Duration::from_secs(10), "the follow-up", |m| m.content == "only for you")
        .await;
    assert!(followup.is_ephemeral());

    // A button press updates the message it sits on.
    let pressed = fake.interaction_press(PERSON, "Again").await;
    assert_eq!(pressed.response.kind, 7);
    assert_eq!(pressed.text(), "pressed again");
    assert_eq!(pressed.message.as_ref().unwrap().id, reply.message.as_ref().unwrap().id);

    // A deferral filled by an edit of @original.
    let slow = fake.interaction_command(PERSON, CHANNEL_ID, "slow", json!([])).await;
    assert_eq!(slow.response.kind, 5);
    assert_eq!(slow.text(), "done");
    assert!(slow.message.as_ref().unwrap().is_ephemeral());

    // A modal, submitted.
    let form = fake.send_command(PERSON, CHANNEL_ID, "form", json!([]));
    assert_eq!(fake.wait_response(&form, Duration::from_secs(10)).await.kind, 9);
    assert!(
        fake.submit_modal(&form, &[("name", &"n".repeat(41))]).is_err(),
        "max_length is the client's rule"
    );
    let saved = fake.interaction_submit(&form, &[("name", "Le Baiser Salé")]).await;
    assert_eq!(saved.text(), "saved Le Baiser Salé");

    // A message in the guild: without MESSAGE_CONTENT the bot gets it with no content.
    fake.user_sends(PERSON, CHANNEL_ID, "bonjour");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().messages.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "MESSAGE_CREATE never reached the handler");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.lock().unwrap().messages, vec![String::new()]);

    // In a DM: the message comes with its content, and only global commands exist there.
    let dm = fake.dm_channel(PERSON);
    fake.user_sends(PERSON, dm, "salut");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().messages.len() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "the DM never reached the handler");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen.lock().unwrap().messages[1], "salut");
    let help = fake.interaction_command(PERSON, dm, "aide", json!([])).await;
    assert_eq!(help.text(), "help in a DM");
    assert_eq!(fake.commands(None)[0]["name_localizations"]["en-US"], "help");

    assert_eq!(unknown_events(&seen), Vec::<String>::new(), "serenity parsed every dispatch");
    assert!(seen.lock().unwrap().errors.is_empty(), "{:?}", seen.lock().unwrap().errors);
    fake.assert_clean();
    task.abort();
}

#[tokio::test]
async fn a_dropped_socket_is_resumed_without_losing_or_repeating_an_interaction() {
    let fake = FakeDiscord::start().await;
    fake.add_user(PERSON, "Camille", "fr");
    fake.set_rate_limit(50, Duration::from_secs(1));
    // Short beats, so the test sees heartbeats and their ACKs.
    fake.set_heartbeat_interval(Duration::from_millis(200));
    let (seen, task) = connect(&fake).await;
    fake.wait_gateway(Duration::from_secs(10), "a heartbeat ACK", |e| {
        *e == GatewayEvent::HeartbeatAck
    })
    .await;

    fake.drop_socket();
    let i =
        fake.send_command(PERSON, CHANNEL_ID, "ping", json!([{"name": "word", "value": "back"}]));
    let reply = fake.wait_reply(&i, Duration::from_secs(20)).await;
    assert_eq!(reply.text(), "pong back");
    fake.wait_gateway(Duration::from_secs(10), "RESUMED", |e| {
        matches!(e, GatewayEvent::Resumed { .. })
    })
    .await;

    let events = fake.gateway_events();
    assert_eq!(
        events.iter().filter(|e| matches!(e, GatewayEvent::Identify { .. })).count(),
        1,
        "resumed, not re-identified: {events:?}"
    );
    assert!(events.iter().any(|e| matches!(e, GatewayEvent::Resume { .. })), "{events:?}");
    let followup = fake
        .wait_for(PERSON, Duration::from_secs(10), "the follow-up", |m| m.content == "only for you")
        .await;
    assert!(followup.is_ephemeral());
    // Let any duplicate delivery show itself before counting.
    fake.wait_gateway(
        Duration::from_secs(10),
        "a heartbeat after the resume",
        |e| matches!(e, GatewayEvent::Heartbeat { seq: Some(s) } if *s > 2),
    )
    .await;
    assert_eq!(seen.lock().unwrap().interactions.get(&i.id), Some(&1), "delivered once");
    assert_eq!(fake.calls(&format!("POST /interactions/{}/", i.id)).len(), 1, "answered once");
    assert_eq!(unknown_events(&seen), Vec::<String>::new());
    fake.assert_clean();
    task.abort();
}

#[tokio::test]
async fn an_unknown_session_gets_invalid_session_and_a_new_identify() {
    let fake = FakeDiscord::start().await;
    fake.add_user(PERSON, "Camille", "fr");
    fake.set_rate_limit(50, Duration::from_secs(1));
    let (seen, task) = connect(&fake).await;
    fake.invalidate_session();
    fake.drop_socket();
    fake.wait_gateway(Duration::from_secs(20), "INVALID_SESSION", |e| {
        *e == GatewayEvent::InvalidSession
    })
    .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while fake
        .gateway_events()
        .iter()
        .filter(|e| matches!(e, GatewayEvent::Identify { .. }))
        .count()
        < 2
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no new IDENTIFY: {:?}",
            fake.gateway_events()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The new session works.
    let reply = fake
        .interaction_command(PERSON, CHANNEL_ID, "ping", json!([{"name": "word", "value": "new"}]))
        .await;
    assert_eq!(reply.text(), "pong new");
    assert_eq!(unknown_events(&seen), Vec::<String>::new());
    task.abort();
}

#[tokio::test]
async fn what_discord_refuses_is_refused_with_its_codes_and_logged() {
    let fake = FakeDiscord::start().await;
    fake.add_user(PERSON, "Camille", "fr");
    fake.set_rate_limit(50, Duration::from_secs(1));
    let (seen, task) = connect(&fake).await;

    for name in ["long", "rows", "twice"] {
        let reply = fake.interaction_command(PERSON, CHANNEL_ID, name, json!([])).await;
        assert_eq!(reply.response.kind, 4, "{name}");
    }
    fake.set_interaction_timeout(Duration::from_millis(300));
    let late = fake.send_command(PERSON, CHANNEL_ID, "late", json!([]));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.lock().unwrap().errors.contains_key("late") {
        assert!(tokio::time::Instant::now() < deadline, "the late answer never came");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(fake.response(&late).is_none());

    let errors = seen.lock().unwrap().errors.clone();
    assert_eq!(errors["long"], vec![(400, 50035)]);
    assert_eq!(errors["rows"], vec![(400, 50035)]);
    assert_eq!(errors["twice"], vec![(400, 40060)]);
    assert_eq!(errors["late"], vec![(404, 10062)]);

    let refused = fake.refused();
    let codes: Vec<(u16, i64)> = refused.iter().map(|r| (r.status, r.code)).collect();
    assert_eq!(codes, vec![(400, 50035), (400, 50035), (400, 40060), (404, 10062)], "{refused:#?}");
    assert!(
        refused[0].errors["data"]["content"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH",
        "{:?}",
        refused[0].errors
    );
    assert!(
        refused[1].errors["data"]["components"]["_errors"][0]["code"] == "BASE_TYPE_MAX_LENGTH",
        "{:?}",
        refused[1].errors
    );
    assert_eq!(refused[2].message, "Interaction has already been acknowledged.");
    assert_eq!(refused[3].message, "Unknown interaction");
    assert_eq!(fake.unanswered().len(), 1, "only the late one hangs: {:?}", fake.unanswered());
    task.abort();
}

#[tokio::test]
async fn rest_refusals_dms_closed_deleted_messages_tokens_and_rate_limits() {
    let fake = FakeDiscord::start().await;
    fake.add_user(PERSON, "Camille", "fr");
    let http = http(&fake, TOKEN);

    assert_eq!(
        http.get_current_user().await.unwrap().id.get(),
        flowstage_tests::fake_discord::APPLICATION_ID
    );

    // DMs: the first 50007 is how the bot learns; a second try is the bot's mistake.
    let dm = UserId::new(PERSON).create_dm_channel(&http).await.unwrap();
    dm.id.send_message(&http, CreateMessage::new().content("Bonjour")).await.unwrap();
    fake.close_dms(PERSON);
    for _ in 0..2 {
        let e =
            dm.id.send_message(&http, CreateMessage::new().content("Encore")).await.unwrap_err();
        assert_eq!(refusal(&e), (403, 50007));
    }
    assert_eq!(fake.dms_refused(PERSON), 2);
    assert_eq!(fake.refused().len(), 1, "{:#?}", fake.refused());
    assert_eq!(fake.dms_to(PERSON).len(), 1);

    // Edit of a deleted message.
    let channel = ChannelId::new(CHANNEL_ID);
    let msg = channel.send_message(&http, CreateMessage::new().content("annonce")).await.unwrap();
    channel.delete_message(&http, msg.id).await.unwrap();
    let e = channel
        .edit_message(&http, msg.id, EditMessage::new().content("corrigée"))
        .await
        .unwrap_err();
    assert_eq!(refusal(&e), (404, 10008));

    // A bad token.
    let e = http_bad(&fake).get_current_user().await.unwrap_err();
    assert_eq!(refusal(&e).0, 401);

    // Rate limits: the headers on every answer, then a 429 when the bucket is empty.
    fake.set_rate_limit(2, Duration::from_secs(60));
    let other = fake.add_channel("réservations");
    let route = || {
        Request::new(
            Route::ChannelMessages { channel_id: ChannelId::new(other) },
            LightMethod::Post,
        )
        .body(Some(serde_json::to_vec(&json!({"content": "x"})).unwrap()))
    };
    let first = http.request(route()).await.unwrap();
    let h = first.headers();
    assert_eq!(h["x-ratelimit-limit"], "2");
    assert_eq!(h["x-ratelimit-remaining"], "1");
    assert!(
        h.contains_key("x-ratelimit-reset")
            && h.contains_key("x-ratelimit-reset-after")
            && h.contains_key("x-ratelimit-bucket")
    );
    http.request(route()).await.unwrap();
    let e = http.request(route()).await.unwrap_err();
    assert_eq!(refusal(&e).0, 429);
    // Another channel is another bucket.
    channel.send_message(&http, CreateMessage::new().content("ailleurs")).await.unwrap();

    let refused = fake.refused();
    let codes: Vec<(u16, i64)> = refused.iter().map(|r| (r.status, r.code)).collect();
    assert_eq!(codes, vec![(403, 50007), (404, 10008), (401, 0), (429, 0)], "{refused:#?}");
}

fn http_bad(fake: &FakeDiscord) -> serenity::http::Http {
    http(fake, "not-the-token")
}
