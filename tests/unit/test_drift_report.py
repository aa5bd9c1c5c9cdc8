"""The drift report: classifying recorded task results, the Markdown table, the HTML page, the JSON data."""

from __future__ import annotations

import datetime
import html.parser
import json
import os
import stat
import subprocess
from xml.etree import ElementTree
from pathlib import Path

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.classify import classify
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_files import write_reports
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_html import render_html
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_junit import render_junit
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_markdown import render_markdown
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_model import (
    DriftReport,
    is_resource,
    resource_name,
)

WHEN = datetime.datetime(2026, 3, 1, 12, 30, 0, tzinfo=datetime.timezone.utc)
PATH_HEADER = 'machine PATH (REG_EXPAND_SZ), one entry per line'
BUILDKIT = '%ProgramFiles%\\buildkit'

# Results as the modules return them in check mode with --diff.
IN_SYNC = {'changed': False, 'path_value': 'C:\\Windows'}
PATH_DRIFTED = {'changed': True, 'diff': {
    'before_header': PATH_HEADER, 'after_header': PATH_HEADER,
    'before': '%SystemRoot%\\system32\n%SystemRoot%\n',
    'after': '%%SystemRoot%%\\system32\n%%SystemRoot%%\n%s\n' % BUILDKIT,
}}
GROUP_MISSING = {'changed': True, 'added': ['WS2019-SIM\\alice'], 'removed': [], 'diff': {
    'before': {'state': 'absent'},
    'after': {'state': 'present', 'name': 'buildkit-users', 'description': 'May use buildkitd', 'members': []},
}}
NETWORK_DRIFTED = {'changed': True, 'diff': {
    'before': {'state': 'present', 'name': 'nat', 'type': 'nat', 'subnets': [{'address_prefix': '10.0.0.0/24'}]},
    'after': {'state': 'present', 'name': 'nat', 'type': 'nat', 'subnets': [{'address_prefix': '172.20.0.0/16'}]},
}}
FAILED = {'failed': True, 'changed': False, 'msg': 'service_read failed on the host: Access is denied.'}
UNREACHABLE = {'unreachable': True, 'changed': False, 'msg': 'winrm connection error: timed out'}


def report_of(*entries, title='Fleet drift'):
    """entries: (host, resource, outcome, result[, module])."""
    report = DriftReport(title, generated_at=WHEN)
    report.add_playbook('drift.yml')
    for host, resource, outcome, result, *module in entries:
        finding = classify(outcome, result)
        if resource is None:
            report.add_problem(host, 'Gather facts', finding, module='ansible.builtin.setup')
        else:
            report.add_resource(host, resource, finding, module=module[0] if module else 'wcow.buildkit.win_path_entry')
    return report


def fleet_report():
    return report_of(
        ('ws2022', 'PATH entry', 'ok', IN_SYNC),
        ('ws2022', 'buildkit group', 'ok', dict(IN_SYNC)),
        ('ws2022', 'nat network', 'ok', dict(IN_SYNC)),
        ('ws2019', 'PATH entry', 'ok', PATH_DRIFTED),
        ('ws2019', 'buildkit group', 'ok', GROUP_MISSING, 'wcow.buildkit.win_local_group'),
        ('ws2019', 'nat network', 'failed', FAILED, 'wcow.buildkit.win_hns_network'),
        ('ws2025', None, 'unreachable', UNREACHABLE),
    )


# --- classifying one result ------------------------------------------------------------------


def test_no_change_is_in_sync():
    assert classify('ok', IN_SYNC) == ('in_sync', [], None)


def test_a_changed_text_diff_is_drifted_and_shows_the_changed_lines():
    status, summary, message = classify('ok', PATH_DRIFTED)
    assert status == 'drifted' and message is None
    assert summary[0] == PATH_HEADER + ':'
    assert '+ %s' % BUILDKIT in summary
    assert all(line[:2] in ('- ', '+ ') for line in summary[1:])


@pytest.mark.parametrize('before', [{'state': 'absent'}, {'exists': False, 'name': 'buildkitd'}, {}, '', None])
def test_an_absent_before_is_missing(before):
    status, summary, _message = classify('ok', {'changed': True, 'diff': {'before': before, 'after': {
        'state': 'present', 'name': 'x'}}})
    assert status == 'missing'
    assert summary[0].startswith('absent now'), summary


