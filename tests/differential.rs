//! Differential properties between the Rust side and the contract, on revm:
//! Rust derivation == on-chain `derivedAddress` for any owner and index; Rust digest == the digest the
//! contract computed and emitted for any data or transaction payload (v1 chain-id-0 legacy included); the
//! responder's signature recovers to the key and is accepted on-chain; the contract accepts a transaction
//! payload exactly when alloy round-trips it; the contract's P2WPKH address == rust-bitcoin's bech32.

mod common;
#[path = "common/rlp_tree.rs"]
mod rlp_tree;

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy, transaction::RlpEcdsaDecodableTx},
    eips::eip2930::{AccessList, AccessListItem},
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    sol,
    sol_types::SolValue,
};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{RngSeed, TestRunner},
};
use rlp_tree::{Form, Item, be};
use std::{
    collections::BTreeMap,
    sync::{LazyLock, Mutex},
    time::Instant,
};
use zrsign::{
    bindings::IZrSign::{self, IZrSignErrors, RequestKind},
    chain::{Call, ChainRead, ChainSubmit, RevmChain},
    client::Client,
    deploy::{self, Roles, Setup},
    mpc::keys::RootSecret,
    protocol::bitcoin::{self, Network},
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
            publicKey: child.public().expect("key").xy().to_vec().into(),
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

/// A fixed seed unless `PROPTEST_RNG_SEED` sets one: the same cases on every run.
fn seeded(config: ProptestConfig) -> ProptestConfig {
    let rng_seed = match config.rng_seed {
        RngSeed::Random => RngSeed::Fixed(0x2f0a_6c7f),
        seed => seed,
    };
    ProptestConfig { rng_seed, ..config }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn rust_derivation_equals_on_chain(owner in any::<[u8; 20]>(), index in any::<[u8; 32]>(), wallet_type in any::<[u8; 32]>()) {
        let f = &*FIXTURE;
        let (owner, index, wallet_type) = (Address::from(owner), U256::from_be_bytes(index), B256::from(wallet_type));
        let path = KeyPath { evm_chain_id: CHAIN_ID, proxy: f.proxy, owner, wallet_type_id: wallet_type, index };
        let ours = f.root.public().derive(&path).expect("key").address();
        let call = IZrSign::derivedAddressCall { owner, walletTypeId: wallet_type, index };
        let on_chain = f.runtime.block_on(f.chain.view(f.proxy, call)).expect("derivedAddress");
        prop_assert_eq!(on_chain, ours);
        prop_assert_eq!(f.root.child(&path).public().expect("key").address(), ours, "secret and public derivation agree");
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

// ─────────────────────────── Transaction payloads: the contract vs alloy's decoder ───────────────────────────

/// Mutants checked per generated transaction (besides the transaction itself).
const MUTANTS: usize = 24;

fn arb_u64() -> impl Strategy<Value = u64> {
    prop_oneof![Just(0), 1u64..0x80, Just(0x80), Just(u64::MAX), any::<u64>()]
}

fn arb_u128() -> impl Strategy<Value = u128> {
    prop_oneof![Just(0), 1u128..0x80, Just(u128::from(u64::MAX) + 1), Just(u128::MAX), any::<u128>()]
}

fn arb_u256() -> impl Strategy<Value = U256> {
    prop_oneof![
        Just(U256::ZERO),
        (1u64..1000).prop_map(U256::from),
        (any::<[u8; 32]>(), 0usize..32).prop_map(|(b, n)| U256::from_be_bytes(b) >> (8 * n)),
        Just(U256::MAX),
    ]
}

fn arb_to() -> impl Strategy<Value = TxKind> {
    prop_oneof![1 => Just(TxKind::Create), 4 => any::<[u8; 20]>().prop_map(|a| TxKind::Call(a.into()))]
}

fn arb_input() -> impl Strategy<Value = Bytes> {
    prop_oneof![vec(any::<u8>(), 0..3), vec(any::<u8>(), 53..58), vec(any::<u8>(), 0..300)].prop_map(Bytes::from)
}

fn arb_access_list() -> impl Strategy<Value = AccessList> {
    let item = (any::<[u8; 20]>(), vec(any::<[u8; 32]>(), 0..3)).prop_map(|(address, keys)| AccessListItem {
        address: address.into(),
        storage_keys: keys.into_iter().map(B256::from).collect(),
    });
    prop_oneof![Just(AccessList::default()), vec(item, 1..3).prop_map(AccessList)]
}

/// The destination chain's id mostly, 0 (v1 legacy, or a wrong EIP-1559 one) and others sometimes.
fn arb_chain_id() -> impl Strategy<Value = u64> {
    prop_oneof![6 => Just(CHAIN_ID), 2 => Just(0u64), 1 => arb_u64()]
}

/// A canonical unsigned legacy or EIP-1559 transaction, encoded for signing.
fn arb_tx() -> impl Strategy<Value = Vec<u8>> {
    let legacy = (arb_chain_id(), arb_u64(), arb_u128(), arb_u64(), arb_to(), arb_u256(), arb_input()).prop_map(
        |(chain_id, nonce, gas_price, gas_limit, to, value, input)| {
            TxLegacy { chain_id: Some(chain_id), nonce, gas_price, gas_limit, to, value, input }.encoded_for_signing()
        },
    );
    let eip1559 = (
        arb_chain_id(),
        arb_u64(),
        (arb_u128(), arb_u128()),
        arb_u64(),
        arb_to(),
        arb_u256(),
        arb_input(),
        arb_access_list(),
    )
        .prop_map(
            |(
                chain_id,
                nonce,
                (max_priority_fee_per_gas, max_fee_per_gas),
                gas_limit,
                to,
                value,
                input,
                access_list,
            )| {
                TxEip1559 {
                    chain_id,
                    nonce,
                    max_priority_fee_per_gas,
                    max_fee_per_gas,
                    gas_limit,
                    to,
                    value,
                    input,
                    access_list,
                }
                .encoded_for_signing()
            },
        );
    prop_oneof![legacy, eip1559]
}

/// One change to a payload. Node indexes count the RLP tree in pre-order (0 is the transaction's list) and byte
/// positions the encoding, both modulo their range.
#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the node by a byte string.
    SetBytes(usize, Vec<u8>),
    /// Put a zero byte in front of a byte string (a leading zero in an integer).
    PrependZero(usize),
    /// Write the node's header in another form.
    SetForm(usize, Form),
    /// Wrap the node in a list.
    Wrap(usize),
    /// A list becomes the byte string of its encoding, a byte string the empty list.
    SwapKind(usize),
    /// Insert an item into a list.
    Insert(usize, usize, Item),
    /// Remove an item from a list.
    Remove(usize, usize),
    /// Repeat an item of a list.
    Duplicate(usize, usize),
    /// Replace the type byte (`None`: no type byte).
    SetType(Option<u8>),
    /// After encoding: xor a byte.
    FlipByte(usize, u8),
    /// After encoding: insert a byte.
    InsertByte(usize, u8),
    /// After encoding: delete a byte.
    DeleteByte(usize),
    /// After encoding: keep only a prefix.
    Truncate(usize),
    /// After encoding: append bytes.
    Append(Vec<u8>),
}

/// Byte strings around every width and shape the walk checks.
fn arb_field_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(vec![]),
        Just(vec![0]),
        Just(vec![0, 0]),
        (1u8..0x80).prop_map(|b| vec![b]),
        (0x80u8..=0xff).prop_map(|b| vec![b]),
        prop::sample::select(vec![8usize, 9, 16, 17, 19, 20, 21, 31, 32, 33, 56])
            .prop_flat_map(|n| vec(any::<u8>(), n)),
        prop::sample::select(vec![1u64, CHAIN_ID, CHAIN_ID + 1, u64::MAX]).prop_map(|v| be(v.into())),
        vec(any::<u8>(), 0..40),
    ]
}

