//! The calendar feed over real HTTP on loopback, read back by an independent client and parser:
//! Python's `urllib` and the `icalendar` package (`pip install icalendar`).

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

use std::process::Command;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use flowstage_core::booking::BookingService;
use flowstage_core::clock::ManualClock;
use flowstage_core::config::Rules;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::domain::genre::GenreSet;
use flowstage_core::domain::places::{City, Country};
use flowstage_core::domain::profile::{Artist, ProfileDetails, ProfileStatus, Venue};
use flowstage_core::domain::proposal::{Deal, ShowTimes, Terms};
use flowstage_core::domain::values::{
    Address, AudienceRange, BudgetRange, Capacity, DateSet, Fee, Links, Name, TravelRadius,
};
use flowstage_core::domain::{AccountId, Lang, ProfileId};
use flowstage_core::store::Store;
use flowstage_webhooks::{AppState, router, serve};

/// Fetches the feed, checks the wire format, parses it with `icalendar` and prints what it read.
const CLIENT: &str = r#"
import json, sys, urllib.request, urllib.error
try:
    import icalendar
except ImportError:
    sys.exit("the Python package icalendar is needed: pip install icalendar")
base, token, old_token = sys.argv[1], sys.argv[2], sys.argv[3]
def get(path):
    try:
        with urllib.request.urlopen(base + path) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, None, b""
status, ctype, body = get("/calendar/" + token + ".ics")
assert status == 200 and ctype.startswith("text/calendar"), (status, ctype)
assert body.endswith(b"\r\n") and b"\n" not in body.replace(b"\r\n", b""), "CRLF line ends"
assert all(len(l) <= 75 for l in body.split(b"\r\n")), "lines folded at 75 octets"
again = get("/calendar/" + token + ".ics")[2]
cal = icalendar.Calendar.from_ical(body)
events = [{
    "uid": str(e["UID"]),
    "summary": str(e["SUMMARY"]),
    "status": str(e["STATUS"]),
    "transp": str(e["TRANSP"]),
    "sequence": int(e["SEQUENCE"]),
    "start": e.decoded("DTSTART").isoformat(),
    "end": e.decoded("DTEND").isoformat(),
    "tzid": e["DTSTART"].params.get("TZID"),
    "stamp": e.decoded("DTSTAMP").isoformat(),
    "location": str(e.get("LOCATION", "")),
    "description": str(e["DESCRIPTION"]),
} for e in cal.walk("VEVENT")]
print(json.dumps({
    "version": str(cal["VERSION"]),
    "zones": [str(z["TZID"]) for z in cal.walk("VTIMEZONE")],
    "old_link": get("/calendar/" + old_token + ".ics")[0],
    "events": events,
    "stable": again == body,
    "unknown": get("/calendar/0000.ics")[0],
    "no_suffix": get("/calendar/" + token)[0],
}))
"#;

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
}

fn lyon() -> City {
    City::from_parts("Lyon", Country::France, 45.75, 4.85)
}

async fn member(store: &Store, who: &str, details: &ProfileDetails) -> (AccountId, ProfileId) {
    let (account, _) = store
        .account_for_identity(&Identity::new(Platform::Telegram, who), who, Lang::Fr)
        .await
        .unwrap();
    let dates = DateSet::new([day(5)], day(1)).unwrap();
    let p =
        store.create_profile(account.id, details, &dates, &ProfileStatus::Pending).await.unwrap();
    store.set_profile_status(p.id, &ProfileStatus::Approved, None).await.unwrap();
    (account.id, p.id)
}

fn venue(name: &str, address: &str) -> ProfileDetails {
    ProfileDetails::Venue(Venue {
        name: Name::parse(name).unwrap(),
        city: lyon(),
        address: Some(Address::parse(address).unwrap()),
        capacity: Capacity::parse("350").unwrap(),
        genres: GenreSet::parse("rock").unwrap(),
        budget: BudgetRange::parse("800-1500").unwrap(),
        licence: None,
        stage_notes: None,
        email: None,
        slots_per_date: 1,
    })
}

fn terms(d: u32, deal: Deal) -> Terms {
    terms_on(day(d), deal)
}

