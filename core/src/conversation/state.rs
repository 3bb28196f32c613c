//! The stored shape of a conversation (STYLE §5): explicit and versioned, because yesterday's
//! conversations are still in the database when today's binary starts. A state this version
//! cannot read restarts the conversation politely instead of failing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::payload::{DealKind, Field};
use crate::booking::MissingField;
use crate::domain::genre::{GenreId, GenreSet};
use crate::domain::places::City;
use crate::domain::profile::ProfileKind;
use crate::domain::proposal::ShowTimes;
use crate::domain::search::{FilterKind, SearchFilters};
use crate::domain::terms::{Cents, Cost};
use crate::domain::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateSet, Email, Fee, LicenceNumber, Links,
    LongText, Name, TravelRadius,
};
use crate::domain::{BookingId, ProfileId, ProposalId, TicketId};

/// Bump when a change to these types cannot read older states, and teach [`State::decode`] the
/// way from the old shape.
pub const STATE_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub v: u32,
    /// Changes whenever the screen changes; buttons carry it (see `payload`).
    pub nonce: u32,
    /// The person accepted the privacy notice (GDPR).
    pub consented: bool,
    /// The profile the person speaks as (a booker may own several).
    pub active: Option<ProfileId>,
    pub mode: Mode,
    /// A button pressed before consent (a notification's "View"): carried out once the person
    /// agrees. Absent from states stored before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<String>,
    /// Where the person was before stepping aside (a profile draft set aside by Cancel, a
    /// question interrupted by /deleteme): `/profile` or "No" brings them back to it. Older
    /// states have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parked: Option<Box<Mode>>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            v: STATE_VERSION,
            nonce: 1,
            consented: false,
            active: None,
            mode: Mode::Idle,
            resume: None,
            parked: None,
        }
    }
}

/// Where the conversation stands. Stored as a map whose `mode` names the variant, beside the
/// variant's own fields (serde's internally tagged form); read by [`ModeVisitor`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case", remote = "Self")]
pub enum Mode {
    Idle,
    /// The privacy notice is shown; waiting for consent.
    Consent,
    /// Artist or venue?
    ChooseRole,
    Wizard(Box<Wizard>),
    Results(Results),
    Propose(Box<ProposeDraft>),
    /// Waiting for one typed answer.
    Await(Prompt),
    ConfirmErase,
    /// Contract details: what a booking's contract still needs, or the details page of a
    /// profile (issue 13).
    Contract(Box<ContractForm>),
}

impl Serialize for Mode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The derived form (`remote = "Self"` makes it an inherent function).
        Mode::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Mode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ModeVisitor)
    }
}

/// Reads a stored mode. Every step reads one, and serde's derived reading of an internally
/// tagged enum first copies the whole map (a wizard's draft and all) into a generic buffer,
/// then reads the variant from that copy: a tenth of a step's CPU. `mode` is the first key of
/// every map this code writes, so the variant is known at once and its fields are read
/// straight from the JSON. A map whose first key is another (a state written by hand) is read
/// the derived way.
struct ModeVisitor;

/// The first key of a stored mode.
enum FirstKey {
    Mode,
    Other(String),
}

impl<'de> Deserialize<'de> for FirstKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl serde::de::Visitor<'_> for KeyVisitor {
            type Value = FirstKey;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<FirstKey, E> {
                Ok(if key == "mode" { FirstKey::Mode } else { FirstKey::Other(key.to_owned()) })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The variants' names, as `mode` holds them.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ModeTag {
    Idle,
    Consent,
    ChooseRole,
    Wizard,
    Results,
    Propose,
    Await,
    ConfirmErase,
    Contract,
}

