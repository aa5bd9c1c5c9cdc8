"""WS-Management SOAP 1.2 envelopes: parse requests, render responses and faults.

Shapes follow MS-WSMV and responses captured from real hosts: pywinrm
winrm/tests/conftest.py and winrm/tests/test_protocol.py, and
jborean93/pypsrp tests/responses/test_winrs_*.yml.
"""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import xmltodict

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
}
WMI_ERROR_NS = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"
ANONYMOUS = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
TRANSFER = "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
SHELL = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/"
CMD_RESOURCE_URI = SHELL + "cmd"
FAULT_ACTION = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
ADDRESSING_FAULT_ACTION = "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault"

# pywinrm's default (protocol.py DEFAULT_MAX_ENV_SIZE); governs response size.
DEFAULT_MAX_ENVELOPE_SIZE = 153600
# MS-WSMV 3.1.4.1.6: an absent OperationTimeout, or one above MaxTimeoutms
# (60000 by default), means MaxTimeoutms.
MAX_OPERATION_TIMEOUT = 60.0


class Fault(Exception):
    """A SOAP fault as the WinRM service sends it, with HTTP status 500.

    pywinrm (protocol.py send_message) reads s:Code/s:Value,
    s:Subcode/s:Value, s:Reason/s:Text and the WSManFault Code attribute.
    """

    def __init__(self, code: str, subcode: str, reason: str, wsman_code: int,
                 message: str | None = None, *, action: str = FAULT_ACTION,
                 detail: str | None = None, wmi_error: bool = False) -> None:
        super().__init__(message or reason)
        self.code = code
        self.subcode = subcode
        self.reason = reason
        self.wsman_code = wsman_code
        self.message = message or reason
        self.action = action
        self.detail = detail
        self.wmi_error = wmi_error


def timed_out() -> Fault:
    # Real Server 2022 answer (pywinrm test_protocol.py
    # test_wsman_fault_known_fault); pywinrm maps Code 2150858793 to
    # WinRMOperationTimeoutError and retries the Receive.
    text = "The WS-Management service cannot complete the operation within the time specified in OperationTimeout.  "
    return Fault("s:Receiver", "w:TimedOut", text, 2150858793)


def malformed(why: str) -> Fault:
    # s:Sender w:SchemaValidationError Code 2150858817 (0x80338041), as in the
    # real fault of pywinrm test_protocol.py test_wsman_fault_with_wsmanfault.
    return Fault("s:Sender", "w:SchemaValidationError",
                 "The SOAP XML in the message does not match the corresponding XML schema definition. "
                 "Change the XML and retry. ", 2150858817, f"{why} ")


def action_not_supported(action: str) -> Fault:
    # ERROR_WSMAN_ACTION_NOT_SUPPORTED 0x80338013: "wsa, code=Sender,
    # subcode=WS-Addressing ActionNotsupported" (wsmerror.h).
    return Fault("s:Sender", "a:ActionNotSupported",
                 "The WS-Management service does not support the specified action. ", 2150858771,
                 f"The WS-Management service does not support the action {action}. ",
                 action=ADDRESSING_FAULT_ACTION)


def resource_not_found(resource_uri: str | None) -> Fault:
    # ERROR_WSMAN_RESOURCE_NOT_FOUND 0x80338000 (wsmerror.h); only the cmd
    # shell resource is simulated.
    return Fault("s:Sender", "a:DestinationUnreachable",
                 "The WS-Management service cannot process the request. The service cannot find the "
                 "resource identified by the resource URI and selectors. ", 2150858752,
                 f"The resource URI {resource_uri!r} is not served by this simulated host. ")


def invalid_selectors(message: str) -> Fault:
    # Real answer for an unknown CommandId (pypsrp tests/responses/
    # test_winrs_bad_cmd_id.yml): s:Sender w:InvalidSelectors Code 2150858843.
    return Fault("s:Sender", "w:InvalidSelectors",
                 "The WS-Management service cannot process the request because the request contained "
                 "invalid selectors for the resource. ", 2150858843, message,
                 detail="http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/UnexpectedSelectors")


