//! The storage layout of ZrSign's ERC-7201 namespace is append-only: `forge inspect` (the resolved forge) prints the
//! layout of `ZrSignStorageLayout`, whose only state variable is the namespace struct, and every field of every
//! struct recorded in `snapshots/storage-layout.json` must still be there with the same name, slot, offset and type.
//! New fields may only follow the recorded ones. After appending, rewrite the snapshot with
//! `ZRSIGN_UPDATE_LAYOUT=1 cargo test --test storage_layout`.

mod common;

use serde_json::{Value, json};
use std::{collections::BTreeMap, path::Path};

const SNAPSHOT: &str = "snapshots/storage-layout.json";
const HELPER: &str = "ZrSignStorageLayout";

/// One field of a struct (or the helper's one state variable), its type with the compiler's AST ids removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Field {
    label: String,
    slot: String,
    offset: u64,
    #[serde(rename = "type")]
    ty: String,
}

/// The layout: the root variable, then every struct type reachable from it (through structs, mappings and
/// arrays), each with its fields in declaration order.
type Layout = BTreeMap<String, Vec<Field>>;

/// `t_struct(Config)1234_storage` → `t_struct(Config)_storage`: the digits are AST ids, which change with any edit.
fn normalise(ty: &str) -> String {
    let mut out = String::with_capacity(ty.len());
    let mut after_paren = false;
    for c in ty.chars() {
        if after_paren && c.is_ascii_digit() {
            continue;
        }
        after_paren = c == ')' || (after_paren && c.is_ascii_digit());
        out.push(c);
    }
    out
}