fn terms_on(day: NaiveDate, deal: Deal) -> Terms {
    Terms {
        day,
        fee: Fee::parse("1200").unwrap(),
        deal,
        set_minutes: 90,
        times: ShowTimes {
            doors: NaiveTime::from_hms_opt(20, 0, 0),
            set_start: NaiveTime::from_hms_opt(21, 0, 0),
            ..ShowTimes::default()
        },
        message: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_parses_with_an_independent_reader() {
    let dir = std::env::temp_dir().join(format!("flowstage-calendar-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("calendar.db").display());
    let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap());
    let store = Store::connect(&url, Arc::new(clock.clone())).await.unwrap();
    store.migrate().await.unwrap();
    let booking = BookingService::new(store.clone(), Rules::default());

    let artist = ProfileDetails::Artist(Artist {
        name: Name::parse("Chloé; Bérénice, & les Naïfs").unwrap(),
        genres: GenreSet::parse("chanson").unwrap(),
        fee: Fee::parse("1200").unwrap(),
        negotiable: true,
        draw: AudienceRange::parse("100-400").unwrap(),
        city: lyon(),
        radius: TravelRadius::parse("300").unwrap(),
        bio: None,
        links: Links::parse("https://band.example.fr").unwrap(),
        email: None,
    });
    let (a, artist_p) = member(&store, "a", &artist).await;
    let (v, venue_p) =
        member(&store, "v", &venue("Le Périscope", "13 rue Delandine, 69002 Lyon")).await;
    let (v2, venue2) =
        member(&store, "v2", &venue("La Cour des Miracles", "3 place Notre-Dame")).await;
    let (v3, venue3) = member(&store, "v3", &venue("Le Sonic", "4 quai des Étroits")).await;

    let booked = booking.propose(a, artist_p, venue_p, terms(5, Deal::FlatFee)).await.unwrap();
    clock.advance(chrono::Duration::hours(1));
    let confirmed = booking.accept(v, booked.id).await.unwrap().booking;
    let held = booking
        .propose(a, artist_p, venue2, terms(12, Deal::DoorDeal { percent_bp: 7_050 }))
        .await
        .unwrap();
    booking.hold(v2, held.id).await.unwrap();
    let pending = booking.propose(a, artist_p, venue3, terms(19, Deal::FlatFee)).await.unwrap();
    // A booking called off: it stays in the feed, cancelled, so subscribed calendars drop it.
    let called_off = booking.propose(a, artist_p, venue3, terms(26, Deal::FlatFee)).await.unwrap();
    let called_off = booking.accept(v3, called_off.id).await.unwrap().booking;
    clock.advance(chrono::Duration::hours(1));
    booking.cancel_booking(v3, called_off.id, "salle fermée").await.unwrap();
    // A summer show: the same wall-clock times, the other UTC offset.
    let mut summer = terms_on(NaiveDate::from_ymd_opt(2027, 7, 3).unwrap(), Deal::FlatFee);
    summer.times.curfew = NaiveTime::from_hms_opt(1, 0, 0);
    let summer = booking.propose(a, artist_p, venue_p, summer).await.unwrap();
    let summer = booking.accept(v, summer.id).await.unwrap().booking;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, router(AppState::new(store.clone())), async {
        let _ = stopped.await;
    }));
    // Renewing the link: the old token is revoked, the feed answers only the new one.
    let old_token = store.calendar_token(artist_p).await.unwrap();
    let token = store.renew_calendar_token(artist_p).await.unwrap();
    assert_ne!(token, old_token);
    let client = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .args(["-c", CLIENT, &format!("http://{addr}"), &token, &old_token])
            .output()
            .expect("python3 is needed to read the calendar feed")
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(client.status.success(), "{}", String::from_utf8_lossy(&client.stderr));
    let read: serde_json::Value = serde_json::from_slice(&client.stdout).unwrap();

    assert_eq!(read["version"], "2.0");
    assert_eq!((read["unknown"].as_i64(), read["no_suffix"].as_i64()), (Some(404), Some(404)));
    assert_eq!(read["old_link"].as_i64(), Some(404), "a renewed token revokes the old link");
    assert_eq!(read["stable"], true, "the same data give the same feed");
    assert_eq!(read["zones"], serde_json::json!(["Europe/Paris"]));
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 5, "{events:#?}");
    // Winter: doors 20:00 in Paris is UTC+1; the set's end (21:00 + 90 min) closes it.
    let confirmed_event = &events[0];
    assert_eq!(confirmed_event["uid"], format!("booking-{}@flowstage", confirmed.id));
    assert_eq!(confirmed_event["status"], "CONFIRMED");
    assert_eq!(confirmed_event["transp"], "OPAQUE");
    assert_eq!(confirmed_event["sequence"], 0);
    assert_eq!(confirmed_event["tzid"], "Europe/Paris");
    assert_eq!(confirmed_event["summary"], "Chloé; Bérénice, & les Naïfs @ Le Périscope");
    assert_eq!(confirmed_event["start"], "2026-12-05T20:00:00+01:00");
    assert_eq!(confirmed_event["end"], "2026-12-05T22:30:00+01:00");
    assert_eq!(confirmed_event["stamp"], "2026-11-24T13:00:00+00:00");
    assert_eq!(confirmed_event["location"], "Le Périscope, 13 rue Delandine, 69002 Lyon, Lyon");
    assert!(confirmed_event["description"].as_str().unwrap().contains("Concert\u{a0}: 21:00\n"));
    // The hold: tentative, not blocking, its rank in the title and the description.
    let held_event = &events[1];
    assert_eq!(held_event["uid"], format!("proposal-{}@flowstage", held.id));
    assert_eq!(held_event["status"], "TENTATIVE");
    assert_eq!(held_event["transp"], "TRANSPARENT");
    assert_eq!(
        held_event["summary"],
        "1re option\u{a0}: Chloé; Bérénice, & les Naïfs @ La Cour des Miracles"
    );
    assert_eq!(held_event["start"], "2026-12-12T20:00:00+01:00");
    let held_text = held_event["description"].as_str().unwrap();
    assert!(held_text.contains("70.5 % des recettes"), "{held_text}");
    assert!(held_text.contains("1re option jusqu'au mardi 1er décembre à 14 h."), "{held_text}");
    assert_eq!(events[2]["uid"], format!("proposal-{}@flowstage", pending.id));
    assert!(events[2]["summary"].as_str().unwrap().starts_with("À confirmer"));
    // Cancelled: the same UID as when it was confirmed, a higher SEQUENCE, stamped when cancelled.
    let cancelled = &events[3];
    assert_eq!(cancelled["uid"], format!("booking-{}@flowstage", called_off.id));
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["sequence"], 1);
    assert_eq!(cancelled["stamp"], "2026-11-24T14:00:00+00:00");
    assert!(cancelled["description"].as_str().unwrap().starts_with("ANNULÉ\n"));
    // Summer: the same 20:00 doors are UTC+2; a curfew at 01:00 ends the next day.
    let summer_event = &events[4];
    assert_eq!(summer_event["uid"], format!("booking-{}@flowstage", summer.id));
    assert_eq!(summer_event["start"], "2027-07-03T20:00:00+02:00");
    assert_eq!(summer_event["end"], "2027-07-04T01:00:00+02:00");

    store.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}
