"""One simulated host: its state file (store), the fresh states of the Windows versions
modelled (profiles), the faults a test injects (faults), whether it answers while it
restarts (power) and its powershell.exe (powershell)."""