def test_the_missing_group_shows_what_is_wanted():
    status, summary, _message = classify('ok', GROUP_MISSING)
    assert status == 'missing'
    assert summary == ['absent now; wanted: description=May use buildkitd, members=[], name=buildkit-users']


def test_a_mapping_diff_lists_the_keys_that_differ():
    status, summary, _message = classify('ok', NETWORK_DRIFTED)
    assert status == 'drifted'
    assert summary == ['subnets: [{"address_prefix": "10.0.0.0/24"}] -> [{"address_prefix": "172.20.0.0/16"}]']


def test_something_to_remove_is_drifted_not_missing():
    status, summary, _message = classify('ok', {'changed': True, 'diff': {
        'before': {'state': 'present', 'name': 'buildnet'}, 'after': {'state': 'absent'}}})
    assert (status, summary) == ('drifted', ['present now; wanted absent'])


def test_a_service_missing_with_its_config_is_missing_and_with_a_config_left_drifted():
    service = {'before': '', 'after': 'command_line: buildkitd.exe\nstart_type: auto\n',
               'before_header': 'service buildkitd', 'after_header': 'service buildkitd'}
    config = {'before': '', 'after': 'debug = false\n', 'before_header': 'C:\\ProgramData\\buildkitd.toml'}
    both = {'changed': True, 'changes': ['write the config', 'register the service'], 'diff': [service, config]}
    status, summary, _message = classify('ok', both)
    assert status == 'missing'
    assert summary[0] == 'service buildkitd: absent now'
    assert '+ start_type: auto' in summary
    assert summary[-1] == 'changes: write the config, register the service'

    left = dict(config, before='debug = true\n')
    status, summary, _message = classify('ok', dict(both, diff=[service, left]))
    assert status == 'drifted'
    assert '- debug = true' in summary and '+ debug = false' in summary


def test_changed_files_are_listed_and_cut_short():
    files = ['bin\\file%02d.exe' % index for index in range(13)]
    _status, summary, _message = classify('ok', {'changed': True, 'changed_files': files, 'removed_files': ['x.dll']})
    assert summary == ['changed files: %s and 3 more' % ', '.join(files[:10]), 'removed files: x.dll']


def test_a_long_text_diff_is_cut_short():
    before = ''.join('line %d\n' % index for index in range(30))
    _status, summary, _message = classify('ok', {'changed': True, 'diff': {'before': before, 'after': ''.join(
        'line %d\n' % index for index in range(10, 40))}})
    assert len(summary) == 13 and summary[-1] == '... 8 more changed lines'


def test_a_change_without_diff_is_drifted_and_says_so():
    status, summary, _message = classify('ok', {'changed': True})
    assert status == 'drifted' and '--diff' in summary[0]


def test_the_warnings_of_a_change_explain_it():
    warning = "no HNS network is named 'nat': create it first.\nIn check mode the config is rendered later."
    status, summary, _message = classify('ok', {'changed': True, 'warnings': [warning], 'diff': {
        'before': '', 'after': '{}\n', 'before_header': 'C:\\cni\\nat.conf'}})
    assert status == 'missing'
    assert summary == ['C:\\cni\\nat.conf: absent now', '+ {}',
                       "warning: no HNS network is named 'nat': create it first."]
    assert classify('ok', dict(IN_SYNC, warnings=['x'])).summary == [], 'in sync shows no details'


def test_a_result_hidden_by_no_log_shows_nothing_of_it():
    status, summary, _message = classify('ok', {'censored': 'the output has been hidden', 'changed': True})
    assert (status, summary) == ('drifted', ['the details are hidden (no_log)'])


def test_failed_and_unreachable_keep_the_message():
    assert classify('failed', FAILED) == ('failed', [], FAILED['msg'])
    assert classify('unreachable', UNREACHABLE) == ('unreachable', [], UNREACHABLE['msg'])
    assert classify('failed', {'failed': True, 'exception': 'Traceback\n  File x\nKeyError: boom\n'}).message == \
        'KeyError: boom'