fn arb_form() -> impl Strategy<Value = Form> {
    prop_oneof![Just(Form::Canonical), Just(Form::Prefixed), Just(Form::Long), Just(Form::ZeroPaddedLength)]
}

fn arb_tree_mutation() -> impl Strategy<Value = Mutation> {
    let item = prop_oneof![arb_field_bytes().prop_map(Item::bytes), Just(Item::List(vec![], Form::Canonical))];
    prop_oneof![
        4 => (any::<usize>(), arb_field_bytes()).prop_map(|(n, b)| Mutation::SetBytes(n, b)),
        2 => any::<usize>().prop_map(Mutation::PrependZero),
        2 => (any::<usize>(), arb_form()).prop_map(|(n, f)| Mutation::SetForm(n, f)),
        1 => any::<usize>().prop_map(Mutation::Wrap),
        1 => any::<usize>().prop_map(Mutation::SwapKind),
        1 => (any::<usize>(), any::<usize>(), item).prop_map(|(n, at, i)| Mutation::Insert(n, at, i)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(n, at)| Mutation::Remove(n, at)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(n, at)| Mutation::Duplicate(n, at)),
        1 => prop::option::of(prop::sample::select(vec![0x00u8, 0x01, 0x02, 0x03, 0x7f, 0x80])).prop_map(Mutation::SetType),
    ]
}

