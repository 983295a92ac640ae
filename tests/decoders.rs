//! Untrusted bytes: every decoder the services run on data from a chain, an RPC provider or the store gets
//! random and mutated input. Each must return a typed rejection (or a value), never panic. Valid inputs are
//! generated too, and each mutation of one (a flipped bit, a truncation, an inserted or removed byte) is fed
//! back, so the decoders are exercised near the accepted shapes, not only on noise.
//!
//! Case counts: `PROPTEST_CASES` (default below per block) — see the README's suite table.

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    eips::BlockNumberOrTag,
    primitives::{Address, B256, Log, LogData, TxKind, U256, keccak256},
    sol_types::SolEvent,
};
use proptest::prelude::*;
use std::{sync::Arc, time::Duration};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zrsign::{
    bindings::IZrSign::{self, Request, RequestKind},
    chain::{Call, ChainRead, LogFilter, RpcChain},
    mpc::keys::RootSecret,
    protocol::{
        KeyPath, PublicKey,
        bitcoin::{Network, p2wpkh_address},
        digest::{UnsignedTx, digest},
        events::{self, skipped_items},
        signed_tx,
    },
    store::{RequestRecord, RequestState, SentTx, Store},
};

/// One mutation of `bytes`: flip a bit, truncate, insert or delete a byte, or overwrite a byte.
fn mutate(bytes: &[u8], op: u8, at: usize, value: u8) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if out.is_empty() {
        return vec![value];
    }
    let at = at % out.len();
    match op % 5 {
        0 => out[at] ^= 1 << (value % 8),
        1 => out.truncate(at),
        2 => out.insert(at, value),
        3 => {
            out.remove(at);
        }
        _ => out[at] = value,
    }
    out
}

fn mutation() -> impl Strategy<Value = (u8, usize, u8)> {
    (any::<u8>(), any::<usize>(), any::<u8>())
}

fn address() -> impl Strategy<Value = Address> {
    any::<[u8; 20]>().prop_map(Address::from)
}

fn request(kind: u8) -> impl Strategy<Value = Request> {
    (address(), address(), address(), any::<[u8; 32]>(), any::<u64>(), any::<u64>(), any::<bool>()).prop_map(
        move |(requester, owner, signer, digest, index, fee, broadcast)| Request {
            kind: [RequestKind::Key, RequestKind::Hash, RequestKind::Data, RequestKind::Tx][usize::from(kind % 4)],
            requester,
            owner,
            signer,
            walletTypeId: B256::from(digest),
            walletIndex: U256::from(index),
            dstChainId: keccak256(digest),
            digest: B256::from(digest),
            serviceFee: alloy::primitives::Uint::from(fee),
            gasFee: alloy::primitives::Uint::from(index),
            keyVersion: (index % 3) as u32,
            deadline: fee,
            broadcast,
        },
    )
}

/// A valid log of one of the contract's events (topics and data as the contract emits them).
fn valid_log() -> impl Strategy<Value = Log> {
    (0u8..6, request(0), any::<u64>(), prop::collection::vec(any::<u8>(), 0..200), address(), any::<[u8; 32]>())
        .prop_map(|(which, request, id, payload, addr, word)| {
            let id = U256::from(id);
            let data = match which {
                0 => IZrSign::ZrKeyRequested { requestId: id, owner: request.owner, request, options: word[1] }
                    .encode_log_data(),
                1 => IZrSign::ZrSignRequested {
                    requestId: id,
                    requester: request.requester,
                    request,
                    payload: payload.into(),
                }
                .encode_log_data(),
                2 => IZrSign::ZrKeyResponded {
                    requestId: id,
                    owner: request.owner,
                    walletTypeId: request.walletTypeId,
                    walletIndex: request.walletIndex,
                    evmAddress: addr,
                    publicKey: payload.into(),
                }
                .encode_log_data(),
                3 => IZrSign::ZrSignResponded {
                    requestId: id,
                    signer: addr,
                    digest: B256::from(word),
                    signature: payload.into(),
                }
                .encode_log_data(),
                4 => IZrSign::ZrRequestRejected { requestId: id, reasonCode: word[0] }.encode_log_data(),
                _ => IZrSign::ZrRequestReclaimed { requestId: id, requester: addr, amount: U256::from_be_bytes(word) }
                    .encode_log_data(),
            };
            Log { address: addr, data }
        })
}