def test_only_the_first_line_of_a_message_is_kept():
    message = ('release_archive_read: failed on the host: Downloading the checksum failed\nAt line:10 char:9\r\n'
               '+         throw (...)\r\n+         ~~~~~~~~~~~~')
    assert classify('failed', {'failed': True, 'msg': message}).message == \
        'release_archive_read: failed on the host: Downloading the checksum failed'
    assert classify('failed', {'failed': True, 'msg': 'x' * 600}).message == 'x' * 497 + '...'
    assert classify('failed', {'failed': True, 'msg': '\n  \n'}).message == 'the task failed'


def test_a_loop_is_one_resource_with_the_worst_item():
    result = {'changed': True, 'results': [
        dict(IN_SYNC, item='a', _ansible_item_label='a'),
        dict(GROUP_MISSING, item={'name': 'b'}, _ansible_item_label={'name': 'b'}),
        dict(PATH_DRIFTED, item='c', _ansible_item_label='c'),
    ]}
    status, summary, message = classify('ok', result)
    assert status == 'missing' and message is None
    assert summary[0].startswith('{"name": "b"}: absent now')
    assert 'c: + %s' % BUILDKIT in summary
    failed = classify('failed', {'failed': True, 'msg': 'One or more items failed', 'results': [
        dict(FAILED, item='a'), dict(IN_SYNC, item='b')]})
    assert failed.status == 'failed' and failed.message == 'a: ' + FAILED['msg']


# --- naming and choosing resources -----------------------------------------------------------


def test_the_role_prefix_is_stripped():
    roles = ['wcow.buildkit.buildkit', 'buildkit']
    assert resource_name('wcow.buildkit.buildkit : Put buildctl on the PATH', roles) == 'Put buildctl on the PATH'
    assert resource_name('buildkit : Put buildctl on the PATH', roles) == 'Put buildctl on the PATH'
    assert resource_name('containerd : a : b', ['wcow.buildkit.buildkit']) == 'containerd : a : b'
    assert resource_name('  two\n lines ') == 'two lines'


@pytest.mark.parametrize('module, handler, state, expected', [
    ('wcow.buildkit.win_path_entry', False, None, True),
    ('wcow.buildkit.buildkitd_service', False, 'started', True),
    ('wcow.buildkit.buildkitd_service', False, 'restarted', False),
    ('wcow.buildkit.containerd_service', True, None, False),
    ('wcow.buildkit.wcow_facts', False, None, False),
    ('wcow.buildkit.win_service_restart', False, None, False),
    ('wcow.buildkit.preflight', False, None, False),
    ('ansible.builtin.fail', False, None, False),
    ('ansible.builtin.set_fact', False, None, False),
    ('ansible.windows.win_path', False, None, False),
    (None, False, None, False),
])
def test_only_wcow_buildkit_state_modules_are_resources(module, handler, state, expected):
    assert is_resource(module, is_handler=handler, state=state) is expected


def test_a_task_run_twice_on_a_host_is_a_second_column():
    report = report_of(('h1', 'Put it on the PATH', 'ok', IN_SYNC), ('h1', 'Put it on the PATH', 'ok', PATH_DRIFTED),
                       ('h2', 'Put it on the PATH', 'ok', IN_SYNC), ('h2', 'Put it on the PATH', 'ok', IN_SYNC))
    data = report.as_data()
    assert data['resources'] == ['Put it on the PATH', 'Put it on the PATH (2)']
    assert data['hosts']['h1']['resources']['Put it on the PATH (2)']['status'] == 'drifted'
    assert data['hosts']['h2']['status'] == 'in_sync'


# --- the data (drift-report.json) ------------------------------------------------------------


