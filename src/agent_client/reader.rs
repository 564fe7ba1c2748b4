//! Reading many devices' inventories one after another, as a sync does:
//! `GET /v1/device` over one HTTP/1.1 connection of the reader's own, driven
//! in the caller's task and kept open from one device to the next while they
//! share an agent's address (a fleet's devices do).
//!
//! Every other call goes through reqwest. A sync is the one bulk read, and
//! there reqwest's per-call work showed: its pool hands each request to a
//! connection task of its own, and the hand-overs between tasks and threads
//! cost more than the call. Reading 10,000 fleet devices at 32 at once on a
//! 2-core machine, reqwest reached 52,000–67,000 devices/s and this reader
//! 93,000–127,000 (wrk's ceiling on that fleet: 115,000–120,000 calls/s).
//! The transport rules are reqwest's path's: plain HTTP to loopback only
//! (checked when the [`AgentClient`] was made), HTTPS only with the pinned
//! certificate ([`pin`]), no redirects followed.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Limited};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use reqwest::header::{AUTHORIZATION, HOST};
use reqwest::Url;
use rollwright_protocol::DeviceInfo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use url::{Host, Position};

use super::{decode, pin, AgentClient, AgentError, Fingerprint};
use std::sync::Arc;
use std::time::Duration;

/// The largest answer read: an inventory is a few kilobytes, and an agent
/// answering without end must not fill the memory.
const MAX_ANSWER: usize = 8 << 20;

/// Reads devices' inventories in turn over a connection of its own; one per
/// concurrent reader (a sync's asker).
#[derive(Default)]
pub struct InventoryReader {
    open: Option<Open>,
}

/// What a connection was opened to: another device at the same origin, and
/// with the same pin, can use it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    https: bool,
    host: Host<String>,
    port: u16,
    pin: Option<Fingerprint>,
}

trait Io: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

struct Open {
    origin: Origin,
    send: http1::SendRequest<Empty<Bytes>>,
    /// Polled beside each exchange: it reads and writes the socket.
    conn: http1::Connection<TokioIo<Box<dyn Io>>, Empty<Bytes>>,
}

impl InventoryReader {
    pub fn new() -> InventoryReader {
        InventoryReader::default()
    }

    /// `GET /v1/device` of `device`'s agent, given up after `timeout`.
    pub async fn read(
        &mut self,
        device: &AgentClient,
        timeout: Duration,
    ) -> Result<DeviceInfo, AgentError> {
        match tokio::time::timeout(timeout, self.read_unbounded(device)).await {
            Ok(answer) => answer,
            Err(_) => {
                // Mid-exchange: the connection's state is unknown.
                self.open = None;
                Err(AgentError::Timeout)
            }
        }
    }

    async fn read_unbounded(&mut self, device: &AgentClient) -> Result<DeviceInfo, AgentError> {
        let origin = Origin::of(&device.base_url, device.pin)?;
        let reused = self
            .open
            .as_ref()
            .is_some_and(|o| o.origin == origin && !o.send.is_closed());
        if !reused {
            self.open = Some(Open::connect(origin.clone(), &device.base_url).await?);
        }
        let answer = match self.exchange(device).await {
            // An idle connection the agent closed meanwhile fails before any
            // answer: asked again on a new one (a read changes nothing).
            Err(_) if reused => {
                self.open = Some(Open::connect(origin, &device.base_url).await?);
                self.exchange(device).await
            }
            answer => answer,
        };
        match answer {
            Ok((status, body)) => decode(status, &body),
            Err(e) => {
                self.open = None;
                Err(e)
            }
        }
    }

