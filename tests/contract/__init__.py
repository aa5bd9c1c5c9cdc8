"""The contract suite: each operation's documented contract, checked on the simulator and on real Windows."""
