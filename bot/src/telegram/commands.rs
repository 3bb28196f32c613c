//! The command menu Telegram shows (`setMyCommands`): everyone's commands in French and English,
//! and the admin commands added only in the admins' own chats.

use flowstage_core::domain::Lang;
use teloxide::payloads::SetMyCommandsSetters as _;
use teloxide::requests::{Request as _, Requester as _};
use teloxide::types::{BotCommand, BotCommandScope, ChatId, Recipient};

use super::Telegram;

const USER: &[(&str, &str, &str)] = &[
    ("start", "Commencer ou reprendre", "Start or resume"),
    ("help", "Ce que je sais faire", "What I can do"),
    ("profile", "Mon profil", "My profile"),
    ("match", "Trouver des lieux ou des artistes", "Find venues or artists"),
    ("favorites", "Mes favoris", "My favourites"),
    ("proposals", "Mes propositions", "My proposals"),
    ("settings", "Langue, alertes, email", "Language, alerts, email"),
    ("link", "Relier un autre compte (Discord, email)", "Link another account (Discord, email)"),
    ("support", "Écrire à l'équipe", "Write to the team"),
    ("mydata", "Exporter mes données", "Export my data"),
    ("deleteme", "Effacer mes données", "Erase my data"),
];

const ADMIN: &[(&str, &str, &str)] = &[
    ("pending", "Profils à valider", "Profiles to review"),
    ("approve", "Approuver un profil", "Approve a profile"),
    ("reject", "Refuser un profil", "Reject a profile"),
    ("suspend", "Suspendre un profil", "Suspend a profile"),
    ("stats", "Statistiques", "Statistics"),
    ("tickets", "Demandes de support", "Support requests"),
];

fn list(lang: Lang, admin: bool) -> Vec<BotCommand> {
    let extra: &[(&str, &str, &str)] = if admin { ADMIN } else { &[] };
    USER.iter()
        .chain(extra)
        .map(|(name, fr, en)| BotCommand::new(*name, if lang == Lang::En { *en } else { *fr }))
        .collect()
}

/// Registers the menus; a failure is logged and start-up goes on (the bot works without them).
pub(super) async fn register(tg: &Telegram) {
    let mut admins: Vec<i64> = tg.admins.iter().copied().collect();
    admins.sort_unstable();
    let mut jobs: Vec<(BotCommandScope, Option<Lang>, bool)> = vec![
        // No language: what clients in any other language show, in French (SPEC §1).
        (BotCommandScope::Default, None, false),
        (BotCommandScope::Default, Some(Lang::Fr), false),
        (BotCommandScope::Default, Some(Lang::En), false),
    ];
    for id in admins {
        for lang in [None, Some(Lang::Fr), Some(Lang::En)] {
            jobs.push((BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(id)) }, lang, true));
        }
    }
    for (scope, lang, admin) in jobs {
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
        if let Err(e) = result {
            // An admin who never opened the bot has no chat yet: Telegram says "chat not found".
            tracing::warn!(error = %e, ?scope, "registering the command menu failed");
        }
    }
}
