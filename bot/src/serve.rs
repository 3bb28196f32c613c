//! `flowstage serve`: wires the HTTP server, the chat front-ends that are configured, and the
//! background workers, and stops them all cleanly on Ctrl-C or SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use flowstage_core::config::Config;
use flowstage_core::conversation::Engine;
use flowstage_core::matching::LiveIndex;
use flowstage_core::matching::live::REFRESH_EVERY;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let store = crate::open(&config.database_url).await?;
    // Said once at start-up: a variable set for a part not built yet would otherwise do nothing
    // in silence.
    for unbuilt in config.unbuilt(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty())) {
        tracing::warn!("{unbuilt}");
    }
    let listener = tokio::net::TcpListener::bind(config.http_addr).await.with_context(|| {
        format!("binding the HTTP server to {} (FLOWSTAGE_HTTP_ADDR)", config.http_addr)
    })?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // One match index per instance, following the database's change feed (and alerting).
    let live = LiveIndex::load(store.clone(), config.match_weights, REFRESH_EVERY)
        .await
        .context("building the match index")?;
    let refresher = live.spawn_refresher(REFRESH_EVERY);
    let engine = Arc::new(
        Engine::new(store.clone(), config.rules.clone())
            .with_live_index(live)
            .with_admins(config.admins.clone())
            .with_email(config.mail.is_some()),
    );
    let telemetry = flowstage_webhooks::telemetry::Telemetry::install()
        .context("installing the metrics recorder")?;
    let upkeep = tokio::spawn(telemetry.keep_up());
    let mut app = flowstage_webhooks::router(
        flowstage_webhooks::AppState::new(store.clone()).with_telemetry(telemetry),
    );
    let mut workers = Vec::new();
    // Email (docs/product-rules.md §6): codes and notifications to verified addresses.
    let mailer = match &config.mail {
        None => {
            tracing::info!("SMTP_URL is not set: no email is sent, addresses are not verified");
            None
        }
        Some(mail) => {
            let mailer = crate::email::Mailer::new(mail, store.clone(), config.rules.clone())?;
            app = app.merge(flowstage_webhooks::email::unsubscribe_router(store.clone()));
            // Replies by email to proposal emails, into their thread.
            app = app.merge(flowstage_webhooks::email::inbound_router(
                flowstage_core::booking::BookingService::new(store.clone(), config.rules.clone()),
            ));
            Some(tokio::spawn(mailer.run(stopped.clone())))
        }
    };
    // Proposal expiry, hold expiry and challenges: each timer fires once across instances.
    let timers = tokio::spawn(flowstage_core::booking::run_timers(
        flowstage_core::booking::BookingService::new(store.clone(), config.rules.clone()),
        Duration::from_secs(30),
    ));
    // The commission's links (docs/product-rules.md §8): created, renewed, closed and recalled
    // by one worker per instance; Stripe's idempotency keys make two instances agree.
    let payments = match &config.stripe {
        None => {
            tracing::info!(
                "STRIPE_API_KEY is not set: commissions are recorded but no payment link is sent"
            );
            None
        }
        Some(st) => {
            if config.public_base_url.is_none() {
                tracing::warn!(
                    "PUBLIC_BASE_URL is not set: Stripe's Checkout will not return payers to Flow Stage"
                );
            }
            app = app.merge(flowstage_webhooks::stripe::router(
                flowstage_webhooks::stripe::StripeHook {
                    store: store.clone(),
                    secrets: st.webhook_secrets.clone(),
                    admins: config.admins.clone(),
                },
            ));
            let api =
                flowstage_webhooks::stripe::api::StripeApi::new(st, config.public_base_url.clone())
                    .context("building the Stripe API client")?;
            let service = flowstage_core::payments::PaymentsService::new(
                store.clone(),
                config.admins.clone(),
            );
            Some(tokio::spawn(service.run(api, Duration::from_secs(2))))
        }
    };
    // The email provider's delivery events (docs/product-rules.md §6).
    if let Some(key) = &config.email_webhook_key {
        let Some(route) = flowstage_webhooks::email::router(store.clone(), key.expose()) else {
            anyhow::bail!(
                "EMAIL_WEBHOOK_KEY is not a P-256 public key in base64 DER, as the email provider shows it"
            );
        };
        app = app.merge(route);
    }
    match &config.telegram {
        None => {
            tracing::info!("TELEGRAM_BOT_TOKEN is not set: the Telegram front-end is not started");
        }
        Some(tg) => {
            let (route, tasks) = crate::telegram::start(
                tg,
                &config.admins,
                config.rules.clone(),
                store.clone(),
                engine.clone(),
                crate::frontend::inbox::owner(addr),
                stopped.clone(),
            )
            .await
            .context("starting the Telegram front-end")?;
            if let Some(route) = route {
                app = app.merge(route);
            }
            workers.extend(tasks);
        }
    }
    match &config.discord {
        None => {
            tracing::info!("DISCORD_TOKEN is not set: the Discord front-end is not started");
        }
        Some(dc) => {
            let tasks = crate::discord::start(
                dc,
                &config.admins,
                config.rules.clone(),
                store.clone(),
                engine.clone(),
                crate::frontend::inbox::owner(addr),
                stopped.clone(),
            )
            .await
            .context("starting the Discord front-end")?;
            workers.extend(tasks);
        }
    }
    // Tests and operators read this line to find a port chosen by the system (`:0`).
    println!("listening on http://{addr}");
    axum_serve(listener, flowstage_webhooks::tracked(app)).await?;
    let _ = stop.send(true);
    timers.abort();
    if let Some(p) = payments {
        p.abort();
    }
    refresher.abort();
    upkeep.abort();
    if let Some(m) = mailer {
        // The email in hand is finished; a stuck server does not hold the exit for long.
        let _ = tokio::time::timeout(Duration::from_secs(10), m).await;
    }
    for w in workers {
        // Workers finish the delivery in hand; a stuck one does not hold the exit for long.
        let _ = tokio::time::timeout(Duration::from_secs(10), w).await;
    }
    store.close().await;
    Ok(())
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: flowstage_webhooks::Router,
) -> anyhow::Result<()> {
    flowstage_webhooks::serve(listener, app, shutdown_signal())
        .await
        .context("running the HTTP server")
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