fn legacy() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u128>(),
        prop::option::of(address()),
        any::<u64>(),
        any::<Vec<u8>>(),
    )
        .prop_map(|(chain, nonce, gas, price, to, value, input)| {
            TxLegacy {
                chain_id: Some(chain.max(1)),
                nonce,
                gas_price: price,
                gas_limit: gas,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value: U256::from(value),
                input: input.into(),
            }
            .encoded_for_signing()
        })
}

fn eip1559() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        any::<u128>(),
        any::<u128>(),
        prop::option::of(address()),
        any::<Vec<u8>>(),
    )
        .prop_map(|(chain, nonce, gas, fee, tip, to, input)| {
            TxEip1559 {
                chain_id: chain,
                nonce,
                gas_limit: gas,
                max_fee_per_gas: fee,
                max_priority_fee_per_gas: tip,
                to: to.map_or(TxKind::Create, TxKind::Call),
                value: U256::from(nonce),
                input: input.into(),
                ..Default::default()
            }
            .encoded_for_signing()
        })
}

fn unsigned_tx() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![legacy(), eip1559()]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    /// Event logs: random topics and data, and every mutation of a valid event, decode or are a typed error;
    /// a valid event decodes to the id it carries.
    #[test]
    fn event_logs_decode_or_are_rejected(
        log in valid_log(),
        (op, at, value) in mutation(),
        garbage in prop::collection::vec(any::<u8>(), 0..300),
        extra_topics in prop::collection::vec(any::<[u8; 32]>(), 0..4),
    ) {
        let decoded = events::decode(&log).expect("a valid event decodes").expect("a ZrSign event");
        prop_assert_eq!(decoded.request_id(), U256::from_be_bytes(log.topics()[1].0));
        // Mutated data, same topics.
        let mutated = Log { address: log.address, data: LogData::new_unchecked(log.topics().to_vec(), mutate(&log.data.data, op, at, value).into()) };
        let _ = events::decode(&mutated);
        // Random data under the real topic 0, with random further topics.
        let mut topics = vec![log.topics()[0]];
        topics.extend(extra_topics.iter().copied().map(B256::from));
        let random = Log { address: log.address, data: LogData::new_unchecked(topics.clone(), garbage.clone().into()) };
        if let Err(e) = events::decode(&random) {
            prop_assert!(!e.to_string().is_empty());
        }
        // Wrong topic count on a valid body.
        let wrong = Log { address: log.address, data: LogData::new_unchecked(topics[..1].to_vec(), log.data.data.clone()) };
        prop_assert!(events::decode(&wrong).is_err(), "an indexed id is required");
        // Receipt scans over any of these.
        let _ = skipped_items(&[log.clone(), mutated, random, wrong]);
        let _ = events::find::<IZrSign::ZrResponseSkipped>(&[log]);
    }

    /// Unsigned transactions of both types: valid ones decode and round-trip; every mutation and random bytes
    /// decode (only if canonical again) or are `UndecodablePayload`; the digest of every kind is total.
    #[test]
    fn unsigned_transactions_decode_canonically_or_are_rejected(
        payload in unsigned_tx(),
        (op, at, value) in mutation(),
        garbage in prop::collection::vec(any::<u8>(), 0..300),
        chain in any::<u64>(),
    ) {
        let tx = UnsignedTx::decode(&payload).expect("a canonical payload decodes");
        prop_assert_eq!(tx.encoded_for_signing(), payload.clone());
        for bytes in [mutate(&payload, op, at, value), garbage] {
            match UnsignedTx::decode(&bytes) {
                Ok(tx) => prop_assert_eq!(tx.encoded_for_signing(), bytes.clone(), "only canonical bytes are accepted"),
                Err(reason) => prop_assert_eq!(reason, zrsign::protocol::RejectReason::UndecodablePayload),
            }
            for kind in [RequestKind::Hash, RequestKind::Data, RequestKind::Tx, RequestKind::Key] {
                let _ = digest(kind, &bytes, Some(chain));
                let _ = digest(kind, &bytes, None);
            }
        }
    }

    /// Assembling a signed transaction from an answer (the relayer's input: payload and signature from chain).
    #[test]
    fn signed_transactions_assemble_or_are_rejected(
        payload in unsigned_tx(),
        (op, at, value) in mutation(),
        signature in prop::collection::vec(any::<u8>(), 0..80),
        signer in address(),
        chain in any::<u64>(),
    ) {
        let _ = signed_tx::assemble(&payload, &signature, signer, chain);
        let _ = signed_tx::assemble(&mutate(&payload, op, at, value), &signature, signer, chain);
        let _ = signed_tx::assemble(&payload, &mutate(&signature, op, at, value), signer, chain);
    }

    /// Public keys from 64 bytes (as `rootKey` and `zrKeyRes` carry them): on the curve or a typed error; any
    /// accepted key derives (or reports the identity), encodes and gives a Bitcoin address without panicking.
    #[test]
    fn public_keys_parse_or_are_rejected(
        xy in prop::collection::vec(any::<u8>(), 64..=64),
        seed in any::<u64>(),
        (op, at, value) in mutation(),
        compressed in prop::collection::vec(any::<u8>(), 33..=33),
    ) {
        let xy: [u8; 64] = xy.try_into().expect("64 bytes");
        let _ = PublicKey::from_xy(&xy);
        let root = RootSecret::from_seed(&seed.to_string()).expect("root").public();
        let mut real = root.xy().to_vec();
        real = mutate(&real, op, at, value);
        real.resize(64, value);
        let real: [u8; 64] = real.try_into().expect("64 bytes");
        if let Ok(key) = PublicKey::from_xy(&real) {
            prop_assert_eq!(PublicKey::from_xy(&key.xy()), Ok(key));
            let path = KeyPath { evm_chain_id: seed, proxy: Address::ZERO, owner: Address::ZERO, wallet_type_id: B256::ZERO, index: U256::from(seed) };
            if let Ok(child) = key.derive(&path) {
                let _ = (child.address(), child.compressed());
            }
            for network in [Network::Mainnet, Network::Testnet] {
                prop_assert!(p2wpkh_address(&key.compressed(), network).is_ok());
            }
        }
        let compressed: [u8; 33] = compressed.try_into().expect("33 bytes");
        for network in [Network::Mainnet, Network::Testnet] {
            // Not checked to be a point: an address of any 33 bytes, or a typed error.
            let _ = p2wpkh_address(&compressed, network);
        }
    }
}

