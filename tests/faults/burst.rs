//! A burst of requests from many users, every kind mixed, some underpaid (reverted at request time), some with
//! payloads the contract refuses (reverted), some the network refuses by policy (rejected on-chain, fee
//! refunded): every valid one answered, every refused one rejected and refunded, none left open, ether
//! conserved. The default run is short; the long one (5,000 from 50 users) is `#[ignore]`d.

use crate::{Audit, all_settled, common, connect, fresh_store, spawn_responder};
use alloy::{
    consensus::SignableTransaction,
    primitives::{Address, B256, U256, eip191_hash_message},
    signers::local::PrivateKeySigner,
};
use common::net::{DESTINATION, Net, transfer};
use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use zrsign::{
    bindings::IZrSign::{self, RequestKind, ZrSignParams},
    chain::{Call, ChainRead, ChainSubmit, RpcChain},
    client::Client,
    protocol::{Caip2, PublicKey},
    signer::{MockSigner, SignError, SignItem, SignResult, Signer},
};

/// The mock signer, refusing the digests the test marks (a policy refusal: the request is rejected on-chain).
struct Refusing {
    inner: MockSigner,
    refused: Mutex<HashSet<B256>>,
}

impl Signer for Refusing {
    fn root_public_key(&self, key_version: u32) -> Option<PublicKey> {
        self.inner.root_public_key(key_version)
    }

