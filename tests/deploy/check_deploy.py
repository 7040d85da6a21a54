#!/usr/bin/env python3
"""Consistency checks over deploy/ that promtool and docker-compose do not make.

Usage: check_deploy.py SOURCE_DIR CHECK [PROMTOOL]
  compose    docker-compose.yml: Redis AOF settings, every Hotline service has a
             gRPC port, a healthcheck, a metrics port scraped by Prometheus (by
             DNS discovery when it has several replicas), ports unique; the
             gateway's HOTLINE_*_ADDR point at the services it waits for;
             stream consumers get a per-container HOTLINE_CONSUMER_NAME;
             PostgreSQL on a named volume with a healthcheck, every service
             with HOTLINE_POSTGRES waits for it (and for postgres-migrate
             to complete) and reads its password from
             the mounted service file; no container mounts the whole secrets
             folder, each backend only its own identity secret.
  k8s        deploy/k8s: every Deployment probes gRPC on the port the service
             listens on, ports and annotations agree with its env, Service and
             docker-compose.yml; the gateway's HOTLINE_*_ADDR name Services;
             stream consumers take HOTLINE_CONSUMER_NAME from the pod name;
             Redis has a PVC and appendfsync always; PostgreSQL a StatefulSet
             with a PVC; intake and the archive CronJob share one conninfo
             with no password in it and mount only the key service; every
             Deployment with HOTLINE_POSTGRES starts only after an
             initContainer's `hotline-admin archive ready --wait` (the
             migrate Job has granted) with the same conninfo.
  alerts     every alert in alerts.yml has a firing and a non-firing test case.
  dashboard  hotline.json is valid JSON, panel ids unique, datasource uid matches
             the provisioned one, and every PromQL expression parses (promtool).
Needs PyYAML (Debian python3-yaml). Exits non-zero with one line per problem.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

problems = []

# Services that read the order event stream in a Redis consumer group: every
# replica needs its own HOTLINE_CONSUMER_NAME (the default dispatch-<pid> is the
# same in every container, where the service is PID 1).
STREAM_CONSUMERS = {"dispatch", "sla", "scoring"}


def fail(msg):
    problems.append(msg)


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def check_compose(src):
    compose = load_yaml(os.path.join(src, "docker-compose.yml"))
    services = compose.get("services", {})
    # Redis with Sentinel: three nodes and three Sentinels, all started by
    # hotline-redis-start (deploy/images/redis).
    nodes = {n: x for n, x in services.items() if x.get("command", [])[:2] == ["hotline-redis-start", "redis"]}
    sentinels = {n: x for n, x in services.items()
                 if x.get("command", [])[:2] == ["hotline-redis-start", "sentinel"]}
    if len(nodes) != 3 or len(sentinels) != 3:
        fail(f"compose: want 3 Redis nodes and 3 Sentinels, found {sorted(nodes)} and {sorted(sentinels)}")
    for name, node in nodes.items():
        cmd = " ".join(node.get("command", []))
        for want in ("--appendonly yes", "--appendfsync always", "--min-replicas-to-write 1"):
            if want not in cmd:
                fail(f"compose: {name} command lacks '{want}'")
        if not any(v.startswith(f"redis-data-{name[-1]}:") for v in node.get("volumes", [])):
            fail(f"compose: {name} data is not on its own named volume redis-data-{name[-1]}")
        if node.get("environment", {}).get("REDIS_SELF") != name:
            fail(f"compose: {name} has REDIS_SELF {node.get('environment', {}).get('REDIS_SELF')}")
    for name, sentinel in sentinels.items():
        if sentinel.get("environment", {}).get("REDIS_SELF") != name:
            fail(f"compose: {name} has REDIS_SELF {sentinel.get('environment', {}).get('REDIS_SELF')}")
    want_redis = "sentinel://" + ",".join(f"{n}:26379" for n in sorted(sentinels)) + "/hotline"
    targets = scrape_targets(src)
    hotline = {n: s for n, s in services.items()
               if s.get("command") and str(s["command"][0]).startswith("hotline-")
               and s["command"][0] != "hotline-redis-start"}
    if not {"intake", "gateway"} <= set(hotline):
        fail(f"compose: intake and gateway must run hotline binaries, found {sorted(hotline)}")
    for name, svc in hotline.items():
        env = svc.get("environment", {})
        if svc.get("command") != [f"hotline-{name}"]:
            fail(f"compose: service {name} runs {svc.get('command')}, expected hotline-{name}")
        for key in ("HOTLINE_GRPC_PORT", "HOTLINE_METRICS_PORT", "HOTLINE_REDIS"):
            if key not in env:
                fail(f"compose: {name} lacks {key}")
        if "healthcheck" not in svc:
            fail(f"compose: {name} has no healthcheck")
        if env.get("HOTLINE_REDIS") != want_redis:
            fail(f"compose: {name} HOTLINE_REDIS {env.get('HOTLINE_REDIS')} != {want_redis}")
        if int(env.get("HOTLINE_REDIS_WAIT_REPLICAS", 0)) < 1:
            fail(f"compose: {name} acknowledges writes no replica has (HOTLINE_REDIS_WAIT_REPLICAS)")
        dep = svc.get("depends_on", {})
        for want in ["redis-1"] + sorted(sentinels) if name != "gateway" else ["redis-1"]:
            if not isinstance(dep, dict) or dep.get(want, {}).get("condition") != "service_healthy":
                fail(f"compose: {name} does not wait for a healthy {want}")
        target = f"{name}:{env.get('HOTLINE_METRICS_PORT')}"
        if targets.get(target) != (name, "static") and targets.get(target) != (name, "dns"):
            fail(f"compose: Prometheus has no job '{name}' scraping {target}")
        # A static target on a scaled service hits a different replica per scrape.
        if int(svc.get("scale", 1)) > 1 and targets.get(target) != (name, "dns"):
            fail(f"compose: {name} has scale {svc['scale']}: its scrape job must use dns_sd_configs")
        # Container side of `expose` and `ports` ("[ip:]host:container").
        exposed = {str(p) for p in svc.get("expose", [])}
        exposed |= {str(p).split(":")[-1].split("/")[0] for p in svc.get("ports", [])}
        for key in ("HOTLINE_GRPC_PORT", "HOTLINE_METRICS_PORT"):
            if key in env and str(env[key]) not in exposed:
                fail(f"compose: {name} {key} {env[key]} is not in expose {sorted(exposed)}")
        if name in STREAM_CONSUMERS:
            check_compose_consumer_name(name, svc)
        check_tls("compose", name, {k: str(v) for k, v in env.items()})
    ports = {}
    for name, svc in hotline.items():
        for key in ("HOTLINE_GRPC_PORT", "HOTLINE_METRICS_PORT"):
            port = str(svc.get("environment", {}).get(key))
            if port in ports:
                fail(f"compose: {name} {key} {port} is also used by {ports[port]}")
            ports[port] = name
    # HOTLINE_<SVC>_ADDR on the gateway: <svc>:<its gRPC port>, and it waits for <svc>.
    gateway = services.get("gateway", {})
    gw = gateway.get("environment", {})
    gw_dep = gateway.get("depends_on", {})
    for want in ("intake", "dispatch"):
        if f"HOTLINE_{want.upper()}_ADDR" not in gw:
            fail(f"compose: gateway lacks HOTLINE_{want.upper()}_ADDR")
    for key, addr in gw.items():
        m = re.fullmatch(r"HOTLINE_([A-Z]+)_ADDR", key)
        if not m:
            continue
        backend = m.group(1).lower()
        port = services.get(backend, {}).get("environment", {}).get("HOTLINE_GRPC_PORT")
        if addr != f"{backend}:{port}":
            fail(f"compose: gateway {key} {addr} != {backend}:{port}")
        if not isinstance(gw_dep, dict) or gw_dep.get(backend, {}).get("condition") != "service_healthy":
            fail(f"compose: gateway does not wait for a healthy {backend}")
    check_compose_postgres_and_secrets(services)


# The services that take --postgres (intake reads both tiers, sla the SLA view
# of archived orders, scoring its closed months) and what they connect with:
# the password only in the service file PGSERVICEFILE names.
POSTGRES_CLIENTS = {"intake", "sla", "scoring"}
BACKENDS = {"intake", "dispatch", "sla", "knowledge", "scoring"}


# The schema's owner migrates (hotline-admin archive migrate); every other
# client connects as the services' role, granted no UPDATE or DELETE on the
# access log. Only the migration and the server see the owner's password.
MIGRATE_COMMAND = ["hotline-admin", "archive", "migrate"]
# A service with the archive starts after the migration has granted its role
# the tables (else its archived reads fail "permission denied").
READY_COMMAND = ["hotline-admin", "archive", "ready"]


def postgres_user(conninfo):
    return dict(kv.split("=", 1) for kv in conninfo.split() if "=" in kv).get("user")


def check_postgres_role(where, name, env, migrates):
    want = "hotline_owner" if migrates else "hotline"
    got = postgres_user(env.get("HOTLINE_POSTGRES", ""))
    if got != want:
        fail(f"{where}: {name} connects to PostgreSQL as {got}, not {want}")


def check_postgres_conninfo(where, name, env):
    conninfo = env.get("HOTLINE_POSTGRES", "")
    if "password" in conninfo:
        fail(f"{where}: {name} HOTLINE_POSTGRES carries a password")
    if "service=hotline" not in conninfo or "host=postgres" not in conninfo:
        fail(f"{where}: {name} HOTLINE_POSTGRES {conninfo!r} lacks service=hotline host=postgres")
    if not env.get("PGSERVICEFILE"):
        fail(f"{where}: {name} has HOTLINE_POSTGRES but no PGSERVICEFILE")


def check_compose_postgres_and_secrets(services):
    pg = services.get("postgres") or {}
    if not pg:
        fail("compose: no postgres service")
    if not any(str(v).startswith("postgres-data:/var/lib/postgresql/data") for v in pg.get("volumes", [])):
        fail("compose: postgres data is not on the named volume postgres-data")
    if "healthcheck" not in pg or not pg.get("environment", {}).get("POSTGRES_PASSWORD_FILE"):
        fail("compose: postgres needs a healthcheck and POSTGRES_PASSWORD_FILE")
    if not pg.get("environment", {}).get("POSTGRES_OWNER_PASSWORD_FILE"):
        fail("compose: postgres needs POSTGRES_OWNER_PASSWORD_FILE (the schema's owner)")
    arch_dep = (services.get("archiver") or {}).get("depends_on", {})
    if not isinstance(arch_dep, dict) or \
            arch_dep.get("postgres-migrate", {}).get("condition") != "service_completed_successfully":
        fail("compose: the archiver does not wait for postgres-migrate to complete")
    for name, svc in services.items():
        env = svc.get("environment", {})
        mounts = [str(v) for v in svc.get("volumes", [])]
        targets = {m.split(":")[-2] if m.endswith((":ro", ":rw")) else m.split(":")[-1] for m in mounts}
        if "/etc/hotline/secrets" in targets:
            fail(f"compose: {name} mounts the whole secrets folder")
        if name in POSTGRES_CLIENTS and "HOTLINE_POSTGRES" not in env:
            fail(f"compose: {name} takes --postgres but has no HOTLINE_POSTGRES")
        command = list(svc.get("entrypoint") or []) + list(svc.get("command") or [])
        migrates = command[:3] == MIGRATE_COMMAND
        if any("postgres-owner." in m for m in mounts) and name not in ("postgres", "postgres-migrate"):
            fail(f"compose: {name} sees the schema owner's password")
        if "HOTLINE_POSTGRES" in env:
            check_postgres_conninfo("compose", name, env)
            check_postgres_role("compose", name, env, migrates)
            if env.get("PGSERVICEFILE") not in targets:
                fail(f"compose: {name} does not mount its PGSERVICEFILE {env.get('PGSERVICEFILE')}")
            dep = svc.get("depends_on", {})
            if not isinstance(dep, dict) or dep.get("postgres", {}).get("condition") != "service_healthy":
                fail(f"compose: {name} does not wait for a healthy postgres")
            if not migrates and (not isinstance(dep, dict) or
                                 dep.get("postgres-migrate", {}).get("condition") != "service_completed_successfully"):
                fail(f"compose: {name} does not wait for postgres-migrate to grant its role")
        if name in BACKENDS:
            own = env.get("HOTLINE_IDENTITY_SECRET_FILE")
            ids = sorted(t for t in targets if t.startswith("/etc/hotline/secrets/identity"))
            if ids != [own]:
                fail(f"compose: {name} mounts identity secrets {ids}, not only its own {own}")


def scrape_targets(src):
    """host:port -> (job, "static" | "dns") over the Prometheus scrape configs."""
    prom = load_yaml(os.path.join(src, "deploy/prometheus/prometheus.yml"))
    targets = {}
    for job in prom.get("scrape_configs", []):
        for sc in job.get("static_configs", []):
            for t in sc.get("targets", []):
                targets[t] = (job["job_name"], "static")
        for sd in job.get("dns_sd_configs", []):
            if sd.get("type") != "A" or not sd.get("port"):
                fail(f"prometheus: job {job['job_name']}: dns_sd_configs needs type A and a port")
            for n in sd.get("names", []):
                targets[f"{n}:{sd.get('port')}"] = (job["job_name"], "dns")
    return targets


def check_compose_consumer_name(name, svc):
    """The consumer name must differ per container: set from $HOSTNAME by a shell
    entrypoint that then execs the command (so the service stays PID 1)."""
    if "HOTLINE_CONSUMER_NAME" in svc.get("environment", {}):
        fail(f"compose: {name} sets one HOTLINE_CONSUMER_NAME for all its containers")
    entry = svc.get("entrypoint") or []
    script = entry[2] if len(entry) >= 3 and entry[:2] == ["/bin/sh", "-c"] else ""
    # Compose turns $$ into $.
    script = script.replace("$$", "$")
    if not re.search(r"HOTLINE_CONSUMER_NAME=\"?[\w-]*\$\{?HOSTNAME", script) or \
            not script.rstrip().endswith('exec "$@"'):
        fail(f"compose: {name} needs an entrypoint that sets HOTLINE_CONSUMER_NAME from "
             f"$HOSTNAME and ends in exec \"$@\" (got {entry})")


def check_tls(where, name, env):
    """TLS to the gateway, mutual TLS between the gateway and the backends."""
    want = {"HOTLINE_TLS_CERT", "HOTLINE_TLS_KEY", "HOTLINE_TLS_CA"}
    if name == "gateway":
        want |= {"HOTLINE_BACKEND_TLS_CA", "HOTLINE_BACKEND_TLS_CERT", "HOTLINE_BACKEND_TLS_KEY"}
    else:
        want |= {"HOTLINE_TLS_CLIENT_CA"}
    for key in sorted(want):
        if not env.get(key):
            fail(f"{where}: {name} has no {key} (TLS to the gateway, mutual TLS to the backends)")


def check_k8s(src):
    d = os.path.join(src, "deploy/k8s")
    kust = load_yaml(os.path.join(d, "kustomization.yaml"))
    docs = []
    for f in kust["resources"]:
        with open(os.path.join(d, f), encoding="utf-8") as fh:
            docs += [(f, x) for x in yaml.safe_load_all(fh) if x]
    kinds = {(x["kind"], x["metadata"]["name"]) for _, x in docs}
    services = {x["metadata"]["name"]: x for _, x in docs if x["kind"] == "Service"}
    compose = load_yaml(os.path.join(src, "docker-compose.yml")).get("services", {})
    for f, x in docs:
        if x["kind"] == "Deployment":
            name = x["metadata"]["name"]
            if ("Service", name) not in kinds:
                fail(f"k8s {f}: Deployment {name} has no Service")
            spec = x["spec"]["template"]["spec"]
            annotations = x["spec"]["template"]["metadata"].get("annotations", {})
            for c in spec["containers"]:
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                env_from = {e["name"]: e.get("valueFrom") for e in c.get("env", [])}
                port = int(env.get("HOTLINE_GRPC_PORT", -1))
                metrics = int(env.get("HOTLINE_METRICS_PORT", -1))
                ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
                if ports.get("grpc") != port:
                    fail(f"k8s {f}: {name} grpc containerPort {ports.get('grpc')} != HOTLINE_GRPC_PORT {port}")
                if ports.get("metrics") != metrics:
                    fail(f"k8s {f}: {name} metrics containerPort {ports.get('metrics')} != HOTLINE_METRICS_PORT {metrics}")
                if annotations.get("prometheus.io/port") != str(metrics):
                    fail(f"k8s {f}: {name} prometheus.io/port {annotations.get('prometheus.io/port')} != {metrics}")
                svc_ports = {p.get("name"): p.get("port")
                             for p in services.get(name, {}).get("spec", {}).get("ports", [])}
                if svc_ports != {"grpc": port, "metrics": metrics}:
                    fail(f"k8s {f}: Service {name} ports {svc_ports} != grpc {port}, metrics {metrics}")
                cenv = compose.get(name, {}).get("environment", {})
                for key in ("HOTLINE_GRPC_PORT", "HOTLINE_METRICS_PORT"):
                    if key in cenv and str(cenv[key]) != env.get(key):
                        fail(f"k8s {f}: {name} {key} {env.get(key)} != docker-compose.yml {cenv[key]}")
                if name in STREAM_CONSUMERS:
                    ref = (env_from.get("HOTLINE_CONSUMER_NAME") or {}).get("fieldRef", {})
                    if ref.get("fieldPath") != "metadata.name":
                        fail(f"k8s {f}: {name} HOTLINE_CONSUMER_NAME must come from the pod name "
                             "(valueFrom.fieldRef.fieldPath: metadata.name)")
                if name == "gateway":
                    for key, addr in env.items():
                        m = re.fullmatch(r"HOTLINE_([A-Z]+)_ADDR", key)
                        if not m:
                            continue
                        backend = m.group(1).lower()
                        want = {p.get("name"): p.get("port") for p in
                                services.get(backend, {}).get("spec", {}).get("ports", [])}.get("grpc")
                        if addr != f"{backend}:{want}":
                            fail(f"k8s {f}: gateway {key} {addr} != Service {backend} grpc port {want}")
                # The image's probe (a grpc: probe cannot present a client
                # certificate to a mutual-TLS port).
                # Liveness asks for the name that stays SERVING while Redis is
                # away (readiness follows Redis; libs/server/dependency_watch.h).
                for probe, extra in (("readinessProbe", []), ("livenessProbe", ["--service", "liveness"])):
                    got = c.get(probe, {}).get("exec", {}).get("command")
                    if got != ["hotline-healthcheck", "--addr", f"127.0.0.1:{port}"] + extra:
                        fail(f"k8s {f}: {name} {probe} is not hotline-healthcheck on 127.0.0.1:{port} (got {got})")
                check_tls(f"k8s {f}", name, env)
                if c.get("command") != [f"hotline-{name}"]:
                    fail(f"k8s {f}: {name} runs {c.get('command')}")
            if not spec.get("securityContext", {}).get("runAsNonRoot"):
                fail(f"k8s {f}: {name} does not require a non-root user")
            # A secret mounted 0440 is root:fsGroup: without fsGroup the
            # non-root user cannot read it.
            for v in spec.get("volumes", []):
                mode = (v.get("secret") or {}).get("defaultMode")
                if mode is not None and mode & 0o004 == 0 and spec.get("securityContext", {}).get("fsGroup") is None:
                    fail(f"k8s {f}: {name} mounts secret volume {v.get('name')} mode {mode:o} but sets no fsGroup")
        if x["kind"] == "StatefulSet" and x["metadata"]["name"] in ("redis", "sentinel"):
            name = x["metadata"]["name"]
            c = x["spec"]["template"]["spec"]["containers"][0]
            cmd = " ".join(c.get("command", []) + c.get("args", []))
            if not cmd.startswith(f"hotline-redis-start {name}"):
                fail(f"k8s {f}: {name} does not start with hotline-redis-start {name}")
            if x["spec"].get("replicas") != 3:
                fail(f"k8s {f}: {name} has {x['spec'].get('replicas')} pods, not 3")
            if name == "redis":
                for want in ("--appendonly yes", "--appendfsync always", "--min-replicas-to-write 1"):
                    if want not in cmd:
                        fail(f"k8s {f}: redis command lacks '{want}'")
                if not x["spec"].get("volumeClaimTemplates"):
                    fail(f"k8s {f}: redis has no volumeClaimTemplates")
        if x["kind"] == "Deployment":
            env = {e["name"]: e.get("value") for e in x["spec"]["template"]["spec"]["containers"][0].get("env", [])}
            want = "sentinel://" + ",".join(f"sentinel-{i}.sentinel:26379" for i in range(3)) + "/hotline"
            if env.get("HOTLINE_REDIS") != want:
                fail(f"k8s {f}: {x['metadata']['name']} HOTLINE_REDIS {env.get('HOTLINE_REDIS')} != {want}")
            if int(env.get("HOTLINE_REDIS_WAIT_REPLICAS") or 0) < 1:
                fail(f"k8s {f}: {x['metadata']['name']} acknowledges writes no replica has")
    for want in ("redis", "sentinel", "postgres"):
        if ("StatefulSet", want) not in kinds:
            fail(f"k8s: no {want} StatefulSet")
    check_k8s_postgres(docs)
    # Every workload of more than one pod has a disruption budget that selects
    # it and lets at most one go at a time (none for single pods: it would
    # block every node drain).
    budgets = [x for _, x in docs if x["kind"] == "PodDisruptionBudget"]
    for f, x in docs:
        if x["kind"] not in ("Deployment", "StatefulSet"):
            continue
        name, replicas = x["metadata"]["name"], x["spec"].get("replicas", 1)
        labels = x["spec"]["template"]["metadata"].get("labels", {})
        mine = [b for b in budgets
                if b["spec"]["selector"].get("matchLabels", {}).items() <= labels.items()]
        if replicas > 1 and len(mine) != 1:
            fail(f"k8s {f}: {x['kind']} {name} ({replicas} pods) has {len(mine)} PodDisruptionBudgets, not 1")
        if replicas == 1 and mine:
            fail(f"k8s {f}: {x['kind']} {name} has one pod and a PodDisruptionBudget (it would block drains)")
        for b in mine:
            if b["spec"].get("maxUnavailable") != 1 or "minAvailable" in b["spec"]:
                fail(f"k8s: PodDisruptionBudget {b['metadata']['name']} must be maxUnavailable: 1")


def check_k8s_postgres(docs):
    """PostgreSQL on a PVC; its clients (the Deployments that take --postgres
    and the archive CronJob) share one conninfo and mount only the key
    service of Secret hotline-postgres."""
    conninfos = set()
    have_cron = have_migrate = False
    for f, x in docs:
        if x["kind"] == "StatefulSet" and x["metadata"]["name"] == "postgres":
            if not x["spec"].get("volumeClaimTemplates"):
                fail(f"k8s {f}: postgres has no volumeClaimTemplates")
            c = x["spec"]["template"]["spec"]["containers"][0]
            if c.get("command") != ["hotline-postgres-start"]:
                fail(f"k8s {f}: postgres does not run hotline-postgres-start")
        if x["kind"] in ("Deployment", "Job"):
            pod = x["spec"]["template"]["spec"]
        elif x["kind"] == "CronJob":
            pod = x["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        else:
            continue
        name = x["metadata"]["name"]
        c = pod["containers"][0]
        env = {e["name"]: e.get("value") for e in c.get("env", [])}
        if name in POSTGRES_CLIENTS and "HOTLINE_POSTGRES" not in env:
            fail(f"k8s {f}: {name} takes --postgres but has no HOTLINE_POSTGRES")
        if c.get("command", [])[:3] == ["hotline-admin", "archive", "run"]:
            have_cron = x["kind"] == "CronJob"
        migrates = c.get("command", [])[:3] == MIGRATE_COMMAND
        have_migrate = have_migrate or (migrates and x["kind"] == "Job")
        if "HOTLINE_POSTGRES" not in env:
            continue
        check_postgres_conninfo(f"k8s {f}", name, env)
        check_postgres_role(f"k8s {f}", name, env, migrates)
        if x["kind"] == "Deployment":
            check_k8s_waits_for_grants(f, name, pod, env)
        if not migrates:
            conninfos.add(env["HOTLINE_POSTGRES"])
        key = "owner-service" if migrates else "service"
        for v in pod.get("volumes", []):
            sec = v.get("secret", {})
            if sec.get("secretName") == "hotline-postgres" and \
                    [i.get("key") for i in sec.get("items", [])] != [key]:
                fail(f"k8s {f}: {name} mounts keys of hotline-postgres other than {key}")
    if len(conninfos) != 1:
        fail(f"k8s: the PostgreSQL clients use different conninfos {sorted(conninfos)}")
    # The NetworkPolicy in front of PostgreSQL lets every client in.
    allowed = set()
    for f, x in docs:
        if x["kind"] == "NetworkPolicy" and \
                x["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "postgres":
            for rule in x["spec"].get("ingress", []):
                for src in rule.get("from", []):
                    for e in src.get("podSelector", {}).get("matchExpressions", []):
                        if e.get("key") == "app.kubernetes.io/name" and e.get("operator") == "In":
                            allowed.update(e.get("values", []))
    for f, x in docs:
        if x["kind"] == "Deployment" and x["metadata"]["name"] in POSTGRES_CLIENTS and \
                x["metadata"]["name"] not in allowed:
            fail(f"k8s {f}: no NetworkPolicy lets {x['metadata']['name']} reach postgres")
    if not have_cron:
        fail("k8s: no CronJob runs hotline-admin archive run")
    if not have_migrate:
        fail("k8s: no Job runs hotline-admin archive migrate")


def check_k8s_waits_for_grants(f, name, pod, env):
    """A Deployment with the archive waits in an initContainer until its role
    may read the archive: `hotline-admin archive ready --wait`, as the same
    role, through the same service file."""
    ready = [c for c in pod.get("initContainers", []) if c.get("command", [])[:3] == READY_COMMAND]
    if not ready:
        fail(f"k8s {f}: {name} does not wait for the archive's grants "
             f"(no initContainer runs {' '.join(READY_COMMAND)})")
        return
    c = ready[0]
    if "--wait" not in c["command"]:
        fail(f"k8s {f}: {name}'s {' '.join(READY_COMMAND)} asks once (no --wait)")
    init_env = {e["name"]: e.get("value") for e in c.get("env", [])}
    for k in ("HOTLINE_POSTGRES", "PGSERVICEFILE"):
        if init_env.get(k) != env.get(k):
            fail(f"k8s {f}: {name}'s readiness initContainer has {k} {init_env.get(k)!r}, "
                 f"the service {env.get(k)!r}")
    mounts = {m.get("mountPath") for m in c.get("volumeMounts", [])}
    if os.path.dirname(env.get("PGSERVICEFILE") or "") not in mounts:
        fail(f"k8s {f}: {name}'s readiness initContainer does not mount its PGSERVICEFILE")


def check_alerts(src):
    d = os.path.join(src, "deploy/prometheus")
    alerts = [r["alert"] for g in load_yaml(os.path.join(d, "alerts.yml"))["groups"]
              for r in g["rules"] if "alert" in r]
    fires, silent = set(), set()
    for t in load_yaml(os.path.join(d, "alerts_test.yml"))["tests"]:
        for a in t.get("alert_rule_test", []):
            (fires if a.get("exp_alerts") else silent).add(a["alertname"])
    for a in alerts:
        if a not in fires:
            fail(f"alerts: {a} has no test where it fires")
        if a not in silent:
            fail(f"alerts: {a} has no test where it stays silent")
    # Recording rules (thresholds as series) carry no annotations; alerts do.
    for r in (r for g in load_yaml(os.path.join(d, "alerts.yml"))["groups"] for r in g["rules"]
              if "alert" in r):
        for k in ("summary", "description", "runbook"):
            if not r.get("annotations", {}).get(k):
                fail(f"alerts: {r.get('alert')} lacks annotation {k}")
        if r.get("labels", {}).get("severity") not in ("critical", "warning"):
            fail(f"alerts: {r.get('alert')} has no severity critical|warning")


def check_dashboard(src, promtool):
    g = os.path.join(src, "deploy/grafana")
    ds = load_yaml(os.path.join(g, "provisioning/datasources/prometheus.yml"))["datasources"]
    uids = {x["uid"] for x in ds}
    with open(os.path.join(g, "dashboards/hotline.json"), encoding="utf-8") as f:
        dash = json.load(f)
    provider = load_yaml(os.path.join(g, "provisioning/dashboards/hotline.yml"))["providers"][0]
    if provider["options"]["path"] != "/etc/grafana/dashboards":
        fail("dashboard: provider path is not the compose mount /etc/grafana/dashboards")
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        fail(f"dashboard: duplicate panel ids {ids}")
    exprs = []
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") not in uids:
            fail(f"dashboard: panel '{p['title']}' uses datasource {p.get('datasource')}")
        if not p.get("targets"):
            fail(f"dashboard: panel '{p['title']}' has no queries")
        for t in p.get("targets", []):
            exprs.append((p["title"], t["expr"]))
    text = json.dumps(dash)
    for metric in ("hotline_grpc_server_handled_total", "hotline_grpc_server_handling_seconds_bucket",
                   "hotline_intake_orders_created_total", "hotline_intake_rejected_total",
                   "hotline_redis_commands_total", "hotline_redis_command_duration_seconds_bucket",
                   "hotline_redis_queue_length",
                   "hotline_dispatch_actions_total", "hotline_dispatch_events_total",
                   "hotline_dispatch_stream_lag", "hotline_dispatch_stream_pending",
                   "hotline_dispatch_oldest_pending_age_seconds",
                   "hotline_sla_open_orders", "hotline_sla_breaches_total",
                   "hotline_sla_fire_lag_seconds_bucket"):
        if metric not in text:
            fail(f"dashboard: no panel uses {metric}")
    if promtool:
        rules = {"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:expr{i}",
             "expr": re.sub(r"\$__rate_interval", "1m", e).replace("$job", ".*")}
            for i, (_, e) in enumerate(exprs)]}]}
        with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as tf:
            yaml.safe_dump(rules, tf)
        try:
            r = subprocess.run([promtool, "check", "rules", tf.name], capture_output=True, text=True)
            if r.returncode != 0:
                fail("dashboard: a PromQL expression does not parse:\n" + r.stdout + r.stderr)
        finally:
            os.unlink(tf.name)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, check = sys.argv[1], sys.argv[2]
    promtool = sys.argv[3] if len(sys.argv) > 3 else None
    {"compose": lambda: check_compose(src), "k8s": lambda: check_k8s(src),
     "alerts": lambda: check_alerts(src),
     "dashboard": lambda: check_dashboard(src, promtool)}[check]()
    for p in problems:
        print("FAIL", p)
    if not problems:
        print(f"{check}: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
