// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {CreatorCoinFactory} from "../src/CreatorCoinFactory.sol";
import {MusicDEX} from "../src/MusicDEX.sol";
import {RevenueDistributor} from "../src/RevenueDistributor.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";
import {ICreatorCoinFactory} from "../src/interfaces/ICreatorCoinFactory.sol";

contract CreatorCoinFactoryTest is Fixture {
    event CreatorCoinCreated(uint256 creatorId, address coin);
    event CreatorMetricsUpdated(
        uint256 indexed creatorId, uint256 totalPlays, uint256 followers, uint256 revenue, bytes32 dataHash
    );
    event MetricsUpdateSkipped(uint256 indexed creatorId, CreatorCoinFactory.SkipReason reason);

    function _arrays(uint256 n)
        internal
        pure
        returns (uint256[] memory a, uint256[] memory b, uint256[] memory c, uint256[] memory d, bytes32[] memory e)
    {
        a = new uint256[](n);
        b = new uint256[](n);
        c = new uint256[](n);
        d = new uint256[](n);
        e = new bytes32[](n);
    }

    // ------------------------------------------------------------ metrics

    function test_updateCreatorMetrics_recordsMetricsAndEmitsThem() public {
        vm.expectEmit(address(factory));
        emit CreatorMetricsUpdated(3, 1_000, 20, 5 ether, bytes32(uint256(7)));
        vm.prank(oracle);
        factory.updateCreatorMetrics(3, 1_000, 20, 5 ether, bytes32(uint256(7)));
        (uint256 plays, uint256 followers, uint256 revenue, bool hasCoin) = factory.metricsOf(3);
        assertEq(plays, 1_000);
        assertEq(followers, 20);
        assertEq(revenue, 5 ether);
        assertFalse(hasCoin);
        assertEq(factory.coinOf(3), address(0));
    }

    function test_updateCreatorMetrics_revertsForAnyoneButTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotOracle.selector, alice));
        vm.prank(alice);
        factory.updateCreatorMetrics(1, 1, 1, 1, 0);
    }

    function test_updateCreatorMetrics_revertsWhenPlaysGoBackwards() public {
        _report(1, 1_000);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.StaleMetrics.selector, 1));
        _report(1, 999);
    }

    function test_updateCreatorMetrics_revertsWhenRevenueGoesBackwards() public {
        vm.startPrank(oracle);
        factory.updateCreatorMetrics(1, 10, 0, 2 ether, 0);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.StaleMetrics.selector, 1));
        factory.updateCreatorMetrics(1, 11, 0, 1 ether, 0);
    }

    function test_updateCreatorMetrics_revertsOnAReplayedUpdate() public {
        _report(1, 1_000);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.DuplicateMetrics.selector, 1));
        _report(1, 1_000);
    }

    function test_updateCreatorMetrics_acceptsFewerFollowersWhenPlaysGrow() public {
        vm.startPrank(oracle);
        factory.updateCreatorMetrics(1, 10, 50, 0, 0);
        factory.updateCreatorMetrics(1, 11, 40, 0, 0);
        (, uint256 followers,,) = factory.metricsOf(1);
        assertEq(followers, 40);
    }

    function test_updateCreatorMetrics_revertsWhenAValueDoesNotFit() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.MetricsOutOfRange.selector, 1));
        vm.prank(oracle);
        factory.updateCreatorMetrics(1, uint256(type(uint64).max) + 1, 0, 0, 0);
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
        vm.prank(owner);
        factory.setCoinThreshold(10_000);
        _report(5, 20_001);
        assertTrue(factory.coinOf(5) != address(0));
    }

    function test_coinCreationRevertsBeforeTheMarketsAreConnected() public {
        CreatorCoinFactory bare = new CreatorCoinFactory(owner, oracle, treasury);
        vm.expectRevert(CreatorCoinFactory.MarketsNotConnected.selector);
        vm.prank(oracle);
        bare.updateCreatorMetrics(1, COIN_THRESHOLD, 0, 0, 0);
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
        (uint256[] memory ids, uint256[] memory p, uint256[] memory f, uint256[] memory r, bytes32[] memory h) =
            _arrays(3);
        for (uint256 i; i < 3; ++i) {
            ids[i] = i + 1;
            p[i] = 100 * (i + 1);
        }
        vm.prank(oracle);
        assertEq(factory.updateCreatorMetricsBatch(ids, p, f, r, h), 3);
        (uint256 plays,,,) = factory.metricsOf(3);
        assertEq(plays, 300);
    }

    function test_batch_skipsStaleReplayedAndOversizedEntriesWithoutFailingTheOthers() public {
        _report(1, 500);
        _report(2, 500);
        (uint256[] memory ids, uint256[] memory p, uint256[] memory f, uint256[] memory r, bytes32[] memory h) =
            _arrays(4);
        (ids[0], p[0]) = (1, 400); // stale
        (ids[1], p[1]) = (2, 500); // replay
        (ids[2], p[2]) = (3, uint256(type(uint64).max) + 1); // out of range
        (ids[3], p[3]) = (4, COIN_THRESHOLD); // fresh, creates a coin
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(1, CreatorCoinFactory.SkipReason.Stale);
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(2, CreatorCoinFactory.SkipReason.Duplicate);
        vm.expectEmit(address(factory));
        emit MetricsUpdateSkipped(3, CreatorCoinFactory.SkipReason.OutOfRange);
        vm.prank(oracle);
        assertEq(factory.updateCreatorMetricsBatch(ids, p, f, r, h), 1);
        assertTrue(factory.coinOf(4) != address(0));
        (uint256 plays,,,) = factory.metricsOf(1);
        assertEq(plays, 500);
    }

    function test_batch_revertsOnArraysOfDifferentLengths() public {
        (uint256[] memory ids, uint256[] memory p, uint256[] memory f, uint256[] memory r,) = _arrays(2);
        vm.expectRevert(CreatorCoinFactory.LengthMismatch.selector);
        vm.prank(oracle);
        factory.updateCreatorMetricsBatch(ids, p, f, r, new bytes32[](1));
    }

    function test_batch_revertsForAnyoneButTheOracle() public {
        (uint256[] memory ids, uint256[] memory p, uint256[] memory f, uint256[] memory r, bytes32[] memory h) =
            _arrays(1);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotOracle.selector, alice));
        vm.prank(alice);
        factory.updateCreatorMetricsBatch(ids, p, f, r, h);
    }

    // ------------------------------------------------------------ wallets, badges, rewards

    function test_setCreatorWallet_bindsTheWallet() public {
        vm.prank(oracle);
        factory.setCreatorWallet(1, alice);
        (address wallet,,) = factory.creatorOf(1);
        assertEq(wallet, alice);
    }

    function test_setCreatorWallet_revertsOnTheZeroAddress() public {
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        vm.prank(oracle);
        factory.setCreatorWallet(1, address(0));
    }

    function test_setCreatorWallet_revertsForAnyoneButTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotOracle.selector, alice));
        vm.prank(alice);
        factory.setCreatorWallet(1, alice);
    }

    function test_setVerified_setsAndClearsTheBadgeIdempotently() public {
        vm.startPrank(oracle);
        factory.setVerified(1, true);
        factory.setVerified(1, true);
        assertTrue(factory.isVerified(1));
        factory.setVerified(1, false);
        assertFalse(factory.isVerified(1));
    }

    function test_setVerified_revertsForAnyoneButTheOracle() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotOracle.selector, alice));
        vm.prank(alice);
        factory.setVerified(1, true);
    }

    function test_milestoneRewards_unlockOneTrancheEveryMilestone() public {
        CreatorCoin coin = _launch(1);
        vm.prank(oracle);
        factory.setCreatorWallet(1, alice);
        assertEq(factory.claimableMilestoneRewards(1), 0);
        _report(1, 250_000); // milestones at 100k and 200k
        assertEq(factory.claimableMilestoneRewards(1), 2 * factory.REWARD_PER_TRANCHE());
        vm.prank(alice);
        assertEq(factory.claimMilestoneRewards(1), 2 * factory.REWARD_PER_TRANCHE());
        assertEq(coin.balanceOf(alice), 2 * factory.REWARD_PER_TRANCHE());
        _report(1, 5_000_000); // capped at ten tranches
        vm.prank(alice);
        factory.claimMilestoneRewards(1);
        assertEq(coin.balanceOf(alice), 10 * factory.REWARD_PER_TRANCHE());
    }

    function test_milestoneRewards_revertWhenNothingIsUnlocked() public {
        _launch(1);
        vm.prank(oracle);
        factory.setCreatorWallet(1, alice);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NothingToClaim.selector, 1));
        vm.prank(alice);
        factory.claimMilestoneRewards(1);
    }

    function test_milestoneRewards_revertForAnyoneButTheCreatorsWallet() public {
        _launch(1);
        _report(1, 100_000);
        vm.prank(oracle);
        factory.setCreatorWallet(1, alice);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NotCreatorWallet.selector, 1, bob));
        vm.prank(bob);
        factory.claimMilestoneRewards(1);
    }

    function test_milestoneRewards_revertBeforeTheCoinExists() public {
        vm.prank(owner);
        factory.setRewardMilestonePlays(10);
        _report(1, 100);
        vm.prank(oracle);
        factory.setCreatorWallet(1, alice);
        vm.expectRevert(abi.encodeWithSelector(CreatorCoinFactory.NoCoin.selector, 1));
        vm.prank(alice);
        factory.claimMilestoneRewards(1);
    }

    // ------------------------------------------------------------ owner settings

    function test_ownerSettersUpdateAndRejectZero() public {
        vm.startPrank(owner);
        factory.setOracle(bob);
        assertEq(factory.oracle(), bob);
        factory.setTreasury(carol);
        assertEq(factory.treasury(), carol);
        factory.setCoinThreshold(7);
        assertEq(factory.coinThreshold(), 7);
        factory.setRewardMilestonePlays(9);
        assertEq(factory.rewardMilestonePlays(), 9);
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        factory.setOracle(address(0));
        vm.expectRevert(CreatorCoinFactory.ZeroAddress.selector);
        factory.setTreasury(address(0));
        vm.expectRevert(CreatorCoinFactory.ZeroValue.selector);
        factory.setCoinThreshold(0);
        vm.expectRevert(CreatorCoinFactory.ZeroValue.selector);
        factory.setRewardMilestonePlays(0);
    }

    function test_ownerSettersRevertForAnyoneElse() public {
        bytes memory unauthorized = abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, oracle);
        vm.startPrank(oracle);
        vm.expectRevert(unauthorized);
        factory.setOracle(bob);
        vm.expectRevert(unauthorized);
        factory.setTreasury(bob);
        vm.expectRevert(unauthorized);
        factory.setCoinThreshold(1);
        vm.expectRevert(unauthorized);
        factory.setRewardMilestonePlays(1);
        vm.expectRevert(unauthorized);
        factory.connectMarkets(address(dex), address(distributor));
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