impl<'de> serde::de::Visitor<'de> for ModeVisitor {
    type Value = Mode;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a conversation mode")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Mode, A::Error> {
        use serde::de::value::MapAccessDeserializer;
        let first = match map.next_key::<FirstKey>()? {
            Some(FirstKey::Mode) => map.next_value::<ModeTag>()?,
            Some(FirstKey::Other(key)) => {
                let mut object = serde_json::Map::new();
                object.insert(key, map.next_value()?);
                while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
                    object.insert(key, value);
                }
                return Mode::deserialize(serde_json::Value::Object(object))
                    .map_err(serde::de::Error::custom);
            }
            None => return Err(serde::de::Error::missing_field("mode")),
        };
        // The rest of the map is the variant's fields.
        let rest = MapAccessDeserializer::new(map);
        // A variant without fields: whatever else the map holds is passed over, as serde does.
        let unit = |rest: MapAccessDeserializer<A>, mode| {
            serde::de::IgnoredAny::deserialize(rest).map(|_| mode)
        };
        Ok(match first {
            ModeTag::Idle => unit(rest, Mode::Idle)?,
            ModeTag::Consent => unit(rest, Mode::Consent)?,
            ModeTag::ChooseRole => unit(rest, Mode::ChooseRole)?,
            ModeTag::ConfirmErase => unit(rest, Mode::ConfirmErase)?,
            ModeTag::Wizard => Mode::Wizard(Box::deserialize(rest)?),
            ModeTag::Results => Mode::Results(Results::deserialize(rest)?),
            ModeTag::Propose => Mode::Propose(Box::deserialize(rest)?),
            ModeTag::Await => Mode::Await(Prompt::deserialize(rest)?),
            ModeTag::Contract => Mode::Contract(Box::deserialize(rest)?),
        })
    }
}

/// The contract details being asked (conversation flow `contract`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContractForm {
    /// The speaker's profile whose details are asked.
    pub profile: ProfileId,
    /// The booking whose contract needs them; `None` on the details page of `/profile`.
    pub booking: Option<BookingId>,
    pub ask: ContractAsk,
    /// One detail changed from the details page: the page comes back after the answer.
    #[serde(default)]
    pub single: bool,
}

/// The question asked. Several details take more than one answer; the answers given so far
/// travel with the question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum ContractAsk {
    /// The details page: what is known, with a button to change each.
    Page,
    /// A detail answered in one message (for costs, payment and tickets: their first part).
    Field {
        field: MissingField,
    },
    /// Lodging, then meals, after travel (`done` holds the parts answered, in that order).
    Cost {
        done: Vec<Cost>,
    },
    DepositDue {
        amount: Cents,
    },
    BalanceDue {
        deposit: Option<(Cents, NaiveDate)>,
    },
    Method {
        deposit: Option<(Cents, NaiveDate)>,
        balance_due: NaiveDate,
    },
    ReducedPrice {
        full: Cents,
    },
    GuestList {
        full: Cents,
        reduced: Option<Cents>,
    },
}

/// A free-text answer the conversation waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "prompt", rename_all = "snake_case")]
pub enum Prompt {
    RefuseReason {
        proposal: ProposalId,
    },
    ThreadMessage {
        proposal: ProposalId,
    },
    RejectReason {
        profile: ProfileId,
    },
    CancelReason {
        booking: BookingId,
    },
    Support,
    Threshold,
    Email,
    /// The 6-digit code emailed to verify the address just given.
    EmailCode,
    /// New dates for the search; the radius is kept. (States saved before typed filters; new
    /// states ask with `MatchFilters`.)
    MatchDates {
        radius_km: Option<u16>,
    },
    /// A new radius for the search; the dates are kept. (As `MatchDates`.)
    MatchRadius {
        dates: Option<DateSet>,
    },
    /// Filters typed in words for the search ("samedi prochain 150 km jazz"); what they set
    /// replaces the same filter in `filters`, the others are kept. `asked` is the filter whose
    /// button was pressed, to word the question.
    MatchFilters {
        filters: SearchFilters,
        #[serde(default)]
        asked: Option<FilterKind>,
    },
    /// `/settings` → time zone: an IANA name such as Europe/Paris.
    TimeZone,
    /// An admin refuses an approved profile's edit: the reason told to its owner.
    EditRefuseReason {
        profile: ProfileId,
    },
    /// An admin's reply to a support ticket, sent to the person who opened it.
    TicketReply {
        ticket: TicketId,
    },
    /// The person's answer in their own ticket, sent to the admins.
    TicketAnswer {
        ticket: TicketId,
    },
    /// Why an admin suspends a profile (from `/users`): told to its owner.
    SuspendReason {
        profile: ProfileId,
    },
    /// Why an admin reinstates a profile (from `/users`): told to its owner.
    ReinstateReason {
        profile: ProfileId,
    },
}

