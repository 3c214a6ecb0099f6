// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What the DEX and the distributor need from the factory.
interface ICreatorCoinFactory {
    /// @notice Whether `coin` is a creator coin this factory created.
    function isCoin(address coin) external view returns (bool);

    /// @notice Where platform fees are paid.
    function treasury() external view returns (address);
}
