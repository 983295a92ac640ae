// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IZrSign} from "../interfaces/IZrSign.sol";
import {ZrSignStorage, ZrSignStorageLib} from "./ZrSignStorage.sol";

/// @title ZrSignSettleLogic — the bodies of ZrSign's cold settlements: rejections and reclaims
/// @notice An external library reached by DELEGATECALL, like {ZrSignAdminLogic}: it runs in the proxy's context and
/// must be linked into ZrSign's bytecode. Each function has the selector and ABI of the {IZrSign} function it
/// implements; ZrSign checks the role and pause (for {zrReject}) and forwards its calldata unchanged. The request-state
/// checks are the ones ZrSign's responses use ({ZrSignStorageLib.openRequestError}). Events and errors are
/// {IZrSign}'s.
library ZrSignSettleLogic {
    using ZrSignStorageLib for ZrSignStorage;

    /// @notice Refuses an open request: the service fee is credited to the requester, the gas part to the caller (the
    /// responder: `msg.sender` is preserved by DELEGATECALL).
    function zrReject(uint256 requestId, IZrSign.Request calldata request, uint8 reasonCode) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _check($.openRequestError(requestId, ZrSignStorageLib.load(request), false));
        $.commitments[requestId] = ZrSignStorageLib.REJECTED;
        $.release(request.serviceFee + uint256(request.gasFee));
        $.credit(request.requester, request.serviceFee);
        $.credit(msg.sender, request.gasFee);
        emit IZrSign.ZrRequestRejected(requestId, reasonCode);
    }

    /// @notice Credits an unanswered request's full escrow back to its requester, after its deadline or at once if it
    /// was stopped by a registry change ({ZrSignStorageLib.isStopped}).
    function reclaim(uint256 requestId, IZrSign.Request calldata request) external {
        ZrSignStorage storage $ = ZrSignStorageLib.layout();
        _check($.openRequestError(requestId, ZrSignStorageLib.load(request), true));
        $.commitments[requestId] = ZrSignStorageLib.RECLAIMED;
        uint256 amount = request.serviceFee + uint256(request.gasFee);
        $.release(amount);
        $.credit(request.requester, amount);
        emit IZrSign.ZrRequestReclaimed(requestId, request.requester, amount);
    }

    /// @notice Moves the answers' released escrow ({Settled}) into the totals and the protocol fees (ZrSign's rare
    /// withdrawal path, kept out of its bytecode).
    function fold() external {
        ZrSignStorageLib.layout().fold();
    }

    /// @dev Reverts with `err` unless it is empty.
    function _check(bytes memory err) private pure {
        if (err.length == 0) return;
        assembly ("memory-safe") {
            revert(add(err, 0x20), mload(err))
        }
    }
}
