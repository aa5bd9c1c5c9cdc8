"""winsim.programs.registry: which base image build a process-isolated container on a host build may run."""

from winsim.programs import registry


def test_compat_rule_matches_the_facts_table():
    fits = registry.process_isolation_fits
    assert fits(17763, 17763) and not fits(17763, 20348)
    assert fits(20348, 20348) and not fits(20348, 17763) and not fits(20348, 26100)
    assert fits(22631, 20348) and not fits(22631, 26100)
    assert fits(26100, 20348) and fits(26100, 26100)
    assert fits(26200, 26100) and not fits(26200, 20348)
