#![cfg(feature = "threshold")]
//! The threshold MPC network (2-of-3, in-process nodes, each checking requests on the chain itself): its
//! signatures and keys verify on the contract with the exact derivation tweak; one node down still signs; two
//! down answer nothing (the responder says why, requests stay open) until they are back; nodes refuse digests
//! no open request asked for; share files are encrypted, typed errors, never overwritten.

mod common;

use alloy::primitives::{Address, B256, U256, keccak256};
use std::{
    sync::{Arc, LazyLock},
    time::Duration,
};
use zrsign::{
    bindings::IZrSign::{self, RequestKind, RequestStatus},
    chain::{ChainRead, ChainSubmit, DevChain, RevmChain, retry::RetryPolicy},
    client::Client,
    deploy::{self, Roles, Setup},
    mpc::threshold::{self, KeyShare, Primes, check::RequestCheck, local, share},
    protocol::KeyPath,
    responder::{Responder, ResponderConfig},
    signer::{
        SignError, SignItem, Signer,
        threshold::{LocalNode, NodeError, NodeLink, PartialAsk, ThresholdSigner},
    },
    store::Store,
};

/// Safe primes for five parties, generated once with `zrsign mpc primes --count 5` (test fixture only).
fn primes(n: usize) -> Vec<Primes> {
    let text = include_str!("fixtures/mpc-primes.json");
    let all: Vec<Primes> = serde_json::from_str(text).expect("primes fixture");
    all.into_iter().take(n).collect()
}

/// One 2-of-3 key generation shared by the tests (on its own runtime: it outlives each test's).
static SHARES: LazyLock<Vec<KeyShare>> = LazyLock::new(|| {
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
        runtime.block_on(threshold::local_keygen(b"tests/threshold 2-of-3", 3, 2, primes(3))).expect("keygen")
    })
    .join()
    .expect("keygen thread")
});

struct Net {
    chain: Arc<RevmChain>,
    proxy: Address,
    wallet_type: B256,
    mpc: Address,
    user: Address,
    start: u64,
    signer: Arc<ThresholdSigner<LocalNode<RevmChain>>>,
}

async fn net() -> Net {
    let shares = SHARES.clone();
    let root = threshold::root_public_key(&shares[0]).expect("root");
    let chain = Arc::new(RevmChain::new(31_337, 4));
    let accounts = chain.accounts();
    let (admin, mpc, user) = (accounts[0], accounts[1], accounts[2]);
    let deployment =
        deploy::deploy(chain.as_ref(), common::artifacts(), Roles { admin, mpc, fee: admin, pauser: admin })
            .await
            .expect("deploy");
    let setup = Setup { root_public_key: root.xy(), mpc_fee: 1_000, evm_chains: vec![("eip155:31337".into(), 31_337)] };
    let wallet_type = deploy::configure(chain.as_ref(), deployment.proxy, admin, &setup).await.expect("configure");
    let start = chain.block_number().await.expect("block");
    let sessions = Arc::new(local::Hub::default());
    let nodes = shares
        .into_iter()
        .map(|share| {
            Arc::new(LocalNode::new(share, RequestCheck::new(chain.clone(), deployment.proxy, 1_000), sessions.clone()))
        })
        .collect();
    let signer = Arc::new(ThresholdSigner::new(1, root, 2, nodes));
    Net { chain, proxy: deployment.proxy, wallet_type, mpc, user, start, signer }
}

async fn responder(net: &Net) -> Responder<RevmChain, ThresholdSigner<LocalNode<RevmChain>>> {
    let retry = RetryPolicy { first_delay: Duration::from_millis(1), ..Default::default() };
    let mut config = ResponderConfig { retry, ..Default::default() };
    config.follower.retry = retry;
    let store = Store::in_memory().await.expect("store");
    Responder::new(net.chain.clone(), net.signer.clone(), store, net.proxy, net.mpc, net.start, config)
        .await
        .expect("responder")
}

async fn status(net: &Net, id: U256) -> RequestStatus {
    net.chain.view(net.proxy, IZrSign::requestStatusCall { requestId: id }).await.expect("status")
}