def test_the_data_has_a_status_per_host_and_resource():
    data = fleet_report().as_data()
    assert list(data['hosts']) == ['ws2019', 'ws2022', 'ws2025']
    assert data['resources'] == ['PATH entry', 'buildkit group', 'nat network']
    ws2019 = data['hosts']['ws2019']
    assert {name: entry['status'] for name, entry in ws2019['resources'].items()} == {
        'PATH entry': 'drifted', 'buildkit group': 'missing', 'nat network': 'failed'}
    assert ws2019['status'] == 'failed'
    assert ws2019['resources']['buildkit group']['module'] == 'wcow.buildkit.win_local_group'
    assert data['hosts']['ws2022']['status'] == 'in_sync'
    assert data['hosts']['ws2022']['counts'] == {'in_sync': 3, 'drifted': 0, 'missing': 0, 'blocked': 0, 'failed': 0,
                                                 'unreachable': 0}
    ws2025 = data['hosts']['ws2025']
    assert ws2025['status'] == 'unreachable' and ws2025['resources'] == {}
    assert ws2025['problems'] == [{'task': 'Gather facts', 'module': 'ansible.builtin.setup', 'status': 'unreachable',
                                   'message': UNREACHABLE['msg']}]
    assert data['totals'] == {'in_sync': 3, 'drifted': 1, 'missing': 1, 'blocked': 0, 'failed': 1, 'unreachable': 0}
    assert data['generated_at'] == '2026-03-01T12:30:00Z'
    assert data['check_mode'] is True and data['diff_mode'] is True
    assert json.loads(json.dumps(data)) == data


def test_a_task_outside_check_mode_is_noted():
    report = fleet_report()
    report.add_resource('ws2022', 'applied', classify('ok', PATH_DRIFTED), check_mode=False)
    data = report.as_data()
    assert data['check_mode'] is False and data['diff_mode'] is True
    assert 'without check mode' in render_markdown(data)
    assert 'without check mode' in render_html(data)


# --- Markdown --------------------------------------------------------------------------------


def test_the_markdown_starts_with_a_summary_of_hosts_and_resources_by_status():
    text = render_markdown(fleet_report().as_data())
    lines = text.splitlines()
    assert lines[0] == '# Fleet drift'
    start = lines.index('| Hosts | in sync | drifted | check failed | unreachable | total |')
    assert lines[start + 2] == '| all | 1 | 0 | 1 | 1 | 3 |'
    start = lines.index('| Resource | in sync | drifted | absent on host | waits on another resource | check failed '
                        '| host unreachable | not checked |')
    assert lines[start + 2:start + 6] == [
        '| PATH entry | 1 | **1** | 0 | 0 | 0 | 0 | 1 |',
        '| buildkit group | 1 | 0 | **1** | 0 | 0 | 0 | 1 |',
        '| nat network | 1 | 0 | 0 | 0 | **1** | 0 | 1 |',
        '| all | 3 | **1** | **1** | 0 | **1** | 0 | 3 |',
    ]
    assert text.index('## Summary') < text.index('## Not in sync, by host') < text.index('## Statuses')


def test_the_markdown_lists_only_what_is_not_in_sync_by_host():
    text = render_markdown(fleet_report().as_data())
    details = text[text.index('## Not in sync, by host'):text.index('## Statuses')]
    ws2019 = details[details.index('### ws2019: check failed'):details.index('### ws2025')]
    assert '- **PATH entry** (wcow.buildkit.win\\_path\\_entry): drifted' in ws2019
    assert '  + %s\n' % BUILDKIT in ws2019, 'the diff lines are in a code block, as they are'
    assert '- **buildkit group** (wcow.buildkit.win\\_local\\_group): absent on host' in ws2019
    assert 'absent now; wanted: description=May use buildkitd' in ws2019
    assert 'Access is denied.' in ws2019
    assert '### ws2022' not in details, 'a host in sync has no section'
    assert 'Hosts in sync (1): ws2022.' in details
    assert '- **task Gather facts** (ansible.builtin.setup): host unreachable' in details
    assert 'missing' not in details and 'missing' not in text[:text.index('## Statuses')], \
        'no status word reads as if a host were missing'


def test_the_markdown_can_group_by_resource():
    data = fleet_report().as_data()
    data['group_by'] = 'resource'
    text = render_markdown(data)
    details = text[text.index('## Not in sync, by resource'):text.index('## Statuses')]
    headings = [line for line in details.splitlines() if line.startswith('### ')]
    assert headings == ['### PATH entry', '### buildkit group', '### nat network', '### Gather facts']
    group = details[details.index('### buildkit group'):details.index('### nat network')]
    assert '- **ws2019** (wcow.buildkit.win\\_local\\_group): absent on host' in group


