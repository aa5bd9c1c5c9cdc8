"""_checksum: the sha256:<hex> option and checksum files such as containerd's .sha256sum."""

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.checksum import (
    ChecksumError,
    is_sha256,
    parse_option,
    pick_from_file,
    trust_problem,
)

A = 'a' * 64
B = 'B' * 64
NAME = 'containerd-1.7.7-windows-amd64.tar.gz'


def test_option_is_lower_cased():
    assert parse_option('sha256:' + B) == 'b' * 64
    assert parse_option('  sha256:%s ' % A) == A


@pytest.mark.parametrize('value', [None, '', A, 'sha256:' + A[:-1], 'sha256:' + A + '0', 'sha1:' + A,
                                   'SHA256:' + A, 'sha256:' + 'g' * 64, 'sha256: ' + A])
def test_bad_options_are_refused(value):
    with pytest.raises(ChecksumError, match='sha256:<64 hexadecimal digits>'):
        parse_option(value)


def test_sha256sum_line_for_the_file():
    text = '%s  other.zip\n%s  %s\n' % (A, B, NAME)
    assert pick_from_file(text, NAME) == 'b' * 64


@pytest.mark.parametrize('line', ['%s *%s', '%s  ./%s', '%s  dist/%s', '%s\t%s', '%s  %s\r'])
def test_binary_mode_and_directories_in_the_name(line):
    assert pick_from_file(line % (A, NAME) + '\n', NAME) == A


def test_a_single_bare_hash():
    # [Text.Encoding]::UTF8.GetString keeps a byte order mark.
    assert pick_from_file('\ufeff%s\r\n' % B, NAME) == 'b' * 64
    assert pick_from_file('%s\n' % A, NAME) == A


def test_a_file_for_another_archive_is_refused():
    with pytest.raises(ChecksumError, match='has no line for %s .*other.zip' % NAME):
        pick_from_file('%s  other.zip\n' % A, NAME)


def test_several_bare_hashes_are_refused():
    with pytest.raises(ChecksumError, match='2 bare checksums'):
        pick_from_file('%s\n%s\n' % (A, B), NAME)


def test_conflicting_lines_are_refused():
    with pytest.raises(ChecksumError, match='more than once'):
        pick_from_file('%s  %s\n%s  %s\n' % (A, NAME, B, NAME), NAME)


@pytest.mark.parametrize('text', ['', '\n# comment\n', None])
def test_empty_files_are_refused(text):
    with pytest.raises(ChecksumError, match='no SHA-256'):
        pick_from_file(text, NAME)


def test_garbage_is_refused_naming_the_line():
    with pytest.raises(ChecksumError, match='line 2'):
        pick_from_file('%s  %s\n<html>404</html>\n' % (A, NAME), NAME)


def test_is_sha256():
    assert is_sha256(A) and is_sha256(B) and not is_sha256(A[:-1]) and not is_sha256(None)


def test_a_file_listing_the_archive_twice_with_the_same_checksum_gives_it():
    text = '%s  %s\n%s  ./%s\n' % (A, NAME, A.upper(), NAME)
    assert pick_from_file(text, NAME) == A


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

def test_normalise_lower_cases_and_keeps_nothing_as_nothing():
    from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.checksum import normalise
    assert normalise(B) == 'b' * 64
    assert normalise(None) is None and normalise('') == ''


def test_comments_and_blank_lines_before_the_entries_are_skipped():
    assert pick_from_file('# sha256sum output\n\n%s  %s\n' % (B, NAME), NAME) == 'b' * 64


def test_a_bad_line_is_quoted_up_to_120_characters():
    with pytest.raises(ChecksumError) as raised:
        pick_from_file('z' * 200, NAME)
    assert "'%s'" % ('z' * 120) in str(raised.value)


def test_a_file_without_the_archive_names_the_first_five_it_lists():
    text = ''.join('%s  file%d.zip\n' % (A, i) for i in range(6))
    with pytest.raises(ChecksumError) as raised:
        pick_from_file(text, NAME)
    assert str(raised.value).endswith('(it lists file0.zip, file1.zip, file2.zip, file3.zip, file4.zip)')


HTTPS = 'https://github.com/containerd/containerd/releases/download/v2.1.4/containerd-2.1.4-windows-amd64.tar.gz'
PINNED = 'sha256:' + A


@pytest.mark.parametrize('url, mirror, checksum, checksum_url, option, words', [
    # A checksum file over plain http is whatever the path between says.
    (HTTPS, None, None, 'http://mirror.example/containerd.sha256sum', 'checksum_url', 'plain http://'),
    (HTTPS, None, None, 'HTTP://Mirror.example/x.sha256sum', 'checksum_url', 'plain http://'),
    # A mirror serves the checksum file beside its own archive.
    (HTTPS, 'https://mirror.example/', None, HTTPS + '.sha256sum', 'checksum_url', 'mirror'),
    (HTTPS, 'https://mirror.example/', None, None, 'checksum', 'required with mirror'),
    # An http:// download needs a pinned checksum, allow_unverified or not.
    ('http://releases.example/a.tar.gz', None, None, None, 'checksum', 'plain http://'),
])
def test_untrusted_sources_need_a_pinned_checksum(url, mirror, checksum, checksum_url, option, words):
    problem = trust_problem(url, mirror, checksum, checksum_url)
    assert problem is not None and problem[0] == option and words in problem[1]


@pytest.mark.parametrize('url, mirror, checksum, checksum_url', [
    (HTTPS, None, None, HTTPS + '.sha256sum'),
    (HTTPS, None, None, None),
    (HTTPS, 'https://mirror.example/', PINNED, None),
    (HTTPS, 'http://mirror.example/', PINNED, None),
    ('http://releases.example/a.tar.gz', None, PINNED, None),
    (None, None, PINNED, None),
])
def test_pinned_checksums_and_https_checksum_files_are_trusted(url, mirror, checksum, checksum_url):
    assert trust_problem(url, mirror, checksum, checksum_url) is None
