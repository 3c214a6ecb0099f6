// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {ICreatorCoinFactory} from "./interfaces/ICreatorCoinFactory.sol";
import {IBalanceObserver} from "./interfaces/IBalanceObserver.sol";

/// @title RevenueDistributor
/// @notice Shares native revenue deposited for a creator coin among its holders over time. A
/// deposit is not paid out at once: it is streamed evenly over STREAM_PERIOD (added to whatever
/// is still streaming), and each second's share goes to the coins held during that second. Buying
/// just before a deposit and selling just after earns a few seconds' worth, far less than the
/// trading fees. While fewer than MIN_ELIGIBLE_SUPPLY coins are held, the stream pauses and the
/// revenue waits for holders instead of going to the next buyer.
/// @dev Synthetix-style accounting: a per-coin "revenue per coin" accumulator grows with the
/// stream, so deposits and accruals cost the same whatever the number of holders; coins report
/// every transfer, and each side's correction term keeps what it earned before the move. Holdings
/// of the DEX, of the coin contract itself and of this distributor earn nothing and dilute nobody
/// (none of them could ever claim). The distributor tracks the eligible supply itself.
contract RevenueDistributor is IBalanceObserver, ReentrancyGuard {
    using SafeCast for uint256;

    /// @dev Scales the accumulator so that per-coin rounding stays far below one wei per holder.
    uint256 private constant MAGNITUDE = 2 ** 128;
    /// @notice Least eligible supply (one whole coin) for the stream to run; below it, it pauses.
    /// This also bounds the accumulator so that corrections can never overflow.
    uint256 public constant MIN_ELIGIBLE_SUPPLY = 1e18;
    /// @notice How long a deposit takes to reach holders.
    uint256 public constant STREAM_PERIOD = 7 days;

    /// @notice The factory whose coins may receive revenue.
    ICreatorCoinFactory public immutable factory;
    /// @notice The DEX, whose holdings are excluded.
    address public immutable dex;

    /// @notice Why distributeBatch left a coin out (see DepositSkipped).
    enum SkipReason {
        None,
        ZeroAmount,
        UnknownCoin
    }

    /// @dev A trade reads and writes the first two slots only; totalDeposited is for deposits.
    struct Ledger {
        uint256 magnifiedRevenuePerCoin;
        /// @dev Wei streamed per second until streamEnd (rounded down: at most STREAM_PERIOD wei
        /// of a deposit stays behind as dust).
        uint80 rate;
        uint40 lastAccrued;
        uint40 streamEnd;
        uint96 eligibleSupply;
        uint256 totalDeposited;
    }

    mapping(address coin => Ledger) private _ledgers;
    /// @dev Keyed by the reporting coin (msg.sender), so a contract that is not a factory coin
    /// can only ever write corrections and supply for itself, which no deposit can fund.
    mapping(address coin => mapping(address holder => int256)) private _corrections;

    event RevenueDistributed(address indexed coin, address indexed from, uint256 amount, uint256 streamEnd);
    event DepositSkipped(address indexed coin, uint256 amount, SkipReason reason);
    event RevenueClaimed(address indexed coin, address indexed holder, uint256 amount);

    error UnknownCoin(address coin);
    error ZeroAmount();
    error LengthMismatch();
    error ValueMismatch(uint256 expected, uint256 sent);
    error NothingToClaim();
    error NativeTransferFailed();

    /// @param factory_ The CreatorCoinFactory.
    /// @param dex_ The MusicDEX, excluded from revenue.
    constructor(ICreatorCoinFactory factory_, address dex_) {
        factory = factory_;
        dex = dex_;
    }

    /// @notice Streams the native sent to the holders of `coin` over the next STREAM_PERIOD.
    /// @param coin A coin created by the factory.
    function distribute(address coin) external payable nonReentrant {
        if (msg.value == 0) revert ZeroAmount();
        if (!factory.isCoin(coin)) revert UnknownCoin(coin);
        _deposit(coin, msg.value);
    }

    /// @notice Deposits revenue for several coins at once; the amounts must add up to the value
    /// sent. Entries with a zero amount or an address that is not a factory coin are skipped with
    /// DepositSkipped, and their amounts are sent back to the caller.
    /// @param coins Coins created by the factory.
    /// @param amounts Native per coin, in wei.
    function distributeBatch(address[] calldata coins, uint256[] calldata amounts) external payable nonReentrant {
        if (coins.length != amounts.length) revert LengthMismatch();
        uint256 total;
        uint256 refund;
        for (uint256 i; i < coins.length; ++i) {
            uint256 amount = amounts[i];
            total += amount;
            SkipReason reason = amount == 0
                ? SkipReason.ZeroAmount
                : (factory.isCoin(coins[i]) ? SkipReason.None : SkipReason.UnknownCoin);
            if (reason == SkipReason.None) {
                _deposit(coins[i], amount);
            } else {
                refund += amount;
                emit DepositSkipped(coins[i], amount, reason);
            }
        }
        if (total != msg.value) revert ValueMismatch(total, msg.value);
        if (refund != 0) _sendNative(msg.sender, refund);
    }

    /// @notice Sends the caller everything they can claim for `coin`.
    /// @param coin A coin created by the factory.
    /// @return amount Native sent.
    function claim(address coin) external nonReentrant returns (uint256 amount) {
        uint256 perCoin = _accrue(_ledgers[coin]);
        amount = _claimable(coin, msg.sender, perCoin);
        if (amount == 0) revert NothingToClaim();
        // Lowering the correction by exactly what is paid brings claimable back to zero.
        _corrections[coin][msg.sender] -= (amount * MAGNITUDE).toInt256();
        emit RevenueClaimed(coin, msg.sender, amount);
        _sendNative(msg.sender, amount);
    }

    /// @inheritdoc IBalanceObserver
    /// @dev The stream is settled up to now on the old supply first. A holder who receives coins
    /// must not earn past revenue on them, and one who sends them keeps what they earned:
    /// corrections move by the accumulator times the amount.
    function onTransfer(address from, address to, uint256 value) external {
        Ledger storage ledger = _ledgers[msg.sender];
        uint256 perCoin = _accrue(ledger);
        bool fromEarns = from != address(0) && _earns(from);
        bool toEarns = to != address(0) && _earns(to);
        if (fromEarns != toEarns) {
            uint256 supply = ledger.eligibleSupply;
            ledger.eligibleSupply = (toEarns ? supply + value : supply - value).toUint96();
        }
        if (perCoin == 0) return;
        int256 delta = (perCoin * value).toInt256();
        if (fromEarns) _corrections[msg.sender][from] += delta;
        if (toEarns) _corrections[msg.sender][to] -= delta;
    }

    /// @notice Native `holder` can claim for `coin` now (streamed so far, not yet claimed).
    /// @param coin Any address (unknown coins have nothing to claim).
    /// @param holder Any account.
    function claimable(address coin, address holder) external view returns (uint256) {
        Ledger storage ledger = _ledgers[coin];
        (uint256 perCoin,) = _streamed(ledger);
        return _claimable(coin, holder, perCoin);
    }

    /// @notice Revenue deposited so far for `coin`.
    /// @dev Claims are not totalled on-chain: that would cost every claim a storage write.
    /// @param coin Any address.
    function totalDeposited(address coin) external view returns (uint256) {
        return _ledgers[coin].totalDeposited;
    }

    /// @notice Coins of `coin` that currently earn revenue (supply outside the DEX, the coin and
    /// this distributor).
    /// @param coin A coin created by the factory.
    function eligibleSupply(address coin) external view returns (uint256) {
        return _ledgers[coin].eligibleSupply;
    }

    /// @notice Native of `coin`'s deposits not yet streamed to holders, and when the stream ends
    /// if it keeps running (it pauses while fewer than MIN_ELIGIBLE_SUPPLY coins are held).
    /// @param coin Any address.
    function pendingRevenue(address coin) external view returns (uint256 amount, uint256 streamEnd) {
        Ledger storage ledger = _ledgers[coin];
        uint256 end;
        (, end) = _streamed(ledger);
        uint256 from = block.timestamp;
        return (end > from ? ledger.rate * (end - from) : 0, end);
    }

    /// @dev Whether a balance held by `holder` earns revenue for the calling coin.
    function _earns(address holder) private view returns (bool) {
        return holder != dex && holder != msg.sender && holder != address(this);
    }

    /// @dev Adds `amount` and what is still streaming into one stream over the next STREAM_PERIOD.
    function _deposit(address coin, uint256 amount) private {
        Ledger storage ledger = _ledgers[coin];
        _accrue(ledger);
        uint256 end = ledger.streamEnd;
        uint256 remaining = end > block.timestamp ? ledger.rate * (end - block.timestamp) : 0;
        uint256 newEnd = block.timestamp + STREAM_PERIOD;
        ledger.rate = ((amount + remaining) / STREAM_PERIOD).toUint80();
        ledger.streamEnd = uint40(newEnd);
        ledger.totalDeposited += amount;
        emit RevenueDistributed(coin, msg.sender, amount, newEnd);
    }

    /// @dev Settles the stream up to now and returns the accumulator.
    function _accrue(Ledger storage ledger) private returns (uint256 perCoin) {
        if (ledger.lastAccrued == block.timestamp) return ledger.magnifiedRevenuePerCoin;
        uint256 end;
        (perCoin, end) = _streamed(ledger);
        ledger.magnifiedRevenuePerCoin = perCoin;
        ledger.lastAccrued = uint40(block.timestamp);
        ledger.streamEnd = uint40(end);
    }

    /// @dev The accumulator and stream end as of now: the stream ran on the eligible supply since
    /// the last accrual, or was paused (its end moved later) when too few coins were held.
    function _streamed(Ledger storage ledger) private view returns (uint256 perCoin, uint256 end) {
        perCoin = ledger.magnifiedRevenuePerCoin;
        end = ledger.streamEnd;
        uint256 last = ledger.lastAccrued;
        if (end <= last) return (perCoin, end);
        uint256 supply = ledger.eligibleSupply;
        if (supply < MIN_ELIGIBLE_SUPPLY) return (perCoin, end + (block.timestamp - last));
        uint256 until = block.timestamp < end ? block.timestamp : end;
        perCoin += ledger.rate * (until - last) * MAGNITUDE / supply;
    }

    function _claimable(address coin, address holder, uint256 perCoin) private view returns (uint256) {
        if (perCoin == 0 || holder == dex || holder == coin || holder == address(this)) return 0;
        int256 accrued = (perCoin * ICreatorCoin(coin).balanceOf(holder)).toInt256() + _corrections[coin][holder];
        return accrued > 0 ? uint256(accrued) / MAGNITUDE : 0;
    }

    function _sendNative(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
    }
}
