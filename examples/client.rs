//! The Rust client against a running deployment: requests a key, has it sign a hash, and has it sign a
//! transfer on the destination chain that the relayer broadcasts; every answer verified off-chain.
//!
//! It starts nothing itself. Either start the local devnet in another terminal, which writes `devnet.json`:
//!
//! ```sh
//! cargo run --release -- devnet
//! cargo run --example client            # reads ./devnet.json (or the path given as the first argument)
//! ```
//!
//! or name any deployment with environment variables:
//!
//! ```sh
//! ZRSIGN_RPC_URL=http://127.0.0.1:8545 ZRSIGN_PROXY=0x… ZRSIGN_PRIVATE_KEY=0x… \
//! ZRSIGN_DESTINATION_RPC_URL=http://127.0.0.1:8546 cargo run --example client
//! ```
//!
//! The private key pays for the requests on the source chain and, if it has funds there, tops up the new key
//! on the destination chain so the key can pay for its transfer.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    signers::local::PrivateKeySigner,
};
use eyre::{WrapErr, bail, eyre};
use std::{sync::Arc, time::Instant};
use zrsign::{
    chain::{Call, ChainRead, ChainSubmit, RpcChain},
    client::{Client, TxRequest},
    devnet::DevnetInfo,
    protocol::WalletType,
};

/// Where the deployment is.
struct Settings {
    source_url: String,
    destination_url: String,
    proxy: Address,
    private_key: B256,
}

/// What the key gets on the destination when it has less, and what it sends.
const TOP_UP: U256 = U256::from_limbs([100_000_000_000_000_000, 0, 0, 0]); // 0.1 ether
const TRANSFER: U256 = U256::from_limbs([1_000_000_000_000_000, 0, 0, 0]); // 0.001 ether

fn settings() -> eyre::Result<Settings> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let Some(source_url) = var("ZRSIGN_RPC_URL") {
        let need = |name: &str| var(name).ok_or_else(|| eyre!("{name} is not set (ZRSIGN_RPC_URL is)"));
        return Ok(Settings {
            source_url,
            destination_url: need("ZRSIGN_DESTINATION_RPC_URL")?,
            proxy: need("ZRSIGN_PROXY")?.parse().wrap_err("ZRSIGN_PROXY")?,
            private_key: need("ZRSIGN_PRIVATE_KEY")?.parse().wrap_err("ZRSIGN_PRIVATE_KEY")?,
        });
    }
    let path = std::env::args().nth(1).unwrap_or_else(|| "devnet.json".into());
    let text = std::fs::read_to_string(&path)
        .wrap_err_with(|| format!("reading {path}: start `cargo run -- devnet` first, or set ZRSIGN_RPC_URL"))?;
    let info: DevnetInfo = serde_json::from_str(&text).wrap_err_with(|| format!("parsing {path}"))?;
    let url = |role: &str| {
        info.chains.iter().find(|c| c.role == role).map(|c| c.rpc_url.clone()).ok_or_else(|| eyre!("no {role} chain"))
    };
    // The last user account: the demo uses the first one.
    let user = info.accounts.iter().rev().find(|a| a.role == "user").ok_or_else(|| eyre!("no user account"))?;
    Ok(Settings {
        source_url: url("source")?,
        destination_url: url("destination")?,
        proxy: info.proxy,
        private_key: user.private_key,
    })
}

async fn run(settings: Settings) -> eyre::Result<()> {
    let signer = PrivateKeySigner::from_bytes(&settings.private_key).wrap_err("the private key")?;
    let me = signer.address();
    let source = RpcChain::connect(&settings.source_url, vec![signer.clone()]).await?;
    let destination = Arc::new(RpcChain::connect(&settings.destination_url, vec![signer]).await?);
    let client = Client::new(Arc::new(source), settings.proxy, me).with_destination(destination.clone());
    let wallet_type = WalletType::EVM.id();
    println!("requester      {me}");
    println!("deployment     {} on eip155:{}", settings.proxy, client.source().evm_chain_id());

    let quote = client.quote_key(wallet_type, 1).await?;
    println!("key fee        {} wei ({} with one block of base-fee headroom)", quote.exact, quote.with_headroom);
    let started = Instant::now();
    let key = client.request_key(wallet_type, 1).await?;
    let (_, root) = client.root_key(Some(key.key_version)).await?;
    let predicted = client.derive_address(&root, me, wallet_type, key.index())?;
    println!(
        "key            request {} → index {} address {} in {:.0?} (derived child of root key v{}; offline derivation agrees: {})",
        key.request_id,
        key.index(),
        key.address,
        started.elapsed(),
        key.key_version,
        predicted.evm_address() == key.address
    );

    let hash = keccak256(b"zrsign client example");
    let started = Instant::now();
    let signed = client.sign_hash(wallet_type, key.index(), hash).await?;
    println!(
        "sign hash      request {} digest {} in {:.0?}\n               signature {} recovers to {}",
        signed.request_id,
        signed.digest,
        started.elapsed(),
        alloy::hex::encode_prefixed(signed.signature.as_bytes()),
        signed.signature.recover_address_from_prehash(&signed.digest)?
    );

    let dst = destination.evm_chain_id();
    if destination.balance(key.address).await? < TOP_UP / U256::from(2) {
        match destination.send(Call::transfer(me, key.address, TOP_UP)).await {
            Ok(r) => println!("funded key     {TOP_UP} wei on eip155:{dst} in {}", r.tx_hash),
            Err(e) => bail!("the key has no funds on eip155:{dst} and the requester cannot top it up: {e}"),
        }
    }
    let recipient = Address::repeat_byte(0xbe);
    let before = destination.balance(recipient).await?;
    let started = Instant::now();
    let prepared = client.prepare_tx(TxRequest::transfer(wallet_type, key.index(), dst, recipient, TRANSFER)).await?;
    let tx = client.sign_tx(&prepared, true).await?;
    let relayed = client.wait_relayed(&tx).await?;
    let after = destination.balance(recipient).await?;
    println!(
        "sign tx        request {} nonce {} → {} mined on eip155:{dst} in block {} ({:.0?} from request to receipt)",
        tx.request_id,
        tx.signed.nonce,
        tx.signed.tx_hash,
        relayed.receipt.block_number,
        started.elapsed()
    );
    println!("recipient      {recipient}: {before} → {after} wei");
    if after != before + TRANSFER {
        bail!("the recipient's balance changed by {}, not {TRANSFER}", after - before);
    }
    Ok(())
}

fn main() -> eyre::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    // Read before the runtime starts: no blocking I/O on its workers.
    let settings = settings()?;
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(settings))
}
