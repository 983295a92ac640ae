//! Benchmarks that print figures: steady-state transaction gas per call (revm, deterministic) and the
//! responder's throughput and request→answer latency on a live chain (anvil).
//!
//! Forge's snapshot (`snapshots/ZrSign.json`) pins *call* gas; [`gas_per_call`] measures whole
//! transactions (21,000 intrinsic and calldata included), the figure a user pays.

use crate::{
    bindings::IZrSign::{self, RequestKind, RequestStatus, ZrSignParams},
    chain::{ChainRead, ChainSubmit},
    client::{Client, ClientConfig, Requested},
    contracts::Artifacts,
    deploy::{self, Roles, Setup},
    devnet::{Devnet, DevnetError},
    mpc::keys::RootSecret,
    protocol::{Caip2, KeyPath},
    signer::mock,
};
use alloy::{
    consensus::{SignableTransaction, TxLegacy},
    primitives::{Address, Bytes, TxKind, U256, keccak256},
};
use std::time::{Duration, Instant};

/// Size of the batch in the batch-response figure.
pub const BATCH: usize = 10;

/// How long a load run may wait for its answers: a base, plus a per-request allowance.
pub const LOAD_TIMEOUT_BASE: Duration = Duration::from_secs(60);
/// Per-request part of the load run's timeout.
pub const LOAD_TIMEOUT_PER_REQUEST: Duration = Duration::from_secs(1);

/// One measured call.
#[derive(Debug, Clone)]
pub struct GasFigure {
    /// What was called.
    pub label: &'static str,
    /// Transaction gas used.
    pub gas: u64,
}

/// Steady-state transaction gas of each request and response kind on `backend` (a fresh chain): the
/// counters a call touches are warmed by earlier calls of the same kind first, as in forge's suite.
pub async fn gas_per_call<B: ChainSubmit>(backend: &B, artifacts: &Artifacts) -> Result<Vec<GasFigure>, DevnetError> {
    let [admin, mpc, user] = backend.first_accounts()?;
    let proxy = deploy::deploy(backend, artifacts, Roles { admin, mpc, fee: admin, pauser: admin }).await?.proxy;
    let root = RootSecret::from_seed("bench")?;
    let chain_id = backend.evm_chain_id();
    let caip2 = Caip2::eip155(chain_id).to_string();
    let setup = Setup {
        root_public_key: root.public().xy(),
        mpc_fee: 1_000_000_000_000,
        evm_chains: vec![(caip2.clone(), chain_id)],
    };
    let wallet_type = deploy::configure(backend, proxy, admin, &setup).await?;
    let client = Client::new(backend, proxy, user);
    // Exact quotes (revm's base fee is constant): no excess to credit, as in forge's suite.
    let key_fee = Some(backend.view(proxy, IZrSign::keyFeeCall { walletTypeId: wallet_type, options: 1 }).await?);
    let sign_fee = async |kind: RequestKind| -> Result<Option<U256>, DevnetError> {
        Ok(Some(backend.view(proxy, IZrSign::signFeeCall { walletTypeId: wallet_type, kind }).await?))
    };
    let answer_key = async |r: &Requested| -> Result<_, DevnetError> {
        let path = KeyPath {
            evm_chain_id: chain_id,
            proxy,
            owner: r.request.owner,
            wallet_type_id: wallet_type,
            index: r.request.walletIndex,
        };
        let call = IZrSign::zrKeyResCall {
            requestId: r.id,
            request: r.request.clone(),
            publicKey: root.child(&path).public().map_err(crate::mpc::KeyError::from)?.xy().to_vec().into(),
        };
        Ok(backend.transact(mpc, proxy, call, U256::ZERO).await?)
    };
    let mut figures = Vec::new();

    // Keys: warm the user's key counter and the responder's balance with a first request and answer.
    let first = client.send_key_request(user, wallet_type, 1, key_fee).await?;
    answer_key(&first).await?;
    let second = client.send_key_request(user, wallet_type, 1, key_fee).await?;
    figures.push(GasFigure { label: "key request", gas: second.receipt.gas_used });
    figures.push(GasFigure { label: "key response", gas: answer_key(&second).await?.gas_used });

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
        dstChainId: crate::protocol::chain_key(&caip2),
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
        figures.push(GasFigure { label, gas: r.receipt.gas_used });
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
            label: "sign response",
            gas: backend.transact(mpc, proxy, single, U256::ZERO).await?.gas_used,
        });
    }

    let mut batch = Vec::with_capacity(BATCH);
    for _ in 0..BATCH {
        let r = client
            .send_sign_request(RequestKind::Hash, params(keccak256(batch.len().to_be_bytes()).to_vec()), None)
            .await?;
        batch.push(IZrSign::SignResponse { requestId: r.id, request: r.request.clone(), signature: signature(&r)? });
    }
    let receipt = backend.transact(mpc, proxy, IZrSign::zrSignResBatchCall { responses: batch }, U256::ZERO).await?;
    figures.push(GasFigure { label: "10 sign responses in one batch", gas: receipt.gas_used });
    Ok(figures)
}