/// The profile wizard. Back and "Edit" revisit any question with every answer kept, so answers
/// live in a draft keyed by field; the summary is reachable only when [`Draft`] is complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wizard {
    pub kind: ProfileKind,
    /// The stored profile being edited; `None` while creating one.
    pub editing: Option<ProfileId>,
    /// The question asked; `None` shows the summary.
    pub question: Option<Field>,
    /// Answering an "Edit" from the summary returns to the summary.
    pub from_summary: bool,
    pub draft: Draft,
    /// The genres ticked so far in the multi-select.
    #[serde(default)]
    pub picking: Vec<GenreId>,
    /// The genre family being browsed in the multi-select.
    #[serde(default)]
    pub family: Option<GenreId>,
    /// The valid items of a list answer that also had bad ones (dates as ISO days, links),
    /// kept while the bad ones are asked again; cleared when the question changes.
    #[serde(default)]
    pub kept: Vec<String>,
    /// Cancel was pressed on a profile being created: waiting for "abandon?" yes or no.
    #[serde(default)]
    pub confirming_cancel: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub name: Option<Name>,
    pub genres: Option<GenreSet>,
    pub fee: Option<Fee>,
    pub negotiable: Option<bool>,
    pub draw: Option<AudienceRange>,
    pub city: Option<City>,
    pub radius: Option<TravelRadius>,
    pub dates: Option<DateSet>,
    pub bio: Option<LongText>,
    pub links: Option<Links>,
    pub email: Option<Email>,
    pub address: Option<Address>,
    pub capacity: Option<Capacity>,
    pub budget: Option<BudgetRange>,
    pub licence: Option<LicenceNumber>,
    pub stage_notes: Option<LongText>,
    /// A venue's confirmed bookings per date, kept through an edit (festivals have several).
    #[serde(default)]
    pub slots: Option<u8>,
    /// Optional fields already passed (answered or skipped), so the wizard moves on.
    #[serde(default)]
    pub seen: Vec<Field>,
    /// An artist's line-up (saved with the contract facts, `Store::save_lineup`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineup: Option<crate::domain::terms::Lineup>,
    /// Who the show or the room is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<crate::domain::audience::Audience>,
    /// The deals taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deals: Option<crate::domain::proposal::DealsTaken>,
}

/// A page of match results; ids and scores are kept so pages stay stable while browsing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    pub seeker: ProfileId,
    /// The hard filters (dates, radius, genres, fee, capacity); flattened so that states saved
    /// when only `dates` and `radius_km` existed read back unchanged.
    #[serde(flatten)]
    pub filters: SearchFilters,
    pub hits: Vec<(ProfileId, u8)>,
    pub page: u16,
}

/// Which question of a proposal is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposeStep {
    Day,
    Fee,
    Deal,
    Percent,
    SetLength,
    Times,
    Message,
    Confirm,
}

/// A proposal being written, from a result, a favourite or as a counter-offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposeDraft {
    pub from: ProfileId,
    pub to: ProfileId,
    pub counter_of: Option<ProposalId>,
    pub step: ProposeStep,
    pub day: Option<NaiveDate>,
    pub fee: Fee,
    pub deal: DealKind,
    pub percent: u16,
    pub set_minutes: u16,
    pub times: ShowTimes,
    pub message: Option<String>,
    /// The results the proposal was started from: Back from its first question returns there.
    #[serde(default)]
    pub results: Option<Results>,
    /// The page of common dates shown by the date picker (older states: the first).
    #[serde(default)]
    pub day_page: u16,
}

