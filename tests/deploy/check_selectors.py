#!/usr/bin/env python3
"""Every selector that an alert rule, a rule test or a dashboard uses matches
series the services really export.

Usage: check_selectors.py REPO SCRAPE_DIR

SCRAPE_DIR holds one scrape of each running service's /metrics, named
<job>.prom after the Prometheus job that scrapes it (deploy/prometheus/
prometheus.yml). The end-to-end test "every alert and dashboard selector
matches ..." makes them from the real binaries and runs this.

Checked, with each miss printed:
- every metric named in deploy/prometheus/alerts.yml and the Grafana
  dashboards exists in a scrape (Prometheus's own `up` aside);
- every label matcher names a label the metric has, and its value (each
  alternative of a plain `a|b|c` regex) is one the services emit: seen in
  a scrape, or for grpc_code any gRPC code name as the services spell it;
  job matchers name a job of prometheus.yml;
- every input series of deploy/prometheus/alerts_test.yml has exactly the
  label names of a scraped series of its metric (plus job and instance), with
  values as above: rule tests are fed what the services really export.
"""
import glob
import json
import os
import re
import sys

import yaml

# As libs/server/rpc_metrics.cc names them (UPPER_SNAKE, like grpc::StatusCode).
GRPC_CODES = {
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
    "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
    "UNAUTHENTICATED",
}
# Labels whose every value the code defines, not only those a scrape saw.
VOCABULARY = {"grpc_code": GRPC_CODES, "code": GRPC_CODES}
# Labels Prometheus adds, not the services.
TARGET_LABELS = {"job", "instance"}

SELECTOR = re.compile(r"\b((?:hotline_[a-z0-9_]+)|up)\b\s*(\{[^}]*\})?")
MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
SERIES_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+\S+")
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def load_scrapes(scrape_dir):
    """metric name -> list of label dicts (job and instance added)."""
    series = {}
    for path in glob.glob(os.path.join(scrape_dir, "*.prom")):
        job = os.path.basename(path)[: -len(".prom")]
        with open(path, encoding="utf-8") as f:
            for line in f:
                m = SERIES_LINE.match(line)
                if not m or line.startswith("#"):
                    continue
                labels = dict(LABEL_PAIR.findall(m.group(3) or ""))
                labels["job"] = job
                labels["instance"] = "scrape"
                series.setdefault(m.group(1), []).append(labels)
    return series


def jobs_of(repo):
    with open(os.path.join(repo, "deploy/prometheus/prometheus.yml"), encoding="utf-8") as f:
        config = yaml.safe_load(f)
    return {c["job_name"] for c in config.get("scrape_configs", [])}


def alternatives(regex):
    """The literal alternatives of a plain a|b|c regex, or None."""
    if re.fullmatch(r"[A-Za-z0-9_:.\-/ ]+(\|[A-Za-z0-9_:.\-/ ]+)*", regex):
        return regex.split("|")
    return None


def known_values(series, metric, label):
    values = {s[label] for s in series.get(metric, []) if label in s}
    return values | VOCABULARY.get(label, set())


def check_matcher(where, metric, label, op, value, series, jobs, problems):
    if "$" in value:  # a dashboard variable, filled in by Grafana
        return
    if label == "instance":
        return
    if label == "job":
        values = {value} if op in ("=", "!=") else set(alternatives(value) or [])
        for v in values:
            if v and v not in jobs:
                problems.append(f"{where}: job \"{v}\" is no job of prometheus.yml ({sorted(jobs)})")
        return
    if metric == "up":
        return
    have_label = any(label in s for s in series.get(metric, []))
    if not have_label:
        problems.append(f"{where}: {metric} has no label {label}")
        return
    known = known_values(series, metric, label)
    if op == "=":
        wanted = [value]
    else:
        wanted = alternatives(value)
        if wanted is None:
            if op == "=~" and not any(re.fullmatch(value, v) for v in known):
                problems.append(f"{where}: {metric}{{{label}=~\"{value}\"}} matches no exported value {sorted(known)}")
            return
    for v in wanted:
        if v not in known:
            problems.append(
                f"{where}: {metric}{{{label}{op}\"{value}\"}}: \"{v}\" is not a value the services "
                f"export (seen: {sorted(known)})")


