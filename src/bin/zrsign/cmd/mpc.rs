//! `zrsign mpc`: the threshold network's key generation (and its test-only prime fixtures).

use crate::exit::{Failure, Outcome};
use clap::{Args as ClapArgs, Subcommand};
use std::{path::PathBuf, time::Instant};
use zrsign::mpc::{
    network::layout,
    threshold::{self, Primes, share},
};

/// The threshold MPC network's keys.
#[derive(Subcommand)]
pub enum Command {
    /// Run the distributed key generation (auxiliary info included) among N parties with threshold T: writes one
    /// encrypted share file per node (`share-<i>.json`), the network's TLS certificates (a CA, one per node and
    /// the coordinator's) and `root.json` (the root public key `deploy` takes).
    Keygen(KeygenArgs),
    /// Generate safe primes for N parties' Paillier moduli into a file `mpc keygen --primes` reads (slow; for
    /// test fixtures: production keygen generates fresh primes in each party).
    Primes(PrimesArgs),
    /// Print keygen time, presignature generation rate, and signatures/s with per-signature latency on t-of-n
    /// co-located parties beside the mock signer's (figures, not assertions).
    Bench(BenchArgs),
}

/// `mpc bench`.
#[derive(ClapArgs)]
pub struct BenchArgs {
    /// Configurations as `TofN` (e.g. `2of3,3of5`).
    #[arg(long, value_delimiter = ',', default_value = "2of3,3of5")]
    sets: Vec<String>,
    /// Signatures per configuration.
    #[arg(long, default_value_t = 20)]
    signatures: usize,
    /// Pre-generated primes (`mpc primes` output) for at least the largest n; without it primes are generated
    /// (and timed) first.
    #[arg(long)]
    primes: Option<PathBuf>,
}

/// `mpc keygen`.
#[derive(ClapArgs)]
pub struct KeygenArgs {
    /// Number of parties (nodes).
    #[arg(long)]
    parties: u16,
    /// Parties needed to sign.
    #[arg(long)]
    threshold: u16,
    /// Directory for the share files and root.json (created; existing share files are never overwritten).
    #[arg(long)]
    out: PathBuf,
    /// Pre-generated primes (TEST ONLY: `mpc primes` output); without it every party generates fresh ones.
    #[arg(long)]
    primes: Option<PathBuf>,
    /// The share files' password, from this file (else the environment variable ZRSIGN_SHARE_PASSWORD).
    #[arg(long)]
    password_file: Option<PathBuf>,
    /// scrypt cost (log2 N) of the share files' encryption key.
    #[arg(long, default_value_t = share::DEFAULT_LOG_N, hide = true)]
    kdf_log_n: u8,
}

/// `mpc primes`.
#[derive(ClapArgs)]
pub struct PrimesArgs {
    /// How many parties' primes.
    #[arg(long)]
    count: u16,
    /// Output file (JSON).
    #[arg(long)]
    out: PathBuf,
}

/// The password of share files: `--password-file`, else `ZRSIGN_SHARE_PASSWORD`.
pub fn share_password(file: Option<&PathBuf>) -> Outcome<Vec<u8>> {
    let password = match file {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("read password file {}: {e}", path.display()), "pass a readable file"))?
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
        None => std::env::var("ZRSIGN_SHARE_PASSWORD").map_err(|_| {
            Failure::usage(
                "no share password",
                "set ZRSIGN_SHARE_PASSWORD or pass --password-file (the share files are encrypted with it)",
            )
        })?,
    };
    if password.is_empty() {
        return Err(Failure::usage("the share password is empty", "use a non-empty password"));
    }
    Ok(password.into_bytes())
}

impl Command {
    /// Runs the subcommand.
    pub async fn run(self) -> Outcome<()> {
        match self {
            Command::Keygen(args) => args.run().await,
            Command::Primes(args) => args.run().await,
            Command::Bench(args) => args.run().await,
        }
    }
}

