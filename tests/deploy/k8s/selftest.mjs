// Self-test of the validator: every check must be able to fail. Each mutation breaks a copy of
// a rendered overlay in one way and must produce a finding with the tag it names; a mutation
// that does not apply (its target is gone) counts as not caught, so the list cannot rot.
import fs from "node:fs";
import path from "node:path";

const deployment = (objs) => objs.find((o) => o.kind === "Deployment");
const podSpec = (objs) => deployment(objs).spec.template.spec;
const container = (objs, name) => {
  const c = podSpec(objs).containers.find((c) => c.name === name);
  if (!c) throw new Error(`no container ${name}`);
  return c;
};
const gateway = (objs) => container(objs, "mqttd-gw");
const broker = (objs) => podSpec(objs).containers.find((c) => c.name !== "mqttd-gw");
const service = (objs, name) => {
  const s = objs.find((o) => o.kind === "Service" && o.metadata.name === name);
  if (!s) throw new Error(`no Service ${name}`);
  return s;
};
const netpol = (objs) => objs.find((o) => o.kind === "NetworkPolicy");
const gwConfigMap = (objs) => objs.find((o) => o.kind === "ConfigMap" && "gw.yaml" in (o.data ?? {}));
// Replaces text in the rendered gw.yaml; throws when the text is not there.
const editGw = (objs, from, to) => {
  const cm = gwConfigMap(objs);
  if (!cm.data["gw.yaml"].includes(from)) throw new Error(`gw.yaml has no '${from}'`);
  cm.data["gw.yaml"] = cm.data["gw.yaml"].replace(from, to);
};

