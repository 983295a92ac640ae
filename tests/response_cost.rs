//! The responder is paid what answering costs (issue 10.9): on revm, whole transactions (21,000 intrinsic and
//! calldata included), a single answer of each request kind sent at the gas price its request was quoted at costs no
//! more than the gas part it earns — also on a chain whose base fee is 0, through the minimum gas price.

mod common;

use alloy::primitives::{Address, B256, Bytes, U256, keccak256};
use zrsign::{
    bindings::IZrSign::{self, RequestKind, ZrSignParams},
    chain::{ChainRead, ChainSubmit, RevmChain},
    client::{Client, Requested},
    deploy::{self, Roles, Setup},
    mpc::keys::RootSecret,
    protocol::KeyPath,
    signer::mock as sign,
};

const CHAIN_ID: u64 = 31_337;

struct Chain {
    chain: RevmChain,
    proxy: Address,
    wallet_type: B256,
    root: RootSecret,
    admin: Address,
    mpc: Address,
    user: Address,
}

impl Chain {
    async fn new() -> Self {
        let chain = RevmChain::new(CHAIN_ID, 3);
        let [admin, mpc, user] = chain.first_accounts().expect("accounts");
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let proxy = deploy::deploy(&chain, common::artifacts(), roles).await.expect("deploy").proxy;
        let root = RootSecret::from_seed("response cost").expect("root");
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: 1_000_000_000_000,
            evm_chains: vec![(format!("eip155:{CHAIN_ID}"), CHAIN_ID)],
        };
        let wallet_type = deploy::configure(&chain, proxy, admin, &setup).await.expect("configure");
        Self { chain, proxy, wallet_type, root, admin, mpc, user }
    }

    fn path(&self, r: &Requested) -> KeyPath {
        KeyPath {
            evm_chain_id: CHAIN_ID,
            proxy: self.proxy,
            owner: r.request.owner,
            wallet_type_id: self.wallet_type,
            index: r.request.walletIndex,
        }
    }

    /// Answers a key request; returns the answer's transaction gas.
    async fn answer_key(&self, r: &Requested) -> u64 {
        let call = IZrSign::zrKeyResCall {
            requestId: r.id,
            request: r.request.clone(),
            publicKey: self.root.child(&self.path(r)).public().expect("key").xy().to_vec().into(),
        };
        self.chain.transact(self.mpc, self.proxy, call, U256::ZERO).await.expect("key answer").gas_used
    }

    /// Answers a sign request; returns the answer's transaction gas.
    async fn answer_sign(&self, r: &Requested) -> u64 {
        let signature = sign::sign(&self.root.child(&self.path(r)), r.request.digest).expect("sign");
        let call = IZrSign::zrSignResCall {
            requestId: r.id,
            request: r.request.clone(),
            signature: Bytes::copy_from_slice(&signature.as_bytes()),
        };
        self.chain.transact(self.mpc, self.proxy, call, U256::ZERO).await.expect("sign answer").gas_used
    }

    /// Requests (paying the exact quote) and answers a key and one signature of each kind at `price` per gas (the
    /// price the quote used), asserting each answer's cost ≤ its escrowed gas part. The first key request and answer
    /// warm the counters and the responder's balance (steady state, as the defaults are measured).
    async fn check_every_kind(&self, price: u128) {
        let client = Client::new(&self.chain, self.proxy, self.user);
        let quote = |options| IZrSign::keyFeeCall { walletTypeId: self.wallet_type, options };
        let fee = Some(self.chain.view(self.proxy, quote(1)).await.expect("key quote"));
        let first = client.send_key_request(self.user, self.wallet_type, 1, fee).await.expect("key request");
        self.answer_key(&first).await;
        let key = client.send_key_request(self.user, self.wallet_type, 1, fee).await.expect("key request");
        assert!(key.request.gasFee > alloy::primitives::Uint::ZERO, "the responder's part is not zero");
        let gas = self.answer_key(&key).await;
        assert_paid(gas, price, &key, "key");

        let legacy = alloy::consensus::TxLegacy {
            chain_id: Some(CHAIN_ID),
            nonce: 3,
            gas_price: 1_000_000_000,
            gas_limit: 21_000,
            to: alloy::primitives::TxKind::Call(Address::repeat_byte(0x11)),
            value: U256::from(7u64),
            input: Bytes::from(vec![0xab; 61]),
        };
        let payloads: [(RequestKind, Vec<u8>); 3] = [
            (RequestKind::Hash, keccak256("cost").to_vec()),
            (RequestKind::Data, vec![0x5a; 100]),
            (RequestKind::Tx, alloy::consensus::SignableTransaction::encoded_for_signing(&legacy)),
        ];
        for (kind, payload) in payloads {
            let params = ZrSignParams {
                walletTypeId: self.wallet_type,
                walletIndex: U256::ZERO,
                dstChainId: zrsign::protocol::chain_key(&format!("eip155:{CHAIN_ID}")),
                payload: payload.into(),
                broadcast: kind == RequestKind::Tx,
            };
            let fee = IZrSign::signFeeCall { walletTypeId: self.wallet_type, kind };
            let fee = Some(self.chain.view(self.proxy, fee).await.expect("sign quote"));
            let r = client.send_sign_request(kind, params, fee).await.expect("sign request");
            let gas = self.answer_sign(&r).await;
            assert_paid(gas, price, &r, &format!("{kind:?}"));
        }
    }
}

fn assert_paid(gas: u64, price: u128, r: &Requested, what: &str) {
    let cost = U256::from(gas) * U256::from(price);
    let paid = U256::from(r.request.gasFee);
    assert!(cost <= paid, "{what} answer: {gas} gas × {price} wei = {cost} > gas part {paid}");
}

#[tokio::test]
async fn a_single_answer_costs_no_more_than_its_gas_part() {
    let chain = Chain::new().await;
    let price = chain.chain.base_fee().await.expect("base fee");
    assert!(price > 0);
    chain.check_every_kind(price).await;
}

#[tokio::test]
async fn the_minimum_gas_price_pays_the_responder_at_base_fee_zero() {
    let chain = Chain::new().await;
    chain.chain.set_base_fee(0);
    let floor = 2_000_000_000u64;
    chain
        .chain
        .transact(chain.admin, chain.proxy, IZrSign::setMinGasPriceCall { price: floor }, U256::ZERO)
        .await
        .expect("floor");
    // The answers cost nothing at base fee 0; what the responder then pays for inclusion is its priority fee, which
    // the floor covers up to `floor` per gas.
    chain.check_every_kind(u128::from(floor)).await;
}
