#!/usr/bin/python3
"""The figures of bench/run_overload_bench.sh, from hotline-loadgen's per-call
latency logs (--latency_log) and samples of the gateway's RSS and threads.

  overload_report.py sample PID            # prints "monotonic_us rss_kb threads" every 0.25 s
  overload_report.py --half H --base A --extra B --samples S [--normal_factor 2]

A latency log: "# start_steady_us=N" (the loadgen's start on CLOCK_MONOTONIC),
a header, then "due_us start_late_us latency_us code" per call, due_us from
the start. Code 0 is OK (admitted and served), 8 RESOURCE_EXHAUSTED (shed); 17 is the
loadgen's own SKIPPED (more than --concurrency in flight).
"""
import argparse
import sys
import time

OK, SHED = 0, 8
WINDOW_US = 1_000_000  # recovery is judged on one-second windows


def read_log(path):
    calls = []  # (due on CLOCK_MONOTONIC in us, latency us, code)
    start = 0
    with open(path) as f:
        for line in f:
            if line.startswith("# start_steady_us="):
                start = int(line.split("=")[1])
            elif line[0].isdigit():
                due, _late, latency, code = line.split()
                calls.append((start + int(due), int(latency), int(code)))
    return start, calls


def pct(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p * (len(values) - 1) + 0.5))] / 1000.0


def describe(name, calls, seconds):
    ok = [lat for _, lat, code in calls if code == OK]
    shed = [lat for _, lat, code in calls if code == SHED]
    other = {}
    for _, _, code in calls:
        if code not in (OK, SHED):
            other[code] = other.get(code, 0) + 1
    print(f"{name:<28} offered={len(calls) / seconds:7.0f}/s admitted={len(ok):6d} "
          f"({len(ok) / seconds:5.0f}/s) shed={len(shed):6d} other_errors={sum(other.values())}"
          f"{' ' + str(other) if other else ''}  admitted p50={pct(ok, .5):6.2f}ms "
          f"p99={pct(ok, .99):6.2f}ms  shed answered p99={pct(shed, .99):.2f}ms")
    return pct(ok, .99)


def sample(pid):
    while True:
        try:
            with open(f"/proc/{pid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            return
        rss = int(status["VmRSS"].split()[0])
        threads = int(status["Threads"])
        print(time.monotonic_ns() // 1000, rss, threads, flush=True)
        time.sleep(0.25)


def report(args):
    _, half = read_log(args.half)
    base_start, base = read_log(args.base)
    over_start, extra = read_log(args.extra)
    over_end = over_start + args.over * 1_000_000
    half_s = (max(c[0] for c in half) - min(c[0] for c in half)) / 1e6 if half else 1
    print("== open loop at half the peak")
    half_p99 = describe("half the peak", half, max(half_s, 1e-3))
    before = [c for c in base if c[0] < over_start]
    during = [c for c in base + extra if over_start <= c[0] < over_end]
    after = [c for c in base if c[0] >= over_end]
    span = lambda calls: max(1e-3, (max(c[0] for c in calls) - min(c[0] for c in calls)) / 1e6) if calls else 1
    print("== the overload run (A: half the peak throughout; B: 1.5x the peak in the middle)")
    before_p99 = describe("before: half the peak (A)", before, span(before))
    over_p99 = describe("during: 2x the peak (A+B)", during, args.over)
    describe("after: half the peak (A)", after, span(after))
    print(f"admitted p99 at 2x the peak / p99 at half the peak = {over_p99 / half_p99:.2f} "
          f"(half-peak run), {over_p99 / before_p99:.2f} (the same run's 5 s before the overload); bound 3")

    # Recovery: p99 is normal again at the first one-second window after the
    # overload that is within normal_factor x the p99 at half the peak (the
    # larger of the two half-peak figures above), and so are the two after it.
    normal = args.normal_factor * max(half_p99, before_p99)
    windows = {}
    for due, latency, code in after:
        if code == OK:
            windows.setdefault((due - over_end) // WINDOW_US, []).append(latency)
    # A second with no admitted call at all is not normal either.
    seconds = int(max((c[0] - over_end for c in after), default=0) // WINDOW_US) + 1
    p99s = [pct(windows[w], .99) if w in windows else float("inf") for w in range(seconds)]
    recovered_at = None
    for i in range(len(p99s)):
        if all(p <= normal for p in p99s[i:i + 3]):
            recovered_at = i * WINDOW_US / 1e6
            break
    print("p99 per second after the overload stopped (ms): " + " ".join("none" if p == float("inf") else f"{p:.1f}" for p in p99s))
    if recovered_at is None:
        print(f"p99 did NOT come back within {normal:.1f}ms ({args.normal_factor:g}x the half-peak p99)")
    else:
        print(f"p99 back within {normal:.1f}ms ({args.normal_factor:g}x the half-peak p99) "
              f"{recovered_at:.0f}s after the overload stopped, for 3 s in a row (bound 5 s)")

    samples = []
    with open(args.samples) as f:
        for line in f:
            t, rss, threads = map(int, line.split())
            samples.append((t, rss / 1024, threads))
    pre = [s for s in samples if s[0] < over_start]
    mid = [s for s in samples if over_start <= s[0] < over_end]
    post = [s for s in samples if s[0] >= over_end]
    fmt = lambda s: f"rss={s[1]:.1f}MB threads={s[2]}" if s else "n/a"
    print("gateway: before the overload " + fmt(pre[-1] if pre else None) + "; during it, max " +
          (f"rss={max(s[1] for s in mid):.1f}MB threads={max(s[2] for s in mid)}" if mid else "n/a") +
          "; after it, last " + fmt(post[-1] if post else None))


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "sample":
        sample(int(sys.argv[2]))
        return
    p = argparse.ArgumentParser()
    p.add_argument("--half", required=True)
    p.add_argument("--base", required=True)
    p.add_argument("--extra", required=True)
    p.add_argument("--samples", required=True)
    p.add_argument("--over", type=int, required=True)
    p.add_argument("--normal_factor", type=float, default=2.0)
    report(p.parse_args())


if __name__ == "__main__":
    main()