fn hash_params(net: &Net, index: u64, what: &str) -> IZrSign::ZrSignParams {
    IZrSign::ZrSignParams {
        walletTypeId: net.wallet_type,
        walletIndex: U256::from(index),
        dstChainId: zrsign::protocol::chain_key("eip155:31337"),
        payload: keccak256(what).to_vec().into(),
        broadcast: false,
    }
}

/// Requests key 0 of the user and has the threshold responder answer it (the contract checks R + tweak·G).
async fn with_key(net: &Net, mpc: &mut Responder<RevmChain, ThresholdSigner<LocalNode<RevmChain>>>) {
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let key = client.send_key_request(net.user, net.wallet_type, 1, None).await.expect("key request");
    net.chain.mine(1).await.expect("seal");
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.keys, vec![key.id]);
}

#[tokio::test]
async fn threshold_signatures_for_a_key_verify_on_chain_with_one_node_down() {
    let net = net().await;
    let mut mpc = responder(&net).await;
    with_key(&net, &mut mpc).await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);

    // Presignatures made ahead of time: the request then costs one round.
    assert_eq!(net.signer.fill_pool(2).await.expect("pool"), 2);
    let sign =
        client.send_sign_request(RequestKind::Hash, hash_params(&net, 0, "all three"), None).await.expect("sign");
    net.chain.mine(1).await.expect("seal");
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.signatures, vec![sign.id], "{report:?}");
    assert_eq!(status(&net, sign.id).await, RequestStatus::Answered);

    // The signature the contract accepted recovers to the derived address of (owner, wallet type, index).
    let derived = net
        .chain
        .view(
            net.proxy,
            IZrSign::derivedAddressCall { owner: net.user, walletTypeId: net.wallet_type, index: U256::ZERO },
        )
        .await
        .expect("derived address");
    assert_eq!(net.signer.root_public_key(1).expect("root").derive(&path(&net, 0)).expect("child").address(), derived);
    let signature = net
        .chain
        .logs(
            &zrsign::chain::LogFilter::new(net.proxy, 0, net.chain.block_number().await.expect("head"))
                .event::<IZrSign::ZrSignResponded>(),
        )
        .await
        .expect("logs");
    let answered = zrsign::protocol::events::find::<IZrSign::ZrSignResponded>(
        &signature.iter().map(|l| l.log.clone()).collect::<Vec<_>>(),
    )
    .expect("the answer event");
    assert_eq!(answered.signer, derived);
    let sig = alloy::primitives::Signature::from_raw(&answered.signature).expect("65 bytes");
    assert_eq!(sig.recover_address_from_prehash(&answered.digest).expect("recover"), derived);

    // One node down: the other two still sign (a batch of two).
    net.signer.nodes()[0].set_online(false);
    let a = client.send_sign_request(RequestKind::Hash, hash_params(&net, 0, "two left a"), None).await.expect("a");
    let b = client.send_sign_request(RequestKind::Hash, hash_params(&net, 0, "two left b"), None).await.expect("b");
    net.chain.mine(1).await.expect("seal");
    let report = mpc.poll_once().await.expect("poll with one node down");
    assert_eq!(report.signatures, vec![a.id, b.id], "{report:?}");
}

fn path(net: &Net, index: u64) -> KeyPath {
    KeyPath {
        evm_chain_id: 31_337,
        proxy: net.proxy,
        owner: net.user,
        wallet_type_id: net.wallet_type,
        index: U256::from(index),
    }
}

#[tokio::test]
async fn two_nodes_down_answer_nothing_and_the_requests_stay_open_until_they_are_back() {
    let net = net().await;
    let mut mpc = responder(&net).await;
    with_key(&net, &mut mpc).await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    net.signer.nodes()[1].set_online(false);
    net.signer.nodes()[2].set_online(false);
    let sign = client.send_sign_request(RequestKind::Hash, hash_params(&net, 0, "down"), None).await.expect("sign");
    net.chain.mine(1).await.expect("seal");
    let error = mpc.poll_once().await.expect_err("cannot sign with one node of three");
    let message = error.to_string();
    assert!(message.contains("only 1 of 3 MPC nodes reachable, 2 needed"), "{message}");
    assert_eq!(status(&net, sign.id).await, RequestStatus::Open, "not answered, not rejected: reclaimable later");

    net.signer.nodes()[1].set_online(true);
    net.signer.nodes()[2].set_online(true);
    let report = mpc.poll_once().await.expect("poll with the nodes back");
    assert_eq!(report.signatures, vec![sign.id], "{report:?}");
    assert_eq!(status(&net, sign.id).await, RequestStatus::Answered);
}

