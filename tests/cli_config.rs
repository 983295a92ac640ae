//! `zrsign config init|show`: the file is written without secrets, and each setting resolves as
//! file < environment < flag.

mod common;

use common::cli::{Zrsign, write_file};
use zrsign::output::ConfigOutput;

#[test]
fn settings_resolve_file_then_environment_then_flag() {
    let dir = tempfile::tempdir().expect("tempdir");
    let key = write_file(dir.path(), "user.key", &format!("0x{}", "07".repeat(32)));
    let zrsign = Zrsign::new(dir.path()).with_env("ZRSIGN_PRIVATE_KEY", format!("0x{}", "08".repeat(32)));
    let init: ConfigOutput = zrsign
        .run(&[
            "config",
            "init",
            "--rpc-url",
            "http://file:8545",
            "--proxy",
            "0x00000000000000000000000000000000000000f1",
            "--destination",
            "eip155:10=http://optimism:8545",
            "--json",
        ])
        .json();
    assert!(init.exists);
    let text = std::fs::read_to_string(dir.path().join("zrsign.toml")).expect("written");
    assert!(!text.contains("0808"), "no secret in the file:\n{text}");
    assert!(text.contains("http://optimism:8545"), "{text}");

    let show = |z: &Zrsign, args: &[&str]| -> ConfigOutput {
        let mut all = vec!["config", "show", "--json"];
        all.extend_from_slice(args);
        z.run(&all).json()
    };
    let from_file = show(&zrsign, &[]);
    assert_eq!(from_file.config.chain.rpc_url.as_deref(), Some("http://file:8545"));
    assert_eq!(from_file.wallet.as_deref(), Some("environment ZRSIGN_PRIVATE_KEY"), "named, never shown");
    let env = zrsign
        .clone()
        .with_env("ZRSIGN_RPC_URL", "http://env:8545")
        .with_env("ZRSIGN_PROXY", "0x00000000000000000000000000000000000000e2");
    let from_env = show(&env, &[]);
    assert_eq!(from_env.config.chain.rpc_url.as_deref(), Some("http://env:8545"));
    assert_eq!(
        from_env.config.deployment.proxy.map(|p| p.to_string().to_lowercase()),
        Some("0x00000000000000000000000000000000000000e2".into())
    );
    let from_flag = show(&env, &["--rpc-url", "http://flag:8545", "--private-key-file", &key]);
    assert_eq!(from_flag.config.chain.rpc_url.as_deref(), Some("http://flag:8545"));
    assert!(from_flag.wallet.as_deref().is_some_and(|w| w.starts_with("key file")), "{:?}", from_flag.wallet);
    let json = serde_json::to_string(&from_flag).expect("json");
    assert!(!json.contains("0707") && !json.contains("0808"), "no secret in the output: {json}");
}
