"""run_batch: several read operations in one execution (batch_read)."""

import base64
import gzip
import json

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import batch_stream, run_batch

READS = [
    ('net', 'hns_network_read', {'name': 'nat'}),
    ('cni', 'cni_config_read', {'path': 'C:\\cni.conf', 'network_name': 'nat'}),
    ('path', 'path_entry_read', {'scope': 'machine', 'path': 'C:\\x'}),
]
NETWORKS = {'hns_available': True, 'networks': [], 'created_id': None}


class Connection:
    def __init__(self, answers, rc=0):
        self.answers, self.rc, self.calls = answers, rc, []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        payload, *stream = in_data.splitlines()
        self.calls.append(dict(json.loads(base64.b64decode(payload)), stream=unpack(stream)))
        return self.rc, json.dumps({'results': self.answers}).encode(), b''


def unpack(lines):
    """What batch_read reads from the stdin lines after the payload."""
    return json.loads(gzip.decompress(b''.join(base64.b64decode(line) for line in lines)))


def test_each_script_and_snippet_is_sent_once():
    params = json.loads(gzip.decompress(batch_stream(READS + [('net2', 'hns_network_read', {'name': 'other'})])))
    assert set(params['scripts']) == {'hns_network_read', 'cni_config_read', 'path_entry_read'}
    assert params['scripts']['hns_network_read'].splitlines()[0] == '# wcow.buildkit operation: hns_network_read'
    assert 'Invoke-WcowHnsCall' in params['scripts']['hns_network_read']
    # hns is required by two of the reads, and defined once.
    assert params['snippets'].count('function Invoke-WcowHnsCall') == 1
    assert 'function Invoke-WcowHnsCall' not in params['scripts']['hns_network_read']
    assert [item['key'] for item in params['items']] == ['net', 'cni', 'path', 'net2']
    assert params['items'][3] == {'key': 'net2', 'operation': 'hns_network_read', 'params': {'name': 'other'}}


def test_the_texts_travel_compressed():
    stream = batch_stream(READS)
    texts = json.loads(gzip.decompress(stream))
    assert len(stream) * 2 < sum(len(text) for text in texts['scripts'].values()) + len(texts['snippets'])


def test_the_batch_is_one_execution_answered_per_key():
    connection = Connection({
        'net': {'result': NETWORKS},
        'cni': {'wcow_error': {'message': 'Access is denied.', 'category': 'PermissionDenied', 'position': 'At line:3'}},
        'path': {'result': {'kind': 'Nope'}},
    })
    found = run_batch(connection, READS)
    (payload,) = connection.calls
    assert payload['operation'] == 'batch_read'
    assert payload['script'].startswith('# wcow.buildkit operation: batch_read\n')
    # The texts and the items travel after the payload line, base64-encoded once, not inside the params.
    assert payload['params'] == {}
    assert [item['key'] for item in payload['stream']['items']] == ['net', 'cni', 'path']
    assert found['net'] == NETWORKS
    assert isinstance(found['cni'], OperationError)
    assert str(found['cni']) == 'cni_config_read: failed on the host: Access is denied.'  # the position from -vv on
    assert isinstance(found['path'], OperationError)
    assert 'path_entry_read: result does not have the declared shape' in str(found['path'])


def test_a_key_the_host_did_not_answer_is_an_error_of_its_own():
    found = run_batch(Connection({'net': {'result': NETWORKS}}), READS[:2])
    assert str(found['cni']) == 'cni_config_read: batch_read gave no answer for cni'


def test_a_failed_batch_raises():
    with pytest.raises(OperationError, match='batch_read'):
        run_batch(Connection({}, rc=1), READS)


def test_keys_must_be_unique():
    with pytest.raises(ValueError):
        run_batch(Connection({}), READS + [('net', 'hns_network_read', {'name': 'x'})])
