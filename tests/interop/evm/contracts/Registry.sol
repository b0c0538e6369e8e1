// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// Exercises Cancun features from Solidity: transient storage (EIP-1153), CREATE2 children, MCOPY-backed byte copies,
/// events with dynamic data and revert reasons.
contract Registry {
    uint256 transient private locked;
    mapping(bytes32 => address) public deployed;
    uint256 public count;

    event Deployed(bytes32 indexed salt, address child, bytes note);

    function deploy(bytes32 salt, bytes calldata note) external returns (address child) {
        require(locked == 0, "reentrant");
        locked = 1;
        child = address(new Child{salt: salt}(note));
        deployed[salt] = child;
        count += 1;
        emit Deployed(salt, child, note);
        locked = 0;
    }

    function fail(string calldata reason) external pure {
        revert(reason);
    }
}

contract Child {
    bytes public note;

    constructor(bytes memory initialNote) {
        note = initialNote;
    }

    function echo(bytes memory data) external pure returns (bytes memory) {
        return bytes.concat(data, data);
    }
}
