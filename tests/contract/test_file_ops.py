"""file_write, file_remove and service_data_remove: files changed in the case's scratch folder,
read back with service_read (read_files: the bytes; measure_paths: what a folder holds)."""

import base64
import hashlib

import pytest

TEXT = 'version = 2\n# é ☃\n'


def write(contract, path, content=TEXT, encoding='text', backup=False, masks=None):
    return contract.call('file_write', {'path': path, 'content': content, 'content_encoding': encoding,
                                        'backup': backup}, masks=masks)


def remove(contract, path, backup=False, remove_empty_parent=False, masks=None):
    return contract.call('file_remove', {'path': path, 'backup': backup, 'remove_empty_parent': remove_empty_parent},
                         masks=masks)


def read_back(contract, files=(), measure=()):
    return contract.call('service_read', {'names': [], 'probe_versions': [], 'read_files': list(files),
                                          'measure_paths': list(measure)})


def content(contract, path):
    found, = read_back(contract, files=[path])['files']
    return base64.b64decode(found['content_b64']) if found['exists'] else None


@pytest.mark.operation('file_write')
def test_write_creates_the_file_and_its_folders_as_utf8_without_bom(contract):
    path = contract.path('config', 'daemon.toml')
    assert write(contract, path) == {'path': path, 'backup_file': None, 'data_roots_created': []}
    assert content(contract, path) == TEXT.encode('utf-8')
    measured, = read_back(contract, measure=[contract.path('config')])['measured']
    assert (measured['type'], measured['files'], measured['dirs']) == ('dir', 1, 0), 'no staged file is left'
    assert remove(contract, path, remove_empty_parent=True) == {
        'path': path, 'removed': True, 'backup_file': None, 'parent_removed': True}


@pytest.mark.operation('file_write')
def test_write_replaces_a_file_and_keeps_a_backup_when_asked(contract):
    path = contract.path('cni.conf')
    write(contract, path, content=base64.b64encode(b'\x00old\xff').decode(), encoding='base64')
    result = write(contract, path, content='new', backup=True)
    backup = contract.volatile(result['backup_file'], 'backup')
    assert backup.startswith(path + '.') and backup.endswith('.bak')
    assert content(contract, path) == b'new'
    assert content(contract, backup) == b'\x00old\xff'


@pytest.mark.operation('file_write')
def test_an_unknown_content_encoding_writes_nothing(contract):
    path = contract.path('never.txt')
    error = contract.fail('file_write', {'path': path, 'content': 'x', 'content_encoding': 'utf16', 'backup': False})
    assert 'Unknown content_encoding utf16: expected text or base64.' in error
    assert content(contract, path) is None


@pytest.mark.operation('file_remove')
def test_remove_of_a_missing_file_is_no_error(contract):
    path = contract.path('missing.conf')
    assert remove(contract, path, remove_empty_parent=True) == {
        'path': path, 'removed': False, 'backup_file': None, 'parent_removed': False}


@pytest.mark.operation('file_remove')
def test_remove_with_backup_renames_and_keeps_the_folder_that_holds_it(contract):
    path = contract.path('cni', 'nat.conf')
    write(contract, path, content='cni')
    result = remove(contract, path, backup=True, remove_empty_parent=True)
    contract.volatile(result['backup_file'], 'backup')
    assert result['removed'] is True and result['parent_removed'] is False
    assert result['backup_file'].startswith(path + '.') and result['backup_file'].endswith('.bak')
    assert content(contract, path) is None and content(contract, result['backup_file']) == b'cni'


@pytest.mark.operation('file_remove')
def test_a_directory_is_refused(contract):
    folder = contract.path('folder')
    write(contract, folder + '\\inside.txt', content='x')
    error = contract.fail('file_remove', {'path': folder, 'backup': False, 'remove_empty_parent': False})
    assert '%s is a directory, not a file.' % folder in error
    assert content(contract, folder + '\\inside.txt') == b'x'