fn arb_byte_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, x)| Mutation::FlipByte(at, x)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::InsertByte(at, b)),
        any::<usize>().prop_map(Mutation::DeleteByte),
        any::<usize>().prop_map(Mutation::Truncate),
        vec(any::<u8>(), 1..4).prop_map(Mutation::Append),
    ]
}

/// Up to three tree changes, then (one time in four) one or two byte changes.
fn arb_mutations() -> impl Strategy<Value = Vec<Mutation>> {
    (vec(arb_tree_mutation(), 1..=3), prop_oneof![3 => Just(vec![]), 1 => vec(arb_byte_mutation(), 1..=2)]).prop_map(
        |(mut tree, bytes)| {
            tree.extend(bytes);
            tree
        },
    )
}

/// Applies `mutations` to a canonical `payload` (tree changes first, then byte changes).
fn mutate(payload: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let (mut ty, body) = match payload.split_first() {
        Some((0x02, body)) => (Some(0x02), body),
        _ => (None, payload),
    };
    let mut tree = Item::parse(body).expect("a canonical payload parses");
    let mut bytes: Option<Vec<u8>> = None;
    let encode = |ty: Option<u8>, tree: &Item| ty.into_iter().chain(tree.encode()).collect::<Vec<u8>>();
    for mutation in mutations {
        let count = tree.count();
        let node = |n: &usize| n % count;
        let at = |n: &usize, len: usize| if len == 0 { 0 } else { n % len };
        match mutation {
            Mutation::SetType(t) => ty = *t,
            Mutation::SetBytes(n, b) => *tree.node_mut(node(n)).expect("node") = Item::bytes(b.clone()),
            Mutation::PrependZero(n) => {
                if let Some(Item::Bytes(data, _)) = tree.node_mut(node(n)) {
                    data.insert(0, 0);
                }
            }
            Mutation::SetForm(n, f) => match tree.node_mut(node(n)).expect("node") {
                Item::Bytes(_, form) | Item::List(_, form) => *form = *f,
            },
            Mutation::Wrap(n) => {
                let target = tree.node_mut(node(n)).expect("node");
                *target = Item::List(vec![target.clone()], Form::Canonical);
            }
            Mutation::SwapKind(n) => {
                let target = tree.node_mut(node(n)).expect("node");
                let replacement = match &*target {
                    Item::List(..) => Item::bytes(target.encode()),
                    Item::Bytes(..) => Item::List(vec![], Form::Canonical),
                };
                *target = replacement;
            }
            Mutation::Insert(n, i, item) => {
                if let Some(Item::List(items, _)) = tree.node_mut(node(n)) {
                    items.insert(at(i, items.len() + 1), item.clone());
                }
            }
            Mutation::Remove(n, i) => {
                if let Some(Item::List(items, _)) = tree.node_mut(node(n))
                    && !items.is_empty()
                {
                    items.remove(at(i, items.len()));
                }
            }
            Mutation::Duplicate(n, i) => {
                if let Some(Item::List(items, _)) = tree.node_mut(node(n))
                    && !items.is_empty()
                {
                    let i = at(i, items.len());
                    items.insert(i, items[i].clone());
                }
            }
            Mutation::FlipByte(..)
            | Mutation::InsertByte(..)
            | Mutation::DeleteByte(..)
            | Mutation::Truncate(..)
            | Mutation::Append(..) => {
                let raw = bytes.get_or_insert_with(|| encode(ty, &tree));
                match mutation {
                    Mutation::FlipByte(i, x) if !raw.is_empty() => {
                        let i = at(i, raw.len());
                        raw[i] ^= x;
                    }
                    Mutation::InsertByte(i, b) => raw.insert(at(i, raw.len() + 1), *b),
                    Mutation::DeleteByte(i) if !raw.is_empty() => {
                        raw.remove(at(i, raw.len()));
                    }
                    Mutation::Truncate(keep) => raw.truncate(at(keep, raw.len())),
                    Mutation::Append(tail) => raw.extend(tail),
                    _ => {}
                }
            }
        }
    }
    bytes.unwrap_or_else(|| encode(ty, &tree))
}

/// What happens to a payload sent with `zrSignTx` for the destination chain.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Accepted; the bytes signed (emitted).
    Accepted(Bytes),
    /// `ZrSignTxChainIdMismatch`, with the chain id the payload carries.
    Mismatch(U256),
    /// `ZrSignInvalidTxPayload`.
    Invalid,
}

