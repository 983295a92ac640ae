//! The documented shapes of `zrsign … --json`: one JSON document per command on stdout. Amounts are decimal
//! strings of wei (they overflow JSON numbers); request ids, indexes and blocks are numbers; hashes, addresses
//! and bytes are `0x` hex. Fields that do not apply are `null`.

use crate::{config::Config, deploy::Deployed, protocol::Caip2};
use alloy::primitives::{Address, B256, Bytes};
use std::path::PathBuf;

/// `zrsign deploy --json`: the deployment and where it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeployOutput {
    /// What was deployed.
    #[serde(flatten)]
    pub deployed: Deployed,
    /// The config file the addresses were written to (`null` with `--no-write`).
    pub config: Option<PathBuf>,
}

/// A key: `zrsign key request|show --json`, and each item of `key list`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyOutput {
    /// The key request (`key request`; `null` for keys read from the contract).
    pub request_id: Option<u64>,
    /// Its status: `answered`, or the request's (`open`, `rejected`, `reclaimed`) while not answered.
    pub status: String,
    /// The key's owner.
    pub owner: Address,
    /// The wallet type id.
    pub wallet_type: B256,
    /// The key's index.
    pub index: u64,
    /// Its EVM address (`null` until answered).
    pub address: Option<Address>,
    /// Its compressed SEC1 public key (`null` until answered).
    pub public_key: Option<Bytes>,
    /// The address in the wallet type's native format (EVM: EIP-55; Bitcoin: bech32 P2WPKH).
    pub native_address: Option<String>,
    /// The root key version it is derived from.
    pub key_version: Option<u32>,
}

/// `zrsign key list OWNER --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyListOutput {
    /// The owner.
    pub owner: Address,
    /// The wallet type id.
    pub wallet_type: B256,
    /// Its keys by index (unanswered indexes included, with their status).
    pub keys: Vec<KeyOutput>,
}

/// A relay (broadcast) of a signed transaction on its destination chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelayOutput {
    /// The destination chain.
    pub chain: String,
    /// The relayer's state (`pending`, `sent`, `mined`, `confirmed`, `failed`, …); without the relayer's store,
    /// what the destination chain shows: `mined`, `failed`, or `unknown` (not mined, or no RPC for the chain).
    pub status: String,
    /// The transaction's hash.
    pub tx_hash: B256,
    /// Its block on the destination chain.
    pub block: Option<u64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// `zrsign sign hash|data|tx --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SignOutput {
    /// The request id.
    pub request_id: u64,
    /// `hash`, `data` or `tx`.
    pub kind: String,
    /// `open` (without `--wait`), `answered`, `rejected` or `reclaimed`.
    pub status: String,
    /// The request transaction on the source chain.
    pub request_tx: B256,
    /// The fee paid, wei.
    pub fee: String,
    /// The digest signed.
    pub digest: B256,
    /// The key's address the signature recovers to.
    pub signer: Address,
    /// 65 bytes `r ‖ s ‖ v` (`null` until answered).
    pub signature: Option<Bytes>,
    /// `sign tx`: the signed transaction (EIP-2718), once answered.
    pub signed_tx: Option<Bytes>,
    /// `sign tx`: its hash on the destination chain, once answered.
    pub tx_hash: Option<B256>,
    /// `sign tx --broadcast --wait`: the relay, once mined on the destination.
    pub relay: Option<RelayOutput>,
}

/// What the responder recorded about a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ResponderRecord {
    /// `seen`, `answered`, `rejected`, `not_open` or `skipped`.
    pub status: String,
    /// The transaction that answered or rejected it.
    pub answer_tx: Option<B256>,
    /// Rejection reason or skip selector.
    pub detail: Option<String>,
}

/// How a request was settled, from the contract's events.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AnswerOutput {
    /// A key.
    Key {
        /// Its EVM address.
        address: Address,
        /// The uncompressed public key the network answered with.
        public_key: Bytes,
    },
    /// A signature.
    Signature {
        /// The key's address.
        signer: Address,
        /// The digest.
        digest: B256,
        /// 65 bytes.
        signature: Bytes,
    },
    /// A rejection.
    Rejected {
        /// The reason code.
        reason_code: u8,
        /// Its name, if known.
        reason: Option<String>,
    },
    /// Reclaimed by the requester.
    Reclaimed {
        /// Amount credited, wei.
        amount: String,
    },
}

