//! `zrsign sign tx`: a transaction from one of the wallet's keys on a destination chain. Built from `--to`,
//! `--value`, `--data` with the key's nonce and the fees read from the destination (EIP-1559, or `--legacy`), or
//! given whole as `--payload`. With `--broadcast` the relayer sends it; `--wait` then waits for it to be mined.

use super::{
    super::client::{CliClient, client, failure, with_spinner},
    SignOpts,
};
use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, Session, connect},
};
use alloy::primitives::{Address, Bytes, U256};
use zrsign::{
    bindings::IZrSign::RequestKind,
    chain::ChainRead,
    client::{PreparedTx, SignedTransaction, TxRequest, TxType},
    output::RelayOutput,
    protocol::{Caip2, digest::UnsignedTx, signed_tx},
};

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
    /// Fee cap (EIP-1559) or gas price (legacy), wei [default: twice the destination's base fee plus the tip].
    #[arg(long, value_name = "WEI", help_heading = "Transaction")]
    max_fee_per_gas: Option<u128>,
    /// Priority fee, wei [default: the destination's suggestion, else 1 gwei].
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
        let client = client(&session, Some(&self.sign.wait), destination.into_iter().collect());
        let prepared = self.prepare(&client, evm_chain_id).await?;
        let payload: Bytes = prepared.unsigned.encoded_for_signing().into();
        let (requested, mut output, signed) =
            self.sign.request(&client, RequestKind::Tx, &chain, payload, self.broadcast).await?;
        if let Some(signed) = signed {
            let assembled =
                signed_tx::assemble(&requested.payload, &signed.signature.as_bytes(), prepared.from, evm_chain_id)
                    .map_err(|e| Failure::protocol(format!("request {}: {e}", requested.id), "report this"))?;
            output.signed_tx = Some(assembled.raw.clone());
            output.tx_hash = Some(assembled.tx_hash);
            if self.broadcast {
                let tx = SignedTransaction {
                    request_id: requested.id,
                    prepared: PreparedTx {
                        unsigned: UnsignedTx::decode(&requested.payload).map_err(|r| {
                            Failure::protocol(
                                format!("request {}: the signed payload does not decode ({r:?})", requested.id),
                                "report this",
                            )
                        })?,
                        ..prepared
                    },
                    signed: assembled,
                    signature: signed.signature,
                    broadcast: true,
                };
                let relayed = with_spinner(
                    format!("request {}: waiting for the relayer's {} on {chain}", requested.id, tx.signed.tx_hash),
                    client.wait_relayed(&tx),
                )
                .await
                .map_err(|e| failure("relay", e))?;
                output.relay = Some(RelayOutput {
                    chain: chain.to_string(),
                    status: "mined".into(),
                    tx_hash: relayed.receipt.tx_hash,
                    block: Some(relayed.receipt.block_number),
                    error: None,
                });
            }
        }
        self.sign.output.print(&output, || super::text(&output))
    }

    /// The unsigned transaction: `--payload` as is, or built by the client (nonce, gas and fees read from the
    /// destination), with `--max-fee-per-gas` / `--priority-fee` applied over its fees.
    async fn prepare(&self, client: &CliClient, evm_chain_id: u64) -> Outcome<PreparedTx> {
        let wallet_type = self.sign.wallet_type.wallet_type.id();
        let index = U256::from(self.sign.index);
        let from = client.key_address(wallet_type, index).await.map_err(|e| failure("sign tx", e))?;
        if let Some(payload) = &self.payload {
            let unsigned = UnsignedTx::decode(payload).map_err(|r| {
                Failure::usage(
                    format!("--payload is not an unsigned transaction ({r:?})"),
                    "pass EIP-1559 (0x02…) or legacy RLP",
                )
            })?;
            return Ok(PreparedTx { wallet_type, index, from, evm_chain_id, unsigned });
        }
        let to = self.to.ok_or_else(|| Failure::usage("no recipient", "pass --to ADDRESS or --payload HEX"))?;
        let request = TxRequest {
            wallet_type,
            index,
            evm_chain_id,
            to,
            value: self.value,
            input: self.data.clone().unwrap_or_default(),
            gas_limit: self.gas_limit,
            nonce: self.nonce,
            tx_type: if self.legacy { TxType::Legacy } else { TxType::Eip1559 },
        };
        let mut prepared = client.prepare_tx(request).await.map_err(|e| failure("prepare the transaction", e))?;
        match &mut prepared.unsigned {
            UnsignedTx::Eip1559(tx) => {
                if let Some(tip) = self.priority_fee {
                    tx.max_priority_fee_per_gas = tip;
                }
                if let Some(cap) = self.max_fee_per_gas {
                    tx.max_fee_per_gas = cap;
                }
                tx.max_priority_fee_per_gas = tx.max_priority_fee_per_gas.min(tx.max_fee_per_gas);
            }
            UnsignedTx::Legacy(tx) => {
                if let Some(price) = self.max_fee_per_gas {
                    tx.gas_price = price;
                }
            }
        }
        Ok(prepared)
    }
}