def test_a_host_whose_group_was_deleted_reads_drifted_and_the_group_absent_on_host():
    data = report_of(('ws2019', 'buildkit group', 'ok', GROUP_MISSING, 'wcow.buildkit.win_local_group')).as_data()
    assert data['hosts']['ws2019']['status'] == 'drifted'
    text = render_markdown(data)
    assert '### ws2019: drifted' in text
    assert '- **buildkit group** (wcow.buildkit.win\\_local\\_group): absent on host' in text
    assert 'absent on host' in render_html(data) and '>missing<' not in render_html(data)


def test_a_cni_config_without_its_network_waits_on_it_instead_of_drifting():
    # What win_cni_config returns in check mode when the nat network is absent.
    result = {'changed': True, 'config': None, 'content': None, 'depends_on': "the HNS network 'nat'", 'warnings': [
        "no HNS network is named 'nat': create it first (wcow.buildkit.win_hns_network), or give the subnet option. "
        'In check mode the config is reported as to be rendered once the network exists.']}
    finding = classify('ok', result)
    assert finding.status == 'blocked'
    assert finding.summary[0] == "depends on the HNS network 'nat', which is not on the host: compared once it exists"
    assert not any('no diff' in line for line in finding.summary)
    data = report_of(('ws2019', 'nat network', 'ok', dict(GROUP_MISSING), 'wcow.buildkit.win_hns_network'),
                     ('ws2019', 'CNI config', 'ok', result, 'wcow.buildkit.win_cni_config')).as_data()
    assert data['hosts']['ws2019']['status'] == 'drifted'
    text = render_markdown(data)
    assert '- **CNI config** (wcow.buildkit.win\\_cni\\_config): waits on another resource' in text
    assert "depends on the HNS network 'nat'" in text


def test_markdown_escapes_names_and_fences_code():
    report = report_of(('web|1', 'Run <script>alert(1)</script> *now*', 'ok', {'changed': True, 'diff': {
        'before': 'a\n', 'after': 'a\n```\n'}}))
    text = render_markdown(report.as_data())
    assert '<script>' not in text
    assert '| Run &lt;script&gt;alert(1)&lt;/script&gt; \\*now\\* |' in text
    assert '### web\\|1: drifted' in text
    assert '  ````text\n  + ```\n  ````' in text


# --- HTML ------------------------------------------------------------------------------------


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.stack, self.cells, self.row_headers, self.titles = [], [], [], [], []
        self.column_headers, self.text, self.problem_cells = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.stack.append((tag, attrs, []))
        if tag == 'li' and attrs.get('class') == 'cell':
            self.problem_cells.append(attrs)

    def handle_endtag(self, tag):
        while self.stack:
            open_tag, attrs, text = self.stack.pop()
            content = ''.join(text)
            if self.stack:
                self.stack[-1][2].append(content)
            if open_tag == 'td' and 'class' in attrs:
                self.cells.append((attrs['class'], content))
            if open_tag == 'th' and attrs.get('scope') == 'row':
                self.row_headers.append(content)
            if open_tag == 'th' and attrs.get('scope') == 'col':
                self.column_headers.append(content)
            if open_tag == tag:
                return

    def handle_data(self, data):
        self.text.append(data)
        if self.stack:
            self.stack[-1][2].append(data)


def parse(page):
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_the_html_page_has_the_summary_then_only_the_problem_cells():
    page = render_html(fleet_report().as_data())
    assert page.startswith('<!DOCTYPE html>') and '<style>' in page
    parsed = parse(page)
    assert parsed.column_headers[:2] == ['Hosts', 'in sync']
    assert 'Resource' in parsed.column_headers
    assert parsed.row_headers == ['all', 'PATH entry', 'buildkit group', 'nat network']
    assert [(cell['data-host'], cell['data-resource'], cell['data-status']) for cell in parsed.problem_cells] == [
        ('ws2019', 'PATH entry', 'drifted'), ('ws2019', 'buildkit group', 'missing'),
        ('ws2019', 'nat network', 'failed'), ('ws2025', 'Gather facts', 'unreachable')]
    for status in ('in_sync', 'drifted', 'missing', 'blocked', 'failed', 'unreachable'):
        assert '.s-%s {' % status in page
    assert '+ %s' % BUILDKIT in ''.join(parsed.text)
    assert 'Hosts in sync (1): ws2022.' in ''.join(parsed.text)
    assert not any(tag in ('script', 'link', 'img', 'iframe') for tag in parsed.tags), 'self-contained, no script'


