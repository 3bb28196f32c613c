//! The REST side of the fake: Discord's HTTP API v10 under `/api/v10`, with its authentication,
//! its per-route rate-limit buckets and headers, its error bodies, and the rules of interaction
//! responses (one initial response within 3 s, follow-ups and edits for 15 minutes).

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::validate::{self, FLAG_EPHEMERAL, FLAG_LOADING, FormErrors};
use super::{
    APPLICATION_ID, Attachment, COMMAND, COMPONENT, Call, DiscordMessage, GUILD_ID, Inner, Refusal,
    Response as Callback, St, TOKEN, bot_user_json, channel_json, dm_channel, message_json,
    next_id,
};

/// A refusal as Discord words it.
pub(super) struct ApiError {
    status: u16,
    code: i64,
    message: String,
    errors: Value,
    retry_after: Option<f64>,
    /// Refusals the bot cannot avoid (the first 50007 for a person) are not logged.
    logged: bool,
}

fn err(status: u16, code: i64, message: &str) -> ApiError {
    ApiError {
        status,
        code,
        message: message.to_owned(),
        errors: Value::Null,
        retry_after: None,
        logged: true,
    }
}

fn invalid_form(errors: &FormErrors) -> ApiError {
    ApiError {
        status: 400,
        code: 50035,
        message: "Invalid Form Body".into(),
        errors: errors.to_json(),
        retry_after: None,
        logged: true,
    }
}

fn check(errors: FormErrors) -> Result<(), ApiError> {
    if errors.is_empty() { Ok(()) } else { Err(invalid_form(&errors)) }
}

fn not_found() -> ApiError {
    err(404, 0, "404: Not Found")
}

fn unknown_interaction() -> ApiError {
    err(404, 10062, "Unknown interaction")
}

fn unknown_webhook() -> ApiError {
    err(404, 10015, "Unknown Webhook")
}

fn unknown_message() -> ApiError {
    err(404, 10008, "Unknown Message")
}

fn unknown_channel() -> ApiError {
    err(404, 10003, "Unknown Channel")
}

fn missing_access() -> ApiError {
    err(403, 50001, "Missing Access")
}

fn empty_message() -> ApiError {
    err(400, 50006, "Cannot send an empty message")
}

enum Reply {
    Json(StatusCode, Value),
    NoContent,
}

type ApiResult = Result<Reply, ApiError>;

fn ok(v: Value) -> ApiResult {
    Ok(Reply::Json(StatusCode::OK, v))
}

/// The request body: JSON, or multipart with `payload_json` and `files[n]`.
struct Body {
    json: Value,
    files: Vec<Attachment>,
}

async fn read_body(req: Request) -> Result<Body, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        let mut mp = axum::extract::Multipart::from_request(req, &())
            .await
            .map_err(|_| err(400, 50109, "The request body contains invalid JSON."))?;
        let mut json = Value::Null;
        let mut files = Vec::new();
        while let Ok(Some(field)) = mp.next_field().await {
            let name = field.name().unwrap_or_default().to_owned();
            let filename = field.file_name().map(str::to_owned);
            let mime = field.content_type().unwrap_or("application/octet-stream").to_owned();
            let data = field
                .bytes()
                .await
                .map_err(|_| err(400, 50109, "The request body contains invalid JSON."))?;
            if name == "payload_json" {
                json = serde_json::from_slice(&data)
                    .map_err(|_| err(400, 50109, "The request body contains invalid JSON."))?;
            } else if let Some(filename) = filename {
                files.push(Attachment { filename, content_type: mime, bytes: data.to_vec() });
            }
        }
        return Ok(Body { json, files });
    }
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), 32 << 20)
        .await
        .map_err(|_| err(413, 40005, "Request entity too large"))?;
    if bytes.is_empty() {
        return Ok(Body { json: Value::Null, files: Vec::new() });
    }
    let json = serde_json::from_slice(&bytes)
        .map_err(|_| err(400, 50109, "The request body contains invalid JSON."))?;
    Ok(Body { json, files: Vec::new() })
}