impl State {
    /// Reads a stored state; an unreadable or newer one gives a fresh state (`true`: it was reset).
    #[must_use]
    pub fn decode(stored: &str) -> (State, bool) {
        // A state of this version, as nearly every step reads: parsed once, straight.
        if let Ok(state) = serde_json::from_str::<State>(stored)
            && state.v == STATE_VERSION
        {
            return (state, false);
        }
        let Ok(value) = serde_json::from_str::<serde_json::Value>(stored) else {
            return (State::default(), true);
        };
        let consented =
            value.get("consented").and_then(serde_json::Value::as_bool).unwrap_or(false);
        match value.get("v").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(STATE_VERSION) => match serde_json::from_value(value) {
                Ok(state) => (state, false),
                Err(_) => (State { consented, ..State::default() }, true),
            },
            _ => (State { consented, ..State::default() }, true),
        }
    }

    #[must_use]
    pub fn encode(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips() {
        let s = State { consented: true, active: Some(ProfileId(3)), ..State::default() };
        assert_eq!(State::decode(&s.encode()), (s, false));
    }

    /// Every kind of mode reads back as it was written, as the current mode and as the one
    /// set aside.
    #[test]
    fn every_mode_reads_back_as_written() {
        let wizard = Wizard {
            kind: ProfileKind::Artist,
            editing: Some(ProfileId(4)),
            question: Some(Field::Name),
            from_summary: false,
            draft: Draft { slots: Some(2), seen: vec![Field::Bio], ..Draft::default() },
            picking: Vec::new(),
            family: None,
            kept: vec!["2027-01-02".into()],
            confirming_cancel: true,
        };
        let results = Results {
            seeker: ProfileId(1),
            filters: SearchFilters { radius_km: Some(50), ..SearchFilters::default() },
            hits: vec![(ProfileId(2), 87)],
            page: 1,
        };
        let contract = ContractForm {
            profile: ProfileId(3),
            booking: None,
            ask: ContractAsk::Page,
            single: true,
        };
        let modes = [
            Mode::Idle,
            Mode::Consent,
            Mode::ChooseRole,
            Mode::ConfirmErase,
            Mode::Wizard(Box::new(wizard)),
            Mode::Results(results),
            Mode::Await(Prompt::RefuseReason { proposal: ProposalId(9) }),
            Mode::Await(Prompt::Support),
            Mode::Contract(Box::new(contract)),
        ];
        for mode in modes {
            let s = State { mode: mode.clone(), parked: Some(Box::new(mode)), ..State::default() };
            assert_eq!(State::decode(&s.encode()), (s, false));
        }
    }

    /// A mode written with its name after its fields (by hand) reads as serde reads it, and a
    /// mode without fields passes over fields it does not have.
    #[test]
    fn a_mode_reads_whatever_the_order_of_its_keys() {
        let state = |mode: &str| {
            format!(r#"{{"v":1,"nonce":2,"consented":true,"active":null,"mode":{mode}}}"#)
        };
        let (s, reset) =
            State::decode(&state(r#"{"prompt":"refuse_reason","proposal":7,"mode":"await"}"#));
        assert!(!reset);
        assert_eq!(s.mode, Mode::Await(Prompt::RefuseReason { proposal: ProposalId(7) }));
        let (s, reset) = State::decode(&state(r#"{"mode":"consent","since":[1,2]}"#));
        assert!(!reset);
        assert_eq!(s.mode, Mode::Consent);
        // An unknown mode, or none, is no state of this version.
        assert!(State::decode(&state(r#"{"mode":"dancing"}"#)).1);
        assert!(State::decode(&state("{}")).1);
    }

    #[test]
    fn unknown_shapes_reset_but_keep_consent() {
        let (s, reset) = State::decode(r#"{"v": 99, "consented": true, "mode": {"mode": "x"}}"#);
        assert!(reset);
        assert!(s.consented);
        assert_eq!(s.mode, Mode::Idle);
        assert!(State::decode("not json").1);
    }
}
