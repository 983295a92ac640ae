//! The operations a case is made of, and how proptest generates them.

use crate::{USERS, model};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy},
    primitives::{Address, Bytes, TxKind, U256},
};
use proptest::prelude::*;

/// How a request is paid.
#[derive(Debug, Clone, Copy)]
pub enum Pay {
    Exact,
    Under(u64),
    Over(u64),
}

/// How an answer is corrupted (or not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Corrupt {
    No,
    WrongKey,
    HighS,
    BadLength,
}

/// A transaction payload variant.
#[derive(Debug, Clone, Copy)]
pub enum TxShape {
    Legacy,
    LegacyChainIdZero,
    LegacyWrongChain,
    Eip1559,
    Eip1559WrongChain,
}

/// One operation.
#[derive(Debug, Clone)]
pub enum Op {
    RequestKey {
        user: usize,
        options: u8,
        pay: Pay,
    },
    RequestHash {
        user: usize,
        key: u8,
        dst: u8,
        short: bool,
        broadcast: bool,
        pay: Pay,
    },
    RequestData {
        user: usize,
        key: u8,
        dst: u8,
        data: Vec<u8>,
        broadcast: bool,
        pay: Pay,
    },
    RequestTx {
        user: usize,
        key: u8,
        dst: u8,
        shape: TxShape,
        nonce: u8,
        broadcast: bool,
        pay: Pay,
    },
    Answer {
        request: u8,
        corrupt: Corrupt,
    },
    AnswerBatch {
        keys: bool,
        requests: Vec<u8>,
    },
    Reject {
        request: u8,
        reason: u8,
    },
    Reclaim {
        request: u8,
        by: usize,
    },
    Withdraw {
        who: usize,
    },
    WithdrawFor {
        by: usize,
        who: usize,
    },
    WithdrawFees {
        fraction: u8,
    },
    StrangerAnswers {
        request: u8,
    },
    SetMpcFee {
        fee: u128,
    },
    SetKeyMpcFee {
        fee: u128,
    },
    SetMinGasPrice {
        price: u64,
    },
    /// Disallow (or allow again) the destination chain for the wallet type: its open sign requests stop.
    ToggleRemoteChain,
    ForceSend {
        wei: u64,
    },
    Sweep,
    SetTtl {
        ttl: u32,
    },
    SetGasBuffer {
        pct: u16,
    },
    Pause,
    Unpause,
    SetBaseFee {
        gwei: u64,
    },
    Mine {
        blocks: u64,
    },
}

pub fn pay() -> impl Strategy<Value = Pay> {
    prop_oneof![6 => Just(Pay::Exact), 1 => (0u64..1_000).prop_map(Pay::Under), 2 => (1u64..10u64.pow(15)).prop_map(Pay::Over)]
}