/// The rate-limit bucket of a route: its hash (same for every channel) and its key (one per
/// major parameter: channel, guild, webhook or interaction).
fn bucket_of(method: &Method, segs: &[&str]) -> (String, String) {
    let mut template = vec![method.as_str().to_owned()];
    let mut key = vec![method.as_str().to_owned()];
    let mut prev = "";
    let mut major_token = false;
    for s in segs {
        let is_id = s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty();
        if major_token {
            // The token after a webhook or interaction id belongs to the major parameter.
            template.push(":token".into());
            key.push((*s).to_owned());
            major_token = false;
        } else if is_id && matches!(prev, "channels" | "guilds" | "webhooks" | "interactions") {
            template.push(":major".into());
            key.push((*s).to_owned());
            major_token = matches!(prev, "webhooks" | "interactions");
        } else if is_id {
            template.push(":id".into());
            key.push(":id".into());
        } else {
            template.push((*s).to_owned());
            key.push((*s).to_owned());
        }
        prev = s;
    }
    let template = template.join("/");
    // FNV-1a: a stable, opaque bucket id like Discord's.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in template.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (format!("{h:016x}"), key.join("/"))
}

/// Counts the call in its bucket: the headers to send, or the 429 when the bucket is empty.
fn rate_limit(st: &mut St, hash: &str, key: &str) -> (HeaderMap, Option<ApiError>) {
    let now = Instant::now();
    let (limit, window) = (st.rate_limit, st.rate_window);
    let bucket =
        st.buckets.entry(key.to_owned()).or_insert(super::Bucket { used: 0, window_start: now });
    if now.duration_since(bucket.window_start) >= window {
        bucket.used = 0;
        bucket.window_start = now;
    }
    let reset_after = window.saturating_sub(now.duration_since(bucket.window_start));
    let refused = bucket.used >= limit;
    if !refused {
        bucket.used += 1;
    }
    let remaining = limit.saturating_sub(bucket.used);
    let reset_at = SystemTime::now() + reset_after;
    let reset_epoch =
        reset_at.duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    let mut h = HeaderMap::new();
    let mut put = |k: &'static str, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    put("x-ratelimit-limit", limit.to_string());
    put("x-ratelimit-remaining", remaining.to_string());
    put("x-ratelimit-reset", format!("{reset_epoch:.3}"));
    put("x-ratelimit-reset-after", format!("{:.3}", reset_after.as_secs_f64()));
    put("x-ratelimit-bucket", hash.to_owned());
    if refused {
        put("x-ratelimit-scope", "user".into());
        put("retry-after", reset_after.as_secs_f64().ceil().to_string());
        let mut e = err(429, 0, "You are being rate limited.");
        e.retry_after = Some((reset_after.as_secs_f64() * 1000.0).ceil() / 1000.0);
        return (h, Some(e));
    }
    (h, None)
}

fn render(result: ApiResult, mut headers: HeaderMap) -> Response {
    let mut resp = match result {
        Ok(Reply::Json(status, v)) => (status, axum::Json(v)).into_response(),
        Ok(Reply::NoContent) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let body = if let Some(retry_after) = e.retry_after {
                json!({"message": e.message, "retry_after": retry_after, "global": false})
            } else if e.errors.is_null() {
                json!({"message": e.message, "code": e.code})
            } else {
                json!({"message": e.message, "code": e.code, "errors": e.errors})
            };
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, axum::Json(body)).into_response()
        }
    };
    resp.headers_mut().extend(headers.drain().filter_map(|(k, v)| k.map(|k| (k, v))));
    resp
}

