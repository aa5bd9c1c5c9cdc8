"""An S4U scheduled task's LastTaskResult: a uint32, HRESULTs of launch failures included."""

from winsim.host.profiles import build_state
from winsim.windows import accounts, hresults, scheduled_tasks


def test_a_user_without_log_on_as_a_batch_job_cannot_run_a_task():
    state = build_state("ws2022")
    carol = accounts.create_user(state, "carol")
    ran = []
    result = scheduled_tasks.run_s4u_task(state, "t", carol, lambda: ran.append(1) or 0)
    assert result == 0x80070569 and result > 0x7FFFFFFF and ran == []
    assert hresults.exception_message(result) == ("Logon failure: the user has not been granted the requested logon "
                                                  "type at this computer. (Exception from HRESULT: 0x80070569)")
    scheduled_tasks.grant_right(state, "SeBatchLogonRight", carol.sid)
    assert scheduled_tasks.run_s4u_task(state, "t", carol, lambda: 1) == 1
    state["user_rights"]["SeDenyBatchLogonRight"] = [carol.sid]
    assert scheduled_tasks.run_s4u_task(state, "t", carol, lambda: 0) == scheduled_tasks.LOGON_TYPE_NOT_GRANTED


def test_default_holders_differ_between_servers_and_clients():
    server, client = build_state("ws2022"), build_state("win11")
    for state in (server, client):
        operator = accounts.create_user(state, "operator")
        group = accounts.find_local(state, "Administrators")
        accounts.add_member(state, group.name, operator.sid)
        assert scheduled_tasks.run_s4u_task(state, "t", operator, lambda: 0) == 0
    assert "S-1-5-32-551" in scheduled_tasks.right_holders(server, "SeBatchLogonRight")
    assert scheduled_tasks.right_holders(client, "SeBatchLogonRight") == ["S-1-5-32-544"]


def test_a_task_the_scheduler_does_not_start_stays_not_run():
    state = build_state("ws2022")
    state["scheduled_tasks"] = {"starts_tasks": False}
    administrator = accounts.find_local(state, "Administrator")
    assert scheduled_tasks.run_s4u_task(state, "t", administrator, lambda: 0) == scheduled_tasks.SCHED_S_TASK_HAS_NOT_RUN


def test_hresults_as_int32_keep_the_bits():
    assert hresults.as_int32(0x80070426) == -2147023834 and hresults.as_int32(5) == 5
