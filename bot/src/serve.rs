//! `flowstage serve`: wires the HTTP server, the chat front-ends that are configured, and the
//! background workers, and stops them all cleanly on Ctrl-C or SIGTERM.

use anyhow::Context as _;
use flowstage_core::config::Config;

pub async fn run(config: Config) -> anyhow::Result<()> {
    let store = crate::open(&config.database_url).await?;
    if config.telegram.is_none() {
        tracing::info!("TELEGRAM_BOT_TOKEN is not set: the Telegram front-end is not started");
    }
    if config.discord.is_none() {
        tracing::info!("DISCORD_TOKEN is not set: the Discord front-end is not started");
    }
    let listener = tokio::net::TcpListener::bind(config.http_addr).await.with_context(|| {
        format!("binding the HTTP server to {} (FLOWSTAGE_HTTP_ADDR)", config.http_addr)
    })?;
    let addr = listener.local_addr().context("reading the bound address")?;
    // Tests and operators read this line to find a port chosen by the system (`:0`).
    println!("listening on http://{addr}");
    let app = flowstage_webhooks::router(flowstage_webhooks::AppState { store: store.clone() });
    axum_serve(listener, app).await?;
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
