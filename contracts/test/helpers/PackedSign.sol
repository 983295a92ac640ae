// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../../interfaces/IZrSign.sol";

/// @title PackedSign — builds {IZrSign.zrSignResPacked} items in tests
library PackedSign {
    /// @dev One 279-byte item: the record without `owner` (it is the requester) and without ABI padding.
    function item(uint256 requestId, IZrSign.Request memory r, bytes memory signature)
        internal
        pure
        returns (bytes memory)
    {
        return abi.encodePacked(
            // forge-lint: disable-next-line(unsafe-typecast) test ids are small
            uint64(requestId),
            uint8(r.kind),
            r.requester,
            r.deadline,
            r.keyVersion,
            r.serviceFee,
            r.gasFee,
            r.walletTypeId,
            r.walletIndex,
            r.dstChainId,
            r.digest,
            r.signer,
            r.broadcast,
            signature
        );
    }
}
