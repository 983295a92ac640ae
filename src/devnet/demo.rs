//! The whole story on a running devnet, each step verified off-chain: a key request (the stored key is the
//! Rust derivation) → the key's address funded on the destination chain → a hash and a data signature (digests
//! recomputed, signatures recovered) → an EIP-1559 transfer signed with `broadcast`, sent by the relayer and
//! mined on the destination chain (the recipient's balance there shows it) → a v1 legacy (chain-id-0) transfer
//! with `broadcast`, mined too.

use super::{Devnet, DevnetError};
use crate::{
    bindings::IZrSign::{RequestKind, ZrSignParams},
    chain::{Call, ChainRead, ChainSubmit, RpcChain},
    client::{Client, ClientConfig, Requested, Settlement},
    protocol::{KeyPath, digest, signed_tx},
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256},
};
use std::time::{Duration, Instant};

/// How long the demo waits for any one answer or broadcast.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// How often it looks.
const POLL: Duration = Duration::from_millis(25);
/// Ether the key gets on the destination chain.
pub const FUNDING: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);
/// Ether each transfer sends.
pub const TRANSFER: U256 = U256::from_limbs([10_000_000_000_000_000, 0, 0, 0]);
/// Priority fee of the demo's transactions on the destination (1 gwei).
const PRIORITY_FEE: u128 = 1_000_000_000;

/// One verified request of the demo.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// What was requested.
    pub label: &'static str,
    /// The request id.
    pub request_id: U256,
    /// Gas used by the request transaction.
    pub request_gas: u64,
    /// The fee paid, in wei.
    pub fee: U256,
    /// The digest signed (sign requests).
    pub digest: Option<B256>,
    /// The signature (sign requests).
    pub signature: Option<Bytes>,
    /// The key's address (for keys) or the address the signature recovers to.
    pub recovered: Address,
    /// Time from sending the request to reading its verified answer.
    pub latency: Duration,
    /// For broadcast transfers: what happened on the destination chain.
    pub relayed: Option<Relayed>,
}

/// A transfer the relayer broadcast, as the destination chain shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Relayed {
    /// The destination chain's transaction.
    pub tx_hash: B256,
    /// Its block.
    pub block: u64,
    /// The recipient.
    pub recipient: Address,
    /// The recipient's balance before and after.
    pub balance: (U256, U256),
    /// Time from the answer to the destination receipt.
    pub latency: Duration,
}

/// The demo's result.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoReport {
    /// The user who requested everything.
    pub user: Address,
    /// The user's key (EVM address, the same on every EVM chain).
    pub key: Address,
    /// The funding transfer on the destination chain.
    pub funding_tx: B256,
    /// Every request, in order.
    pub steps: Vec<Step>,
}

/// A sign request of the story: label, kind, payload, destination, and the recipient of a broadcast transfer.
type Case<'a> = (&'static str, RequestKind, Vec<u8>, &'a crate::protocol::Caip2, Option<Address>);

fn verification(step: &str, message: impl Into<String>) -> DevnetError {
    DevnetError::Verification { step: step.to_owned(), message: message.into() }
}

