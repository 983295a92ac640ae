//! `zrsign withdraw`: pays the wallet's claimable balance (refunds, reclaims, rebates; the responder's gas).

use crate::{
    exit::Outcome,
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletOpts},
};
use zrsign::output::WithdrawOutput;

/// Arguments of `zrsign withdraw`.
#[derive(Debug, clap::Args)]
pub struct Args {
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
    /// Withdraws.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::signing(opts, &self.rpc, &self.wallet, &self.deployment).await?;
        let client = super::client::client(&session, None, Vec::new());
        let withdrawn = client.withdraw().await.map_err(|e| super::client::failure("withdraw", e))?;
        let output = WithdrawOutput {
            account: withdrawn.account,
            amount: withdrawn.amount.to_string(),
            tx_hash: withdrawn.receipt.tx_hash,
        };
        self.output
            .print(&output, || format!("withdrew {} wei to {} in {}", output.amount, output.account, output.tx_hash))
    }
}