def shell_not_found(shell_id: str | None) -> Fault:
    return invalid_selectors(
        f"The request for the Windows Remote Shell with ShellId {shell_id} failed because the shell was not "
        "found on the server. Possible causes are: the specified ShellId is incorrect or the shell no longer "
        "exists on the server. Provide the correct ShellId or create a new shell and retry the operation. ")


def command_not_found() -> Fault:
    return invalid_selectors(
        "The Windows Remote Shell received a request to perform an operation on a command identifier that "
        "does not exist. Either the command has completed execution or the client specified an invalid "
        "command identifier. ")


def shell_quota(limit: int) -> Fault:
    # ERROR_WSMAN_QUOTA_MAX_SHELLS 2150859173, subcode w:QuotaLimit;
    # message from docs/windows-facts.md#winrm-service-limits.
    return Fault("s:Receiver", "w:QuotaLimit",
                 "The WS-Management service cannot process the request. The maximum number of concurrent "
                 "shells for this user has been exceeded. Close existing shells or raise the quota for this "
                 "user. ", 2150859173,
                 f"The WS-Management service cannot process the request. This user is allowed a maximum "
                 f"number of {limit} concurrent shells, which has been exceeded. Close existing shells or "
                 f"raise the quota for this user. ")


def operations_quota(limit: int) -> Fault:
    # ERROR_WSMAN_QUOTA_MAX_OPERATIONS 0x803381A6, carried in an MSFT_WmiError
    # detail (real fault in pywinrm test_protocol.py
    # test_wsman_fault_wmi_error_detail; message from diyan/pywinrm#124).
    # ansible-core connection/winrm.py _winrm_run_command re-creates the shell
    # on exactly this wmierror_code (ansible/ansible#83656).
    message = (f"The WS-Management service cannot process the request. This user is allowed a maximum number of "
               f"{limit} concurrent operations, which has been exceeded. Close existing operations for this user, "
               f"or raise the quota for this user. ")
    return Fault("s:Receiver", "w:InternalError", message, 2150859174, message, wmi_error=True)


def not_modelled(what: str) -> Fault:
    # Not a Windows fault: the simulator refuses loudly instead of pretending.
    return Fault("s:Receiver", "w:InternalError", f"winsim: {what} is not modelled by the simulator. ",
                 2150858755)  # ERROR_WSMAN_PROVIDER_FAILURE 0x80338003


@dataclass
class Request:
    action: str
    message_id: str | None
    resource_uri: str | None
    selectors: dict[str, str] = field(default_factory=dict)
    options: dict[str, str] = field(default_factory=dict)
    operation_timeout: float = MAX_OPERATION_TIMEOUT
    max_envelope_size: int = DEFAULT_MAX_ENVELOPE_SIZE
    body: ET.Element | None = None

    @property
    def short_action(self) -> str:
        return self.action.rstrip("/").rsplit("/", 1)[-1]

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.options.get(name)
        return default if value is None else value.strip().upper() == "TRUE"


def peek_message_id(data: bytes) -> str | None:
    """The request's MessageID if it can be read at all, for a fault's RelatesTo."""
    match = re.search(rb"<(?:\w+:)?MessageID[^>]*>\s*([^<\s]+)\s*<", data)
    return match.group(1).decode("ascii", "replace") if match else None