/// What alloy says: a payload is accepted iff it decodes as an unsigned EIP-155 legacy (chain id present) or
/// EIP-1559 transaction and re-encodes to the same bytes, for the destination chain (or, legacy only, chain id 0,
/// then signed as alloy's encoding with the destination chain id).
fn alloy_expects(payload: &[u8]) -> Outcome {
    let outcome = |chain_id: u64, canonical: bool, rewritten: Option<Vec<u8>>| match (canonical, rewritten) {
        (false, _) => Outcome::Invalid,
        (true, Some(bytes)) => Outcome::Accepted(bytes.into()),
        (true, None) if chain_id == CHAIN_ID => Outcome::Accepted(Bytes::copy_from_slice(payload)),
        (true, None) => Outcome::Mismatch(U256::from(chain_id)),
    };
    match payload.first() {
        Some(0x02) => {
            let mut body = &payload[1..];
            match TxEip1559::rlp_decode(&mut body) {
                Ok(tx) => outcome(tx.chain_id, body.is_empty() && tx.encoded_for_signing() == payload, None),
                Err(_) => Outcome::Invalid,
            }
        }
        Some(first) if *first >= 0xc0 => {
            let mut body = payload;
            match <TxLegacy as alloy::rlp::Decodable>::decode(&mut body) {
                Ok(tx) => {
                    let canonical = body.is_empty() && tx.encoded_for_signing() == payload && tx.chain_id.is_some();
                    let chain_id = tx.chain_id.unwrap_or_default();
                    let rewritten =
                        (chain_id == 0).then(|| TxLegacy { chain_id: Some(CHAIN_ID), ..tx }.encoded_for_signing());
                    outcome(chain_id, canonical, rewritten)
                }
                Err(_) => Outcome::Invalid,
            }
        }
        _ => Outcome::Invalid,
    }
}

/// What the contract does with `payload` (a call; an accepted payload is then sent to read the emitted bytes).
/// The fault of an invalid payload is counted in `faults`.
fn contract_outcome(payload: &[u8], faults: &Mutex<BTreeMap<String, usize>>) -> Result<Outcome, TestCaseError> {
    let f = &*FIXTURE;
    let params = IZrSign::ZrSignParams {
        walletTypeId: f.wallet_type,
        walletIndex: U256::ZERO,
        dstChainId: zrsign::protocol::chain_key("eip155:31337"),
        payload: payload.to_vec().into(),
        broadcast: false,
    };
    let call = Call::sol(f.user, f.proxy, &IZrSign::zrSignTxCall { params: params.clone() }, U256::from(10u64.pow(18)));
    let error = match f.runtime.block_on(f.chain.call(&call)) {
        Ok(_) => {
            let client = Client::new(&f.chain, f.proxy, f.user);
            let requested = f
                .runtime
                .block_on(client.send_sign_request(RequestKind::Tx, params, None))
                .map_err(|e| TestCaseError::fail(format!("accepted by a call, not by a transaction: {e}")))?;
            return Ok(Outcome::Accepted(requested.payload));
        }
        Err(e) => e,
    };
    match error.revert().and_then(|r| r.zrsign()) {
        Some(IZrSignErrors::ZrSignTxChainIdMismatch(e)) => {
            prop_assert_eq!(e.expected, U256::from(CHAIN_ID));
            Ok(Outcome::Mismatch(e.actual))
        }
        Some(IZrSignErrors::ZrSignInvalidTxPayload(e)) => {
            prop_assert!(e.offset <= U256::from(payload.len()), "fault offset {} past the payload", e.offset);
            *faults.lock().expect("faults").entry(format!("{:?}", e.fault)).or_default() += 1;
            Ok(Outcome::Invalid)
        }
        _ => Err(TestCaseError::fail(format!("untyped rejection of {}: {error}", alloy::hex::encode(payload)))),
    }
}

