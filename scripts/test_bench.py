"""Tests of scripts/bench.py's parsing and arithmetic (no emulator, no binary)."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402


class ProgressTest(unittest.TestCase):
    def test_durations_come_from_line_times_else_from_the_printed_seconds(self):
        lines = [
            (0.10, "bankinfra will perform these actions on stage local"),
            (0.50, "+ vpc.main: creating…"),
            (0.52, "+ s3_bucket.iceberg: creating…"),
            (0.90, "+ vpc.main: created in 0.4s"),
            (1.70, "+ s3_bucket.iceberg: created in 1.2s"),
            (1.80, "+ ssm_parameter.network/vpc-id: created in 0.3s"),  # its start was not seen
            (1.90, "! subnet.a: creating failed: boom"),
            (2.00, "Apply complete: 3 created, 0 updated, 0 replaced, 0 destroyed, 0 adopted."),
        ]
        progress = bench.progress_durations(lines)
        self.assertEqual(progress["changed"], 3)
        self.assertAlmostEqual(progress["durations_s"]["vpc.main"], 0.40)
        self.assertAlmostEqual(progress["durations_s"]["s3_bucket.iceberg"], 1.18)
        self.assertEqual(progress["durations_s"]["ssm_parameter.network/vpc-id"], 0.3)
        self.assertEqual((progress["first_start_s"], progress["last_finish_s"]), (0.50, 1.80))

    def test_the_binarys_timestamps_are_preferred(self):
        lines = [
            (0.50, "[23:59:59.900] + kms_key.pii: creating…"),
            (0.60, "[12:00:00.000] ↻ kms_key.pii: throttled, retrying in 0.2s (attempt 2 of 6)"),
            (1.90, "[00:00:00.250] + kms_key.pii: created in 0.4s"),
        ]
        progress = bench.progress_durations(lines)
        self.assertAlmostEqual(progress["durations_s"]["kms_key.pii"], 0.35)
        self.assertEqual((progress["changed"], progress["timed_by"]), (1, "binary timestamps"))

    def test_destroy_lines_count_too(self):
        lines = [(0.1, "- kms_key.pii: destroying…"), (0.3, "- kms_key.pii: destroyed in 0.2s")]
        self.assertAlmostEqual(bench.progress_durations(lines)["durations_s"]["kms_key.pii"], 0.2)


class GraphTest(unittest.TestCase):
    DOT = "\n".join([
        "digraph bankinfra {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled"];',
        '  "legend: create" [fillcolor="#b7e4c7"];',
        '  "vpc.main" [fillcolor="#b7e4c7", tooltip="create"];',
        '  "subnet.a" [fillcolor="#b7e4c7"];',
        '  "subnet.b" [fillcolor="#b7e4c7"];',
        '  "ssm_parameter.network/subnets" [fillcolor="#b7e4c7"];',
        '  "s3_bucket.logs" [fillcolor="#b7e4c7"];',
        '  "vpc.main" -> "subnet.a" [color="#0c8599"];',
        '  "vpc.main" -> "subnet.b";',
        '  "subnet.a" -> "ssm_parameter.network/subnets";',
        '  "subnet.b" -> "ssm_parameter.network/subnets";',
        '  "legend: create" -> "legend: update";',
        "}",
    ])

    def test_dot_gives_resources_and_edges_only(self):
        nodes, edges = bench.parse_dot(self.DOT)
        self.assertEqual(nodes, {"vpc.main", "subnet.a", "subnet.b", "ssm_parameter.network/subnets", "s3_bucket.logs"})
        self.assertEqual(len(edges), 4)

    def test_critical_path_is_the_longest_weighted_path(self):
        nodes, edges = bench.parse_dot(self.DOT)
        durations = {"vpc.main": 1.0, "subnet.a": 0.5, "subnet.b": 2.0, "ssm_parameter.network/subnets": 0.25, "s3_bucket.logs": 3.0}
        path = bench.critical_path(nodes, edges, durations)
        self.assertAlmostEqual(path["seconds"], 3.25)
        self.assertEqual([p["address"] for p in path["path"]], ["vpc.main", "subnet.b", "ssm_parameter.network/subnets"])
        self.assertEqual(path["longest_chain_resources"], 3)

    def test_a_lone_slow_resource_can_be_the_critical_path(self):
        nodes, edges = bench.parse_dot(self.DOT)
        path = bench.critical_path(nodes, edges, {"vpc.main": 0.1, "s3_bucket.logs": 5.0})
        self.assertEqual(([p["address"] for p in path["path"]], path["seconds"]), (["s3_bucket.logs"], 5.0))

    def test_a_cycle_is_an_error(self):
        with self.assertRaises(bench.BenchError):
            bench.critical_path({"vpc.a", "vpc.b"}, [("vpc.a", "vpc.b"), ("vpc.b", "vpc.a")], {})


class RequestsTest(unittest.TestCase):
    def test_requests_are_split_and_counted_by_operation(self):
        requests = [
            {"service": "ssm", "operation": "PutParameter", "mutating": True},
            {"service": "ssm", "operation": "PutParameter", "mutating": True},
            {"service": "ssm", "operation": "DescribeParameters", "mutating": False},
            {"service": None, "operation": "GET /", "mutating": False},
        ]
        summary = bench.request_summary(requests, resources=2)
        self.assertEqual((summary["total"], summary["mutating"], summary["read"]), (4, 2, 2))
        self.assertEqual(summary["per_resource"], 2.0)
        self.assertEqual(list(summary["by_operation"].items())[0], ("ssm:PutParameter", 2))
        self.assertEqual(summary["mutating_operations"], ["ssm:PutParameter"])

    def test_busy_time_bound_prices_the_necessary_calls_at_the_scenarios_own_cost(self):
        # 1.2 CPU-s for 300 requests is 4 ms each; 250 necessary ones on an emulator seen to burn
        # at most 1.25 CPU-s per second take it 0.8 s.
        self.assertAlmostEqual(bench.busy_bound_s(1.2, 300, 250, 1.25), 0.8)
        self.assertIsNone(bench.busy_bound_s(None, 300, 250, 1.25))
        self.assertIsNone(bench.busy_bound_s(1.2, 300, 250, None))

    def test_the_lower_bound_is_the_largest_bound_and_never_above_the_wall_time(self):
        def run(cpu, wall):
            scenario = {
                "wall_s": wall, "emulator_cpu_s": cpu,
                "requests": {"total": 300, "mutating": 250, "read": 50, "per_resource": 2.0, "by_operation": {}},
            }
            cold = dict(scenario, progress={"durations_s": {"vpc.a": 0.5}})
            return {"scenarios": {"cold apply": cold, "no-op plan": scenario, "drift plan": scenario, "destroy": scenario}}

        graph = ({"vpc.a"}, [])
        # request rate 250/500 = 0.5 s, critical path 0.5 s; the emulator's peak is the scenario's
        # own 1.2 CPU-s in 0.96 s (above the saturation test's 0.8): busy time 1.0 x 250/300 wins
        summary = bench.summarise([run(1.2, 0.96)], graph, rate=500, saturation_peak_cpu_per_s=0.8)
        self.assertAlmostEqual(summary["cold apply"]["emulator_peak_cpu_per_s"], 1.25)
        self.assertAlmostEqual(summary["cold apply"]["lower_bound_s"], 0.8)
        self.assertEqual(summary["cold apply"]["lower_bound_from"], "busy time")
        self.assertLessEqual(summary["cold apply"]["lower_bound_s"], summary["cold apply"]["wall_s"]["min"])
        # without CPU figures the old bounds remain
        summary = bench.summarise([run(None, 1.0)], graph, rate=250)
        self.assertAlmostEqual(summary["cold apply"]["lower_bound_s"], 1.0)
        self.assertEqual(summary["cold apply"]["lower_bound_from"], "request rate")
        self.assertAlmostEqual(summary["no-op plan"]["lower_bound_s"], 0.2)

    def test_the_cpu_of_a_process_group_is_read_from_proc(self):
        if not os.path.isdir("/proc/self"):
            self.skipTest("no /proc")
        cpu = bench.process_group_cpu_s(os.getpgrp())
        self.assertIsNotNone(cpu)
        self.assertGreaterEqual(cpu, 0.0)
        self.assertIsNone(bench.process_group_cpu_s(2**31 - 1))

    def test_spread(self):
        self.assertEqual(bench.spread([3.0, 1.0, 2.0, None]), {"min": 1.0, "median": 2.0, "max": 3.0})
        self.assertIsNone(bench.spread([None]))


if __name__ == "__main__":
    unittest.main()
