//! Outbox claims are short leases renewed while delivery is under way: a live deliverer keeps
//! its items however slow a send is, and items claimed by a process that died are taken over by
//! another as soon as the short lease ends — on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, reason = "a test: a failed unwrap is a failed test")]

mod support;

use chrono::Duration;
use flowstage_core::domain::Lang;
use flowstage_core::domain::account::{Identity, Platform};
use flowstage_core::store::Recipients;
use support::{TestDb, on_both_backends};

async fn a_renewed_claim_is_kept_and_a_lapsed_one_is_taken_over(db: &TestDb) {
    let (account, _) = db
        .store
        .account_for_identity(&Identity::new(Platform::Local, "leases"), "Leases", Lang::En)
        .await
        .unwrap();
    db.store.enqueue(account.id, "{}", "leases-1").await.unwrap();
    let lease = Duration::seconds(10);
    let mine = db.store.claim_outbox_for(Recipients::All, 10, lease).await.unwrap();
    assert_eq!(mine.len(), 1);
    let other = db.another_instance().await;

    // A slow send: renewed before the lease ends, the claim holds past its first 10 s.
    db.clock.advance(Duration::seconds(8));
    db.store.renew_claims(&[mine[0].id], lease).await.unwrap();
    db.clock.advance(Duration::seconds(8));
    assert!(other.claim_outbox_for(Recipients::All, 10, lease).await.unwrap().is_empty());

    // The claimer died: no renewal, and 10 s later another instance delivers it.
    db.clock.advance(Duration::seconds(3));
    let taken = other.claim_outbox_for(Recipients::All, 10, lease).await.unwrap();
    assert_eq!(taken.iter().map(|i| i.id).collect::<Vec<_>>(), vec![mine[0].id]);

    // A delivered item is never renewed back into play.
    other.mark_sent(taken[0].id).await.unwrap();
    db.store.renew_claims(&[mine[0].id], lease).await.unwrap();
    db.clock.advance(Duration::seconds(30));
    assert!(other.claim_outbox_for(Recipients::All, 10, lease).await.unwrap().is_empty());
    other.close().await;
}

on_both_backends!(TestDb; a_renewed_claim_is_kept_and_a_lapsed_one_is_taken_over);
