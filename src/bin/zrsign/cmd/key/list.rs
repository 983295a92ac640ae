//! `zrsign key list OWNER`.

use crate::{
    exit::Outcome,
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WalletTypeOpts},
};
use alloy::primitives::Address;
use zrsign::{bindings::IZrSign, output::KeyListOutput};

/// Arguments of `zrsign key list`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The owner.
    owner: Address,
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
    /// Lists the keys.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::read(opts, &self.rpc, &self.deployment).await?;
        let wallet_type = self.wallet_type.wallet_type;
        let infos = session.view(IZrSign::keysOfCall { owner: self.owner, walletTypeId: wallet_type.id() }).await?;
        let keys = infos
            .iter()
            .enumerate()
            .map(|(index, info)| super::key_output(self.owner, wallet_type, index as u64, info))
            .collect();
        let output = KeyListOutput { owner: self.owner, wallet_type: wallet_type.id(), keys };
        self.output.print(&output, || {
            let mut lines = vec![format!(
                "keys of {} for wallet type {}: {}",
                output.owner,
                super::wallet_type_text(wallet_type, output.wallet_type),
                output.keys.len()
            )];
            lines.extend(output.keys.iter().map(super::key_line));
            lines.join("\n")
        })
    }
}
