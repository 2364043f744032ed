"""timing_table.py FILE — the table of what `make test` ran: each stage's result, when it started
(seconds after the first one began), how long it took, and the wall time of the whole run.
FILE holds the lines hack/timed.sh appends ("label<TAB>result<TAB>start<TAB>end")."""
import sys


def main(path):
    try:
        with open(path, encoding="utf-8") as handle:
            rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    except FileNotFoundError:
        print("timing table: %s is missing (no stage ran)" % path)
        return 1
    rows = [(label, result, int(start), int(end)) for label, result, start, end in rows]
    rows.sort(key=lambda row: (row[2], row[0]))
    first, last = min(row[2] for row in rows), max(row[3] for row in rows)
    width = max(len(row[0]) for row in rows + [("whole run",)])

    def line(label, result, start, seconds):
        return "%s  %s  %8s  %8s" % (label.ljust(width), result.ljust(6), start, seconds)
    print("\n######## timing (wall clock; stages run side by side)")
    print(line("stage", "result", "start", "seconds"))
    for label, result, start, end in rows:
        print(line(label, result, "%ds" % (start - first), "%ds" % (end - start)))
    failed = any(row[1] != "passed" for row in rows)
    wall = last - first
    print(line("whole run", "FAILED" if failed else "passed", "", "%ds" % wall) + "  (%d:%02d)" % (wall // 60, wall % 60))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
