// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @notice A creator coin as the factory, the DEX and the distributor use it.
interface ICreatorCoin is IERC20 {
    /// @notice The platform creator id this coin belongs to.
    function creatorId() external view returns (uint256);

    /// @notice Mints `amount` to `to` (DEX for the curve, factory for milestone rewards).
    function mint(address to, uint256 amount) external;

    /// @notice Burns `amount` from `from` (DEX only, when `from` sells into the curve).
    function burn(address from, uint256 amount) external;
}
