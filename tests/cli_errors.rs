//! Bad input gets one line on stderr — what failed and what to do — and the exit code of its class: 2 usage,
//! 3 chain, 4 protocol. One test per class, each across the commands it applies to.

mod common;

use common::cli::{Run, Zrsign, dev_key, write_file};
use zrsign::{chain::AnvilChain, output::DeployOutput};

const USAGE: i32 = 2;
const CHAIN: i32 = 3;
const PROTOCOL: i32 = 4;

/// A deployment on a fresh anvil, recorded in `dir/zrsign.toml`, with the user's key file.
struct Deployed {
    _chain: AnvilChain,
    dir: tempfile::TempDir,
    zrsign: Zrsign,
    user_key: String,
    url: String,
}

async fn deployed() -> Deployed {
    let chain = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("anvil");
    let dir = tempfile::tempdir().expect("tempdir");
    let key = write_file(dir.path(), "deployer.key", &dev_key(&chain, 0));
    let user_key = write_file(dir.path(), "user.key", &dev_key(&chain, 2));
    let root = write_file(dir.path(), "root.key", &format!("0x{}", "0c".repeat(32)));
    let zrsign = Zrsign::new(dir.path());
    let url = chain.endpoint();
    let _: DeployOutput = zrsign
        .run(&[
            "deploy",
            "--rpc-url",
            &url,
            "--private-key-file",
            &key,
            "--root-key-file",
            &root,
            "--mpc-fee",
            "1000",
            "--json",
        ])
        .json();
    Deployed { _chain: chain, dir, zrsign, user_key, url }
}

fn fails(run: Run, code: i32, needles: &[&str]) {
    run.fails(code, needles);
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zrsign = Zrsign::new(dir.path());
    // Nothing configured: each command names what is missing and how to give it.
    fails(zrsign.run(&["fees"]), USAGE, &["no RPC endpoint", "--rpc-url"]);
    fails(zrsign.run(&["key", "list", "0x0000000000000000000000000000000000000001"]), USAGE, &["no RPC endpoint"]);
    fails(zrsign.run(&["request", "show", "1"]), USAGE, &["no RPC endpoint"]);
    fails(zrsign.run(&["withdraw", "--rpc-url", "http://127.0.0.1:1"]), USAGE, &["no wallet", "--private-key-file"]);
    fails(zrsign.run(&["deploy", "--rpc-url", "http://127.0.0.1:1"]), USAGE, &["no wallet"]);
    fails(
        zrsign.run(&["responder", "run", "--rpc-url", "http://127.0.0.1:1"]),
        USAGE,
        &["no root key", "--root-key-file"],
    );
    fails(zrsign.run(&["relayer", "run", "--rpc-url", "http://127.0.0.1:1"]), CHAIN, &["cannot reach the RPC"]);
    // A malformed private key is named, never shown.
    let secret = "0xnot-a-key-but-secret-looking-123456";
    let bad = zrsign.clone().with_env("ZRSIGN_PRIVATE_KEY", secret);
    let line = bad
        .run(&["withdraw", "--rpc-url", "http://127.0.0.1:1"])
        .fails(USAGE, &["ZRSIGN_PRIVATE_KEY is not a private key"])
        .to_owned();
    assert!(!line.contains("secret-looking"), "the value is never echoed: {line}");
    let short = write_file(dir.path(), "short.key", "0x1234");
    fails(
        zrsign.run(&["key", "request", "--rpc-url", "http://127.0.0.1:1", "--private-key-file", &short]),
        USAGE,
        &["short.key is not a private key", "64 hex digits"],
    );
    // An encrypted keystore: a wrong password is named; the right one (from the environment, no prompt without a
    // terminal) unlocks it and the command gets as far as the RPC.
    alloy::signers::local::PrivateKeySigner::encrypt_keystore(
        dir.path(),
        &mut rand::thread_rng(),
        [7u8; 32],
        "right horse",
        Some("wallet.json"),
    )
    .expect("keystore");
    let keystore = dir.path().join("wallet.json").display().to_string();
    let missing = ["withdraw", "--rpc-url", "http://127.0.0.1:1", "--keystore", "nowhere.json"];
    fails(zrsign.run(&missing), USAGE, &["no keystore file at nowhere.json"]);
    let withdraw = ["withdraw", "--rpc-url", "http://127.0.0.1:1", "--keystore", keystore.as_str()];
    fails(zrsign.run(&withdraw), USAGE, &["needs a password", "ZRSIGN_KEYSTORE_PASSWORD"]);
    let wrong = zrsign.clone().with_env("ZRSIGN_KEYSTORE_PASSWORD", "wrong horse");
    fails(wrong.run(&withdraw), USAGE, &["cannot decrypt keystore", "wrong password"]);
    let right = zrsign.clone().with_env("ZRSIGN_KEYSTORE_PASSWORD", "right horse");
    fails(right.run(&withdraw), CHAIN, &["cannot reach the RPC"]);
    // Flags clap refuses, on one line.
    fails(zrsign.run(&["key", "show", "not-an-address", "0"]), USAGE, &["not-an-address", "--help"]);
    fails(zrsign.run(&["sign", "hash", "0x12"]), USAGE, &["--help"]);
    fails(zrsign.run(&["sign", "hash", &format!("0x{}", "11".repeat(32)), "--chain", "nochain"]), USAGE, &["CAIP-2"]);
    fails(zrsign.run(&["deploy", "--wallet-type", "60"]), USAGE, &["PURPOSE:COIN_TYPE"]);
    fails(zrsign.run(&["relayer", "run", "--destination", "eip155:1"]), USAGE, &["CAIP2=URL"]);
    fails(zrsign.run(&["responder", "run", "--http", "nowhere"]), USAGE, &["PORT or HOST:PORT"]);
    fails(zrsign.run(&["reclaim", "minus-one"]), USAGE, &["--help"]);
    fails(zrsign.run(&["nonsense"]), USAGE, &["nonsense"]);
    // A bad config file is named with the field.
    write_file(dir.path(), "zrsign.toml", "[chain]\nrpc = \"http://x\"\n");
    fails(zrsign.run(&["fees"]), USAGE, &["zrsign.toml", "rpc"]);
    fails(zrsign.run(&["config", "show"]), USAGE, &["zrsign.toml"]);
    fails(zrsign.run(&["config", "init"]), USAGE, &["already exists", "--force"]);
    fails(zrsign.run(&["fees", "--rpc-url", "not a url", "--config", "other.toml"]), USAGE, &["not a URL"]);
}

