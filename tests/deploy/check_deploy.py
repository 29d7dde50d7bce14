#!/usr/bin/python3
"""Checks the deployment files: docker-compose.yml with `docker-compose config`
and deploy/kubernetes/*.yaml parsed and cross-checked (probe paths and ports
agree with the ConfigMap's hookd.toml, the grace period covers the drain,
selectors match, the admin port stays private, the containers are locked
down). Every hookd.toml shipped for a deployment passes
`hookd serve --check-config`.

Usage: check_deploy.py SOURCE_DIR HOOKD_BINARY
Exit 77 (ctest: skipped) when PyYAML is missing. Prints "ok"/"FAIL" lines.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib

try:
    import yaml
except ImportError:
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

src, hookd = sys.argv[1], sys.argv[2]
failures = []


def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        failures.append(name)


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def check_config(name, text, extra_env=None):
    """hookd itself validates the file: unknown keys and bad values fail."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "hookd.toml")
        with open(path, "w") as f:
            f.write(text)
        env = dict(os.environ, HOOKD_ADMIN_TOKEN="check-deploy-token-0123456789abcdef", **(extra_env or {}))
        r = subprocess.run([hookd, "serve", "--check-config", "--config", path],
                           capture_output=True, text=True, timeout=60, env=env)
        check(name + " passes hookd serve --check-config", r.returncode == 0, r.stdout + r.stderr)


# --- docker-compose.yml ---------------------------------------------------
compose_path = os.path.join(src, "docker-compose.yml")
with open(os.path.join(src, "deploy", "hookd.toml")) as f:
    deploy_toml_text = f.read()
check_config("deploy/hookd.toml", deploy_toml_text)
deploy_toml = tomllib.loads(deploy_toml_text)
# hookd's stop: the accepting step, the drain timeout, then up to 1 s for the
# answers of calls cut off at the timeout (kCutOffGrace in server/src/gateway.cpp).
CUT_OFF_GRACE_S = 1
drain_s = (deploy_toml["server"]["drain_accept_max_ms"] + deploy_toml["server"]["drain_timeout_ms"]) / 1000 \
    + CUT_OFF_GRACE_S

compose_bin = shutil.which("docker-compose")
if compose_bin is None:
    check("docker-compose is installed (scripts/setup.sh)", False, "not found")