def parse_request(data: bytes) -> Request:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise malformed(f"The request is not well-formed XML: {exc}.") from None
    if root.tag != f"{{{NS['s']}}}Envelope":
        raise malformed(f"The root element {root.tag} is not a SOAP 1.2 Envelope.")
    header = root.find("s:Header", NS)
    body = root.find("s:Body", NS)
    if header is None or body is None:
        raise malformed("The envelope needs both s:Header and s:Body.")
    action = (header.findtext("a:Action", namespaces=NS) or "").strip()
    if not action:
        # ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED 0x80338011 (wsmerror.h)
        raise Fault("s:Sender", "a:MessageInformationHeaderRequired",
                    "The WS-Management service cannot process the request. The request does not have all the "
                    "expected SOAP headers. ", 2150858769, "The request has no a:Action header. ")
    selectors = {sel.get("Name", ""): (sel.text or "").strip()
                 for sel in header.findall("w:SelectorSet/w:Selector", NS)}
    options = {opt.get("Name", ""): (opt.text or "").strip()
               for opt in header.findall("w:OptionSet/w:Option", NS)}
    timeout_text = header.findtext("w:OperationTimeout", namespaces=NS)
    size_text = header.findtext("w:MaxEnvelopeSize", namespaces=NS)
    try:
        max_size = int(size_text) if size_text else DEFAULT_MAX_ENVELOPE_SIZE
    except ValueError:
        raise malformed(f"w:MaxEnvelopeSize {size_text!r} is not a number.") from None
    return Request(
        action=action,
        message_id=(header.findtext("a:MessageID", namespaces=NS) or "").strip() or None,
        resource_uri=(header.findtext("w:ResourceURI", namespaces=NS) or "").strip() or None,
        selectors=selectors,
        options=options,
        operation_timeout=min(parse_duration(timeout_text), MAX_OPERATION_TIMEOUT) if timeout_text
        else MAX_OPERATION_TIMEOUT,
        max_envelope_size=max_size,
        body=body,
    )


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?)S)?)?$")


def parse_duration(text: str) -> float:
    """xs:duration as WS-Man uses it for OperationTimeout, e.g. PT20.000S."""
    match = _DURATION.match(text.strip())
    if not match or text.strip() in ("P", "PT"):
        raise malformed(f"w:OperationTimeout {text!r} is not an xs:duration.")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def new_uuid() -> str:
    # Windows writes GUIDs in upper case (every captured response above).
    return str(uuid.uuid4()).upper()


def _envelope(action: str, relates_to: str | None, body: dict | None) -> bytes:
    header = {"a:Action": action, "a:MessageID": f"uuid:{new_uuid()}", "a:To": ANONYMOUS}
    if relates_to:
        header["a:RelatesTo"] = relates_to  # echoed as sent (pywinrm close_shell asserts it)
    doc = {"s:Envelope": {
        "@xml:lang": "en-US",
        **{f"@xmlns:{prefix}": uri for prefix, uri in NS.items() if prefix != "f"},
        "s:Header": header,
        "s:Body": body,
    }}
    return xmltodict.unparse(doc, full_document=True).encode("utf-8")


def response(action: str, relates_to: str | None, body: dict | None = None) -> bytes:
    return _envelope(action, relates_to, body)


def render_fault(fault: Fault, relates_to: str | None, machine: str) -> bytes:
    detail: dict = {}
    if fault.detail:
        detail["w:FaultDetail"] = fault.detail
    if fault.wmi_error:
        detail["p:MSFT_WmiError"] = {
            "@xmlns:p": WMI_ERROR_NS, "@xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "@xmlns:cim": "http://schemas.dmtf.org/wbem/wscim/1/common", "@xsi:type": "p:MSFT_WmiError_Type",
            "p:Message": {"@xsi:type": "cim:cimString", "#text": fault.message},
            "p:MessageID": {"@xsi:type": "cim:cimString", "#text": f"HRESULT 0x{fault.wsman_code:08x}"},
            "p:error_Code": {"@xsi:type": "cim:cimUnsignedInt", "#text": str(fault.wsman_code)},
            "p:error_Type": {"@xsi:type": "cim:cimString", "#text": "HRESULT"},
        }
    else:
        detail["f:WSManFault"] = {
            "@xmlns:f": NS["f"], "@Code": str(fault.wsman_code), "@Machine": machine,
            "f:Message": fault.message,
        }
    body = {"s:Fault": {
        "s:Code": {"s:Value": fault.code, "s:Subcode": {"s:Value": fault.subcode}},
        "s:Reason": {"s:Text": {"@xml:lang": "en-US", "#text": fault.reason}},
        "s:Detail": detail,
    }}
    return _envelope(fault.action, relates_to, body)