// [what is broken, the tag that must report it, overlays it applies to (null: every one), mutate]
const MUTATIONS = [
  ["unknown field: podSpec.contianers", "unknown-field", null, (o) => {
    const spec = podSpec(o);
    spec.contianers = spec.containers;
    delete spec.containers;
  }],
  ["unknown field: readinesProbe in the gateway container", "unknown-field", null, (o) => {
    const c = gateway(o);
    c.readinesProbe = c.readinessProbe;
    delete c.readinessProbe;
  }],
  ["wrong type: containerPort as a string", "schema", null, (o) => { gateway(o).ports[0].containerPort = "14567"; }],
  ["Deployment selector does not match the pod labels", "deployment-selector", null, (o) => {
    deployment(o).spec.selector.matchLabels["app.kubernetes.io/name"] = "mqttd";
  }],
  ["Service selector does not match the pod labels", "service-selector", null, (o) => {
    service(o, "mqttd-gw-quic").spec.selector = { "app.kubernetes.io/name": "mqttd-gateway" };
  }],
  ["NetworkPolicy podSelector does not match the pod labels", "netpol-selector", null, (o) => {
    netpol(o).spec.podSelector.matchLabels = { app: "other" };
  }],
  ["liveness probe on an undeclared port number", "probe-port", null, (o) => { gateway(o).livenessProbe.httpGet.port = 9101; }],
  ["readiness probe on an undeclared port name", "probe-port", null, (o) => { gateway(o).readinessProbe.httpGet.port = "metrics"; }],
  ["readiness probe on a path the gateway does not serve", "probe-path", null, (o) => { gateway(o).readinessProbe.httpGet.path = "/ready"; }],
  ["liveness probe on /readyz (a broker outage would restart the gateway)", "probe-path", null, (o) => {
    gateway(o).livenessProbe.httpGet.path = "/readyz";
  }],
  ["gw.yaml admin port is not the probes' port", "admin-port", null, (o) => editGw(o, "address: 0.0.0.0:9100", "address: 0.0.0.0:9101")],
  ["gw.yaml QUIC port is not the UDP containerPort", "listener-port", null, (o) => editGw(o, "0.0.0.0:14567", "0.0.0.0:14568")],
  ["QUIC Service port declared TCP", "service-port", null, (o) => { service(o, "mqttd-gw-quic").spec.ports[0].protocol = "TCP"; }],
  ["LoadBalancer Service mixing UDP and TCP", "service-port", null, (o) => {
    service(o, "mqttd-gw-quic").spec.ports.push({ name: "mqtt", port: 11883, targetPort: "mqtt", protocol: "TCP" });
  }],
  ["Service exposes the admin port", "service-exposure", null, (o) => {
    Object.assign(service(o, "mqttd-gw-tcp").spec.ports[0], { targetPort: "admin" });
  }],
  ["Service exposes the broker directly", "service-exposure", null, (o) => {
    Object.assign(service(o, "mqttd-gw-tcp").spec.ports[0], { targetPort: 1883 });
  }],
  ["externalTrafficPolicy Cluster (client addresses lost)", "traffic-policy", null, (o) => {
    service(o, "mqttd-gw-quic").spec.externalTrafficPolicy = "Cluster";
  }],
  ["-c names a file no ConfigMap provides", "config-mount", null, (o) => { gateway(o).args = ["-c", "/etc/mqttd/config/config.yaml"]; }],
  ["gw.yaml ConfigMap volume names a missing ConfigMap", "config-mount", null, (o) => {
    podSpec(o).volumes.find((v) => v.name === "config").configMap.name = "mqttd-gw-config-missing";
  }],
  ["certificate path outside the TLS Secret's mount", "tls-mount", null, (o) => editGw(o, "/etc/mqttd/tls/tls.crt", "/etc/ssl/gw.crt")],
  ["certificate path names the key file", "tls-mount", null, (o) => editGw(o, "cert: /etc/mqttd/tls/tls.crt", "cert: /etc/mqttd/tls/tls.key")],
  ["TLS Secret mounted with subPath (never updated on rotation)", "tls-mount", null, (o) => {
    const mounts = gateway(o).volumeMounts;
    const i = mounts.findIndex((v) => v.name === "tls");
    mounts.splice(i, 1, ...["tls.crt", "tls.key"].map(
      (key) => ({ name: "tls", mountPath: `/etc/mqttd/tls/${key}`, subPath: key, readOnly: true })));
  }],
  ["TLS Secret of type Opaque", "tls-mount", null, (o) => { o.find((x) => x.kind === "Secret").type = "Opaque"; }],
  ["terminationGracePeriodSeconds below drain_timeout + 5 s", "grace-period", null, (o) => { podSpec(o).terminationGracePeriodSeconds = 34; }],
  ["drain_timeout raised without the grace period", "grace-period", null, (o) => editGw(o, "drain_timeout: 30s", "drain_timeout: 1m")],
  ["broker preStop wait shorter than the drain", "broker-prestop", null, (o) => { broker(o).lifecycle.preStop.exec.command = ["sleep", "20"]; }],
  ["broker without a preStop wait", "broker-prestop", null, (o) => { delete broker(o).lifecycle; }],
  ["upstream port is not the broker's", "upstream", null, (o) => editGw(o, "address: 127.0.0.1:1883", "address: 127.0.0.1:1884")],
  ["upstream outside the pod", "upstream", null, (o) => editGw(o, "address: 127.0.0.1:1883", "address: 10.0.0.5:1883")],
  ["gw.yaml with a misspelt key (only the gateway's own parser knows)", "check-config", null, (o) => {
    editGw(o, "upstream:\n", "upstream:\n  connect_timout: 5s\n");
  }],
  ["gw.yaml keep_alive not below idle_timeout (a cross-key rule)", "check-config", null, (o) => editGw(o, "keep_alive: 20s", "keep_alive: 120s")],
  ["gateway runAsNonRoot false", "security-context", null, (o) => {
    gateway(o).securityContext.runAsNonRoot = false;
    podSpec(o).securityContext.runAsNonRoot = false;
  }],
  ["gateway runs as root", "security-context", null, (o) => { gateway(o).securityContext.runAsUser = 0; }],
  ["gateway root filesystem writable", "security-context", null, (o) => { gateway(o).securityContext.readOnlyRootFilesystem = false; }],
  ["gateway allowPrivilegeEscalation true", "security-context", null, (o) => { gateway(o).securityContext.allowPrivilegeEscalation = true; }],
  ["gateway keeps its capabilities", "security-context", null, (o) => { delete gateway(o).securityContext.capabilities; }],
  ["no seccomp profile", "security-context", null, (o) => {
    delete gateway(o).securityContext.seccompProfile;
    delete podSpec(o).securityContext.seccompProfile;
  }],
  ["broker adds a capability", "security-context", null, (o) => { broker(o).securityContext.capabilities.add = ["NET_ADMIN"]; }],
  ["gateway memory limit below max_connections x 83 kB", "resources", null, (o) => { gateway(o).resources.limits.memory = "512Mi"; }],
  ["broker without resource requests", "resources", null, (o) => { delete broker(o).resources.requests; }],
  ["Prometheus annotation on the wrong port", "metrics", null, (o) => {
    deployment(o).spec.template.metadata.annotations["prometheus.io/port"] = "9101";
  }],
  ["NetworkPolicy admits the broker's port", "netpol-port", null, (o) => {
    netpol(o).spec.ingress[0].ports.push({ port: 1883, protocol: "TCP" });
  }],
  ["NetworkPolicy misses the QUIC port", "netpol-port", null, (o) => {
    netpol(o).spec.ingress[0].ports = netpol(o).spec.ingress[0].ports.filter((p) => p.protocol !== "UDP");
  }],
  ["file handler writing on the read-only root filesystem", "writable", null, (o) => editGw(o, "log:\n",
    "handlers:\n  audit: { type: file, path: /var/log/mqttd/audit.jsonl }\nroutes:\n  - { filter: \"#\", action: tap, handler: audit }\nlog:\n")],
  ["two replicas of a pod that holds its own broker", "replicas", null, (o) => { deployment(o).spec.replicas = 2; }],
  ["Mosquitto probed with tcpSocket on its loopback-only listener", "broker-probe", ["overlays/mosquitto"], (o) => {
    container(o, "mosquitto").livenessProbe = { tcpSocket: { port: "broker" }, periodSeconds: 30 };
  }],
  ["EMQX's own QUIC listener enabled on the gateway's UDP port", "port-clash", ["overlays/emqx"], (o) => {
    container(o, "emqx").env.push({ name: "EMQX_LISTENERS__QUIC__DEFAULT__ENABLE", value: "true" });
  }],
  ["EMQX listener moved off the upstream port", "upstream", ["overlays/emqx"], (o) => {
    container(o, "emqx").env.find((e) => e.name === "EMQX_LISTENERS__TCP__DEFAULT__BIND").value = "127.0.0.1:1884";
  }],
];

