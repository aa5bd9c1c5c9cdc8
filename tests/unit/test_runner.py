"""The PowerShell operation runner: encoding, composition and result parsing."""

import base64
import json

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._core import runner
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.errors import OperationError
from ansible_collections.wcow.buildkit.plugins.plugin_utils._core.runner import (
    COMMAND_PREFIX,
    bootstrap_command,
    encode_input,
    load_operation,
    parse_output,
    run_operation,
)

CMD_EXE_LIMIT = 8191


def _ansible_218_wrap(command):
    """ansible-core 2.18's winrm exec_command encodes the command once more."""
    return COMMAND_PREFIX + base64.b64encode(command.encode('utf-16-le')).decode()


def test_command_line_is_the_encoded_bootstrap():
    command = bootstrap_command()
    assert command.startswith(COMMAND_PREFIX)
    script = base64.b64decode(command[len(COMMAND_PREFIX):]).decode('utf-16-le')
    assert script.splitlines()[0] == '# wcow.buildkit bootstrap'
    assert '[Console]::In.ReadLine()' in script


def test_command_line_fits_cmd_exe_even_when_ansible_218_wraps_it():
    assert len(_ansible_218_wrap(bootstrap_command())) <= CMD_EXE_LIMIT


def test_input_carries_composed_script_and_params():
    operation = load_operation('hns_network_read')
    document = json.loads(base64.b64decode(encode_input(operation, {'name': 'nat'})).decode('utf-8'))
    assert document['operation'] == 'hns_network_read'
    assert document['params'] == {'name': 'nat'}
    lines = document['script'].splitlines()
    assert lines[0] == '# wcow.buildkit operation: hns_network_read'
    assert 'function Invoke-WcowHnsCall' in document['script']
    assert document['script'].index('function Invoke-WcowHnsCall') < document['script'].index('$all = @(Invoke-WcowHnsCall')


def test_input_is_ascii_whatever_the_params():
    operation = load_operation('hns_network_read')
    encoded = encode_input(operation, {'name': 'réseau ☃'})
    encoded.decode('ascii')
    assert json.loads(base64.b64decode(encoded))['params']['name'] == 'réseau ☃'


GOOD = json.dumps({'hns_available': True, 'networks': [], 'created_id': None}).encode()


def _parse(stdout=GOOD, rc=0, stderr=b''):
    return parse_output(load_operation('hns_network_read'), rc, stdout, stderr)


def test_good_output_is_returned():
    assert _parse() == {'hns_available': True, 'networks': [], 'created_id': None}


def test_host_error_names_operation_and_message():
    out = json.dumps({'wcow_error': {'message': 'HNS GET /networks/ failed: boom (error code 5)',
                                     'category': 'OperationStopped', 'position': 'At line:3'}}).encode()
    with pytest.raises(OperationError) as raised:
        _parse(out, rc=1)
    assert 'hns_network_read' in str(raised.value)
    assert 'boom (error code 5)' in str(raised.value)


@pytest.mark.parametrize('verbosity, shown', [(0, False), (1, False), (2, True)])
def test_the_position_of_a_host_error_is_shown_from_vv_on(monkeypatch, verbosity, shown):
    monkeypatch.setattr(runner.display, 'verbosity', verbosity)
    out = json.dumps({'wcow_error': {'message': 'boom', 'category': 'OperationStopped',
                                     'position': 'At line:280 char:13\n+ throw "boom"'}}).encode()
    with pytest.raises(OperationError) as raised:
        _parse(out, rc=1)
    assert 'boom' in str(raised.value)
    assert ('At line:280 char:13' in str(raised.value)) is shown


def test_nonzero_exit_with_clixml_stderr_carries_the_error_text():
    stderr = (b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
              b'<S S="Error">Cannot bind parameter_x000D__x000A_</S><S S="Error">second line_x000D__x000A_</S></Objs>')
    with pytest.raises(OperationError) as raised:
        _parse(b'', rc=1, stderr=stderr)
    assert 'exited with code 1' in str(raised.value)
    assert 'Cannot bind parameter\r\nsecond line' in str(raised.value)


@pytest.mark.parametrize('stdout', [b'', b'not json', GOOD + GOOD, b'{"hns_available": true}'])
def test_unusable_output_fails(stdout):
    with pytest.raises(OperationError) as raised:
        _parse(stdout)
    assert 'hns_network_read' in str(raised.value)


def test_wrong_types_fail_the_shape_check():
    with pytest.raises(OperationError, match='networks is str'):
        _parse(json.dumps({'hns_available': True, 'networks': 'nat'}).encode())


def test_clixml_on_success_is_a_warning_not_a_failure(monkeypatch):
    warnings = []
    monkeypatch.setattr(runner.display, 'warning', warnings.append)
    stderr = b'#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><S S="Error">careful</S></Objs>'
    assert _parse(stderr=stderr)['hns_available'] is True
    assert warnings and 'careful' in warnings[0]


