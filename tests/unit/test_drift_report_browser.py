"""The HTML drift report of a fleet of 200 hosts, laid out by headless Chromium at 1000 px: the page is no wider
than the window, and every cell that is not in sync is on screen (not clipped, not hidden, not scrolled sideways).

The results are synthesised, as the modules return them in check mode with --diff: this checks the layout, not the
hosts. Chromium comes from Debian's archive (`make pytest` installs it when it is missing and it can); without it
the test is skipped.
"""

from __future__ import annotations

import datetime
import json
import re
import shutil
import subprocess

import pytest

from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.classify import classify
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_html import render_html
from ansible_collections.wcow.buildkit.plugins.plugin_utils._drift.report_model import DriftReport

VIEWPORT = 1000
HOSTS = 200
BROWSERS = ('chromium', 'chromium-browser', 'chromium-headless-shell', 'google-chrome')
# The resources of the buildkit_host role, by their task names (long ones on purpose).
RESOURCES = [
    ('Enable the Windows features containers need', 'wcow.buildkit.win_container_features'),
    ('Install the containerd release archive', 'wcow.buildkit.win_release_archive'),
    ('Put containerd on the machine PATH', 'wcow.buildkit.win_path_entry'),
    ('Register containerd as a Windows service and write its configuration', 'wcow.buildkit.containerd_service'),
    ('Ensure the nat network exists', 'wcow.buildkit.win_hns_network'),
    ('Write the CNI config of the nat network', 'wcow.buildkit.win_cni_config'),
    ('Install the BuildKit release archive', 'wcow.buildkit.win_release_archive'),
    ('Put BuildKit on the machine PATH', 'wcow.buildkit.win_path_entry'),
    ('Create the group of BuildKit users', 'wcow.buildkit.win_local_group'),
    ('Register buildkitd as a Windows service with its named pipe ACL', 'wcow.buildkit.buildkitd_service'),
    ('Find out whether the installed BuildKit binaries are the wanted ones', 'wcow.buildkit.win_release_archive'),
]
LONG_LINE = 'C:\\ProgramData\\buildkit\\' + '\\'.join('very-long-directory-name-%02d' % index for index in range(12))
IN_SYNC = {'changed': False}
DRIFTED = {'changed': True, 'diff': {
    'before_header': 'buildkitd.toml', 'after_header': 'buildkitd.toml',
    'before': 'root = "%s"\ndebug = true\n' % LONG_LINE, 'after': 'root = "C:\\ProgramData\\buildkitd"\ndebug = false\n'}}
MISSING = {'changed': True, 'diff': {'before': {'state': 'absent'}, 'after': {
    'state': 'present', 'name': 'nat', 'type': 'nat', 'subnets': [{'address_prefix': '172.20.0.0/16'}]}}}
BLOCKED = {'changed': True, 'depends_on': "the HNS network 'nat'",
           'warnings': ["no HNS network is named 'nat': create it first (wcow.buildkit.win_hns_network)"]}
FAILED = {'failed': True, 'msg': 'service_read failed on the host: Access is denied. ' + 'x' * 300}
UNREACHABLE = {'unreachable': True, 'msg': 'ntlm: HTTPSConnectionPool(host=...): Max retries exceeded ' + 'y' * 200}


def fleet_of_200_hosts() -> tuple[dict, int]:
    """The report's data, and how many cells are not in sync."""
    report = DriftReport('Fleet drift', generated_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.timezone.utc))
    problems = 0
    for index in range(HOSTS):
        host = 'buildhost-%03d.ci-windows-pool-west-europe.corp.example.com' % index
        if index % 50 == 7:
            report.add_problem(host, 'Gather the WCOW facts', classify('unreachable', UNREACHABLE),
                               module='wcow.buildkit.wcow_facts')
            problems += 1
            continue
        for position, (name, module) in enumerate(RESOURCES):
            if index % 9 == 0 and position == 4:
                result = MISSING
            elif index % 9 == 0 and position == 5:
                result = BLOCKED
            elif index % 13 == 0 and position == 9:
                outcome, result = 'failed', FAILED
            elif (index + position) % 17 == 0:
                result = DRIFTED
            else:
                result = IN_SYNC
            outcome = 'failed' if result is FAILED else 'ok'
            problems += result is not IN_SYNC
            report.add_resource(host, name, classify(outcome, result), module=module)
    return report.as_data(), problems


# Run in the page once it is laid out: measures the page and each problem cell, and writes the measures into the
# document, which --dump-dom prints.
MEASURE = '''<script>
(function () {
  var width = window.innerWidth, out = {viewport: width, page: document.documentElement.scrollWidth, cells: []};
  function inside(element) {
    var box = element.getBoundingClientRect(), style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && box.left >= 0 && box.right <= width + 0.5
      && style.visibility === 'visible' && style.display !== 'none' && element.scrollWidth <= element.clientWidth + 1;
  }
  document.querySelectorAll('li.cell').forEach(function (cell) {
    var parts = [cell].concat(Array.prototype.slice.call(cell.querySelectorAll('*')));
    var hidden = parts.filter(function (part) { return !inside(part) && getComputedStyle(part).display !== 'inline'; });
    var badge = cell.querySelector('.status');
    out.cells.push({host: cell.dataset.host, resource: cell.dataset.resource, status: cell.dataset.status,
                    visible: hidden.length === 0 && inside(badge), badge: badge.textContent,
                    hidden: hidden.map(function (part) { return part.tagName + '.' + part.className; })});
  });
  var result = document.createElement('pre');
  result.id = 'measures';
  result.textContent = 'MEASURES' + JSON.stringify(out) + 'END';
  document.body.appendChild(result);
})();
</script>'''


def chromium() -> str | None:
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def test_a_200_host_report_fits_1000_px_and_shows_every_cell_not_in_sync(tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip('no headless Chromium (Debian package chromium) could be installed on this machine')
    data, problems = fleet_of_200_hosts()
    assert len(data['hosts']) == HOSTS and problems > 40
    page = tmp_path / 'drift-report.html'
    page.write_text(render_html(data).replace('</body>', MEASURE + '</body>'), encoding='utf-8')
    done = subprocess.run([browser, '--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars',
                           '--window-size=%d,900' % VIEWPORT, '--dump-dom', page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'<pre id="measures">MEASURES(.*?)END</pre>', done.stdout, re.S)
    assert found, 'Chromium did not lay out the page: %s' % done.stderr[-2000:]
    measures = json.loads(found.group(1).replace('&amp;', '&').replace('&lt;', '<').replace('&gt;', '>'))

    assert measures['viewport'] == VIEWPORT
    assert measures['page'] <= VIEWPORT, 'the page is wider than the window: it scrolls sideways'
    assert len(measures['cells']) == problems, 'every cell not in sync is listed, and only those'
    hidden = [cell for cell in measures['cells'] if not cell['visible']]
    assert not hidden, 'cells clipped or hidden at %d px: %r' % (VIEWPORT, hidden[:3])
    assert {cell['badge'] for cell in measures['cells']} == {
        'drifted', 'absent on host', 'waits on another resource', 'check failed', 'host unreachable'}
