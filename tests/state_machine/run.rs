//! One case: operations executed on a fork of the fixture chain, each checked against the reference model,
//! and the invariants checked after every step.

use crate::{
    CHAIN_ID, Fixture, REVERTS, STEPS, SUCCESSES, USERS, model,
    model::{Model, bytes, oz, selector, zr},
    ops::{Corrupt, Op, Pay, tx_payload},
    tally,
};
use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::SolEvent,
};
use proptest::prelude::*;
use std::sync::atomic::Ordering;
use zrsign::{
    bindings::{
        IZrSign::{self, RequestKind, RequestStatus},
        Revert,
    },
    chain::{Call, ChainError, ChainRead, ChainSubmit, DevChain, Receipt, RevmChain},
    client::{Client, ClientError},
    protocol::{KeyPath, SECP256K1_N},
    signer::mock as sign,
};

/// One case: its own fork of the fixture chain and its own model.
pub struct Run<'a> {
    pub f: &'a Fixture,
    pub chain: RevmChain,
    pub model: Model,
}

pub type Step = Result<(), TestCaseError>;
pub type Predicted = Result<(Model, IZrSign::Request), Revert>;

impl Run<'_> {
    fn key_path(&self, owner: Address, index: u64) -> KeyPath {
        KeyPath {
            evm_chain_id: CHAIN_ID,
            proxy: self.f.proxy,
            owner,
            wallet_type_id: self.f.wallet_type,
            index: U256::from(index),
        }
    }

    /// Picks a request id from a selector: mostly an open request, sometimes any request, rarely an
    /// unknown id (0 or one past the last).
    fn pick(&self, selector: u8) -> U256 {
        let open: Vec<usize> =
            (0..self.model.requests.len()).filter(|&i| self.model.requests[i].status == RequestStatus::Open).collect();
        let n = self.model.requests.len();
        match selector {
            0..=219 if !open.is_empty() => U256::from(open[usize::from(selector) % open.len()] + 1),
            0..=245 if n > 0 => U256::from(usize::from(selector) % n + 1),
            _ if selector.is_multiple_of(2) => U256::ZERO,
            _ => U256::from(n + 1),
        }
    }

    /// Picks a key index for `user`: mostly an answered key, sometimes any requested index, rarely the
    /// next (not yet requested) one.
    fn pick_key(&self, user: Address, selector: u8) -> u64 {
        let answered: Vec<u64> = self.model.keys.keys().filter(|(owner, _)| *owner == user).map(|(_, i)| *i).collect();
        let count = self.model.key_count.get(&user).copied().unwrap_or(0);
        match selector {
            0..=199 if !answered.is_empty() => answered[usize::from(selector) % answered.len()],
            _ => u64::from(selector) % (count + 1),
        }
    }

    /// Compares the chain's outcome with the model's prediction.
    fn expect(&self, label: &str, actual: &Result<Receipt, ChainError>, predicted: &Result<(), Revert>) -> Step {
        match (actual, predicted) {
            (Ok(_), Ok(())) => {
                SUCCESSES.fetch_add(1, Ordering::Relaxed);
                tally(label, true);
                Ok(())
            }
            (Err(ChainError::Reverted { revert }), Err(expected)) => {
                REVERTS.fetch_add(1, Ordering::Relaxed);
                tally(label, false);
                let name = format!("{revert}");
                tally(&format!("  revert {}", name.split(['(', ' ']).next().unwrap_or_default()), false);
                prop_assert_eq!(revert, expected, "{}: wrong revert", label);
                Ok(())
            }
            (actual, predicted) => {
                Err(TestCaseError::fail(format!("{label}: chain gave {actual:?}, model predicted {predicted:?}")))
            }
        }
    }

    async fn send<C: alloy::sol_types::SolCall + Send + Sync>(
        &self,
        from: Address,
        call: C,
        value: U256,
    ) -> Result<Receipt, ChainError> {
        self.chain.transact(from, self.f.proxy, call, value).await
    }

    fn value(fee: U256, pay: Pay) -> U256 {
        match pay {
            Pay::Exact => fee,
            Pay::Under(d) if fee > U256::ZERO => fee - U256::from(1) - U256::from(d) % fee,
            Pay::Under(_) => fee,
            Pay::Over(d) => fee + U256::from(d),
        }
    }

    /// The value to send for a request and the model's prediction: the next model and the record the
    /// contract must emit, or the revert.
    fn predict_request(&self, draft: Result<model::Draft, Revert>, pay: Pay) -> (U256, Predicted) {
        match draft {
            Err(e) => (U256::from(1), Err(e)),
            Ok(draft) => {
                let value = Self::value(draft.fee, pay);
                let mut next = self.model.clone();
                let record = draft.record.clone();
                (value, next.open(draft, value).map(|_| (next, record)))
            }
        }
    }

    /// Checks a request's outcome against the prediction, and the emitted record against the model's.
    /// For sign requests, `bound` is the payload the contract must emit and sign over (differential: for
    /// a v1 legacy transaction with chain id 0, the same transaction carrying the destination chain id).
    fn settle_request(
        &mut self,
        label: &str,
        actual: Result<Receipt, ChainError>,
        predicted: Predicted,
        bound: Option<&[u8]>,
    ) -> Step {
        self.expect(label, &actual, &predicted.as_ref().map(|_| ()).map_err(Clone::clone))?;
        if let (Ok(receipt), Ok((next, record))) = (actual, predicted) {
            let emitted = match bound {
                None => receipt
                    .logs
                    .iter()
                    .find_map(|l| IZrSign::ZrKeyRequested::decode_log(l).ok().map(|e| e.data.request)),
                Some(bound) => {
                    let event = receipt.logs.iter().find_map(|l| IZrSign::ZrSignRequested::decode_log(l).ok());
                    let payload = event.as_ref().map(|e| e.data.payload.as_ref());
                    prop_assert_eq!(payload, Some(bound), "{}: emitted payload is not the bound payload", label);
                    event.map(|e| e.data.request.clone())
                }
            };
            prop_assert_eq!(emitted.as_ref(), Some(&record), "{}: emitted record differs from the model's", label);
            self.model = next;
        }
        Ok(())
    }

    pub async fn step(&mut self, op: &Op) -> Step {
        STEPS.fetch_add(1, Ordering::Relaxed);
        let f = self.f;
        match op.clone() {
            Op::RequestKey { user, options, pay } => {
                let user = f.users[user];
                let draft = self.model.key_request(user, options);
                let params = IZrSign::ZrKeyReqParams { owner: user, walletTypeId: f.wallet_type, options };
                let (value, predicted) = self.predict_request(draft, pay);
                let actual = self.send(user, IZrSign::zrKeyReqCall { params }, value).await;
                self.settle_request("zrKeyReq", actual, predicted, None)
            }
            Op::RequestHash { user, key, dst, short, broadcast, pay } => {
                let user = f.users[user];
                let payload = if short { vec![7u8; 31] } else { keccak256([key, dst]).to_vec() };
                self.sign_request(user, RequestKind::Hash, key, dst, payload.clone(), payload, None, broadcast, pay)
                    .await
            }
            Op::RequestData { user, key, dst, data, broadcast, pay } => {
                let user = f.users[user];
                self.sign_request(user, RequestKind::Data, key, dst, data.clone(), data, None, broadcast, pay).await
            }
            Op::RequestTx { user, key, dst, shape, nonce, broadcast, pay } => {
                let user = f.users[user];
                let dst_evm = self.model.chains.get(&f.dst[usize::from(dst)]).map_or(CHAIN_ID, |c| c.0);
                let (payload, bound, chain) = tx_payload(shape, u64::from(nonce), dst_evm);
                self.sign_request(user, RequestKind::Tx, key, dst, payload, bound, Some(chain), broadcast, pay).await
            }
            Op::Answer { request, corrupt } => self.answer(self.pick(request), corrupt, f.mpc).await,
            Op::StrangerAnswers { request } => {
                let id = self.pick(request);
                let call = IZrSign::zrRejectCall { requestId: id, request: self.model.record(id), reasonCode: 1 };
                let actual = self.send(f.stranger, call, U256::ZERO).await;
                let mpc_role = keccak256("zrsign.role.mpc");
                self.expect(
                    "stranger zrReject",
                    &actual,
                    &Err(oz!(AccessControlUnauthorizedAccount { account: f.stranger, neededRole: mpc_role })),
                )
            }
            Op::AnswerBatch { keys, requests } => self.answer_batch(keys, &requests).await,
            Op::Reject { request, reason } => {
                let id = self.pick(request);
                let predicted =
                    if self.model.paused { Some(oz!(EnforcedPause {})) } else { self.model.open_error(id, false) };
                let call = IZrSign::zrRejectCall { requestId: id, request: self.model.record(id), reasonCode: reason };
                let actual = self.send(f.mpc, call, U256::ZERO).await;
                self.expect("zrReject", &actual, &predicted.clone().map_or(Ok(()), Err))?;
                if predicted.is_none() {
                    self.model.reject(id, f.mpc);
                }
                Ok(())
            }
            Op::Reclaim { request, by } => {
                let id = self.pick(request);
                let predicted = self.model.open_error(id, true);
                let call = IZrSign::reclaimCall { requestId: id, request: self.model.record(id) };
                let actual = self.send(f.users[by], call, U256::ZERO).await;
                self.expect("reclaim", &actual, &predicted.clone().map_or(Ok(()), Err))?;
                if predicted.is_none() {
                    self.model.reclaim(id);
                }
                Ok(())
            }
            Op::Withdraw { who } => {
                let who = if who == USERS { f.mpc } else { f.users[who] };
                let amount = self.model.claimable.get(&who).copied().unwrap_or_default();
                let predicted =
                    if amount.is_zero() { Err(zr!(ZrSignNothingToWithdraw { account: who })) } else { Ok(()) };
                let before = self.chain.balance(who).await.map_err(fail)?;
                let actual = self.send(who, IZrSign::withdrawCall {}, U256::ZERO).await;
                self.expect("withdraw", &actual, &predicted)?;
                if let Ok(receipt) = actual {
                    let after = self.chain.balance(who).await.map_err(fail)?;
                    let gas_cost = U256::from(receipt.gas_used) * U256::from(self.model.base_fee);
                    prop_assert_eq!(after, before + amount - gas_cost, "withdraw paid the wrong amount");
                    self.model.claimable.remove(&who);
                }
                Ok(())
            }
            Op::WithdrawFor { by, who } => {
                let (by, who) = (f.users[by], if who == USERS { f.mpc } else { f.users[who] });
                let amount = self.model.claimable.get(&who).copied().unwrap_or_default();
                let predicted =
                    if amount.is_zero() { Err(zr!(ZrSignNothingToWithdraw { account: who })) } else { Ok(()) };
                let (by_before, who_before) =
                    (self.chain.balance(by).await.map_err(fail)?, self.chain.balance(who).await.map_err(fail)?);
                let actual = Client::new(&self.chain, f.proxy, by).withdraw_for(who).await.map(|w| w.receipt).map_err(
                    |e| match e {
                        ClientError::Chain { source, .. } => *source,
                        other => ChainError::Evm(other.to_string()),
                    },
                );
                self.expect("withdrawFor", &actual, &predicted)?;
                if let Ok(receipt) = actual {
                    let gas_cost = U256::from(receipt.gas_used) * U256::from(self.model.base_fee);
                    let (by_after, who_after) =
                        (self.chain.balance(by).await.map_err(fail)?, self.chain.balance(who).await.map_err(fail)?);
                    if by == who {
                        prop_assert_eq!(who_after, who_before + amount - gas_cost, "withdrawFor paid the wrong amount");
                    } else {
                        prop_assert_eq!(who_after, who_before + amount, "withdrawFor paid the wrong amount");
                        prop_assert_eq!(by_after, by_before - gas_cost, "withdrawFor paid the caller");
                    }
                    self.model.claimable.remove(&who);
                }
                Ok(())
            }
            Op::SetKeyMpcFee { fee } => {
                let predicted = if fee > model::MAX_MPC_FEE {
                    Err(zr!(ZrSignFeeOutOfBounds { fee: U256::from(fee), max: U256::from(model::MAX_MPC_FEE) }))
                } else {
                    Ok(())
                };
                let call = IZrSign::setKeyMpcFeeCall { fee: alloy::primitives::Uint::from(fee) };
                let actual = self.send(f.admin, call, U256::ZERO).await;
                self.expect("setKeyMpcFee", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.key_mpc_fee = fee;
                }
                Ok(())
            }
            Op::SetMinGasPrice { price } => {
                let predicted = if price > model::MAX_MIN_GAS_PRICE {
                    Err(zr!(ZrSignMinGasPriceOutOfBounds {
                        price: U256::from(price),
                        max: U256::from(model::MAX_MIN_GAS_PRICE)
                    }))
                } else {
                    Ok(())
                };
                let actual = self.send(f.admin, IZrSign::setMinGasPriceCall { price }, U256::ZERO).await;
                self.expect("setMinGasPrice", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.min_gas_price = u128::from(price);
                }
                Ok(())
            }
            Op::ToggleRemoteChain => {
                let remote = f.dst[5];
                let allowed = self.model.chains.get(&remote).is_some_and(|c| c.1);
                let actual = if allowed {
                    self.send(
                        f.admin,
                        IZrSign::disallowChainCall { walletTypeId: f.wallet_type, chainId: remote },
                        U256::ZERO,
                    )
                    .await
                } else {
                    self.send(
                        f.admin,
                        IZrSign::allowChainCall { walletTypeId: f.wallet_type, chainId: remote },
                        U256::ZERO,
                    )
                    .await
                };
                self.expect(if allowed { "disallowChain" } else { "allowChain" }, &actual, &Ok(()))?;
                if let Some(c) = self.model.chains.get_mut(&remote) {
                    c.1 = !allowed;
                }
                Ok(())
            }
            Op::ForceSend { wei } => {
                // SELFDESTRUCT in creation code (EIP-6780 keeps the transfer): ether no function of the proxy accepted.
                let mut code = vec![0x73];
                code.extend_from_slice(f.proxy.as_slice());
                code.push(0xff);
                let call =
                    Call { from: f.admin, to: None, input: code.into(), value: U256::from(wei), gas_limit: None };
                self.chain.send(call).await.map_err(fail)?;
                self.model.forced += U256::from(wei);
                Ok(())
            }
            Op::Sweep => {
                let forced = self.model.forced;
                let predicted = if forced.is_zero() { Err(zr!(ZrSignNoSurplus {})) } else { Ok(()) };
                let before = self.chain.balance(f.stranger).await.map_err(fail)?;
                let actual = self.send(f.admin, IZrSign::sweepSurplusCall { to: f.stranger }, U256::ZERO).await;
                self.expect("sweepSurplus", &actual, &predicted)?;
                if actual.is_ok() {
                    let after = self.chain.balance(f.stranger).await.map_err(fail)?;
                    prop_assert_eq!(after, before + forced, "the sweep paid other than the force-sent ether");
                    self.model.forced = U256::ZERO;
                }
                Ok(())
            }
            Op::WithdrawFees { fraction } => {
                let available = self.model.protocol_fees;
                let amount = if fraction == u8::MAX {
                    available + U256::from(1)
                } else {
                    available * U256::from(fraction) / U256::from(254)
                };
                let predicted = if amount > available {
                    Err(zr!(ZrSignInsufficientProtocolFees { requested: amount, available }))
                } else {
                    Ok(())
                };
                let actual = self.send(f.admin, IZrSign::withdrawFeesCall { to: f.admin, amount }, U256::ZERO).await;
                self.expect("withdrawFees", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.protocol_fees -= amount;
                }
                Ok(())
            }
            Op::SetMpcFee { fee } => {
                let predicted = if fee > model::MAX_MPC_FEE {
                    Err(zr!(ZrSignFeeOutOfBounds { fee: U256::from(fee), max: U256::from(model::MAX_MPC_FEE) }))
                } else {
                    Ok(())
                };
                let call =
                    IZrSign::setMpcFeeCall { walletTypeId: f.wallet_type, fee: alloy::primitives::Uint::from(fee) };
                let actual = self.send(f.admin, call, U256::ZERO).await;
                self.expect("setMpcFee", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.mpc_fee = fee;
                }
                Ok(())
            }
            Op::SetTtl { ttl } => {
                let predicted = if !(model::MIN_TTL..=model::MAX_TTL).contains(&ttl) {
                    Err(zr!(ZrSignTtlOutOfBounds {
                        ttl: U256::from(ttl),
                        min: U256::from(model::MIN_TTL),
                        max: U256::from(model::MAX_TTL)
                    }))
                } else {
                    Ok(())
                };
                let actual = self.send(f.admin, IZrSign::setRequestTtlCall { blocks: ttl }, U256::ZERO).await;
                self.expect("setRequestTtl", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.ttl = ttl;
                }
                Ok(())
            }
            Op::SetGasBuffer { pct } => {
                let predicted = if pct > model::MAX_GAS_BUFFER_PCT {
                    Err(zr!(ZrSignGasBufferOutOfBounds {
                        pct: U256::from(pct),
                        max: U256::from(model::MAX_GAS_BUFFER_PCT)
                    }))
                } else {
                    Ok(())
                };
                let actual = self.send(f.admin, IZrSign::setGasBufferCall { pct }, U256::ZERO).await;
                self.expect("setGasBuffer", &actual, &predicted)?;
                if actual.is_ok() {
                    self.model.gas_buffer = pct;
                }
                Ok(())
            }
            Op::Pause => {
                let predicted = if self.model.paused { Err(oz!(EnforcedPause {})) } else { Ok(()) };
                let actual = self.send(f.admin, IZrSign::pauseCall {}, U256::ZERO).await;
                self.expect("pause", &actual, &predicted)?;
                self.model.paused = true;
                Ok(())
            }
            Op::Unpause => {
                let predicted = if self.model.paused { Ok(()) } else { Err(oz!(ExpectedPause {})) };
                let actual = self.send(f.admin, IZrSign::unpauseCall {}, U256::ZERO).await;
                self.expect("unpause", &actual, &predicted)?;
                self.model.paused = false;
                Ok(())
            }
            Op::SetBaseFee { gwei } => {
                self.chain.set_base_fee(gwei * 1_000_000_000);
                self.model.base_fee = u128::from(gwei) * 1_000_000_000;
                Ok(())
            }
            Op::Mine { blocks } => {
                self.chain.mine(blocks).await.map_err(fail)?;
                self.model.block += blocks;
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn sign_request(
        &mut self,
        user: Address,
        kind: RequestKind,
        key: u8,
        dst: u8,
        payload: Vec<u8>,
        bound: Vec<u8>,
        chain: Option<u64>,
        broadcast: bool,
        pay: Pay,
    ) -> Step {
        let f = self.f;
        let index = self.pick_key(user, key);
        let dst = f.dst[usize::from(dst)];
        let draft = self.model.sign_request(user, kind, index, dst, &payload, &bound, chain, broadcast);
        let params = IZrSign::ZrSignParams {
            walletTypeId: f.wallet_type,
            walletIndex: U256::from(index),
            dstChainId: dst,
            payload: bytes(payload),
            broadcast,
        };
        let label = format!("{kind:?} request");
        let (value, predicted) = self.predict_request(draft, pay);
        let actual = match kind {
            RequestKind::Hash => self.send(user, IZrSign::zrSignHashCall { params }, value).await,
            RequestKind::Data => self.send(user, IZrSign::zrSignDataCall { params }, value).await,
            _ => self.send(user, IZrSign::zrSignTxCall { params }, value).await,
        };
        self.settle_request(&label, actual, predicted, Some(&bound))
    }

    /// The response to request `id` as the MPC computes it (possibly corrupted), and the model's prediction.
    fn response(&self, id: U256, corrupt: Corrupt) -> (Response, Result<Option<Address>, Revert>) {
        let record = self.model.record(id);
        let path = self.key_path(record.owner, record.walletIndex.to::<u64>());
        let child = self.f.root.child(&path);
        let state = if self.model.paused { Some(oz!(EnforcedPause {})) } else { self.model.open_error(id, false) }
            .or_else(|| self.model.stopped_error(id));
        if record.kind == RequestKind::Key {
            let wrong = self.f.root.child(&self.key_path(record.owner, record.walletIndex.to::<u64>() + 1));
            let key = if corrupt == Corrupt::No { child.public() } else { wrong.public() }.expect("key");
            let predicted = match state {
                Some(e) => Err(e),
                None if corrupt != Corrupt::No => Err(zr!(ZrSignWrongDerivedKey {
                    expected: child.public().expect("key").address(),
                    actual: wrong.public().expect("key").address()
                })),
                None => Ok(Some(child.public().expect("key").address())),
            };
            return (Response::Key(bytes(key.xy().to_vec())), predicted);
        }
        let signer = if corrupt == Corrupt::WrongKey {
            self.f.root.child(&self.key_path(record.owner, record.walletIndex.to::<u64>() + 1))
        } else {
            child
        };
        let signature = sign::sign(&signer, record.digest).expect("sign");
        let mut wire = signature.as_bytes().to_vec();
        let predicted = match (state, corrupt) {
            (Some(e), _) => Err(e),
            (None, Corrupt::No) => Ok(None),
            (None, Corrupt::WrongKey) => Err(zr!(ZrSignWrongSigner {
                expected: record.signer,
                recovered: signer.public().expect("key").address()
            })),
            (None, Corrupt::HighS) => {
                let high = SECP256K1_N - signature.s();
                wire[32..64].copy_from_slice(&high.to_be_bytes::<32>());
                wire[64] ^= 1; // 27 ↔ 28: the same point, the malleable twin
                Err(zr!(ZrSignSignatureHighS { s: B256::from(high) }))
            }
            (None, Corrupt::BadLength) => {
                wire.truncate(64);
                Err(zr!(ZrSignInvalidSignatureLength { length: U256::from(64) }))
            }
        };
        (Response::Signature(bytes(wire), signature), predicted)
    }

    async fn answer(&mut self, id: U256, corrupt: Corrupt, responder: Address) -> Step {
        let record = self.model.record(id);
        let (response, predicted) = self.response(id, corrupt);
        let actual = match &response {
            Response::Key(key) => {
                self.send(
                    responder,
                    IZrSign::zrKeyResCall { requestId: id, request: record.clone(), publicKey: key.clone() },
                    U256::ZERO,
                )
                .await
            }
            Response::Signature(sig, _) => {
                self.send(
                    responder,
                    IZrSign::zrSignResCall { requestId: id, request: record.clone(), signature: sig.clone() },
                    U256::ZERO,
                )
                .await
            }
        };
        self.expect("answer", &actual, &predicted.as_ref().map(|_| ()).map_err(Clone::clone))?;
        if let Ok(key) = predicted {
            self.model.answer(id, responder, key);
            self.check_answer(id, &response).await?;
        }
        Ok(())
    }

    /// Differential checks on an accepted answer: Rust derivation == on-chain `derivedAddress` == stored
    /// key; the signature recovers (alloy) to the stored key over the digest.
    async fn check_answer(&self, id: U256, response: &Response) -> Step {
        let record = self.model.record(id);
        match response {
            Response::Key(_) => {
                let ours = self
                    .f
                    .root
                    .public()
                    .derive(&self.key_path(record.owner, record.walletIndex.to::<u64>()))
                    .expect("key")
                    .address();
                let call = IZrSign::derivedAddressCall {
                    owner: record.owner,
                    walletTypeId: record.walletTypeId,
                    index: record.walletIndex,
                };
                let on_chain = self.chain.view(self.f.proxy, call).await.map_err(fail)?;
                let stored = self
                    .chain
                    .view(
                        self.f.proxy,
                        IZrSign::keyOfCall {
                            owner: record.owner,
                            walletTypeId: record.walletTypeId,
                            index: record.walletIndex,
                        },
                    )
                    .await
                    .map_err(fail)?;
                prop_assert_eq!(on_chain, ours, "derivedAddress differs from the Rust derivation");
                prop_assert_eq!(stored.evmAddress, ours, "stored key differs from the Rust derivation");
            }
            Response::Signature(_, signature) => {
                let recovered = signature.recover_address_from_prehash(&record.digest).map_err(fail)?;
                prop_assert_eq!(recovered, record.signer, "signature does not recover to the key");
            }
        }
        Ok(())
    }

    async fn answer_batch(&mut self, keys: bool, selectors: &[u8]) -> Step {
        let f = self.f;
        let mut predicted_skips = Vec::new();
        let mut scratch = self.model.clone();
        let mut answered = Vec::new();
        let mut key_items = Vec::new();
        let mut sign_items = Vec::new();
        for &s in selectors {
            let id = self.pick(s);
            let record = self.model.record(id);
            let (response, _) = self.response(id, Corrupt::No);
            // Predict against the state as the batch has changed it so far.
            let state = scratch.open_error(id, false);
            let kind_error = match (&response, record.kind) {
                (Response::Key(_), _) if !keys => {
                    Some(zr!(ZrSignWrongRequestKind { requestId: id, kind: record.kind }))
                }
                (Response::Signature(..), _) if keys => {
                    Some(zr!(ZrSignWrongRequestKind { requestId: id, kind: record.kind }))
                }
                _ => None,
            };
            match state.or(kind_error).or_else(|| scratch.stopped_error(id)) {
                Some(e) => predicted_skips.push((id, selector(&e))),
                None => {
                    let key = matches!(response, Response::Key(_)).then(|| {
                        self.f
                            .root
                            .child(&self.key_path(record.owner, record.walletIndex.to::<u64>()))
                            .public()
                            .expect("key")
                            .address()
                    });
                    scratch.answer(id, f.mpc, key);
                    answered.push((id, response.clone()));
                }
            }
            match response {
                Response::Key(k) if keys => {
                    key_items.push(IZrSign::KeyResponse { requestId: id, request: record, publicKey: k })
                }
                Response::Key(k) => {
                    sign_items.push(IZrSign::SignResponse { requestId: id, request: record, signature: k })
                }
                Response::Signature(sig, _) if keys => {
                    key_items.push(IZrSign::KeyResponse { requestId: id, request: record, publicKey: sig })
                }
                Response::Signature(sig, _) => {
                    sign_items.push(IZrSign::SignResponse { requestId: id, request: record, signature: sig })
                }
            }
        }
        let actual = if keys {
            self.send(f.mpc, IZrSign::zrKeyResBatchCall { responses: key_items }, U256::ZERO).await
        } else {
            self.send(f.mpc, IZrSign::zrSignResBatchCall { responses: sign_items }, U256::ZERO).await
        };
        let predicted = if self.model.paused { Err(oz!(EnforcedPause {})) } else { Ok(()) };
        self.expect("batch", &actual, &predicted)?;
        if let Ok(receipt) = actual {
            let skips: Vec<(U256, [u8; 4])> = receipt
                .logs
                .iter()
                .filter_map(|l| IZrSign::ZrResponseSkipped::decode_log(l).ok())
                .map(|e| (e.data.requestId, e.data.reason.0))
                .collect();
            prop_assert_eq!(skips, predicted_skips, "batch skipped other items than the model predicted");
            self.model = scratch;
            for (id, response) in answered {
                self.check_answer(id, &response).await?;
            }
        }
        Ok(())
    }

    /// The invariants of INVARIANTS.md, against the contract's views and the model.
    pub async fn check_invariants(&self) -> Step {
        let (chain, proxy, m) = (&self.chain, self.f.proxy, &self.model);
        let escrow = chain.view(proxy, IZrSign::totalEscrowCall {}).await.map_err(fail)?;
        let claimable = chain.view(proxy, IZrSign::totalClaimableCall {}).await.map_err(fail)?;
        let fees = chain.view(proxy, IZrSign::protocolFeesCall {}).await.map_err(fail)?;
        let balance = chain.balance(proxy).await.map_err(fail)?;
        prop_assert_eq!(balance, escrow + claimable + fees + m.forced, "ether conservation (force-sent ether aside)");
        prop_assert_eq!(
            (escrow, claimable, fees),
            (m.escrow, m.total_claimable(), m.protocol_fees),
            "totals differ from the model"
        );
        let next = chain.view(proxy, IZrSign::nextRequestIdCall {}).await.map_err(fail)?;
        prop_assert_eq!(next, m.next_id(), "nextRequestId");
        for (i, request) in m.requests.iter().enumerate() {
            let status =
                chain.view(proxy, IZrSign::requestStatusCall { requestId: U256::from(i + 1) }).await.map_err(fail)?;
            prop_assert_eq!(status, request.status, "status of request {}", i + 1);
        }
        for who in self.f.users.iter().chain([&self.f.mpc]) {
            let on_chain = chain.view(proxy, IZrSign::claimableCall { account: *who }).await.map_err(fail)?;
            prop_assert_eq!(on_chain, m.claimable.get(who).copied().unwrap_or_default(), "claimable of {}", who);
            let count = chain
                .view(proxy, IZrSign::keyCountCall { owner: *who, walletTypeId: m.wallet_type })
                .await
                .map_err(fail)?;
            prop_assert_eq!(count, U256::from(m.key_count.get(who).copied().unwrap_or(0)), "keyCount of {}", who);
            let listed = chain
                .view(proxy, IZrSign::getZrKeysCall { walletTypeId: m.wallet_type, owner: *who })
                .await
                .map_err(fail)?;
            prop_assert_eq!(listed, m.listed_keys(*who), "getZrKeys of {}", who);
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
enum Response {
    Key(Bytes),
    Signature(Bytes, alloy::primitives::Signature),
}

fn fail(e: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}
