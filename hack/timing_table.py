"""timing_table.py FILE [PART...] — the table of what `make test` ran: each stage's result, when it
started (seconds after the first one began), how long it took, and the wall time of the whole run.
FILE holds the lines hack/timed.sh appends ("label<TAB>result<TAB>start<TAB>end"). Each PART is a
make target that should have run (molecule-default, sanity, ...); one that left no line (its
recipe failed before timing anything) is listed as NOT RUN, and the whole run as FAILED."""
import sys


def ran(part, label):
    """Whether a line with this label was written by the make target part: "molecule default"
    (and "molecule compat, ansible-core 2.16.19") come from molecule-default (molecule-compat)."""
    label = label.replace(" ", "-")
    return label == part or label.startswith(part + ",")


def main(path, parts=()):
    try:
        with open(path, encoding="utf-8") as handle:
            rows = [line.rstrip("\n").split("\t") for line in handle if line.strip()]
    except FileNotFoundError:
        print("timing table: %s is missing (no stage ran)" % path)
        return 1
    rows = [(label, result, int(start), int(end)) for label, result, start, end in rows]
    missing = [part for part in parts if not any(ran(part, row[0]) for row in rows)]
    rows.sort(key=lambda row: (row[2], row[0]))
    first, last = min(row[2] for row in rows), max(row[3] for row in rows)
    width = max(len(label) for label in [row[0] for row in rows] + missing + ["whole run"])

    def line(label, result, start, seconds):
        return "%s  %s  %8s  %8s" % (label.ljust(width), result.ljust(7), start, seconds)
    print("\n######## timing (wall clock; stages run side by side)")
    print(line("stage", "result", "start", "seconds"))
    for label, result, start, end in rows:
        print(line(label, result, "%ds" % (start - first), "%ds" % (end - start)))
    for part in missing:
        print(line(part, "NOT RUN", "", ""))
    failed = missing or any(row[1] != "passed" for row in rows)
    wall = last - first
    print(line("whole run", "FAILED" if failed else "passed", "", "%ds" % wall) + "  (%d:%02d)" % (wall // 60, wall % 60))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
