//! The parts of `foundry.toml` the Rust build shares with forge, so both compile alike.

use super::BuildError;
use foundry_compilers::artifacts::remappings::Remapping;
use std::path::Path;

/// Settings read from `[profile.default]` of `foundry.toml`.
pub(super) struct FoundryConfig {
    pub remappings: Vec<Remapping>,
    pub optimizer_runs: usize,
}

#[derive(serde::Deserialize)]
struct File {
    profile: Profiles,
}

#[derive(serde::Deserialize)]
struct Profiles {
    default: Profile,
}

#[derive(serde::Deserialize)]
struct Profile {
    remappings: Vec<String>,
    optimizer_runs: usize,
}

impl FoundryConfig {
    pub(super) fn read(root: &Path) -> Result<Self, BuildError> {
        let path = root.join("foundry.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|e| BuildError::project(format!("read {}", path.display()), e))?;
        let file: File =
            toml::from_str(&text).map_err(|e| BuildError::project(format!("parse {}", path.display()), e))?;
        let profile = file.profile.default;
        let remappings = profile
            .remappings
            .iter()
            .map(|r| {
                let mut remapping: Remapping =
                    r.parse().map_err(|e| BuildError::project(format!("remapping {r:?} in foundry.toml"), e))?;
                remapping.path = root.join(&remapping.path).to_string_lossy().into_owned();
                if !remapping.path.ends_with('/') {
                    remapping.path.push('/');
                }
                Ok(remapping)
            })
            .collect::<Result<_, BuildError>>()?;
        Ok(Self { remappings, optimizer_runs: profile.optimizer_runs })
    }
}