class FakeConnection:
    def __init__(self, reply):
        self.reply = reply
        self.calls = []

    def exec_command(self, cmd, in_data=None, sudoable=True):
        self.calls.append((cmd, in_data, sudoable))
        return self.reply


def test_run_operation_uses_exec_command_with_stdin():
    connection = FakeConnection((0, GOOD, b''))
    assert run_operation(connection, 'hns_network_read', {'name': 'nat'})['networks'] == []
    (cmd, in_data, sudoable), = connection.calls
    assert cmd == bootstrap_command()
    assert json.loads(base64.b64decode(in_data))['params'] == {'name': 'nat'}
    assert sudoable is False


class LostConnection:
    def exec_command(self, cmd, in_data=None, sudoable=True):
        raise ConnectionError("('Connection aborted.', RemoteDisconnected('Remote end closed connection without response'))")


class TimedOutConnection:
    def exec_command(self, cmd, in_data=None, sudoable=True):
        from ansible.errors import AnsibleConnectionFailure
        raise AnsibleConnectionFailure('winrm connection error: Read timed out.')


def test_a_connection_lost_mid_command_fails_the_operation_saying_what_it_means():
    with pytest.raises(OperationError) as raised:
        run_operation(LostConnection(), 'hns_network_read', {'name': 'nat'})
    message = str(raised.value)
    assert message.startswith('hns_network_read: the connection to the host failed while the operation ran')
    assert 'ConnectionError' in message and 'Remote end closed connection' in message
    assert 'run the play again' in message


def test_connection_failures_ansible_raised_propagate_unchanged():
    from ansible.errors import AnsibleConnectionFailure
    with pytest.raises(AnsibleConnectionFailure):
        run_operation(TimedOutConnection(), 'hns_network_read', {'name': 'nat'})


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

def test_the_compacted_bootstrap_keeps_its_first_line_and_drops_comments_and_indentation():
    script = base64.b64decode(bootstrap_command()[len(COMMAND_PREFIX):]).decode('utf-16-le')
    lines = script.splitlines()
    assert lines[0] == '# wcow.buildkit bootstrap' and lines[1] == "$ErrorActionPreference = 'Stop'"
    assert not any(line.startswith('#') for line in lines[1:])
    assert all(line == line.strip() and line for line in lines)


def test_host_error_carries_its_position_on_a_line_of_its_own(monkeypatch):
    monkeypatch.setattr(runner.display, 'verbosity', 2)
    failure = {'message': 'boom', 'category': 'OperationStopped', 'position': 'At line:3 char:5'}
    with pytest.raises(OperationError) as raised:
        _parse(json.dumps({'wcow_error': failure}).encode(), rc=1)
    assert 'failed on the host: boom\nAt line:3 char:5' in str(raised.value)
    with pytest.raises(OperationError) as raised:
        _parse(json.dumps({'wcow_error': dict(failure, position='')}).encode(), rc=1)
    assert str(raised.value).endswith('failed on the host: boom')


def test_a_nonzero_exit_fails_even_with_a_valid_result_and_quotes_stdout_without_stderr():
    with pytest.raises(OperationError) as raised:
        _parse(GOOD, rc=1)
    assert 'exited with code 1: %s' % GOOD.decode() in str(raised.value)


def test_output_that_is_not_json_is_quoted_up_to_400_characters_with_stderr():
    with pytest.raises(OperationError) as raised:
        _parse(b'x' * 1000, stderr=b'a warning')
    message = str(raised.value)
    assert 'x' * 400 in message and 'x' * 401 not in message
    assert message.endswith(' (stderr: a warning)')
    with pytest.raises(OperationError) as raised:
        _parse(b'not json')
    assert 'stderr' not in str(raised.value)


def test_clixml_of_several_lines_and_escapes():
    stderr = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">\r\n'
              '<S S="Error">a_x0020_b_x003A__x00e9_</S>\r\n</Objs>')
    assert runner.clixml_errors(stderr) == 'a b:\u00e9'
    broken = '#< CLIXML\r\n<Objs><S S="Error">no end'
    assert runner.clixml_errors(broken) == broken


def test_parameters_are_logged_only_when_allowed(monkeypatch):
    logged = []
    monkeypatch.setattr(runner.display, 'vvvvv', logged.append)
    run_operation(FakeConnection((0, GOOD, b'')), 'hns_network_read', {'name': 'secret-net'})
    assert any('secret-net' in line for line in logged)
    logged.clear()
    run_operation(FakeConnection((0, GOOD, b'')), 'hns_network_read', {'name': 'secret-net'}, log_params=False)
    assert not any('secret-net' in line for line in logged)


def test_compaction_keeps_the_first_line_and_every_statement_after_it():
    assert runner._compact('# header\n    $a = 1\n# comment\n\n  $b = 2  \n') == '# header\n$a = 1\n$b = 2'
