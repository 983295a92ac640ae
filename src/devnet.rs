//! A local zrSign network: ZrSign deployed and configured on a chain, the mock MPC responder running
//! against it, and the full request lifecycle walked and verified off-chain.
//!
//! `zrsign demo` prints what [`lifecycle`] returns; `tests/lifecycle.rs` asserts on it.

use crate::{
    backend::Backend,
    bindings::IZrSign::{RequestKind, ZrSignParams},
    client::{Client, ClientError, Requested, Settlement},
    contracts::Artifacts,
    deploy::{self, Deployment, Roles, Setup},
    mpc::{
        cursor::Cursor,
        digest::{self, UnsignedTx},
        keys::{KeyPath, RootSecret},
        responder::{Responder, ResponderConfig},
    },
};
use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxLegacy, transaction::SignerRecoverable},
    primitives::{Address, B256, Bytes, Signature, TxKind, U256, keccak256},
};
use std::{collections::BTreeMap, path::PathBuf, sync::Arc, time::Duration};
use tokio::{sync::oneshot, task::JoinHandle};

/// EVM chain id of the second, destination-only chain the lifecycle signs a transaction for.
pub const DESTINATION_CHAIN_ID: u64 = 31_338;

/// Why the devnet or its lifecycle failed.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// A chain or client operation failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The MPC responder failed.
    #[error(transparent)]
    Mpc(#[from] crate::mpc::MpcError),
    /// An answer did not verify off-chain.
    #[error("{step}: {message}")]
    Verification {
        /// The lifecycle step.
        step: String,
        /// What did not match.
        message: String,
    },
}

impl From<crate::backend::BackendError> for DevnetError {
    fn from(e: crate::backend::BackendError) -> Self {
        Self::Client(e.into())
    }
}

/// Options of a devnet. `Debug` never shows the root seed.
#[derive(Clone)]
pub struct DevnetOptions {
    /// Seed of the responder's root secret.
    pub root_seed: String,
    /// MPC service fee per request, in wei.
    pub mpc_fee: u128,
    /// Responder poll interval.
    pub poll_interval: Duration,
    /// Where the responder persists its cursor (`None`: memory only).
    pub cursor_path: Option<PathBuf>,
}

impl std::fmt::Debug for DevnetOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevnetOptions")
            .field("root_seed", &"<redacted>")
            .field("mpc_fee", &self.mpc_fee)
            .field("poll_interval", &self.poll_interval)
            .field("cursor_path", &self.cursor_path)
            .finish()
    }
}

impl Default for DevnetOptions {
    fn default() -> Self {
        Self {
            root_seed: "zrsign devnet root".into(),
            mpc_fee: 1_000_000_000_000_000,
            poll_interval: Duration::from_millis(200),
            cursor_path: None,
        }
    }
}

/// A running devnet. Dropping it stops the responder.
pub struct Devnet<B> {
    /// The chain.
    pub backend: Arc<B>,
    /// The deployment.
    pub deployment: Deployment,
    /// Who holds which role.
    pub roles: Roles,
    /// The EVM wallet type id.
    pub wallet_type: B256,
    /// The root secret the responder holds (version 1).
    pub root: RootSecret,
    /// CAIP-2 ids of the registered chains: this chain and the destination chain.
    pub chains: [String; 2],
    shutdown: Option<oneshot::Sender<()>>,
    responder: Option<JoinHandle<()>>,
}

