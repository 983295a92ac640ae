//! `zrsign fees`: the deployment's quotes at the latest block (what a request must pay at least).

use crate::{
    exit::{Failure, Outcome},
    opts::{ConfigOpts, DeploymentOpts, OutputOpts, RpcOpts, Session, parse_wallet_type},
};
use zrsign::{
    bindings::IZrSign::{self, RequestKind},
    chain::ChainRead,
    output::{FeesOutput, WalletTypeFees},
    protocol::WalletType,
};

/// Arguments of `zrsign fees`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Wallet types to quote, PURPOSE:COIN_TYPE (repeatable) [default: 44:60].
    #[arg(long = "wallet-type", value_name = "PURPOSE:COIN", value_parser = parse_wallet_type)]
    wallet_types: Vec<WalletType>,
    #[command(flatten)]
    rpc: RpcOpts,
    #[command(flatten)]
    deployment: DeploymentOpts,
    #[command(flatten)]
    output: OutputOpts,
}

impl Args {
    /// Prints the quotes.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = Session::read(opts, &self.rpc, &self.deployment).await?;
        let config = session.view(IZrSign::feeConfigCall {}).await?;
        let base_fee = session.chain.base_fee().await.map_err(|e| Failure::from_chain("read the base fee", &e))?;
        let client = super::client::client(&session, None, Vec::new());
        let types = if self.wallet_types.is_empty() { vec![WalletType::EVM] } else { self.wallet_types.clone() };
        let mut wallet_types = Vec::new();
        for wt in types {
            let id = wt.id();
            let info = session.view(IZrSign::walletTypeCall { walletTypeId: id }).await?;
            let name = format!("{}:{}", wt.purpose, wt.coin_type);
            if !info.supported {
                return Err(Failure::protocol(
                    format!("wallet type {name} is not registered on {}", session.proxy),
                    "quote a registered wallet type (the EVM one is 44:60)",
                ));
            }
            let quote_err = |e| super::client::failure("quote", e);
            let sign = |kind| client.quote_sign(id, kind);
            wallet_types.push(WalletTypeFees {
                wallet_type: name,
                id,
                supported: info.supported,
                mpc_fee: info.mpcFee.to_string(),
                key: client.quote_key(id, 1).await.map_err(quote_err)?.exact.to_string(),
                hash: sign(RequestKind::Hash).await.map_err(quote_err)?.exact.to_string(),
                data: sign(RequestKind::Data).await.map_err(quote_err)?.exact.to_string(),
                tx: sign(RequestKind::Tx).await.map_err(quote_err)?.exact.to_string(),
            });
        }
        let output = FeesOutput {
            base_fee: base_fee.to_string(),
            response_gas: config.responseGas,
            gas_buffer_pct: config.gasBufferPct,
            request_ttl: config.requestTtl,
            wallet_types,
        };
        self.output.print(&output, || {
            let mut lines = vec![format!(
                "base fee {} wei, gas buffer {}%, request TTL {} blocks, response gas key/hash/data/tx {:?}",
                output.base_fee, output.gas_buffer_pct, output.request_ttl, output.response_gas
            )];
            for w in &output.wallet_types {
                lines.push(format!(
                    "{}  mpc fee {}  key {}  hash {}  data {}  tx {} (wei)",
                    w.wallet_type, w.mpc_fee, w.key, w.hash, w.data, w.tx
                ));
            }
            lines.join("\n")
        })
    }
}
