//! `zrsign reclaim ID`: credits an expired, unanswered request's whole escrow back to its requester.

use crate::{
    exit::Outcome,
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletOpts},
};
use zrsign::output::ReclaimOutput;

/// Arguments of `zrsign reclaim`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The request id.
    id: u64,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    wallet: WalletOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Reclaims.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::signing(opts, &self.rpc, &self.wallet, &self.deployment).await?;
        let client = super::client::client(&session, None, Vec::new());
        let requested = super::lookup::requested(&session, &client, self.id).await?;
        let reclaimed = client
            .reclaim(&requested)
            .await
            .map_err(|e| super::client::failure(&format!("reclaim request {}", self.id), e))?;
        let claimable =
            client.claimable(reclaimed.requester).await.map_err(|e| super::client::failure("read the balance", e))?;
        let output = ReclaimOutput {
            request_id: self.id,
            amount: reclaimed.amount.to_string(),
            tx_hash: reclaimed.receipt.tx_hash,
            claimable: claimable.to_string(),
        };
        self.output.print(&output, || {
            format!(
                "reclaimed request {}: {} wei credited to {} (claimable now {} wei; `zrsign withdraw` pays it)",
                output.request_id, output.amount, reclaimed.requester, output.claimable
            )
        })
    }
}
