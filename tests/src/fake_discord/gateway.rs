//! The gateway side of the fake: one WebSocket per connection of the bot, speaking Discord's
//! gateway v10 in JSON text frames. The session keeps every dispatch numbered, so a RESUME
//! replays exactly what the bot missed, wherever the connection broke.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    APPLICATION_ID, GUILD_ID, GatewayEvent, Inner, PRIVILEGED_INTENTS, Refusal, Session, St, TOKEN,
    bot_user_json,
};

/// Close codes Discord documents.
const UNKNOWN_OPCODE: u16 = 4001;
const DECODE_ERROR: u16 = 4002;
const NOT_AUTHENTICATED: u16 = 4003;
const AUTHENTICATION_FAILED: u16 = 4004;
const ALREADY_AUTHENTICATED: u16 = 4005;
const INVALID_SHARD: u16 = 4010;
const INVALID_API_VERSION: u16 = 4012;
const INVALID_INTENTS: u16 = 4013;
const DISALLOWED_INTENTS: u16 = 4014;

/// Every intent bit Discord defines today (0–25, minus the unassigned 17–19 and 22–23).
const KNOWN_INTENTS: u64 =
    ((1 << 26) - 1) & !((1 << 17) | (1 << 18) | (1 << 19) | (1 << 22) | (1 << 23));

pub(super) async fn upgrade(
    State(inner): State<Arc<Inner>>,
    Query(query): Query<HashMap<String, String>>,
    ws: WebSocketUpgrade,
) -> Response {
    let q = {
        let mut pairs: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.sort();
        pairs.join("&")
    };
    ws.on_upgrade(move |socket| async move {
        let number = {
            let mut st = inner.st();
            st.connections += 1;
            st.gateway.push(GatewayEvent::Connected { query: q });
            st.connections
        };
        let version_ok = query.get("v").is_some_and(|v| v == "10")
            && query.get("encoding").is_none_or(|e| e == "json");
        let task = tokio::spawn(connection(inner.clone(), socket, number, version_ok));
        {
            let mut st = inner.st();
            // A newer connection replaces an older one, as a new shard session does.
            if let Some((_, old)) = st.connection.replace((number, task.abort_handle())) {
                old.abort();
            }
        }
        let _ = task.await;
        let mut st = inner.st();
        if st.connection.as_ref().is_some_and(|(n, _)| *n == number) {
            st.connection = None;
        }
        drop(st);
        inner.changed.notify_waiters();
    })
}

/// Where a connection stands: waiting for IDENTIFY or RESUME, or delivering a session's
/// dispatches from a sequence number on.
enum Stage {
    Fresh,
    Live { session_id: String, delivered: u64 },
}

fn refuse(st: &mut St, op: &str, body: Value, code: u16, message: &str) {
    st.refused.push(Refusal {
        method: "GATEWAY".into(),
        path: op.to_owned(),
        body,
        status: code,
        code: 0,
        message: message.to_owned(),
        errors: Value::Null,
    });
}

async fn close(inner: &Inner, socket: &mut WebSocket, code: u16, reason: &str) {
    inner.st().gateway.push(GatewayEvent::Closed { code });
    let frame = CloseFrame { code, reason: reason.to_owned().into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn send(socket: &mut WebSocket, payload: &Value) -> bool {
    socket.send(Message::Text(payload.to_string().into())).await.is_ok()
}

async fn connection(inner: Arc<Inner>, mut socket: WebSocket, _number: u64, version_ok: bool) {
    if !version_ok {
        refuse(&mut inner.st(), "connect", Value::Null, INVALID_API_VERSION, "Invalid API version");
        close(&inner, &mut socket, INVALID_API_VERSION, "Invalid API version").await;
        return;
    }
    let interval = inner.st().heartbeat_interval;
    inner.st().gateway.push(GatewayEvent::Hello);
    let hello = json!({"op": 10, "d": {"heartbeat_interval": interval.as_millis() as u64}, "s": null, "t": null});
    if !send(&mut socket, &hello).await {
        return;
    }
    let mut stage = Stage::Fresh;
    loop {
        let changed = inner.changed.notified();
        tokio::pin!(changed);
        changed.as_mut().enable();
        // Deliver what the session holds beyond what this connection already sent.
        if let Stage::Live { session_id, delivered } = &mut stage {
            let pending = take_pending(&inner, session_id, delivered);
            let Some(pending) = pending else {
                let _ =
                    send(&mut socket, &json!({"op": 9, "d": false, "s": null, "t": null})).await;
                inner.st().gateway.push(GatewayEvent::InvalidSession);
                return;
            };
            for p in pending {
                if !send(&mut socket, &p).await {
                    return;
                }
            }
        }
        tokio::select! {
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t.as_str().to_owned(),
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Binary(_))) => {
                        refuse(&mut inner.st(), "binary", Value::Null, DECODE_ERROR, "Error while decoding payload.");
                        close(&inner, &mut socket, DECODE_ERROR, "Error while decoding payload.").await;
                        return;
                    }
                    Some(Ok(Message::Close(_)) | Err(_)) | None => {
                        inner.st().gateway.push(GatewayEvent::Disconnected);
                        return;
                    }
                };
                match handle(&inner, &mut stage, &text) {
                    Ok(replies) => {
                        for r in replies {
                            if !send(&mut socket, &r).await {
                                return;
                            }
                        }
                    }
                    Err((code, reason)) => {
                        close(&inner, &mut socket, code, reason).await;
                        return;
                    }
                }
                inner.changed.notify_waiters();
            }
            () = &mut changed => {}
        }
    }
}

