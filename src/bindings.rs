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

/// Size of one `zrSignResPacked` item (see `IZrSign.zrSignResPacked`).
pub const PACKED_SIGN_ITEM: usize = 279;

/// Appends one `zrSignResPacked` item to `out`: the request id (uint64), the record without ABI padding and
/// without `owner` (a sign request's owner is its requester; the contract rebuilds it and checks the record
/// against the stored commitment), then the 65-byte signature r ‖ s ‖ v.
pub fn pack_sign_response(out: &mut Vec<u8>, request_id: u64, request: &IZrSign::Request, signature: &[u8; 65]) {
    out.reserve(PACKED_SIGN_ITEM);
    out.extend_from_slice(&request_id.to_be_bytes());
    out.push(request.kind as u8);
    out.extend_from_slice(request.requester.as_slice());
    out.extend_from_slice(&request.deadline.to_be_bytes());
    out.extend_from_slice(&request.keyVersion.to_be_bytes());
    out.extend_from_slice(&request.serviceFee.to_be_bytes::<12>());
    out.extend_from_slice(&request.gasFee.to_be_bytes::<12>());
    out.extend_from_slice(request.walletTypeId.as_slice());
    out.extend_from_slice(&request.walletIndex.to_be_bytes::<32>());
    out.extend_from_slice(request.dstChainId.as_slice());
    out.extend_from_slice(request.digest.as_slice());
    out.extend_from_slice(request.signer.as_slice());
    out.push(u8::from(request.broadcast));
    out.extend_from_slice(signature);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::{Address, B256, U256, aliases::U96};

    #[test]
    fn pack_sign_response_lays_out_the_documented_offsets() {
        let request = IZrSign::Request {
            kind: IZrSign::RequestKind::Tx,
            requester: Address::repeat_byte(0x11),
            deadline: 0x0102,
            keyVersion: 3,
            serviceFee: U96::from(0x0405u64),
            gasFee: U96::from(0x0607u64),
            owner: Address::repeat_byte(0x11),
            walletTypeId: B256::repeat_byte(0x22),
            walletIndex: U256::from(9u64),
            dstChainId: B256::repeat_byte(0x33),
            digest: B256::repeat_byte(0x44),
            signer: Address::repeat_byte(0x55),
            broadcast: true,
        };
        let mut out = Vec::new();
        pack_sign_response(&mut out, 7, &request, &[0x66; 65]);
        assert_eq!(out.len(), PACKED_SIGN_ITEM);
        assert_eq!(&out[0..8], &7u64.to_be_bytes());
        assert_eq!(out[8], 3, "kind Tx");
        assert_eq!(&out[9..29], request.requester.as_slice());
        assert_eq!(&out[29..37], &0x0102u64.to_be_bytes());
        assert_eq!(&out[37..41], &3u32.to_be_bytes());
        assert_eq!(&out[51..53], &[0x04, 0x05], "serviceFee ends at 53");
        assert_eq!(&out[63..65], &[0x06, 0x07], "gasFee ends at 65");
        assert_eq!(&out[65..97], request.walletTypeId.as_slice());
        assert_eq!(out[128], 9, "walletIndex ends at 129");
        assert_eq!(&out[129..161], request.dstChainId.as_slice());
        assert_eq!(&out[161..193], request.digest.as_slice());
        assert_eq!(&out[193..213], request.signer.as_slice());
        assert_eq!(out[213], 1, "broadcast");
        assert_eq!(&out[214..], &[0x66; 65]);
    }
}
