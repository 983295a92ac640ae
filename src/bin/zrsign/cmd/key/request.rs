//! `zrsign key request`: a new key for the wallet (or `--owner`), `--wait` until it is answered and verified.

use super::super::client::{client, failure, with_spinner};
use crate::{
    exit::Outcome,
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WaitOpts, WalletOpts, WalletTypeOpts},
};
use alloy::primitives::{Address, U256};
use zrsign::{bindings::IZrSign::KeyInfo, output::KeyOutput};

/// Arguments of `zrsign key request`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The key's owner [default: the wallet].
    #[arg(long, value_name = "ADDRESS")]
    owner: Option<Address>,
    #[command(flatten)]
    wallet_type: WalletTypeOpts,
    /// v1 service level: 1 = key, 2 = key with monitoring.
    #[arg(long, value_name = "N", default_value_t = 1)]
    options: u8,
    /// Pay exactly this fee, wei [default: the current quote plus one block of base-fee headroom].
    #[arg(long, value_name = "WEI")]
    fee: Option<U256>,
    #[command(flatten)]
    wait: WaitOpts,
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
    /// Requests the key.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::signing(opts, &self.rpc, &self.wallet, &self.deployment).await?;
        let owner = self.owner.unwrap_or(session.account()?);
        let wallet_type = self.wallet_type.wallet_type;
        let client = client(&session, Some(&self.wait), Vec::new());
        let requested = with_spinner(
            "sending the key request",
            client.send_key_request(owner, wallet_type.id(), self.options, self.fee),
        )
        .await
        .map_err(|e| failure("key request", e))?;
        let index: u64 = requested.request.walletIndex.saturating_to();
        let id = requested.id;
        let mut output = KeyOutput {
            request_id: Some(id.saturating_to()),
            status: "open".into(),
            owner,
            wallet_type: wallet_type.id(),
            index,
            address: None,
            public_key: None,
            native_address: None,
            key_version: None,
        };
        if self.wait.wait {
            // Verified by the client: the answered key is the derived child of the deployment's root key.
            let key = with_spinner(format!("request {id}: waiting for the MPC network"), client.wait_key(&requested))
                .await
                .map_err(|e| failure("key request", e))?;
            let info = KeyInfo {
                evmAddress: key.address,
                keyVersion: key.key_version,
                publicKey: key.public_key.compressed().to_vec().into(),
            };
            output = KeyOutput { request_id: output.request_id, ..super::key_output(owner, wallet_type, index, &info) };
        }
        self.output.print(&output, || {
            let id = output.request_id.unwrap_or_default();
            match output.address {
                Some(address) => format!("key request {id}: key {} of {owner} is {address}", output.index),
                None => format!(
                    "key request {id} sent (index {} of {owner}); follow it with `zrsign request watch {id}`",
                    output.index
                ),
            }
        })
    }
}