#[tokio::test]
async fn nodes_refuse_digests_no_open_request_asked_for() {
    let net = net().await;
    let mut mpc = responder(&net).await;
    with_key(&net, &mut mpc).await;
    let client = Client::new(net.chain.as_ref(), net.proxy, net.user);
    let genuine = client.send_sign_request(RequestKind::Hash, hash_params(&net, 0, "genuine"), None).await.expect("s");
    net.chain.mine(1).await.expect("seal");

    // A malicious coordinator asks the nodes directly for a digest nobody requested, by a real key.
    let forged = SignItem { path: path(&net, 0), digest: keccak256("drain the wallet") };
    let results = net.signer.sign_batch(1, vec![forged]).await;
    assert!(matches!(&results[0], Err(SignError::Transient(m)) if m.contains("no open sign request")), "{results:?}");
    assert!(net.signer.nodes().iter().take(2).all(|n| n.refusals() == 1), "each node of the set refused");

    // The genuine request's digest under another key, or another request's key with a changed digest: refused.
    let digest = genuine.request.digest;
    for item in [SignItem { path: path(&net, 1), digest }, SignItem { path: path(&net, 0), digest: keccak256(digest) }]
    {
        let ask = PartialAsk { key_version: 1, item, set: vec![0, 1], presignature: 0 };
        let refused = net.signer.nodes()[2].partial(ask).await;
        assert!(matches!(refused, Err(NodeError::Refused { node: 2, .. })), "{refused:?}");
    }
    // A forged batch beside the genuine item: only the genuine one is signed.
    let genuine_item = SignItem { path: path(&net, 0), digest: genuine.request.digest };
    let results = net.signer.sign_batch(1, vec![forged, genuine_item]).await;
    assert!(results[0].is_err());
    let signature = results[1].as_ref().expect("the genuine item is signed");
    let child = net.signer.root_public_key(1).expect("root").derive(&genuine_item.path).expect("child");
    assert_eq!(signature.recover_address_from_prehash(&genuine_item.digest).expect("recover"), child.address());
    // An answered request is no longer open: asking again is refused.
    let report = mpc.poll_once().await.expect("poll");
    assert_eq!(report.signatures, vec![genuine.id]);
    let again = net.signer.sign_batch(1, vec![genuine_item]).await;
    assert!(again[0].is_err(), "{again:?}");
}