pub(super) async fn handle(
    State(inner): State<Arc<Inner>>,
    Path(path): Path<String>,
    req: Request,
) -> Response {
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let headers = req.headers().clone();
    let Some(api_path) = path.strip_prefix("api/v10/") else {
        return render(Err(not_found()), HeaderMap::new());
    };
    let api_path = api_path.trim_end_matches('/').to_owned();
    let logged_path = match &query {
        Some(q) => format!("/{api_path}?{q}"),
        None => format!("/{api_path}"),
    };
    let body = match read_body(req).await {
        Ok(b) => b,
        Err(e) => {
            return finish(&inner, &method, &logged_path, Value::Null, Err(e), HeaderMap::new());
        }
    };
    let segs: Vec<&str> = api_path.split('/').collect();
    // Interaction callbacks and webhook calls authenticate by their token in the path.
    let token_route = matches!(segs.first(), Some(&"interactions" | &"webhooks"));
    let is_gateway = segs.first() == Some(&"gateway");
    let auth_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {TOKEN}"));
    let agent_ok = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("DiscordBot"));
    let (hash, key) = bucket_of(&method, &segs);
    let mut st = inner.st();
    if !agent_ok {
        drop(st);
        let e = err(
            403,
            40333,
            "internal network error: a User-Agent \"DiscordBot (url, version)\" is required",
        );
        return finish(&inner, &method, &logged_path, body.json, Err(e), HeaderMap::new());
    }
    if !token_route && !is_gateway && !auth_ok {
        drop(st);
        let e = err(401, 0, "401: Unauthorized");
        return finish(&inner, &method, &logged_path, body.json, Err(e), HeaderMap::new());
    }
    let (rl_headers, limited) = rate_limit(&mut st, &hash, &key);
    let result = match limited {
        Some(e) => Err(e),
        None => route(&inner, &mut st, &method, &segs, query.as_deref(), &body),
    };
    drop(st);
    finish(&inner, &method, &logged_path, body.json, result, rl_headers)
}

fn finish(
    inner: &Inner,
    method: &Method,
    path: &str,
    body: Value,
    result: ApiResult,
    headers: HeaderMap,
) -> Response {
    {
        let mut st = inner.st();
        let status = match &result {
            Ok(Reply::Json(s, _)) => s.as_u16(),
            Ok(Reply::NoContent) => 204,
            Err(e) => e.status,
        };
        st.calls.push(Call {
            method: method.to_string(),
            path: path.to_owned(),
            body: body.clone(),
            status,
            at: Instant::now(),
        });
        if let Err(e) = &result
            && e.logged
        {
            st.refused.push(Refusal {
                method: method.to_string(),
                path: path.to_owned(),
                body,
                status: e.status,
                code: e.code,
                message: e.message.clone(),
                errors: e.errors.clone(),
            });
        }
    }
    inner.changed.notify_waiters();
    render(result, headers)
}

fn parse_id(s: &str) -> Option<u64> {
    s.parse().ok()
}

