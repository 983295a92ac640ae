//! `zrsign sign tx`: a transaction from one of the wallet's keys on a destination chain. Built from `--to`,
//! `--value`, `--data` with the key's nonce and the fees read from the destination (EIP-1559, or `--legacy`), or
//! given whole as `--payload`. With `--broadcast` the relayer sends it; `--wait` then waits for it to be mined.

use super::SignOpts;
use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, Session, connect},
    progress::Spinner,
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    network::TransactionBuilder,
    primitives::{Address, Bytes, TxKind, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use std::time::Instant;
use zrsign::{
    bindings::IZrSign::{self, RequestKind},
    chain::{ChainRead, RpcChain},
    output::RelayOutput,
    protocol::{Caip2, signed_tx},
};

/// Priority fee when none is given (1 gwei).
const DEFAULT_PRIORITY_FEE: u128 = 1_000_000_000;

/// Arguments of `zrsign sign tx`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Recipient.
    #[arg(long, value_name = "ADDRESS", required_unless_present = "payload", help_heading = "Transaction")]
    to: Option<Address>,
    /// Ether sent, wei.
    #[arg(long, value_name = "WEI", default_value = "0", help_heading = "Transaction")]
    value: U256,
    /// Calldata, hex.
    #[arg(long, value_name = "HEX", help_heading = "Transaction")]
    data: Option<Bytes>,
    /// Gas limit [default: 21000 for a plain transfer, else estimated on the destination].
    #[arg(long, value_name = "GAS", help_heading = "Transaction")]
    gas_limit: Option<u64>,
    /// Nonce [default: the key's next nonce on the destination].
    #[arg(long, value_name = "N", help_heading = "Transaction")]
    nonce: Option<u64>,
    /// Fee cap (EIP-1559) or gas price (legacy), wei [default: twice the base fee plus the priority fee].
    #[arg(long, value_name = "WEI", help_heading = "Transaction")]
    max_fee_per_gas: Option<u128>,
    /// Priority fee, wei [default: 1 gwei].
    #[arg(long, value_name = "WEI", help_heading = "Transaction")]
    priority_fee: Option<u128>,
    /// Build an EIP-155 legacy transaction instead of EIP-1559.
    #[arg(long, help_heading = "Transaction")]
    legacy: bool,
    /// The unsigned transaction as is (EIP-1559 `0x02…` or legacy RLP), instead of building one.
    #[arg(long, value_name = "HEX", conflicts_with_all = ["to", "data", "gas_limit", "nonce", "legacy"], help_heading = "Transaction")]
    payload: Option<Bytes>,
    /// Ask the relayer to broadcast the signed transaction.
    #[arg(long)]
    broadcast: bool,
    /// The destination chain's RPC [default: [destinations] in the config; the source RPC for the source chain].
    #[arg(long, value_name = "URL")]
    destination_rpc: Option<String>,
    #[command(flatten)]
    sign: SignOpts,
}

impl Args {
    /// The destination's RPC, if known.
    fn destination_url(&self, session: &Session, chain: &Caip2) -> Option<String> {
        self.destination_rpc
            .clone()
            .or_else(|| session.config.destinations.get(chain).cloned())
            .or_else(|| (*chain == session.caip2()).then(|| self.sign.rpc.url(&session.config).ok()).flatten())
    }

