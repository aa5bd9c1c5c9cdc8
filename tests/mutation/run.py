"""`make mutation`: mutation testing of the modules that decide what happens to a host.

Each module listed in MODULES is mutated by cosmic-ray (requirements/mutation.txt,
in .venv-mutation), one mutant at a time, in a copy of the tracked files of its own
under .build/mutation/trees/ (the checkout itself is never changed); each mutant is
tested with .venv's pytest running only that module's unit tests, stopping at
the first failure. A mutant no test fails on survives.

The operators are a mutmut-like set (OPERATORS_LEFT_OUT says which are left
out and why). Survivors that no test can kill, because the mutant behaves as
the original, are listed in EQUIVALENT with the reason; the report,
.build/mutation/report.md, counts them apart and lists every other survivor.
The run fails when fewer than MINIMUM_KILLED of the non-equivalent mutants are
killed.

The report covers the last session of every module, so one module can be
run again alone (--module); --report-only writes it from the sessions there are.

Usage: run.py [--module plugins/plugin_utils/...py]... [--jobs N] [--report-only]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
OUT = REPO / '.build' / 'mutation'
TREES = OUT / 'trees'
COSMIC_RAY = REPO / '.venv-mutation' / 'bin'
PYTHON = REPO / '.venv' / 'bin' / 'python'
MINIMUM_KILLED = 0.90
TIMEOUT_SECONDS = 120.0

# Module -> the unit tests that cover it.
MODULES = {
    'plugins/plugin_utils/_service/data_paths.py': ['tests/unit/test_data_paths.py'],
    'plugins/plugin_utils/_core/runner.py': ['tests/unit/test_runner.py', 'tests/unit/test_archive_runner_stream.py'],
    'plugins/plugin_utils/_service/plan.py': ['tests/unit/test_containerd_service_plan.py', 'tests/unit/test_service_plan.py'],
    'plugins/plugin_utils/_daemons/buildkitd_plan.py': ['tests/unit/test_buildkitd_plan.py'],
    'plugins/plugin_utils/_daemons/cni_config.py': ['tests/unit/test_cni_render.py', 'tests/unit/test_cni_render_properties.py'],
    'plugins/plugin_utils/_release_archive/checksum.py': ['tests/unit/test_archive_checksum.py',
                                                          'tests/unit/test_archive_provenance.py'],
    'plugins/plugin_utils/_release_archive/provenance.py': ['tests/unit/test_archive_provenance.py'],
    'plugins/plugin_utils/_release_archive/manifest.py': ['tests/unit/test_archive_manifest.py'],
    'plugins/plugin_utils/_release_archive/diff.py': ['tests/unit/test_archive_manifest.py'],
    'plugins/plugin_utils/_windows/path_list.py': ['tests/unit/test_path_entry_list.py'],
    'plugins/plugin_utils/_drift/classify.py': ['tests/unit/test_drift_report.py'],
}

# Left out: operators whose mutants are mostly noise here. Every other
# replacement of an arithmetic operator (x + y -> x ** y, x % y -> x ^ y, ...)
# only repeats what one swap per operator already asks; `|` is almost only in
# annotations (`str | None`, never evaluated under `from __future__ import
# annotations`); `is`/`is not` for `==`/`!=` and orderings for equality are
# mostly type errors; the variable inserter/replacer and decorator removal
# make mutants that cannot run.
OPERATORS_LEFT_OUT = [
    r'core/ReplaceBinaryOperator_(?!Add_Sub$|Sub_Add$|Mul_Div$|Div_Mul$).*',
    r'core/ReplaceComparisonOperator_(?!Eq_NotEq$|NotEq_Eq$|Lt_LtE$|LtE_Lt$|Gt_GtE$|GtE_Gt$|Is_IsNot$|IsNot_Is$'
    r'|In_NotIn$|NotIn_In$|Lt_Gt$|Gt_Lt$).*',
    r'core/ReplaceUnaryOperator_.*',
    r'core/VariableInserter.*',
    r'core/VariableReplacer.*',
    r'core/RemoveDecorator.*',
]

# (module, the mutated line as the mutant has it, stripped) -> why the mutant behaves as the original.
# Keyed by text rather than line number, so that an edit elsewhere in the module keeps the entry.
RUNNER = 'plugins/plugin_utils/_core/runner.py'
CHECKSUM = 'plugins/plugin_utils/_release_archive/checksum.py'
TYPE_CHECKING = ('the names imported under TYPE_CHECKING appear only in annotations, which are never evaluated '
                 '(from __future__ import annotations); importing them at run time changes nothing')
EQUIVALENT: dict[tuple[str, str], str] = {
    (RUNNER, 'if not t.TYPE_CHECKING:'): TYPE_CHECKING,
    ('plugins/plugin_utils/_daemons/cni_config.py', 'if not t.TYPE_CHECKING:'): TYPE_CHECKING,
    (RUNNER, '@functools.lru_cache(maxsize= 2)'):
        'bootstrap_command() takes no argument: a cache of 2 holds the same one text, none builds it again',
    (RUNNER, '@functools.lru_cache(maxsize= 0)'):
        'bootstrap_command() takes no argument: a cache of 2 holds the same one text, none builds it again',
    (RUNNER, "kept = [line.strip() for line in lines[ 0:] if line.strip() and not line.strip().startswith('#')]"):
        'the first line is a comment (it names the script), so the comment filter drops it from the rest anyway',
    (RUNNER, 'STREAM_LINE_BYTES = 57 * 1025'):
        'any multiple of 3 is a valid chunk: each line is base64 without padding, decoded on its own',
    (RUNNER, 'STREAM_LINE_BYTES = 57 * 1023'):
        'any multiple of 3 is a valid chunk: each line is base64 without padding, decoded on its own',
    (CHECKSUM, 'return named[ -1]'):
        'named holds one digest, maybe several times (a second different one is refused above): first or last is the same',
    (CHECKSUM, 'if len(entries) == 1 and entries[ -1][1] is None:'):
        'entries has exactly one element here: entries[-1] is entries[0]',
    (CHECKSUM, 'return entries[ -1][0]'): 'entries has exactly one element here: entries[-1] is entries[0]',
    ('plugins/plugin_utils/_daemons/cni_config.py',
     "return json.dumps(config, sort_keys=True, ensure_ascii=False, separators=(',', ':'))"):
        'canonical() only compares two texts made the same way: escaped or not, they are equal exactly when the '
        'objects are',
    ('plugins/plugin_utils/_service/data_paths.py', "if len(path.rstrip('\\\\')) <= 3:"):
        'a path that passes the drive check (X:\\ and more) is never 3 characters long without its trailing '
        'backslashes: X:\\a is 4',
}


def mutated_line(diff: str) -> str:
    return next((line[1:].strip() for line in diff.splitlines() if line.startswith('+') and not line.startswith('+++')),
                '')


def copy_tree(tree: Path):
    """The tracked and new files of the checkout, as they are now, into tree."""
    if tree.exists():
        shutil.rmtree(tree)
    files = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], cwd=REPO,
                           check=True, capture_output=True).stdout.decode().split('\0')
    for name in filter(None, files):
        source = REPO / name
        if source.is_file() and not source.is_symlink():
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def config_for(module: str, tests: list[str]) -> str:
    command = '%s -m pytest -x -q -p no:cacheprovider -o addopts= %s' % (PYTHON, ' '.join(tests))
    return '\n'.join([
        '[cosmic-ray]',
        'module-path = %s' % json.dumps(module),
        'timeout = %s' % TIMEOUT_SECONDS,
        'excluded-modules = []',
        'test-command = %s' % json.dumps(command),
        '[cosmic-ray.distributor]',
        'name = "local"',
        '[cosmic-ray.filters.operators-filter]',
        'exclude-operators = %s' % json.dumps(OPERATORS_LEFT_OUT),
        '',
    ])


def session_name(module: str) -> str:
    return module.replace('/', '.').removesuffix('.py').removeprefix('plugins.plugin_utils.')


def run_module(module: str):
    name = session_name(module)
    config = OUT / (name + '.toml')
    session = OUT / (name + '.sqlite')
    tree = TREES / name
    copy_tree(tree)
    config.write_text(config_for(module, [t for t in MODULES[module] if (tree / t).exists()]))
    session.unlink(missing_ok=True)
    cosmic = [str(COSMIC_RAY / 'cosmic-ray')]
    subprocess.run(cosmic + ['init', str(config), str(session)], cwd=tree, check=True)
    subprocess.run([str(COSMIC_RAY / 'cr-filter-operators'), str(session), str(config)], cwd=tree, check=True)
    subprocess.run(cosmic + ['exec', str(config), str(session)], cwd=tree, check=True)


def results(module: str) -> list[dict]:
    """The mutants of the module's last session, as far as it ran."""
    session = OUT / (session_name(module) + '.sqlite')
    if not session.exists():
        return []
    dump = subprocess.run([str(COSMIC_RAY / 'cosmic-ray'), 'dump', str(session)], check=True, capture_output=True,
                          text=True).stdout
    mutants = []
    for line in dump.splitlines():
        job, result = json.loads(line)
        result = result or {'test_outcome': 'pending', 'worker_outcome': 'pending'}
        for mutation in job['mutations']:
            mutants.append({
                'module': module, 'line': mutation['start_pos'][0], 'operator': mutation['operator_name'],
                'occurrence': mutation['occurrence'], 'outcome': result['test_outcome'],
                'worker_outcome': result['worker_outcome'], 'diff': result.get('diff') or '',
            })
    return mutants