impl<B: Backend + 'static> Devnet<B> {
    /// Deploys and configures ZrSign on `backend` (admin = account 0, MPC = account 1) and starts the
    /// responder.
    pub async fn start(backend: Arc<B>, artifacts: &Artifacts, options: &DevnetOptions) -> Result<Self, DevnetError> {
        let [admin, mpc] = backend.first_accounts()?;
        let roles = Roles { admin, mpc, fee: admin, pauser: admin };
        let deployment = deploy::deploy(backend.as_ref(), artifacts, roles).await?;
        let root = RootSecret::from_seed(&options.root_seed)?;
        let chains = [format!("eip155:{}", backend.chain_id()), format!("eip155:{DESTINATION_CHAIN_ID}")];
        let setup = Setup {
            root_public_key: root.public().xy(),
            mpc_fee: options.mpc_fee,
            evm_chains: vec![(chains[0].clone(), backend.chain_id()), (chains[1].clone(), DESTINATION_CHAIN_ID)],
        };
        let wallet_type = deploy::configure(backend.as_ref(), deployment.proxy, admin, &setup).await?;

        let start_block = backend.block_number().await?;
        let cursor = Cursor::open(options.cursor_path.as_deref(), backend.chain_id(), deployment.proxy, start_block)?;
        let roots = BTreeMap::from([(1u32, root.clone())]);
        let mut responder =
            Responder::new(backend.clone(), deployment.proxy, mpc, roots, cursor, ResponderConfig::default());
        let (shutdown, stop) = oneshot::channel::<()>();
        let interval = options.poll_interval;
        let task = tokio::spawn(async move {
            responder
                .run(interval, async {
                    let _ = stop.await;
                })
                .await;
        });
        Ok(Self {
            backend,
            deployment,
            roles,
            wallet_type,
            root,
            chains,
            shutdown: Some(shutdown),
            responder: Some(task),
        })
    }

    /// Stops the responder and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.responder.take() {
            let _ = task.await;
        }
    }
}

impl<B> Drop for Devnet<B> {
    fn drop(&mut self) {
        if let Some(task) = &self.responder {
            task.abort();
        }
    }
}

/// One verified step of the lifecycle.
#[derive(Debug, Clone)]
pub struct Step {
    /// What was requested.
    pub label: &'static str,
    /// The request id.
    pub request_id: U256,
    /// Gas used by the request transaction.
    pub request_gas: u64,
    /// The fee paid, in wei.
    pub fee: U256,
    /// The digest signed (sign requests).
    pub digest: Option<B256>,
    /// The signature (sign requests).
    pub signature: Option<Bytes>,
    /// The key's address (for keys) or the address the signature recovers to.
    pub recovered: Address,
    /// Time from sending the request to reading its verified answer.
    pub latency: Duration,
}

