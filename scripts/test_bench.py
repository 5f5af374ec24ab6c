"""Tests of scripts/bench.py's parsing and arithmetic (no emulator, no binary)."""

import argparse
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


class TerraformTest(unittest.TestCase):
    """scripts/bench_terraform.py: reading Terraform's output, its environment, and its figures
    next to bankinfra's (no emulator, no terraform)."""

    PLAN = "\n".join([
        "aws_kms_key.classification[\"pii\"]: Refreshing state... [id=5778b8bd]",
        "",
        "Note: Objects have changed outside of Terraform",
        "",
        "Terraform detected the following changes made outside of Terraform since the last \"terraform apply\":",
        "",
        "  # aws_kms_key.classification[\"pii\"] has changed",
        "  ~ resource \"aws_kms_key\" \"classification\" {",
        "      ~ enable_key_rotation = true -> false",
        "    }",
        "",
        "Terraform will perform the following actions:",
        "",
        "  # aws_kms_key.classification[\"pii\"] will be updated in-place",
        "  ~ resource \"aws_kms_key\" \"classification\" {",
        "      ~ enable_key_rotation = false -> true",
        "    }",
        "",
        "  # aws_s3_bucket.this[\"iceberg\"] must be replaced",
        "  # aws_ssm_parameter.output[\"network/vpc-id\"] will be created",
        "  # aws_vpc.main will be destroyed",
        "",
        "Plan: 1 to add, 1 to change, 2 to destroy.",
    ])

    def setUp(self):
        import bench_terraform

        self.tf = bench_terraform

    def test_a_plans_changes_and_what_changed_outside_are_told_apart(self):
        plan = self.tf.plan_changes(self.PLAN)
        self.assertEqual(plan["changes"], [
            {"address": 'aws_kms_key.classification["pii"]', "action": "update"},
            {"address": 'aws_s3_bucket.this["iceberg"]', "action": "replace"},
            {"address": 'aws_ssm_parameter.output["network/vpc-id"]', "action": "create"},
            {"address": "aws_vpc.main", "action": "delete"},
        ])
        self.assertEqual(plan["outside"], [{"address": 'aws_kms_key.classification["pii"]', "action": "changed outside"}])
        self.assertEqual(plan["totals"], {"add": 1, "change": 1, "destroy": 2})
        self.assertEqual(self.tf.DRIFT_ADDRESS, plan["changes"][0]["address"])

    def test_a_plan_without_changes(self):
        plan = self.tf.plan_changes("aws_vpc.main: Refreshing state... [id=vpc-1]\n\nNo changes. Your infrastructure matches the configuration.")
        self.assertEqual((plan["changes"], plan["outside"], plan["totals"]), ([], [], None))

    def test_apply_and_destroy_totals_and_durations(self):
        applied = self.tf.apply_summary("\n".join([
            "aws_vpc.main: Creating...",
            "aws_vpc.main: Creation complete after 10s [id=vpc-1]",
            'aws_s3_bucket_lifecycle_configuration.this["iceberg"]: Creation complete after 1m5s [id=bank-iceberg-local]',
            'aws_ssm_parameter.output["network/vpc-id"]: Creation complete after 0s [id=/bank/local/network/vpc-id]',
            "",
            "Apply complete! Resources: 223 added, 0 changed, 0 destroyed.",
        ]))
        self.assertEqual((applied["added"], applied["changed"], applied["destroyed"]), (223, 0, 0))
        self.assertEqual(applied["durations_s"]['aws_s3_bucket_lifecycle_configuration.this["iceberg"]'], 65)
        self.assertEqual(self.tf.slowest(applied["durations_s"], 2)[0]["seconds"], 65)
        destroyed = self.tf.apply_summary("aws_vpc.main: Destruction complete after 0s\n\nDestroy complete! Resources: 223 destroyed.")
        self.assertEqual((destroyed["destroyed"], destroyed["durations_s"]), (223, {"aws_vpc.main": 0}))
        self.assertEqual(self.tf.seconds("1h2m3s"), 3723)
        with self.assertRaises(ValueError):
            self.tf.seconds("3.5s")

    def test_the_environment_trusts_the_emulator_and_inherits_no_aws_or_tf_setting(self):
        class FakeEmulator:
            ca = "/tmp/ca.pem"
            endpoint = "https://127.0.0.1:5999"

        saved = dict(os.environ)
        os.environ.update({"AWS_CA_BUNDLE": "/etc/ssl/certs/ca-certificates.crt", "AWS_PROFILE": "prod", "TF_WORKSPACE": "prod"})
        try:
            env = self.tf.terraform_env(FakeEmulator(), {"cli_config": "/x/terraformrc", "data_dir": "/x/.terraform"})
        finally:
            os.environ.clear()
            os.environ.update(saved)
        self.assertFalse([k for k in env if k.startswith("AWS_")])
        self.assertNotIn("TF_WORKSPACE", env)
        self.assertEqual(env["SSL_CERT_FILE"], "/tmp/ca.pem")
        self.assertEqual(env["TF_VAR_endpoint"], "https://127.0.0.1:5999")
        self.assertEqual((env["TF_CLI_CONFIG_FILE"], env["TF_DATA_DIR"]), ("/x/terraformrc", "/x/.terraform"))

    def test_the_cli_configuration_uses_the_mirror_and_the_plugin_cache(self):
        text = self.tf.cli_config("/opt/tf-plugins", "/home/u/.cache/bankinfra/terraform/plugin-cache")
        self.assertIn('filesystem_mirror {\n    path = "/opt/tf-plugins"', text)
        self.assertIn('plugin_cache_dir = "/home/u/.cache/bankinfra/terraform/plugin-cache"', text)
        self.assertNotIn("direct", text)

    def test_the_configuration_is_copied_with_its_lock_file(self):
        import tempfile

        with tempfile.TemporaryDirectory() as into:
            self.tf.workdir(into)
            names = set(os.listdir(into))
        self.assertIn("providers.tf", names)
        self.assertIn(".terraform.lock.hcl", names)
        self.assertFalse([n for n in names if "tfstate" in n])

    def test_measured_figures_replace_the_quoted_ones(self):
        def scenario(wall, total, mutating):
            return {"wall_s": wall, "requests": {"total": total, "mutating": mutating, "read": total - mutating, "by_operation": {}}}

        tf_runs = [{"scenarios": {
            "cold apply": scenario(80.0, 1017, 252), "no-op plan": scenario(14.0, 551, 0),
            "drift plan": scenario(15.0, 551, 0), "destroy": scenario(30.0, 988, 224),
        }}, {"scenarios": {
            "cold apply": scenario(90.0, 1019, 252), "no-op plan": scenario(16.0, 551, 0),
            "drift plan": scenario(17.0, 551, 0), "destroy": scenario(34.0, 990, 224),
        }}]
        report = {"runs": 2, "summary": self.tf.summarise(tf_runs)}
        figures = self.tf.figures(report)
        self.assertEqual(figures["cold apply"]["wall_s"], [80.0, 90.0])
        self.assertEqual((figures["cold apply"]["wall_median_s"], figures["cold apply"]["requests"]), (85.0, 1018))
        self.assertEqual((figures["drift plan"]["source"], figures["destroy"]["mutating"]), ("measured", 224))

        bankinfra = {
            "wall_s": 1.0, "emulator_cpu_s": None,
            "requests": {"total": 300, "mutating": 250, "read": 50, "per_resource": 2.0, "by_operation": {}},
        }
        run = {"scenarios": {
            "cold apply": dict(bankinfra, progress={"durations_s": {}}), "no-op plan": bankinfra,
            "drift plan": bankinfra, "destroy": bankinfra,
        }}
        summary = bench.summarise([run], None, rate=500, terraform=figures)
        self.assertEqual(summary["drift plan"]["terraform"]["source"], "measured")
        destroy_target = bench.targets(summary)[-1]
        self.assertIn("(30 s, measured)", destroy_target["target"])
        self.assertAlmostEqual(destroy_target["limit"], 6.0)
        self.assertEqual(bench.terraform_text(summary["cold apply"]["terraform"]), "80-90 s / 1,018")
        lines = bench.side_by_side({"summary": summary, "terraform": {"runs": 2, "resources": 223}})
        cold = next(line for line in lines if line.strip().startswith("cold apply"))
        self.assertIn("85.00", cold)
        self.assertIn("85.0x", cold)
        # the quoted fallback, labelled as such, and no side-by-side block
        quoted = bench.summarise([run], None, rate=500)
        self.assertEqual(quoted["cold apply"]["terraform"]["source"], "quoted")
        self.assertIsNone(quoted["drift plan"]["terraform"])
        self.assertEqual(bench.terraform_text(quoted["cold apply"]["terraform"]), "86-100 s / ~1,025")
        self.assertIn("quoted", bench.targets(quoted)[-1]["target"])
        self.assertEqual(bench.side_by_side({"summary": quoted}), [])