impl PrimesArgs {
    async fn run(self) -> Outcome<()> {
        let started = Instant::now();
        let tasks: Vec<_> = (0..self.count).map(|_| tokio::task::spawn_blocking(threshold::generate_primes)).collect();
        let mut primes = Vec::new();
        for task in tasks {
            primes.push(task.await.map_err(|e| Failure::internal(format!("prime generation: {e}")))?);
        }
        let text = serde_json::to_string(&primes).map_err(|e| Failure::internal(e.to_string()))?;
        std::fs::write(&self.out, text)
            .map_err(|e| Failure::usage(format!("write {}: {e}", self.out.display()), "pass a writable path"))?;
        tracing::info!(count = self.count, seconds = started.elapsed().as_secs_f64(), "primes generated");
        println!("{}", self.out.display());
        Ok(())
    }
}

impl KeygenArgs {
    async fn run(self) -> Outcome<()> {
        let password = share_password(self.password_file.as_ref())?;
        let (n, t) = (self.parties, self.threshold);
        if t < 2 || t > n {
            return Err(Failure::usage(format!("threshold {t} of {n} parties"), "pass 2 <= --threshold <= --parties"));
        }
        // Refuse before the (slow) protocol runs: no network directory is ever overwritten.
        if layout::root_path(&self.out).exists() {
            return Err(Failure::usage(
                format!("{} already holds a network", self.out.display()),
                "key generation never overwrites shares: pass an empty --out directory",
            ));
        }
        let started = Instant::now();
        let primes: Vec<Primes> = match &self.primes {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("read {}: {e}", path.display()), "pass `mpc primes` output"))?;
                let mut all: Vec<Primes> = serde_json::from_str(&text)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display()), "pass `mpc primes` output"))?;
                if all.len() < usize::from(n) {
                    return Err(Failure::usage(
                        format!("{} holds primes for {} parties, not {n}", path.display(), all.len()),
                        "generate more with `zrsign mpc primes`",
                    ));
                }
                all.truncate(usize::from(n));
                all
            }
            None => {
                let tasks: Vec<_> = (0..n).map(|_| tokio::task::spawn_blocking(threshold::generate_primes)).collect();
                let mut primes = Vec::new();
                for task in tasks {
                    primes.push(task.await.map_err(|e| Failure::internal(format!("prime generation: {e}")))?);
                }
                primes
            }
        };
        let primes_done = started.elapsed();
        let mut eid = [0u8; 32];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut eid);
        let shares = threshold::local_keygen(&eid, n, t, primes)
            .await
            .map_err(|e| Failure::internal(format!("key generation: {e}")))?;
        let keygen_done = started.elapsed();
        let (out, log_n) = (self.out.clone(), self.kdf_log_n);
        // Share files are written with a deliberately slow KDF and blocking I/O: off the async workers.
        let record = tokio::task::spawn_blocking(move || layout::write(&out, &shares, &password, log_n))
            .await
            .map_err(|e| Failure::internal(e.to_string()))?
            .map_err(|e| Failure::usage(e.to_string(), "pass an empty, writable --out directory"))?;
        let text = serde_json::to_string_pretty(&record).map_err(|e| Failure::internal(e.to_string()))?;
        tracing::info!(
            primes_s = primes_done.as_secs_f64(),
            keygen_s = (keygen_done - primes_done).as_secs_f64(),
            "threshold key generated"
        );
        println!("{text}");
        Ok(())
    }
}

fn parse_set(text: &str) -> Outcome<(u16, u16)> {
    let bad = || Failure::usage(format!("bad configuration {text:?}"), "write TofN, e.g. 2of3");
    let (t, n) = text.split_once("of").ok_or_else(bad)?;
    let (t, n) = (t.trim().parse::<u16>().map_err(|_| bad())?, n.trim().parse::<u16>().map_err(|_| bad())?);
    if t < 2 || t > n {
        return Err(bad());
    }
    Ok((t, n))
}