def test_html_escapes_everything():
    hostile = 'Run <script>alert("x")</script> & \'quote\''
    report = report_of(('<b>host</b>', hostile, 'failed', {'failed': True, 'msg': '<img src=x onerror=alert(1)>'}),
                       title='<title>T</title>')
    page = render_html(report.as_data())
    parsed = parse(page)
    assert 'script' not in parsed.tags and 'img' not in parsed.tags and 'b' not in parsed.tags
    assert parsed.tags.count('title') == 1
    assert hostile in parsed.row_headers
    assert [cell['data-host'] for cell in parsed.problem_cells] == ['<b>host</b>']
    assert '<img src=x onerror=alert(1)>' in ''.join(parsed.text)
    assert '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quote&#x27;' in page


# --- JUnit XML --------------------------------------------------------------------------------


def test_the_junit_xml_has_a_case_per_host_and_resource_with_the_difference_as_failure_text():
    root = ElementTree.fromstring(render_junit(fleet_report().as_data()))
    assert root.tag == 'testsuites'
    assert (root.get('tests'), root.get('failures'), root.get('errors')) == ('10', '2', '2')
    suites = {suite.get('name'): suite for suite in root.findall('testsuite')}
    assert list(suites) == ['ws2019', 'ws2022', 'ws2025']
    cases = {(case.get('classname'), case.get('name')): case for suite in root for case in suite.findall('testcase')}
    drifted = cases['ws2019', 'PATH entry'].find('failure')
    assert drifted.get('type') == 'drifted' and drifted.get('message').startswith('drifted: ' + PATH_HEADER)
    assert '+ %s' % BUILDKIT in drifted.text
    absent = cases['ws2019', 'buildkit group'].find('failure')
    assert absent.get('message') == 'absent on host: absent now; wanted: description=May use buildkitd, members=[], ' \
        'name=buildkit-users'
    assert cases['ws2019', 'nat network'].find('error').text == FAILED['msg']
    assert list(cases['ws2022', 'PATH entry']) == [], 'in sync: a passing case'
    assert cases['ws2025', 'PATH entry'].find('skipped').text == 'not checked'
    assert cases['ws2025', 'task Gather facts'].find('error').get('type') == 'unreachable'


# --- the files -------------------------------------------------------------------------------


def test_the_four_files_are_written_and_the_json_renders_the_same_reports(tmp_path):
    data = fleet_report().as_data()
    directory = tmp_path / 'reports' / 'today'
    paths = write_reports(data, str(directory))
    names = ['drift-report.html', 'drift-report.json', 'drift-report.md', 'drift-report.xml']
    assert sorted(os.path.basename(p) for p in paths) == names
    assert sorted(p.name for p in directory.iterdir()) == names, 'no staging file is left'
    loaded = json.loads((directory / 'drift-report.json').read_text(encoding='utf-8'))
    assert loaded == data
    assert (directory / 'drift-report.md').read_text(encoding='utf-8') == render_markdown(loaded)
    assert (directory / 'drift-report.html').read_text(encoding='utf-8') == render_html(loaded)
    assert (directory / 'drift-report.xml').read_text(encoding='utf-8') == render_junit(loaded)

    write_reports(report_of(('ws2022', 'PATH entry', 'ok', IN_SYNC)).as_data(), str(directory))
    assert list(json.loads((directory / 'drift-report.json').read_text())['hosts']) == ['ws2022'], 'replaced'


def test_the_reports_are_not_world_readable_whatever_the_umask(tmp_path):
    directory = tmp_path / 'new'
    earlier = os.umask(0)
    try:
        paths = write_reports(fleet_report().as_data(), str(directory))
    finally:
        os.umask(earlier)
    assert stat.S_IMODE(directory.stat().st_mode) == 0o750
    assert {stat.S_IMODE(os.stat(path).st_mode) for path in paths} == {0o640}


