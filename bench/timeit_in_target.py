"""Run inside the bench container: time a command N times, print the median wall time in seconds.

Usage: python3 timeit_in_target.py RUNS SETUP_COMMAND|- COMMAND...
SETUP_COMMAND runs (through sh, untimed) before each timed run, e.g. to change the source.
"""
import statistics
import subprocess
import sys
import time


def main():
    runs, setup, command = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    times = []
    for attempt in range(runs):
        if setup != "-":
            subprocess.run(["sh", "-c", setup], check=True)
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print("%.4f" % statistics.median(times))


if __name__ == "__main__":
    main()
