//! One sending pace for the whole bot (docs/decisions.md §20): Telegram takes about 30 messages a
//! second from a bot over all chats, and about one a second in one chat beyond a short burst.
//! Every message reserves its moment before it is sent, so senders queue at the pace instead of
//! all trying at once and being refused. A 429 slows the bot's pace down (it comes back slowly
//! while none follows) and puts the chat it concerned on the one-a-second pace for a while.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// Messages a second over all chats, and how many may go at once: a little under Telegram's
/// figure, which is approximate and counted where the messages arrive.
const BOT_RATE: f64 = 27.0;
const BOT_BURST: f64 = 20.0;
/// The slowest the bot's pace goes after 429s.
const BOT_FLOOR: f64 = 5.0;
/// One chat, once Telegram said it was too fast: a message a second, after a burst of this many.
const CHAT_RATE: f64 = 1.0;
const CHAT_BURST: f64 = 3.0;
/// How long a chat stays on its own pace after a 429 about it.
const CHAT_SLOW_FOR: Duration = Duration::from_secs(60);
/// Without a 429 for this long, the bot's pace goes up a step.
const RECOVER_EVERY: Duration = Duration::from_secs(10);

/// A generic cell rate: the next moment a message conforms, with `burst` messages of slack.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// The theoretical arrival time of the next message.
    tat: Instant,
}

impl Cell {
    /// The moment at or after `at` a message may go at `rate` with `burst` slack.
    fn earliest(self, at: Instant, rate: f64, burst: f64) -> Instant {
        let slack = Duration::from_secs_f64((burst - 1.0).max(0.0) / rate);
        at.max(self.tat.checked_sub(slack).unwrap_or(at))
    }

    /// Takes the moment `at` (conforming) for one message.
    fn take(&mut self, at: Instant, rate: f64) {
        self.tat = self.tat.max(at) + Duration::from_secs_f64(1.0 / rate);
    }
}

#[derive(Debug)]
struct State {
    bot: Cell,
    rate: f64,
    last_flood: Option<Instant>,
    /// Chats on their own pace, until when.
    chats: HashMap<i64, (Cell, Instant)>,
}

/// The bot's pace, shared by every sender of the process.
#[derive(Debug)]
pub struct Pace(Mutex<State>);

impl Default for Pace {
    fn default() -> Self {
        let now = Instant::now();
        Self(Mutex::new(State {
            bot: Cell { tat: now },
            rate: BOT_RATE,
            last_flood: None,
            chats: HashMap::new(),
        }))
    }
}

impl Pace {
    /// Reserves the moment for one message to `chat` and waits for it.
    pub async fn message(&self, chat: Option<i64>) {
        let at = {
            let mut st = self.0.lock().unwrap_or_else(PoisonError::into_inner);
            let now = Instant::now();
            if let Some(last) = st.last_flood
                && now.duration_since(last) >= RECOVER_EVERY
                && st.rate < BOT_RATE
            {
                st.rate = (st.rate + 5.0).min(BOT_RATE);
                st.last_flood = Some(now);
            }
            st.chats.retain(|_, (_, until)| *until > now);
            let rate = st.rate;
            let mut at = now;
            if let Some((cell, _)) = chat.and_then(|c| st.chats.get(&c)) {
                at = cell.earliest(at, CHAT_RATE, CHAT_BURST);
            }
            at = st.bot.earliest(at, rate, BOT_BURST);
            st.bot.take(at, rate);
            if let Some((cell, _)) = chat.and_then(|c| st.chats.get_mut(&c)) {
                cell.take(at, CHAT_RATE);
            }
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Telegram answered 429 (about `chat`, if a message to one): slower from now on.
    pub fn flooded(&self, chat: Option<i64>) {
        let mut st = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        st.rate = (st.rate * 0.8).max(BOT_FLOOR);
        st.last_flood = Some(now);
        if let Some(c) = chat {
            let cell = st.chats.get(&c).map_or(Cell { tat: now }, |(cell, _)| *cell);
            st.chats.insert(c, (cell, now + CHAT_SLOW_FOR));
        }
    }

    #[cfg(test)]
    fn rate(&self) -> f64 {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).rate
    }
}

/// A random share (0 to 1) of `of`, so senders paused together do not all start again at once.
#[must_use]
pub fn jitter(of: Duration) -> Duration {
    of.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn messages_go_at_the_bots_pace_after_a_burst() {
        let pace = Pace::default();
        let start = Instant::now();
        for n in 0..90 {
            pace.message(Some(n % 7)).await;
        }
        // 20 at once, then 70 at 27 a second.
        let took = start.elapsed().as_secs_f64();
        assert!((2.5..=2.65).contains(&took), "{took}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_flood_slows_the_bot_and_the_chat_then_the_bot_recovers() {
        let pace = Pace::default();
        pace.flooded(Some(1));
        assert!((pace.rate() - 21.6).abs() < 1e-9);
        let start = Instant::now();
        for _ in 0..6 {
            pace.message(Some(1)).await;
        }
        // Three at once, then one a second.
        let took = start.elapsed().as_secs_f64();
        assert!((2.9..=3.1).contains(&took), "{took}");
        tokio::time::sleep(RECOVER_EVERY).await;
        pace.message(None).await;
        assert!((pace.rate() - 26.6).abs() < 1e-9);
        tokio::time::sleep(CHAT_SLOW_FOR).await;
        let start = Instant::now();
        for _ in 0..6 {
            pace.message(Some(1)).await;
        }
        assert!(start.elapsed() < Duration::from_millis(300), "the chat's own pace is over");
    }
}
