//! rollwright-agent: parses arguments and runs a real agent or a fleet.
//! Prints `listening on ADDR` first, so callers that bind port 0 learn the
//! port; over TLS the next line is `tls https://ADDR sha256 FINGERPRINT`, the
//! certificate's fingerprint that the admin compares when adding the device.

use std::{io::Write, sync::Arc, time::Duration};

use rollwright_agent::tls::{TlsMaterial, Transport};
use rollwright_agent::{cli, fleet, Fleet, RealAgent, Token};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (listen, transport, router, fleet) = match cli::parse(&args)? {
        cli::Command::Fingerprint { cert } => {
            println!("{}", rollwright_agent::tls::fingerprint_of_file(&cert)?);
            return Ok(());
        }
        cli::Command::Serve {
            listen,
            transport,
            token_file,
            config,
        } => {
            let token = Token::from_file(&token_file)?;
            let agent = RealAgent::open(config)?;
            (
                listen,
                transport,
                rollwright_agent::app(Arc::new(agent), token),
                None,
            )
        }
        cli::Command::Fleet {
            listen,
            transport,
            token_file,
            config,
        } => {
            let token = Token::from_file(&token_file)?;
            let fleet = Fleet::new(config)?;
            fleet::persist::spawn_writer(fleet.clone(), Duration::from_millis(500));
            (
                listen,
                transport,
                rollwright_agent::fleet_app(fleet.clone(), token),
                Some(fleet),
            )
        }
    };
    // The certificate is loaded (or generated) before binding, so a caller
    // that sees `listening on` can connect at once.
    let tls = match &transport {
        Transport::Plain => None,
        Transport::Tls(source) => {
            let material = TlsMaterial::load(source)?;
            Some((material.fingerprint(), material.server_config()?))
        }
    };
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    if let Some((fingerprint, _)) = &tls {
        println!("tls https://{addr} sha256 {fingerprint}");
    }
    std::io::stdout().flush()?;
    let tls = tls.map(|(_, config)| config);
    let shutdown = async {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending().await } } => {}
        }
    };
    rollwright_agent::server::serve_tls_with(
        listener,
        router,
        tls,
        rollwright_agent::server::ConnectionLimits::default(),
        shutdown,
    )
    .await?;
    if let Some(f) = fleet {
        fleet::persist::save_if_dirty(&f)?;
    }
    Ok(())
}
