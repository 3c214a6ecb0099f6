// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";

contract CreatorCoinTest is Fixture {
    CreatorCoin internal coin;

    function setUp() public override {
        super.setUp();
        coin = _launch(7);
    }

    function test_aNewCoinHasNoSupplyAndEighteenDecimals() public view {
        assertEq(coin.totalSupply(), 0);
        assertEq(coin.decimals(), 18);
        assertEq(coin.creatorId(), 7);
    }

    function test_mint_revertsForAnyoneButTheDexAndTheFactory() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoin.UnauthorizedMinter.selector, alice));
        vm.prank(alice);
        coin.mint(alice, 1);
    }

    function test_burn_revertsForAnyoneButTheDex() public {
        vm.expectRevert(abi.encodeWithSelector(CreatorCoin.UnauthorizedMinter.selector, address(factory)));
        vm.prank(address(factory));
        coin.burn(alice, 1);
    }

    function test_transfersMoveBalancesAndReachTheDistributor() public {
        uint256 a = _buy(alice, address(coin), 1 ether);
        vm.expectCall(address(distributor), abi.encodeCall(distributor.onTransfer, (alice, bob, a / 3)));
        vm.prank(alice);
        coin.transfer(bob, a / 3);
        assertEq(coin.balanceOf(bob), a / 3);
        vm.prank(bob);
        coin.approve(carol, 5);
        vm.prank(carol);
        coin.transferFrom(bob, carol, 5);
        assertEq(coin.balanceOf(carol), 5);
    }
}