def check_expression(where, expr, series, jobs, problems):
    found = 0
    for m in SELECTOR.finditer(expr):
        metric, braces = m.group(1), m.group(2) or ""
        found += 1
        if metric != "up" and metric not in series:
            problems.append(f"{where}: metric {metric} is not exported by any service")
            continue
        for label, op, value in MATCHER.findall(braces):
            check_matcher(where, metric, label, op, value, series, jobs, problems)
    return found


def check_rule_test_series(where, text, series, jobs, problems):
    m = re.match(r"^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{(.*)\})?\s*$", text)
    if not m:
        problems.append(f"{where}: cannot read series {text!r}")
        return
    metric = m.group(1)
    labels = dict(MATCHER_EQ.findall(m.group(3) or ""))
    if "job" in labels and labels["job"] not in jobs:
        problems.append(f"{where}: job \"{labels['job']}\" is no job of prometheus.yml")
    if metric == "up":
        return
    real = series.get(metric)
    if not real:
        problems.append(f"{where}: metric {metric} is not exported by any service")
        return
    names = set(labels) - TARGET_LABELS
    shapes = {frozenset(set(s) - TARGET_LABELS) for s in real}
    if frozenset(names) not in shapes:
        problems.append(f"{where}: {metric} has labels {sorted(names)}; the services export "
                        f"{[sorted(s) for s in shapes]}")
    for label in names:
        if labels[label] not in known_values(series, metric, label):
            problems.append(f"{where}: {metric}{{{label}=\"{labels[label]}\"}} is not a value the "
                            f"services export (seen: {sorted(known_values(series, metric, label))})")


MATCHER_EQ = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*[\'"]((?:[^"\'\\]|\\.)*)[\'"]')


def dashboard_expressions(node, path="dashboard"):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "expr" and isinstance(v, str):
                yield path, v
            else:
                yield from dashboard_expressions(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            title = v.get("title") if isinstance(v, dict) else None
            yield from dashboard_expressions(v, f"{path}[{title or i}]")


def main():
    repo, scrape_dir = sys.argv[1], sys.argv[2]
    series = load_scrapes(scrape_dir)
    if not series:
        print(f"no scrapes in {scrape_dir}")
        return 1
    jobs = jobs_of(repo)
    problems = []
    checked = 0

    with open(os.path.join(repo, "deploy/prometheus/alerts.yml"), encoding="utf-8") as f:
        for group in yaml.safe_load(f)["groups"]:
            for rule in group["rules"]:
                name = rule.get("alert") or rule.get("record")
                checked += check_expression(f"alerts.yml {name}", rule["expr"], series, jobs, problems)

    for path in sorted(glob.glob(os.path.join(repo, "deploy/grafana/dashboards/*.json"))):
        with open(path, encoding="utf-8") as f:
            dashboard = json.load(f)
        for where, expr in dashboard_expressions(dashboard, os.path.basename(path)):
            checked += check_expression(where, expr, series, jobs, problems)

    with open(os.path.join(repo, "deploy/prometheus/alerts_test.yml"), encoding="utf-8") as f:
        tests = yaml.safe_load(f)
    for i, test in enumerate(tests.get("tests", [])):
        for s in test.get("input_series", []):
            checked += 1
            check_rule_test_series(f"alerts_test.yml test {i + 1}", s["series"], series, jobs, problems)

    for p in problems:
        print(p)
    print(f"{checked} selectors and series checked against {sum(len(v) for v in series.values())} "
          f"scraped series of {len(series)} metrics: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
