//! The command menu Telegram shows (`setMyCommands`), derived from the core's command catalogue:
//! everyone's commands in French and English, and the admin commands only in the admins' chats.

use flowstage_core::conversation::commands as catalogue;
use flowstage_core::domain::Lang;
use teloxide::payloads::SetMyCommandsSetters as _;
use teloxide::requests::{Request as _, Requester as _};
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};

use super::Telegram;

/// The menu of the core's command catalogue, in `lang`.
fn list(lang: Lang, admin: bool) -> Vec<BotCommand> {
    catalogue::menu(admin).map(|c| BotCommand::new(c.name, c.short(lang))).collect()
}

/// Registers the menus; a failure is logged and start-up goes on (the bot works without them).
pub(super) async fn register(tg: &Telegram) {
    for lang in [None, Some(Lang::Fr), Some(Lang::En)] {
        // No language: what clients in any other language show, in French (docs/product-rules.md
        // §1).
        set(tg, BotCommandScope::Default, lang, false).await;
    }
    let mut admins: Vec<i64> = tg.admins.iter().copied().collect();
    admins.sort_unstable();
    for id in admins {
        register_admin(tg, id).await;
    }
}

/// The admin menu in one admin's chat. An admin who never opened the bot has no chat yet
/// (Telegram answers "chat not found"): their menu is registered when they first write.
pub(super) async fn register_admin(tg: &Telegram, id: i64) {
    let mut ok = true;
    for lang in [None, Some(Lang::Fr), Some(Lang::En)] {
        let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(id)) };
        ok &= set(tg, scope, lang, true).await;
    }
    if ok {
        tg.admin_menus.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id);
    }
}

async fn set(tg: &Telegram, scope: BotCommandScope, lang: Option<Lang>, admin: bool) -> bool {
    let commands = list(lang.unwrap_or(Lang::Fr), admin);
    let result = tg
        .sender
        .call(None, "setMyCommands", || {
            let mut r = tg.bot.set_my_commands(commands.clone()).scope(scope.clone());
            if let Some(l) = lang {
                r = r.language_code(l.code());
            }
            r.send()
        })
        .await;
    if let Err(e) = &result {
        tracing::warn!(error = %e, ?scope, "registering the command menu failed");
    }
    result.is_ok()
}