// --- RPC responses -------------------------------------------------------------------------------------------

/// What the fake node answers to everything but `eth_chainId`.
#[derive(Debug, Clone)]
enum Reply {
    /// `{"jsonrpc":"2.0","id":…,"result":<this JSON>}`.
    Result(String),
    /// This body as is (not JSON-RPC, truncated, …).
    Body(Vec<u8>),
    /// An HTTP status with an empty body.
    Status(u16),
    /// Close the connection without answering.
    Close,
}

fn json_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| format!("\"0x{n:x}\"")),
        "[a-zA-Z0-9x]{0,70}".prop_map(|s| format!("\"{s}\"")),
        any::<[u8; 32]>().prop_map(|b| format!("\"{}\"", B256::from(b))),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "number",
                        "hash",
                        "baseFeePerGas",
                        "timestamp",
                        "status",
                        "blockNumber",
                        "logs",
                        "gasUsed",
                        "from",
                        "to",
                        "transactionHash",
                        "blockHash",
                        "parentHash",
                        "input",
                        "nonce",
                        "effectiveGasPrice",
                        "cumulativeGasUsed",
                        "type",
                        "logsBloom",
                        "data",
                        "topics",
                        "address"
                    ]),
                    inner
                ),
                0..8
            )
            .prop_map(|kv| format!(
                "{{{}}}",
                kv.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect::<Vec<_>>().join(",")
            )),
        ]
    })
}

