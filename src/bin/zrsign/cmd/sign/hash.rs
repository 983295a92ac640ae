//! `zrsign sign hash HASH`.

use super::SignOpts;
use crate::{exit::Outcome, opts::ConfigOpts};
use alloy::primitives::B256;
use zrsign::bindings::IZrSign::RequestKind;

/// Arguments of `zrsign sign hash`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The 32-byte hash, as 64 hex digits.
    hash: B256,
    #[command(flatten)]
    sign: SignOpts,
}

impl Args {
    /// Requests the signature.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let session = self.sign.session(opts).await?;
        let chain = self.sign.destination(&session).await?;
        let client = super::super::client::client(&session, Some(&self.sign.wait), Vec::new());
        let (_, output, _) =
            self.sign.request(&client, RequestKind::Hash, &chain, self.hash.0.to_vec().into(), false).await?;
        self.sign.output.print(&output, || super::text(&output))
    }
}
