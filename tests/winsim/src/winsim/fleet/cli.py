"""Command line: python -m winsim {start,stop,serve,inventory,state,counters,faults,latency} --dir DIR ..."""

from __future__ import annotations

import argparse
import copy
import json
import sys

from ..host import faults
from .fleet import Fleet, FleetError, HostSpec, serve
from .statepath import PathError, delete_path, parse_assignment, parse_path, set_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m winsim", description="Simulated Windows hosts over WinRM.")
    commands = parser.add_subparsers(dest="command", required=True)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--dir", required=True, help="the fleet directory")
        return sub

    start = command("start", "start hosts in a background process; returns when every port answers")
    start.add_argument("--host", action="append", required=True, metavar="NAME:PROFILE[,key=value...]",
                       help="a host; repeat for more (profiles: ws2019, ws2022, win11, ws2025)")
    start.add_argument("--latency-ms", type=float, default=0, help="added latency per request, all hosts")
    start.add_argument("--timeout", type=float, default=30, help="seconds to wait for the ports")
    start.add_argument("--plugin", action="append", default=[], metavar="MODULE[:ATTRIBUTE]",
                       help="a plug-in (winsim.plugin) the hosts' powershell.exe runs scripts with; repeat for more")
    command("stop", "stop the fleet's process")
    command("serve", "serve the fleet in the foreground (what start runs)")
    inventory = command("inventory", "print an Ansible inventory")
    inventory.add_argument("--format", choices=("yaml", "ini"), default="yaml")
    inventory.add_argument("--group", default="windows", help="the inventory group of the hosts (default: windows)")
    state = command("state", "print a host's state as JSON, or change it")
    state.add_argument("name")
    state.add_argument("--set", action="append", default=[], metavar="dotted.path=JSON")
    state.add_argument("--delete", action="append", default=[], metavar="dotted.path")
    counters = command("counters", "print request counters as JSON")
    counters.add_argument("name", nargs="?")
    counters.add_argument("--reset", action="store_true", help="reset them after printing")
    counters.add_argument("--log", action="store_true", help="print the timed event log instead")
    fault = command("faults", "print a host's faults (winsim.host.faults), or set or clear them")
    fault.add_argument("name")
    fault.add_argument("--set", metavar="JSON", help='a JSON list, e.g. \'[{"kind": "disk_full", "capacity_bytes": 0}]\'')
    fault.add_argument("--clear", action="store_true")
    latency = command("latency", "set the added latency per request")
    latency.add_argument("latency_ms", type=float)
    latency.add_argument("name", nargs="?", help="one host (default: all)")

    args = parser.parse_args(argv)
    fleet = Fleet(args.dir, plugins=getattr(args, "plugin", []))
    try:
        if args.command == "serve":
            return serve(args.dir)
        if args.command == "start":
            fleet.start([HostSpec.parse(text) for text in args.host], latency_ms=args.latency_ms,
                        timeout=args.timeout)
            for host in fleet.config()["hosts"]:
                print(f"{host['name']} 127.0.0.1:{host['port']} ({host['profile']})")
        elif args.command == "stop":
            fleet.stop()
        elif args.command == "inventory":
            sys.stdout.write(fleet.inventory(args.format, args.group))
        elif args.command == "state":
            return _state(fleet, args)
        elif args.command == "counters":
            shown = fleet.request_log(args.name) if args.log else fleet.counters(args.name)
            print(json.dumps(shown, indent=2, sort_keys=True))
            if args.reset:
                fleet.reset_counters(args.name)
        elif args.command == "faults":
            return _faults(fleet, args)
        elif args.command == "latency":
            fleet.set_latency(args.latency_ms, args.name)
    except (FleetError, PathError, faults.FaultError) as exc:
        print(f"winsim: {exc}", file=sys.stderr)
        return 1
    return 0


def _state(fleet: Fleet, args: argparse.Namespace) -> int:
    store = fleet.store(args.name)
    if not args.set and not args.delete:
        print(json.dumps(store.read(), indent=2, sort_keys=True))
        return 0
    changes = [("set", *parse_assignment(text)) for text in args.set]
    changes += [("delete", parse_path(text), None) for text in args.delete]
    _apply(copy.deepcopy(store.read()), changes)  # fail before the transaction, so nothing half-applied is written
    with store.transaction() as document:
        _apply(document, changes)
    return 0


def _faults(fleet: Fleet, args: argparse.Namespace) -> int:
    path = fleet.store(args.name).path
    if args.clear:
        faults.clear_faults(path)
    elif args.set is not None:
        try:
            given = json.loads(args.set)
        except json.JSONDecodeError as exc:
            raise faults.FaultError(f"--set is not JSON: {exc}") from None
        faults.set_faults(path, given if isinstance(given, list) else [given])
    else:
        print(json.dumps(faults.load(path), indent=2))
    return 0


def _apply(document: dict, changes: list) -> None:
    for kind, path, value in changes:
        if kind == "set":
            set_path(document, path, value)
        else:
            delete_path(document, path)
