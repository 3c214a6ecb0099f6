// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Fixture} from "../Fixture.sol";
import {CreatorCoinFactory} from "../../src/CreatorCoinFactory.sol";
import {MusicDEX} from "../../src/MusicDEX.sol";
import {RevenueDistributor} from "../../src/RevenueDistributor.sol";
import {CreatorCoin} from "../../src/CreatorCoin.sol";

/// @dev Drives random buys, sells, transfers, deposits, claims, launch commitments and claims, and
/// reward vesting and delivery across three coins (the third still in its launch window at the
/// start) and four fans, and keeps ghost totals of what was deposited and claimed.
contract MarketsHandler is Test {
    MusicDEX internal dex;
    RevenueDistributor internal distributor;
    CreatorCoinFactory internal factory;
    address internal oracle;
    address[] public coins;
    address[] public actors;
    uint256 public ghostDeposited;
    uint256 public ghostClaimed;
    /// @dev Above every sequence the fixture used.
    uint256 internal sequence = 1_000_000;

    constructor(CreatorCoinFactory factory_, MusicDEX dex_, RevenueDistributor distributor_, address oracle_) {
        (factory, dex, distributor, oracle) = (factory_, dex_, distributor_, oracle_);
        coins.push(factory.coinOf(1));
        coins.push(factory.coinOf(2));
        coins.push(factory.coinOf(3));
        for (uint256 i; i < 4; ++i) {
            address actor = makeAddr(string.concat("fan", vm.toString(i)));
            vm.deal(actor, 10_000 ether);
            actors.push(actor);
        }
        vm.deal(oracle, 1_000_000 ether);
    }

    function coinCount() external view returns (uint256) {
        return coins.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function buy(uint256 actorSeed, uint256 coinSeed, uint256 value) external {
        address actor = actors[actorSeed % actors.length];
        address coin = coins[coinSeed % coins.length];
        value = bound(value, 1e9, 30 ether);
        vm.prank(actor);
        try dex.buy{value: value}(coin, 0, block.timestamp) {} catch {}
    }

    function sell(uint256 actorSeed, uint256 coinSeed, uint256 fraction) external {
        address actor = actors[actorSeed % actors.length];
        address coin = coins[coinSeed % coins.length];
        uint256 held = CreatorCoin(coin).balanceOf(actor);
        if (held == 0) return;
        vm.prank(actor);
        try dex.sell(coin, bound(fraction, 1, held), 0, block.timestamp) {} catch {}
    }

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 coinSeed, uint256 fraction) external {
        address from = actors[fromSeed % actors.length];
        address to = actors[toSeed % actors.length];
        CreatorCoin coin = CreatorCoin(coins[coinSeed % coins.length]);
        uint256 held = coin.balanceOf(from);
        if (held == 0) return;
        vm.prank(from);
        coin.transfer(to, bound(fraction, 1, held));
    }

    function claimLaunch(uint256 actorSeed, uint256 coinSeed) external {
        try dex.claimLaunch(coins[coinSeed % coins.length], actors[actorSeed % actors.length]) {} catch {}
    }

    function withdrawCommitment(uint256 actorSeed, uint256 coinSeed) external {
        vm.prank(actors[actorSeed % actors.length]);
        try dex.withdrawCommitment(coins[coinSeed % coins.length]) {} catch {}
    }

    /// @dev Mints every actor's share of `coin`'s launch, if its window has passed.
    function claimEveryLaunchShare(address coin) external {
        for (uint256 i; i < actors.length; ++i) {
            if (dex.commitmentOf(coin, actors[i]) != 0) try dex.claimLaunch(coin, actors[i]) {} catch {}
        }
    }

    function deposit(uint256 coinSeed, uint256 amount) external {
        address coin = coins[coinSeed % coins.length];
        amount = bound(amount, 1, 100 ether);
        vm.prank(oracle);
        try distributor.distribute{value: amount}(coin) {
            ghostDeposited += amount;
        } catch {}
    }

    function wait(uint256 duration) external {
        skip(bound(duration, 1, 10 days));
    }

    function claim(uint256 actorSeed, uint256 coinSeed) external {
        address actor = actors[actorSeed % actors.length];
        address coin = coins[coinSeed % coins.length];
        if (distributor.claimable(coin, actor) == 0) return;
        vm.prank(actor);
        ghostClaimed += distributor.claim(coin);
    }

    function reachMilestone(uint256 coinSeed, uint256 plays) external {
        uint256 creatorId = coinSeed % coins.length + 1;
        (, uint256 current,,) = factory.metricsOf(creatorId);
        plays = bound(plays, current + 1, current + 400_000);
        vm.prank(oracle);
        factory.updateCreatorMetrics(creatorId, ++sequence, plays, 0, 0, 0);
        claimRewards(coinSeed);
    }

    /// @dev The creator's wallet (an actor) starts vesting what unlocked and takes what vested,
    /// as far as the reward fund buys it.
    function claimRewards(uint256 coinSeed) public {
        uint256 creatorId = coinSeed % coins.length + 1;
        (address wallet,,) = factory.creatorOf(creatorId);
        vm.prank(wallet);
        try factory.claimMilestoneRewards(creatorId) {} catch {}
    }

    /// @dev Sells every actor's whole balance of `coin` (the creators' wallets are actors) and
    /// returns the native paid out plus the fees; reverts if any holder cannot sell. A balance
    /// worth less than one wei (the quote reverts with ZeroAmount) cannot be sold and is `dust`.
    function exitEveryone(address coin) external returns (uint256 gross, uint256 dust) {
        for (uint256 i; i < actors.length; ++i) {
            uint256 held = CreatorCoin(coin).balanceOf(actors[i]);
            if (held == 0) continue;
            try dex.quoteSell(coin, held) returns (uint256 out, uint256 fee) {
                vm.prank(actors[i]);
                dex.sell(coin, held, out, block.timestamp);
                gross += out + fee;
            } catch (bytes memory reason) {
                assertEq(bytes4(reason), MusicDEX.ZeroAmount.selector);
                dust += held;
            }
        }
    }
}

