// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {LimitedDrops, IDropsFactory} from "../src/LimitedDrops.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";

contract LimitedDropsTest is Fixture {
    LimitedDrops internal drops;
    address internal wallet;

    event DropOpened(
        uint256 indexed dropId,
        uint256 indexed creatorId,
        address wallet,
        uint256 supply,
        uint256 price,
        uint256 start,
        uint256 end,
        uint256 perFanCap,
        uint256 commissionBps
    );
    event EditionsMinted(
        uint256 indexed dropId, address indexed fan, uint256 quantity, uint256 paid, uint256 commission
    );

    function setUp() public override {
        super.setUp();
        drops = new LimitedDrops(IDropsFactory(address(factory)), owner);
        _launch(1);
        wallet = _linkWallet(1, "creator1");
    }

    /// @dev Opens a drop of 10 editions at 1 FIL, from now for one day, 3 per fan.
    function _open() internal returns (uint256 dropId) {
        vm.prank(wallet);
        dropId = drops.openDrop(1, 10, 1 ether, uint40(block.timestamp), uint40(block.timestamp + 1 days), 3);
    }

    function _mint(address fan, uint256 dropId, uint256 quantity) internal {
        vm.prank(fan);
        drops.mint{value: quantity * 1 ether}(dropId, quantity);
    }

    function test_openDrop_recordsTheTermsAndEmits() public {
        vm.expectEmit(address(drops));
        emit DropOpened(1, 1, wallet, 10, 1 ether, block.timestamp, block.timestamp + 1 days, 3, 250);
        uint256 dropId = _open();
        assertEq(dropId, 1);
        LimitedDrops.Drop memory drop = drops.dropOf(dropId);
        assertEq(drop.wallet, wallet);
        assertEq(drop.supply, 10);
        assertEq(drop.commissionBps, 250);
    }

    function test_openDrop_onlyTheCreatorsBoundWalletOfACreatorWithACoin() public {
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.NotCreatorWallet.selector, 1, alice));
        vm.prank(alice);
        drops.openDrop(1, 10, 1 ether, uint40(block.timestamp), uint40(block.timestamp + 1), 1);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.NoCoin.selector, 2));
        vm.prank(wallet);
        drops.openDrop(2, 10, 1 ether, uint40(block.timestamp), uint40(block.timestamp + 1), 1);
    }

    function test_openDrop_rejectsInvalidTerms() public {
        vm.startPrank(wallet);
        vm.expectRevert(LimitedDrops.InvalidDrop.selector);
        drops.openDrop(1, 0, 1 ether, uint40(block.timestamp), uint40(block.timestamp + 1), 1);
        vm.expectRevert(LimitedDrops.InvalidDrop.selector);
        drops.openDrop(1, 10, 1 ether, uint40(block.timestamp), uint40(block.timestamp + 1), 0);
        vm.expectRevert(LimitedDrops.InvalidDrop.selector);
        drops.openDrop(1, 10, 1 ether, uint40(block.timestamp - 1), uint40(block.timestamp + 1), 1);
        vm.expectRevert(LimitedDrops.InvalidDrop.selector);
        drops.openDrop(1, 10, 1 ether, uint40(block.timestamp + 2), uint40(block.timestamp + 1), 1);
    }

    function test_mint_paysTheCreatorAndThePlatformCommission() public {
        uint256 dropId = _open();
        vm.expectEmit(address(drops));
        emit EditionsMinted(dropId, alice, 2, 2 ether, 0.05 ether);
        _mint(alice, dropId, 2);
        assertEq(drops.balanceOf(dropId, alice), 2);
        assertEq(drops.proceedsOf(wallet), 1.95 ether);
        assertEq(drops.commissionAccrued(), 0.05 ether);
        vm.prank(wallet);
        assertEq(drops.withdrawProceeds(), 1.95 ether);
        assertEq(wallet.balance, 1.95 ether);
        assertEq(drops.withdrawCommission(), 0.05 ether);
        assertEq(treasury.balance, 0.05 ether);
    }

    function test_mint_enforcesTheWindowTheSupplyTheFanCapAndThePrice() public {
        vm.prank(wallet);
        uint256 dropId =
            drops.openDrop(1, 4, 1 ether, uint40(block.timestamp + 10), uint40(block.timestamp + 20), 3);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.DropNotOpen.selector, dropId));
        _mint(alice, dropId, 1);
        skip(10);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.WrongPayment.selector, 1 ether, 2 ether));
        vm.prank(alice);
        drops.mint{value: 2 ether}(dropId, 1);
        _mint(alice, dropId, 3);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.FanCapReached.selector, dropId, 0));
        _mint(alice, dropId, 1);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.SoldOut.selector, dropId, 1));
        _mint(bob, dropId, 2);
        _mint(bob, dropId, 1);
        vm.prank(alice); // editions given away still count against the minter's cap
        drops.transfer(dropId, carol, 3);
        assertEq(drops.balanceOf(dropId, carol), 3);
        assertEq(drops.mintedBy(dropId, alice), 3);
        skip(11);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.DropNotOpen.selector, dropId));
        _mint(carol, dropId, 1);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.UnknownDrop.selector, 99));
        _mint(carol, 99, 1);
    }

    function test_commission_isSettableWithinTheCapAndFixedPerDrop() public {
        uint256 first = _open();
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.CommissionTooHigh.selector, 1_001));
        drops.setCommission(1_001);
        drops.setCommission(1_000);
        vm.stopPrank();
        uint256 second = _open();
        _mint(alice, first, 1);
        _mint(alice, second, 1);
        assertEq(drops.commissionAccrued(), 0.025 ether + 0.1 ether);
        bytes memory unauthorized = abi.encodeWithSelector(
            IAccessControl.AccessControlUnauthorizedAccount.selector, alice, drops.DEFAULT_ADMIN_ROLE()
        );
        vm.expectRevert(unauthorized);
        vm.prank(alice);
        drops.setCommission(0);
    }

    function test_transfer_rejectsMoreThanHeldAndTheZeroAddress() public {
        uint256 dropId = _open();
        _mint(alice, dropId, 1);
        vm.startPrank(alice);
        vm.expectRevert(abi.encodeWithSelector(LimitedDrops.InsufficientEditions.selector, 1));
        drops.transfer(dropId, bob, 2);
        vm.expectRevert(LimitedDrops.ZeroAddress.selector);
        drops.transfer(dropId, address(0), 1);
    }
}
