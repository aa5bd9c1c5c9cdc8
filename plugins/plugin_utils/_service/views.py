# Copyright: (c) 2026, wcow.buildkit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a task returns and shows in its diff about a service and the config file it writes."""

from __future__ import annotations

import typing as t

from .environment import shown_environment
from .model import service_from_read

if t.TYPE_CHECKING:
    from .plan import ServicePlan


def service_view(entry: dict[str, t.Any]) -> dict[str, t.Any]:
    """The service as a task reports it; {'exists': False} when absent."""
    config, state = service_from_read(entry)
    if config is None:
        return {'exists': False}
    return {
        'exists': True,
        'name': config.name,
        'command_line': entry['image_path'],
        'start_type': config.start_type,
        'dependencies': list(config.dependencies),
        'display_name': config.display_name,
        'description': config.description,
        'account': config.account,
        'recovery': config.recovery.to_params() if config.recovery else None,
        'environment': shown_environment(config.environment),
        'state': state.state,
        'process_id': state.pid,
        'delete_pending': state.delete_pending,
        'dependents': [{'name': name, 'state': running} for name, running in state.dependents],
    }


# Fields of a service shown in a diff, one a line.
SERVICE_DIFF_FIELDS = ('command_line', 'start_type', 'dependencies', 'display_name', 'description', 'account',
                       'recovery', 'environment', 'state')


def service_text(view: dict[str, t.Any]) -> str:
    """A service view as diff text; empty when the service does not exist."""
    if not view.get('exists'):
        return ''
    return ''.join('%s: %s\n' % (field, view[field]) for field in SERVICE_DIFF_FIELDS if field in view)


def service_diff(name: str, plan: ServicePlan, after_extra: str = '') -> dict[str, str]:
    """The diff entry of a service change: the service before and after as text (`after_extra` appended)."""
    header = 'service %s' % name
    return dict(before=service_text(plan.before), after=service_text(plan.after) + after_extra, before_header=header,
                after_header=header)


def config_diff(config: dict[str, t.Any]) -> dict[str, str]:
    """The diff entry of a config file the task writes (before/after text under its path)."""
    before = config['before'].decode('utf-8', errors='replace') if config['before'] is not None else ''
    return dict(before=before, after=config['content'], before_header=config['path'], after_header=config['path'])
