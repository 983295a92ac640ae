//! Gas per call as whole transactions (21,000 intrinsic and calldata included, the figure a user pays), on any
//! backend: revm (deterministic) or anvil (real transactions). Forge's snapshot (`snapshots/ZrSign.json`)
//! pins *call* gas.

use crate::{
    bindings::{
        IZrSign::{self, RequestKind, ZrSignParams},
        PACKED_SIGN_ITEM, pack_sign_response,
    },
    chain::{ChainRead, ChainSubmit},
    client::{Client, Requested},
    contracts::Artifacts,
    deploy::{self, Roles, Setup},
    devnet::DevnetError,
    mpc::keys::RootSecret,
    protocol::{Caip2, KeyPath},
    signer::mock,
};
use alloy::{
    consensus::{SignableTransaction, TxLegacy},
    primitives::{Address, Bytes, TxKind, U256, keccak256},
};

/// Batch sizes measured.
pub const BATCHES: [usize; 4] = [1, 10, 50, 100];

/// zrSign v1's transaction gas for the same calls, measured side by side (issue 11).
pub const V1: [(&str, u64); 5] = [
    ("key request", 102_617),
    ("key response", 158_480),
    ("sign-hash request", 117_089),
    ("sign-tx request (legacy)", 118_602),
    ("sign response", 78_181),
];

/// v1's figure for `label`, if v1 has that call.
pub fn v1(label: &str) -> Option<u64> {
    V1.iter().find(|(l, _)| *l == label).map(|(_, g)| *g)
}

/// One measured call.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct GasFigure {
    /// What was called.
    pub label: String,
    /// Transaction gas used.
    pub gas: u64,
}

/// One measured batch response.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct BatchFigure {
    /// `key` or `sign`.
    pub kind: String,
    /// Items in the batch.
    pub items: usize,
    /// Transaction gas used.
    pub gas: u64,
    /// Gas per extra item over a batch of one (`None` for the batch of one).
    pub per_extra_item: Option<u64>,
}

/// The service fee per wallet type of a measured deployment.
const MPC_FEE: u128 = 1_000_000_000_000;

/// A fresh deployment to measure on: ZrSign deployed and configured (the EVM wallet type, its own chain allowed,
/// the bench's root key) on the first three accounts as admin, MPC and user.
struct Measured {
    mpc: Address,
    user: Address,
    proxy: Address,
    root: RootSecret,
    chain_id: u64,
    caip2: String,
    wallet_type: alloy::primitives::B256,
}

impl Measured {
    async fn deploy<B: ChainSubmit>(backend: &B, artifacts: &Artifacts) -> Result<Self, DevnetError> {
        let [admin, mpc, user] = backend.first_accounts()?;
        let proxy = deploy::deploy(backend, artifacts, Roles { admin, mpc, fee: admin, pauser: admin }).await?.proxy;
        let root = RootSecret::from_seed("bench")?;
        let chain_id = backend.evm_chain_id();
        let caip2 = Caip2::eip155(chain_id).to_string();
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: MPC_FEE,
            evm_chains: vec![(caip2.clone(), chain_id)],
        };
        let wallet_type = deploy::configure(backend, proxy, admin, &setup).await?;
        Ok(Self { mpc, user, proxy, root, chain_id, caip2, wallet_type })
    }

    /// The response to key request `r`: the child public key the root derives for it.
    fn key_response(&self, r: &Requested) -> Result<IZrSign::zrKeyResCall, DevnetError> {
        let path = KeyPath {
            evm_chain_id: self.chain_id,
            proxy: self.proxy,
            owner: r.request.owner,
            wallet_type_id: self.wallet_type,
            index: r.request.walletIndex,
        };
        let public = self.root.child(&path).public().map_err(crate::mpc::KeyError::from)?;
        Ok(IZrSign::zrKeyResCall {
            requestId: r.id,
            request: r.request.clone(),
            publicKey: public.xy().to_vec().into(),
        })
    }
}