/// `zrsign request show|watch ID --json`: the whole lifecycle, source and destination.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RequestOutput {
    /// The request id.
    pub request_id: u64,
    /// `key`, `hash`, `data` or `tx`.
    pub kind: String,
    /// On-chain status: `open`, `answered`, `rejected` or `reclaimed`.
    pub status: String,
    /// Whether an open request is past its deadline (it can then only be reclaimed).
    pub expired: bool,
    /// Who paid.
    pub requester: Address,
    /// The key's owner.
    pub owner: Address,
    /// The wallet type id.
    pub wallet_type: B256,
    /// The key index.
    pub index: u64,
    /// The last block it may be answered in.
    pub deadline: u64,
    /// Escrowed service fee, wei.
    pub service_fee: String,
    /// Escrowed responder gas fee, wei.
    pub gas_fee: String,
    /// Destination chain key (sign requests).
    pub dst_chain: Option<B256>,
    /// The digest (sign requests).
    pub digest: Option<B256>,
    /// Whether the relayer broadcasts the answer.
    pub broadcast: bool,
    /// The source block and transaction of the request.
    pub request_block: u64,
    /// The request transaction.
    pub request_tx: B256,
    /// How it was settled, from the contract's events.
    pub answer: Option<AnswerOutput>,
    /// What the responder recorded (from the store, when one is given).
    pub responder: Option<ResponderRecord>,
    /// The relay on the destination chain (from the store when one is at hand, else the destination chain).
    pub relay: Option<RelayOutput>,
}

/// One wallet type's quotes in `zrsign fees --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WalletTypeFees {
    /// `purpose:coin_type`.
    pub wallet_type: String,
    /// Its id.
    pub id: B256,
    /// Whether it is registered.
    pub supported: bool,
    /// The MPC service fee, wei.
    pub mpc_fee: String,
    /// Quote of a key request (options 1), wei.
    pub key: String,
    /// Quote of a hash signature, wei.
    pub hash: String,
    /// Quote of a data signature, wei.
    pub data: String,
    /// Quote of a transaction signature, wei.
    pub tx: String,
}

/// `zrsign fees --json`: quotes at the latest block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FeesOutput {
    /// The base fee the quotes use, wei.
    pub base_fee: String,
    /// Response gas per kind: key, hash, data, tx.
    pub response_gas: [u32; 4],
    /// Gas buffer, percent.
    pub gas_buffer_pct: u16,
    /// Blocks a request stays answerable.
    pub request_ttl: u32,
    /// Per wallet type.
    pub wallet_types: Vec<WalletTypeFees>,
}

/// `zrsign reclaim ID --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReclaimOutput {
    /// The request.
    pub request_id: u64,
    /// The escrow credited back to the requester, wei.
    pub amount: String,
    /// The reclaim transaction.
    pub tx_hash: B256,
    /// The requester's claimable balance after it (`zrsign withdraw` pays it), wei.
    pub claimable: String,
}

/// `zrsign withdraw --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WithdrawOutput {
    /// The account paid.
    pub account: Address,
    /// Amount paid, wei.
    pub amount: String,
    /// The withdrawal transaction.
    pub tx_hash: B256,
}

/// `zrsign config show|init --json`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConfigOutput {
    /// The file.
    pub path: PathBuf,
    /// Whether it exists.
    pub exists: bool,
    /// Where the wallet's key comes from (never the key): `--private-key-file …`, `ZRSIGN_PRIVATE_KEY`, …
    pub wallet: Option<String>,
    /// The settings in effect (file < environment < flags).
    pub config: Config,
}

/// `zrsign responder run` / `relayer run`: printed once when the service is up (`--json`: this document).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ServiceOutput {
    /// `responder` or `relayer`.
    pub service: String,
    /// The source chain.
    pub chain: Caip2,
    /// The deployment.
    pub proxy: Address,
    /// The store.
    pub store: PathBuf,
    /// The source block it resumes from.
    pub next_block: u64,
    /// The account it sends from (responder).
    pub account: Option<Address>,
    /// The destinations it broadcasts to (relayer).
    pub destinations: Vec<Caip2>,
    /// Where the status API listens (`null`: not started).
    pub http: Option<String>,
}
