//! The contracts embedded in the binary (`src/contracts/embedded.json`) are exactly a fresh compile of
//! `contracts/`: ABI, creation bytecode and link references of ZrSign, its linked libraries and the proxy.

mod common;

use zrsign::contracts::embedded::{EMBEDDED_PATH, EmbeddedContracts, REGENERATE};

#[test]
fn embedded_artifacts_match_a_fresh_compile() {
    common::toolchain();
    let fresh = zrsign::contracts::compiled().unwrap_or_else(|e| panic!("compile contracts/: {e}"));
    let committed = EmbeddedContracts::committed().unwrap_or_else(|e| panic!("{e}"));
    let names = |c: &EmbeddedContracts| c.contracts.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        names(committed),
        names(fresh),
        "{EMBEDDED_PATH} holds other contracts than a fresh compile: regenerate it with `{REGENERATE}` and commit it"
    );
    for (name, contract) in &fresh.contracts {
        let embedded = &committed.contracts[name];
        assert!(
            embedded == contract,
            "{EMBEDDED_PATH}: {name} differs from a fresh compile of contracts/ (ABI, bytecode or link references): \
             regenerate it with `{REGENERATE}` and commit it"
        );
    }
    // The embedded form is what the binary deploys: ZrSign links every library it names.
    let artifacts = zrsign::contracts::embedded().expect("embedded artifacts");
    assert_eq!(artifacts.libraries.len(), artifacts.zrsign.libraries().len());
    assert!(!artifacts.proxy.is_empty());
}
