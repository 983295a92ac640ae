//! `zrsign request show ID`.

use super::Common;
use crate::{
    exit::Outcome,
    opts::{ConfigOpts, Session},
};

/// Arguments of `zrsign request show`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
}

impl Args {
    /// Prints the lifecycle.
    pub async fn run(self, opts: &ConfigOpts) -> Outcome<()> {
        let c = &self.common;
        let session = Session::read(opts, &c.rpc, &c.deployment).await?;
        let store = super::super::lookup::store(&session, c.store.as_ref()).await?;
        let output = super::super::lookup::request(&session, c.id, store.as_ref()).await?;
        c.output.print(&output, || super::text(&output))
    }
}