else:
    env = {k: v for k, v in os.environ.items() if k != "HOOKD_ADMIN_TOKEN"}
    with tempfile.TemporaryDirectory() as empty:
        # No token anywhere (and no .env next to a copy): compose must refuse.
        shutil.copy(compose_path, os.path.join(empty, "docker-compose.yml"))
        r = subprocess.run([compose_bin, "-f", os.path.join(empty, "docker-compose.yml"), "config"],
                           capture_output=True, text=True, timeout=60, env=env, cwd=empty)
        check("compose refuses to run without HOOKD_ADMIN_TOKEN", r.returncode != 0 and
              "HOOKD_ADMIN_TOKEN" in r.stderr, r.stderr)
    env["HOOKD_ADMIN_TOKEN"] = "compose-check-token"
    r = subprocess.run([compose_bin, "-f", compose_path, "--project-directory", src, "config"],
                       capture_output=True, text=True, timeout=60, env=env, cwd=src)
    check("docker-compose config accepts docker-compose.yml", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        c = yaml.safe_load(r.stdout)
        services = c["services"]
        check("compose: redis, three hookd nodes and nginx",
              {"redis", "hookd1", "hookd2", "hookd3", "nginx"} <= set(services), str(sorted(services)))
        for n in ("hookd1", "hookd2", "hookd3"):
            s = services.get(n, {})
            e = s.get("environment", {})
            check(f"compose: {n} in cluster mode", str(e.get("HOOKD_CLUSTER_ENABLED")).lower() == "true", str(e))
            check(f"compose: {n} token from the environment, not the file",
                  e.get("HOOKD_ADMIN_TOKEN") == "compose-check-token", str(e))
            check(f"compose: {n} built from the Dockerfile", "build" in s, str(s))
            # Long form (dicts) or short form ("127.0.0.1:9091:9090/tcp").
            hosts = [p.get("host_ip", "0.0.0.0") if isinstance(p, dict) else
                     (p.split(":")[0] if p.count(":") >= 2 else "0.0.0.0") for p in s.get("ports", [])]
            check(f"compose: {n} publishes its ports on 127.0.0.1 only",
                  all(h == "127.0.0.1" for h in hosts), str(s.get("ports")))
            grace = s.get("stop_grace_period", "0s")
            check(f"compose: {n} stop_grace_period covers the drain",
                  int(re.sub(r"s$", "", str(grace))) > drain_s, f"{grace} vs {drain_s}s")
        vols = " ".join(str(v.get("source", v) if isinstance(v, dict) else v)
                        for v in services.get("nginx", {}).get("volumes", []))
        check("compose: nginx runs examples/nginx/cluster.conf", "examples/nginx/cluster.conf" in vols, vols)
        nginx_cmd = " ".join(services.get("nginx", {}).get("command", []))
        for i in (1, 2, 3):
            check(f"compose: nginx's upstream {i} is hookd{i}", f"127.0.0.1:808{i}/hookd{i}:8080" in nginx_cmd,
                  nginx_cmd)

    # The optional tracing profile: a collector hookd's nodes can reach and
    # Jaeger behind it, neither started without --profile tracing.
    r = subprocess.run([compose_bin, "-f", compose_path, "--project-directory", src, "--profile", "tracing", "config"],
                       capture_output=True, text=True, timeout=60, env=env, cwd=src)
    check("docker-compose --profile tracing config accepts docker-compose.yml", r.returncode == 0, r.stderr)
    if r.returncode == 0:
        services = yaml.safe_load(r.stdout)["services"]
        for n in ("otel-collector", "jaeger"):
            check(f"compose: {n} only in the tracing profile", services.get(n, {}).get("profiles") == ["tracing"],
                  str(services.get(n)))
        collector = services.get("otel-collector", {})
        vols = " ".join(str(v.get("source", v) if isinstance(v, dict) else v) for v in collector.get("volumes", []))
        check("compose: the collector runs deploy/otel-collector.yaml", "deploy/otel-collector.yaml" in vols, vols)
        jaeger_ports = services.get("jaeger", {}).get("ports", [])
        check("compose: Jaeger's UI on 127.0.0.1 only",
              all((p.get("host_ip") if isinstance(p, dict) else p.split(":")[0]) == "127.0.0.1" for p in jaeger_ports)
              and len(jaeger_ports) > 0, str(jaeger_ports))
        with open(os.path.join(src, "deploy", "otel-collector.yaml")) as f:
            otel = yaml.safe_load(f)
        http_endpoint = otel["receivers"]["otlp"]["protocols"]["http"]["endpoint"]
        pipeline = otel["service"]["pipelines"]["traces"]
        jaeger_exporters = [e for e in pipeline["exporters"] if otel["exporters"][e].get("endpoint") == "jaeger:4317"]
        check("otel-collector.yaml: OTLP/HTTP in on :4318, traces out to Jaeger",
              port_of(http_endpoint) == 4318 and "otlp" in pipeline["receivers"] and len(jaeger_exporters) == 1,
              str(otel))
        for n in ("hookd1", "hookd2", "hookd3"):
            e = services.get(n, {}).get("environment", {})
            url = str(e.get("HOOKD_TRACING_COLLECTOR_URL"))
            check(f"compose: {n} sends spans to the collector's OTLP/HTTP port",
                  url == "http://otel-collector:4318/v1/traces", url)
            check(f"compose: {n} traces only when asked", str(e.get("HOOKD_TRACING_ENABLED")).lower() == "false", str(e))
        check_config("deploy/hookd.toml with the compose file's tracing settings", deploy_toml_text,
                     {"HOOKD_TRACING_ENABLED": "true",
                      "HOOKD_TRACING_COLLECTOR_URL": "http://otel-collector:4318/v1/traces",
                      "HOOKD_TRACING_SAMPLE_RATIO": "1.0"})

with open(os.path.join(src, "Dockerfile")) as f:
    dockerfile = f.read()
stages = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
check("Dockerfile: multi-stage on Debian 12", len(stages) >= 2 and all(s.startswith("debian:12") for s in stages),
      str(stages))
final = dockerfile[dockerfile.rindex("\nFROM "):]
check("Dockerfile: runs as a non-root user", re.search(r"^USER\s+(?!root)\S+", final, re.M) is not None)
check("Dockerfile: HEALTHCHECK on /healthz", re.search(r"^HEALTHCHECK .*\n?.*?/healthz", final, re.M | re.S)
      is not None)
check("Dockerfile: no compilers or -dev packages in the final image",
      re.search(r"(-dev\b|build-essential|clang|g\+\+)", final) is None)
check("Dockerfile: no admin token baked in", "HOOKD_ADMIN_TOKEN=" not in dockerfile.replace("-e HOOKD_ADMIN_TOKEN=", ""))

# --- deploy/kubernetes ------------------------------------------------------
kdir = os.path.join(src, "deploy", "kubernetes")
docs = []
for name in sorted(os.listdir(kdir)):
    if name.endswith(".yaml") and name != "kustomization.yaml":
        with open(os.path.join(kdir, name)) as f:
            for d in yaml.safe_load_all(f):
                if d:
                    d["_file"] = name
                    docs.append(d)
for d in docs:
    ok = all(k in d for k in ("apiVersion", "kind", "metadata")) and "name" in d["metadata"]
    check(f"k8s {d['_file']}: {d.get('kind')} has apiVersion, kind, metadata.name", ok)
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], []).append(d)
with open(os.path.join(kdir, "kustomization.yaml")) as f:
    kustomization = yaml.safe_load(f)
for r in kustomization["resources"]:
    check(f"k8s kustomization: {r} exists", os.path.exists(os.path.join(kdir, r)))
check("k8s: the example Secret is not applied", "secret.example.yaml" not in kustomization["resources"])