def test_an_empty_run_still_writes_a_report(tmp_path):
    data = DriftReport('Nothing', generated_at=WHEN).as_data()
    write_reports(data, str(tmp_path))
    assert 'No host reported a result.' in (tmp_path / 'drift-report.md').read_text()
    assert 'No host reported a result.' in (tmp_path / 'drift-report.html').read_text()


# --- ansible-doc -----------------------------------------------------------------------------

BINDIRS = [Path(bindir) for bindir in os.environ.get('WCOW_ANSIBLE_BINDIRS', '').split()]


@pytest.mark.parametrize('bindir', BINDIRS, ids=[bindir.parent.name for bindir in BINDIRS])
def test_ansible_doc_shows_the_callback(bindir):
    environment = dict(os.environ, ANSIBLE_NOCOLOR='1', PAGER='cat')
    done = subprocess.run([str(bindir / 'ansible-doc'), '-t', 'callback', 'wcow.buildkit.drift_report'],
                          capture_output=True, text=True, env=environment, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not done.stderr.strip(), done.stderr
    for text in ('report_dir', 'WCOW_DRIFT_REPORT_DIR', 'wcow_drift_report_dir', 'title', 'aggregate'):
        assert text in done.stdout


# --- cases found by mutation testing (make mutation) ----------------------------------------------------------

def test_a_failed_outcome_or_a_failed_result_is_a_failure():
    assert classify('failed', {}).status == 'failed'
    assert classify('ok', {'failed': True, 'msg': 'no'}).status == 'failed'


def test_a_text_that_is_to_go_is_summarized_as_lines():
    status, summary, _message = classify('ok', {'changed': True, 'diff': {'before': 'kept\nold\n', 'after': None}})
    assert status == 'drifted' and summary == ['- kept', '- old']


def test_an_unreachable_outcome_or_result_is_unreachable():
    assert classify('unreachable', {}).status == 'unreachable'
    assert classify('ok', {'unreachable': True}).status == 'unreachable'


def test_values_are_shortened_past_120_characters_and_dicts_shown_with_sorted_keys():
    exact = 'x' * 120
    _status, summary, _message = classify('ok', {'changed': True, 'diff': {
        'before': {'value': exact, 'map': {'b': 1, 'a': 2}}, 'after': {'value': exact + 'y', 'map': {'a': 2, 'b': 3}}}})
    assert summary == ['map: {"a": 2, "b": 1} -> {"a": 2, "b": 3}', 'value: %s -> %s...' % (exact, 'x' * 117)]


def test_messages_are_shortened_past_500_characters():
    assert classify('failed', {'msg': 'm' * 500}).message == 'm' * 500
    assert classify('failed', {'msg': 'm' * 501}).message == 'm' * 497 + '...'


def test_listed_changes_say_how_many_more_only_past_ten():
    ten = ['c%d' % i for i in range(10)]
    _status, summary, _message = classify('ok', {'changed': True, 'changes': ten})
    assert summary == ['changes: ' + ', '.join(ten)]
    _status, summary, _message = classify('ok', {'changed': True, 'changes': ten + ['c10']})
    assert summary == ['changes: %s and 1 more' % ', '.join(ten)]
    _status, summary, _message = classify('ok', {'changed': True, 'changes': 'not a list'})
    assert summary == ['changed; the module returned no diff (without --diff, or none to show)']


def test_at_most_twelve_changed_lines_are_listed():
    twelve = '\n'.join('line %d' % i for i in range(12))
    _status, summary, _message = classify('ok', {'changed': True, 'diff': {'before': twelve, 'after': ''}})
    assert len(summary) == 12 and not summary[-1].startswith('...')
    _status, summary, _message = classify('ok', {'changed': True, 'diff': {'before': twelve + '\nmore', 'after': ''}})
    assert summary[-1] == '... 1 more changed lines'


def test_results_that_are_not_a_list_of_dicts_are_no_loop():
    assert classify('ok', {'results': ['a'], 'changed': False}).status == 'in_sync'
    assert classify('ok', {'results': [], 'changed': False}).status == 'in_sync'


def test_a_diff_with_only_an_after_counts():
    status, summary, _message = classify('ok', {'changed': True, 'diff': {'after': 'new\n'}})
    assert status == 'missing' and summary == ['absent now', '+ new']