@pytest.mark.operation('service_data_remove')
def test_config_data_and_empty_folders_go(contract):
    config = contract.path('etc', 'daemon.toml')
    data = contract.path('data')
    write(contract, config, content='root = "x"\n')
    write(contract, data + '\\db\\meta.db', content='meta')
    write(contract, data + '\\content\\blob', content='blob')
    sha256 = hashlib.sha256(b'root = "x"\n').hexdigest().upper()
    result = contract.call('service_data_remove', {'config': {'path': config, 'sha256': sha256}, 'paths': [data],
                                                   'data_roots': [], 'empty_folders': [contract.path('etc')]})
    assert result == {'config_removed': True, 'removed': [data], 'kept': [], 'folders_removed': [contract.path('etc')],
                      'not_removed': [], 'not_removed_count': 0}
    measured = read_back(contract, measure=[data, contract.path('etc')])['measured']
    assert [entry['type'] for entry in measured] == ['missing', 'missing']


@pytest.mark.operation('service_data_remove')
def test_a_config_changed_since_it_was_read_is_kept(contract):
    config = contract.path('etc', 'daemon.toml')
    write(contract, config, content='changed by hand')
    result = contract.call('service_data_remove', {'config': {'path': config, 'sha256': '0' * 64}, 'paths': [],
                                                   'data_roots': [], 'empty_folders': [contract.path('etc')]})
    assert result == {'config_removed': False, 'removed': [], 'kept': [], 'folders_removed': [], 'not_removed': [],
                      'not_removed_count': 0}
    assert content(contract, config) == b'changed by hand'


def read_roots(contract, *roots):
    return contract.call('service_read', {'names': [], 'probe_versions': [], 'data_roots': list(roots)},
                         masks={'data_roots.*.id': '<file id>', 'data_roots.0.marker': '<file id>'})['data_roots']


@pytest.mark.operation('data_root_apply')
def test_a_missing_data_root_is_created_and_recorded_and_removal_clears_the_record(contract):
    root = contract.path('data', 'root')
    made = contract.path('made')
    write(contract, made + '\\keep.txt', content='not ours')
    assert contract.call('data_root_apply', {'paths': [root, made]}) == {'created': [root]}
    created, kept = read_roots(contract, root, made)
    assert created['exists'] and created['marked'] and created['link'] is None and created['marker'] == created['id']
    assert kept['exists'] and kept['marker'] is None and kept['marked'] is False
    assert contract.call('data_root_apply', {'paths': [root, made]}) == {'created': []}
    result = contract.call('service_data_remove', {'config': None, 'paths': [], 'data_roots': [root, made],
                                                   'empty_folders': []})
    assert result == {'config_removed': False, 'removed': [root], 'kept': [made], 'folders_removed': [],
                      'not_removed': [], 'not_removed_count': 0}
    gone, _kept = read_roots(contract, root, made)
    assert gone == {'path': root, 'exists': False, 'link': None, 'id': None, 'marker': None, 'marked': False}
    assert content(contract, made + '\\keep.txt') == b'not ours'


@pytest.mark.operation('file_write')
def test_write_with_protect_gives_the_folder_and_the_file_the_protected_dacl(contract):
    folder = contract.path('protected')
    path = contract.path('protected', 'buildkitd.toml')
    contract.call('file_write', {'path': path, 'content': TEXT, 'content_encoding': 'text', 'backup': False,
                                 'protect': {'users_read': False, 'folders': [folder]}})
    read = contract.call('service_read', {'names': [], 'probe_versions': [], 'acl_paths': [folder, path]})
    assert [(entry['directory'], entry['sddl']) for entry in read['security']] == [
        (True, 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)'), (False, 'O:BAD:P(A;;FA;;;BA)(A;;FA;;;SY)')]
    assert content(contract, path) == TEXT.encode('utf-8')


@pytest.mark.operation('file_write')
def test_write_with_protect_lets_users_read_the_readable_folders_only(contract):
    install, data = contract.path('install'), contract.path('install', 'etc')
    path = contract.path('install', 'etc', 'config.toml')
    contract.call('file_write', {'path': path, 'content': TEXT, 'content_encoding': 'text', 'backup': False,
                                 'protect': {'users_read': False, 'folders': [install, data],
                                             'readable_folders': [install.upper()]}})
    read = contract.call('service_read', {'names': [], 'probe_versions': [], 'acl_paths': [install, data, path]})
    assert [entry['sddl'] for entry in read['security']] == [
        'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)(A;OICI;0x1200a9;;;BU)', 'O:BAD:P(A;OICI;FA;;;BA)(A;OICI;FA;;;SY)',
        'O:BAD:P(A;;FA;;;BA)(A;;FA;;;SY)']