/// Runs the story from `user` (a funded source-chain account) and verifies every answer.
pub async fn run(net: &Devnet, user: Address) -> Result<DemoReport, DevnetError> {
    let config = ClientConfig { timeout: STEP_TIMEOUT, poll_interval: POLL, ..Default::default() };
    let client = Client::new(net.source.clone(), net.deployment.proxy, user).with_config(config);
    let mut steps = Vec::new();

    let started = Instant::now();
    let requested = client.send_key_request(user, net.wallet_type, 1, None).await?;
    let settlement = client.wait_settled(&requested).await?.settlement;
    let path = KeyPath {
        evm_chain_id: net.source.evm_chain_id(),
        proxy: net.deployment.proxy,
        owner: user,
        wallet_type_id: net.wallet_type,
        index: requested.request.walletIndex,
    };
    let expected = net.root_public.derive(&path).map_err(|e| verification("key", e.to_string()))?.address();
    let Settlement::Key { address: key, .. } = settlement else {
        return Err(verification("key", format!("expected a key, got {settlement:?}")));
    };
    if key != expected {
        return Err(verification("key", format!("stored {key}, the Rust derivation gives {expected}")));
    }
    steps.push(step("key", &requested, None, None, key, started.elapsed()));
    let index = requested.request.walletIndex;

    // The key pays for its transfers on the destination chain.
    let [funder] = net.destination.first_accounts()?;
    let funding = net.destination.send(Call::transfer(funder, key, FUNDING)).await?;

    let source = &net.chains[0];
    let destination = &net.chains[1];
    let base_fee = net.destination.base_fee().await?;
    let fee_cap = base_fee.saturating_mul(2).saturating_add(PRIORITY_FEE);
    let eip1559 = TxEip1559 {
        chain_id: net.destination.evm_chain_id(),
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: fee_cap,
        max_priority_fee_per_gas: PRIORITY_FEE,
        to: TxKind::Call(Address::repeat_byte(0xbe)),
        value: TRANSFER,
        ..Default::default()
    };
    let v1_legacy = TxLegacy {
        chain_id: Some(0),
        nonce: 1,
        gas_price: fee_cap,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(0xef)),
        value: TRANSFER,
        input: Bytes::new(),
    };
    let cases: [Case<'_>; 4] = [
        ("sign hash", RequestKind::Hash, keccak256(b"zrsign devnet: a 32-byte hash").to_vec(), source, None),
        ("sign data", RequestKind::Data, b"zrsign devnet: sign this message".to_vec(), source, None),
        (
            "sign tx (EIP-1559) + broadcast",
            RequestKind::Tx,
            eip1559.encoded_for_signing(),
            destination,
            eip1559.to.to().copied(),
        ),
        (
            "sign tx (v1 legacy, chain id 0) + broadcast",
            RequestKind::Tx,
            v1_legacy.encoded_for_signing(),
            destination,
            v1_legacy.to.to().copied(),
        ),
    ];
    for (label, kind, payload, chain, recipient) in cases {
        let started = Instant::now();
        let broadcast = recipient.is_some();
        let balance_before = match recipient {
            Some(r) => Some(net.destination.balance(r).await?),
            None => None,
        };
        let evm_chain_id = chain.evm_chain_id().unwrap_or_default();
        let params = ZrSignParams {
            walletTypeId: net.wallet_type,
            walletIndex: index,
            dstChainId: chain.key(),
            payload: payload.into(),
            broadcast,
        };
        let requested = client.send_sign_request(kind, params, None).await?;
        let Settlement::Signature { digest, signature, .. } = client.wait_settled(&requested).await?.settlement else {
            return Err(verification(label, "expected a signature"));
        };
        let ours = digest::digest(kind, &requested.payload, Some(evm_chain_id))
            .map_err(|reason| verification(label, format!("payload rejected off-chain: {reason:?}")))?;
        if ours != digest || ours != requested.request.digest {
            return Err(verification(label, format!("digest {digest} on-chain, {ours} in Rust")));
        }
        let parsed = Signature::try_from(signature.as_ref()).map_err(|e| verification(label, e.to_string()))?;
        let recovered = parsed.recover_address_from_prehash(&digest).map_err(|e| verification(label, e.to_string()))?;
        if recovered != key {
            return Err(verification(label, format!("signature recovers to {recovered}, the key is {key}")));
        }
        let latency = started.elapsed();
        let relayed = match (recipient, balance_before) {
            (Some(recipient), Some(before)) => {
                let signed = signed_tx::assemble(&requested.payload, &signature, key, evm_chain_id)
                    .map_err(|e| verification(label, e.to_string()))?;
                let relayed = wait_relayed(&net.destination, signed.tx_hash, recipient, before, label).await?;
                if relayed.balance.1 != before + TRANSFER {
                    return Err(verification(
                        label,
                        format!("recipient balance {:?}, sent {TRANSFER}", relayed.balance),
                    ));
                }
                Some(relayed)
            }
            _ => None,
        };
        let mut s = step(label, &requested, Some(digest), Some(signature), recovered, latency);
        s.relayed = relayed;
        steps.push(s);
    }
    Ok(DemoReport { user, key, funding_tx: funding.tx_hash, steps })
}

/// Waits (with a deadline) until the relayer's transaction is mined on the destination, and reads the
/// recipient's balance after it.
async fn wait_relayed(
    chain: &RpcChain,
    tx_hash: B256,
    recipient: Address,
    before: U256,
    label: &str,
) -> Result<Relayed, DevnetError> {
    let started = Instant::now();
    let receipt = loop {
        if let Some(receipt) = chain.receipt(tx_hash).await? {
            break receipt;
        }
        if started.elapsed() > STEP_TIMEOUT {
            return Err(verification(
                label,
                format!("transaction {tx_hash} not mined on the destination after {STEP_TIMEOUT:?}"),
            ));
        }
        tokio::time::sleep(POLL).await;
    };
    if !receipt.success {
        return Err(verification(label, format!("transaction {tx_hash} failed on the destination")));
    }
    let after = chain.balance(recipient).await?;
    Ok(Relayed {
        tx_hash,
        block: receipt.block_number,
        recipient,
        balance: (before, after),
        latency: started.elapsed(),
    })
}

fn step(
    label: &'static str,
    r: &Requested,
    digest: Option<B256>,
    signature: Option<Bytes>,
    recovered: Address,
    latency: Duration,
) -> Step {
    let fee = U256::from(r.request.serviceFee) + U256::from(r.request.gasFee);
    Step {
        label,
        request_id: r.id,
        request_gas: r.receipt.gas_used,
        fee,
        digest,
        signature,
        recovered,
        latency,
        relayed: None,
    }
}
