"""Models of the Windows primitives a simulated host is made of.

Each module works on the host's state dict (see ``winsim.host.store``) and cites,
beside each behaviour, the source it follows.
"""
