//! `zrsign key request`: a new key for the wallet (or `--owner`), `--wait` until it is answered and verified.

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WaitOpts, WalletOpts, WalletTypeOpts},
};
use alloy::primitives::{Address, U256};
use zrsign::{bindings::IZrSign, client::Settlement, output::KeyOutput};

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
        let requested =
            super::super::client::request_key(&session, owner, wallet_type.id(), self.options, self.fee).await?;
        let index: u64 = requested.request.walletIndex.saturating_to();
        let mut output = KeyOutput {
            request_id: Some(requested.id.saturating_to()),
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
            match super::super::client::wait_settled(&session, &requested, &self.wait).await? {
                Settlement::Key { address, .. } => {
                    let derived = session
                        .view(IZrSign::derivedAddressCall {
                            owner,
                            walletTypeId: wallet_type.id(),
                            index: U256::from(index),
                        })
                        .await?;
                    if derived != address {
                        return Err(Failure::protocol(
                            format!(
                                "request {}: the answered key {address} is not the derived child {derived}",
                                requested.id
                            ),
                            "report this: the contract should have refused it",
                        ));
                    }
                    let info = session
                        .view(IZrSign::keyOfCall { owner, walletTypeId: wallet_type.id(), index: U256::from(index) })
                        .await?;
                    output = KeyOutput {
                        request_id: output.request_id,
                        ..super::key_output(owner, wallet_type, index, &info)
                    };
                }
                Settlement::Rejected { reason } => {
                    return Err(Failure::protocol(
                        format!("key request {} was rejected by the MPC network (reason {reason})", requested.id),
                        "see `zrsign request show ID`; the service fee was credited back (`zrsign withdraw`)",
                    ));
                }
                other => {
                    return Err(Failure::protocol(
                        format!("key request {} ended {other:?}", requested.id),
                        "see `zrsign request show ID`",
                    ));
                }
            }
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
