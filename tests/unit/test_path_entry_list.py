"""The PATH list logic of win_path_entry: splitting, comparing, adding and removing one entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.wcow.buildkit.plugins.plugin_utils._windows.path_list import (
    Entry,
    comparison_key,
    ensure_absent,
    ensure_present,
    join_entries,
    path_problem,
    pieces,
    present_as_written,
    split,
)

VARIABLES = {'%ProgramFiles%': 'C:\\Program Files', '%SystemRoot%': 'C:\\Windows'}


def expand(text):
    for name, value in VARIABLES.items():
        text = text.replace(name, value)
    return text


def entries_of(value):
    return split(value, [expand(piece) for piece in pieces(value)])


def wanted(path):
    return Entry(path, expand(path))


def present(value, path, position='append'):
    return join_entries(ensure_present(entries_of(value), wanted(path), position))


def absent(value, path):
    return join_entries(ensure_absent(entries_of(value), wanted(path)))


# -- splitting ---------------------------------------------------------------------
path_text = st.text(alphabet=st.sampled_from(list('ab;"\\% C:')), max_size=40)


@given(path_text)
def test_split_then_join_gives_the_value_back(value):
    assert join_entries(entry.raw for entry in entries_of(value)) == value


@given(path_text)
def test_expansions_line_up_with_the_entries(value):
    for entry in entries_of(value):
        assert entry.expanded == expand(entry.raw)


def test_empty_and_missing_values_have_no_entries():
    assert entries_of('') == []
    assert entries_of(None) == []


def test_empty_entries_are_entries():
    assert [e.raw for e in entries_of(';a;;b;')] == ['', 'a', '', 'b', '']


def test_a_separator_inside_quotes_does_not_split():
    assert [e.raw for e in entries_of('a;"C:\\x;y";b')] == ['a', '"C:\\x;y"', 'b']
    assert [e.raw for e in entries_of('a;"C:\\open;b')] == ['a', '"C:\\open;b']


def test_expansions_must_match_the_pieces():
    with pytest.raises(ValueError):
        split('a;b', ['a'])


# -- comparing ---------------------------------------------------------------------
@pytest.mark.parametrize('spelling', [
    'C:\\Tools', 'c:\\tools', 'C:\\TOOLS\\', '"C:\\Tools"', '"c:\\tools\\"', 'C:\\Tools\\\\',
])
def test_spellings_of_the_same_directory(spelling):
    assert comparison_key(spelling) == comparison_key('C:\\Tools')


@pytest.mark.parametrize('other', ['C:\\Tools2', '"C:\\Tools', 'C:\\Tools ', 'D:\\Tools', '\\Tools'])
def test_different_directories(other):
    assert comparison_key(other) != comparison_key('C:\\Tools')


def test_case_folding_keeps_the_length():
    assert comparison_key('C:\\Straße') == 'C:\\STRAßE'


def test_raw_or_expanded_forms_match():
    assert present('%ProgramFiles%\\buildkit', 'C:\\Program Files\\buildkit') == '%ProgramFiles%\\buildkit'
    assert present('C:\\program files\\BuildKit\\', '%ProgramFiles%\\buildkit') == 'C:\\program files\\BuildKit\\'


# -- present -----------------------------------------------------------------------
def test_added_at_the_end_or_the_start():
    assert present('a;b', 'C:\\x') == 'a;b;C:\\x'
    assert present('a;b', 'C:\\x', 'prepend') == 'C:\\x;a;b'
    assert present('', 'C:\\x') == 'C:\\x'
    assert present(None, 'C:\\x') == 'C:\\x'


def test_a_trailing_separator_stays_last():
    assert present('%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;', 'C:\\x') == \
        '%USERPROFILE%\\AppData\\Local\\Microsoft\\WindowsApps;C:\\x;'


def test_present_entry_is_not_moved():
    assert present('a;C:\\x;b', 'C:\\x', 'prepend') == 'a;C:\\x;b'


def test_duplicates_collapse_into_the_first_and_the_rest_keeps_its_order():
    value = ';'.join([
        'C:\\Windows', 'c:\\program files\\buildkit\\', 'C:\\a', '', '"C:\\Program Files\\BuildKit"',
        'C:\\b', '%ProgramFiles%\\buildkit', 'C:\\c', 'C:\\PROGRAM FILES\\BUILDKIT',
    ])
    assert present(value, '%ProgramFiles%\\buildkit') == 'C:\\Windows;c:\\program files\\buildkit\\;C:\\a;;C:\\b;C:\\c'


def test_an_entry_inside_a_quoted_entry_is_not_a_copy():
    value = 'C:\\x;"C:\\y;C:\\x;C:\\w";C:\\z'
    assert present(value, 'C:\\x') == value
    assert absent(value, 'C:\\x') == '"C:\\y;C:\\x;C:\\w";C:\\z'


# -- absent ------------------------------------------------------------------------
def test_absent_removes_every_copy_and_nothing_else():
    value = 'C:\\x;a;;"c:\\X\\";b;%SystemRoot%;C:\\Windows\\;C:\\X;'
    assert absent(value, 'C:\\x') == 'a;;b;%SystemRoot%;C:\\Windows\\;'
    assert absent(value, '%SystemRoot%') == 'C:\\x;a;;"c:\\X\\";b;C:\\X;'


def test_absent_from_nothing_is_nothing():
    assert absent(None, 'C:\\x') == ''
    assert absent('a;b', 'C:\\x') == 'a;b'


@given(st.lists(st.sampled_from(['C:\\x', 'c:\\X\\', '"C:\\x"', 'C:\\y', '', 'C:\\z;', 'a']), max_size=12),
       st.sampled_from(['append', 'prepend']))
def test_present_keeps_one_copy_and_every_other_entry_in_order(raw, position):
    value = join_entries(raw)
    target = wanted('C:\\x')
    before = entries_of(value)
    after = entries_of(present(value, 'C:\\x', position))
    same = [e for e in after if comparison_key(e.raw) == comparison_key('C:\\x')]
    assert len(same) == 1
    others = [e.raw for e in before if comparison_key(e.raw) != comparison_key(target.raw)]
    assert [e.raw for e in after if comparison_key(e.raw) != comparison_key('C:\\x')] == others
    assert present(present(value, 'C:\\x', position), 'C:\\x', position) == present(value, 'C:\\x', position)
    assert absent(present(value, 'C:\\x', position), 'C:\\x') == join_entries(
        e.raw for e in before if comparison_key(e.raw) != comparison_key('C:\\x'))


# -- validation --------------------------------------------------------------------
@pytest.mark.parametrize('path', [
    'C:\\Program Files\\buildkit', 'c:\\', 'D:\\tools\\bin\\', '\\\\server\\share', '\\\\server\\share\\tools',
    '%ProgramFiles%\\buildkit', '%USERPROFILE%',
])
def test_good_paths(path):
    assert path_problem(path) is None


@pytest.mark.parametrize('path, words', [
    ('', 'empty'),
    (' C:\\x', 'white space'),
    ('C:\\x;C:\\y', 'separator'),
    ('"C:\\x"', 'double quote'),
    ('C:\\x\ny', 'control'),
    ('C:/x', 'backslashes'),
    ('tools\\bin', 'not absolute'),
    ('C:tools', 'not absolute'),
    ('\\tools', 'not absolute'),
    ('\\\\server', 'not absolute'),
    ('\\\\?\\C:\\x', 'not absolute'),
    ('\\\\.\\pipe\\x', 'not absolute'),
    ('%%\\x', 'not absolute'),
])
def test_bad_paths(path, words):
    assert words in path_problem(path)


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

@pytest.mark.parametrize('text, key', [
    ('""', ''), ('"', '"'), ('"a', '"A'), ('a"', 'A"'), ('"c:\\x\\"', 'C:\\X'),
])
def test_only_a_pair_of_surrounding_quotes_is_dropped(text, key):
    assert comparison_key(text) == key


def test_control_characters_up_to_0x1f_are_refused():
    assert 'control character' in path_problem('C:\\to\x1fols')
    assert path_problem('C:\\tools ') is not None and path_problem('C:\\tools\\x y') is None


def test_entries_cannot_change():
    import dataclasses
    with pytest.raises(dataclasses.FrozenInstanceError):
        Entry('a', 'a').raw = 'b'


def test_a_reg_sz_value_holds_an_entry_only_as_written():
    wanted = Entry('%ProgramFiles%\\buildkit', 'C:\\Program Files\\buildkit')
    assert not present_as_written('C:\\Windows;%ProgramFiles%\\buildkit', wanted)
    assert present_as_written('C:\\Windows;c:\\program files\\buildkit\\', wanted)
