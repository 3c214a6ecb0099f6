// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {IBalanceObserver} from "./interfaces/IBalanceObserver.sol";
import {Text} from "./libraries/Text.sol";

/// @title CreatorCoin
/// @notice The ERC-20 of one creator. Deployed once as an implementation; every creator gets a
/// minimal-proxy clone whose creator id is carried in the clone's code (immutable args), so a
/// new coin writes no storage at all. Supply only exists through the DEX's bonding curve and the
/// factory's milestone rewards; every balance change is reported to the revenue distributor.
contract CreatorCoin is ERC20, ICreatorCoin {
    /// @notice The factory that clones this implementation and mints milestone rewards.
    address public immutable factory;
    /// @notice The DEX that mints on buys and burns on sells.
    address public immutable dex;
    /// @notice The revenue distributor that checkpoints holders on every transfer.
    IBalanceObserver public immutable distributor;

    /// @notice The caller may not mint or burn this coin.
    error UnauthorizedMinter(address caller);

    /// @param factory_ The CreatorCoinFactory.
    /// @param dex_ The MusicDEX.
    /// @param distributor_ The RevenueDistributor.
    constructor(address factory_, address dex_, IBalanceObserver distributor_) ERC20("", "") {
        factory = factory_;
        dex = dex_;
        distributor = distributor_;
    }

    /// @notice The platform creator id, read from the clone's immutable args.
    function creatorId() public view returns (uint256) {
        return abi.decode(Clones.fetchCloneArgs(address(this)), (uint256));
    }

    /// @notice Token name, derived from the creator id so that clones need no storage for it.
    function name() public view override returns (string memory) {
        return string.concat("hybridmusic creator ", Text.decimal(creatorId()));
    }

    /// @notice Token symbol, derived from the creator id.
    function symbol() public view override returns (string memory) {
        return string.concat("HMC", Text.decimal(creatorId()));
    }

    /// @notice Mints `amount` to `to`.
    /// @param to Receiver.
    /// @param amount Token amount (18 decimals).
    function mint(address to, uint256 amount) external {
        if (msg.sender != dex && msg.sender != factory) revert UnauthorizedMinter(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns `amount` from `from`; only the DEX, inside a sell that `from` itself called.
    /// @param from Seller.
    /// @param amount Token amount (18 decimals).
    function burn(address from, uint256 amount) external {
        if (msg.sender != dex) revert UnauthorizedMinter(msg.sender);
        _burn(from, amount);
    }

    /// @dev The distributor only needs the movement, not the balances, so it is told first.
    function _update(address from, address to, uint256 value) internal override {
        distributor.onTransfer(from, to, value);
        super._update(from, to, value);
    }
}
