// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {CreatorCoin} from "./CreatorCoin.sol";
import {Text} from "./libraries/Text.sol";
import {ICreatorCoin} from "./interfaces/ICreatorCoin.sol";
import {ICreatorCoinFactory} from "./interfaces/ICreatorCoinFactory.sol";
import {IBalanceObserver} from "./interfaces/IBalanceObserver.sol";

/// @dev What the factory checks about the markets it is connected to.
interface IFactoryBound {
    function factory() external view returns (address);
}

/// @dev What the factory asks of the DEX: open a coin's launch, and back milestone rewards.
interface IRewardMarket {
    function openLaunch(address coin) external;
    function setRewardFunding(address coin, bool funding) external;
    function buyReward(address coin, address to, uint256 maxTokens) external returns (uint256 tokens);
}

/// @title CreatorCoinFactory
/// @notice On-chain registry of creator metrics reported by the platform's oracle (the database
/// worker). A creator whose counted plays reach the coin threshold gets an ERC-20 creator coin,
/// a CREATE2 clone at an address anyone can predict from the creator id. Part of each coin's
/// supply is a milestone reward the creator's wallet unlocks as plays grow; unlocked rewards vest
/// over REWARD_VESTING_PERIOD and are bought on the DEX's curve with the coin's trading fees, so
/// they never lower what the other holders can sell their coins for.
/// @dev Powers are separate roles: the metrics oracle reports metrics, the wallet binder submits
/// wallet links the creator signed, the verifier sets badges, and the admin (whose own transfer
/// waits ADMIN_TRANSFER_DELAY) changes settings. No role can bind a wallet the creator did not sign.
contract CreatorCoinFactory is ICreatorCoinFactory, AccessControlDefaultAdminRules {
    /// @notice Number of milestone reward tranches per creator.
    uint256 public constant REWARD_TRANCHES = 10;
    /// @notice Coins a milestone reached gives the creator's wallet (1% of the 1B max supply).
    uint256 public constant REWARD_PER_TRANCHE = 10_000_000e18;
    /// @notice How long an unlocked reward takes to vest (linearly; a later unlock restarts the
    /// period for everything still unvested).
    uint256 public constant REWARD_VESTING_PERIOD = 90 days;

    /// @notice May report metrics (the worker).
    bytes32 public constant METRICS_ORACLE_ROLE = keccak256("METRICS_ORACLE_ROLE");
    /// @notice May submit creator-signed wallet links (the worker).
    bytes32 public constant WALLET_BINDER_ROLE = keccak256("WALLET_BINDER_ROLE");
    /// @notice May set verification badges (the worker).
    bytes32 public constant VERIFIER_ROLE = keccak256("VERIFIER_ROLE");
    /// @notice How long a new admin waits before taking over (OpenZeppelin's two-step, delayed transfer).
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;

    /// @notice How long a scheduled change of an economic parameter waits before it can apply.
    uint256 public constant PARAMETER_DELAY = 2 days;
    /// @notice Most a creator's sequence number may advance in one update, so that a stolen
    /// oracle key cannot exhaust the sequence space and freeze a creator's metrics.
    uint256 public constant MAX_SEQUENCE_STEP = 2 ** 32;

    /// @dev One slot per creator, so a metrics update is one cold read and one write. Followers,
    /// revenue and the PDP hash are only logged: the database is their record. Counted plays
    /// follow reported plays through a token bucket: an allowance of up to playsBurst plays that
    /// refills at playsPerSecond; allowanceFrom is when an empty bucket would have started filling.
    struct Metrics {
        uint64 sequence;
        uint64 reportedPlays;
        uint64 countedPlays;
        uint40 allowanceFrom;
        bool hasCoin;
    }

    /// @notice The economic parameters; each change waits PARAMETER_DELAY (see scheduleParameter).
    enum Parameter {
        Treasury,
        CoinThreshold,
        RewardMilestonePlays,
        PlaysBurst,
        PlaysPerSecond
    }

    /// @dev Read once per metrics entry: one slot.
    struct Settings {
        uint64 coinThreshold;
        uint64 rewardMilestonePlays;
        uint64 playsBurst;
        uint64 playsPerSecond;
    }

    struct ScheduledChange {
        uint256 value;
        uint256 notBefore;
    }

    struct Creator {
        address wallet;
        bool verified;
        uint8 rewardTranchesVesting;
    }

    /// @dev A creator's milestone reward in coins: `unvested` flows linearly into `undelivered`
    /// from `lastVested` to `vestEnd`; undelivered coins wait for the reward fund to buy them.
    struct RewardVesting {
        uint88 unvested;
        uint88 undelivered;
        uint40 lastVested;
        uint40 vestEnd;
    }

    /// @notice Why a batch entry was skipped (see MetricsUpdateSkipped).
    enum SkipReason {
        None,
        Stale,
        OutOfRange
    }

    /// @inheritdoc ICreatorCoinFactory
    address public treasury;
    Settings private _settings;
    /// @notice The CreatorCoin implementation every clone delegates to (set by connectMarkets).
    address public coinImplementation;
    /// @notice The MusicDEX coins trade on.
    address public dex;
    /// @notice The RevenueDistributor coins report transfers to.
    address public distributor;

    mapping(uint256 creatorId => Metrics) private _metrics;
    mapping(uint256 creatorId => Creator) private _creators;
    mapping(Parameter => ScheduledChange) private _scheduled;
    mapping(uint256 creatorId => RewardVesting) private _rewardVestings;

    /// @notice The oracle reported new metrics for a creator.
    event CreatorMetricsUpdated(
        uint256 indexed creatorId,
        uint256 sequence,
        uint256 totalPlays,
        uint256 followers,
        uint256 revenue,
        bytes32 dataHash
    );
    /// @notice A batch entry was not applied; the rest of the batch was.
    event MetricsUpdateSkipped(uint256 indexed creatorId, SkipReason reason);
    /// @notice A creator reached the coin threshold and got a coin.
    event CreatorCoinCreated(uint256 creatorId, address coin);
    event CreatorWalletSet(uint256 indexed creatorId, address wallet);
    event VerificationSet(uint256 indexed creatorId, bool verified);
    /// @notice `tranches` newly unlocked reward tranches (`amount` coins) started vesting until `vestEnd`.
    event MilestoneRewardVesting(uint256 indexed creatorId, uint256 tranches, uint256 amount, uint256 vestEnd);
    /// @notice `amount` vested reward coins, bought on the curve with the reward fund, went to `wallet`.
    event MilestoneRewardClaimed(uint256 indexed creatorId, address indexed wallet, uint256 amount);
    event ParameterChangeScheduled(Parameter indexed parameter, uint256 value, uint256 notBefore);
    event ParameterChangeCancelled(Parameter indexed parameter);
    event ParameterChanged(Parameter indexed parameter, uint256 previousValue, uint256 newValue);
    event MarketsConnected(address dex, address distributor, address coinImplementation);

    error ZeroAddress();
    error LengthMismatch();
    error StaleMetrics(uint256 creatorId, uint256 sequence, uint256 lastSequence);
    error WalletSignatureInvalid(uint256 creatorId, address wallet);
    error MetricsOutOfRange(uint256 creatorId);
    error MarketsNotConnected();
    error MarketsAlreadyConnected();
    error MarketsMismatch();
    error NoCoin(uint256 creatorId);
    error NotCreatorWallet(uint256 creatorId, address caller);
    error NothingToClaim(uint256 creatorId);
    error InvalidParameter(Parameter parameter, uint256 value);
    error NoChangeScheduled(Parameter parameter);
    error ChangeNotDue(Parameter parameter, uint256 notBefore);

    /// @param admin_ Account that may grant roles and change the treasury and thresholds.
    /// @param oracle_ The worker's address; it gets the metrics oracle, wallet binder and verifier roles.
    /// @param treasury_ Receiver of platform fees.
    constructor(address admin_, address oracle_, address treasury_)
        AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin_)
    {
        if (oracle_ == address(0) || treasury_ == address(0)) revert ZeroAddress();
        _grantRole(METRICS_ORACLE_ROLE, oracle_);
        _grantRole(WALLET_BINDER_ROLE, oracle_);
        _grantRole(VERIFIER_ROLE, oracle_);
        _setParameter(Parameter.Treasury, uint160(treasury_));
        _setParameter(Parameter.CoinThreshold, 50_000);
        _setParameter(Parameter.RewardMilestonePlays, 100_000);
        // A first report at the coin threshold applies at once; beyond it, plays count at most
        // 10 per second (864,000 a day) however much is reported.
        _setParameter(Parameter.PlaysBurst, 50_000);
        _setParameter(Parameter.PlaysPerSecond, 10);
    }

    // ---------------------------------------------------------------- wiring and settings

    /// @notice Binds the DEX and distributor once, and deploys the coin implementation they use.
    /// @dev The three contracts reference each other, so they cannot all take addresses in constructors.
    /// @param dex_ MusicDEX built for this factory.
    /// @param distributor_ RevenueDistributor built for this factory.
    function connectMarkets(address dex_, address distributor_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (coinImplementation != address(0)) revert MarketsAlreadyConnected();
        if (dex_ == address(0) || distributor_ == address(0)) revert ZeroAddress();
        if (IFactoryBound(dex_).factory() != address(this) || IFactoryBound(distributor_).factory() != address(this)) {
            revert MarketsMismatch();
        }
        dex = dex_;
        distributor = distributor_;
        address implementation = address(new CreatorCoin(address(this), dex_, IBalanceObserver(distributor_)));
        coinImplementation = implementation;
        emit MarketsConnected(dex_, distributor_, implementation);
    }

    /// @notice Schedules a change of an economic parameter; it can apply PARAMETER_DELAY from now,
    /// so holders see it coming. Replaces an earlier scheduled change of the same parameter.
    /// @param parameter Which one.
    /// @param value The new value (an address as uint160 for the treasury; plays otherwise, above zero).
    function scheduleParameter(Parameter parameter, uint256 value) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _validateParameter(parameter, value);
        uint256 notBefore = block.timestamp + PARAMETER_DELAY;
        _scheduled[parameter] = ScheduledChange({value: value, notBefore: notBefore});
        emit ParameterChangeScheduled(parameter, value, notBefore);
    }

    /// @notice Drops a scheduled change.
    /// @param parameter Which one.
    function cancelParameter(Parameter parameter) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (_scheduled[parameter].notBefore == 0) revert NoChangeScheduled(parameter);
        delete _scheduled[parameter];
        emit ParameterChangeCancelled(parameter);
    }

    /// @notice Applies a scheduled change once its delay has passed; anyone may call it.
    /// @param parameter Which one.
    function applyParameter(Parameter parameter) external {
        ScheduledChange memory change = _scheduled[parameter];
        if (change.notBefore == 0) revert NoChangeScheduled(parameter);
        if (block.timestamp < change.notBefore) revert ChangeNotDue(parameter, change.notBefore);
        delete _scheduled[parameter];
        _setParameter(parameter, change.value);
    }

    /// @notice A scheduled change (notBefore is zero when none is scheduled).
    /// @param parameter Which one.
    function scheduledParameter(Parameter parameter) external view returns (uint256 value, uint256 notBefore) {
        ScheduledChange memory change = _scheduled[parameter];
        return (change.value, change.notBefore);
    }

    // ---------------------------------------------------------------- oracle

    /// @notice Records a creator's metrics; creates the coin when plays reach the threshold.
    /// @dev Reverts when `sequence` is not above the last applied one (a replayed or reordered update).
    /// @param creatorId Platform creator id.
    /// @param sequence Strictly increasing per creator (the worker's metrics job id).
    /// @param totalPlays Plays the database counted so far; they count here within the rate bound.
    /// @param followers Current followers (logged only).
    /// @param revenue Cumulative creator revenue in wei (logged only).
    /// @param dataHash Commitment of the creator's latest Filecoin PDP snapshot (logged only).
    function updateCreatorMetrics(
        uint256 creatorId,
        uint256 sequence,
        uint256 totalPlays,
        uint256 followers,
        uint256 revenue,
        bytes32 dataHash
    ) external onlyRole(METRICS_ORACLE_ROLE) {
        SkipReason reason = _recordMetrics(creatorId, sequence, totalPlays);
        if (reason == SkipReason.Stale) revert StaleMetrics(creatorId, sequence, _metrics[creatorId].sequence);
        if (reason == SkipReason.OutOfRange) revert MetricsOutOfRange(creatorId);
        emit CreatorMetricsUpdated(creatorId, sequence, totalPlays, followers, revenue, dataHash);
    }

    /// @notice Records many creators' metrics in one call; stale (sequence not above the last
    /// applied one) or out-of-range entries are skipped with a MetricsUpdateSkipped event instead
    /// of failing the batch.
    /// @param creatorIds Platform creator ids.
    /// @param sequences Per-entry sequence numbers, strictly increasing per creator.
    /// @param totalPlays Plays the database counted so far, per creator.
    /// @param followers Followers per creator.
    /// @param revenues Cumulative revenue per creator, in wei.
    /// @param dataHashes PDP snapshot commitments per creator.
    /// @return applied Number of entries recorded.
    function updateCreatorMetricsBatch(
        uint256[] calldata creatorIds,
        uint256[] calldata sequences,
        uint256[] calldata totalPlays,
        uint256[] calldata followers,
        uint256[] calldata revenues,
        bytes32[] calldata dataHashes
    ) external onlyRole(METRICS_ORACLE_ROLE) returns (uint256 applied) {
        if (
            sequences.length != creatorIds.length || totalPlays.length != creatorIds.length
                || followers.length != creatorIds.length || revenues.length != creatorIds.length
                || dataHashes.length != creatorIds.length
        ) revert LengthMismatch();
        for (uint256 i; i < creatorIds.length; ++i) {
            SkipReason reason = _recordMetrics(creatorIds[i], sequences[i], totalPlays[i]);
            if (reason != SkipReason.None) {
                emit MetricsUpdateSkipped(creatorIds[i], reason);
                continue;
            }
            ++applied;
            emit CreatorMetricsUpdated(
                creatorIds[i], sequences[i], totalPlays[i], followers[i], revenues[i], dataHashes[i]
            );
        }
    }

    /// @notice Binds the wallet that receives a creator's milestone rewards, on the creator's word:
    /// `signature` is the wallet's EIP-191 personal_sign over walletLinkMessage(creatorId, wallet).
    /// @param creatorId Platform creator id.
    /// @param wallet The creator's EVM address, which signed the link.
    /// @param signature 65 bytes r || s || v, with v 27 or 28 as personal_sign returns it, or the
    /// recovery id 0 or 1 as raw secp256k1 signers (and the database) write it.
    function setCreatorWallet(uint256 creatorId, address wallet, bytes calldata signature)
        external
        onlyRole(WALLET_BINDER_ROLE)
    {
        if (wallet == address(0)) revert ZeroAddress();
        bytes memory rsv = signature;
        if (rsv.length == 65 && uint8(rsv[64]) < 2) rsv[64] = bytes1(uint8(rsv[64]) + 27);
        bytes32 digest = Text.personalSignDigest(bytes(walletLinkMessage(creatorId, wallet)));
        (address signer, ECDSA.RecoverError recoverError,) = ECDSA.tryRecover(digest, rsv);
        if (recoverError != ECDSA.RecoverError.NoError || signer != wallet) {
            revert WalletSignatureInvalid(creatorId, wallet);
        }
        _creators[creatorId].wallet = wallet;
        emit CreatorWalletSet(creatorId, wallet);
    }

    /// @notice Sets or clears a creator's verification badge (idempotent).
    /// @param creatorId Platform creator id.
    /// @param verified The badge.
    function setVerified(uint256 creatorId, bool verified) external onlyRole(VERIFIER_ROLE) {
        _creators[creatorId].verified = verified;
        emit VerificationSet(creatorId, verified);
    }

    // ---------------------------------------------------------------- creators

    /// @notice Starts vesting every newly unlocked milestone reward tranche, and delivers the vested
    /// reward coins to the creator's wallet as far as the coin's reward fund can buy them on the curve.
    /// @dev While any reward is vesting or undelivered, the DEX sends the coin's trading fees to its
    /// reward fund; the reward coins are bought, not minted from nothing, so every coin in
    /// existence stays backed by the curve's reserve. The only calls out go to the DEX, the coin and
    /// the distributor, none of which calls back into untrusted code.
    /// @param creatorId Platform creator id; the caller must be its bound wallet.
    /// @return amount Reward coins delivered now.
    function claimMilestoneRewards(uint256 creatorId) external returns (uint256 amount) {
        Creator storage creator = _creators[creatorId];
        if (msg.sender != creator.wallet || msg.sender == address(0)) revert NotCreatorWallet(creatorId, msg.sender);
        if (!_metrics[creatorId].hasCoin) revert NoCoin(creatorId);
        address coin = predictCoinAddress(creatorId);
        RewardVesting memory vesting = _vestedNow(_rewardVestings[creatorId]);
        uint256 unlocked = unlockedRewardTranches(creatorId);
        uint256 started = creator.rewardTranchesVesting;
        if (unlocked > started) {
            uint256 added = (unlocked - started) * REWARD_PER_TRANCHE;
            uint256 vestEnd = block.timestamp + REWARD_VESTING_PERIOD;
            creator.rewardTranchesVesting = uint8(unlocked);
            vesting.unvested += uint88(added); // at most REWARD_TRANCHES * REWARD_PER_TRANCHE in all
            vesting.lastVested = uint40(block.timestamp);
            vesting.vestEnd = uint40(vestEnd);
            emit MilestoneRewardVesting(creatorId, unlocked - started, added, vestEnd);
            IRewardMarket(dex).setRewardFunding(coin, true);
        }
        if (vesting.undelivered != 0) {
            amount = IRewardMarket(dex).buyReward(coin, msg.sender, vesting.undelivered);
            vesting.undelivered -= uint88(amount);
        }
        if (unlocked == started && amount == 0) revert NothingToClaim(creatorId);
        _rewardVestings[creatorId] = vesting;
        if (vesting.unvested == 0 && vesting.undelivered == 0) IRewardMarket(dex).setRewardFunding(coin, false);
        if (amount != 0) emit MilestoneRewardClaimed(creatorId, msg.sender, amount);
    }

    // ---------------------------------------------------------------- views

    /// @notice Milestone tranches a creator's plays have unlocked (claimed or not).
    /// @param creatorId Platform creator id.
    function unlockedRewardTranches(uint256 creatorId) public view returns (uint256) {
        uint256 reached = countedPlays(creatorId) / _settings.rewardMilestonePlays;
        return reached < REWARD_TRANCHES ? reached : REWARD_TRANCHES;
    }

    /// @notice Reward coins vested and not yet delivered: what a claim now delivers, as far as the
    /// coin's reward fund (MusicDEX.rewardFundOf) can buy them.
    /// @param creatorId Platform creator id.
    function claimableMilestoneRewards(uint256 creatorId) external view returns (uint256) {
        return _vestedNow(_rewardVestings[creatorId]).undelivered;
    }

    /// @notice A creator's milestone reward as of now.
    /// @param creatorId Platform creator id.
    /// @return unlockedNotVesting Coins of tranches unlocked whose vesting starts at the next claim.
    /// @return unvested Coins still vesting.
    /// @return undelivered Coins vested, waiting for the reward fund to buy them.
    /// @return vestEnd When the vesting coins will all have vested.
    function rewardVestingOf(uint256 creatorId)
        external
        view
        returns (uint256 unlockedNotVesting, uint256 unvested, uint256 undelivered, uint256 vestEnd)
    {
        RewardVesting memory vesting = _vestedNow(_rewardVestings[creatorId]);
        uint256 unlocked = _metrics[creatorId].hasCoin ? unlockedRewardTranches(creatorId) : 0;
        uint256 started = _creators[creatorId].rewardTranchesVesting;
        return (
            unlocked > started ? (unlocked - started) * REWARD_PER_TRANCHE : 0,
            vesting.unvested,
            vesting.undelivered,
            vesting.vestEnd
        );
    }

    /// @notice The last recorded metrics of a creator.
    /// @param creatorId Platform creator id.
    /// @return sequence The last applied sequence number (0 before the first report).
    /// @return reportedPlays The last reported plays.
    /// @return counted Plays that count now for the coin and rewards (see countedPlays).
    /// @return hasCoin Whether the creator's coin exists.
    function metricsOf(uint256 creatorId)
        external
        view
        returns (uint256 sequence, uint256 reportedPlays, uint256 counted, bool hasCoin)
    {
        Metrics memory m = _metrics[creatorId];
        return (m.sequence, m.reportedPlays, countedPlays(creatorId), m.hasCoin);
    }

    /// @notice Reported plays as far as the rate bound lets them count now: at most playsBurst
    /// at once, refilling at playsPerSecond; the rest counts as time passes.
    /// @param creatorId Platform creator id.
    function countedPlays(uint256 creatorId) public view returns (uint256) {
        Metrics memory m = _metrics[creatorId];
        Settings memory settings = _settings;
        if (m.reportedPlays <= m.countedPlays) return m.countedPlays;
        uint256 pending = m.reportedPlays - m.countedPlays;
        uint256 allowance = _allowance(m, settings);
        return m.countedPlays + (pending < allowance ? pending : allowance);
    }

    /// @notice Counted plays at which a creator gets a coin.
    function coinThreshold() external view returns (uint256) {
        return _settings.coinThreshold;
    }

    /// @notice Counted plays between two milestone reward tranches (first tranche at this many plays).
    function rewardMilestonePlays() external view returns (uint256) {
        return _settings.rewardMilestonePlays;
    }

    /// @notice Most plays that count at once (the token bucket's size).
    function playsBurst() external view returns (uint256) {
        return _settings.playsBurst;
    }

    /// @notice Plays per second the allowance refills by.
    function playsPerSecond() external view returns (uint256) {
        return _settings.playsPerSecond;
    }

    /// @notice The exact text a creator's wallet signs (EIP-191 personal_sign) to be bound to
    /// `creatorId` on this factory and chain; music.link_wallet checks the same bytes.
    /// @param creatorId Platform creator id.
    /// @param wallet The wallet to bind.
    function walletLinkMessage(uint256 creatorId, address wallet) public view returns (string memory) {
        return string.concat(
            "hybridmusic wallet link: creator ",
            Text.decimal(creatorId),
            ", wallet ",
            Text.hexAddress(wallet),
            ", chain ",
            Text.decimal(block.chainid),
            ", factory ",
            Text.hexAddress(address(this))
        );
    }

    /// @notice A creator's bound wallet, badge and reward tranches whose vesting has started.
    /// @param creatorId Platform creator id.
    function creatorOf(uint256 creatorId)
        external
        view
        returns (address wallet, bool verified, uint256 rewardTranchesVesting)
    {
        Creator memory c = _creators[creatorId];
        return (c.wallet, c.verified, c.rewardTranchesVesting);
    }

    /// @notice Whether a creator carries the verification badge.
    /// @param creatorId Platform creator id.
    function isVerified(uint256 creatorId) external view returns (bool) {
        return _creators[creatorId].verified;
    }

    /// @notice The creator's coin, or the zero address before it exists.
    /// @param creatorId Platform creator id.
    function coinOf(uint256 creatorId) public view returns (address) {
        return _metrics[creatorId].hasCoin ? predictCoinAddress(creatorId) : address(0);
    }

    /// @notice Where the creator's coin lives or will live (zero before the markets are connected).
    /// @param creatorId Platform creator id.
    function predictCoinAddress(uint256 creatorId) public view returns (address) {
        address implementation = coinImplementation;
        if (implementation == address(0)) return address(0);
        return Clones.predictDeterministicAddressWithImmutableArgs(
            implementation, abi.encode(creatorId), bytes32(creatorId)
        );
    }

    /// @inheritdoc ICreatorCoinFactory
    /// @dev No registry lookup: only this factory's CREATE2 can put code at a predicted address,
    /// so a coin is genuine when its code holds a creator id whose predicted address is itself.
    function isCoin(address coin) external view returns (bool) {
        if (coin.code.length != 0x2d + 32 || coinImplementation == address(0)) return false;
        uint256 creatorId = abi.decode(Clones.fetchCloneArgs(coin), (uint256));
        return predictCoinAddress(creatorId) == coin;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Stores a fresh entry, counts what the rate bound allows and creates the coin at the
    /// threshold; the caller logs the entry (split so that the batch loop keeps few values on the stack).
    function _recordMetrics(uint256 creatorId, uint256 sequence, uint256 totalPlays) private returns (SkipReason) {
        Metrics memory m = _metrics[creatorId];
        if (sequence <= m.sequence) return SkipReason.Stale;
        if (sequence - m.sequence > MAX_SEQUENCE_STEP || sequence > type(uint64).max || totalPlays > type(uint64).max) {
            return SkipReason.OutOfRange;
        }
        Settings memory settings = _settings;
        uint256 allowance = _allowance(m, settings);
        uint256 counted = m.countedPlays;
        if (totalPlays > counted) {
            uint256 used = totalPlays - counted < allowance ? totalPlays - counted : allowance;
            counted += used;
            allowance -= used;
        }
        bool createCoin = !m.hasCoin && counted >= settings.coinThreshold;
        _metrics[creatorId] = Metrics({
            sequence: uint64(sequence),
            reportedPlays: uint64(totalPlays),
            countedPlays: uint64(counted),
            allowanceFrom: uint40(_allowanceFrom(allowance, settings.playsPerSecond)),
            hasCoin: m.hasCoin || createCoin
        });
        if (createCoin) _createCoin(creatorId);
        return SkipReason.None;
    }

    /// @dev The token bucket's level now: refilled at playsPerSecond since allowanceFrom, capped
    /// at playsBurst (a creator never reported has a full bucket).
    function _allowance(Metrics memory m, Settings memory settings) private view returns (uint256) {
        if (m.sequence == 0) return settings.playsBurst;
        uint256 refilled = (block.timestamp - m.allowanceFrom) * settings.playsPerSecond;
        return refilled < settings.playsBurst ? refilled : settings.playsBurst;
    }

    /// @dev When an empty bucket would have started filling to hold `allowance` now.
    function _allowanceFrom(uint256 allowance, uint256 perSecond) private view returns (uint256) {
        uint256 filling = allowance / perSecond;
        return filling < block.timestamp ? block.timestamp - filling : 0;
    }

    function _validateParameter(Parameter parameter, uint256 value) private pure {
        uint256 limit = parameter == Parameter.Treasury ? type(uint160).max : type(uint64).max;
        if (value == 0 || value > limit) revert InvalidParameter(parameter, value);
    }

    function _setParameter(Parameter parameter, uint256 value) private {
        _validateParameter(parameter, value);
        uint256 previous;
        if (parameter == Parameter.Treasury) {
            previous = uint160(treasury);
            treasury = address(uint160(value));
        } else if (parameter == Parameter.CoinThreshold) {
            previous = _settings.coinThreshold;
            _settings.coinThreshold = uint64(value);
        } else if (parameter == Parameter.RewardMilestonePlays) {
            previous = _settings.rewardMilestonePlays;
            _settings.rewardMilestonePlays = uint64(value);
        } else if (parameter == Parameter.PlaysBurst) {
            previous = _settings.playsBurst;
            _settings.playsBurst = uint64(value);
        } else {
            previous = _settings.playsPerSecond;
            _settings.playsPerSecond = uint64(value);
        }
        emit ParameterChanged(parameter, previous, value);
    }

    function _createCoin(uint256 creatorId) private {
        address implementation = coinImplementation;
        if (implementation == address(0)) revert MarketsNotConnected();
        address coin = Clones.cloneDeterministicWithImmutableArgs(
            implementation, abi.encode(creatorId), bytes32(creatorId)
        );
        emit CreatorCoinCreated(creatorId, coin);
        IRewardMarket(dex).openLaunch(coin);
    }

    /// @dev The vesting as of now: the part of `unvested` due since lastVested moves to undelivered.
    function _vestedNow(RewardVesting memory vesting) private view returns (RewardVesting memory) {
        uint256 last = vesting.lastVested;
        uint256 end = vesting.vestEnd;
        if (vesting.unvested == 0 || end <= last) return vesting;
        uint256 until = block.timestamp < end ? block.timestamp : end;
        uint256 vested = uint256(vesting.unvested) * (until - last) / (end - last);
        vesting.unvested -= uint88(vested);
        vesting.undelivered += uint88(vested);
        vesting.lastVested = uint40(until);
        return vesting;
    }
}
