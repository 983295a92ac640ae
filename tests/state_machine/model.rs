//! The reference model: what ZrSign must do, written independently in Rust. Each `predict_*` returns
//! the outcome the contract must produce (success, or the exact typed revert) and, on success, the
//! effects the model applies once the chain agreed.

use alloy::primitives::{Address, B256, Bytes, U256, eip191_hash_message, keccak256};
use std::collections::BTreeMap;
use zrsign::bindings::{
    IZrSign::{Request, RequestKind, RequestStatus},
    Revert,
};

/// An `IZrSign` error value.
macro_rules! zr {
    ($name:ident { $($field:tt)* }) => {
        zrsign::bindings::Revert::ZrSign(zrsign::bindings::IZrSign::IZrSignErrors::$name(zrsign::bindings::IZrSign::$name { $($field)* }))
    };
}

/// An OpenZeppelin error value.
macro_rules! oz {
    ($name:ident { $($field:tt)* }) => {
        zrsign::bindings::Revert::Oz(zrsign::bindings::OzErrors::OzErrorsErrors::$name(zrsign::bindings::OzErrors::$name { $($field)* }))
    };
}
pub(crate) use {oz, zr};

/// Bounds the contract enforces.
pub const MAX_MPC_FEE: u128 = 1_000_000_000_000_000_000;
pub const MAX_GAS_BUFFER_PCT: u16 = 100;
pub const MIN_TTL: u32 = 10;
pub const MAX_TTL: u32 = 1_000_000;
pub const MAX_MIN_GAS_PRICE: u64 = 10_000_000_000_000;

/// A request as the model tracks it.
#[derive(Debug, Clone)]
pub struct ModelRequest {
    pub record: Request,
    pub status: RequestStatus,
}

/// The expected state of one deployment.
#[derive(Debug, Clone)]
pub struct Model {
    pub block: u64,
    pub base_fee: u128,
    /// The wallet type's (sign) MPC fee.
    pub mpc_fee: u128,
    /// The key request MPC fee per unit of options (every wallet type).
    pub key_mpc_fee: u128,
    /// Floor of the quote's gas price.
    pub min_gas_price: u128,
    /// Ether force-sent to the proxy and not yet swept.
    pub forced: U256,
    /// Response gas per kind: Key, Hash, Data, Tx.
    pub response_gas: [u128; 4],
    pub gas_buffer: u16,
    pub ttl: u32,
    pub paused: bool,
    pub wallet_type: B256,
    /// Answered keys: (owner, index) → address.
    pub keys: BTreeMap<(Address, u64), Address>,
    pub key_count: BTreeMap<Address, u64>,
    /// Index = request id − 1.
    pub requests: Vec<ModelRequest>,
    pub claimable: BTreeMap<Address, U256>,
    pub protocol_fees: U256,
    pub escrow: U256,
    /// Registered chains: id → (EVM chain id, allowed for the wallet type).
    pub chains: BTreeMap<B256, (u64, bool)>,
}

/// What a new request will carry, before the fee check.
pub struct Draft {
    pub record: Request,
    pub fee: U256,
}

impl Model {
    /// `responseGas × max(basefee, minGasPrice) × (100 + buffer) / 100`.
    pub fn gas_fee(&self, kind: RequestKind) -> U256 {
        let gas = self.response_gas[kind as usize];
        let price = self.base_fee.max(self.min_gas_price);
        U256::from(gas) * U256::from(price) * U256::from(100 + u128::from(self.gas_buffer)) / U256::from(100)
    }

    pub fn next_id(&self) -> U256 {
        U256::from(self.requests.len() + 1)
    }

    pub fn total_claimable(&self) -> U256 {
        self.claimable.values().copied().sum()
    }

    pub fn request(&self, id: U256) -> Option<&ModelRequest> {
        let index: usize = id.checked_sub(U256::from(1))?.try_into().ok()?;
        self.requests.get(index)
    }

    fn credit(&mut self, account: Address, amount: U256) {
        if !amount.is_zero() {
            *self.claimable.entry(account).or_default() += amount;
        }
    }

