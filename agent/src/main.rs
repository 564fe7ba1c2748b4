//! rollwright-agent: parses arguments and runs a real agent or a fleet.
//! Prints `listening on ADDR` first, so callers that bind port 0 learn the port.

use std::{io::Write, sync::Arc, time::Duration};

use rollwright_agent::{cli, fleet, Fleet, RealAgent, Token};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (listen, token_file, router, fleet) = match cli::parse(&args)? {
        cli::Command::Serve {
            listen,
            token_file,
            config,
        } => {
            let token = Token::from_file(&token_file)?;
            let agent = RealAgent::open(config)?;
            (
                listen,
                token_file,
                rollwright_agent::app(Arc::new(agent), token),
                None,
            )
        }
        cli::Command::Fleet {
            listen,
            token_file,
            config,
        } => {
            let token = Token::from_file(&token_file)?;
            let fleet = Fleet::new(config)?;
            fleet::persist::spawn_writer(fleet.clone(), Duration::from_millis(500));
            (
                listen,
                token_file,
                rollwright_agent::fleet_app(fleet.clone(), token),
                Some(fleet),
            )
        }
    };
    let _ = token_file;
    let listener = tokio::net::TcpListener::bind(listen).await?;
    println!("listening on {}", listener.local_addr()?);
    std::io::stdout().flush()?;
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };
    rollwright_agent::server::serve_until(listener, router, shutdown).await?;
    if let Some(f) = fleet {
        fleet::persist::save_if_dirty(&f)?;
    }
    Ok(())
}
