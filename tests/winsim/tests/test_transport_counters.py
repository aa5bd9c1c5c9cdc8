"""The per-host event log behind `make bench`: timed requests with their bytes, PowerShell starts."""

from __future__ import annotations

import threading
import time

from winsim.transport.counters import Counters


def test_a_request_is_logged_with_the_bytes_of_its_reply():
    counters = Counters()
    before = time.time()
    counters.request('Command', 1200)
    counters.powershell_execution()
    counters.sent(340)
    events = counters.log()['events']
    assert [e['kind'] for e in events] == ['request', 'powershell']
    assert events[0] == {'t': events[0]['t'], 'kind': 'request', 'action': 'Command', 'received': 1200, 'sent': 340}
    assert before <= events[0]['t'] <= events[1]['t'] <= time.time()
    assert counters.snapshot()['bytes_sent'] == 340


def test_replies_on_other_threads_go_to_their_own_requests():
    counters = Counters()
    counters.request('Receive', 10)
    worker = threading.Thread(target=lambda: (counters.request('Send', 20), counters.sent(7)))
    worker.start()
    worker.join()
    counters.sent(5)
    sent = {e['action']: e['sent'] for e in counters.log()['events']}
    assert sent == {'Receive': 5, 'Send': 7}


def test_reset_empties_the_log():
    counters = Counters()
    counters.request('Create', 1)
    counters.sent(1)
    counters.reset()
    assert counters.log() == {'events': [], 'dropped': 0}
    assert counters.snapshot()['requests_total'] == 0