fn fields(members: &Value) -> Vec<Field> {
    members
        .as_array()
        .map(|m| {
            m.iter()
                .map(|f| Field {
                    label: f["label"].as_str().unwrap_or_default().to_owned(),
                    slot: f["slot"].as_str().unwrap_or_default().to_owned(),
                    offset: f["offset"].as_u64().unwrap_or_default(),
                    ty: normalise(f["type"].as_str().unwrap_or_default()),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The layout of the helper as `forge inspect <helper> storageLayout --json` prints it.
fn current_layout() -> Layout {
    let toolchain = common::toolchain();
    let work = toolchain.root.join("target/storage-layout");
    let out = toolchain
        .forge_command()
        .args(["inspect", HELPER, "storageLayout", "--json"])
        // Its own build directories: other tests run forge on the project's `out/` at the same time.
        .env("FOUNDRY_OUT", work.join("out"))
        .env("FOUNDRY_CACHE_PATH", work.join("cache"))
        .output()
        .expect("run forge inspect");
    assert!(
        out.status.success(),
        "forge inspect {HELPER} storageLayout failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let start = stdout.find('{').expect("forge inspect printed no JSON");
    let raw: Value = serde_json::from_str(&stdout[start..]).expect("forge inspect printed invalid JSON");
    let types = &raw["types"];
    let mut layout = Layout::new();
    layout.insert("<root>".to_owned(), fields(&raw["storage"]));
    if let Some(types) = types.as_object() {
        for (id, ty) in types {
            if ty.get("members").is_some() {
                layout.insert(normalise(id), fields(&ty["members"]));
            }
        }
    }
    layout
}

/// Every violation of "recorded fields unchanged, new ones only appended", one line each, naming the field.
fn violations(recorded: &Layout, current: &Layout) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, old) in recorded {
        let Some(new) = current.get(name) else {
            problems.push(format!("{name}: the struct is gone (renamed or removed); its fields were {old:?}"));
            continue;
        };
        for (i, was) in old.iter().enumerate() {
            match new.get(i) {
                None => problems.push(format!(
                    "{name}: field `{}` (slot {}, offset {}, {}) was removed",
                    was.label, was.slot, was.offset, was.ty
                )),
                Some(now) if now != was => problems.push(format!(
                    "{name}: field #{i} `{}` (slot {}, offset {}, {}) is now `{}` (slot {}, offset {}, {}): a field was \
                     reordered, retyped, renamed or inserted before it",
                    was.label, was.slot, was.offset, was.ty, now.label, now.slot, now.offset, now.ty
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

fn read_snapshot(root: &Path) -> Layout {
    let text = std::fs::read_to_string(root.join(SNAPSHOT)).expect("read snapshots/storage-layout.json");
    let value: Value = serde_json::from_str(&text).expect("parse snapshots/storage-layout.json");
    serde_json::from_value(value["layout"].clone()).expect("snapshots/storage-layout.json: layout")
}

fn write_snapshot(root: &Path, layout: &Layout) {
    let doc = json!({
        "about": "ZrSign's ERC-7201 namespace (zrsign.storage.ZrSign): slots are relative to its base slot. Append-only, \
                  checked by tests/storage_layout.rs; regenerate after appending with \
                  ZRSIGN_UPDATE_LAYOUT=1 cargo test --test storage_layout",
        "layout": layout,
    });
    let mut text = serde_json::to_string_pretty(&doc).expect("serialise the layout");
    text.push('\n');
    std::fs::write(root.join(SNAPSHOT), text).expect("write snapshots/storage-layout.json");
}

#[test]
fn namespace_layout_is_append_only() {
    let root = &common::toolchain().root;
    let current = current_layout();
    assert!(
        current.get("t_struct(ZrSignStorage)_storage").is_some_and(|f| f.len() >= 13),
        "the helper's layout does not hold the namespace struct: {current:?}"
    );
    if std::env::var_os("ZRSIGN_UPDATE_LAYOUT").is_some() {
        let recorded = if root.join(SNAPSHOT).exists() { read_snapshot(root) } else { Layout::new() };
        let problems = violations(&recorded, &current);
        assert!(problems.is_empty(), "refusing to record a breaking layout:\n{}", problems.join("\n"));
        write_snapshot(root, &current);
        return;
    }
    let recorded = read_snapshot(root);
    let problems = violations(&recorded, &current);
    assert!(
        problems.is_empty(),
        "the storage layout of ZrSign's namespace changed incompatibly (an upgrade would corrupt live state):\n{}",
        problems.join("\n")
    );
}

#[test]
fn violations_name_the_field() {
    let field = |label: &str, slot: &str, offset, ty: &str| Field {
        label: label.into(),
        slot: slot.into(),
        offset,
        ty: ty.into(),
    };
    let recorded: Layout = [(
        "t_struct(Totals)_storage".to_owned(),
        vec![field("totalEscrow", "0", 0, "t_uint96"), field("totalClaimable", "0", 12, "t_uint96")],
    )]
    .into();
    let appended: Layout = [(
        "t_struct(Totals)_storage".to_owned(),
        vec![
            field("totalEscrow", "0", 0, "t_uint96"),
            field("totalClaimable", "0", 12, "t_uint96"),
            field("extra", "1", 0, "t_uint256"),
        ],
    )]
    .into();
    assert!(violations(&recorded, &appended).is_empty(), "appending is allowed");
    let retyped: Layout = [(
        "t_struct(Totals)_storage".to_owned(),
        vec![field("totalEscrow", "0", 0, "t_uint128"), field("totalClaimable", "0", 16, "t_uint96")],
    )]
    .into();
    let problems = violations(&recorded, &retyped);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("`totalEscrow`") && problems[0].contains("t_uint128"), "{problems:?}");
    let removed: Layout =
        [("t_struct(Totals)_storage".to_owned(), vec![field("totalEscrow", "0", 0, "t_uint96")])].into();
    assert!(violations(&recorded, &removed)[0].contains("`totalClaimable` (slot 0, offset 12, t_uint96) was removed"));
    assert!(violations(&recorded, &Layout::new())[0].contains("the struct is gone"));
    assert_eq!(
        normalise("t_mapping(t_bytes32,t_struct(Chain)4521_storage)"),
        "t_mapping(t_bytes32,t_struct(Chain)_storage)"
    );
}
