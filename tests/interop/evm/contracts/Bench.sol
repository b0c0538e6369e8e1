// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// Compute-bound benchmark kernels (no storage): a keccak chain, an in-memory sort, and an arithmetic loop.
contract Bench {
    /// h = keccak256(h), n times, hashing in the scratch space so memory does not grow.
    function keccakChain(uint256 n) external pure returns (bytes32 h) {
        for (uint256 i = 0; i < n; i++) {
            assembly {
                mstore(0, h)
                h := keccak256(0, 32)
            }
        }
    }

    /// Insertion sort of n pseudo-random words (a linear congruential generator), returning a checksum.
    function sort(uint256 n) external pure returns (uint256 checksum) {
        uint256[] memory values = new uint256[](n);
        uint256 x = 88172645463325252;
        for (uint256 i = 0; i < n; i++) {
            unchecked {
                x = x * 6364136223846793005 + 1442695040888963407;
            }
            values[i] = x >> 192;
        }
        for (uint256 i = 1; i < n; i++) {
            uint256 key = values[i];
            uint256 j = i;
            while (j > 0 && values[j - 1] > key) {
                values[j] = values[j - 1];
                j--;
            }
            values[j] = key;
        }
        for (uint256 i = 0; i < n; i++) {
            unchecked {
                checksum = checksum * 31 + values[i];
            }
        }
    }

    /// Mixed 256-bit arithmetic in a tight loop (xorshift-multiply steps with a modular accumulator).
    function compute(uint256 n) external pure returns (uint256 acc) {
        uint256 x = 0x9e3779b97f4a7c15f39cc0605cedc8341082276bf3a27251f86c6a11d0c18e95;
        unchecked {
            for (uint256 i = 0; i < n; i++) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                acc = addmod(acc, x * (i + 1), 0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff61);
            }
        }
    }
}
