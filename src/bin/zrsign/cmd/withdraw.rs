//! `zrsign withdraw`: pays the wallet's claimable balance (refunds, reclaims, rebates; the responder's gas).

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletOpts},
};
use alloy::primitives::U256;
use zrsign::{bindings::IZrSign, chain::ChainSubmit, output::WithdrawOutput};

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
        let account = session.account()?;
        let amount = session.view(IZrSign::claimableCall { account }).await?;
        let receipt = session
            .chain
            .transact(account, session.proxy, IZrSign::withdrawCall {}, U256::ZERO)
            .await
            .map_err(|e| Failure::from_chain("withdraw", &e))?;
        let output = WithdrawOutput { account, amount: amount.to_string(), tx_hash: receipt.tx_hash };
        self.output
            .print(&output, || format!("withdrew {} wei to {} in {}", output.amount, output.account, output.tx_hash))
    }
}
