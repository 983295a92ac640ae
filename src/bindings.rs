//! `sol!` bindings for the contracts, and decoding of revert data into them.
//!
//! [`IZrSign`] is generated from `contracts/interfaces/IZrSign.sol` itself, so the Rust side cannot
//! drift from the Solidity API. [`ZrSignAdmin`] declares what the implementation adds on top of the
//! interface (initializer, roles, upgrades), and [`OzErrors`] the OpenZeppelin errors it can revert with.

use alloy::{primitives::Bytes, sol, sol_types::SolInterface};
use std::fmt;

sol!(
    #[sol(all_derives)]
    "contracts/interfaces/IZrSign.sol"
);

sol! {
    /// The implementation's surface beyond `IZrSign`.
    #[sol(all_derives)]
    interface ZrSignAdmin {
        function initialize(address admin, uint48 adminDelay) external;
        function MPC_ROLE() external view returns (bytes32);
        function FEE_ROLE() external view returns (bytes32);
        function PAUSER_ROLE() external view returns (bytes32);
        function DEFAULT_ADMIN_ROLE() external view returns (bytes32);
        function hasRole(bytes32 role, address account) external view returns (bool);
        function grantRole(bytes32 role, address account) external;
        function defaultAdmin() external view returns (address);
        function defaultAdminDelay() external view returns (uint48);
        function pendingDefaultAdmin() external view returns (address newAdmin, uint48 schedule);
        function beginDefaultAdminTransfer(address newAdmin) external;
        function upgradeToAndCall(address newImplementation, bytes data) external payable;
        function version() external view returns (uint256);
    }

    /// Errors of OpenZeppelin's contracts and Solidity's built-ins that ZrSign can revert with.
    #[sol(all_derives)]
    interface OzErrors {
        error AccessControlUnauthorizedAccount(address account, bytes32 neededRole);
        error AccessControlBadConfirmation();
        error EnforcedPause();
        error ExpectedPause();
        error ReentrancyGuardReentrantCall();
        error InvalidInitialization();
        error NotInitializing();
        error UUPSUnauthorizedCallContext();
        error ERC1967InvalidImplementation(address implementation);
        error Error(string message);
        error Panic(uint256 code);
    }
}

/// Revert data, decoded where the error is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// An `IZrSign` error.
    ZrSign(IZrSign::IZrSignErrors),
    /// An OpenZeppelin or built-in error.
    Oz(OzErrors::OzErrorsErrors),
    /// Anything else (raw bytes, possibly empty).
    Unknown(Bytes),
}

impl Revert {
    /// Decodes revert data.
    pub fn decode(data: &[u8]) -> Self {
        if let Ok(e) = IZrSign::IZrSignErrors::abi_decode(data) {
            return Self::ZrSign(e);
        }
        if let Ok(e) = OzErrors::OzErrorsErrors::abi_decode(data) {
            return Self::Oz(e);
        }
        Self::Unknown(Bytes::copy_from_slice(data))
    }

    /// The `IZrSign` error, if it is one.
    pub fn zrsign(&self) -> Option<&IZrSign::IZrSignErrors> {
        match self {
            Self::ZrSign(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZrSign(e) => write!(f, "{e:?}"),
            Self::Oz(e) => write!(f, "{e:?}"),
            Self::Unknown(b) if b.is_empty() => f.write_str("revert without data"),
            Self::Unknown(b) => write!(f, "unknown revert data {b}"),
        }
    }
}