fn reply() -> impl Strategy<Value = Reply> {
    prop_oneof![
        4 => json_value().prop_map(Reply::Result),
        1 => prop::collection::vec(any::<u8>(), 0..100).prop_map(Reply::Body),
        1 => json_value().prop_map(|v| {
            let body = format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{v}}}");
            Reply::Body(body.as_bytes()[..body.len() / 2].to_vec())
        }),
        1 => prop::sample::select(vec![400u16, 404, 429, 500, 502, 503]).prop_map(Reply::Status),
        1 => Just(Reply::Close),
    ]
}

/// Serves HTTP JSON-RPC on loopback: `eth_chainId` correctly, everything else with `reply`.
async fn fake_node(reply: Reply) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let reply = Arc::new(reply);
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let reply = reply.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the headers and the body (Content-Length).
                let body = loop {
                    let Ok(n) = socket.read(&mut chunk).await else { return };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
                    let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                    let len = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:").and_then(|v| v.trim().parse::<usize>().ok()))
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break buf[end + 4..end + 4 + len].to_vec();
                    }
                };
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                let id = request.get("id").cloned().unwrap_or(serde_json::Value::from(1));
                let (status, body) = if request.get("method").and_then(|m| m.as_str()) == Some("eth_chainId") {
                    (200, format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":\"0x7a69\"}}").into_bytes())
                } else {
                    match &*reply {
                        Reply::Result(v) => {
                            (200, format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{v}}}").into_bytes())
                        }
                        Reply::Body(b) => (200, b.clone()),
                        Reply::Status(s) => (*s, Vec::new()),
                        Reply::Close => return,
                    }
                };
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
                let _ = socket.shutdown().await;
            });
        }
    });
    (url, task)
}

/// Every read the services make, against a node answering `reply`: a value or a typed error, never a panic
/// (each call is bounded: a hang would fail the test).
async fn read_everything(reply: Reply) {
    let (url, server) = fake_node(reply.clone()).await;
    let chain = RpcChain::connect(&url, Vec::new()).await.expect("eth_chainId is served correctly");
    assert_eq!(chain.evm_chain_id(), 31_337);
    let hash = B256::repeat_byte(7);
    let account = Address::repeat_byte(9);
    let filter = LogFilter { address: account, from: 0, to: 10, topics: Default::default() };
    let call = Call::transfer(account, account, U256::from(1));
    let bound = Duration::from_secs(20);
    macro_rules! check {
        ($what:literal, $e:expr) => {{
            let Ok(result) = tokio::time::timeout(bound, $e).await else {
                panic!("{} did not return within {bound:?} for {reply:?}", $what)
            };
            if let Err(e) = &result {
                assert!(!e.to_string().is_empty(), "{} error has a reason", $what);
            }
        }};
    }
    check!("block_number", chain.block_number());
    check!("inclusion_block", chain.inclusion_block());
    check!("block latest", chain.block(BlockNumberOrTag::Latest));
    check!("block 5", chain.block(BlockNumberOrTag::Number(5)));
    check!("logs", chain.logs(&filter));
    check!("receipt", chain.receipt(hash));
    check!("transaction", chain.transaction(hash));
    check!("balance", chain.balance(account));
    check!("nonce", chain.nonce(account));
    check!("base_fee", chain.base_fee());
    check!("call", chain.call(&call));
    check!("send_raw", chain.send_raw(&[0x02, 0xc0]));
    server.abort();
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Garbage, truncated, wrong-typed and failed RPC responses: `RpcChain` returns typed errors.
    #[test]
    fn rpc_responses_of_any_shape_are_typed_errors_or_values(reply in reply()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(read_everything(reply));
    }
}

