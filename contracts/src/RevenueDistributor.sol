// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {ICreatorCoinFactory} from "./interfaces/ICreatorCoinFactory.sol";
import {IBalanceObserver} from "./interfaces/IBalanceObserver.sol";

/// @title RevenueDistributor
/// @notice Shares native revenue deposited for a creator coin among its holders, pro rata to
/// what they held at each deposit. A deposit only raises a per-coin "revenue per coin"
/// accumulator, so it costs the same whatever the number of holders; coins report every
/// transfer, and each side's correction term keeps what it earned before the move.
/// The DEX's own holdings are excluded: they earn nothing and do not dilute holders.
contract RevenueDistributor is IBalanceObserver, ReentrancyGuard {
    using SafeCast for uint256;

    /// @dev Scales the accumulator so that per-coin rounding stays far below one wei per holder.
    uint256 private constant MAGNITUDE = 2 ** 128;
    /// @notice Least eligible supply (one whole coin) a deposit needs; this bounds the
    /// accumulator so that corrections can never overflow.
    uint256 public constant MIN_ELIGIBLE_SUPPLY = 1e18;

    /// @notice The factory whose coins may receive revenue.
    ICreatorCoinFactory public immutable factory;
    /// @notice The DEX, whose holdings are excluded.
    address public immutable dex;

    struct Ledger {
        uint256 magnifiedRevenuePerCoin;
        uint256 totalDeposited;
    }

    mapping(address coin => Ledger) private _ledgers;
    /// @dev Keyed by the reporting coin (msg.sender), so a contract that is not a factory coin
    /// can only ever write corrections for itself, which no deposit can fund.
    mapping(address coin => mapping(address holder => int256)) private _corrections;

    event RevenueDistributed(address indexed coin, address indexed from, uint256 amount, uint256 eligibleSupply);
    event RevenueClaimed(address indexed coin, address indexed holder, uint256 amount);

    error UnknownCoin(address coin);
    error ZeroAmount();
    error LengthMismatch();
    error ValueMismatch(uint256 expected, uint256 sent);
    error NotEnoughHolders(uint256 eligibleSupply);
    error NothingToClaim();
    error NativeTransferFailed();

    /// @param factory_ The CreatorCoinFactory.
    /// @param dex_ The MusicDEX, excluded from revenue.
    constructor(ICreatorCoinFactory factory_, address dex_) {
        factory = factory_;
        dex = dex_;
    }

    /// @notice Deposits the native sent as revenue for the holders of `coin`.
    /// @param coin A coin created by the factory.
    function distribute(address coin) external payable nonReentrant {
        _deposit(coin, msg.value);
    }

    /// @notice Deposits revenue for several coins at once; the amounts must add up to the value sent.
    /// @param coins Coins created by the factory.
    /// @param amounts Native per coin, in wei.
    function distributeBatch(address[] calldata coins, uint256[] calldata amounts) external payable nonReentrant {
        if (coins.length != amounts.length) revert LengthMismatch();
        uint256 total;
        for (uint256 i; i < coins.length; ++i) {
            _deposit(coins[i], amounts[i]);
            total += amounts[i];
        }
        if (total != msg.value) revert ValueMismatch(total, msg.value);
    }

    /// @notice Sends the caller everything they can claim for `coin`.
    /// @param coin A coin created by the factory.
    /// @return amount Native sent.
    function claim(address coin) external nonReentrant returns (uint256 amount) {
        amount = claimable(coin, msg.sender);
        if (amount == 0) revert NothingToClaim();
        // Lowering the correction by exactly what is paid brings claimable back to zero.
        _corrections[coin][msg.sender] -= (amount * MAGNITUDE).toInt256();
        emit RevenueClaimed(coin, msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
    }

    /// @inheritdoc IBalanceObserver
    /// @dev A holder who receives coins must not earn past revenue on them, and one who sends
    /// them keeps what they earned: corrections move by the accumulator times the amount.
    function onTransfer(address from, address to, uint256 value) external {
        uint256 perCoin = _ledgers[msg.sender].magnifiedRevenuePerCoin;
        if (perCoin == 0) return;
        int256 delta = (perCoin * value).toInt256();
        if (from != address(0) && from != dex) _corrections[msg.sender][from] += delta;
        if (to != address(0) && to != dex) _corrections[msg.sender][to] -= delta;
    }

    /// @notice Native `holder` can claim for `coin` now.
    /// @param coin Any address (unknown coins have nothing to claim).
    /// @param holder Any account.
    function claimable(address coin, address holder) public view returns (uint256) {
        uint256 perCoin = _ledgers[coin].magnifiedRevenuePerCoin;
        if (perCoin == 0 || holder == dex) return 0;
        int256 accrued = (perCoin * ICreatorCoin(coin).balanceOf(holder)).toInt256() + _corrections[coin][holder];
        return accrued > 0 ? uint256(accrued) / MAGNITUDE : 0;
    }

    /// @notice Revenue deposited so far for `coin`.
    /// @dev Claims are not totalled on-chain: that would cost every claim a storage write.
    /// @param coin Any address.
    function totalDeposited(address coin) external view returns (uint256) {
        return _ledgers[coin].totalDeposited;
    }

    /// @notice Coins of `coin` that currently earn revenue (supply outside the DEX).
    /// @param coin A coin created by the factory.
    function eligibleSupply(address coin) public view returns (uint256) {
        return ICreatorCoin(coin).totalSupply() - ICreatorCoin(coin).balanceOf(dex);
    }

    function _deposit(address coin, uint256 amount) private {
        if (amount == 0) revert ZeroAmount();
        if (!factory.isCoin(coin)) revert UnknownCoin(coin);
        uint256 eligible = eligibleSupply(coin);
        if (eligible < MIN_ELIGIBLE_SUPPLY) revert NotEnoughHolders(eligible);
        Ledger storage ledger = _ledgers[coin];
        ledger.magnifiedRevenuePerCoin += amount * MAGNITUDE / eligible;
        ledger.totalDeposited += amount;
        emit RevenueDistributed(coin, msg.sender, amount, eligible);
    }
}
