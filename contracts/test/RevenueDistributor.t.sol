// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {RevenueDistributor} from "../src/RevenueDistributor.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";

contract RevenueDistributorTest is Fixture {
    CreatorCoin internal coin;

    event RevenueDistributed(address indexed coin, address indexed from, uint256 amount, uint256 eligibleSupply);
    event RevenueClaimed(address indexed coin, address indexed holder, uint256 amount);

    function setUp() public override {
        super.setUp();
        coin = _launch(1);
    }

    function _deposit(uint256 amount) internal {
        vm.prank(oracle);
        distributor.distribute{value: amount}(address(coin));
    }

    function test_distribute_sharesRevenueProRataAmongHolders() public {
        uint256 a = _buy(alice, address(coin), 1 ether);
        uint256 b = _buy(bob, address(coin), 3 ether);
        vm.expectEmit(address(distributor));
        emit RevenueDistributed(address(coin), oracle, 10 ether, a + b);
        _deposit(10 ether);
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 10 ether * a / (a + b), 1);
        assertApproxEqAbs(distributor.claimable(address(coin), bob), 10 ether * b / (a + b), 1);
        assertEq(distributor.totalDeposited(address(coin)), 10 ether);
    }

    function test_distribute_canBeCalledByAnyone() public {
        _buy(alice, address(coin), 1 ether);
        vm.prank(carol);
        distributor.distribute{value: 1 ether}(address(coin));
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 1 ether, 1);
    }

    function test_distribute_revertsWithNoValue() public {
        _buy(alice, address(coin), 1 ether);
        vm.expectRevert(RevenueDistributor.ZeroAmount.selector);
        distributor.distribute(address(coin));
    }

    function test_distribute_revertsForACoinTheFactoryDidNotCreate() public {
        vm.expectRevert(abi.encodeWithSelector(RevenueDistributor.UnknownCoin.selector, bob));
        distributor.distribute{value: 1 ether}(bob);
    }

    function test_distribute_revertsWhileLessThanOneCoinIsHeld() public {
        vm.expectRevert(abi.encodeWithSelector(RevenueDistributor.NotEnoughHolders.selector, 0));
        _deposit(1 ether);
    }

    function test_distributeBatch_depositsForEveryCoin() public {
        CreatorCoin other = _launch(2);
        _buy(alice, address(coin), 1 ether);
        _buy(bob, address(other), 1 ether);
        address[] memory coins = new address[](2);
        (coins[0], coins[1]) = (address(coin), address(other));
        uint256[] memory amounts = new uint256[](2);
        (amounts[0], amounts[1]) = (1 ether, 2 ether);
        vm.prank(oracle);
        distributor.distributeBatch{value: 3 ether}(coins, amounts);
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 1 ether, 1);
        assertApproxEqAbs(distributor.claimable(address(other), bob), 2 ether, 1);
    }

    function test_distributeBatch_revertsWhenTheAmountsDoNotAddUpToTheValue() public {
        _buy(alice, address(coin), 1 ether);
        address[] memory coins = new address[](1);
        coins[0] = address(coin);
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = 1 ether;
        vm.expectRevert(abi.encodeWithSelector(RevenueDistributor.ValueMismatch.selector, 1 ether, 2 ether));
        vm.prank(oracle);
        distributor.distributeBatch{value: 2 ether}(coins, amounts);
    }

    function test_distributeBatch_revertsOnArraysOfDifferentLengths() public {
        vm.expectRevert(RevenueDistributor.LengthMismatch.selector);
        distributor.distributeBatch(new address[](1), new uint256[](2));
    }

    function test_claim_paysTheShareOnceAndEmits() public {
        _buy(alice, address(coin), 1 ether);
        _deposit(2 ether);
        uint256 share = distributor.claimable(address(coin), alice);
        uint256 before = alice.balance;
        vm.expectEmit(address(distributor));
        emit RevenueClaimed(address(coin), alice, share);
        vm.prank(alice);
        assertEq(distributor.claim(address(coin)), share);
        assertEq(alice.balance - before, share);
        assertEq(distributor.claimable(address(coin), alice), 0);
        vm.expectRevert(RevenueDistributor.NothingToClaim.selector);
        vm.prank(alice);
        distributor.claim(address(coin));
    }

    function test_claim_revertsWhenTheHolderRefusesPayment() public {
        Refuser refuser = new Refuser();
        vm.deal(address(refuser), 1 ether);
        vm.prank(address(refuser));
        dex.buy{value: 1 ether}(address(coin), 0, block.timestamp);
        _deposit(1 ether);
        vm.expectRevert(RevenueDistributor.NativeTransferFailed.selector);
        vm.prank(address(refuser));
        distributor.claim(address(coin));
    }

    function test_revenueEarnedStaysWithTheSellerAfterATransfer() public {
        uint256 a = _buy(alice, address(coin), 1 ether);
        _deposit(1 ether);
        vm.prank(alice);
        coin.transfer(bob, a);
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 1 ether, 1);
        assertEq(distributor.claimable(address(coin), bob), 0);
        _deposit(1 ether);
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 1 ether, 1);
        assertApproxEqAbs(distributor.claimable(address(coin), bob), 1 ether, 1);
    }

    function test_aLateBuyerEarnsNothingFromEarlierDeposits() public {
        _buy(alice, address(coin), 1 ether);
        _deposit(1 ether);
        _buy(bob, address(coin), 5 ether);
        assertEq(distributor.claimable(address(coin), bob), 0);
    }

    function test_sellingBackKeepsWhatWasEarned() public {
        uint256 a = _buy(alice, address(coin), 1 ether);
        _buy(bob, address(coin), 1 ether);
        _deposit(1 ether);
        uint256 earned = distributor.claimable(address(coin), alice);
        _sell(alice, address(coin), a);
        assertEq(distributor.claimable(address(coin), alice), earned);
    }

    function test_theDexEarnsNothingAndDilutesNobody() public {
        uint256 a = _buy(alice, address(coin), 1 ether);
        vm.prank(alice);
        coin.transfer(address(dex), a / 2);
        _deposit(1 ether);
        assertEq(distributor.claimable(address(coin), address(dex)), 0);
        assertApproxEqAbs(distributor.claimable(address(coin), alice), 1 ether, 1);
        assertEq(distributor.eligibleSupply(address(coin)), a - a / 2);
    }

    function test_onTransferFromAStrangerOnlyTouchesItsOwnLedger() public {
        _buy(alice, address(coin), 1 ether);
        _deposit(1 ether);
        uint256 before = distributor.claimable(address(coin), alice);
        vm.prank(bob); // bob is not a coin: its calls write corrections under bob's own key
        distributor.onTransfer(alice, address(0), 1e24);
        assertEq(distributor.claimable(address(coin), alice), before);
        assertEq(distributor.claimable(bob, alice), 0);
    }

    function testFuzz_eachHolderClaimsTheirProRataShareOfEveryDepositWhileTheyHeld(
        uint256 buyA,
        uint256 buyB,
        uint256 dep1,
        uint256 moved,
        uint256 dep2
    ) public {
        uint256 a = _buy(alice, address(coin), bound(buyA, 0.01 ether, 20 ether));
        uint256 b = _buy(bob, address(coin), bound(buyB, 0.01 ether, 20 ether));
        dep1 = bound(dep1, 1, 1_000 ether);
        dep2 = bound(dep2, 1, 1_000 ether);
        vm.deal(oracle, 3_000 ether);
        _deposit(dep1);
        uint256 m = bound(moved, 0, a);
        vm.prank(alice);
        coin.transfer(carol, m);
        _deposit(dep2);
        uint256 supply = a + b;
        uint256 expectA = dep1 * a / supply + dep2 * (a - m) / supply;
        uint256 expectB = dep1 * b / supply + dep2 * b / supply;
        uint256 expectC = dep2 * m / supply;
        assertApproxEqAbs(distributor.claimable(address(coin), alice), expectA, 2);
        assertApproxEqAbs(distributor.claimable(address(coin), bob), expectB, 2);
        assertApproxEqAbs(distributor.claimable(address(coin), carol), expectC, 2);
        assertLe(
            distributor.claimable(address(coin), alice) + distributor.claimable(address(coin), bob)
                + distributor.claimable(address(coin), carol),
            dep1 + dep2
        );
    }
}

contract Refuser {
    receive() external payable {
        if (msg.sender != address(0)) revert();
    }
}