    /// A key request's draft, or why it reverts (before the fee check).
    pub fn key_request(&self, user: Address, options: u8) -> Result<Draft, Revert> {
        if self.paused {
            return Err(oz!(EnforcedPause {}));
        }
        if options == 0 {
            return Err(zr!(ZrSignInvalidOptions { options }));
        }
        let service = self.key_mpc_fee * u128::from(options);
        let gas = self.gas_fee(RequestKind::Key);
        let record = Request {
            kind: RequestKind::Key,
            requester: user,
            deadline: self.block + u64::from(self.ttl),
            keyVersion: 1,
            serviceFee: alloy::primitives::Uint::from(service),
            gasFee: alloy::primitives::Uint::from(gas),
            owner: user,
            walletTypeId: self.wallet_type,
            walletIndex: U256::from(self.key_count.get(&user).copied().unwrap_or(0)),
            dstChainId: B256::ZERO,
            digest: B256::ZERO,
            signer: Address::ZERO,
            broadcast: false,
        };
        Ok(Draft { fee: U256::from(service) + gas, record })
    }

    /// A sign request's draft (record with digest), or why it reverts (before the fee check).
    /// `payload` is what is sent; `bound` is the payload the contract will sign over (for v1 legacy
    /// transactions with chain id 0, the same transaction with the destination chain id).
    #[allow(clippy::too_many_arguments)]
    pub fn sign_request(
        &self,
        user: Address,
        kind: RequestKind,
        index: u64,
        dst: B256,
        payload: &[u8],
        bound: &[u8],
        payload_chain_id: Option<u64>,
        broadcast: bool,
    ) -> Result<Draft, Revert> {
        if self.paused {
            return Err(oz!(EnforcedPause {}));
        }
        let Some(&(evm_chain_id, allowed)) = self.chains.get(&dst) else {
            return Err(zr!(ZrSignUnknownChain { chainId: dst }));
        };
        if !allowed {
            return Err(zr!(ZrSignChainNotAllowed { walletTypeId: self.wallet_type, chainId: dst }));
        }
        if broadcast && kind != RequestKind::Tx {
            return Err(zr!(ZrSignBroadcastNotAllowed { kind }));
        }
        if kind == RequestKind::Hash && payload.len() != 32 {
            return Err(zr!(ZrSignInvalidHashLength { length: U256::from(payload.len()) }));
        }
        let Some(&signer) = self.keys.get(&(user, index)) else {
            return Err(zr!(ZrSignKeyNotFound {
                owner: user,
                walletTypeId: self.wallet_type,
                index: U256::from(index)
            }));
        };
        let digest = match kind {
            RequestKind::Hash => B256::from_slice(payload),
            RequestKind::Data => eip191_hash_message(payload),
            _ => {
                let actual = payload_chain_id.unwrap_or(0);
                if actual != 0 && actual != evm_chain_id {
                    return Err(zr!(ZrSignTxChainIdMismatch {
                        expected: U256::from(evm_chain_id),
                        actual: U256::from(actual)
                    }));
                }
                keccak256(bound)
            }
        };
        let gas = self.gas_fee(kind);
        let record = Request {
            kind,
            requester: user,
            deadline: self.block + u64::from(self.ttl),
            keyVersion: 1,
            serviceFee: alloy::primitives::Uint::from(self.mpc_fee),
            gasFee: alloy::primitives::Uint::from(gas),
            owner: user,
            walletTypeId: self.wallet_type,
            walletIndex: U256::from(index),
            dstChainId: dst,
            digest,
            signer,
            broadcast,
        };
        Ok(Draft { fee: U256::from(self.mpc_fee) + gas, record })
    }

    /// The fee check and, on success, the effects of opening `draft` paid with `value`.
    pub fn open(&mut self, draft: Draft, value: U256) -> Result<U256, Revert> {
        if value < draft.fee {
            return Err(zr!(ZrSignInsufficientFee { required: draft.fee, paid: value }));
        }
        let id = self.next_id();
        if draft.record.kind == RequestKind::Key {
            *self.key_count.entry(draft.record.owner).or_default() += 1;
        }
        self.escrow += draft.fee;
        let requester = draft.record.requester;
        self.credit(requester, value - draft.fee);
        self.requests.push(ModelRequest { record: draft.record, status: RequestStatus::Open });
        Ok(id)
    }

    /// Why settling request `id` (with its true record) reverts because of its state, if it does.
    pub fn open_error(&self, id: U256, reclaiming: bool) -> Option<Revert> {
        let Some(request) = self.request(id) else { return Some(zr!(ZrSignUnknownRequest { requestId: id })) };
        if request.status != RequestStatus::Open {
            return Some(zr!(ZrSignRequestNotOpen { requestId: id, status: request.status }));
        }
        let deadline = request.record.deadline;
        if reclaiming && self.block <= deadline && self.stopped_error(id).is_none() {
            return Some(zr!(ZrSignRequestNotExpired { requestId: id, deadline }));
        }
        if !reclaiming && self.block > deadline {
            return Some(zr!(ZrSignRequestExpired { requestId: id, deadline }));
        }
        None
    }

