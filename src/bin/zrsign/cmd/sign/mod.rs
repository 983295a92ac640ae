//! `zrsign sign hash|data|tx`: a signature by one of the wallet's keys, `--wait` until the MPC network
//! answered (verified on-chain, recovered here again), and for transactions `--broadcast` through the relayer.

mod data;
mod hash;
mod tx;

use super::client::{CliClient, failure, with_spinner};
use crate::{
    exit::{Failure, Outcome},
    opts::{
        ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, WaitOpts, WalletOpts, WalletTypeOpts, parse_caip2,
    },
};
use alloy::primitives::{Bytes, U256};
use zrsign::{
    bindings::IZrSign::{self, ChainFamily, RequestKind, ZrSignParams},
    client::{Requested, Signed},
    output::SignOutput,
    protocol::Caip2,
};

/// `zrsign sign …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Sign a 32-byte hash as is.
    Hash(hash::Args),
    /// Sign data (EIP-191 personal_sign digest, computed on-chain).
    Data(data::Args),
    /// Sign a transaction for a destination chain (built from --to/--value/--data with nonce and fees read there,
    /// or given as --payload); --broadcast has the relayer send it.
    Tx(Box<tx::Args>),
}

impl Command {
    /// Runs it.
    pub async fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Hash(args) => args.run(config).await,
            Command::Data(args) => args.run(config).await,
            Command::Tx(args) => args.run(config).await,
        }
    }
}

/// What every sign request takes.
#[derive(Debug, clap::Args)]
pub struct SignOpts {
    /// The index of the wallet's key to sign with.
    #[arg(long, value_name = "N", default_value_t = 0, help_heading = "Key")]
    pub index: u64,
    #[command(flatten)]
    pub wallet_type: WalletTypeOpts,
    /// The destination chain, CAIP-2 [default: the chain ZrSign is on].
    #[arg(long, value_name = "CAIP2", value_parser = parse_caip2)]
    pub chain: Option<Caip2>,
    /// Pay exactly this fee, wei [default: the current quote plus one block of base-fee headroom].
    #[arg(long, value_name = "WEI")]
    pub fee: Option<U256>,
    #[command(flatten)]
    pub wait: WaitOpts,
    #[command(flatten)]
    pub rpc: RpcOpts,
    #[command(flatten)]
    pub wallet: WalletOpts,
    #[command(flatten)]
    pub deployment: DeploymentOpts,
    #[command(flatten)]
    pub output: OutputOpts,
}

impl SignOpts {
    /// A signing session.
    pub async fn session(&self, opts: &ConfigOpts) -> Outcome<Session> {
        Session::signing(opts, &self.rpc, &self.wallet, &self.deployment).await
    }

    /// The destination chain, checked to be registered and allowed for the wallet type.
    pub async fn destination(&self, session: &Session) -> Outcome<Caip2> {
        let chain = self.chain.clone().unwrap_or_else(|| session.caip2());
        let wallet_type = self.wallet_type.wallet_type.id();
        if !session.view(IZrSign::isChainIdSupportedCall { walletTypeId: wallet_type, chainId: chain.key() }).await? {
            let info = session.view(IZrSign::chainCall { chainId: chain.key() }).await?;
            return Err(if info.family == ChainFamily::None {
                Failure::protocol(
                    format!("unknown chain {chain}: the deployment at {} has not registered it", session.proxy),
                    "pass --chain with a registered chain (the deployment's own is the default)",
                )
            } else {
                Failure::protocol(
                    format!("chain {chain} is not allowed for wallet type {}", self.wallet_type.wallet_type.purpose),
                    "pick a chain allowed for the key's wallet type",
                )
            });
        }
        Ok(chain)
    }

    /// Sends the request through `client`; with --wait, waits for the answer (verified by the client: digest
    /// recomputed, low-s, recovering to the key).
    pub async fn request(
        &self,
        client: &CliClient,
        kind: RequestKind,
        chain: &Caip2,
        payload: Bytes,
        broadcast: bool,
    ) -> Outcome<(Requested, SignOutput, Option<Signed>)> {
        let params = ZrSignParams {
            walletTypeId: self.wallet_type.wallet_type.id(),
            walletIndex: U256::from(self.index),
            dstChainId: chain.key(),
            payload,
            broadcast,
        };
        let requested = with_spinner("sending the sign request", client.send_sign_request(kind, params, self.fee))
            .await
            .map_err(|e| failure("sign request", e))?;
        let mut output = SignOutput {
            request_id: requested.id.saturating_to(),
            kind: super::lookup::kind_name(kind).to_owned(),
            status: "open".into(),
            request_tx: requested.receipt.tx_hash,
            fee: (U256::from(requested.request.serviceFee) + U256::from(requested.request.gasFee)).to_string(),
            digest: requested.request.digest,
            signer: requested.request.signer,
            signature: None,
            signed_tx: None,
            tx_hash: None,
            relay: None,
        };
        if !self.wait.wait {
            return Ok((requested, output, None));
        }
        let id = requested.id;
        let signed =
            with_spinner(format!("request {id}: waiting for the MPC network"), client.wait_signature(&requested))
                .await
                .map_err(|e| failure("sign request", e))?;
        output.status = "answered".into();
        output.signature = Some(signed.signature.as_bytes().to_vec().into());
        Ok((requested, output, Some(signed)))
    }
}

/// The text form of a sign result.
pub fn text(o: &SignOutput) -> String {
    let mut lines =
        vec![format!("request   {} ({}) {}, fee {} wei, tx {}", o.request_id, o.kind, o.status, o.fee, o.request_tx)];
    lines.push(format!("digest    {}", o.digest));
    lines.push(format!("signer    {}", o.signer));
    if let Some(signature) = &o.signature {
        lines.push(format!("signature {signature}"));
    }
    if let Some(raw) = &o.signed_tx {
        lines.push(format!("signed tx {raw}"));
    }
    if let Some(hash) = &o.tx_hash {
        lines.push(format!("tx hash   {hash}"));
    }
    if let Some(relay) = &o.relay {
        let block = relay.block.map(|b| format!(" in block {b}")).unwrap_or_default();
        lines.push(format!("relayed   {} on {}{block}", relay.status, relay.chain));
    }
    if o.status == "open" {
        lines.push(format!("follow it with `zrsign request watch {}`", o.request_id));
    }
    lines.join("\n")
}
