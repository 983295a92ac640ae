//! `zrsign key show OWNER INDEX`.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletTypeOpts},
};
use alloy::primitives::{Address, U256};
use zrsign::bindings::IZrSign;

/// Arguments of `zrsign key show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The owner.
    owner: Address,
    /// The key's index.
    index: u64,
    #[command(flatten)]
    wallet_type: WalletTypeOpts,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Shows the key.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::read(opts, &self.rpc, &self.deployment).await?;
        let wallet_type = self.wallet_type.wallet_type;
        let id = wallet_type.id();
        let count = session.view(IZrSign::keyCountCall { owner: self.owner, walletTypeId: id }).await?;
        if U256::from(self.index) >= count {
            return Err(Failure::protocol(
                format!(
                    "{} has no key {} of wallet type {}:{} ({count} requested)",
                    self.owner, self.index, wallet_type.purpose, wallet_type.coin_type
                ),
                "list them with `zrsign key list OWNER`, or request one with `zrsign key request`",
            ));
        }
        let info = session
            .view(IZrSign::keyOfCall { owner: self.owner, walletTypeId: id, index: U256::from(self.index) })
            .await?;
        let output = super::key_output(self.owner, wallet_type, self.index, &info);
        self.output.print(&output, || {
            let mut lines = vec![format!("owner       {}", output.owner), format!("index       {}", output.index)];
            match (&output.address, &output.public_key) {
                (Some(address), Some(public_key)) => {
                    lines.push(format!("address     {address}"));
                    lines.push(format!("public key  {public_key}"));
                    if let Some(native) = &output.native_address {
                        lines.push(format!("native      {native}"));
                    }
                }
                _ => lines.push(format!("status      {} (not answered yet)", output.status)),
            }
            lines.join("\n")
        })
    }
}
