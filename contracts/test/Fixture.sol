// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CreatorCoinFactory} from "../src/CreatorCoinFactory.sol";
import {MusicDEX} from "../src/MusicDEX.sol";
import {RevenueDistributor} from "../src/RevenueDistributor.sol";
import {CreatorCoin} from "../src/CreatorCoin.sol";
import {ICreatorCoinFactory} from "../src/interfaces/ICreatorCoinFactory.sol";

/// @dev The three contracts wired as the deploy script wires them, plus helpers shared by the suites.
abstract contract Fixture is Test {
    uint256 internal constant VIRTUAL_NATIVE = 30 ether;
    uint256 internal constant VIRTUAL_TOKENS = 1_073_000_000e18;
    uint256 internal constant CURVE_SUPPLY = 800_000_000e18;
    uint256 internal constant COIN_THRESHOLD = 50_000;

    address internal owner = makeAddr("owner");
    address internal oracle = makeAddr("oracle");
    address internal treasury = makeAddr("treasury");
    address internal alice = makeAddr("alice");
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    CreatorCoinFactory internal factory;
    MusicDEX internal dex;
    RevenueDistributor internal distributor;

    function setUp() public virtual {
        vm.warp(1_700_000_000); // a realistic clock: rate bounds count seconds since the epoch
        factory = new CreatorCoinFactory(owner, oracle, treasury);
        dex = new MusicDEX(ICreatorCoinFactory(address(factory)), VIRTUAL_NATIVE, VIRTUAL_TOKENS, CURVE_SUPPLY);
        distributor = new RevenueDistributor(ICreatorCoinFactory(address(factory)), address(dex));
        vm.prank(owner);
        factory.connectMarkets(address(dex), address(distributor));
        vm.deal(alice, 1_000 ether);
        vm.deal(bob, 1_000 ether);
        vm.deal(carol, 1_000 ether);
        vm.deal(oracle, 1_000 ether);
    }

    /// @dev The oracle's sequence numbers, increasing across all creators like the worker's job ids.
    uint256 internal lastSequence;

    /// @dev Reports `plays` for `creatorId` as the oracle, creating the coin at the threshold.
    function _report(uint256 creatorId, uint256 plays) internal {
        vm.prank(oracle);
        factory.updateCreatorMetrics(creatorId, ++lastSequence, plays, 0, 0, keccak256(abi.encode(creatorId, plays)));
    }

    /// @dev Reports `plays` and lets time pass, re-reporting, until they all count under the rate bound.
    function _reportAndCount(uint256 creatorId, uint256 plays) internal {
        _report(creatorId, plays);
        uint256 refill = factory.playsBurst() / factory.playsPerSecond();
        while (factory.countedPlays(creatorId) < plays) {
            skip(refill);
            _report(creatorId, plays);
        }
    }

    /// @dev Schedules a parameter change as the admin, waits out the delay and applies it.
    function _changeParameter(CreatorCoinFactory.Parameter parameter, uint256 value) internal {
        vm.prank(owner);
        factory.scheduleParameter(parameter, value);
        skip(factory.PARAMETER_DELAY());
        factory.applyParameter(parameter);
    }

    /// @dev `signerKey`'s personal_sign signature of the wallet-link message for `creatorId`.
    function _walletLinkSignature(uint256 creatorId, address wallet, uint256 signerKey)
        internal
        view
        returns (bytes memory)
    {
        bytes memory message = bytes(factory.walletLinkMessage(creatorId, wallet));
        bytes32 digest =
            keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n", vm.toString(message.length), message));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(signerKey, digest);
        return abi.encodePacked(r, s, v);
    }

    /// @dev Binds a fresh wallet named `name` to `creatorId`, signed by that wallet, as the oracle.
    function _linkWallet(uint256 creatorId, string memory name) internal returns (address wallet) {
        uint256 key;
        (wallet, key) = makeAddrAndKey(name);
        bytes memory signature = _walletLinkSignature(creatorId, wallet, key);
        vm.prank(oracle);
        factory.setCreatorWallet(creatorId, wallet, signature);
    }

    /// @dev Creates the coin and lets its launch window pass with nobody committed, so that the
    /// next buy trades on the curve at once.
    function _launch(uint256 creatorId) internal returns (CreatorCoin coin) {
        coin = _create(creatorId);
        skip(dex.LAUNCH_WINDOW() + 1);
    }

    /// @dev Creates the coin; its launch window opens now.
    function _create(uint256 creatorId) internal returns (CreatorCoin coin) {
        _report(creatorId, COIN_THRESHOLD);
        coin = CreatorCoin(factory.coinOf(creatorId));
    }

    function _buy(address who, address coin, uint256 value) internal returns (uint256 out) {
        vm.prank(who);
        out = dex.buy{value: value}(coin, 0, block.timestamp);
    }

    function _sell(address who, address coin, uint256 amount) internal returns (uint256 out) {
        vm.prank(who);
        out = dex.sell(coin, amount, 0, block.timestamp);
    }
}
