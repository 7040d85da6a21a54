#!/usr/bin/env python3
"""The soak's tables and verdict (bench/run_soak.sh).

soak_report.py PROCESS_SAMPLES REDIS_SAMPLES MAX_LAG
  PROCESS_SAMPLES lines: minute name rss_kib fds threads
  REDIS_SAMPLES lines:   minute used_bytes orders stream_len max_lag max_pending
Prints the tables; exits 1 when something grew without bound (the rules are
in run_soak.sh's header): the first sample after warm-up against the last.
"""
import collections
import sys


def main(proc_path, redis_path, max_lag):
    procs = collections.defaultdict(dict)  # name -> minute -> (rss, fds, threads)
    minutes = []
    for line in open(proc_path):
        fields = line.split()
        if len(fields) != 5 or not all(f.isdigit() for f in fields[:1] + fields[2:]):
            continue  # a process that exited while it was sampled
        minute, name, rss, fds, threads = fields
        procs[name][int(minute)] = (int(rss), int(fds), int(threads))
        if int(minute) not in minutes:
            minutes.append(int(minute))
    redis = [tuple(int(x) for x in line.split()) for line in open(redis_path)]

    print("\n== processes: resident MiB / descriptors / threads, by minute ==")
    print(f"{'process':12}" + "".join(f"{'min ' + str(m):>16}" for m in minutes))
    for name in sorted(procs):
        cells = [procs[name].get(m) for m in minutes]
        print(f"{name:12}" + "".join(
            f"{(f'{c[0] // 1024}/{c[1]}/{c[2]}' if c else '-'):>16}" for c in cells))

    print("\n== redis: memory, orders, bytes per new order since the last sample, stream, lag, pending ==")
    print(f"{'minute':>6} {'MiB':>9} {'orders':>8} {'B/new order':>12} {'stream':>8} {'lag':>6} {'pending':>8}")
    per_order = []
    for i, (minute, used, orders, xlen, lag, pending) in enumerate(redis):
        per = "-"
        if i > 0 and orders > redis[i - 1][2]:
            cost = (used - redis[i - 1][1]) / (orders - redis[i - 1][2])
            per_order.append(cost)
            per = f"{cost:.0f}"
        print(f"{minute:>6} {used / 1048576:>9.1f} {orders:>8} {per:>12} {xlen:>8} {lag:>6} {pending:>8}")

    findings = []
    if len(minutes) >= 3:
        first, last = minutes[1], minutes[-1]
        for name, by_minute in procs.items():
            if first not in by_minute or last not in by_minute:
                findings.append(f"{name}: missing at minute {first} or {last} (restarted?)")
                continue
            (r0, f0, t0), (r1, f1, t1) = by_minute[first], by_minute[last]
            # Redis holds the orders: its memory is judged per new order below.
            if name != "redis" and r1 > 2 * r0:
                findings.append(f"{name}: resident memory {r0} -> {r1} KiB (more than 2x)")
            if f1 > 1.5 * f0 + 10:
                findings.append(f"{name}: descriptors {f0} -> {f1}")
            if t1 > 1.5 * t0 + 10:
                findings.append(f"{name}: threads {t0} -> {t1}")
    for minute, _, _, _, lag, _ in redis[1:]:
        if lag > max_lag:
            findings.append(f"minute {minute}: a consumer group lags {lag} entries")
    if len(per_order) >= 3 and per_order[-1] > 2 * per_order[1]:
        findings.append(f"redis: a new order cost {per_order[-1]:.0f} bytes in the last interval, "
                        f"{per_order[1]:.0f} in the first measured one")
    if len(minutes) < 3:
        findings.append("too few samples for a verdict (SOAK_MINUTES at least 2x SOAK_EVERY)")
    if findings:
        print("\nsoak: GROWTH FOUND")
        print("\n".join(findings))
        return 1
    print(f"\nsoak: nothing grew without bound (minute {minutes[1]} against minute {minutes[-1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