    /// Requests the signature (and the broadcast).
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = self.sign.session(opts).await?;
        let chain = self.sign.destination(&session).await?;
        let Some(evm_chain_id) = chain.evm_chain_id() else {
            return Err(Failure::usage(format!("{chain} is not an EVM chain"), "sign tx builds EVM transactions only"));
        };
        let needs_rpc = self.payload.is_none() || (self.broadcast && self.sign.wait.wait);
        let destination = match self.destination_url(&session, &chain) {
            Some(url) => Some(connect(&url, Vec::new()).await.map_err(|f| f.context(format!("destination {chain}")))?),
            None if needs_rpc => {
                return Err(Failure::usage(
                    format!("no RPC for the destination {chain}"),
                    format!(
                        "pass --destination-rpc URL or add \"{chain}\" = \"URL\" under [destinations] in zrsign.toml"
                    ),
                ));
            }
            None => None,
        };
        if let Some(d) = &destination
            && d.evm_chain_id() != evm_chain_id
        {
            return Err(Failure::usage(
                format!("the destination RPC serves eip155:{}, not {chain}", d.evm_chain_id()),
                "pass the destination chain's own RPC",
            ));
        }
        let account = session.account()?;
        let wallet_type = self.sign.wallet_type.wallet_type.id();
        let index = U256::from(self.sign.index);
        let key =
            session.view(IZrSign::keyOfCall { owner: account, walletTypeId: wallet_type, index }).await?.evmAddress;
        if key == Address::ZERO {
            return Err(Failure::protocol(
                format!("{account} has no answered key {index}"),
                "request one first: `zrsign key request --wait`",
            ));
        }
        let payload = match (&self.payload, &destination) {
            (Some(payload), _) => payload.clone(),
            (None, Some(d)) => self.build(d, key, evm_chain_id).await?,
            (None, None) => return Err(Failure::internal("no destination to build the transaction on")),
        };
        let (requested, mut output) =
            self.sign.request(&session, RequestKind::Tx, &chain, payload, self.broadcast).await?;
        if let Some(signature) = &output.signature {
            let signed = signed_tx::assemble(&requested.payload, signature, key, evm_chain_id)
                .map_err(|e| Failure::protocol(format!("request {}: {e}", requested.id), "report this"))?;
            output.signed_tx = Some(signed.raw.clone());
            output.tx_hash = Some(signed.tx_hash);
            if self.broadcast
                && let Some(d) = &destination
            {
                output.relay = Some(wait_relayed(d, &chain, signed.tx_hash, &self.sign.wait).await?);
            }
        }
        self.sign.output.print(&output, || super::text(&output))
    }

    /// The unsigned transaction, with the nonce and fees read from the destination.
    async fn build(&self, destination: &RpcChain, key: Address, evm_chain_id: u64) -> Outcome<Bytes> {
        let read = |what: &'static str| move |e| Failure::from_chain(format!("read the {what} on the destination"), &e);
        let to = self.to.ok_or_else(|| Failure::usage("no recipient", "pass --to ADDRESS or --payload HEX"))?;
        let nonce = match self.nonce {
            Some(n) => n,
            None => destination.nonce(key).await.map_err(read("key's nonce"))?,
        };
        let input = self.data.clone().unwrap_or_default();
        let gas_limit = match self.gas_limit {
            Some(gas) => gas,
            None if input.is_empty() => 21_000,
            None => {
                let request = TransactionRequest::default()
                    .with_from(key)
                    .with_to(to)
                    .with_value(self.value)
                    .with_input(input.clone());
                destination.provider().estimate_gas(request).await.map_err(|e| {
                    Failure::chain(
                        format!("estimate the transaction's gas on the destination: {e}"),
                        "pass --gas-limit",
                    )
                })?
            }
        };
        let base_fee = destination.base_fee().await.map_err(read("base fee"))?;
        let priority = self.priority_fee.unwrap_or(DEFAULT_PRIORITY_FEE);
        let fee_cap = self.max_fee_per_gas.unwrap_or_else(|| base_fee.saturating_mul(2).saturating_add(priority));
        let encoded = if self.legacy {
            TxLegacy {
                chain_id: Some(evm_chain_id),
                nonce,
                gas_price: fee_cap,
                gas_limit,
                to: TxKind::Call(to),
                value: self.value,
                input,
            }
            .encoded_for_signing()
        } else {
            TxEip1559 {
                chain_id: evm_chain_id,
                nonce,
                gas_limit,
                max_fee_per_gas: fee_cap,
                max_priority_fee_per_gas: priority.min(fee_cap),
                to: TxKind::Call(to),
                value: self.value,
                input,
                ..Default::default()
            }
            .encoded_for_signing()
        };
        Ok(encoded.into())
    }
}

/// Waits (spinner) until the relayed transaction is mined on the destination.
async fn wait_relayed(
    destination: &RpcChain,
    chain: &Caip2,
    tx_hash: alloy::primitives::B256,
    wait: &crate::opts::WaitOpts,
) -> Outcome<RelayOutput> {
    let _spinner = Spinner::start(format!("waiting for the relayer's {tx_hash} on {chain}"));
    let started = Instant::now();
    loop {
        let receipt =
            destination.receipt(tx_hash).await.map_err(|e| Failure::from_chain("read the destination receipt", &e))?;
        if let Some(r) = receipt {
            return Ok(RelayOutput {
                chain: chain.to_string(),
                status: if r.success { "mined" } else { "failed" }.into(),
                tx_hash,
                block: Some(r.block_number),
                error: (!r.success).then(|| "reverted on the destination".to_owned()),
            });
        }
        if started.elapsed() >= wait.timeout() {
            return Err(Failure::protocol(
                format!("{tx_hash} not mined on {chain} after {}s", wait.timeout),
                "is the relayer running, and does the key have funds there? `zrsign request show ID --store …` shows the relay",
            ));
        }
        tokio::time::sleep(wait.poll()).await;
    }
}