/// Throughput and latency of requests answered by the running responder.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// Requests sent.
    pub requests: usize,
    /// Wall time from the first request sent to the last answer seen.
    pub elapsed: Duration,
    /// Request → verified-answer latencies, sorted ascending.
    pub latencies: Vec<Duration>,
    /// Gas of each request transaction.
    pub request_gas: Vec<u64>,
}

impl LoadReport {
    /// Answered requests per second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    /// The `p`-th percentile latency (`p` in 0..=100), nearest rank.
    pub fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

/// Sends `count` sign-hash requests from `user` on a running devnet (whose user already holds key 0)
/// and measures when each is answered (polling statuses every `poll`).
pub async fn load(devnet: &Devnet, user: Address, count: usize, poll: Duration) -> Result<LoadReport, DevnetError> {
    let backend = devnet.source.as_ref();
    let proxy = devnet.deployment.proxy;
    let client = Client::new(backend, proxy, user);
    let started = Instant::now();
    let mut pending: Vec<(U256, Instant)> = Vec::with_capacity(count);
    let mut request_gas = Vec::with_capacity(count);
    for i in 0..count {
        let params = ZrSignParams {
            walletTypeId: devnet.wallet_type,
            walletIndex: U256::ZERO,
            dstChainId: devnet.chains[0].key(),
            payload: keccak256(i.to_be_bytes()).to_vec().into(),
            broadcast: false,
        };
        let sent = Instant::now();
        let r = client.send_sign_request(RequestKind::Hash, params, None).await?;
        request_gas.push(r.receipt.gas_used);
        pending.push((r.id, sent));
    }
    let mut latencies = Vec::with_capacity(count);
    let deadline = started + LOAD_TIMEOUT_BASE + LOAD_TIMEOUT_PER_REQUEST * u32::try_from(count).unwrap_or(u32::MAX);
    while !pending.is_empty() {
        let mut still = Vec::with_capacity(pending.len());
        for (id, sent) in pending {
            match backend.view(proxy, IZrSign::requestStatusCall { requestId: id }).await? {
                RequestStatus::Answered => latencies.push(sent.elapsed()),
                RequestStatus::Open if Instant::now() < deadline => still.push((id, sent)),
                status => {
                    return Err(DevnetError::Verification {
                        step: "load".into(),
                        message: format!("request {id} ended {status:?}"),
                    });
                }
            }
        }
        pending = still;
        if !pending.is_empty() {
            tokio::time::sleep(poll).await;
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(LoadReport { requests: count, elapsed, latencies, request_gas })
}

/// The devnet's user, with an answered key 0, ready for [`load`].
pub async fn prepare_user(devnet: &Devnet, user: Address) -> Result<(), DevnetError> {
    let config = ClientConfig {
        poll_interval: Duration::from_millis(20),
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let client = Client::new(devnet.source.clone(), devnet.deployment.proxy, user).with_config(config);
    let requested = client.send_key_request(user, devnet.wallet_type, 1, None).await?;
    client.wait_settled(&requested).await?;
    Ok(())
}