pub fn op() -> impl Strategy<Value = Op> {
    let user = 0..USERS;
    prop_oneof![
        5 => (user.clone(), prop_oneof![6 => 1u8..=2, 3 => any::<u8>(), 1 => Just(0u8)], pay())
            .prop_map(|(user, options, pay)| Op::RequestKey { user, options, pay }),
        3 => (user.clone(), any::<u8>(), 0u8..8, prop::bool::weighted(0.1), prop::bool::weighted(0.05), pay())
            .prop_map(|(user, key, dst, short, broadcast, pay)| Op::RequestHash { user, key, dst, short, broadcast, pay }),
        3 => (user.clone(), any::<u8>(), 0u8..8, prop::collection::vec(any::<u8>(), 0..80), prop::bool::weighted(0.05), pay())
            .prop_map(|(user, key, dst, data, broadcast, pay)| Op::RequestData { user, key, dst, data, broadcast, pay }),
        3 => (user.clone(), any::<u8>(), 0u8..8, prop_oneof![
                Just(TxShape::Legacy), Just(TxShape::LegacyChainIdZero), Just(TxShape::LegacyWrongChain),
                Just(TxShape::Eip1559), Just(TxShape::Eip1559WrongChain)],
              any::<u8>(), prop::bool::weighted(0.3), pay())
            .prop_map(|(user, key, dst, shape, nonce, broadcast, pay)| Op::RequestTx { user, key, dst, shape, nonce, broadcast, pay }),
        10 => (any::<u8>(), prop_oneof![12 => Just(Corrupt::No), 1 => Just(Corrupt::WrongKey), 1 => Just(Corrupt::HighS), 1 => Just(Corrupt::BadLength)])
            .prop_map(|(request, corrupt)| Op::Answer { request, corrupt }),
        3 => (any::<bool>(), prop::collection::vec(any::<u8>(), 1..5)).prop_map(|(keys, requests)| Op::AnswerBatch { keys, requests }),
        2 => (any::<u8>(), 1u8..7).prop_map(|(request, reason)| Op::Reject { request, reason }),
        2 => (any::<u8>(), user.clone()).prop_map(|(request, by)| Op::Reclaim { request, by }),
        2 => (0..USERS + 1).prop_map(|who| Op::Withdraw { who }),
        2 => (0..USERS, 0..USERS + 1).prop_map(|(by, who)| Op::WithdrawFor { by, who }),
        1 => (any::<u8>()).prop_map(|fraction| Op::WithdrawFees { fraction }),
        1 => any::<u8>().prop_map(|request| Op::StrangerAnswers { request }),
        1 => prop_oneof![9 => 0u128..10u128.pow(16), 1 => Just(model::MAX_MPC_FEE + 1)].prop_map(|fee| Op::SetMpcFee { fee }),
        1 => prop_oneof![8 => 10u32..40, 1 => Just(9u32), 1 => Just(model::MAX_TTL + 1)].prop_map(|ttl| Op::SetTtl { ttl }),
        1 => prop_oneof![9 => 0u128..10u128.pow(16), 1 => Just(model::MAX_MPC_FEE + 1)].prop_map(|fee| Op::SetKeyMpcFee { fee }),
        1 => prop_oneof![9 => 0u64..60_000_000_000, 1 => Just(model::MAX_MIN_GAS_PRICE + 1)].prop_map(|price| Op::SetMinGasPrice { price }),
        1 => Just(Op::ToggleRemoteChain),
        1 => (1u64..10u64.pow(15)).prop_map(|wei| Op::ForceSend { wei }),
        1 => Just(Op::Sweep),
        1 => prop_oneof![9 => 0u16..=100, 1 => Just(101u16)].prop_map(|pct| Op::SetGasBuffer { pct }),
        1 => Just(Op::Pause),
        4 => Just(Op::Unpause),
        1 => (0u64..50).prop_map(|gwei| Op::SetBaseFee { gwei }),
        3 => (1u64..30).prop_map(|blocks| Op::Mine { blocks }),
    ]
}

/// A transaction payload: (sent, bound-as-signed, chain id inside the sent payload).
pub fn tx_payload(shape: TxShape, nonce: u64, dst_chain: u64) -> (Vec<u8>, Vec<u8>, u64) {
    let legacy = |chain_id: u64| TxLegacy {
        chain_id: Some(chain_id),
        nonce,
        gas_price: 1_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(0x42)),
        value: U256::from(nonce) * U256::from(1_000_000_000u64),
        input: Bytes::new(),
    };
    let eip1559 = |chain_id: u64| TxEip1559 {
        chain_id,
        nonce,
        gas_limit: 50_000,
        max_fee_per_gas: 3_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0x43)),
        value: U256::from(7u64),
        input: Bytes::from(vec![0xab; usize::try_from(nonce % 40).unwrap_or(0)]),
        ..Default::default()
    };
    match shape {
        TxShape::Legacy => {
            (legacy(dst_chain).encoded_for_signing(), legacy(dst_chain).encoded_for_signing(), dst_chain)
        }
        TxShape::LegacyChainIdZero => (legacy(0).encoded_for_signing(), legacy(dst_chain).encoded_for_signing(), 0),
        TxShape::LegacyWrongChain => (legacy(dst_chain + 1).encoded_for_signing(), Vec::new(), dst_chain + 1),
        TxShape::Eip1559 => {
            (eip1559(dst_chain).encoded_for_signing(), eip1559(dst_chain).encoded_for_signing(), dst_chain)
        }
        TxShape::Eip1559WrongChain => (eip1559(dst_chain + 7).encoded_for_signing(), Vec::new(), dst_chain + 7),
    }
}
