"""_archive_paths: URLs, mirrors, archive types, dest, member paths, strip and include."""

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive import paths

UPSTREAM = 'https://github.com/containerd/containerd/releases/download/v1.7.7/containerd-1.7.7-windows-amd64.tar.gz'


def test_mirror_takes_the_last_segment_of_the_url():
    assert paths.mirrored('http://m.example/containerd/', UPSTREAM) == (
        'http://m.example/containerd/containerd-1.7.7-windows-amd64.tar.gz')
    assert paths.mirrored('http://m.example/c', UPSTREAM + '?raw=1') == (
        'http://m.example/c/containerd-1.7.7-windows-amd64.tar.gz')


@pytest.mark.parametrize('url, problem', [
    (UPSTREAM, None),
    ('ftp://h/a.tar.gz', 'http:// or https://'),
    ('https:///a.tar.gz', 'http:// or https://'),
    ('https://h/', 'no file name'),
    ('a.tar.gz', 'http:// or https://'),
])
def test_url_problems(url, problem):
    found = paths.url_problem(url)
    assert (found is None) if problem is None else (problem in found)


def test_credentials_are_dropped_from_shown_urls():
    assert paths.redacted_url('https://u:p@h:8443/a.zip?x=1') == 'https://h:8443/a.zip?x=1'


@pytest.mark.parametrize('url, shown', [
    ('https://acct.blob.core.windows.net/c/a.zip?sv=2022-11-02&se=2026-12-31&sp=r&sig=abc%2Bdef%3D',
     'https://acct.blob.core.windows.net/c/a.zip?sv=2022-11-02&se=2026-12-31&sp=r&sig=REDACTED'),
    ('https://b.s3.amazonaws.com/a.tar.gz?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00&X-Amz-Expires=60',
     'https://b.s3.amazonaws.com/a.tar.gz?X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Expires=60'),
    ('https://h/a.zip?private_token=t0k&ref=main&api%5Fkey=k', 'https://h/a.zip?private_token=REDACTED&ref=main'
     '&api%5Fkey=REDACTED'),
    ('https://h/a.zip?token=&flag', 'https://h/a.zip?token=&flag'),
    ('https://h/a.zip', 'https://h/a.zip'),
])
def test_secrets_in_the_query_string_are_redacted_and_the_rest_kept_as_sent(url, shown):
    assert paths.redacted_url(url) == shown


def test_credentials_go_with_https_only():
    assert paths.credentials_problem('https://h/a.zip') is None
    problem = paths.credentials_problem('http://h/a.zip?sig=s3cret')
    assert 'plain http://' in problem and 's3cret' not in problem and 'sig=REDACTED' in problem


@pytest.mark.parametrize('name, kind', [
    ('a.tar.gz', 'tar.gz'), ('A.TGZ', 'tar.gz'), ('cni-v0.3.1.zip', 'zip'), ('a.tar.xz', None), ('.zip', None),
    ('a.tar', None), ('a.gz', None),
])
def test_archive_type(name, kind):
    assert paths.archive_type(name) == kind


@pytest.mark.parametrize('dest', ['C:\\Program Files\\containerd', 'c:\\x\\', '%ProgramFiles%\\containerd',
                                  'D:\\tools\\bin'])
def test_good_dest(dest):
    assert paths.dest_problem(dest) is None


@pytest.mark.parametrize('dest, problem', [
    ('', 'empty'), ('Program Files\\x', 'absolute'), ('\\x', 'absolute'), ('\\\\server\\share\\x', 'absolute'),
    ('C:x', 'absolute'), ('C:\\', 'drive root'), ('C:/x', 'backslashes'), ('C:\\x\\..\\y', '".."'),
    ('C:\\x\\\\y', 'empty segments'), ('C:\\x|y', 'characters'), ('C:\\a:b', 'characters'), ('%X%', 'absolute'),
])
def test_bad_dest(dest, problem):
    assert problem in paths.dest_problem(dest)


@pytest.mark.parametrize('given, normal', [
    ('bin/x.exe', 'bin/x.exe'), ('bin\\x.exe', 'bin/x.exe'), ('./bin/', 'bin'), ('x', 'x'),
])
def test_member_path(given, normal):
    assert paths.member_path(given) == normal


@pytest.mark.parametrize('given', ['', '/', '/etc/x', 'C:\\x', 'a/../b', 'a//b', '..', 'a/./b'])
def test_bad_member_path(given):
    with pytest.raises(paths.PathProblem):
        paths.member_path(given)


@pytest.mark.parametrize('path, n, stripped', [
    ('a/b/c', 0, 'a/b/c'), ('a/b/c', 1, 'b/c'), ('a/b/c', 2, 'c'), ('a/b/c', 3, None), ('a/b', 1, 'b'),
    ('a/', 1, None), ('a//b', 1, 'b'), ('a\\b\\c', 1, 'b/c'), ('a', 1, None),
])
def test_strip_follows_bsdtar(path, n, stripped):
    assert paths.strip(path, n) == stripped


def test_included_files_and_directories_without_regard_to_case():
    every = ['bin/a.exe', 'bin/B.exe', 'doc/readme', 'bin2/c']
    assert paths.included(every, None) == (['bin/a.exe', 'bin/B.exe', 'bin2/c', 'doc/readme'], [])
    assert paths.included(every, ['BIN']) == (['bin/a.exe', 'bin/B.exe'], [])
    assert paths.included(every, ['bin/b.exe', 'nope', 'doc/readme']) == (['bin/B.exe', 'doc/readme'], ['nope'])


def test_name():
    assert paths.name_problem('containerd') is None and paths.name_problem('cni-plugins_v0.3.1') is None
    for bad in ('', 'a b', '-x', 'a/b', 'x' * 65, '..'):
        assert paths.name_problem(bad)
