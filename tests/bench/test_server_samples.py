"""A server run as several processes is sampled as one; the bench refuses a shared SQLite."""

import os

import pytest

from bench import bridge_latency, servers


def test_a_server_in_several_processes_reads_as_the_sum_of_them():
    first = servers.ProcessSample(10.0, 2.0, 100, 3, 4, 0.5)
    second = servers.ProcessSample(10.1, 1.5, 50, 2, 4, 0.25)
    both = servers.combined([first, second])
    assert both.at == 10.0
    assert both.cpu_s == 3.5
    assert both.rss_bytes == 150
    assert both.sockets == 5
    assert both.threads == 8
    assert both.waited_s == 0.75


def test_a_live_process_reports_its_run_queue_wait_and_cpu():
    sample = servers.sample(os.getpid())
    assert sample.cpu_s > 0
    assert sample.waited_s >= 0
    assert servers.run_queue_wait_s(2**22 + 12345) == 0.0  # no such process: nothing measured


def test_several_processes_of_ours_need_a_shared_database_server(capsys):
    with pytest.raises(SystemExit):
        bridge_latency.parse_args(["--processes", "2"])
    assert "--database-url" in capsys.readouterr().err
    args = bridge_latency.parse_args(["--processes", "2", "--database-url", "postgres://x/y"])
    assert args.processes == 2