#[tokio::test]
async fn chain_errors_exit_3() {
    let d = deployed().await;
    let zrsign = &d.zrsign;
    // An RPC nobody listens on.
    for args in [
        vec!["fees", "--rpc-url", "http://127.0.0.1:1"],
        vec!["request", "show", "1", "--rpc-url", "http://127.0.0.1:1"],
        vec!["key", "request", "--rpc-url", "http://127.0.0.1:1", "--private-key-file", &d.user_key],
        vec!["deploy", "--rpc-url", "http://127.0.0.1:1", "--private-key-file", &d.user_key],
    ] {
        fails(zrsign.run(&args), CHAIN, &["cannot reach the RPC at http://127.0.0.1:1", "--rpc-url"]);
    }
    // No contract at the proxy address.
    let nowhere = "0x00000000000000000000000000000000000000aa";
    for args in [
        vec!["fees", "--proxy", nowhere],
        vec!["key", "list", nowhere, "--proxy", nowhere],
        vec!["sign", "data", "--text", "hi", "--proxy", nowhere, "--private-key-file", &d.user_key],
        vec!["relayer", "run", "--proxy", nowhere],
    ] {
        fails(zrsign.run(&args), CHAIN, &["no contract at the proxy address", "--proxy"]);
    }
    // A wallet with no ether.
    let poor = write_file(d.dir.path(), "poor.key", &format!("0x{}", "42".repeat(32)));
    fails(
        zrsign.run(&["key", "request", "--private-key-file", &poor]),
        CHAIN,
        &["insufficient funds", "fund the wallet"],
    );
    let _ = &d.url;
}

#[tokio::test]
async fn protocol_errors_exit_4() {
    let d = deployed().await;
    let zrsign = &d.zrsign;
    let user = &d.user_key;
    // The fee below the quote, decoded from the revert.
    fails(
        zrsign.run(&["key", "request", "--fee", "1", "--private-key-file", user]),
        PROTOCOL,
        &["fee below the quote", "paid", "zrsign fees"],
    );
    // Requests that do not exist.
    fails(zrsign.run(&["request", "show", "99"]), PROTOCOL, &["request 99 not found"]);
    fails(zrsign.run(&["request", "watch", "99"]), PROTOCOL, &["request 99 not found"]);
    fails(zrsign.run(&["reclaim", "99", "--private-key-file", user]), PROTOCOL, &["request 99 not found"]);
    // A chain the deployment never registered.
    let hash = format!("0x{}", "11".repeat(32));
    fails(
        zrsign.run(&["sign", "hash", &hash, "--chain", "eip155:999", "--private-key-file", user]),
        PROTOCOL,
        &["unknown chain eip155:999", "--chain"],
    );
    // No key yet.
    fails(
        zrsign.run(&["sign", "hash", &hash, "--private-key-file", user]),
        PROTOCOL,
        &["no answered key", "key request"],
    );
    fails(
        zrsign.run(&["sign", "tx", "--to", "0x00000000000000000000000000000000000000bb", "--private-key-file", user]),
        PROTOCOL,
        &["no answered key"],
    );
    fails(zrsign.run(&["key", "show", "0x00000000000000000000000000000000000000bb", "0"]), PROTOCOL, &["has no key 0"]);
    // An unregistered wallet type, nothing to withdraw, a request not yet reclaimable, a responder without the role.
    fails(zrsign.run(&["fees", "--wallet-type", "84:0"]), PROTOCOL, &["wallet type 84:0 is not registered"]);
    fails(zrsign.run(&["withdraw", "--private-key-file", user]), PROTOCOL, &["nothing to withdraw"]);
    let open = zrsign.run(&["key", "request", "--private-key-file", user, "--json"]);
    assert_eq!(open.code, 0, "{open:?}");
    fails(
        zrsign.run(&["reclaim", "1", "--private-key-file", user]),
        PROTOCOL,
        &["can still be answered until block", "reclaim it after"],
    );
    let root = write_file(d.dir.path(), "other-root.key", &format!("0x{}", "0d".repeat(32)));
    fails(
        zrsign.run(&["responder", "run", "--private-key-file", user, "--root-key-file", &root]),
        PROTOCOL,
        &["does not hold MPC_ROLE"],
    );
    let deployer = d.dir.path().join("deployer.key").display().to_string();
    fails(
        zrsign.run(&["responder", "run", "--private-key-file", &deployer, "--root-key-file", &root]),
        PROTOCOL,
        &["is not the deployment's root key"],
    );
}
