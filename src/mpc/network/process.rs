//! Node processes on this machine (the devnet's and the tests'): `zrsign mpc-node run` children, each
//! announcing the address it listens on as its first line of stdout, killed when dropped.

use super::{NetError, layout};
use alloy::primitives::Address;
use std::{path::PathBuf, process::Stdio, time::Duration};
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

/// How long a node may take to load its share and listen.
const STARTUP: Duration = Duration::from_secs(60);

/// The first line a node prints: where it listens.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Listening {
    /// Keygen index.
    pub node: u16,
    /// `host:port`.
    pub listening: String,
}

/// How to start the nodes of one network directory.
#[derive(Debug, Clone)]
pub struct NodeCommand {
    /// The `zrsign` binary.
    pub exe: PathBuf,
    /// The network directory (`mpc keygen --out`).
    pub dir: PathBuf,
    /// The share password (passed in the child's environment).
    pub password: String,
    /// The source chain's RPC URL (each node reads it itself).
    pub rpc_url: String,
    /// The ZrSign proxy the nodes serve.
    pub proxy: Address,
}

/// A running node.
pub struct NodeProcess {
    /// Keygen index.
    pub index: u16,
    /// Where it listens.
    pub addr: String,
    child: Child,
}

impl NodeCommand {
    /// Starts node `index` on a free loopback port and waits until it listens.
    pub async fn spawn(&self, index: u16) -> Result<NodeProcess, NetError> {
        let share = layout::share_path(&self.dir, index);
        let fail = |message: String| NetError::Unreachable { peer: format!("node {index}"), message };
        let mut child = Command::new(&self.exe)
            .args(["mpc-node", "run", "--listen", "127.0.0.1:0", "--index", &index.to_string()])
            .arg("--network")
            .arg(&self.dir)
            .args(["--rpc-url", &self.rpc_url, "--proxy", &self.proxy.to_string()])
            .env("ZRSIGN_SHARE_PASSWORD", &self.password)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("spawn {} for {}: {e}", self.exe.display(), share.display())))?;
        let stdout = child.stdout.take().ok_or_else(|| fail("no stdout".into()))?;
        let mut lines = BufReader::new(stdout).lines();
        let line = tokio::time::timeout(STARTUP, lines.next_line())
            .await
            .map_err(|_| fail(format!("did not listen within {STARTUP:?}")))?
            .map_err(|e| fail(format!("read its stdout: {e}")))?
            .ok_or_else(|| fail("exited before listening (see its log)".into()))?;
        let listening: Listening =
            serde_json::from_str(&line).map_err(|e| fail(format!("unexpected first line {line:?}: {e}")))?;
        // The rest of its stdout is drained so the node never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(NodeProcess { index, addr: listening.listening, child })
    }

    /// Starts every node of the directory.
    pub async fn spawn_all(&self, parties: u16) -> Result<Vec<NodeProcess>, NetError> {
        let mut nodes = Vec::with_capacity(usize::from(parties));
        for i in 0..parties {
            nodes.push(self.spawn(i).await?);
        }
        Ok(nodes)
    }
}

impl NodeProcess {
    /// Kills the node and waits until it has exited.
    pub async fn kill(mut self) {
        let _ = self.child.kill().await;
    }
}