contract MarketsInvariantTest is Fixture {
    MarketsHandler internal handler;

    function setUp() public override {
        super.setUp();
        _launch(1);
        _launch(2);
        _create(3); // its launch window is open when the run starts
        handler = new MarketsHandler(factory, dex, distributor, oracle);
        assertEq(_linkWallet(1, "fan0"), handler.actors(0)); // a fan who is also creator 1
        assertEq(_linkWallet(2, "fan1"), handler.actors(1));
        targetContract(address(handler));
    }

    /// The DEX's native balance always covers selling every curve-sold coin back, plus fees owed,
    /// reward funds and commitments to open launches.
    function invariant_dexBalanceCoversSellingEveryCoinBack() public view {
        uint256 owed = dex.feesAccrued();
        for (uint256 i; i < handler.coinCount(); ++i) {
            address coin = handler.coins(i);
            (uint256 reserve, uint256 sold) = dex.poolOf(coin);
            (uint256 fund,) = dex.rewardFundOf(coin);
            (, bool open, uint256 committed,) = dex.launchOf(coin);
            owed += reserve + fund + (open ? committed : 0);
            if (sold > 0) {
                (uint256 out, uint256 fee) = dex.quoteSell(coin, sold);
                assertLe(out + fee, reserve);
            }
            assertGe((VIRTUAL_NATIVE + reserve) * (VIRTUAL_TOKENS - sold), dex.k());
        }
        assertGe(address(dex).balance, owed);
    }

    /// Every coin in existence, reward coins included, is one the curve sold: all holders together
    /// can always sell everything back, one after the other, and are paid what the curve owes for
    /// the whole supply (up to a few wei of rounding per sale, which stays in the pool).
    function invariant_everyHolderTogetherCanExitForWhatTheCurveOwes() public {
        for (uint256 i; i < handler.coinCount(); ++i) {
            CreatorCoin coin = CreatorCoin(handler.coins(i));
            assertLe(coin.totalSupply(), _sold(address(coin)), "no coin exists that the curve did not sell");
            uint256 state = vm.snapshotState();
            handler.claimEveryLaunchShare(address(coin)); // commitments become coins first
            uint256 supply = coin.totalSupply();
            (uint256 reserve, uint256 sold) = dex.poolOf(address(coin));
            assertLe(supply, sold, "no coin exists that the curve did not sell");
            if (supply == 0) {
                vm.revertToState(state);
                continue;
            }
            (uint256 out, uint256 fee) = dex.quoteSell(address(coin), supply);
            (uint256 gross, uint256 dust) = handler.exitEveryone(address(coin));
            assertEq(coin.totalSupply(), dust, "everyone sold what is worth a wei");
            assertLt(dust, 1e12, "dust is a millionth of a coin at most");
            (uint256 left, uint256 soldLeft) = dex.poolOf(address(coin));
            assertEq(soldLeft, sold - supply + dust);
            assertEq(reserve - left, gross);
            assertLe(gross, out + fee);
            assertApproxEqAbs(gross, out + fee, 1e6);
            vm.revertToState(state);
        }
    }

    function _sold(address coin) private view returns (uint256 sold) {
        (, sold) = dex.poolOf(coin);
    }

    /// What the distributor owes its holders never exceeds what is left of the deposits.
    function invariant_distributorNeverOwesMoreThanWasDeposited() public view {
        uint256 owed;
        for (uint256 c; c < handler.coinCount(); ++c) {
            for (uint256 a; a < handler.actorCount(); ++a) {
                owed += distributor.claimable(handler.coins(c), handler.actors(a));
            }
        }
        assertLe(owed, handler.ghostDeposited() - handler.ghostClaimed());
        assertEq(address(distributor).balance, handler.ghostDeposited() - handler.ghostClaimed());
    }

    /// Every deposit reaches the holders of record: what was claimed, what holders can claim and
    /// what is still streaming add up to the deposits, up to rounding dust.
    function invariant_depositsReachHoldersOfRecord() public view {
        uint256 accounted = handler.ghostClaimed();
        for (uint256 c; c < handler.coinCount(); ++c) {
            (uint256 pending,) = distributor.pendingRevenue(handler.coins(c));
            accounted += pending;
            for (uint256 a; a < handler.actorCount(); ++a) {
                accounted += distributor.claimable(handler.coins(c), handler.actors(a));
            }
        }
        assertLe(accounted, handler.ghostDeposited());
        assertApproxEqAbs(accounted, handler.ghostDeposited(), 1e9);
    }

    /// Claims never add up to more than the deposits.
    function invariant_totalClaimedNeverExceedsTotalDeposited() public view {
        assertLe(handler.ghostClaimed(), handler.ghostDeposited());
        uint256 recorded;
        for (uint256 c; c < handler.coinCount(); ++c) {
            recorded += distributor.totalDeposited(handler.coins(c));
        }
        assertEq(recorded, handler.ghostDeposited());
    }
}