#[test]
fn share_files_are_encrypted_and_never_overwritten() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("share-0.json");
    let header = share::write(&path, &SHARES[0], b"correct horse", 10).expect("write");
    assert_eq!((header.party, header.parties, header.threshold), (0, 3, 2));
    let text = std::fs::read_to_string(&path).expect("read");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o077, 0, "only the owner may read a share file: {mode:o}");
    }
    let secret = serde_json::to_string(&SHARES[0]).expect("json");
    assert!(!text.contains(&secret[..40]), "the share is not in the clear");
    let (_, back) = share::read(&path, b"correct horse").expect("read back");
    assert_eq!(back.shared_public_key, SHARES[0].shared_public_key);

    let wrong = share::read(&path, b"battery staple").err().expect("wrong password");
    assert!(matches!(wrong, share::ShareFileError::WrongPassword(_)), "{wrong}");
    let again = share::write(&path, &SHARES[1], b"other", 10).expect_err("exists");
    assert!(matches!(again, share::ShareFileError::Exists(_)), "{again}");
    assert_eq!(std::fs::read_to_string(&path).expect("read"), text, "nothing overwritten");

    // One ciphertext byte flipped: the password is right, the file is not.
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
    let ciphertext = file["ciphertext"].as_str().expect("hex").to_owned();
    let flipped = format!("{}{}", if ciphertext.starts_with('0') { "1" } else { "0" }, &ciphertext[1..]);
    file["ciphertext"] = flipped.into();
    let damaged = dir.path().join("damaged.json");
    std::fs::write(&damaged, file.to_string()).expect("write");
    let corrupted = share::read(&damaged, b"correct horse").err().expect("corrupted");
    assert!(matches!(corrupted, share::ShareFileError::Corrupted { .. }), "{corrupted}");
    // The header altered (another party claimed): authentication fails too.
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
    file["header"]["party"] = 1.into();
    let relabelled = dir.path().join("relabelled.json");
    std::fs::write(&relabelled, file.to_string()).expect("write");
    assert!(matches!(share::read(&relabelled, b"correct horse"), Err(share::ShareFileError::Corrupted { .. })));
    std::fs::write(&damaged, "not json").expect("write");
    assert!(matches!(share::read(&damaged, b"correct horse"), Err(share::ShareFileError::Corrupted { .. })));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_devnet_demo_runs_on_a_two_of_three_network_of_node_processes_over_mutual_tls() {
    use zrsign::{
        devnet::{Devnet, DevnetOptions, demo, threshold::ThresholdOptions},
        mpc::network::{NetError, https::Tls, layout, pki, pki::Identity, remote::RemoteNode},
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let record = layout::write(dir.path(), &SHARES, b"devnet test password", 8).expect("network directory");
    let network = ThresholdOptions {
        exe: env!("CARGO_BIN_EXE_zrsign").into(),
        dir: dir.path().into(),
        password: "devnet test password".into(),
    };
    let options = DevnetOptions { threshold: Some(network), ..Default::default() };
    let net = Devnet::start(common::toolchain(), common::artifacts(), &options, &|_| {}).await.expect("devnet");
    assert_eq!(net.info().root_key_address, record.address, "the deployment's root is the threshold key");
    assert_eq!(net.mpc_nodes.len(), 3, "one process per node");
    let user = net.info().accounts[2].address;
    let report = demo::run(&net, user).await;

    // Over the wire, a node still refuses a digest no open request asked for, whoever coordinates.
    let tls = Tls::load(dir.path(), Identity::Coordinator, 3).expect("coordinator TLS");
    let links = RemoteNode::network(&tls, net.mpc_nodes.iter().map(|n| (n.index, n.addr.clone())).collect());
    let path = KeyPath {
        evm_chain_id: 31_337,
        proxy: net.deployment.proxy,
        owner: user,
        wallet_type_id: net.wallet_type,
        index: U256::ZERO,
    };
    let forged = PartialAsk {
        key_version: 1,
        item: SignItem { path, digest: keccak256("never requested") },
        set: vec![0, 1],
        presignature: 1,
    };
    let refused = links[0].partial(forged).await;
    assert!(matches!(refused, Err(NodeError::Refused { node: 0, .. })), "{refused:?}");
    let status = links[0].status().await.expect("status");
    assert_eq!((status.index, status.threshold, status.root), (0, 2, record.address));
    assert!(status.refusals >= 1, "the refusal is counted");

    // A client whose certificate is not the network's is turned away at the TLS handshake.
    let stranger = tempfile::tempdir().expect("tempdir");
    pki::issue(stranger.path(), 3).expect("another network's certificates");
    let outsider = Tls::load(stranger.path(), Identity::Coordinator, 3).expect("outsider TLS");
    let turned_away = RemoteNode::network(&outsider, vec![(0, net.mpc_nodes[0].addr.clone())])[0].status().await;
    assert!(matches!(turned_away, Err(NetError::Unreachable { .. })), "{turned_away:?}");

    net.stop().await;
    // Every step's answer was verified on-chain by the contract and off-chain by the demo.
    let report = report.expect("the demo story on the threshold network");
    assert!(report.steps.len() >= 5, "{} steps", report.steps.len());
    assert_eq!(report.steps.iter().filter(|s| s.relayed.is_some()).count(), 2, "both transfers mined");
}

/// The operator's path: `deploy --root-public-key` with the network's root, three `zrsign mpc-node run`
/// processes, `zrsign responder run --mpc threshold` coordinating them; a key and a signature requested with
/// the CLI are answered and verify; with node 0 killed, the next signature is still answered by nodes 1 and 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responder_run_mpc_threshold_answers_through_node_processes_with_one_killed() {
    use common::cli::{Zrsign, dev_key, wait_for, write_file};
    use zrsign::{
        chain::AnvilChain,
        mpc::network::{layout, process::NodeCommand},
        output::{DeployOutput, KeyOutput, ServiceOutput, SignOutput},
    };
    let source = AnvilChain::spawn(common::toolchain(), 31_337).await.expect("anvil");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path();
    let network = path.join("network");
    let record = layout::write(&network, &SHARES, b"operator password", 8).expect("network directory");
    let deployer = write_file(path, "deployer.key", &dev_key(&source, 0));
    let mpc = write_file(path, "mpc.key", &dev_key(&source, 1));
    let user = write_file(path, "user.key", &dev_key(&source, 2));
    let (mpc_account, user_account) = (source.rpc.accounts()[1], source.rpc.accounts()[2]);
    let zrsign = Zrsign::new(path);
    let url = source.endpoint();
    let deployed: DeployOutput = zrsign
        .run(&[
            "deploy",
            "--rpc-url",
            &url,
            "--private-key-file",
            &deployer,
            "--mpc",
            &mpc_account.to_string(),
            "--root-public-key",
            &record.root_public_key,
            "--chain",
            "eip155:31337",
            "--json",
        ])
        .json();
    let proxy = deployed.deployed.proxy;
    let nodes = NodeCommand {
        exe: env!("CARGO_BIN_EXE_zrsign").into(),
        dir: network.clone(),
        password: "operator password".into(),
        rpc_url: url.clone(),
        proxy,
    };
    let mut running = nodes.spawn_all(3).await.expect("node processes");
    let node_args: Vec<String> = running.iter().map(|n| format!("{}={}", n.index, n.addr)).collect();
    let store = path.join("zrsign.db").display().to_string();
    let network_arg = network.display().to_string();
    let mut args = vec!["responder", "run", "--mpc", "threshold", "--mpc-network", &network_arg];
    for node in &node_args {
        args.extend(["--mpc-node", node.as_str()]);
    }
    args.extend(["--private-key-file", &mpc, "--store", &store, "--poll-ms", "100", "--json"]);
    let mut responder = zrsign.spawn("responder", &args);
    let up: ServiceOutput = wait_for("the responder to start", Duration::from_secs(30), || {
        responder.assert_running();
        std::fs::read_to_string(&responder.stdout).ok().and_then(|s| serde_json::from_str(&s).ok())
    });
    assert_eq!(up.proxy, proxy);

    let key: KeyOutput =
        zrsign.run(&["key", "request", "--wait", "--timeout", "90", "--private-key-file", &user, "--json"]).json();
    assert_eq!((key.status.as_str(), key.owner), ("answered", user_account));
    let child = record
        .public_key()
        .expect("root")
        .derive(&KeyPath {
            evm_chain_id: 31_337,
            proxy,
            owner: user_account,
            wallet_type_id: zrsign::protocol::WalletType::EVM.id(),
            index: U256::ZERO,
        })
        .expect("child")
        .address();
    assert_eq!(key.address, Some(child), "the contract's child of the threshold root");

    let sign = |what: &str| -> SignOutput {
        let hash = keccak256(what).to_string();
        zrsign.run(&["sign", "hash", &hash, "--wait", "--timeout", "90", "--private-key-file", &user, "--json"]).json()
    };
    let signed = sign("all three nodes up");
    assert_eq!((signed.status.as_str(), signed.signer), ("answered", child));
    // The contract verified it; check it off-chain too.
    let signature =
        alloy::primitives::Signature::try_from(signed.signature.expect("signature").as_ref()).expect("65 bytes");
    assert_eq!(signature.recover_address_from_prehash(&signed.digest).expect("recover"), signed.signer);

    // Node 0 killed: the signing set becomes nodes 1 and 2, which make presignatures of their own and sign.
    running.remove(0).kill().await;
    let signed = sign("node 0 is down");
    assert_eq!((signed.status.as_str(), signed.signer), ("answered", child));
    responder.assert_running();
    assert_eq!(responder.terminate(Duration::from_secs(20)), 0, "responder exit:\n{}", responder.output());
}
