"""The WinRM listener of a simulated host: WS-Management envelopes (wsman), the Windows
Remote Shell service (shells), what cmd.exe and powershell.exe make of a command line
(cmdline), the HTTP server (server) and its traffic counters (counters)."""