    /// One `GET /v1/device` on the open connection, which is kept open
    /// again unless it ended.
    async fn exchange(
        &mut self,
        device: &AgentClient,
    ) -> Result<(reqwest::StatusCode, Bytes), AgentError> {
        let Some(Open {
            origin,
            mut send,
            mut conn,
        }) = self.open.take()
        else {
            return Err(AgentError::Unreachable("no connection".into()));
        };
        let request = hyper::Request::get(device.path_to("/v1/device"))
            .header(HOST, authority(&device.base_url))
            .header(AUTHORIZATION, device.auth.clone())
            .body(Empty::new())
            .map_err(|e| AgentError::Config(e.to_string()))?;
        let mut answer = Box::pin(async {
            send.ready().await.map_err(unreachable)?;
            let response = send.send_request(request).await.map_err(unreachable)?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_ANSWER)
                .collect()
                .await
                .map_err(|e| AgentError::Unreachable(format!("reading the answer: {e}")))?;
            Ok((status, body.to_bytes()))
        });
        let ended = tokio::select! {
            biased;
            answered = &mut answer => Ok(answered),
            ended = &mut conn => Err(ended),
        };
        match ended {
            Ok(answered) => {
                drop(answer);
                self.open = Some(Open { origin, send, conn });
                answered
            }
            // An agent may close the connection right after its answer, in
            // the same read. Dropped, the connection hands over what it read
            // and cancels the rest, so the answer is complete or fails now.
            Err(Ok(())) => {
                drop(conn);
                answer.await
            }
            Err(Err(e)) => Err(unreachable(e)),
        }
    }
}

impl Origin {
    fn of(url: &Url, pin: Option<Fingerprint>) -> Result<Origin, AgentError> {
        let host = url
            .host()
            .ok_or_else(|| AgentError::Config(format!("{url} has no host")))?
            .to_owned();
        let port = url
            .port_or_known_default()
            .ok_or_else(|| AgentError::Config(format!("{url} has no port")))?;
        Ok(Origin {
            https: url.scheme() == "https",
            host,
            port,
            pin,
        })
    }
}

impl Open {
    async fn connect(origin: Origin, url: &Url) -> Result<Open, AgentError> {
        let tcp = match &origin.host {
            Host::Domain(name) => TcpStream::connect((name.as_str(), origin.port)).await,
            Host::Ipv4(ip) => TcpStream::connect((*ip, origin.port)).await,
            Host::Ipv6(ip) => TcpStream::connect((*ip, origin.port)).await,
        }
        .map_err(|e| AgentError::Unreachable(format!("{}: {e}", authority(url))))?;
        tcp.set_nodelay(true)
            .map_err(|e| AgentError::Unreachable(e.to_string()))?;
        let io: Box<dyn Io> = if origin.https {
            Box::new(tls(tcp, &origin).await?)
        } else {
            Box::new(tcp)
        };
        let (send, conn) = http1::handshake(TokioIo::new(io))
            .await
            .map_err(unreachable)?;
        Ok(Open { origin, send, conn })
    }
}

/// The TLS session over `tcp`, accepting only the pinned certificate.
async fn tls(
    tcp: TcpStream,
    origin: &Origin,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, AgentError> {
    let Some(pin) = origin.pin else {
        return Err(AgentError::Config(
            "https:// without a pinned certificate".into(),
        ));
    };
    let config = pin::client_config(Some(pin), pin::Presented::default())
        .map_err(|e| AgentError::Config(e.to_string()))?;
    // The pin replaces the name check; rustls still wants a name to send.
    let name = match &origin.host {
        Host::Domain(d) => rustls::pki_types::ServerName::try_from(d.clone())
            .map_err(|e| AgentError::Config(e.to_string()))?,
        Host::Ipv4(ip) => rustls::pki_types::ServerName::IpAddress((*ip).into()),
        Host::Ipv6(ip) => rustls::pki_types::ServerName::IpAddress((*ip).into()),
    };
    tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .map_err(|e| match pin::mismatch_in(&e) {
            Some(m) => m.into(),
            None => AgentError::Unreachable(format!("TLS: {e}")),
        })
}

/// `host[:port]` as the URL has it: the `Host` header.
fn authority(url: &Url) -> &str {
    &url[Position::BeforeHost..Position::AfterPort]
}

fn unreachable(e: hyper::Error) -> AgentError {
    AgentError::Unreachable(e.to_string())
}