if __name__ == "__main__":
    unittest.main()


class AwsLikeModeTest(unittest.TestCase):
    def test_the_aws_like_flags_reach_the_launcher_and_are_absent_by_default(self):
        parser = argparse.ArgumentParser()
        bench.add_aws_like_arguments(parser)
        self.assertEqual(bench.aws_like_args(parser.parse_args([])), [])
        self.assertEqual(bench.aws_like_args(parser.parse_args(["--aws-like", "7"])), ["--aws-like", "7"])
        args = parser.parse_args(["--aws-like", "7", "--aws-like-profile", "p.json"])
        self.assertEqual(bench.aws_like_args(args), ["--aws-like", "7", "--aws-like-profile", "p.json"])

    def test_the_throttle_bound_is_each_buckets_requests_beyond_its_burst_at_its_rate(self):
        profile = bench.aws_like_modules()[0].load(None)
        # KMS writes: 5 a second, burst 5, per operation (aws_like/throttle.py DEFAULT_LIMITS).
        creates = [{"service": "kms", "operation": "CreateKey", "mutating": True}] * 15
        reads = [{"service": "kms", "operation": "ListKeys", "mutating": False}] * 3
        self.assertAlmostEqual(bench.throttle_bound_s(creates + reads, profile, "mutating"), 2.0)
        self.assertEqual(bench.throttle_bound_s(reads, profile, "mutating"), 0.0)
        # Requests the mode refused as throttled were not admitted: not counted.
        self.assertAlmostEqual(bench.throttle_bound_s(creates, profile, "mutating", {"kms:CreateKey": 5}), 1.0)

    def test_the_latency_bound_is_the_longest_chain_of_creates_at_the_profiles_medians(self):
        profile = bench.aws_like_modules()[0].load(None)
        profile["latency"]["scale"] = 1.0
        nodes = ["vpc.main", "subnet.a", "ssm_parameter.x"]
        edges = [("subnet.a", "vpc.main"), ("ssm_parameter.x", "subnet.a")]
        latency = bench.aws_like_modules()[1]
        expected = sum(
            latency.settings(profile, argparse.Namespace(service=s, operation="Create", mutating=True))["median_ms"]
            for s in ("ec2", "ec2", "ssm")
        ) / 1000.0
        self.assertAlmostEqual(bench.latency_path_bound_s(nodes, edges, profile), expected)
