// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Number and address formatting for on-chain text (coin names, the wallet-link message).
/// @dev OpenZeppelin's Strings and MessageHashUtils would do, but in 5.x they pull in Bytes, whose
/// mcopy needs Cancun; the contracts stay on `paris` opcodes for Filecoin's FEVM.
library Text {
    bytes16 private constant HEX_DIGITS = "0123456789abcdef";

    /// @notice `value` in decimal, without leading zeros.
    function decimal(uint256 value) internal pure returns (string memory) {
        if (value == 0) return "0";
        uint256 digits;
        for (uint256 v = value; v != 0; v /= 10) ++digits;
        bytes memory out = new bytes(digits);
        for (; value != 0; value /= 10) out[--digits] = bytes1(uint8(48 + value % 10));
        return string(out);
    }

    /// @notice `account` as "0x" and 40 lowercase hex digits (not EIP-55 checksummed).
    function hexAddress(address account) internal pure returns (string memory) {
        bytes memory out = new bytes(42);
        out[0] = "0";
        out[1] = "x";
        uint160 value = uint160(account);
        for (uint256 i = 41; i > 1; --i) {
            out[i] = HEX_DIGITS[value & 0xf];
            value >>= 4;
        }
        return string(out);
    }

    /// @notice The EIP-191 (version 0x45, personal_sign) digest of `message`:
    /// keccak256("\x19Ethereum Signed Message:\n" + decimal length + message).
    function personalSignDigest(bytes memory message) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n", decimal(message.length), message));
    }
}