/// Point 7 of issue 10: for random transactions and random mutants of them (byte flips, insertions, deletions,
/// truncations, appended bytes, other type bytes, header rewrites to non-canonical forms, leading zeros, fields
/// of other widths and kinds, items added, removed, repeated or wrapped, access-list shapes), the contract accepts
/// exactly what alloy decodes and re-encodes byte for byte, emitting (and so signing) what alloy would; a
/// canonical payload for another chain is `ZrSignTxChainIdMismatch`, everything else `ZrSignInvalidTxPayload`.
/// Every emitted payload is one the MPC side (`digest::UnsignedTx`) accepts for the destination chain.
#[test]
fn tx_payloads_accepted_exactly_when_alloy_round_trips() {
    let config = seeded(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() });
    let faults = Mutex::new(BTreeMap::<String, usize>::new());
    let counts = Mutex::new([0usize; 3]); // accepted, mismatched, invalid
    let started = Instant::now();
    let mut runner = TestRunner::new(config);
    let result = runner.run(&(arb_tx(), vec(arb_mutations(), MUTANTS)), |(payload, mutants)| {
        prop_assert!(matches!(alloy_expects(&payload), Outcome::Accepted(_) | Outcome::Mismatch(_)));
        for candidate in std::iter::once(payload.clone()).chain(mutants.iter().map(|m| mutate(&payload, m))) {
            let expected = alloy_expects(&candidate);
            let actual = contract_outcome(&candidate, &faults)?;
            prop_assert_eq!(&actual, &expected, "payload {}", alloy::hex::encode(&candidate));
            let slot = match &actual {
                Outcome::Accepted(signed) => {
                    let tx = digest::UnsignedTx::decode(signed).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
                    prop_assert_eq!(tx.chain_id(), Some(CHAIN_ID));
                    0
                }
                Outcome::Mismatch(_) => 1,
                Outcome::Invalid => 2,
            };
            counts.lock().expect("counts")[slot] += 1;
        }
        Ok(())
    });
    let [accepted, mismatched, invalid] = *counts.lock().expect("counts");
    eprintln!(
        "tx payload differential: {} cases, {} payloads ({accepted} accepted, {mismatched} chain-id mismatches, \
         {invalid} invalid) in {:.2?}; faults {:?}",
        cases(),
        accepted + mismatched + invalid,
        started.elapsed(),
        faults.lock().expect("faults"),
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    if cases() >= 32 {
        assert!(accepted > 0 && mismatched > 0 && invalid > 0, "a class of outcome never occurred");
        assert_eq!(faults.lock().expect("faults").len(), 9, "not every fault was reached");
    }
}

// ─────────────────────────── Bitcoin addresses: the contract library vs rust-bitcoin's bech32 ───────────────────────────

sol! {
    /// `contracts/test/helpers/BitcoinAddressHarness.sol`.
    interface BitcoinAddressHarness {
        function p2wpkh(bytes compressedPublicKey, bool testnet) external view returns (string);
    }
}

/// A chain with the harness deployed.
static BITCOIN: LazyLock<(RevmChain, Address, tokio::runtime::Runtime)> = LazyLock::new(|| {
    common::toolchain();
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let chain = RevmChain::new(CHAIN_ID, 1);
    let code = zrsign::contracts::test_helper("BitcoinAddressHarness").expect("build the harness");
    let receipt = runtime.block_on(chain.send(Call::deploy(chain.accounts()[0], code))).expect("deploy");
    (chain, receipt.contract_address.expect("deployed"), runtime)
});

proptest! {
    #![proptest_config(seeded(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() }))]

    /// For random derived keys (and, one time in five, the same 33 bytes with another prefix), the contract's
    /// `BitcoinAddress.p2wpkh` is `zrsign::protocol::bitcoin::p2wpkh_address` on both networks, and the contract reverts with
    /// `ZrSignInvalidCompressedKey` exactly when the Rust side refuses the key.
    #[test]
    fn contract_p2wpkh_equals_rust(
        owner in any::<[u8; 20]>(),
        index in any::<u64>(),
        testnet in any::<bool>(),
        prefix in prop::option::weighted(0.2, any::<u8>()),
    ) {
        let (chain, harness, runtime) = &*BITCOIN;
        let root = RootSecret::from_seed("bitcoin differential").expect("root");
        let bitcoin_wallet_type = keccak256((U256::from(84), U256::ZERO).abi_encode());
        let path = KeyPath { evm_chain_id: CHAIN_ID, proxy: *harness, owner: owner.into(), wallet_type_id: bitcoin_wallet_type, index: U256::from(index) };
        let mut key = root.child(&path).public().expect("key").compressed();
        if let Some(prefix) = prefix {
            key[0] = prefix;
        }
        let ours = bitcoin::p2wpkh_address(&key, if testnet { Network::Testnet } else { Network::Mainnet });
        let call = BitcoinAddressHarness::p2wpkhCall { compressedPublicKey: key.to_vec().into(), testnet };
        let theirs = runtime.block_on(chain.view(*harness, call));
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => prop_assert_eq!(theirs, ours),
            (Err(bitcoin::AddressError::NotCompressed(_)), Err(e)) => prop_assert!(
                matches!(e.revert().and_then(|r| r.zrsign()), Some(IZrSignErrors::ZrSignInvalidCompressedKey(k)) if k.publicKey[..] == key[..]),
                "{e}"
            ),
            (ours, theirs) => prop_assert!(false, "Rust {ours:?}, contract {theirs:?}"),
        }
    }
}