def report(mutants: list[dict]) -> tuple[str, float]:
    def key(m):
        return (m['module'], mutated_line(m['diff']))

    def title(m):
        return '%s:%d %s' % (m['module'], m['line'], m['operator'])

    considered = [m for m in mutants if m['worker_outcome'] == 'normal']
    survived = [m for m in considered if m['outcome'] == 'survived']
    equivalent = [m for m in survived if key(m) in EQUIVALENT]
    alive = [m for m in survived if key(m) not in EQUIVALENT]
    counted = len(considered) - len(equivalent)
    killed = counted - len(alive)
    score = killed / counted if counted else 1.0
    lines = ['# Mutation testing report', '',
             '%d mutants run, %d killed, %d equivalent, %d survived: %.1f%% of the non-equivalent killed '
             '(minimum %d%%).' % (len(considered), killed, len(equivalent), len(alive), 100 * score,
                                  100 * MINIMUM_KILLED), '',
             '| module | mutants | killed | equivalent | survived |', '| --- | --- | --- | --- | --- |']
    for module in sorted({m['module'] for m in mutants}):
        mine = [m for m in considered if m['module'] == module]
        eq = sum(1 for m in equivalent if m['module'] == module)
        sv = sum(1 for m in alive if m['module'] == module)
        lines.append('| %s | %d | %d | %d | %d |' % (module, len(mine), len(mine) - eq - sv, eq, sv))
    skipped = [m for m in mutants if m['worker_outcome'] not in ('normal', 'skipped', 'pending')]
    pending = [m for m in mutants if m['worker_outcome'] == 'pending']
    if pending:
        lines += ['', '%d mutants not run yet (a session still running or stopped).' % len(pending)]
    if skipped:
        lines += ['', '%d mutants did not run normally (timeout or abnormal worker exit):' % len(skipped)]
        lines += ['- %s:%d %s: %s' % (m['module'], m['line'], m['operator'], m['worker_outcome']) for m in skipped]
    lines += ['', '## Survivors', '']
    for m in alive:
        lines += ['### %s' % title(m), '', '```diff', m['diff'].strip(), '```', '']
    lines += ['## Equivalent mutants', '']
    lines += ['- %s `%s`: %s' % (title(m), mutated_line(m['diff']), EQUIVALENT[key(m)]) for m in equivalent]
    return '\n'.join(lines) + '\n', score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--module', action='append', choices=sorted(MODULES), help='only these modules')
    parser.add_argument('--jobs', type=int, default=1, help='modules mutated at once, each in its own tree')
    parser.add_argument('--report-only', action='store_true', help='only report the sessions of earlier runs')
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.report_only:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            list(pool.map(run_module, args.module or sorted(MODULES)))
    # The report covers every module's last session, so that one module can be run again alone.
    missing = [m for m in sorted(MODULES) if not (OUT / (session_name(m) + '.sqlite')).exists()]
    mutants = [m for module in sorted(MODULES) for m in results(module)]
    missing += sorted({m['module'] for m in mutants if m['worker_outcome'] == 'pending'})
    (OUT / 'mutants.json').write_text(json.dumps(mutants, indent=1))
    text, score = report(mutants)
    if missing:
        text = text.replace('\n\n', '\n\nNot run yet: %s.\n\n' % ', '.join(missing), 1)
    (OUT / 'report.md').write_text(text)
    print(text.split('\n## Survivors', 1)[0])
    print('report: %s' % (OUT / 'report.md').relative_to(REPO))
    return 0 if score >= MINIMUM_KILLED and not missing else 1


if __name__ == '__main__':
    sys.exit(main())
