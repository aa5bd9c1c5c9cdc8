"""checksum: provenance: the provenance URL beside a BuildKit archive, the subject's digest, and where it is refused."""

import json

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.checksum import (
    PROVENANCE,
    ChecksumError,
    parse_module_option,
    trust_problem,
)
from ansible_collections.wcow.buildkit.plugins.plugin_utils._release_archive.provenance import (
    pick_digest,
    provenance_url,
)

NAME = 'buildkit-v0.23.2.windows-amd64.tar.gz'
URL = 'https://github.com/moby/buildkit/releases/download/v0.23.2/' + NAME
A = 'a' * 64


def statement(*subjects, kind='https://in-toto.io/Statement/v0.1'):
    return json.dumps({'_type': kind, 'predicateType': 'https://slsa.dev/provenance/v0.2',
                       'subject': list(subjects), 'predicate': {'buildType': 'https://mobyproject.org/buildkit@v1'}},
                      indent=2)


def test_the_url_is_the_archive_name_without_its_extension():
    assert provenance_url(URL) == URL[:-len('.tar.gz')] + '.provenance.json'
    assert provenance_url('https://h/r/a.zip?token=x') == 'https://h/r/a.provenance.json?token=x'
    assert provenance_url('https://h/r/A.TGZ#part') == 'https://h/r/A.provenance.json'


def test_the_subject_named_after_the_archive_gives_the_digest():
    text = statement({'name': 'other.tar.gz', 'digest': {'sha256': 'b' * 64}},
                     {'name': NAME, 'digest': {'sha256': A.upper()}})
    assert pick_digest('\ufeff' + text, NAME) == A


@pytest.mark.parametrize('text, words', [
    ('not json', 'is not JSON'),
    (json.dumps({'subject': []}), 'is not an in-toto statement'),
    (json.dumps(['x']), 'is not an in-toto statement'),
    (statement(kind='https://example.com/x'), 'is not an in-toto statement'),
    (json.dumps({'_type': 'https://in-toto.io/Statement/v1', 'subject': {}}), 'has no subject list'),
    (statement({'name': 'other.tar.gz', 'digest': {'sha256': A}}), 'has no subject named %s \\(it names other.tar.gz\\)'
     % NAME.replace('.', '\\.')),
    (statement(), 'it names none'),
    (statement({'name': NAME, 'digest': {'sha256': A}}, {'name': './' + NAME, 'digest': {'sha256': A}}),
     'in 2 subjects; expected one'),
    (statement({'name': NAME, 'digest': {'sha256': A[:-1]}}), 'no sha256 digest of 64 hexadecimal digits'),
    (statement({'name': NAME, 'digest': {'sha512': A + A}}), 'no sha256 digest'),
    (statement({'name': NAME}), 'no sha256 digest'),
    (statement({'name': NAME, 'digest': {'sha256': 7}}), 'no sha256 digest of 64 hexadecimal digits \\(digest: '
     '\\{"sha256": 7\\}\\)'),
    (statement({'name': 7, 'digest': {'sha256': A}}, {'name': 'b.zip'}), 'it names b.zip\\)'),
])
def test_a_provenance_that_does_not_vouch_for_exactly_one_archive_is_refused(text, words):
    with pytest.raises(ChecksumError, match=words):
        pick_digest(text, NAME)


def test_the_option_takes_provenance_or_a_pinned_sha256():
    assert parse_module_option('provenance') == PROVENANCE
    assert parse_module_option('sha256:' + A) == A
    with pytest.raises(ChecksumError, match='sha256:<64 hexadecimal digits> or provenance'):
        parse_module_option('Provenance')


@pytest.mark.parametrize('url, mirror, words', [
    (None, None, 'not for src'),
    (URL, 'https://mirror.example/buildkit/', 'a mirror needs a pinned checksum'),
    ('http://releases.example/' + NAME, None, 'not read over plain http://'),
])
def test_provenance_is_refused_where_it_would_not_come_from_the_release(url, mirror, words):
    option, message = trust_problem(url, mirror, PROVENANCE, None)
    assert option == 'checksum' and words in message


def test_provenance_of_an_https_release_is_trusted():
    assert trust_problem(URL, None, PROVENANCE, None) is None
