// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";

/// @dev Execution gas of the hot paths against the goals in docs/contracts.md, as forge's gas
/// report counts it (the called contract's frame). Every measured call starts with cold accounts
/// and slots, as in a real transaction; the 21,000 intrinsic gas and calldata are not included
/// (scripts/test-contracts reports full transaction gas from a real anvil).
contract GasGoalsTest is Fixture {
    uint256 internal constant BATCH = 50;
    CreatorCoin internal coin;

    function setUp() public override {
        super.setUp();
        coin = _launch(1);
        _buy(alice, address(coin), 1 ether);
        _buy(bob, address(coin), 1 ether);
        vm.prank(oracle);
        distributor.distribute{value: 1 ether}(address(coin));
        skip(1 days); // the deposit is streaming: trades settle it, claims have something to take
        _buy(alice, address(coin), 0.1 ether);
        skip(1 hours);
    }

    function _coolAll() internal {
        vm.cool(address(factory));
        vm.cool(address(dex));
        vm.cool(address(distributor));
        vm.cool(address(coin));
        vm.cool(alice);
        vm.cool(bob);
    }

    function _batch(uint256 firstId, uint256 plays)
        internal
        pure
        returns (
            uint256[] memory ids,
            uint256[] memory seq,
            uint256[] memory p,
            uint256[] memory f,
            uint256[] memory r,
            bytes32[] memory h
        )
    {
        ids = new uint256[](BATCH);
        seq = new uint256[](BATCH);
        p = new uint256[](BATCH);
        f = new uint256[](BATCH);
        r = new uint256[](BATCH);
        h = new bytes32[](BATCH);
        for (uint256 i; i < BATCH; ++i) {
            ids[i] = firstId + i;
            seq[i] = plays + i;
            p[i] = plays + i;
            f[i] = plays / 10 + i;
            r[i] = plays * 1e15;
            h[i] = keccak256(abi.encode(ids[i], plays));
        }
    }

    function test_batchMetricsUpdateCostsAtMost15kGasPerCreator() public {
        (
            uint256[] memory ids,
            uint256[] memory seq,
            uint256[] memory p,
            uint256[] memory f,
            uint256[] memory r,
            bytes32[] memory h
        ) =
            _batch(1000, 10_000);
        vm.prank(oracle);
        factory.updateCreatorMetricsBatch(ids, seq, p, f, r, h);
        (ids, seq, p, f, r, h) = _batch(1000, 20_000);
        _coolAll();
        vm.prank(oracle);
        factory.updateCreatorMetricsBatch(ids, seq, p, f, r, h);
        uint256 used = vm.snapshotGasLastCall("metrics_batch50_repeat");
        assertLe(used / BATCH, 15_000);
    }

    function test_firstBatchMetricsUpdateIsMeasured() public {
        (
            uint256[] memory ids,
            uint256[] memory seq,
            uint256[] memory p,
            uint256[] memory f,
            uint256[] memory r,
            bytes32[] memory h
        ) =
            _batch(1000, 10_000);
        _coolAll();
        vm.prank(oracle);
        factory.updateCreatorMetricsBatch(ids, seq, p, f, r, h);
        uint256 used = vm.snapshotGasLastCall("metrics_batch50_first");
        assertGt(used, 0);
    }

    function test_singleMetricsUpdateIsMeasured() public {
        _report(7, 1_000);
        _coolAll();
        vm.prank(oracle);
        factory.updateCreatorMetrics(7, 1_000_000, 2_000, 10, 0, bytes32(uint256(1)));
        vm.snapshotGasLastCall("metrics_single_repeat");
    }

    function test_coinCreationCostsAtMost250kGas() public {
        _report(9, 49_000);
        _coolAll();
        vm.prank(oracle);
        factory.updateCreatorMetrics(9, 1_000_000, 50_000, 10, 0, bytes32(uint256(1)));
        uint256 used = vm.snapshotGasLastCall("metrics_single_creating_coin");
        assertTrue(factory.coinOf(9) != address(0));
        assertLe(used, 250_000);
    }

    function test_buyByAHolderCostsAtMost90kGas() public {
        _coolAll();
        vm.prank(alice);
        dex.buy{value: 0.5 ether}(address(coin), 0, block.timestamp);
        assertLe(vm.snapshotGasLastCall("buy_existing_holder"), 90_000);
    }

    /// @dev Settling the revenue stream on the transfer costs about 8,500 gas; buy has no
    /// reentrancy guard (it calls only the coin and the distributor), which pays for it.
    function test_buyByANewHolderWhileRevenueStreamsCostsAtMost90kGas() public {
        _coolAll();
        vm.cool(carol);
        vm.prank(carol);
        dex.buy{value: 0.5 ether}(address(coin), 0, block.timestamp);
        assertLe(vm.snapshotGasLastCall("buy_new_holder"), 90_000);
    }

    function test_aLaunchCommitmentIsMeasured() public {
        _report(11, COIN_THRESHOLD);
        address fresh = factory.coinOf(11);
        _coolAll();
        vm.cool(carol);
        vm.prank(carol);
        dex.buy{value: 0.5 ether}(fresh, 0, block.timestamp);
        vm.snapshotGasLastCall("launch_commit_new_buyer");
    }

    function test_sellCostsAtMost90kGas() public {
        uint256 half = coin.balanceOf(alice) / 2;
        _coolAll();
        vm.prank(alice);
        dex.sell(address(coin), half, 0, block.timestamp);
        assertLe(vm.snapshotGasLastCall("sell_part"), 90_000);
    }

    function test_claimCostsAtMost60kGas() public {
        _coolAll();
        vm.prank(bob);
        distributor.claim(address(coin));
        assertLe(vm.snapshotGasLastCall("claim"), 60_000);
    }

    function test_depositCostsNoMoreWithTwoHundredTimesTheHolders() public {
        // Both deposits start from the same state; the second can only come out cheaper, because
        // slots the first one wrote stay "dirty" for the rest of the test transaction.
        uint256 start = vm.snapshotState();
        _coolAll();
        distributor.distribute{value: 1 ether}(address(coin));
        uint256 few = vm.snapshotGasLastCall("distribute_few_holders");
        vm.revertToState(start);
        for (uint256 i; i < 200; ++i) {
            address fan = address(uint160(0x10000 + i));
            vm.deal(fan, 1 ether);
            _buy(fan, address(coin), 0.01 ether);
        }
        _coolAll();
        distributor.distribute{value: 1 ether}(address(coin));
        uint256 many = vm.snapshotGasLastCall("distribute_many_holders");
        assertLe(many, few);
    }
}
