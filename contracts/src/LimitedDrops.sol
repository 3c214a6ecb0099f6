// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

/// @dev What the drops need from the factory.
interface IDropsFactory {
    function coinOf(uint256 creatorId) external view returns (address);
    function creatorOf(uint256 creatorId) external view returns (address wallet, bool verified, uint256 claimed);
    function treasury() external view returns (address);
}

/// @title LimitedDrops
/// @notice Limited-edition drops: a creator with a coin opens a drop of a fixed number of editions
/// at a fixed price, minted by fans during a time window, at most perFanCap each. The platform
/// keeps its commission (2.5% by default, never above MAX_COMMISSION_BPS, fixed per drop when it
/// opens); the rest is owed to the creator's wallet bound in the factory when the drop opened.
/// Payments are pulled (withdraw), so a wallet that cannot receive never blocks minting.
/// @dev Editions are recorded here (balance per drop and holder, transferable, with events) rather
/// than as ERC-1155: OpenZeppelin 5.x's ERC-1155 and ERC-721 need Cancun's mcopy, and the contracts
/// stay on `paris` opcodes for Filecoin's FEVM.
contract LimitedDrops is AccessControlDefaultAdminRules, ReentrancyGuard {
    /// @notice Highest commission the admin may set, in basis points (10%).
    uint256 public constant MAX_COMMISSION_BPS = 1_000;
    uint256 private constant BPS = 10_000;
    /// @notice How long a new admin waits before taking over.
    uint48 public constant ADMIN_TRANSFER_DELAY = 2 days;

    struct Drop {
        uint256 creatorId;
        address wallet;
        uint16 commissionBps;
        uint40 start;
        uint40 end;
        uint32 perFanCap;
        uint64 supply;
        uint64 minted;
        uint128 price;
    }

    /// @notice The factory whose creators and treasury the drops use.
    IDropsFactory public immutable factory;
    /// @notice Commission of drops opened from now on, in basis points.
    uint16 public commissionBps;
    /// @notice Number of drops opened; drop ids run from 1 to this.
    uint256 public dropCount;
    /// @notice Commission collected and not yet sent to the treasury.
    uint256 public commissionAccrued;

    mapping(uint256 dropId => Drop) private _drops;
    mapping(uint256 dropId => mapping(address fan => uint256)) private _mintedBy;
    mapping(uint256 dropId => mapping(address holder => uint256)) private _balances;
    /// @notice Native owed to each creator wallet.
    mapping(address wallet => uint256) public proceedsOf;

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
    event EditionsTransferred(uint256 indexed dropId, address indexed from, address indexed to, uint256 quantity);
    event CommissionUpdated(uint256 previousBps, uint256 newBps);
    event ProceedsWithdrawn(address indexed wallet, uint256 amount);
    event CommissionWithdrawn(address indexed treasury, uint256 amount);

    error NoCoin(uint256 creatorId);
    error NotCreatorWallet(uint256 creatorId, address caller);
    error InvalidDrop();
    error UnknownDrop(uint256 dropId);
    error DropNotOpen(uint256 dropId);
    error SoldOut(uint256 dropId, uint256 available);
    error FanCapReached(uint256 dropId, uint256 available);
    error WrongPayment(uint256 expected, uint256 sent);
    error CommissionTooHigh(uint256 bps);
    error InsufficientEditions(uint256 held);
    error ZeroAmount();
    error ZeroAddress();
    error NativeTransferFailed();

    /// @param factory_ The CreatorCoinFactory.
    /// @param admin_ May change the commission (within MAX_COMMISSION_BPS).
    constructor(IDropsFactory factory_, address admin_) AccessControlDefaultAdminRules(ADMIN_TRANSFER_DELAY, admin_) {
        if (address(factory_) == address(0)) revert ZeroAddress();
        factory = factory_;
        commissionBps = 250;
        emit CommissionUpdated(0, 250);
    }

    /// @notice Sets the commission of drops opened from now on; open drops keep theirs.
    /// @param bps Basis points, at most MAX_COMMISSION_BPS.
    function setCommission(uint16 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_COMMISSION_BPS) revert CommissionTooHigh(bps);
        emit CommissionUpdated(commissionBps, bps);
        commissionBps = bps;
    }

    /// @notice Opens a drop; the caller must be the creator's wallet bound in the factory and the
    /// creator must have a coin. Proceeds go to that wallet.
    /// @param creatorId Platform creator id.
    /// @param supply Editions for sale, above zero.
    /// @param price Native per edition, in wei (zero for a free drop).
    /// @param start First second of the mint window (not in the past).
    /// @param end Last second of the mint window, not before start.
    /// @param perFanCap Most editions one address may mint, above zero.
    /// @return dropId The new drop.
    function openDrop(uint256 creatorId, uint64 supply, uint128 price, uint40 start, uint40 end, uint32 perFanCap)
        external
        returns (uint256 dropId)
    {
        if (factory.coinOf(creatorId) == address(0)) revert NoCoin(creatorId);
        (address wallet,,) = factory.creatorOf(creatorId);
        if (wallet == address(0) || msg.sender != wallet) revert NotCreatorWallet(creatorId, msg.sender);
        if (supply == 0 || perFanCap == 0 || start < block.timestamp || end < start) revert InvalidDrop();
        dropId = ++dropCount;
        uint16 bps = commissionBps;
        _drops[dropId] = Drop({
            creatorId: creatorId,
            wallet: wallet,
            commissionBps: bps,
            start: start,
            end: end,
            perFanCap: perFanCap,
            supply: supply,
            minted: 0,
            price: price
        });
        emit DropOpened(dropId, creatorId, wallet, supply, price, start, end, perFanCap, bps);
    }

    /// @notice Mints `quantity` editions of a drop to the caller, paying exactly price * quantity.
    /// @param dropId The drop.
    /// @param quantity Editions, above zero.
    function mint(uint256 dropId, uint256 quantity) external payable nonReentrant {
        Drop storage drop = _drops[dropId];
        if (drop.supply == 0) revert UnknownDrop(dropId);
        if (quantity == 0) revert ZeroAmount();
        if (block.timestamp < drop.start || block.timestamp > drop.end) revert DropNotOpen(dropId);
        uint256 available = drop.supply - drop.minted;
        if (quantity > available) revert SoldOut(dropId, available);
        uint256 mintedByFan = _mintedBy[dropId][msg.sender];
        if (mintedByFan + quantity > drop.perFanCap) revert FanCapReached(dropId, drop.perFanCap - mintedByFan);
        uint256 cost = uint256(drop.price) * quantity;
        if (msg.value != cost) revert WrongPayment(cost, msg.value);
        uint256 commission = cost * drop.commissionBps / BPS;
        drop.minted += uint64(quantity);
        _mintedBy[dropId][msg.sender] = mintedByFan + quantity;
        _balances[dropId][msg.sender] += quantity;
        commissionAccrued += commission;
        proceedsOf[drop.wallet] += cost - commission;
        emit EditionsMinted(dropId, msg.sender, quantity, cost, commission);
        emit EditionsTransferred(dropId, address(0), msg.sender, quantity);
    }

    /// @notice Gives `quantity` of the caller's editions of a drop to `to`.
    /// @param dropId The drop.
    /// @param to Receiver.
    /// @param quantity Editions.
    function transfer(uint256 dropId, address to, uint256 quantity) external {
        if (to == address(0)) revert ZeroAddress();
        uint256 held = _balances[dropId][msg.sender];
        if (quantity == 0) revert ZeroAmount();
        if (quantity > held) revert InsufficientEditions(held);
        _balances[dropId][msg.sender] = held - quantity;
        _balances[dropId][to] += quantity;
        emit EditionsTransferred(dropId, msg.sender, to, quantity);
    }

    /// @notice Sends the caller (a creator wallet) everything its drops earned.
    /// @return amount Native sent.
    function withdrawProceeds() external nonReentrant returns (uint256 amount) {
        amount = proceedsOf[msg.sender];
        if (amount == 0) revert ZeroAmount();
        proceedsOf[msg.sender] = 0;
        emit ProceedsWithdrawn(msg.sender, amount);
        _sendNative(msg.sender, amount);
    }

    /// @notice Sends the accrued commission to the factory's treasury; anyone may call it.
    /// @return amount Native sent.
    function withdrawCommission() external nonReentrant returns (uint256 amount) {
        amount = commissionAccrued;
        if (amount == 0) revert ZeroAmount();
        commissionAccrued = 0;
        address treasury = factory.treasury();
        emit CommissionWithdrawn(treasury, amount);
        _sendNative(treasury, amount);
    }

    /// @notice A drop's terms and how many editions are minted.
    /// @param dropId The drop (unknown drops read as zero).
    function dropOf(uint256 dropId) external view returns (Drop memory) {
        return _drops[dropId];
    }

    /// @notice Editions of `dropId` held by `holder`.
    function balanceOf(uint256 dropId, address holder) external view returns (uint256) {
        return _balances[dropId][holder];
    }

    /// @notice Editions of `dropId` that `fan` minted (what the per-fan cap counts).
    function mintedBy(uint256 dropId, address fan) external view returns (uint256) {
        return _mintedBy[dropId][fan];
    }

    function _sendNative(address to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert NativeTransferFailed();
    }
}