// --- Store rows ---------------------------------------------------------------------------------------------

fn sqlite_value() -> impl Strategy<Value = rusqlite::types::Value> {
    use rusqlite::types::Value;
    prop_oneof![
        Just(Value::Null),
        any::<i64>().prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Real),
        "\\PC{0,80}".prop_map(Value::Text),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Blob),
        any::<[u8; 20]>().prop_map(|a| Value::Text(Address::from(a).to_string())),
        "(seen|answered|rejected|not_open|skipped|pending|mined|failed|dropped|bogus)".prop_map(Value::Text),
        "\\[[0-9, -]{0,12}\\]?".prop_map(Value::Text),
    ]
}

const REQUEST_COLUMNS: &[&str] = &[
    "evm_chain_id",
    "proxy",
    "request_id",
    "kind",
    "requester",
    "block",
    "broadcast",
    "status",
    "detail",
    "answer_tx",
    "seen_at",
    "answered_at",
    "signed_at",
];
const SENT_COLUMNS: &[&str] = &["tx_hash", "sender", "nonce", "purpose", "request_ids", "status", "evm_chain_id"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A corrupt value in any column of the store's request and sent-transaction rows is a typed error when
    /// read (or a value, when the corruption happens to be valid), never a panic.
    #[test]
    fn corrupt_store_rows_are_typed_errors(
        column in 0..REQUEST_COLUMNS.len(),
        sent_column in 0..SENT_COLUMNS.len(),
        value in sqlite_value(),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async {
            let dir = tempfile::tempdir().expect("tempdir");
            let path = dir.path().join("zrsign.db");
            let store = Store::open(&path).await.expect("store");
            let proxy = Address::repeat_byte(1);
            let record = RequestRecord {
                evm_chain_id: 31_337,
                proxy,
                request_id: 1,
                kind: "tx".into(),
                requester: Address::repeat_byte(2),
                block: 5,
                broadcast: true,
                status: RequestState::Answered,
                detail: None,
                answer_tx: Some(B256::repeat_byte(3)),
                seen_at: 1,
                signed_at: Some(2),
                answered_at: Some(3),
            };
            store.put_requests(vec![record.clone()]).await.expect("put");
            let sent = SentTx {
                tx_hash: B256::repeat_byte(4),
                evm_chain_id: 31_337,
                sender: Address::repeat_byte(5),
                nonce: 0,
                purpose: "zrSignResBatch".into(),
                request_ids: vec![1],
            };
            store.record_sent(sent).await.expect("record");
            prop_assert_eq!(store.request(31_337, proxy, 1).await.expect("read"), Some(record.clone()));
            let db = rusqlite::Connection::open(&path).expect("open the file directly");
            db.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
            // NOT NULL and key constraints may refuse a value: that corruption cannot happen, skip it.
            let updated = db
                .execute(&format!("UPDATE requests SET {} = ?1", REQUEST_COLUMNS[column]), [&value])
                .is_ok();
            let read = store.request(31_337, proxy, 1).await;
            let recent = store.recent_requests(31_337, proxy, 10).await;
            if let (true, Err(e), Err(f)) = (updated, &read, &recent) {
                prop_assert!(!e.to_string().is_empty() && !f.to_string().is_empty());
            }
            // Some corruptions are certainly invalid: an integer where an address, hash or status is stored.
            let text_column = matches!(REQUEST_COLUMNS[column], "requester" | "answer_tx" | "status");
            if updated && text_column && matches!(value, rusqlite::types::Value::Integer(_)) {
                prop_assert!(read.is_err(), "{} = {:?} read as {:?}", REQUEST_COLUMNS[column], value, read);
            }
            let _ = db.execute(&format!("UPDATE sent_txs SET {} = ?1", SENT_COLUMNS[sent_column]), [&value]);
            if let Err(e) = store.pending_sent(31_337).await {
                prop_assert!(!e.to_string().is_empty());
            }
            Ok(())
        })?;
    }
}