dep = next(d for d in by_kind["Deployment"] if d["metadata"]["name"] == "hookd")
spec = dep["spec"]
pod = spec["template"]["spec"]
labels = spec["template"]["metadata"]["labels"]
container = next(c for c in pod["containers"] if c["name"] == "hookd")
check("k8s deployment: 3 replicas", spec["replicas"] == 3, str(spec["replicas"]))
check("k8s deployment: selector matches the pod labels",
      all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()))
check("k8s deployment: rolling update never takes a ready pod away first",
      spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0)

cm = next(d for d in by_kind["ConfigMap"] if d["metadata"]["name"] == "hookd-config")
cm_text = cm["data"]["hookd.toml"]
check_config("k8s configmap hookd.toml", cm_text)
cm_toml = tomllib.loads(cm_text)
named_ports = {p["name"]: p["containerPort"] for p in container["ports"]}
check("k8s deployment: http port is server.listen's",
      named_ports.get("http") == port_of(cm_toml["server"]["listen"]), str(named_ports))
check("k8s deployment: admin port is server.admin_listen's",
      named_ports.get("admin") == port_of(cm_toml["server"]["admin_listen"]), str(named_ports))


def probe(kind):
    p = container.get(kind, {}).get("httpGet", {})
    port = p.get("port")
    return p.get("path"), named_ports.get(port, port)


check("k8s deployment: readiness on /readyz at the http port", probe("readinessProbe") == ("/readyz", 8080),
      str(probe("readinessProbe")))
check("k8s deployment: liveness on /healthz at the http port", probe("livenessProbe") == ("/healthz", 8080),
      str(probe("livenessProbe")))
pre_stop = container["lifecycle"]["preStop"]["exec"]["command"]
pre_stop_s = int(pre_stop[1]) if pre_stop[0] == "sleep" else 0
drain_k8s_s = (cm_toml["server"]["drain_accept_max_ms"] + cm_toml["server"]["drain_timeout_ms"]) / 1000 \
    + CUT_OFF_GRACE_S
check("k8s deployment: terminationGracePeriodSeconds covers preStop + drain",
      pod["terminationGracePeriodSeconds"] > pre_stop_s + drain_k8s_s,
      f"{pod['terminationGracePeriodSeconds']} <= {pre_stop_s} + {drain_k8s_s}")
sc = container["securityContext"]
check("k8s deployment: non-root", pod["securityContext"].get("runAsNonRoot") is True)
check("k8s deployment: read-only root filesystem, no privilege escalation",
      sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False)
res = container["resources"]
check("k8s deployment: cpu and memory requests and limits",
      {"cpu", "memory"} <= set(res["requests"]) and "memory" in res["limits"])
mounts = {m["mountPath"] for m in container["volumeMounts"]}
check("k8s deployment: the data dir is a writable volume", cm_toml["server"]["data_dir"] in mounts, str(mounts))
env = {e["name"]: e for e in container["env"]}
token = env.get("HOOKD_ADMIN_TOKEN", {}).get("valueFrom", {}).get("secretKeyRef", {})
secret = next((d for d in by_kind.get("Secret", []) if d["metadata"]["name"] == token.get("name")), None)
check("k8s deployment: admin token from a Secret", secret is not None and token.get("key") in
      secret.get("stringData", {}), str(token))
check("k8s: cluster mode and Redis KV in the ConfigMap",
      cm_toml.get("cluster", {}).get("enabled") is True and cm_toml.get("kv", {}).get("backend") == "redis")
redis_host = cm_toml["kv"]["redis"]["address"].rsplit(":", 1)[0]
check("k8s: the Redis address names the Redis Service",
      any(d["metadata"]["name"] == redis_host for d in by_kind["Service"]), redis_host)
check("k8s: Redis runs as a StatefulSet with a volume",
      any(d["metadata"]["name"] == "redis" and d["spec"].get("volumeClaimTemplates")
          for d in by_kind.get("StatefulSet", [])))

for svc in by_kind["Service"]:
    if svc["metadata"]["name"] not in ("hookd", "hookd-admin"):
        continue
    sel = svc["spec"]["selector"]
    check(f"k8s service {svc['metadata']['name']}: selects the hookd pods",
          all(labels.get(k) == v for k, v in sel.items()))
    check(f"k8s service {svc['metadata']['name']}: ClusterIP only", svc["spec"].get("type", "ClusterIP") == "ClusterIP")
    targets = {p["targetPort"] for p in svc["spec"]["ports"]}
    check(f"k8s service {svc['metadata']['name']}: targets named container ports", targets <= set(named_ports),
          str(targets))
public = next(s for s in by_kind["Service"] if s["metadata"]["name"] == "hookd")
check("k8s service hookd: the admin port is not public",
      all(p["targetPort"] != "admin" and p["targetPort"] != named_ports["admin"] for p in public["spec"]["ports"]))
pdb = by_kind["PodDisruptionBudget"][0]
check("k8s pdb: selects the hookd pods and keeps 2 of 3",
      all(labels.get(k) == v for k, v in pdb["spec"]["selector"]["matchLabels"].items()) and
      pdb["spec"].get("minAvailable") == 2)

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
