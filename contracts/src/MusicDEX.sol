// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {ICreatorCoinFactory} from "./interfaces/ICreatorCoinFactory.sol";

/// @title MusicDEX
/// @notice Buys and sells every factory coin against the native token on a bonding curve: a
/// constant product over virtual reserves (pump.fun style), x * y = k with
/// x = virtualNativeReserve + native held for the coin, y = virtualTokenReserve - coins sold.
/// Coins are minted on buys and burnt on sells, so the DEX never holds coins and the native it
/// holds for a coin always pays for selling every coin in existence back. 2.5% of the native side
/// of every trade is set aside for the treasury.
/// @dev Fair launch: for LAUNCH_WINDOW after a coin's creation, buys are commitments that all get
/// the same price, the curve's average price for everything committed; nobody, not even a buyer in
/// the creation block, buys below the fans who come minutes later. Creator rewards: while a
/// creator's milestone reward vests, the fee on that coin's trades goes to the coin's reward fund
/// instead of the treasury, and the factory buys the vested reward coins on the curve with that
/// fund, so reward coins have native in the reserve behind them like every other coin.
contract MusicDEX is ReentrancyGuard {
    using SafeCast for uint256;

    /// @notice Platform fee in basis points.
    uint256 public constant FEE_BPS = 250;
    uint256 private constant BPS = 10_000;
    /// @notice How long after a coin's creation buys are pooled into one launch at one price.
    uint256 public constant LAUNCH_WINDOW = 1 hours;

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

    /// @dev One slot per coin: one cold read and one write per trade. `launchEnd` is set when the
    /// factory creates the coin (so a pool with launchEnd zero is no coin); `launching` until the
    /// launch's commitments are settled into the curve; `rewardFunding` while the creator's
    /// milestone reward vests (the coin's trading fees then go to its reward fund).
    struct Pool {
        uint96 reserve;
        uint96 sold;
        uint40 launchEnd;
        bool launching;
        bool rewardFunding;
    }

    /// @dev Native committed during the launch window (fee included) and, once settled, the
    /// coins the whole launch bought; each committer gets tokens * commitment / committed.
    struct Launch {
        uint128 committed;
        uint128 tokens;
    }

    mapping(address coin => Pool) private _pools;
    mapping(address coin => Launch) private _launches;
    mapping(address coin => mapping(address buyer => uint256)) private _commitments;
    mapping(address coin => uint256) private _rewardFunds;
    /// @notice Fees collected and not yet sent to the treasury.
    uint256 public feesAccrued;

    event Bought(address indexed coin, address indexed buyer, uint256 nativeIn, uint256 fee, uint256 tokensOut);
    event Sold(address indexed coin, address indexed seller, uint256 tokensIn, uint256 nativeOut, uint256 fee);
    event FeesWithdrawn(address indexed treasury, uint256 amount);
    /// @notice The factory created `coin`; buys until `launchEnd` are pooled at one price.
    event LaunchOpened(address indexed coin, uint256 launchEnd);
    /// @notice `buyer` committed `value` to the launch of `coin` (fee included).
    event LaunchCommitted(address indexed coin, address indexed buyer, uint256 value, uint256 commitment, uint256 committed);
    /// @notice `buyer` took `value` back out of the launch before it closed.
    event CommitmentWithdrawn(address indexed coin, address indexed buyer, uint256 value);
    /// @notice The launch closed: `committed` native (of which `fee` to the fee) bought `tokens` coins.
    event LaunchSettled(address indexed coin, uint256 committed, uint256 fee, uint256 tokens);
    /// @notice `buyer`'s share of the launch, `tokens` coins for `commitment` native, was minted.
    event LaunchClaimed(address indexed coin, address indexed buyer, uint256 commitment, uint256 tokens);
    /// @notice Fees of `coin` now go to its reward fund (`funding`) or back to the treasury;
    /// `leftover` is what the fund held when funding stopped, moved to the treasury's fees.
    event RewardFundingSet(address indexed coin, bool funding, uint256 leftover);
    /// @notice The factory bought `tokens` reward coins for `to` with `cost` native of the reward fund.
    event RewardBought(address indexed coin, address indexed to, uint256 cost, uint256 tokens);

    error UnknownCoin(address coin);
    error DeadlineExpired(uint256 deadline);
    error ZeroAmount();
    error InsufficientOutput(uint256 amountOut, uint256 minOut);
    error ExceedsCurveSupply(uint256 available);
    error InsufficientLiquidity(uint256 sold);
    error NativeTransferFailed();
    error InvalidCurve();
    error OnlyFactory(address caller);
    error LaunchWindowOpen(uint256 launchEnd);
    error LaunchClosed(address coin);
    error LaunchAlreadyOpen(address coin);
    error NothingCommitted(address coin, address buyer);
    error NotCreatorWallet(uint256 creatorId, address caller);

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
                || curveSupply_ >= virtualTokenReserve_ || virtualTokenReserve_ > type(uint96).max
                || virtualNativeReserve_ > type(uint96).max
        ) revert InvalidCurve();
        // The reserve when the whole curve is sold must fit the pool's 96 bits with room to spare.
        uint256 fullReserve = Math.ceilDiv(virtualNativeReserve_ * virtualTokenReserve_, virtualTokenReserve_ - curveSupply_);
        if (fullReserve > type(uint96).max / 2) revert InvalidCurve();
        factory = factory_;
        virtualNativeReserve = virtualNativeReserve_;
        virtualTokenReserve = virtualTokenReserve_;
        curveSupply = curveSupply_;
        k = virtualNativeReserve_ * virtualTokenReserve_;
    }

    // ---------------------------------------------------------------- trading

    /// @notice Buys `coin` with all the native sent. During the launch window the native is
    /// committed to the launch instead (see claimLaunch) and the return value is what the
    /// commitment would buy if the launch closed now; later commitments can only lower it.
    /// @param coin A coin created by the factory.
    /// @param minOut Fewest coins accepted (in the launch window: for the launch as it stands).
    /// @param deadline Latest block timestamp accepted.
    /// @return tokensOut Coins minted to the caller (in the launch window: the indication).
    /// @dev No reentrancy guard: the only calls out are to the coin, which only the factory deploys,
    /// and through it to the distributor; neither calls back into untrusted code.
    function buy(address coin, uint256 minOut, uint256 deadline) external payable returns (uint256 tokensOut) {
        if (block.timestamp > deadline) revert DeadlineExpired(deadline);
        Pool memory pool = _loadPool(coin);
        if (pool.launching) {
            if (block.timestamp <= pool.launchEnd) return _commit(coin, minOut);
            pool = _settleLaunch(coin, pool);
        }
        uint256 fee;
        (tokensOut, fee) = _quoteBuy(pool, msg.value);
        if (tokensOut < minOut) revert InsufficientOutput(tokensOut, minOut);
        pool.reserve = (pool.reserve + msg.value - fee).toUint96();
        pool.sold += uint96(tokensOut); // at most curveSupply, checked by _quoteBuy
        _pools[coin] = pool;
        _takeFee(coin, pool, fee);
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
        if (pool.launching) {
            if (block.timestamp <= pool.launchEnd) revert LaunchWindowOpen(pool.launchEnd);
            pool = _settleLaunch(coin, pool);
        }
        (uint256 gross, uint256 fee) = _quoteSell(pool, amountIn);
        nativeOut = gross - fee;
        if (nativeOut < minOut) revert InsufficientOutput(nativeOut, minOut);
        pool.reserve -= uint96(gross); // gross <= reserve, see _quoteSell
        pool.sold -= uint96(amountIn);
        _pools[coin] = pool;
        _takeFee(coin, pool, fee);
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

    // ---------------------------------------------------------------- fair launch

    /// @notice Called by the factory when it creates `coin`: opens the launch window.
    /// @param coin The new coin.
    function openLaunch(address coin) external {
        if (msg.sender != address(factory)) revert OnlyFactory(msg.sender);
        uint256 launchEnd = block.timestamp + LAUNCH_WINDOW;
        _pools[coin] = Pool({reserve: 0, sold: 0, launchEnd: uint40(launchEnd), launching: true, rewardFunding: false});
        emit LaunchOpened(coin, launchEnd);
    }

    /// @notice The creator's own initial allocation, committed before the coin exists so that it is
    /// part of the launch from the block that creates the coin, at the launch's one price like every
    /// other commitment. Only the creator's bound wallet may call it; it can be withdrawn until the
    /// launch closes.
    /// @param creatorId Platform creator id whose coin does not exist yet.
    /// @return indication Coins the allocation would buy if the launch closed now.
    function commitCreatorAllocation(uint256 creatorId) external payable returns (uint256 indication) {
        (address wallet,,) = factory.creatorOf(creatorId);
        if (msg.sender != wallet || wallet == address(0)) revert NotCreatorWallet(creatorId, msg.sender);
        address coin = factory.predictCoinAddress(creatorId);
        if (coin == address(0)) revert UnknownCoin(coin);
        if (_pools[coin].launchEnd != 0) revert LaunchAlreadyOpen(coin);
        return _commit(coin, 0);
    }

    /// @notice Takes the caller's whole commitment back while the launch window is open (or, for a
    /// creator's allocation, while the coin does not exist yet).
    /// @param coin The coin (or predicted coin) committed to.
    /// @return amount Native sent back, fee included (the fee is only taken when the launch closes).
    function withdrawCommitment(address coin) external nonReentrant returns (uint256 amount) {
        Pool memory pool = _pools[coin];
        if (pool.launchEnd != 0 && !(pool.launching && block.timestamp <= pool.launchEnd)) revert LaunchClosed(coin);
        amount = _commitments[coin][msg.sender];
        if (amount == 0) revert NothingCommitted(coin, msg.sender);
        delete _commitments[coin][msg.sender];
        _launches[coin].committed -= uint128(amount);
        emit CommitmentWithdrawn(coin, msg.sender, amount);
        _sendNative(msg.sender, amount);
    }

    /// @notice Closes a launch whose window has passed; every trade does this too. Anyone may call it.
    /// @param coin A coin created by the factory.
    function settleLaunch(address coin) external {
        Pool memory pool = _loadPool(coin);
        if (!pool.launching) revert LaunchClosed(coin);
        if (block.timestamp <= pool.launchEnd) revert LaunchWindowOpen(pool.launchEnd);
        _pools[coin] = _settleLaunch(coin, pool);
    }

    /// @notice Mints `buyer`'s share of a closed launch to `buyer`; anyone may call it for anyone.
    /// @param coin A coin created by the factory.
    /// @param buyer Who committed.
    /// @return tokens Coins minted: the launch's coins times the buyer's share of what was committed.
    function claimLaunch(address coin, address buyer) external returns (uint256 tokens) {
        Pool memory pool = _loadPool(coin);
        if (pool.launching) {
            if (block.timestamp <= pool.launchEnd) revert LaunchWindowOpen(pool.launchEnd);
            _pools[coin] = _settleLaunch(coin, pool);
        }
        uint256 commitment = _commitments[coin][buyer];
        if (commitment == 0) revert NothingCommitted(coin, buyer);
        Launch memory launch = _launches[coin];
        tokens = uint256(launch.tokens) * commitment / launch.committed;
        delete _commitments[coin][buyer];
        emit LaunchClaimed(coin, buyer, commitment, tokens);
        if (tokens != 0) ICreatorCoin(coin).mint(buyer, tokens);
    }

    // ---------------------------------------------------------------- creator rewards

    /// @notice Factory only: while `funding`, the fee on `coin`'s trades goes to its reward fund;
    /// when funding stops, what is left in the fund goes to the treasury's fees.
    /// @param coin A coin created by the factory.
    /// @param funding Whether the creator's milestone reward is vesting.
    function setRewardFunding(address coin, bool funding) external {
        if (msg.sender != address(factory)) revert OnlyFactory(msg.sender);
        Pool memory pool = _loadPool(coin);
        if (pool.rewardFunding == funding) return;
        pool.rewardFunding = funding;
        _pools[coin] = pool;
        uint256 leftover;
        if (!funding) {
            leftover = _rewardFunds[coin];
            if (leftover != 0) {
                _rewardFunds[coin] = 0;
                feesAccrued += leftover;
            }
        }
        emit RewardFundingSet(coin, funding, leftover);
    }

    /// @notice Factory only: buys up to `maxTokens` coins on the curve for `to` with the coin's
    /// reward fund (no fee: the fund is fee already). The native goes into the reserve like any
    /// buyer's, so every reward coin is backed exactly as a bought coin is.
    /// @param coin A coin created by the factory.
    /// @param to The creator's wallet.
    /// @param maxTokens Vested reward coins not yet delivered.
    /// @return tokens Coins minted to `to` (zero while the launch window is open or the fund is empty).
    function buyReward(address coin, address to, uint256 maxTokens) external returns (uint256 tokens) {
        if (msg.sender != address(factory)) revert OnlyFactory(msg.sender);
        Pool memory pool = _loadPool(coin);
        if (pool.launching) {
            if (block.timestamp <= pool.launchEnd) return 0;
            pool = _settleLaunch(coin, pool);
            _pools[coin] = pool;
        }
        uint256 fund = _rewardFunds[coin];
        if (fund == 0 || maxTokens == 0) return 0;
        uint256 x = virtualNativeReserve + pool.reserve;
        uint256 y = virtualTokenReserve - pool.sold;
        tokens = y - Math.ceilDiv(k, x + fund);
        uint256 available = curveSupply - pool.sold;
        if (tokens > available) tokens = available;
        if (tokens > maxTokens) tokens = maxTokens;
        if (tokens == 0) return 0;
        // The native that keeps x * y >= k for these coins; at most the fund, by the line above.
        uint256 cost = Math.ceilDiv(k, y - tokens) - x;
        if (cost == 0) return 0;
        pool.reserve = (pool.reserve + cost).toUint96();
        pool.sold += uint96(tokens);
        _pools[coin] = pool;
        _rewardFunds[coin] = fund - cost;
        emit RewardBought(coin, to, cost, tokens);
        ICreatorCoin(coin).mint(to, tokens);
    }

    // ---------------------------------------------------------------- views

    /// @notice What `buy` would return for `nativeIn` now (in the launch window: the indication).
    /// @param coin A coin created by the factory.
    /// @param nativeIn Native sent, fee included.
    /// @return tokensOut Coins the buyer would receive.
    /// @return fee Native set aside for the treasury.
    function quoteBuy(address coin, uint256 nativeIn) external view returns (uint256 tokensOut, uint256 fee) {
        Pool memory pool = _loadPool(coin);
        if (pool.launching && block.timestamp <= pool.launchEnd) {
            if (nativeIn == 0) revert ZeroAmount();
            uint256 total = _launches[coin].committed + nativeIn;
            return (_launchTokens(total) * nativeIn / total, nativeIn * FEE_BPS / BPS);
        }
        return _quoteBuy(_currentPool(coin, pool), nativeIn);
    }

    /// @notice What `sell` would pay for `amountIn` now.
    /// @param coin A coin created by the factory.
    /// @param amountIn Coins sold.
    /// @return nativeOut Native the seller would receive, fee deducted.
    /// @return fee Native set aside for the treasury.
    function quoteSell(address coin, uint256 amountIn) external view returns (uint256 nativeOut, uint256 fee) {
        (uint256 gross, uint256 fee_) = _quoteSell(_currentPool(coin, _loadPool(coin)), amountIn);
        return (gross - fee_, fee_);
    }

    /// @notice A coin's curve state (a launch whose window has passed counts as settled).
    /// @param coin Any address (unknown coins read as empty).
    /// @return reserve Native held for the coin.
    /// @return sold Coins the curve has sold and not bought back (launch coins not yet claimed included).
    function poolOf(address coin) external view returns (uint256 reserve, uint256 sold) {
        Pool memory pool = _currentPool(coin, _pools[coin]);
        return (pool.reserve, pool.sold);
    }

    /// @notice A coin's launch.
    /// @param coin Any address.
    /// @return launchEnd Last second of the launch window (zero: no coin yet).
    /// @return open Whether commitments are taken now.
    /// @return committed Native committed (fee included).
    /// @return tokens Coins the launch bought (zero until it is settled).
    function launchOf(address coin)
        external
        view
        returns (uint256 launchEnd, bool open, uint256 committed, uint256 tokens)
    {
        Pool memory pool = _pools[coin];
        Launch memory launch = _launches[coin];
        return (pool.launchEnd, pool.launching && block.timestamp <= pool.launchEnd, launch.committed, launch.tokens);
    }

    /// @notice Native `buyer` committed to `coin`'s launch and has not claimed or withdrawn.
    /// @param coin Any address.
    /// @param buyer Any account.
    function commitmentOf(address coin, address buyer) external view returns (uint256) {
        return _commitments[coin][buyer];
    }

    /// @notice The reward fund of `coin` and whether its fees go to it now.
    /// @param coin Any address.
    function rewardFundOf(address coin) external view returns (uint256 fund, bool funding) {
        return (_rewardFunds[coin], _pools[coin].rewardFunding);
    }

    /// @notice Marginal price of `coin` in wei per whole coin (1e18 units), before fees.
    /// @param coin Any address (unknown coins read as empty).
    function spotPrice(address coin) external view returns (uint256) {
        Pool memory pool = _currentPool(coin, _pools[coin]);
        return Math.mulDiv(virtualNativeReserve + pool.reserve, 1e18, virtualTokenReserve - pool.sold);
    }

    // ---------------------------------------------------------------- internals

    /// @dev Only the factory's openLaunch sets launchEnd, so a pool without it is no coin.
    function _loadPool(address coin) private view returns (Pool memory pool) {
        pool = _pools[coin];
        if (pool.launchEnd == 0) revert UnknownCoin(coin);
    }

    /// @dev The pool as it is once a launch whose window passed is settled.
    function _currentPool(address coin, Pool memory pool) private view returns (Pool memory) {
        if (pool.launching && block.timestamp > pool.launchEnd) {
            uint256 committed = _launches[coin].committed;
            pool.reserve = uint96(committed - committed * FEE_BPS / BPS);
            pool.sold = uint96(committed == 0 ? 0 : _launchTokens(committed));
            pool.launching = false;
        }
        return pool;
    }

    /// @dev Adds msg.value to the caller's launch commitment; the indication for this value is
    /// its share of what everything committed so far would buy.
    function _commit(address coin, uint256 minOut) private returns (uint256 indication) {
        if (msg.value == 0) revert ZeroAmount();
        uint256 committed = _launches[coin].committed + msg.value;
        indication = _launchTokens(committed) * msg.value / committed;
        if (indication < minOut) revert InsufficientOutput(indication, minOut);
        uint256 commitment = _commitments[coin][msg.sender] + msg.value;
        _commitments[coin][msg.sender] = commitment;
        _launches[coin].committed = committed.toUint128();
        emit LaunchCommitted(coin, msg.sender, msg.value, commitment, committed);
    }

    /// @dev Coins `committed` native (fee included) buys from an empty curve, as one buy.
    function _launchTokens(uint256 committed) private view returns (uint256 tokens) {
        uint256 net = committed - committed * FEE_BPS / BPS;
        tokens = virtualTokenReserve - Math.ceilDiv(k, virtualNativeReserve + net);
        if (tokens > curveSupply) revert ExceedsCurveSupply(curveSupply);
    }

    /// @dev Turns the launch's commitments into one buy from the empty curve; the caller stores the pool.
    function _settleLaunch(address coin, Pool memory pool) private returns (Pool memory) {
        uint256 committed = _launches[coin].committed;
        uint256 fee = committed * FEE_BPS / BPS;
        uint256 tokens = committed == 0 ? 0 : _launchTokens(committed);
        pool.reserve = uint96(committed - fee); // within the curve, checked when committed
        pool.sold = uint96(tokens);
        pool.launching = false;
        if (tokens != 0) _launches[coin].tokens = uint128(tokens);
        _takeFee(coin, pool, fee);
        emit LaunchSettled(coin, committed, fee, tokens);
        return pool;
    }

    /// @dev The fee goes to the treasury's fees, or to the coin's reward fund while its creator's
    /// milestone reward vests.
    function _takeFee(address coin, Pool memory pool, uint256 fee) private {
        if (pool.rewardFunding) _rewardFunds[coin] += fee;
        else feesAccrued += fee;
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
