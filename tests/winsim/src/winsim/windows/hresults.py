"""The messages of HRESULTs as .NET Framework formats them.

`[Runtime.InteropServices.Marshal]::GetExceptionForHR(hr).Message` is the
system message followed by " (Exception from HRESULT: 0x........)" for codes
it has no exception class of its own for (learn.microsoft.com,
"Marshal.GetExceptionForHR"; the form is the one of docker/for-win#8226 and
microsoft/hcsshim#850 reports). Only the codes a model produces are listed:
an unknown one is a gap of the simulator, never a made-up text.
"""

# System messages (learn.microsoft.com, "System Error Codes (1000-1299)" and
# "(1300-1699)"; docs/windows-facts.md#hresults).
SYSTEM_MESSAGES = {
    # ERROR_SERVICE_NOT_ACTIVE (1062)
    0x80070426: "The service has not been started.",
    # ERROR_ACCOUNT_DISABLED (1331)
    0x80070533: "Logon failure: account currently disabled.",
    # ERROR_LOGON_TYPE_NOT_GRANTED (1385): a task's user lacks "Log on as a batch job".
    0x80070569: "Logon failure: the user has not been granted the requested logon type at this computer.",
}


def as_uint32(hresult: int) -> int:
    return hresult & 0xFFFFFFFF


def as_int32(hresult: int) -> int:
    """The same bits as a signed 32-bit integer, as the P/Invoke hands an HRESULT to PowerShell."""
    value = as_uint32(hresult)
    return value - 0x100000000 if value & 0x80000000 else value


def exception_message(hresult: int) -> str:
    """Marshal.GetExceptionForHR(hresult).Message."""
    code = as_uint32(hresult)
    return f"{SYSTEM_MESSAGES[code]} (Exception from HRESULT: 0x{code:08X})"
