//! A loopback TCP proxy in front of a node: it can drop every connection and refuse new ones for a while
//! (RPC loss), and it counts the JSON-RPC calls that pass through it.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicU64, Ordering},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use tokio_util::sync::CancellationToken;

pub struct Proxy {
    pub url: String,
    up: Arc<AtomicBool>,
    calls: Arc<AtomicU64>,
    sends: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    /// Cancelled when the proxy goes down: every open connection is dropped.
    generation: Arc<Mutex<CancellationToken>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy on a free loopback port forwarding to `target` (`http://host:port`).
    pub async fn start(target: &str) -> Self {
        let target = target.trim_start_matches("http://").trim_end_matches('/').to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let up = Arc::new(AtomicBool::new(true));
        let calls = Arc::new(AtomicU64::new(0));
        let sends = Arc::new(AtomicU64::new(0));
        let refused = Arc::new(AtomicU64::new(0));
        let generation = Arc::new(Mutex::new(CancellationToken::new()));
        let (u, c, sn, g) = (up.clone(), calls.clone(), sends.clone(), generation.clone());
        let r = refused.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if !u.load(Ordering::SeqCst) {
                    r.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                    continue;
                }
                let token = g.lock().expect("lock").clone();
                let (target, calls, sends) = (target.clone(), c.clone(), sn.clone());
                tokio::spawn(async move {
                    tokio::select! {
                        () = token.cancelled() => {}
                        () = pipe(client, &target, calls, sends) => {}
                    }
                });
            }
        });
        Self { url, up, calls, sends, refused, generation, task }
    }

    /// Drops every connection and refuses new ones until [`up`](Self::up).
    pub fn down(&self) {
        self.up.store(false, Ordering::SeqCst);
        let mut g = self.generation.lock().expect("lock");
        g.cancel();
        *g = CancellationToken::new();
    }

    /// Accepts connections again.
    pub fn up(&self) {
        self.up.store(true, Ordering::SeqCst);
    }

    /// JSON-RPC calls forwarded so far (each `"method"` in a request body).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::SeqCst)
    }

    /// Connections refused while down.
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::SeqCst)
    }

    /// `eth_sendRawTransaction` calls forwarded so far.
    pub fn sends(&self) -> u64 {
        self.sends.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.down();
        self.task.abort();
    }
}

async fn pipe(mut client: TcpStream, target: &str, calls: Arc<AtomicU64>, sends: Arc<AtomicU64>) {
    let Ok(mut server) = TcpStream::connect(target).await else { return };
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let upstream = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let methods = buf[..n].windows(8).filter(|w| w == b"\"method\"").count();
            calls.fetch_add(methods as u64, Ordering::SeqCst);
            let raw = buf[..n].windows(22).filter(|w| w == b"eth_sendRawTransaction").count();
            sends.fetch_add(raw as u64, Ordering::SeqCst);
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}
