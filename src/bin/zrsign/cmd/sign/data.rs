//! `zrsign sign data DATA`.

use super::SignOpts;
use crate::{exit::Outcome, opts::ConfigOpts};
use alloy::primitives::Bytes;
use zrsign::bindings::IZrSign::RequestKind;

/// Arguments of `zrsign sign data`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data as hex (0x…), or with --text as text.
    data: String,
    /// Sign DATA's UTF-8 bytes instead of decoding it as hex.
    #[arg(long)]
    text: bool,
    #[command(flatten)]
    sign: SignOpts,
}

impl Args {
    /// Requests the signature.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let payload: Bytes = if self.text {
            self.data.clone().into_bytes().into()
        } else {
            self.data.parse().map_err(|_| {
                crate::exit::Failure::usage(
                    "DATA is not hex",
                    "pass 0x-prefixed hex, or --text to sign the text itself",
                )
            })?
        };
        let session = self.sign.session(opts).await?;
        let chain = self.sign.destination(&session).await?;
        let client = super::super::client::client(&session, Some(&self.sign.wait), Vec::new());
        let (_, output, _) = self.sign.request(&client, RequestKind::Data, &chain, payload, false).await?;
        self.sign.output.print(&output, || super::text(&output))
    }
}