/// Walks a key request and one request of each signing kind (hash, data, an EIP-1559 transaction for the
/// destination chain, and a v1 legacy transaction with chain id 0) from `user`, waits for each answer,
/// and verifies each off-chain: the key is the Rust-derived child; each digest equals the Rust-computed
/// one; each signature recovers (alloy) to the key; each signed transaction recovers to the key and
/// carries the destination chain id.
pub async fn lifecycle<B: Backend + 'static>(devnet: &Devnet<B>, user: Address) -> Result<Vec<Step>, DevnetError> {
    let backend = devnet.backend.as_ref();
    let client = Client::new(backend, devnet.deployment.proxy);
    let (poll, timeout) = (Duration::from_millis(50), Duration::from_secs(30));
    let mut steps = Vec::new();

    let started = std::time::Instant::now();
    let requested = client.request_key(user, user, devnet.wallet_type, 1, None).await?;
    let settlement = client.wait_settled(&requested, poll, timeout).await?;
    let path = KeyPath {
        chain_id: backend.chain_id(),
        proxy: devnet.deployment.proxy,
        owner: user,
        wallet_type_id: devnet.wallet_type,
        index: requested.request.walletIndex,
    };
    let expected = devnet.root.public().derive(&path).address();
    let Settlement::Key { address, .. } = settlement else {
        return Err(verification("key", format!("expected a key, got {settlement:?}")));
    };
    if address != expected {
        return Err(verification("key", format!("stored {address}, Rust derivation gives {expected}")));
    }
    steps.push(step("key", &requested, None, None, address, started.elapsed()));
    let key = address;
    let index = requested.request.walletIndex;

    let hash = keccak256(b"zrsign devnet: a 32-byte hash");
    let data = b"zrsign devnet: sign this message".to_vec();
    let eip1559 = TxEip1559 {
        chain_id: DESTINATION_CHAIN_ID,
        nonce: 0,
        gas_limit: 21_000,
        max_fee_per_gas: 2_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        to: TxKind::Call(Address::repeat_byte(0xbe)),
        value: U256::from(1_000_000_000_000_000u64),
        ..Default::default()
    };
    let v1_legacy = TxLegacy {
        chain_id: Some(0),
        nonce: 0,
        gas_price: 1_000_000_000,
        gas_limit: 21_000,
        to: TxKind::Call(Address::repeat_byte(0xef)),
        value: U256::from(1_000u64),
        input: Bytes::new(),
    };
    let this_chain = backend.chain_id();
    let cases: [(&'static str, RequestKind, Vec<u8>, &str, u64); 4] = [
        ("sign hash", RequestKind::Hash, hash.to_vec(), &devnet.chains[0], this_chain),
        ("sign data", RequestKind::Data, data, &devnet.chains[0], this_chain),
        ("sign tx (EIP-1559)", RequestKind::Tx, eip1559.encoded_for_signing(), &devnet.chains[1], DESTINATION_CHAIN_ID),
        (
            "sign tx (v1 legacy, chain id 0)",
            RequestKind::Tx,
            v1_legacy.encoded_for_signing(),
            &devnet.chains[0],
            this_chain,
        ),
    ];
    for (label, kind, payload, caip2, evm_chain_id) in cases {
        let started = std::time::Instant::now();
        let params = ZrSignParams {
            walletTypeId: devnet.wallet_type,
            walletIndex: index,
            dstChainId: deploy::chain_id(caip2),
            payload: payload.into(),
            broadcast: false,
        };
        let requested = client.request_signature(user, kind, params, None).await?;
        let settlement = client.wait_settled(&requested, poll, timeout).await?;
        let Settlement::Signature { digest, signature, .. } = settlement else {
            return Err(verification(label, format!("expected a signature, got {settlement:?}")));
        };
        let ours = digest::digest(kind, &requested.payload, Some(evm_chain_id))
            .map_err(|reason| verification(label, format!("payload rejected off-chain: {reason:?}")))?;
        if ours != digest || ours != requested.request.digest {
            return Err(verification(label, format!("digest {digest} on-chain, {ours} in Rust")));
        }
        let parsed = Signature::try_from(signature.as_ref())
            .map_err(|e| verification(label, format!("signature does not parse: {e}")))?;
        let recovered = parsed
            .recover_address_from_prehash(&digest)
            .map_err(|e| verification(label, format!("signature does not recover: {e}")))?;
        if recovered != key {
            return Err(verification(label, format!("signature recovers to {recovered}, key is {key}")));
        }
        if kind == RequestKind::Tx {
            verify_signed_tx(label, &requested.payload, parsed, key, evm_chain_id)?;
        }
        steps.push(step(label, &requested, Some(digest), Some(signature), recovered, started.elapsed()));
    }
    Ok(steps)
}

/// The signed transaction recovers to the key and is for `chain_id`.
fn verify_signed_tx(
    label: &str,
    payload: &[u8],
    signature: Signature,
    key: Address,
    chain_id: u64,
) -> Result<(), DevnetError> {
    let unsigned = UnsignedTx::decode(payload).map_err(|r| verification(label, format!("payload: {r:?}")))?;
    let envelope = unsigned.into_signed(signature);
    let signer = envelope.recover_signer().map_err(|e| verification(label, format!("signed tx: {e}")))?;
    let tx_chain = alloy::consensus::Transaction::chain_id(&envelope);
    if signer != key || tx_chain != Some(chain_id) {
        return Err(verification(
            label,
            format!("signed tx from {signer} on chain {tx_chain:?}, want {key} on {chain_id}"),
        ));
    }
    Ok(())
}

fn step(
    label: &'static str,
    r: &Requested,
    digest: Option<B256>,
    signature: Option<Bytes>,
    recovered: Address,
    latency: Duration,
) -> Step {
    let fee = U256::from(r.request.serviceFee) + U256::from(r.request.gasFee);
    Step { label, request_id: r.id, request_gas: r.receipt.gas_used, fee, digest, signature, recovered, latency }
}

fn verification(step: &str, message: String) -> DevnetError {
    DevnetError::Verification { step: step.to_owned(), message }
}
