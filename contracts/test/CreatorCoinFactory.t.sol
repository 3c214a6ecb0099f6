// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {CreatorCoinFactory} from "../src/CreatorCoinFactory.sol";
import {MusicDEX} from "../src/MusicDEX.sol";
import {RevenueDistributor} from "../src/RevenueDistributor.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";
import {ICreatorCoinFactory} from "../src/interfaces/ICreatorCoinFactory.sol";

contract CreatorCoinFactoryTest is Fixture {
    event CreatorCoinCreated(uint256 creatorId, address coin);
    event CreatorMetricsUpdated(
        uint256 indexed creatorId,
        uint256 sequence,
        uint256 totalPlays,
        uint256 followers,
        uint256 revenue,
        bytes32 dataHash
    );
    event MetricsUpdateSkipped(uint256 indexed creatorId, CreatorCoinFactory.SkipReason reason);

    struct Batch {
        uint256[] ids;
        uint256[] sequences;
        uint256[] plays;
        uint256[] followers;
        uint256[] revenues;
        bytes32[] hashes;
    }

    function _batch(uint256 n) internal pure returns (Batch memory b) {
        b.ids = new uint256[](n);
        b.sequences = new uint256[](n);
        b.plays = new uint256[](n);
        b.followers = new uint256[](n);
        b.revenues = new uint256[](n);
        b.hashes = new bytes32[](n);
    }

    function _send(Batch memory b) internal returns (uint256 applied) {
        vm.prank(oracle);
        return factory.updateCreatorMetricsBatch(b.ids, b.sequences, b.plays, b.followers, b.revenues, b.hashes);
    }

    function _unauthorized(address account, bytes32 role) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, account, role);
    }

    // ------------------------------------------------------------ metrics

    function test_updateCreatorMetrics_recordsMetricsAndEmitsThem() public {
        vm.expectEmit(address(factory));
        emit CreatorMetricsUpdated(3, 11, 1_000, 20, 5 ether, bytes32(uint256(7)));
        vm.prank(oracle);
        factory.updateCreatorMetrics(3, 11, 1_000, 20, 5 ether, bytes32(uint256(7)));
        (uint256 sequence, uint256 plays, uint256 counted, bool hasCoin) = factory.metricsOf(3);
        assertEq(counted, 1_000);
        assertEq(sequence, 11);
        assertEq(plays, 1_000);
        assertFalse(hasCoin);
        assertEq(factory.coinOf(3), address(0));
    }

    function test_updateCreatorMetrics_revertsForAnyoneButTheMetricsOracle() public {
        vm.expectRevert(_unauthorized(alice, factory.METRICS_ORACLE_ROLE()));
        vm.prank(alice);
        factory.updateCreatorMetrics(1, 1, 1, 1, 1, 0);
    }

    function test_updateCreatorMetrics_revertsOnASequenceNotAboveTheLastApplied() public {
        vm.startPrank(oracle);
        factory.updateCreatorMetrics(1, 5, 1_000, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.StaleMetrics.selector, 1, 5, 5));
        factory.updateCreatorMetrics(1, 5, 1_001, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.StaleMetrics.selector, 1, 4, 5));
        factory.updateCreatorMetrics(1, 4, 1_001, 0, 0, 0);
    }

    /// @dev Old contracts compared values: a re-delivered older update with more plays but fewer
    /// followers moved followers backwards, and a new PDP hash with unchanged numbers was refused.
    function test_updateCreatorMetrics_ordersBySequenceNotByValues() public {
        vm.startPrank(oracle);
        factory.updateCreatorMetrics(1, 2, 1_000, 50, 0, bytes32(uint256(1)));
        vm.expectEmit(address(factory));
        emit CreatorMetricsUpdated(1, 3, 1_000, 50, 0, bytes32(uint256(2)));
        factory.updateCreatorMetrics(1, 3, 1_000, 50, 0, bytes32(uint256(2))); // same numbers, new snapshot
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.StaleMetrics.selector, 1, 1, 3));
        factory.updateCreatorMetrics(1, 1, 900, 60, 0, 0); // the re-delivered older update
    }

    function test_updateCreatorMetrics_revertsWhenAValueDoesNotFit() public {
        vm.startPrank(oracle);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.MetricsOutOfRange.selector, 1));
        factory.updateCreatorMetrics(1, 1, uint256(type(uint64).max) + 1, 0, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.MetricsOutOfRange.selector, 1));
        factory.updateCreatorMetrics(1, uint256(type(uint64).max) + 1, 1, 0, 0, 0);
    }

    function test_reachingTheThresholdCreatesTheCoinAtThePredictedAddress() public {
        address predicted = factory.predictCoinAddress(42);
        vm.expectEmit(address(factory));
        emit CreatorCoinCreated(42, predicted);
        _report(42, COIN_THRESHOLD);
        assertEq(factory.coinOf(42), predicted);
        assertGt(predicted.code.length, 0);
        assertEq(CreatorCoin(predicted).creatorId(), 42);
        assertEq(CreatorCoin(predicted).name(), "hybridmusic creator 42");
        assertEq(CreatorCoin(predicted).symbol(), "HMC42");
        assertTrue(factory.isCoin(predicted));
    }

    function test_justBelowTheThresholdNoCoinIsCreated() public {
        _report(42, COIN_THRESHOLD - 1);
        assertEq(factory.coinOf(42), address(0));
        assertFalse(factory.isCoin(factory.predictCoinAddress(42)));
    }

    function test_theCoinIsCreatedOnlyOnce() public {
        _report(42, COIN_THRESHOLD);
        address coin = factory.coinOf(42);
        vm.recordLogs();
        _report(42, COIN_THRESHOLD * 2);
        assertEq(vm.getRecordedLogs().length, 1); // the metrics event only
        assertEq(factory.coinOf(42), coin);
    }

    function test_aLoweredThresholdCreatesTheCoinOnTheNextUpdate() public {
        _report(5, 20_000);
        _changeParameter(CreatorCoinFactory.Parameter.CoinThreshold, 10_000);
        _report(5, 20_001);
        assertTrue(factory.coinOf(5) != address(0));
    }

    function test_coinCreationRevertsBeforeTheMarketsAreConnected() public {
        CreatorCoinFactory bare = new CreatorCoinFactory(owner, oracle, treasury);
        vm.expectRevert(CreatorCoinFactory.MarketsNotConnected.selector);
        vm.prank(oracle);
        bare.updateCreatorMetrics(1, 1, COIN_THRESHOLD, 0, 0, 0);
        assertEq(bare.predictCoinAddress(1), address(0));
        assertFalse(bare.isCoin(address(dex)));
    }

    function test_isCoinRejectsAnythingTheFactoryDidNotCreate() public {
        CreatorCoin coin = _launch(1);
        assertFalse(factory.isCoin(alice));
        assertFalse(factory.isCoin(address(dex)));
        assertFalse(factory.isCoin(factory.coinImplementation()));
        // A clone of the same implementation made by someone else is not a factory coin.
        address impostor = this.cloneElsewhere(address(factory.coinImplementation()));
        assertFalse(factory.isCoin(impostor));
        assertTrue(factory.isCoin(address(coin)));
    }

    function cloneElsewhere(address implementation) external returns (address) {
        return _cloneWithArgs(implementation, abi.encode(uint256(1)));
    }

    function _cloneWithArgs(address implementation, bytes memory args) internal returns (address instance) {
        bytes memory code = abi.encodePacked(
            hex"61", uint16(0x2d + args.length), hex"3d81600a3d39f3363d3d373d3d3d363d73", implementation,
            hex"5af43d82803e903d91602b57fd5bf3", args
        );
        assembly {
            instance := create(0, add(code, 0x20), mload(code))
        }
    }

    // ------------------------------------------------------------ batch

    function test_batch_appliesEveryFreshEntry() public {
        Batch memory b = _batch(3);
        for (uint256 i; i < 3; ++i) {
            b.ids[i] = i + 1;
            b.sequences[i] = 10 + i;
            b.plays[i] = 100 * (i + 1);
        }
        assertEq(_send(b), 3);
        (uint256 sequence, uint256 plays,,) = factory.metricsOf(3);
        assertEq(sequence, 12);
        assertEq(plays, 300);
    }

    function test_batch_skipsStaleAndOversizedEntriesWithoutFailingTheOthers() public {
        _report(1, 500);
        _report(2, 500);
        Batch memory b = _batch(4);
        (b.ids[0], b.sequences[0], b.plays[0]) = (1, 1, 400); // older sequence
        (b.ids[1], b.sequences[1], b.plays[1]) = (2, 2, 600); // replayed sequence
        (b.ids[2], b.sequences[2], b.plays[2]) = (3, 3, uint256(type(uint64).max) + 1); // out of range
        (b.ids[3], b.sequences[3], b.plays[3]) = (4, 4, COIN_THRESHOLD); // fresh, creates a coin
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(1, CreatorCoinFactory.SkipReason.Stale);
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(2, CreatorCoinFactory.SkipReason.Stale);
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(3, CreatorCoinFactory.SkipReason.OutOfRange);
        assertEq(_send(b), 1);
        assertTrue(factory.coinOf(4) != address(0));
        (, uint256 plays,,) = factory.metricsOf(2);
        assertEq(plays, 500);
    }

    function test_batch_revertsOnArraysOfDifferentLengths() public {
        Batch memory b = _batch(2);
        b.sequences = new uint256[](1);
        vm.expectRevert(CreatorCoinFactory.LengthMismatch.selector);
        _send(b);
        b = _batch(2);
        b.hashes = new bytes32[](1);
        vm.expectRevert(CreatorCoinFactory.LengthMismatch.selector);
        _send(b);
    }

    function test_batch_revertsForAnyoneButTheMetricsOracle() public {
        Batch memory b = _batch(1);
        vm.expectRevert(_unauthorized(alice, factory.METRICS_ORACLE_ROLE()));
        vm.prank(alice);
        factory.updateCreatorMetricsBatch(b.ids, b.sequences, b.plays, b.followers, b.revenues, b.hashes);
    }

    // ------------------------------------------------------------ wallets, badges, rewards

    function test_walletLinkMessage_isTheAgreedText() public {
        vm.chainId(314);
        assertEq(
            factory.walletLinkMessage(42, address(0xAB)),
            string.concat(
                "hybridmusic wallet link: creator 42, wallet 0x00000000000000000000000000000000000000ab, chain 314, factory ",
                vm.toLowercase(vm.toString(address(factory)))
            )
        );
    }

    function test_setCreatorWallet_bindsTheWalletTheCreatorSigned() public {
        address wallet = _linkWallet(1, "creator1");
        (address bound,,) = factory.creatorOf(1);
        assertEq(bound, wallet);
    }

    /// @dev Old contracts let the oracle key rebind any creator's reward wallet on its own.
    function test_setCreatorWallet_refusesAWalletTheCreatorDidNotSign() public {
        (address mallory, uint256 malloryKey) = makeAddrAndKey("mallory");
        (address wallet, uint256 walletKey) = makeAddrAndKey("creator1");
        bytes memory forSomeoneElse = _walletLinkSignature(1, wallet, malloryKey);
        bytes memory forAnotherCreator = _walletLinkSignature(2, mallory, malloryKey);
        bytes memory walletsOwn = _walletLinkSignature(1, wallet, walletKey);
        vm.startPrank(oracle);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.WalletSignatureInvalid.selector, 1, wallet));
        factory.setCreatorWallet(1, wallet, forSomeoneElse);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.WalletSignatureInvalid.selector, 1, mallory));
        factory.setCreatorWallet(1, mallory, forAnotherCreator);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.WalletSignatureInvalid.selector, 1, wallet));
        factory.setCreatorWallet(1, wallet, hex"1234");
        vm.chainId(999); // a link signed for another chain does not bind here
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.WalletSignatureInvalid.selector, 1, wallet));
        factory.setCreatorWallet(1, wallet, walletsOwn);
    }

    function test_setCreatorWallet_acceptsARecoveryIdInsteadOfV() public {
        (address wallet, uint256 key) = makeAddrAndKey("creator1");
        bytes memory signature = _walletLinkSignature(1, wallet, key);
        signature[64] = bytes1(uint8(signature[64]) - 27);
        vm.prank(oracle);
        factory.setCreatorWallet(1, wallet, signature);
        (address bound,,) = factory.creatorOf(1);
        assertEq(bound, wallet);
    }

    function test_setCreatorWallet_revertsOnTheZeroAddress() public {
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        vm.prank(oracle);
        factory.setCreatorWallet(1, address(0), "");
    }

    function test_setCreatorWallet_revertsForAnyoneButTheWalletBinder() public {
        (address wallet, uint256 key) = makeAddrAndKey("creator1");
        bytes memory signature = _walletLinkSignature(1, wallet, key);
        vm.expectRevert(_unauthorized(wallet, factory.WALLET_BINDER_ROLE()));
        vm.prank(wallet);
        factory.setCreatorWallet(1, wallet, signature);
    }

    function test_setVerified_setsAndClearsTheBadgeIdempotently() public {
        vm.startPrank(oracle);
        factory.setVerified(1, true);
        factory.setVerified(1, true);
        assertTrue(factory.isVerified(1));
        factory.setVerified(1, false);
        assertFalse(factory.isVerified(1));
    }

    function test_setVerified_revertsForAnyoneButTheVerifier() public {
        vm.expectRevert(_unauthorized(alice, factory.VERIFIER_ROLE()));
        vm.prank(alice);
        factory.setVerified(1, true);
    }

    function test_milestoneRewards_unlockOneTrancheEveryMilestoneAndStartVestingAtTheClaim() public {
        _launch(1);
        address wallet = _linkWallet(1, "creator1");
        (uint256 waiting,,,) = factory.rewardVestingOf(1);
        assertEq(waiting, 0);
        _reportAndCount(1, 250_000); // milestones at 100k and 200k
        (waiting,,,) = factory.rewardVestingOf(1);
        assertEq(waiting, 2 * factory.REWARD_PER_TRANCHE());
        vm.prank(wallet);
        assertEq(factory.claimMilestoneRewards(1), 0); // vesting starts; nothing has vested yet
        (,, uint256 vesting) = factory.creatorOf(1);
        assertEq(vesting, 2);
        (uint256 notVesting, uint256 unvested,, uint256 vestEnd) = factory.rewardVestingOf(1);
        assertEq(notVesting, 0);
        assertEq(unvested, 2 * factory.REWARD_PER_TRANCHE());
        assertEq(vestEnd, block.timestamp + factory.REWARD_VESTING_PERIOD());
        _reportAndCount(1, 5_000_000); // capped at ten tranches
        (waiting,,,) = factory.rewardVestingOf(1);
        assertEq(waiting, 8 * factory.REWARD_PER_TRANCHE());
    }

    function test_milestoneRewards_revertWhenNothingIsUnlocked() public {
        _launch(1);
        address wallet = _linkWallet(1, "creator1");
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NothingToClaim.selector, 1));
        vm.prank(wallet);
        factory.claimMilestoneRewards(1);
    }

    function test_milestoneRewards_revertForAnyoneButTheCreatorsWallet() public {
        _launch(1);
        _report(1, 100_000);
        address wallet = _linkWallet(1, "creator1");
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotCreatorWallet.selector, 1, bob));
        vm.prank(bob);
        factory.claimMilestoneRewards(1);
    }

    function test_milestoneRewards_revertBeforeTheCoinExists() public {
        _changeParameter(CreatorCoinFactory.Parameter.RewardMilestonePlays, 10);
        _report(1, 100);
        address wallet = _linkWallet(1, "creator1");
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NoCoin.selector, 1));
        vm.prank(wallet);
        factory.claimMilestoneRewards(1);
    }

    // ------------------------------------------------------------ owner settings

    function test_parameterChangesApplyOnlyAfterTheDelay() public {
        vm.prank(owner);
        factory.scheduleParameter(CreatorCoinFactory.Parameter.Treasury, uint160(carol));
        uint256 due = block.timestamp + factory.PARAMETER_DELAY();
        vm.expectRevert(
            abi.encodeWithSelector(CreatorCoinFactory.ChangeNotDue.selector, CreatorCoinFactory.Parameter.Treasury, due)
        );
        factory.applyParameter(CreatorCoinFactory.Parameter.Treasury);
        skip(factory.PARAMETER_DELAY());
        factory.applyParameter(CreatorCoinFactory.Parameter.Treasury);
        assertEq(factory.treasury(), carol);
        _changeParameter(CreatorCoinFactory.Parameter.CoinThreshold, 7);
        assertEq(factory.coinThreshold(), 7);
        _changeParameter(CreatorCoinFactory.Parameter.PlaysBurst, 9);
        assertEq(factory.playsBurst(), 9);
        _changeParameter(CreatorCoinFactory.Parameter.PlaysPerSecond, 3);
        assertEq(factory.playsPerSecond(), 3);
        vm.expectRevert(
            abi.encodeWithSelector(CreatorCoinFactory.NoChangeScheduled.selector, CreatorCoinFactory.Parameter.Treasury)
        );
        factory.applyParameter(CreatorCoinFactory.Parameter.Treasury);
    }

    /// @dev Old contracts let the owner lower the reward milestone at once and let the creator
    /// claim every tranche in the same block; now holders get PARAMETER_DELAY of warning.
    function test_loweringTheRewardMilestoneGivesHoldersTheDelayAsWarning() public {
        _launch(1);
        address wallet = _linkWallet(1, "creator1");
        vm.prank(owner);
        factory.scheduleParameter(CreatorCoinFactory.Parameter.RewardMilestonePlays, 1);
        assertEq(factory.claimableMilestoneRewards(1), 0);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NothingToClaim.selector, 1));
        vm.prank(wallet);
        factory.claimMilestoneRewards(1);
        vm.prank(owner);
        factory.cancelParameter(CreatorCoinFactory.Parameter.RewardMilestonePlays);
        skip(factory.PARAMETER_DELAY());
        vm.expectRevert(
            abi.encodeWithSelector(
                CreatorCoinFactory.NoChangeScheduled.selector, CreatorCoinFactory.Parameter.RewardMilestonePlays
            )
        );
        factory.applyParameter(CreatorCoinFactory.Parameter.RewardMilestonePlays);
    }

    function test_parameterChangesRejectZeroAndOversizedValues() public {
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                CreatorCoinFactory.InvalidParameter.selector, CreatorCoinFactory.Parameter.Treasury, 0
            )
        );
        factory.scheduleParameter(CreatorCoinFactory.Parameter.Treasury, 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                CreatorCoinFactory.InvalidParameter.selector, CreatorCoinFactory.Parameter.CoinThreshold, 0
            )
        );
        factory.scheduleParameter(CreatorCoinFactory.Parameter.CoinThreshold, 0);
        uint256 tooBig = uint256(type(uint64).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                CreatorCoinFactory.InvalidParameter.selector, CreatorCoinFactory.Parameter.PlaysPerSecond, tooBig
            )
        );
        factory.scheduleParameter(CreatorCoinFactory.Parameter.PlaysPerSecond, tooBig);
    }

    function test_adminFunctionsRevertForAnyoneElse() public {
        bytes memory unauthorized = _unauthorized(oracle, factory.DEFAULT_ADMIN_ROLE());
        bytes32 metricsOracle = factory.METRICS_ORACLE_ROLE();
        vm.startPrank(oracle);
        vm.expectRevert(unauthorized);
        factory.scheduleParameter(CreatorCoinFactory.Parameter.Treasury, uint160(bob));
        vm.expectRevert(unauthorized);
        factory.cancelParameter(CreatorCoinFactory.Parameter.Treasury);
        vm.expectRevert(unauthorized);
        factory.connectMarkets(address(dex), address(distributor));
        vm.expectRevert(unauthorized);
        factory.grantRole(metricsOracle, bob);
    }

    // ------------------------------------------------------------ rate bound

    function test_aFirstReportAtTheCoinThresholdCountsAtOnceWithTheDefaults() public {
        _report(1, COIN_THRESHOLD);
        assertEq(factory.countedPlays(1), COIN_THRESHOLD);
        assertTrue(factory.coinOf(1) != address(0));
    }

    /// @dev Old contracts counted any reported jump at once: a stolen oracle key could report
    /// millions of plays and unlock every reward tranche in one transaction.
    function test_aJumpInPlaysCountsOnlyAtTheBoundedRate() public {
        _create(1);
        address wallet = _linkWallet(1, "creator1");
        _report(1, 1_000_000_000);
        assertEq(factory.countedPlays(1), COIN_THRESHOLD); // the burst went into the launch report
        assertEq(factory.claimableMilestoneRewards(1), 0);
        skip(1 hours);
        assertEq(factory.countedPlays(1), COIN_THRESHOLD + 36_000); // 10 plays per second
        skip(1 days); // a bucket refills to the burst at most between two reports
        assertEq(factory.countedPlays(1), 2 * COIN_THRESHOLD);
        _report(1, 1_000_000_000);
        (uint256 unlocked,,,) = factory.rewardVestingOf(1);
        assertEq(unlocked, factory.REWARD_PER_TRANCHE());
        vm.prank(wallet);
        factory.claimMilestoneRewards(1);
        // Real metrics keep applying: a later, lower report is not stale; it ends the pending jump.
        _report(1, 120_000);
        skip(1 days);
        assertEq(factory.countedPlays(1), 120_000);
    }

    /// @dev A stolen oracle key cannot push a creator's sequence out of reach of the worker's.
    function test_aSequenceCannotJumpFurtherThanTheMaximumStep() public {
        uint256 step = factory.MAX_SEQUENCE_STEP();
        vm.startPrank(oracle);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.MetricsOutOfRange.selector, 1));
        factory.updateCreatorMetrics(1, step + 1, 1, 0, 0, 0);
        factory.updateCreatorMetrics(1, step, 1, 0, 0, 0);
    }

    function test_constructorRejectsZeroAddresses() public {
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        new CreatorCoinFactory(owner, address(0), treasury);
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        new CreatorCoinFactory(owner, oracle, address(0));
    }

    function test_connectMarkets_worksOnlyOnce() public {
        vm.expectRevert(CreatorCoinFactory.MarketsAlreadyConnected.selector);
        vm.prank(owner);
        factory.connectMarkets(address(dex), address(distributor));
    }

    function test_connectMarkets_rejectsMarketsBuiltForAnotherFactory() public {
        CreatorCoinFactory other = new CreatorCoinFactory(owner, oracle, treasury);
        vm.startPrank(owner);
        vm.expectRevert(CreatorCoinFactory.MarketsMismatch.selector);
        other.connectMarkets(address(dex), address(distributor));
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        other.connectMarkets(address(0), address(distributor));
    }
}
