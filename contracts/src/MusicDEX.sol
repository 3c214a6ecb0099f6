// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {ICreatorCoinFactory} from "./interfaces/ICreatorCoinFactory.sol";

/// @title MusicDEX
/// @notice Buys and sells every factory coin against the native token on a bonding curve: a
/// constant product over virtual reserves (pump.fun style), x * y = k with
/// x = virtualNativeReserve + native held for the coin, y = virtualTokenReserve - coins sold.
/// Coins are minted on buys and burnt on sells, so the DEX never holds coins and the native it
/// holds for a coin always pays for selling every curve-sold coin back. 2.5% of the native side
/// of every trade is set aside for the treasury.
contract MusicDEX is ReentrancyGuard {
    /// @notice Platform fee in basis points.
    uint256 public constant FEE_BPS = 250;
    uint256 private constant BPS = 10_000;

    /// @notice The factory whose coins trade here.
    ICreatorCoinFactory public immutable factory;
    /// @notice Virtual native reserve of every curve (sets the starting price).
    uint256 public immutable virtualNativeReserve;
    /// @notice Virtual coin reserve of every curve.
    uint256 public immutable virtualTokenReserve;
    /// @notice Most coins a curve will ever sell.
    uint256 public immutable curveSupply;
    /// @notice The curve constant, virtualNativeReserve * virtualTokenReserve.
    uint256 public immutable k;

    /// @dev One slot per coin: one cold read and one write per trade.
    struct Pool {
        uint128 reserve;
        uint128 sold;
    }

    mapping(address coin => Pool) private _pools;
    /// @notice Fees collected and not yet sent to the treasury.
    uint256 public feesAccrued;

    event Bought(address indexed coin, address indexed buyer, uint256 nativeIn, uint256 fee, uint256 tokensOut);
    event Sold(address indexed coin, address indexed seller, uint256 tokensIn, uint256 nativeOut, uint256 fee);
    event FeesWithdrawn(address indexed treasury, uint256 amount);

    error UnknownCoin(address coin);
    error DeadlineExpired(uint256 deadline);
    error ZeroAmount();
    error InsufficientOutput(uint256 amountOut, uint256 minOut);
    error ExceedsCurveSupply(uint256 available);
    error InsufficientLiquidity(uint256 sold);
    error NativeTransferFailed();
    error InvalidCurve();

    /// @param factory_ The CreatorCoinFactory.
    /// @param virtualNativeReserve_ Virtual native reserve, in wei.
    /// @param virtualTokenReserve_ Virtual coin reserve, in coin units (18 decimals).
    /// @param curveSupply_ Coins the curve may sell, below virtualTokenReserve_.
    constructor(
        ICreatorCoinFactory factory_,
        uint256 virtualNativeReserve_,
        uint256 virtualTokenReserve_,
        uint256 curveSupply_
    ) {
        if (
            address(factory_) == address(0) || virtualNativeReserve_ == 0 || curveSupply_ == 0
                || curveSupply_ >= virtualTokenReserve_ || virtualTokenReserve_ > type(uint128).max
                || virtualNativeReserve_ > type(uint128).max
        ) revert InvalidCurve();
        factory = factory_;
        virtualNativeReserve = virtualNativeReserve_;
        virtualTokenReserve = virtualTokenReserve_;
        curveSupply = curveSupply_;
        k = virtualNativeReserve_ * virtualTokenReserve_;
    }

    /// @notice Buys `coin` with all the native sent.
    /// @param coin A coin created by the factory.
    /// @param minOut Fewest coins accepted.
    /// @param deadline Latest block timestamp accepted.
    /// @return tokensOut Coins minted to the caller.
    function buy(address coin, uint256 minOut, uint256 deadline)
        external
        payable
        nonReentrant
        returns (uint256 tokensOut)
    {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline);
        Pool memory pool = _loadPool(coin);
        uint256 fee;
        (tokensOut, fee) = _quoteBuy(pool, msg.value);
        if (tokensOut < minOut) revert InsufficientOutput(tokensOut, minOut);
        _pools[coin] = Pool({reserve: pool.reserve + uint128(msg.value - fee), sold: pool.sold + uint128(tokensOut)});
        feesAccrued += fee;
        emit Bought(coin, msg.sender, msg.value, fee, tokensOut);
        ICreatorCoin(coin).mint(msg.sender, tokensOut);
    }

    /// @notice Sells `amountIn` of `coin` back to the curve; the coins are burnt.
    /// @param coin A coin created by the factory.
    /// @param amountIn Coins to sell.
    /// @param minOut Least native accepted, after the fee.
    /// @param deadline Latest block timestamp accepted.
    /// @return nativeOut Native sent to the caller.
    function sell(address coin, uint256 amountIn, uint256 minOut, uint256 deadline)
        external
        nonReentrant
        returns (uint256 nativeOut)
    {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline);
        Pool memory pool = _loadPool(coin);
        (uint256 gross, uint256 fee) = _quoteSell(pool, amountIn);
        nativeOut = gross - fee;
        if (nativeOut < minOut) revert InsufficientOutput(nativeOut, minOut);
        _pools[coin] = Pool({reserve: pool.reserve - uint128(gross), sold: pool.sold - uint128(amountIn)});
        feesAccrued += fee;
        emit Sold(coin, msg.sender, amountIn, nativeOut, fee);
        ICreatorCoin(coin).burn(msg.sender, amountIn);
        _sendNative(msg.sender, nativeOut);
    }

    /// @notice Sends every accrued fee to the factory's treasury; anyone may trigger it.
    /// @return amount Native sent.
    function withdrawFees() external nonReentrant returns (uint256 amount) {
        amount = feesAccrued;
        if (amount == 0) revert ZeroAmount();
        feesAccrued = 0;
        address treasury = factory.treasury();
        emit FeesWithdrawn(treasury, amount);
        _sendNative(treasury, amount);
    }

    /// @notice What `buy` would return for `nativeIn` now.
    /// @param coin A coin created by the factory.
    /// @param nativeIn Native sent, fee included.
    /// @return tokensOut Coins the buyer would receive.
    /// @return fee Native set aside for the treasury.
    function quoteBuy(address coin, uint256 nativeIn) external view returns (uint256 tokensOut, uint256 fee) {
        return _quoteBuy(_loadPool(coin), nativeIn);
    }

    /// @notice What `sell` would pay for `amountIn` now.
    /// @param coin A coin created by the factory.
    /// @param amountIn Coins sold.
    /// @return nativeOut Native the seller would receive, fee deducted.
    /// @return fee Native set aside for the treasury.
    function quoteSell(address coin, uint256 amountIn) external view returns (uint256 nativeOut, uint256 fee) {
        (uint256 gross, uint256 fee_) = _quoteSell(_loadPool(coin), amountIn);
        return (gross - fee_, fee_);
    }

    /// @notice A coin's curve state.
    /// @param coin Any address (unknown coins read as empty).
    /// @return reserve Native held for the coin.
    /// @return sold Coins the curve has sold and not bought back.
    function poolOf(address coin) external view returns (uint256 reserve, uint256 sold) {
        Pool memory pool = _pools[coin];
        return (pool.reserve, pool.sold);
    }

    /// @notice Marginal price of `coin` in wei per whole coin (1e18 units), before fees.
    /// @param coin Any address (unknown coins read as empty).
    function spotPrice(address coin) external view returns (uint256) {
        Pool memory pool = _pools[coin];
        return Math.mulDiv(virtualNativeReserve + pool.reserve, 1e18, virtualTokenReserve - pool.sold);
    }

    /// @dev A pool with coins sold exists only because its coin passed this check before.
    function _loadPool(address coin) private view returns (Pool memory pool) {
        pool = _pools[coin];
        if (pool.sold == 0 && !factory.isCoin(coin)) revert UnknownCoin(coin);
    }

    /// @dev The fee rounds down, leaving the dust in the pool; the curve rounds the pool's
    /// remaining coin reserve up, so x * y never drops below k.
    function _quoteBuy(Pool memory pool, uint256 nativeIn) private view returns (uint256 tokensOut, uint256 fee) {
        if (nativeIn == 0) revert ZeroAmount();
        fee = nativeIn * FEE_BPS / BPS;
        uint256 x = virtualNativeReserve + pool.reserve + (nativeIn - fee);
        uint256 y = virtualTokenReserve - pool.sold;
        tokensOut = y - Math.ceilDiv(k, x);
        if (tokensOut == 0) revert ZeroAmount();
        uint256 available = curveSupply - pool.sold;
        if (tokensOut > available) revert ExceedsCurveSupply(available);
    }

    /// @dev The curve rounds the pool's remaining native up, so the seller never takes more
    /// than the reserve holds; the fee rounds up, so rounding never pays the seller more than 97.5%.
    function _quoteSell(Pool memory pool, uint256 amountIn) private view returns (uint256 gross, uint256 fee) {
        if (amountIn == 0) revert ZeroAmount();
        if (amountIn > pool.sold) revert InsufficientLiquidity(pool.sold);
        uint256 x = virtualNativeReserve + pool.reserve;
        uint256 y = virtualTokenReserve - pool.sold + amountIn;
        gross = x - Math.ceilDiv(k, y);
        if (gross == 0) revert ZeroAmount();
        fee = Math.ceilDiv(gross * FEE_BPS, BPS);
    }

    function _sendNative(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
    }
}