/// Steady-state transaction gas of each request and response kind on `backend` (a fresh chain): the
/// counters a call touches are warmed by earlier calls of the same kind first, as in forge's suite.
/// Batch responses of [`BATCHES`] sizes (sign and key) follow, with the gas of each extra item.
pub async fn gas_per_call<B: ChainSubmit>(
    backend: &B,
    artifacts: &Artifacts,
) -> Result<(Vec<GasFigure>, Vec<BatchFigure>), DevnetError> {
    let deployment = Measured::deploy(backend, artifacts).await?;
    let Measured { mpc, user, proxy, ref root, chain_id, ref caip2, wallet_type } = deployment;
    let client = Client::new(backend, proxy, user);
    // Exact quotes (revm's base fee is constant): no excess to credit, as in forge's suite.
    let key_fee = Some(backend.view(proxy, IZrSign::keyFeeCall { walletTypeId: wallet_type, options: 1 }).await?);
    let sign_fee = async |kind: RequestKind| -> Result<Option<U256>, DevnetError> {
        Ok(Some(backend.view(proxy, IZrSign::signFeeCall { walletTypeId: wallet_type, kind }).await?))
    };
    let answer_key = async |r: &Requested| -> Result<_, DevnetError> {
        Ok(backend.transact(mpc, proxy, deployment.key_response(r)?, U256::ZERO).await?)
    };
    let mut figures = Vec::new();

    // Keys: warm the user's key counter and the responder's balance with a first request and answer.
    let first = client.send_key_request(user, wallet_type, 1, key_fee).await?;
    answer_key(&first).await?;
    let second = client.send_key_request(user, wallet_type, 1, key_fee).await?;
    figures.push(GasFigure { label: "key request".into(), gas: second.receipt.gas_used });
    figures.push(GasFigure { label: "key response".into(), gas: answer_key(&second).await?.gas_used });

    let key = KeyPath { evm_chain_id: chain_id, proxy, owner: user, wallet_type_id: wallet_type, index: U256::ZERO };
    let child = root.child(&key);
    let legacy = TxLegacy {
        chain_id: Some(chain_id),
        nonce: 1,
        gas_price: 1_000_000_000,
        gas_limit: 100_000,
        to: TxKind::Call(Address::repeat_byte(0x11)),
        value: U256::from(10u64).pow(U256::from(16)),
        input: Bytes::from(vec![0xab; 68]),
    };
    let params = |payload: Vec<u8>| ZrSignParams {
        walletTypeId: wallet_type,
        walletIndex: U256::ZERO,
        dstChainId: crate::protocol::chain_key(caip2),
        payload: payload.into(),
        broadcast: false,
    };
    let cases: [(&'static str, RequestKind, Vec<u8>); 3] = [
        ("sign-hash request", RequestKind::Hash, keccak256("bench").to_vec()),
        ("sign-data request (100 B)", RequestKind::Data, vec![0x5a; 100]),
        ("sign-tx request (legacy)", RequestKind::Tx, legacy.encoded_for_signing()),
    ];
    let mut requests = Vec::new();
    for (label, kind, payload) in cases {
        client.send_sign_request(kind, params(payload.clone()), sign_fee(kind).await?).await?; // warm-up
        let r = client.send_sign_request(kind, params(payload), sign_fee(kind).await?).await?;
        figures.push(GasFigure { label: label.into(), gas: r.receipt.gas_used });
        requests.push(r);
    }
    let signature = |r: &Requested| -> Result<Bytes, DevnetError> {
        let signature = mock::sign(&child, r.request.digest)
            .map_err(|e| DevnetError::Verification { step: "bench signature".into(), message: e.to_string() })?;
        Ok(Bytes::copy_from_slice(&signature.as_bytes()))
    };
    // The sign response answers the sign-hash request measured above.
    if let Some(first) = requests.first() {
        let single = IZrSign::zrSignResCall {
            requestId: first.id,
            request: first.request.clone(),
            signature: signature(first)?,
        };
        figures.push(GasFigure {
            label: "sign response".into(),
            gas: backend.transact(mpc, proxy, single, U256::ZERO).await?.gas_used,
        });
    }

    let mut batches = Vec::new();
    for items in BATCHES {
        let mut responses = Vec::with_capacity(items);
        for i in 0..items {
            let payload = keccak256([items.to_be_bytes(), i.to_be_bytes()].concat()).to_vec();
            let r = client
                .send_sign_request(RequestKind::Hash, params(payload), sign_fee(RequestKind::Hash).await?)
                .await?;
            responses.push(IZrSign::SignResponse {
                requestId: r.id,
                request: r.request.clone(),
                signature: signature(&r)?,
            });
        }
        let receipt = backend.transact(mpc, proxy, IZrSign::zrSignResBatchCall { responses }, U256::ZERO).await?;
        batches.push(("sign", items, receipt.gas_used));

        // The packed form the responder sends (`zrSignResPacked`): the same checks, ~280 bytes an item.
        let mut packed = Vec::with_capacity(items * PACKED_SIGN_ITEM);
        for i in 0..items {
            let payload = keccak256([items.to_be_bytes(), i.to_be_bytes(), [0xff; 8]].concat()).to_vec();
            let r = client
                .send_sign_request(RequestKind::Hash, params(payload), sign_fee(RequestKind::Hash).await?)
                .await?;
            let sig: [u8; 65] = signature(&r)?.as_ref().try_into().map_err(|_| DevnetError::Verification {
                step: "bench signature".into(),
                message: "not 65 bytes".into(),
            })?;
            pack_sign_response(&mut packed, r.id.saturating_to(), &r.request, &sig);
        }
        let call = IZrSign::zrSignResPackedCall { items: packed.into() };
        let receipt = backend.transact(mpc, proxy, call, U256::ZERO).await?;
        batches.push(("sign packed", items, receipt.gas_used));

        let mut responses = Vec::with_capacity(items);
        for _ in 0..items {
            let r = client.send_key_request(user, wallet_type, 1, key_fee).await?;
            let path = KeyPath {
                evm_chain_id: chain_id,
                proxy,
                owner: r.request.owner,
                wallet_type_id: wallet_type,
                index: r.request.walletIndex,
            };
            let public_key = root.child(&path).public().map_err(crate::mpc::KeyError::from)?.xy().to_vec().into();
            responses.push(IZrSign::KeyResponse { requestId: r.id, request: r.request.clone(), publicKey: public_key });
        }
        let receipt = backend.transact(mpc, proxy, IZrSign::zrKeyResBatchCall { responses }, U256::ZERO).await?;
        batches.push(("key", items, receipt.gas_used));
    }
    let single = |kind: &str| batches.iter().find(|(k, n, _)| *k == kind && *n == 1).map(|b| b.2);
    let batches = batches
        .iter()
        .map(|&(kind, items, gas)| BatchFigure {
            kind: kind.into(),
            items,
            gas,
            per_extra_item: (items > 1)
                .then(|| single(kind).map(|one| gas.saturating_sub(one) / (items as u64 - 1)))
                .flatten(),
        })
        .collect();
    Ok((figures, batches))
}

/// Sign-hash requests executed per second on revm (one thread, each a whole transaction through the
/// project's revm chain: build, execute, commit, receipt), over `count` requests.
pub async fn revm_sign_rate(artifacts: &Artifacts, count: usize) -> Result<f64, DevnetError> {
    let backend = crate::chain::RevmChain::new(31_337, 3);
    let deployment = Measured::deploy(&backend, artifacts).await?;
    let Measured { mpc, user, proxy, ref caip2, wallet_type, .. } = deployment;
    let client = Client::new(&backend, proxy, user);
    let key = client.send_key_request(user, wallet_type, 1, None).await?;
    backend.transact(mpc, proxy, deployment.key_response(&key)?, U256::ZERO).await?;
    let fee = backend.view(proxy, IZrSign::signFeeCall { walletTypeId: wallet_type, kind: RequestKind::Hash }).await?;
    let started = std::time::Instant::now();
    for i in 0..count {
        let params = ZrSignParams {
            walletTypeId: wallet_type,
            walletIndex: U256::ZERO,
            dstChainId: crate::protocol::chain_key(caip2),
            payload: keccak256(i.to_be_bytes()).to_vec().into(),
            broadcast: false,
        };
        backend.transact(user, proxy, IZrSign::zrSignHashCall { params }, fee).await?;
    }
    Ok(count as f64 / started.elapsed().as_secs_f64())
}