fn route(
    inner: &Inner,
    st: &mut St,
    method: &Method,
    segs: &[&str],
    query: Option<&str>,
    body: &Body,
) -> ApiResult {
    let m = method.as_str();
    match (m, segs) {
        ("GET", ["gateway"]) => ok(json!({"url": inner.ws_url()})),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": inner.ws_url(), "shards": 1,
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1},
        })),
        ("GET", ["users", "@me"]) => ok(bot_user_json()),
        ("POST", ["users", "@me", "channels"]) => {
            let Some(user) = body.json.get("recipient_id").and_then(|v| match v {
                Value::String(s) => parse_id(s),
                v => v.as_u64(),
            }) else {
                let mut e = FormErrors::default();
                e.add("recipient_id", "BASE_TYPE_REQUIRED", "This field is required");
                return Err(invalid_form(&e));
            };
            if !st.people.contains_key(&user) {
                return Err(err(404, 10013, "Unknown User"));
            }
            let ch = dm_channel(st, user);
            ok(channel_json(st, ch))
        }
        (_, ["applications", app, rest @ ..]) => {
            if parse_id(app) != Some(APPLICATION_ID) {
                return Err(missing_access());
            }
            match rest {
                ["commands", tail @ ..] => commands(st, m, None, tail, &body.json),
                ["guilds", g, "commands", tail @ ..] => {
                    if parse_id(g) != Some(GUILD_ID) {
                        return Err(missing_access());
                    }
                    commands(st, m, Some(GUILD_ID), tail, &body.json)
                }
                _ => Err(not_found()),
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => callback(st, id, token, body),
        (_, ["webhooks", app, token, rest @ ..]) => webhook(st, m, app, token, rest, query, body),
        (_, ["channels", ch, rest @ ..]) => {
            let Some(ch) = parse_id(ch).filter(|c| st.channels.contains_key(c)) else {
                return Err(unknown_channel());
            };
            channel(st, m, ch, rest, body)
        }
        _ => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------
// Application commands.

fn command_json(st: &mut St, c: &Value, guild: Option<u64>, id: Option<String>) -> Value {
    let id = id.unwrap_or_else(|| next_id(st).to_string());
    let mut v = json!({
        "id": id, "application_id": APPLICATION_ID.to_string(), "version": next_id(st).to_string(),
        "type": c.get("type").cloned().unwrap_or(json!(1)), "name": c["name"],
        "name_localizations": c.get("name_localizations").cloned().unwrap_or(Value::Null),
        "description": c.get("description").cloned().unwrap_or(json!("")),
        "description_localizations": c.get("description_localizations").cloned().unwrap_or(Value::Null),
        "default_member_permissions": c.get("default_member_permissions").cloned().unwrap_or(Value::Null),
        "dm_permission": c.get("dm_permission").cloned().unwrap_or(json!(true)),
        "nsfw": c.get("nsfw").cloned().unwrap_or(json!(false)),
        "contexts": c.get("contexts").cloned().unwrap_or(Value::Null),
        "integration_types": c.get("integration_types").cloned().unwrap_or(json!([0])),
    });
    if let Some(opts) = c.get("options").filter(|o| !o.is_null()) {
        v["options"] = opts.clone();
    }
    if let Some(g) = guild {
        v["guild_id"] = json!(g.to_string());
    }
    v
}

/// Discord's per-scope cap: 100 chat-input commands, 15 user and 15 message commands.
fn check_scope(list: &[Value]) -> Result<(), ApiError> {
    for (kind, max) in [(1, 100), (2, 15), (3, 15)] {
        let n = list
            .iter()
            .filter(|c| c.get("type").and_then(Value::as_u64).unwrap_or(1) == kind)
            .count();
        if n > max {
            return Err(err(400, 30032, "Maximum number of application commands reached"));
        }
    }
    Ok(())
}

fn commands(st: &mut St, m: &str, scope: Option<u64>, tail: &[&str], body: &Value) -> ApiResult {
    match (m, tail) {
        ("GET", []) => ok(Value::Array(st.commands.get(&scope).cloned().unwrap_or_default())),
        ("PUT", []) => {
            let Some(list) = body.as_array() else {
                let mut e = FormErrors::default();
                e.add("", "BASE_TYPE_ARRAY", "Must be an array");
                return Err(invalid_form(&e));
            };
            let mut errors = FormErrors::default();
            let mut seen: Vec<(u64, &str)> = Vec::new();
            for (i, c) in list.iter().enumerate() {
                validate::command(c, &i.to_string(), &mut errors);
                let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
                let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
                if seen.contains(&(kind, name)) {
                    errors.add(
                        format!("{i}.name"),
                        "APPLICATION_COMMANDS_DUPLICATE_NAME",
                        format!("Application command names must be unique: {name:?}"),
                    );
                }
                seen.push((kind, name));
            }
            check(errors)?;
            check_scope(list)?;
            let old = st.commands.get(&scope).cloned().unwrap_or_default();
            let mut out = Vec::new();
            for c in list {
                // An overwrite keeps the id of a command of the same name and type.
                let id = old
                    .iter()
                    .find(|o| {
                        o["name"] == c["name"]
                            && o["type"] == c.get("type").cloned().unwrap_or(json!(1))
                    })
                    .and_then(|o| o["id"].as_str().map(str::to_owned));
                out.push(command_json(st, c, scope, id));
            }
            st.commands.insert(scope, out.clone());
            ok(Value::Array(out))
        }
        ("POST", []) => {
            let mut errors = FormErrors::default();
            validate::command(body, "", &mut errors);
            check(errors)?;
            let mut list = st.commands.get(&scope).cloned().unwrap_or_default();
            let kind = body.get("type").cloned().unwrap_or(json!(1));
            let existing = list.iter().position(|o| o["name"] == body["name"] && o["type"] == kind);
            let id = existing.and_then(|i| list[i]["id"].as_str().map(str::to_owned));
            let c = command_json(st, body, scope, id);
            let status = if let Some(i) = existing {
                list[i] = c.clone();
                StatusCode::OK
            } else {
                list.push(c.clone());
                StatusCode::CREATED
            };
            check_scope(&list)?;
            st.commands.insert(scope, list);
            Ok(Reply::Json(status, c))
        }
        (_, [id]) => {
            let list = st.commands.entry(scope).or_default();
            let Some(i) = list.iter().position(|c| c["id"] == *id) else {
                return Err(err(404, 10063, "Unknown application command"));
            };
            match m {
                "GET" => ok(list[i].clone()),
                "DELETE" => {
                    list.remove(i);
                    Ok(Reply::NoContent)
                }
                "PATCH" => {
                    let mut merged = list[i].clone();
                    if let (Some(to), Some(from)) = (merged.as_object_mut(), body.as_object()) {
                        for (k, v) in from {
                            to.insert(k.clone(), v.clone());
                        }
                    }
                    let mut errors = FormErrors::default();
                    validate::command(&merged, "", &mut errors);
                    check(errors)?;
                    let id = merged["id"].as_str().map(str::to_owned);
                    let c = command_json(st, &merged, scope, id);
                    st.commands.entry(scope).or_default()[i] = c.clone();
                    ok(c)
                }
                _ => Err(err(405, 0, "405: Method Not Allowed")),
            }
        }
        _ => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------
// Interaction responses, follow-ups and edits.

fn new_message(
    st: &mut St,
    channel: u64,
    body: &Value,
    files: &[Attachment],
    interaction: Option<(u64, u64)>,
) -> u64 {
    let id = next_id(st);
    let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let ephemeral = flags & FLAG_EPHEMERAL != 0;
    st.messages.push(DiscordMessage {
        id,
        channel_id: channel,
        author: APPLICATION_ID,
        content: body.get("content").and_then(Value::as_str).unwrap_or_default().to_owned(),
        embeds: body.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default(),
        components: body.get("components").and_then(Value::as_array).cloned().unwrap_or_default(),
        attachments: files.to_vec(),
        flags,
        interaction: interaction.map(|(i, _)| i),
        ephemeral_to: if ephemeral { interaction.map(|(_, u)| u) } else { None },
        edits: 0,
        deleted: false,
    });
    id
}

/// Applies an edit (`PATCH`, or an UPDATE_MESSAGE response) to a message: the fields present
/// replace the old ones, and the result must still show something.
fn edit_message(
    st: &mut St,
    id: u64,
    body: &Value,
    files: &[Attachment],
) -> Result<Value, ApiError> {
    let mut errors = FormErrors::default();
    validate::message(body, true, &mut errors);
    check(errors)?;
    let Some(i) = st.messages.iter().position(|m| m.id == id && !m.deleted) else {
        return Err(unknown_message());
    };
    let mut m = st.messages[i].clone();
    if let Some(c) = body.get("content") {
        m.content = c.as_str().unwrap_or_default().to_owned();
    }
    if let Some(e) = body.get("embeds") {
        m.embeds = e.as_array().cloned().unwrap_or_default();
    }
    if let Some(c) = body.get("components") {
        m.components = c.as_array().cloned().unwrap_or_default();
    }
    if let Some(a) = body.get("attachments") {
        // Attachments listed by id are kept; new files come in the multipart.
        let keep = a.as_array().map_or(0, Vec::len);
        m.attachments.truncate(keep.min(m.attachments.len()));
    }
    m.attachments.extend(files.iter().cloned());
    let was_loading = m.flags & FLAG_LOADING != 0;
    m.flags &= !FLAG_LOADING;
    if !validate::has_body(
        &json!({"content": m.content, "embeds": m.embeds, "components": m.components}),
        m.attachments.len(),
    ) {
        return Err(empty_message());
    }
    if !was_loading {
        m.edits += 1;
    }
    let v = message_json(st, &m);
    st.messages[i] = m;
    Ok(v)
}

fn callback(st: &mut St, id: &str, token: &str, body: &Body) -> ApiResult {
    let Some(idx) =
        st.interactions.iter().position(|x| Some(x.r.id) == parse_id(id) && x.r.token == token)
    else {
        return Err(unknown_interaction());
    };
    let x = st.interactions[idx].clone();
    if x.response.is_some() {
        return Err(err(400, 40060, "Interaction has already been acknowledged."));
    }
    let after = x.created.elapsed();
    if after > st.interaction_timeout {
        return Err(unknown_interaction());
    }
    let kind = body.json.get("type").and_then(Value::as_u64).unwrap_or(0);
    let data = body.json.get("data").cloned().unwrap_or(Value::Null);
    let has_source = x.source.is_some();
    let allowed = match x.r.kind {
        COMMAND => matches!(kind, 4 | 5 | 9),
        COMPONENT => matches!(kind, 4 | 5 | 6 | 7 | 9),
        super::AUTOCOMPLETE => kind == 8,
        super::MODAL_SUBMIT => matches!(kind, 4 | 5) || (has_source && matches!(kind, 6 | 7)),
        _ => kind == 1,
    };
    if !allowed {
        let mut e = FormErrors::default();
        e.add(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID",
            format!("Response type {kind} is invalid for interaction type {}", x.r.kind),
        );
        return Err(invalid_form(&e));
    }
    let mut original = None;
    match kind {
        4 => {
            let mut e = FormErrors::default();
            validate::message(&data, true, &mut e);
            let prefixed =
                FormErrors(e.0.into_iter().map(|(p, c, m)| (format!("data.{p}"), c, m)).collect());
            check(prefixed)?;
            if !validate::has_body(&data, body.files.len()) {
                return Err(empty_message());
            }
            original =
                Some(new_message(st, x.channel, &data, &body.files, Some((x.r.id, x.r.user))));
        }
        5 => {
            let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
            if flags & !FLAG_EPHEMERAL != 0 {
                let mut e = FormErrors::default();
                e.add("data.flags", "MESSAGE_INVALID_FLAGS", "Invalid flags");
                return Err(invalid_form(&e));
            }
            let loading = json!({"flags": flags | FLAG_LOADING});
            original = Some(new_message(st, x.channel, &loading, &[], Some((x.r.id, x.r.user))));
        }
        6 => original = x.source,
        7 => {
            let source = x.source.unwrap_or_default();
            edit_message(st, source, &data, &body.files).map_err(|mut e| {
                if let Value::Object(errs) = &e.errors {
                    e.errors = json!({"data": errs});
                }
                e
            })?;
            original = x.source;
        }
        8 => {
            let mut e = FormErrors::default();
            validate::choices(&data, &mut e);
            check(e)?;
        }
        9 => {
            let mut e = FormErrors::default();
            validate::modal(&data, &mut e);
            check(e)?;
        }
        _ => {}
    }
    let x = &mut st.interactions[idx];
    if matches!(kind, 4 | 7) {
        x.answered = Some(after);
    }
    x.response = Some(Callback { kind: kind as u8, data, after });
    x.original = original;
    Ok(Reply::NoContent)
}

/// Notes when an interaction got its first answering message.
fn answered(st: &mut St, idx: usize) {
    if let Some(x) = st.interactions.get_mut(idx)
        && x.answered.is_none()
    {
        x.answered = Some(x.created.elapsed());
    }
}

fn webhook(
    st: &mut St,
    m: &str,
    app: &str,
    token: &str,
    rest: &[&str],
    _query: Option<&str>,
    body: &Body,
) -> ApiResult {
    let found = st.interactions.iter().position(|x| x.r.token == token);
    let Some(idx) = found.filter(|_| parse_id(app) == Some(APPLICATION_ID)) else {
        return Err(unknown_webhook());
    };
    let x = st.interactions[idx].clone();
    if x.created.elapsed() > st.token_lifetime || x.response.is_none() {
        return Err(unknown_webhook());
    }
    match (m, rest) {
        ("POST", []) => {
            let mut e = FormErrors::default();
            validate::message(&body.json, true, &mut e);
            check(e)?;
            if !validate::has_body(&body.json, body.files.len()) {
                return Err(empty_message());
            }
            // After a deferral, the first follow-up fills the "thinking…" message.
            let loading = x.original.filter(|o| {
                st.messages.iter().any(|msg| msg.id == *o && msg.flags & FLAG_LOADING != 0)
            });
            if let Some(o) = loading {
                let v = edit_message(st, o, &body.json, &body.files)?;
                answered(st, idx);
                return ok(v);
            }
            let id = new_message(st, x.channel, &body.json, &body.files, Some((x.r.id, x.r.user)));
            st.interactions[idx].followups.push(id);
            answered(st, idx);
            let msg = st.messages.iter().find(|msg| msg.id == id).cloned();
            ok(msg.map(|msg| message_json(st, &msg)).unwrap_or(Value::Null))
        }
        (_, ["messages", which]) => {
            let target = if *which == "@original" {
                x.original
            } else {
                parse_id(which).filter(|id| x.followups.contains(id) || x.original == Some(*id))
            };
            let Some(target) =
                target.filter(|t| st.messages.iter().any(|msg| msg.id == *t && !msg.deleted))
            else {
                return Err(unknown_message());
            };
            match m {
                "GET" => {
                    let msg = st.messages.iter().find(|msg| msg.id == target).cloned();
                    ok(msg.map(|msg| message_json(st, &msg)).unwrap_or(Value::Null))
                }
                "PATCH" => {
                    let v = edit_message(st, target, &body.json, &body.files)?;
                    answered(st, idx);
                    ok(v)
                }
                "DELETE" => {
                    if let Some(msg) = st.messages.iter_mut().find(|msg| msg.id == target) {
                        msg.deleted = true;
                    }
                    Ok(Reply::NoContent)
                }
                _ => Err(err(405, 0, "405: Method Not Allowed")),
            }
        }
        _ => Err(not_found()),
    }
}

// ---------------------------------------------------------------------------------------------
// Channel messages.

fn channel(st: &mut St, m: &str, ch: u64, rest: &[&str], body: &Body) -> ApiResult {
    match (m, rest) {
        ("GET", []) => ok(channel_json(st, ch)),
        ("POST", ["messages"]) => {
            let mut e = FormErrors::default();
            validate::message(&body.json, false, &mut e);
            check(e)?;
            if !validate::has_body(&body.json, body.files.len()) {
                return Err(empty_message());
            }
            if let Some(user) = st.channels.get(&ch).and_then(|c| c.recipient)
                && st.people.get(&user).is_some_and(|p| p.dms_closed)
            {
                let n = st.dms_refused.entry(user).or_insert(0);
                *n += 1;
                let mut e = err(403, 50007, "Cannot send messages to this user");
                // The first refusal is how the bot learns it; trying again is the mistake.
                e.logged = *n > 1;
                return Err(e);
            }
            let id = new_message(st, ch, &body.json, &body.files, None);
            let msg = st.messages.iter().find(|msg| msg.id == id).cloned();
            ok(msg.map(|msg| message_json(st, &msg)).unwrap_or(Value::Null))
        }
        (_, ["messages", id]) => {
            let Some(msg) = parse_id(id)
                .and_then(|id| {
                    st.messages
                        .iter()
                        .find(|msg| msg.id == id && msg.channel_id == ch && !msg.deleted)
                })
                .cloned()
            else {
                return Err(unknown_message());
            };
            if msg.ephemeral_to.is_some() {
                return Err(unknown_message());
            }
            match m {
                "GET" => ok(message_json(st, &msg)),
                "PATCH" => {
                    if msg.author != APPLICATION_ID {
                        return Err(err(
                            403,
                            50005,
                            "Cannot edit a message authored by another user",
                        ));
                    }
                    let mut e = FormErrors::default();
                    validate::message(&body.json, false, &mut e);
                    check(e)?;
                    edit_message(st, msg.id, &body.json, &body.files)
                        .map(|v| Reply::Json(StatusCode::OK, v))
                }
                "DELETE" => {
                    if let Some(x) = st.messages.iter_mut().find(|x| x.id == msg.id) {
                        x.deleted = true;
                    }
                    Ok(Reply::NoContent)
                }
                _ => Err(err(405, 0, "405: Method Not Allowed")),
            }
        }
        _ => Err(not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_share_a_hash_across_channels_and_split_by_channel() {
        let (h1, k1) = bucket_of(&Method::POST, &["channels", "1", "messages"]);
        let (h2, k2) = bucket_of(&Method::POST, &["channels", "2", "messages"]);
        assert_eq!(h1, h2);
        assert_ne!(k1, k2);
        let (_, a) = bucket_of(&Method::PATCH, &["channels", "1", "messages", "10"]);
        let (_, b) = bucket_of(&Method::PATCH, &["channels", "1", "messages", "11"]);
        assert_eq!(a, b, "message ids are not major parameters");
        let (_, a) = bucket_of(&Method::POST, &["webhooks", "1", "tok-a"]);
        let (_, b) = bucket_of(&Method::POST, &["webhooks", "1", "tok-b"]);
        assert_ne!(a, b, "each interaction token is its own webhook bucket");
    }
}