    async fn sign_batch(&self, key_version: u32, items: Vec<SignItem>) -> Vec<SignResult> {
        let refused: Vec<bool> = {
            let set = self.refused.lock().expect("lock");
            items.iter().map(|i| set.contains(&i.digest)).collect()
        };
        let results = self.inner.sign_batch(key_version, items).await;
        results
            .into_iter()
            .zip(refused)
            .map(|(r, no)| if no { Err(SignError::Refused("test policy".into())) } else { r })
            .collect()
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Sent {
    valid: usize,
    refused: usize,
    reverted: usize,
    refunds_due: u128,
}

/// The i-th request of a user: a mix of every kind and of bad ones.
async fn one(client: &Client<&RpcChain>, net: &Net, signer: &Refusing, user: Address, i: usize) -> Sent {
    let wallet_type = net.wallet_type;
    let params = |payload: Vec<u8>| ZrSignParams {
        walletTypeId: wallet_type,
        walletIndex: U256::ZERO,
        dstChainId: Caip2::eip155(DESTINATION).key(),
        payload: payload.into(),
        broadcast: false,
    };
    let tag = format!("{user} {i}");
    let result = match i % 8 {
        0 => client.send_key_request(user, wallet_type, 1, None).await,
        1 | 7 => {
            client.send_sign_request(RequestKind::Hash, params(alloy::primitives::keccak256(&tag).to_vec()), None).await
        }
        2 => client.send_sign_request(RequestKind::Data, params(tag.into_bytes()), None).await,
        3 => {
            let tx = transfer(i as u64, Address::repeat_byte(0xb0), U256::from(i), 2_000_000_000);
            client.send_sign_request(RequestKind::Tx, params(tx.encoded_for_signing()), None).await
        }
        4 => {
            let payload = format!("refuse {tag}").into_bytes();
            signer.refused.lock().expect("lock").insert(eip191_hash_message(&payload));
            let requested = client.send_sign_request(RequestKind::Data, params(payload), None).await;
            return match requested {
                Ok(r) => Sent { refused: 1, refunds_due: r.request.serviceFee.to(), ..Default::default() },
                Err(e) => panic!("refused request not accepted: {e}"),
            };
        }
        5 => {
            let quote = client.quote_sign(wallet_type, RequestKind::Hash).await.expect("quote");
            let payload = alloy::primitives::keccak256(&tag).to_vec();
            client.send_sign_request(RequestKind::Hash, params(payload), Some(quote.exact - U256::from(1))).await
        }
        _ => client.send_sign_request(RequestKind::Tx, params(b"\x02not rlp at all".to_vec()), None).await,
    };
    match result {
        Ok(_) => Sent { valid: 1, ..Default::default() },
        Err(e) if e.revert().is_some() => Sent { reverted: 1, ..Default::default() },
        Err(e) => panic!("request {i} of {user}: {e}"),
    }
}

async fn burst(users: usize, requests: usize) {
    let started = Instant::now();
    let net = Net::new().await;
    let admin = net.admin;
    let ttl = IZrSign::setRequestTtlCall { blocks: 1_000_000 };
    net.source.transact(admin, net.proxy, ttl, U256::ZERO).await.expect("long TTL: no request expires by itself");
    let signer = Arc::new(Refusing { inner: MockSigner::single(net.root.clone()), refused: Mutex::default() });
    let responder_chain = connect(&net, &net.source_node.endpoint()).await;
    let responder = spawn_responder(&net, responder_chain, signer.clone(), fresh_store(&net, "burst.db").await).await;
    let from = net.source.block_number().await.expect("head");

    // Users with their own chain handle (their own send lock), funded, each with key 0.
    let keys: Vec<PrivateKeySigner> = (0..users).map(|_| PrivateKeySigner::random()).collect();
    for k in &keys {
        net.source.send(Call::transfer(admin, k.address(), U256::from(10u64).pow(U256::from(19)))).await.expect("fund");
    }
    let mut chains = Vec::new();
    for k in &keys {
        chains.push(RpcChain::connect(&net.source_node.endpoint(), vec![k.clone()]).await.expect("connect"));
    }
    for (k, chain) in keys.iter().zip(&chains) {
        Client::new(chain, net.proxy, k.address())
            .send_key_request(k.address(), net.wallet_type, 1, None)
            .await
            .expect("first key");
    }
    all_settled(&net.source, net.proxy, from, users, Duration::from_secs(60)).await;
    let burst_from = net.source.block_number().await.expect("head") + 1;

    let burst_started = Instant::now();
    let per_user = requests.div_ceil(users);
    let sends = keys.iter().zip(&chains).enumerate().map(|(u, (k, chain))| {
        let (net, signer) = (&net, &signer);
        async move {
            let client = Client::new(chain, net.proxy, k.address());
            let mut sent = Sent::default();
            for i in 0..per_user {
                if u * per_user + i >= requests {
                    break;
                }
                let s = one(&client, net, signer, k.address(), i + u).await;
                sent.valid += s.valid;
                sent.refused += s.refused;
                sent.reverted += s.reverted;
                sent.refunds_due += s.refunds_due;
            }
            sent
        }
    });
    let totals = futures::future::join_all(sends).await.into_iter().fold(Sent::default(), |a, s| Sent {
        valid: a.valid + s.valid,
        refused: a.refused + s.refused,
        reverted: a.reverted + s.reverted,
        refunds_due: a.refunds_due + s.refunds_due,
    });
    let sent_in = burst_started.elapsed();
    let deadline = Duration::from_secs(60) + Duration::from_millis(40 * requests as u64);
    let audit: Audit = all_settled(&net.source, net.proxy, burst_from, totals.valid + totals.refused, deadline).await;
    let settled_in = burst_started.elapsed();
    responder.stop().await;

    let (answered, rejected, reclaimed, duplicates, open) = audit.counts();
    let mut refunded = U256::ZERO;
    for k in &keys {
        refunded += net.source.view(net.proxy, IZrSign::claimableCall { account: k.address() }).await.expect("view");
    }
    println!(
        "fault burst: {requests} requests from {users} users: accepted {} (valid {} refused-by-policy {}) reverted {} \
         (underpaid or undecodable); answered {answered} rejected {rejected} reclaimed {reclaimed} duplicates \
         {duplicates} open {open}; refunded {refunded} wei; sent in {sent_in:.1?}, all settled {settled_in:.1?} \
         ({:.0} req/s); test {:.1?}",
        totals.valid + totals.refused,
        totals.valid,
        totals.refused,
        totals.reverted,
        requests as f64 / settled_in.as_secs_f64(),
        started.elapsed()
    );
    assert_eq!(totals.valid + totals.refused + totals.reverted, requests);
    assert!(totals.reverted > 0 && totals.refused > 0, "the mix has bad requests: {totals:?}");
    assert_eq!(audit.requested.len(), totals.valid + totals.refused, "only accepted requests are on-chain");
    assert_eq!((answered, rejected, reclaimed), (totals.valid, totals.refused, 0));
    // Claimable holds the refunds (service fee and unused gas fee of each rejection) and every request's
    // overpayment; with escrow zero and conservation (below), nothing is stranded.
    assert!(refunded >= U256::from(totals.refunds_due), "refused requests' service fees refunded: {refunded}");
    audit.assert_exactly_once();
}

#[tokio::test(flavor = "multi_thread")]
async fn burst_of_mixed_requests_is_answered_once_and_refunds_the_refused() {
    burst(12, 240).await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "long: 5,000 requests from 50 users (cargo test --release --test faults -- --ignored)"]
async fn long_burst_of_5000_requests_from_50_users() {
    burst(50, 5_000).await;
}
