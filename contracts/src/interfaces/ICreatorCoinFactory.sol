// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What the DEX, the distributor and the drops need from the factory.
interface ICreatorCoinFactory {
    /// @notice Whether `coin` is a creator coin this factory created.
    function isCoin(address coin) external view returns (bool);

    /// @notice Where platform fees are paid.
    function treasury() external view returns (address);

    /// @notice The creator's coin, or the zero address before it exists.
    function coinOf(uint256 creatorId) external view returns (address);

    /// @notice Where the creator's coin lives or will live.
    function predictCoinAddress(uint256 creatorId) external view returns (address);

    /// @notice A creator's bound wallet, badge and reward tranches whose vesting has started.
    function creatorOf(uint256 creatorId)
        external
        view
        returns (address wallet, bool verified, uint256 rewardTranchesVesting);
}
