//! `zrsign reclaim ID`: credits an expired, unanswered request's whole escrow back to its requester.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletOpts},
};
use alloy::primitives::U256;
use zrsign::{bindings::IZrSign, chain::ChainSubmit, output::ReclaimOutput, protocol::events::find};

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
        let account = session.account()?;
        let found = super::lookup::request_event(&session, self.id).await?;
        let call = IZrSign::reclaimCall { requestId: U256::from(self.id), request: found.event.request.clone() };
        let receipt = session
            .chain
            .transact(account, session.proxy, call, U256::ZERO)
            .await
            .map_err(|e| Failure::from_chain(format!("reclaim request {}", self.id), &e))?;
        let amount = find::<IZrSign::ZrRequestReclaimed>(&receipt.logs).map(|e| e.amount).unwrap_or_default();
        let requester = found.event.request.requester;
        let claimable = session.view(IZrSign::claimableCall { account: requester }).await?;
        let output = ReclaimOutput {
            request_id: self.id,
            amount: amount.to_string(),
            tx_hash: receipt.tx_hash,
            claimable: claimable.to_string(),
        };
        self.output.print(&output, || {
            format!(
                "reclaimed request {}: {} wei credited to {requester} (claimable now {} wei; `zrsign withdraw` pays it)",
                output.request_id, output.amount, output.claimable
            )
        })
    }
}
