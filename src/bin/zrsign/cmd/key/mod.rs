//! `zrsign key request|list|show`: keys of an owner, per wallet type.

mod list;
mod request;
mod show;

use crate::{exit::Outcome, opts::ConfigOpts};
use alloy::primitives::{Address, B256};
use zrsign::{bindings::IZrSign::KeyInfo, output::KeyOutput, protocol::WalletType};

/// `zrsign key …`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Request a new key (for the wallet, or --owner); --wait until the MPC network answered it.
    Request(request::Args),
    /// List an owner's keys.
    List(list::Args),
    /// Show one key: EVM address, public key, and the wallet type's native address.
    Show(show::Args),
}

impl Command {
    /// Runs it.
    pub async fn run(self, config: &ConfigOpts) -> Outcome<()> {
        match self {
            Command::Request(args) => args.run(config).await,
            Command::List(args) => args.run(config).await,
            Command::Show(args) => args.run(config).await,
        }
    }
}

/// A stored key as output (`answered` if it has an address).
pub fn key_output(owner: Address, wallet_type: WalletType, index: u64, info: &KeyInfo) -> KeyOutput {
    let answered = info.evmAddress != Address::ZERO;
    KeyOutput {
        request_id: None,
        status: if answered { "answered" } else { "unanswered" }.to_owned(),
        owner,
        wallet_type: wallet_type.id(),
        index,
        address: answered.then_some(info.evmAddress),
        public_key: answered.then(|| info.publicKey.clone()),
        native_address: answered.then(|| native_address(wallet_type, info)).flatten(),
        key_version: answered.then_some(info.keyVersion),
    }
}

/// The key's address in its wallet type's format: EIP-55 for EVM, bech32 P2WPKH for Bitcoin (84, 0 / 1).
fn native_address(wallet_type: WalletType, info: &KeyInfo) -> Option<String> {
    use zrsign::protocol::bitcoin::{Network, p2wpkh_address};
    match (wallet_type.purpose, wallet_type.coin_type) {
        (_, 60) => Some(info.evmAddress.to_checksum(None)),
        (84, coin) => {
            let key: &[u8; 33] = info.publicKey.as_ref().try_into().ok()?;
            p2wpkh_address(key, Network::from_coin_type(coin)?).ok()
        }
        _ => None,
    }
}

/// One line of a key.
pub fn key_line(k: &KeyOutput) -> String {
    match (&k.address, &k.public_key) {
        (Some(address), Some(public_key)) => {
            let native = k.native_address.as_deref().filter(|n| *n != address.to_checksum(None).as_str());
            format!("{:>4}  {address}  {public_key}{}", k.index, native.map(|n| format!("  {n}")).unwrap_or_default())
        }
        _ => format!("{:>4}  ({})", k.index, k.status),
    }
}

/// A wallet type's id as text.
pub fn wallet_type_text(wallet_type: WalletType, id: B256) -> String {
    format!("{}:{} ({id})", wallet_type.purpose, wallet_type.coin_type)
}