    /// Why an answer to open request `id` is refused because the registry stopped it since it was made: a sign
    /// request whose chain is no longer allowed for the wallet type (the model never removes its wallet type).
    pub fn stopped_error(&self, id: U256) -> Option<Revert> {
        let record = &self.request(id)?.record;
        if record.kind == RequestKind::Key || self.chains.get(&record.dstChainId).is_some_and(|c| c.1) {
            return None;
        }
        Some(zr!(ZrSignChainNotAllowed { walletTypeId: record.walletTypeId, chainId: record.dstChainId }))
    }

    /// The address strings `getZrKeys` must list for `owner`: up to the highest answered index, EIP-55, "" for gaps.
    pub fn listed_keys(&self, owner: Address) -> Vec<String> {
        let count = self.key_count.get(&owner).copied().unwrap_or(0);
        let length = (0..count).rev().find(|i| self.keys.contains_key(&(owner, *i))).map_or(0, |i| i + 1);
        (0..length).map(|i| self.keys.get(&(owner, i)).map(|a| a.to_checksum(None)).unwrap_or_default()).collect()
    }

    /// Effects of an accepted answer by `responder`.
    pub fn answer(&mut self, id: U256, responder: Address, key: Option<Address>) {
        let Some(index) = id.checked_sub(U256::from(1)).and_then(|i| usize::try_from(i).ok()) else { return };
        let record = self.requests[index].record.clone();
        self.requests[index].status = RequestStatus::Answered;
        let (service, gas) = (U256::from(record.serviceFee), U256::from(record.gasFee));
        self.escrow -= service + gas;
        self.protocol_fees += service;
        self.credit(responder, gas);
        if let Some(address) = key {
            self.keys.insert((record.owner, record.walletIndex.to::<u64>()), address);
        }
    }

    /// Effects of an accepted rejection by `responder`.
    pub fn reject(&mut self, id: U256, responder: Address) {
        let Some(index) = id.checked_sub(U256::from(1)).and_then(|i| usize::try_from(i).ok()) else { return };
        let record = self.requests[index].record.clone();
        self.requests[index].status = RequestStatus::Rejected;
        let (service, gas) = (U256::from(record.serviceFee), U256::from(record.gasFee));
        self.escrow -= service + gas;
        self.credit(record.requester, service);
        self.credit(responder, gas);
    }

    /// Effects of an accepted reclaim.
    pub fn reclaim(&mut self, id: U256) {
        let Some(index) = id.checked_sub(U256::from(1)).and_then(|i| usize::try_from(i).ok()) else { return };
        let record = self.requests[index].record.clone();
        self.requests[index].status = RequestStatus::Reclaimed;
        let total = U256::from(record.serviceFee) + U256::from(record.gasFee);
        self.escrow -= total;
        self.credit(record.requester, total);
    }

    /// The record to re-supply for request `id` (a zero record for unknown ids).
    pub fn record(&self, id: U256) -> Request {
        self.request(id).map(|r| r.record.clone()).unwrap_or_else(|| Request {
            kind: RequestKind::Key,
            requester: Address::ZERO,
            deadline: 0,
            keyVersion: 0,
            serviceFee: Default::default(),
            gasFee: Default::default(),
            owner: Address::ZERO,
            walletTypeId: B256::ZERO,
            walletIndex: U256::ZERO,
            dstChainId: B256::ZERO,
            digest: B256::ZERO,
            signer: Address::ZERO,
            broadcast: false,
        })
    }
}

/// The 4-byte selector of a revert (what batch skip events carry).
pub fn selector(revert: &Revert) -> [u8; 4] {
    use alloy::sol_types::SolInterface;
    match revert {
        Revert::ZrSign(e) => e.selector(),
        Revert::Oz(e) => e.selector(),
        Revert::Unknown(b) => b.get(..4).and_then(|s| s.try_into().ok()).unwrap_or_default(),
    }
}

/// Bytes helper.
pub fn bytes(data: impl Into<Vec<u8>>) -> Bytes {
    Bytes::from(data.into())
}