/// The session's dispatches after `delivered`, marked as sent; `None` when the session is gone.
fn take_pending(inner: &Inner, session_id: &str, delivered: &mut u64) -> Option<Vec<Value>> {
    let mut st = inner.st();
    let session = st.session.as_ref().filter(|s| s.id == session_id)?;
    let out: Vec<(u64, String, Value)> = session
        .log
        .iter()
        .filter(|d| d.seq > *delivered)
        .map(|d| (d.seq, d.event.clone(), json!({"op": 0, "s": d.seq, "t": d.event, "d": d.data})))
        .collect();
    let mut payloads = Vec::with_capacity(out.len());
    for (seq, event, p) in out {
        st.gateway.push(GatewayEvent::Dispatch { seq, event });
        *delivered = seq;
        payloads.push(p);
    }
    Some(payloads)
}

/// One payload from the bot: the frames to answer with, or the close code that ends it.
fn handle(inner: &Inner, stage: &mut Stage, text: &str) -> Result<Vec<Value>, (u16, &'static str)> {
    let mut st = inner.st();
    let Ok(payload) = serde_json::from_str::<Value>(text) else {
        refuse(&mut st, "decode", json!(text), DECODE_ERROR, "Error while decoding payload.");
        return Err((DECODE_ERROR, "Error while decoding payload."));
    };
    let op = payload.get("op").and_then(Value::as_u64);
    let d = payload.get("d").cloned().unwrap_or(Value::Null);
    match op {
        Some(1) => {
            let seq = d.as_u64();
            st.gateway.push(GatewayEvent::Heartbeat { seq });
            st.gateway.push(GatewayEvent::HeartbeatAck);
            Ok(vec![json!({"op": 11, "d": null, "s": null, "t": null})])
        }
        Some(2) => {
            let mut logged = d.clone();
            logged["token"] = json!("<redacted>");
            if matches!(stage, Stage::Live { .. }) {
                refuse(&mut st, "op 2", logged, ALREADY_AUTHENTICATED, "Already authenticated.");
                return Err((ALREADY_AUTHENTICATED, "Already authenticated."));
            }
            if !token_ok(d.get("token")) {
                refuse(&mut st, "op 2", logged, AUTHENTICATION_FAILED, "Authentication failed.");
                return Err((AUTHENTICATION_FAILED, "Authentication failed."));
            }
            let properties_ok = ["os", "browser", "device"]
                .iter()
                .all(|k| d.pointer(&format!("/properties/{k}")).is_some_and(Value::is_string));
            let Some(intents) = d.get("intents").and_then(Value::as_u64).filter(|_| properties_ok)
            else {
                refuse(&mut st, "op 2", logged, DECODE_ERROR, "Error while decoding payload.");
                return Err((DECODE_ERROR, "Error while decoding payload."));
            };
            if intents & !KNOWN_INTENTS != 0 {
                refuse(&mut st, "op 2", logged, INVALID_INTENTS, "Invalid intent(s).");
                return Err((INVALID_INTENTS, "Invalid intent(s)."));
            }
            if intents & PRIVILEGED_INTENTS & !st.privileged_intents != 0 {
                refuse(&mut st, "op 2", logged, DISALLOWED_INTENTS, "Disallowed intent(s).");
                return Err((DISALLOWED_INTENTS, "Disallowed intent(s)."));
            }
            let shard = match d.get("shard") {
                None | Some(Value::Null) => None,
                Some(s) => {
                    match (s.get(0).and_then(Value::as_u64), s.get(1).and_then(Value::as_u64)) {
                        (Some(id), Some(total)) if id < total => Some((id, total)),
                        _ => {
                            refuse(&mut st, "op 2", logged, INVALID_SHARD, "Invalid shard.");
                            return Err((INVALID_SHARD, "Invalid shard."));
                        }
                    }
                }
            };
            if d.get("large_threshold")
                .and_then(Value::as_u64)
                .is_some_and(|t| !(50..=250).contains(&t))
            {
                refuse(&mut st, "op 2", logged, DECODE_ERROR, "large_threshold must be 50–250");
                return Err((DECODE_ERROR, "Error while decoding payload."));
            }
            st.gateway.push(GatewayEvent::Identify { intents, shard });
            let session_id = format!("fake-session-{}", super::next_id(&mut st));
            let ready = json!({
                "v": 10, "user": bot_user_json(), "guilds": [{"id": GUILD_ID.to_string(), "unavailable": true}],
                "session_id": session_id, "session_type": "normal",
                "resume_gateway_url": inner.ws_url(),
                "shard": [shard.map_or(0, |s| s.0), shard.map_or(1, |s| s.1)],
                "application": {"id": APPLICATION_ID.to_string(), "flags": 0},
                "private_channels": [], "relationships": [], "presences": [],
                "guild_join_requests": [], "geo_ordered_rtc_regions": ["rotterdam"],
                "user_settings": {}, "auth_session_id_hash": "fake",
            });
            st.session = Some(Session {
                id: session_id.clone(),
                intents,
                log: vec![super::Dispatch { seq: 1, event: "READY".into(), data: ready }],
            });
            st.gateway.push(GatewayEvent::Ready { session_id: session_id.clone() });
            *stage = Stage::Live { session_id, delivered: 0 };
            Ok(Vec::new())
        }
        Some(6) => {
            let mut logged = d.clone();
            logged["token"] = json!("<redacted>");
            if !token_ok(d.get("token")) {
                refuse(&mut st, "op 6", logged, AUTHENTICATION_FAILED, "Authentication failed.");
                return Err((AUTHENTICATION_FAILED, "Authentication failed."));
            }
            let session_id =
                d.get("session_id").and_then(Value::as_str).unwrap_or_default().to_owned();
            let seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
            st.gateway.push(GatewayEvent::Resume { session_id: session_id.clone(), seq });
            let Some(session) = st.session.as_mut().filter(|s| s.id == session_id) else {
                st.gateway.push(GatewayEvent::InvalidSession);
                return Ok(vec![json!({"op": 9, "d": false, "s": null, "t": null})]);
            };
            // Replay what the bot missed, then RESUMED, numbered after them.
            let missed: Vec<Value> = session
                .log
                .iter()
                .filter(|x| x.seq > seq && x.event != "READY" && x.event != "RESUMED")
                .map(|x| json!({"op": 0, "s": x.seq, "t": x.event, "d": x.data}))
                .collect();
            let resumed_seq = session.log.len() as u64 + 1;
            session.log.push(super::Dispatch {
                seq: resumed_seq,
                event: "RESUMED".into(),
                data: json!({}),
            });
            let events: Vec<(u64, String)> = missed
                .iter()
                .map(|m| {
                    (m["s"].as_u64().unwrap_or(0), m["t"].as_str().unwrap_or_default().to_owned())
                })
                .collect();
            let replayed = missed.len();
            for (seq, event) in events {
                st.gateway.push(GatewayEvent::Dispatch { seq, event });
            }
            st.gateway.push(GatewayEvent::Resumed { replayed });
            st.gateway.push(GatewayEvent::Dispatch { seq: resumed_seq, event: "RESUMED".into() });
            *stage = Stage::Live { session_id, delivered: resumed_seq };
            let mut out = missed;
            out.push(json!({"op": 0, "s": resumed_seq, "t": "RESUMED", "d": {}}));
            Ok(out)
        }
        Some(3 | 4 | 8 | 31) => {
            if matches!(stage, Stage::Fresh) {
                refuse(
                    &mut st,
                    &format!("op {}", op.unwrap_or(0)),
                    d,
                    NOT_AUTHENTICATED,
                    "Not authenticated.",
                );
                return Err((NOT_AUTHENTICATED, "Not authenticated."));
            }
            Ok(Vec::new())
        }
        _ => {
            refuse(&mut st, &format!("op {op:?}"), d, UNKNOWN_OPCODE, "Unknown opcode.");
            Err((UNKNOWN_OPCODE, "Unknown opcode."))
        }
    }
}

/// Discord takes the gateway token with or without the `Bot ` prefix serenity adds.
fn token_ok(v: Option<&Value>) -> bool {
    v.and_then(Value::as_str).is_some_and(|t| t.strip_prefix("Bot ").unwrap_or(t) == TOKEN)
}
