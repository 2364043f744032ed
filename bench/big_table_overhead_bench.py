"""Benchmark: what two 100,000-entry access tables add to this tree's idempotent re-run of the whole
stack, measured in turns (the same machine for both) rather than one phase after the other.

Two systemd relay containers run this checkout's playbooks/site.yml with the whole stack (SASL,
greylisting, SPF, DNS block lists, postscreen, pipelining on): one with the default tables, one with
a hash sender_access and a cidr client_access of 100,000 entries each, given as files on the
controller (postfix_access_maps.NAME.src). Both converge once, then RUNS idempotent re-runs are
timed in turns: default, tables, default, tables, ... Every idempotent run must report changed=0.
The helpers are role_idempotence_bench's (same installation, containers and variables).

Goal (the project's speed issue): the tables add at most 20 % (median of the pairwise ratios).
Writes bench/results/big_table_overhead.md and prints it; exits non-zero when the goal is missed,
a run fails or an idempotent run changed something.

Usage: python bench/big_table_overhead_bench.py [--runs N]
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

import role_idempotence_bench as common

GOAL_RATIO = common.GOAL_BIG_RATIO


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=7, help="timed idempotent re-runs per configuration (default 7)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))
    load, started = os.getloadavg(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    scratch = tempfile.mkdtemp(prefix="hr-bench-big-", dir="/tmp")
    sides, times, changed, error = ("default", "tables"), {"default": [], "tables": []}, [], None
    checkouts = []
    try:
        site_packages = common.venv_collections()
        label = "%s, %s" % (common.TOP, common.describe_checkout(common.TOP))
        checkouts = [common.Checkout(side, common.TOP, label, scratch, site_packages) for side in sides]
        sources = common.write_sources(scratch)
        extra = {}
        for side, settings in zip(sides, (common.stack_vars(False), common.stack_vars(True, sources))):
            extra[side] = os.path.join(scratch, side + ".json")
            with open(extra[side], "w", encoding="utf-8") as handle:
                json.dump(settings, handle)
        for checkout in checkouts:
            common.start_relay(checkout.container)
        for checkout in checkouts:
            common.wait_for_systemd(checkout.container)
            checkout.check_collections()
            checkout.run_site(extra[checkout.side], "converge")
        for index in range(args.runs):
            for checkout in checkouts:
                elapsed, count = checkout.run_site(extra[checkout.side], "idempotent run %d" % (index + 1))
                times[checkout.side].append(elapsed)
                changed.append(count)
                print("  %s run %d: %.1f s, changed=%d" % (checkout.side, index + 1, elapsed, count), flush=True)
    except common.RunFailed as failure:
        error = str(failure)
    finally:
        for checkout in checkouts:
            subprocess.run(["docker", "rm", "-f", checkout.container], capture_output=True, check=False)
        shutil.rmtree(scratch, ignore_errors=True)

    lines = ["# hardened.relay.site: what two 100,000-entry access tables (as files) add to the idempotent "
             "re-run, in turns", "",
             "- date: %s" % started,
             "- machine: %d CPUs (nproc), load average at start %.2f / %.2f / %.2f, at the end %.2f / %.2f / %.2f"
             % ((os.cpu_count(),) + load + os.getloadavg()),
             "- tree: %s" % (checkouts[0].label if checkouts else common.TOP),
             "- runs: %d idempotent re-runs per configuration, in turns (default, tables, default, ...), after one "
             "converge each; two %s containers (systemd), ANSIBLE_PIPELINING=1" % (args.runs, common.IMAGE), ""]
    if error:
        lines += ["**Failed**: %s" % error, ""]
    met = False
    base, big = times["default"], times["tables"]
    if base and len(base) == len(big) == args.runs and not error:
        pairs = [b / a for a, b in zip(base, big)]
        ratio = statistics.median(pairs)
        met = ratio <= GOAL_RATIO and all(count == 0 for count in changed)
        lines += ["| | default tables | two 100,000-entry tables (files) | tables / default |",
                  "| --- | ---: | ---: | ---: |",
                  "| idempotent re-run, median | %.1f s | %.1f s | %.2f (ratio of medians) |" % (
                      statistics.median(base), statistics.median(big), statistics.median(big) / statistics.median(base)),
                  "| min / max | %.1f / %.1f s | %.1f / %.1f s | |" % (min(base), max(base), min(big), max(big)),
                  "| median of the pairwise ratios | | | %.2f |" % ratio,
                  "| each run, in order | %s | %s | |" % (common.seconds(base), common.seconds(big)),
                  "| changed= of each run | %s | | |" % ", ".join(str(count) for count in changed), "",
                  "## Goal", "",
                  "- the tables add <= %.0f %% (median of the pairwise ratios): %.2f, %+.0f %%: %s" % (
                      100 * (GOAL_RATIO - 1), ratio, 100 * (ratio - 1), "met" if ratio <= GOAL_RATIO else "MISSED"),
                  "- changed=0 on every idempotent run: %s" % ("met" if all(c == 0 for c in changed) else "MISSED")]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(common.RESULTS, "big_table_overhead.md"), "w", encoding="utf-8") as handle:
        handle.write(text)
    print(text)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
