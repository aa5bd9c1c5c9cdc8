"""_runner streaming for win_release_archive's src: the payload line, then base64 lines."""

import base64
import json

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import (
    STREAM_LINE_BYTES,
    encode_input,
    load_operation,
    run_operation,
)


class FakeConnection:
    def __init__(self):
        self.calls = []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append(in_data)
        return 0, json.dumps({'hns_available': True, 'networks': [], 'created_id': None}).encode(), b''


def test_without_a_stream_stdin_is_the_payload_alone():
    operation = load_operation('hns_network_read')
    assert b'\n' not in encode_input(operation, {'name': 'nat'})
    assert encode_input(operation, {'name': 'nat'}) == encode_input(operation, {'name': 'nat'}, None)


def test_stream_follows_the_payload_in_whole_base64_lines():
    operation = load_operation('hns_network_read')
    data = bytes(range(256)) * (STREAM_LINE_BYTES // 256 * 2 + 3)
    lines = encode_input(operation, {'name': 'nat'}, data).split(b'\n')
    assert lines[-1] == b'', 'every line ends with a line feed'
    payload, chunks = lines[0], lines[1:-1]
    assert json.loads(base64.b64decode(payload))['params'] == {'name': 'nat'}
    assert len(chunks) == 3
    assert all(len(base64.b64decode(c)) == STREAM_LINE_BYTES for c in chunks[:-1])
    assert all(not c.endswith(b'=') for c in chunks[:-1]), 'no padding inside the stream'
    assert b''.join(base64.b64decode(c) for c in chunks) == data


def test_an_empty_stream_is_the_payload_line():
    operation = load_operation('hns_network_read')
    assert encode_input(operation, {}, b'').count(b'\n') == 1


def test_run_operation_sends_the_stream():
    connection = FakeConnection()
    run_operation(connection, 'hns_network_read', {'name': 'nat'}, stream=b'abc')
    in_data, = connection.calls
    assert in_data.split(b'\n')[1] == base64.b64encode(b'abc')