export async function runSelfTest({ rendered, renderer, tree, tlsComponent, options, checkObjects, onlyIn }) {
  const lines = [];
  const missed = [];
  let total = 0;
  for (const [name, tag, only, mutate] of MUTATIONS) {
    for (const [overlay, objects] of Object.entries(rendered)) {
      if (only && !only.includes(overlay)) continue;
      total++;
      const what = `${overlay}: ${name}`;
      const copy = structuredClone(objects);
      try {
        mutate(copy);
      } catch (e) {
        missed.push(`${what}: the mutation does not apply any more (${e.message})`);
        continue;
      }
      const findings = await checkObjects(copy, options);
      const hit = findings.errors.find((e) => e.tag === tag);
      if (hit) lines.push(`  caught  ${what} -> [${tag}] ${hit.message.split("\n").map((l) => l.trim()).slice(0, 2).join(" ")}`);
      else missed.push(`${what}: expected [${tag}], got ${findings.errors.length ? findings.errors.map((e) => `[${e.tag}]`).join(" ") : "nothing"}`);
    }
  }

  // The v4/v5 comparison must see a one-field difference (the v5 rendering of the same tree).
  for (const [overlay, objects] of Object.entries(rendered)) {
    total++;
    const other = structuredClone(objects);
    podSpec(other).terminationGracePeriodSeconds += 1;
    const what = `${overlay}: kustomize v4 and v5 rendering differ in one field`;
    if (onlyIn(objects, other).length === 1 && onlyIn(objects, structuredClone(objects)).length === 0) {
      lines.push(`  caught  ${what} -> [versions] the comparison reports the Deployment`);
    } else {
      missed.push(`${what}: the comparison did not report exactly that object`);
    }
  }

  // Without the user's TLS files, kustomize must stop and name them.
  total++;
  const bare = path.join(path.dirname(tree), "tree-without-tls");
  fs.rmSync(bare, { recursive: true, force: true });
  fs.cpSync(tree, bare, { recursive: true });
  fs.rmSync(path.join(bare, tlsComponent, "tls.crt"));
  fs.rmSync(path.join(bare, tlsComponent, "tls.key"));
  const r = renderer.build(path.join(bare, Object.keys(rendered)[0]));
  const what = "TLS files missing from components/tls-files";
  const named = r.error && /lstat (\S+): no such file or directory/.exec(r.error);
  if (named && named[1].endsWith("tls.crt")) {
    lines.push(`  caught  ${what} -> [kustomize] build stops: ${path.relative(bare, named[1])}: no such file or directory`);
  } else {
    missed.push(`${what}: kustomize ${r.error ? `failed without naming tls.crt: ${r.error}` : "built anyway"}`);
  }
  fs.rmSync(bare, { recursive: true, force: true });

  return { lines, missed, total, caught: total - missed.length };
}
