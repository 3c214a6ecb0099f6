// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Told by a creator coin about every balance change, before it happens.
interface IBalanceObserver {
    /// @notice `value` tokens of the calling coin move from `from` to `to` (zero address: mint or burn).
    function onTransfer(address from, address to, uint256 value) external;
}