impl BenchArgs {
    async fn run(self) -> Outcome<()> {
        use zrsign::{
            mpc::keys::RootSecret,
            protocol::KeyPath,
            signer::{MockSigner, SignItem, Signer},
        };
        let sets = self.sets.iter().map(|s| parse_set(s)).collect::<Outcome<Vec<_>>>()?;
        let max_n = sets.iter().map(|(_, n)| *n).max().unwrap_or(0);
        let internal = |e: threshold::ThresholdError| Failure::internal(e.to_string());
        let primes: Vec<Primes> = match &self.primes {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| Failure::usage(format!("read {}: {e}", path.display()), "pass `mpc primes` output"))?;
                serde_json::from_str(&text)
                    .map_err(|e| Failure::usage(format!("{}: {e}", path.display()), "pass `mpc primes` output"))?
            }
            None => {
                let started = Instant::now();
                let tasks: Vec<_> =
                    (0..max_n).map(|_| tokio::task::spawn_blocking(threshold::generate_primes)).collect();
                let mut primes = Vec::new();
                for task in tasks {
                    primes.push(task.await.map_err(|e| Failure::internal(e.to_string()))?);
                }
                println!("safe primes for {max_n} parties: {:.1} s", started.elapsed().as_secs_f64());
                primes
            }
        };
        if primes.len() < usize::from(max_n) {
            return Err(Failure::usage(
                format!("primes for {} parties, {max_n} needed", primes.len()),
                "generate more",
            ));
        }
        let items: Vec<SignItem> = (0..self.signatures)
            .map(|i| SignItem {
                path: KeyPath {
                    evm_chain_id: 31_337,
                    proxy: alloy::primitives::Address::repeat_byte(0x11),
                    owner: alloy::primitives::Address::repeat_byte(0x22),
                    wallet_type_id: alloy::primitives::B256::repeat_byte(0x33),
                    index: alloy::primitives::U256::from(i),
                },
                digest: alloy::primitives::keccak256(i.to_be_bytes()),
            })
            .collect();
        let count = items.len().max(1) as f64;

        let mock =
            MockSigner::single(RootSecret::from_seed("mpc bench").map_err(|e| Failure::internal(e.to_string()))?);
        let started = Instant::now();
        let signed = mock.sign_batch(1, items.clone()).await;
        let mock_s = started.elapsed().as_secs_f64();
        if signed.iter().any(Result::is_err) {
            return Err(Failure::internal("the mock failed to sign"));
        }
        println!(
            "mock: {:.0} signatures/s, {:.3} ms per signature ({} signatures)",
            count / mock_s,
            1e3 * mock_s / count,
            items.len()
        );

        for (t, n) in sets {
            let started = Instant::now();
            let eid = format!("zrsign mpc bench {t}of{n} {}", std::process::id());
            let shares =
                threshold::local_keygen(eid.as_bytes(), n, t, primes.iter().take(usize::from(n)).cloned().collect())
                    .await
                    .map_err(internal)?;
            let keygen_s = started.elapsed().as_secs_f64();
            let root = threshold::root_public_key(&shares[0]).map_err(internal)?;
            let set: Vec<u16> = (0..t).collect();
            let signers: Vec<std::sync::Arc<threshold::KeyShare>> =
                shares.into_iter().take(usize::from(t)).map(std::sync::Arc::new).collect();

            // Presignatures: all of them generated concurrently (the pool refill), one session each.
            let started = Instant::now();
            let runs = (0..items.len()).map(|k| {
                let eid = format!("{eid} presign {k}");
                let (set, signers) = (set.clone(), signers.clone());
                async move { threshold::local_presign(eid.as_bytes(), &set, &signers).await }
            });
            let presignatures = futures::future::try_join_all(runs).await.map_err(internal)?;
            let presign_s = started.elapsed().as_secs_f64();

            // The online round: every signer's partial signature with the tweak applied, combined and checked.
            let started = Instant::now();
            let mut latencies = Vec::with_capacity(items.len());
            for (item, shares) in items.iter().zip(presignatures) {
                let one = Instant::now();
                let partials: Vec<_> =
                    shares.into_iter().map(|p| threshold::partial_sign(p, &item.path, item.digest)).collect();
                let child = root.derive(&item.path).map_err(|e| Failure::internal(e.to_string()))?;
                threshold::combine(&partials, item.digest, &child).map_err(internal)?;
                latencies.push(one.elapsed().as_secs_f64());
            }
            let sign_s = started.elapsed().as_secs_f64();
            latencies.sort_by(f64::total_cmp);
            let p50 = latencies.get(latencies.len() / 2).copied().unwrap_or(0.0);
            println!(
                "{t}-of-{n}: keygen {keygen_s:.2} s (with aux info, primes given); presignatures {:.2}/s \
                 ({} in {presign_s:.2} s); online signing {:.0} signatures/s, p50 {:.3} ms per signature \
                 (partials + combine + recovery check, no network)",
                count / presign_s,
                items.len(),
                count / sign_s,
                1e3 * p50
            );
        }
        Ok(())
    }
}
