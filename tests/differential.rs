//! Differential properties between the Rust MPC side and the contract, on revm:
//! Rust derivation == on-chain `derivedAddress` for any owner and index; Rust digest == the digest the
//! contract computed and emitted for any data or transaction payload (v1 chain-id-0 legacy included); the
//! responder's signature recovers to the key and is accepted on-chain.

mod common;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    primitives::{Address, B256, TxKind, U256},
};
use proptest::prelude::*;
use std::sync::LazyLock;
use zrsign::{
    bindings::IZrSign::{self, RequestKind},
    chain::{ChainRead, ChainSubmit, RevmChain},
    client::Client,
    deploy::{self, Roles, Setup},
    mpc::keys::RootSecret,
    protocol::{KeyPath, digest},
    signer::mock as sign,
};

const CHAIN_ID: u64 = 31_337;

struct Fixture {
    chain: RevmChain,
    proxy: Address,
    wallet_type: B256,
    root: RootSecret,
    user: Address,
    mpc: Address,
    user_key: zrsign::mpc::keys::ChildSecret,
    runtime: tokio::runtime::Runtime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let (chain, proxy, wallet_type, root, user, mpc, user_key) = runtime.block_on(async {
        let chain = RevmChain::new(CHAIN_ID, 3);
        let accounts = chain.accounts();
        let (admin, mpc, user) = (accounts[0], accounts[1], accounts[2]);
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let proxy = deploy::deploy(&chain, common::artifacts(), roles).await.expect("deploy").proxy;
        let root = RootSecret::from_seed("differential").expect("root");
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: 0,
            evm_chains: vec![("eip155:31337".into(), CHAIN_ID)],
        };
        let wallet_type = deploy::configure(&chain, proxy, admin, &setup).await.expect("configure");
        // One answered key for the user.
        let client = Client::new(&chain, proxy, user);
        let requested = client.send_key_request(user, wallet_type, 1, None).await.expect("key request");
        let path =
            KeyPath { evm_chain_id: CHAIN_ID, proxy, owner: user, wallet_type_id: wallet_type, index: U256::ZERO };
        let child = root.child(&path);
        let answer = IZrSign::zrKeyResCall {
            requestId: requested.id,
            request: requested.request,
            publicKey: child.public().xy().to_vec().into(),
        };
        chain.transact(mpc, proxy, answer, U256::ZERO).await.expect("key answer");
        (chain, proxy, wallet_type, root, user, mpc, child)
    });
    Fixture { chain, proxy, wallet_type, root, user, mpc, user_key, runtime }
});

/// `PROPTEST_CASES`, default 64.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rust_derivation_equals_on_chain(owner in any::<[u8; 20]>(), index in any::<[u8; 32]>(), wallet_type in any::<[u8; 32]>()) {
        let f = &*FIXTURE;
        let (owner, index, wallet_type) = (Address::from(owner), U256::from_be_bytes(index), B256::from(wallet_type));
        let path = KeyPath { evm_chain_id: CHAIN_ID, proxy: f.proxy, owner, wallet_type_id: wallet_type, index };
        let ours = f.root.public().derive(&path).address();
        let call = IZrSign::derivedAddressCall { owner, walletTypeId: wallet_type, index };
        let on_chain = f.runtime.block_on(f.chain.view(f.proxy, call)).expect("derivedAddress");
        prop_assert_eq!(on_chain, ours);
        prop_assert_eq!(f.root.child(&path).public().address(), ours, "secret and public derivation agree");
    }

    #[test]
    fn rust_digest_equals_emitted_and_signature_recovers(data in prop::collection::vec(any::<u8>(), 0..300)) {
        let f = &*FIXTURE;
        let client = Client::new(&f.chain, f.proxy, f.user);
        let params = IZrSign::ZrSignParams {
            walletTypeId: f.wallet_type,
            walletIndex: U256::ZERO,
            dstChainId: zrsign::protocol::chain_key("eip155:31337"),
            payload: data.clone().into(),
            broadcast: false,
        };
        let requested = f.runtime.block_on(client.send_sign_request(RequestKind::Data, params, None)).expect("request");
        let ours = digest::digest(RequestKind::Data, &data, None).expect("digest");
        prop_assert_eq!(requested.request.digest, ours);
        let signature = sign::sign(&f.user_key, ours).expect("sign");
        prop_assert_eq!(signature.recover_address_from_prehash(&ours).expect("recover"), requested.request.signer);
    }

    #[test]
    fn tx_digests_equal_emitted_and_signatures_are_accepted(
        nonce in any::<u64>(),
        value in any::<u128>(),
        data in prop::collection::vec(any::<u8>(), 0..120),
        v1_legacy in any::<bool>(),
    ) {
        let f = &*FIXTURE;
        let client = Client::new(&f.chain, f.proxy, f.user);
        let to = TxKind::Call(Address::repeat_byte(0x77));
        let payload = if v1_legacy {
            // v1: chain id slot 0; the contract binds it to the destination chain.
            TxLegacy { chain_id: Some(0), nonce, gas_price: 1_000_000_000, gas_limit: 90_000, to, value: U256::from(value), input: data.into() }.encoded_for_signing()
        } else {
            TxEip1559 { chain_id: CHAIN_ID, nonce, gas_limit: 90_000, max_fee_per_gas: 2, max_priority_fee_per_gas: 1, to, value: U256::from(value), input: data.into(), ..Default::default() }.encoded_for_signing()
        };
        let params = IZrSign::ZrSignParams {
            walletTypeId: f.wallet_type,
            walletIndex: U256::ZERO,
            dstChainId: zrsign::protocol::chain_key("eip155:31337"),
            payload: payload.into(),
            broadcast: true,
        };
        let requested = f.runtime.block_on(client.send_sign_request(RequestKind::Tx, params, None)).expect("request");
        // The MPC's digest of the emitted (bound) payload is the contract's digest, and the payload is for this chain.
        let ours = digest::digest(RequestKind::Tx, &requested.payload, Some(CHAIN_ID)).expect("MPC accepts the payload");
        prop_assert_eq!(requested.request.digest, ours);
        let unsigned = digest::UnsignedTx::decode(&requested.payload).expect("decode");
        prop_assert_eq!(unsigned.chain_id(), Some(CHAIN_ID));
        // The responder's signature is accepted on-chain.
        let signature = sign::sign(&f.user_key, ours).expect("sign");
        let answer = IZrSign::zrSignResCall { requestId: requested.id, request: requested.request.clone(), signature: signature.as_bytes().to_vec().into() };
        f.runtime.block_on(f.chain.transact(f.mpc, f.proxy, answer, U256::ZERO)).expect("zrSignRes accepted");
    }
}
