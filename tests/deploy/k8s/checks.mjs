// The project's own consistency checks of a rendered overlay: the Deployment, its Services and
// NetworkPolicy, the gateway's gw.yaml (from its ConfigMap) and the broker beside it must agree.
// Each finding has a tag; the self-test (selftest.mjs) breaks one thing at a time and expects
// the tag it names. Numbers that come from docs/operations.md are named below.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";

export const GATEWAY_CONTAINER = "mqttd-gw";
export const GATEWAY_IMAGE = "mqttd-gw"; // image repository (any registry and tag)
export const GATEWAY_UID = 10001; // deploy/container: numeric non-root user and group
// docs/operations.md §2: after drain_timeout, 3 s for the final closes + 2 s for handler queues.
export const STOP_EXTRA_S = 5;
// Time a broker gets to stop after its preStop wait, within terminationGracePeriodSeconds.
export const BROKER_STOP_S = 5;
// docs/operations.md §6: ~83 kB of RSS per idle QUIC connection, broker connection included.
export const RSS_PER_CONNECTION = 83_000;
// Paths the admin server serves, by probe (docs/operations.md §4).
const PROBE_PATHS = { livenessProbe: ["/healthz"], readinessProbe: ["/readyz"], startupProbe: ["/healthz", "/readyz"] };
const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"];
// gw.yaml defaults (docs/configuration.md).
const DEFAULT_QUIC_ADDRESS = "0.0.0.0:14567";
const DEFAULT_DRAIN = "30s";
const DEFAULT_MAX_CONNECTIONS = 10000;

export class Findings {
  constructor() {
    this.errors = []; // { tag, message }
    this.passed = []; // names of checks that found nothing
  }
  fail(tag, message) {
    this.errors.push({ tag, message });
  }
  has(tag) {
    return this.errors.some((e) => e.tag === tag);
  }
}

// ---- small parsers ----

// gw.yaml durations: 1m30s, 500ms, 2000us (docs/configuration.md "Value types").
export function parseDurationMs(text) {
  const s = String(text);
  const units = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s;
  while (rest.length > 0) {
    const m = /^(\d+)(us|ms|s|m|h)/.exec(rest);
    if (!m) return null;
    total += Number(m[1]) * units[m[2]];
    rest = rest.slice(m[0].length);
  }
  return s.length > 0 ? total : null;
}

// 127.0.0.1:1883, [::1]:1883, or a bare port (EMQX binds).
export function parseAddress(text) {
  const s = String(text);
  let m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:[\]]+):(\d+)$/.exec(s);
  if (m) return { host: m[1], port: Number(m[2]) };
  m = /^(\d+)$/.exec(s);
  return m ? { host: null, port: Number(m[1]) } : null;
}

function isLoopback(host) {
  return host === "::1" || host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host ?? "");
}

// Kubernetes quantities in bytes: 1Gi, 512Mi, 1G, 128974848, 1e9.
export function parseBytes(q) {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(String(q));
  if (!m) return null;
  const f = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
    k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 }[m[2]] ?? 1;
  return Number(m[1]) * f;
}

function labelsMatch(selector, labels) {
  const entries = Object.entries(selector ?? {});
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

// A container's port, by name or number, with its protocol.
function containerPort(container, ref) {
  const ports = container.ports ?? [];
  return typeof ref === "string" && !/^\d+$/.test(ref)
    ? ports.find((p) => p.name === ref)
    : ports.find((p) => p.containerPort === Number(ref));
}

function protocolOf(p) {
  return p?.protocol ?? "TCP";
}

// `-c FILE`, `--config FILE` or `--config=FILE` in a container's command + args.
function configArg(container) {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  for (let i = 0; i < argv.length; i++) {
    if ((argv[i] === "-c" || argv[i] === "--config") && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith("--config=")) return argv[i].slice("--config=".length);
  }
  return null;
}

// Seconds a preStop hook waits: exec ["sleep", N] / ["/bin/sh", "-c", "sleep N"] or sleep action.
function preStopSeconds(container) {
  const hook = container.lifecycle?.preStop;
  if (!hook) return null;
  if (hook.sleep) return Number(hook.sleep.seconds);
  const cmd = hook.exec?.command ?? [];
  const line = cmd.length >= 3 && /(^|\/)(ba)?sh$/.test(cmd[0]) && cmd[1] === "-c" ? cmd[2].split(/\s+/) : cmd;
  if (line.length === 2 && /(^|\/)sleep$/.test(line[0]) && /^\d+$/.test(line[1])) return Number(line[1]);
  return null;
}

// ---- the pod as the containers see it ----

function findObject(objects, kind, name) {
  return objects.find((o) => o?.kind === kind && o?.metadata?.name === name);
}

// Which volume, object and key a file path inside a container comes from.
function resolveFile(objects, podSpec, container, file) {
  const mounts = [...(container.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const mount of mounts) {
    let key = null;
    if (mount.subPath) {
      if (file !== mount.mountPath) continue;
      key = mount.subPath;
    } else {
      const dir = mount.mountPath.replace(/\/+$/, "");
      if (!file.startsWith(`${dir}/`)) continue;
      key = file.slice(dir.length + 1);
    }
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    if (!volume) return { error: `volumeMount ${mount.name} names no volume` };
    const kind = volume.configMap ? "ConfigMap" : volume.secret ? "Secret" : null;
    if (!kind) return { mount, volume, kind: Object.keys(volume).find((k) => k !== "name"), key };
    const source = volume.configMap ?? volume.secret;
    const name = source.name ?? source.secretName;
    const items = source.items;
    if (items) {
      const item = items.find((i) => i.path === key);
      if (!item) return { error: `${file}: ${kind} volume ${mount.name} has no item with path ${key}` };
      key = item.key;
    }
    const obj = findObject(objects, kind, name);
    if (!obj) return { error: `${file}: ${kind} ${name} (volume ${mount.name}) is not in the rendered output` };
    const data = { ...(obj.data ?? {}), ...(obj.binaryData ?? {}), ...(obj.stringData ?? {}) };
    if (!(key in data)) return { error: `${file}: ${kind} ${name} has no key ${key} (keys: ${Object.keys(data).join(", ")})` };
    return { mount, volume, kind, object: obj, key };
  }
  return { error: `${file} is on no volume mounted in container ${container.name}` };
}

function configMapText(obj, key) {
  return obj.data?.[key] ?? (obj.binaryData?.[key] ? Buffer.from(obj.binaryData[key], "base64").toString() : null);
}

// What a broker container listens on, where its config says so: mosquitto.conf `listener PORT
// [ADDRESS]` lines in mounted ConfigMaps, EMQX `EMQX_LISTENERS__<TYPE>__<NAME>__BIND` variables.
function brokerListeners(objects, podSpec, container) {
  const listeners = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (podSpec.volumes ?? []).find((v) => v.name === mount.name);
    const cm = volume?.configMap && findObject(objects, "ConfigMap", volume.configMap.name);
    for (const [key, text] of Object.entries(cm?.data ?? {})) {
      if (!key.endsWith(".conf")) continue;
      for (const line of text.split("\n")) {
        const m = /^\s*listener\s+(\d+)(?:\s+(\S+))?\s*$/.exec(line);
        if (m) listeners.push({ type: "tcp", port: Number(m[1]), host: m[2] ?? null, from: `${cm.metadata.name}/${key}` });
      }
    }
  }
  const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
  const emqx = new Map();
  for (const [name, value] of Object.entries(env)) {
    const m = /^EMQX_LISTENERS__([A-Z]+)__([A-Z0-9_]+?)__(BIND|ENABLE|ENABLED)$/.exec(name);
    if (!m) continue;
    const id = `${m[1]}/${m[2]}`;
    const l = emqx.get(id) ?? { type: m[1].toLowerCase(), name: m[2].toLowerCase() };
    if (m[3] === "BIND") l.bind = value;
    else l.enable = String(value).toLowerCase() === "true";
    emqx.set(id, l);
  }
  const emqxDefaults = { tcp: 1883, ssl: 8883, ws: 8083, wss: 8084, quic: 14567 };
  for (const l of emqx.values()) {
    if (l.enable === false) continue;
    if (l.type === "quic" && l.enable !== true) continue; // off unless enabled (EMQX 5)
    const addr = l.bind ? parseAddress(l.bind) : { host: null, port: emqxDefaults[l.type] };
    if (addr) listeners.push({ type: l.type, port: addr.port, host: addr.host, from: `env ${l.type}.${l.name}` });
  }
  return listeners;
}

// Everything the checks look at, from the rendered objects; null when the layout is wrong.
function podContext(objects, findings) {
  const deployments = objects.filter((o) => o?.kind === "Deployment");
  if (deployments.length !== 1) {
    findings.fail("layout", `expected one Deployment, found ${deployments.length}`);
    return null;
  }
  const deployment = deployments[0];
  const template = deployment.spec?.template ?? {};
  const podSpec = template.spec ?? {};
  const containers = podSpec.containers ?? [];
  const gateway = containers.find((c) => c.name === GATEWAY_CONTAINER);
  if (!gateway) {
    findings.fail("layout", `no container named ${GATEWAY_CONTAINER} in Deployment ${deployment.metadata?.name}`);
    return null;
  }
  const brokers = containers.filter((c) => c !== gateway);
  if (brokers.length === 0) findings.fail("layout", "no broker container beside the gateway (use an overlay)");
  const ctx = { objects, deployment, template, podSpec, gateway, brokers, labels: template.metadata?.labels ?? {} };

  ctx.configPath = configArg(gateway);
  if (!ctx.configPath) {
    findings.fail("config-mount", `container ${GATEWAY_CONTAINER} has no -c FILE argument`);
    return ctx;
  }
  const cfg = resolveFile(objects, podSpec, gateway, ctx.configPath);
  if (cfg.error || cfg.kind !== "ConfigMap") {
    findings.fail("config-mount", `-c ${ctx.configPath}: ${cfg.error ?? `comes from a ${cfg.kind} volume, not a ConfigMap`}`);
    return ctx;
  }
  if (!cfg.mount.readOnly) findings.fail("config-mount", `-c ${ctx.configPath}: volumeMount ${cfg.mount.name} is not readOnly`);
  ctx.configSource = cfg;
  ctx.configText = configMapText(cfg.object, cfg.key);
  try {
    ctx.gw = YAML.parse(ctx.configText) ?? {};
  } catch (e) {
    findings.fail("gw-yaml", `${cfg.object.metadata.name}/${cfg.key}: ${e.message}`);
    return ctx;
  }
  const gw = ctx.gw;
  const listeners = gw.listeners ?? {};
  const address = (a, key) => {
    const p = parseAddress(a);
    if (!p) findings.fail("gw-yaml", `${key}: cannot read address ${JSON.stringify(a)}`);
    return p;
  };
  ctx.quic = listeners.quic ? address(listeners.quic.address ?? DEFAULT_QUIC_ADDRESS, "listeners.quic.address") : null;
  ctx.tcp = listeners.tcp ? address(listeners.tcp.address, "listeners.tcp.address") : null;
  ctx.admin = gw.admin ? address(gw.admin.address, "admin.address") : null;
  ctx.upstream = gw.upstream ? address(gw.upstream.address, "upstream.address") : null;
  ctx.drainMs = parseDurationMs(gw.drain_timeout ?? DEFAULT_DRAIN);
  if (ctx.drainMs === null) findings.fail("gw-yaml", `drain_timeout: cannot read ${JSON.stringify(gw.drain_timeout)}`);
  ctx.maxConnections = Number(gw.limits?.max_connections ?? DEFAULT_MAX_CONNECTIONS);
  ctx.configDir = path.posix.dirname(ctx.configPath);
  return ctx;
}

// ---- the checks: each adds findings; a check that adds none has passed ----

const checks = {
  "deployment selector matches the pod labels"(ctx, f) {
    const sel = ctx.deployment.spec?.selector ?? {};
    if (sel.matchExpressions?.length) f.fail("deployment-selector", "selector.matchExpressions is not checked here; use matchLabels");
    if (!labelsMatch(sel.matchLabels, ctx.labels)) {
      f.fail("deployment-selector", `Deployment selector ${JSON.stringify(sel.matchLabels ?? {})} does not match pod labels ${JSON.stringify(ctx.labels)}`);
    }
  },

  "one replica per broker"(ctx, f) {
    const replicas = ctx.deployment.spec?.replicas ?? 1;
    if (replicas > 1) {
      f.fail("replicas", `replicas ${replicas}: each pod is its own broker, and QUIC clients need routing that keeps them on one pod (docs/kubernetes.md, scaling out)`);
    }
  },

  "Service and NetworkPolicy selectors match the pod labels"(ctx, f) {
    for (const svc of ctx.objects.filter((o) => o?.kind === "Service")) {
      if (!labelsMatch(svc.spec?.selector, ctx.labels)) {
        f.fail("service-selector", `Service ${svc.metadata.name} selector ${JSON.stringify(svc.spec?.selector ?? {})} does not match pod labels ${JSON.stringify(ctx.labels)}`);
      }
    }
    for (const np of ctx.objects.filter((o) => o?.kind === "NetworkPolicy")) {
      if (!labelsMatch(np.spec?.podSelector?.matchLabels, ctx.labels)) {
        f.fail("netpol-selector", `NetworkPolicy ${np.metadata.name} podSelector does not match pod labels ${JSON.stringify(ctx.labels)}`);
      }
    }
  },

  "container ports are unique in the pod"(ctx, f) {
    const seen = new Map();
    for (const c of ctx.podSpec.containers ?? []) {
      const names = new Set();
      for (const p of c.ports ?? []) {
        const id = `${p.containerPort}/${protocolOf(p)}`;
        if (seen.has(id)) f.fail("port-clash", `${id} is declared by containers ${seen.get(id)} and ${c.name}: one network namespace per pod`);
        seen.set(id, c.name);
        if (p.name && names.has(p.name)) f.fail("port-clash", `container ${c.name}: port name ${p.name} used twice`);
        names.add(p.name);
      }
    }
    for (const broker of ctx.brokers) {
      for (const l of brokerListeners(ctx.objects, ctx.podSpec, broker)) {
        if (l.type === "quic" && ctx.quic && l.port === ctx.quic.port) {
          f.fail("port-clash", `container ${broker.name} listens on UDP ${l.port} (${l.from}), the gateway's QUIC port`);
        }
      }
    }
  },

  "probes use declared ports; the gateway's use the admin port and paths it serves"(ctx, f) {
    for (const c of ctx.podSpec.containers ?? []) {
      for (const kind of PROBES) {
        const probe = c[kind];
        if (!probe) continue;
        const action = probe.httpGet ?? probe.tcpSocket ?? probe.grpc;
        if (!action) continue;
        const port = containerPort(c, action.port);
        if (!port) f.fail("probe-port", `container ${c.name} ${kind}: port ${action.port} is not a containerPort of ${c.name}`);
        else if (protocolOf(port) !== "TCP") f.fail("probe-port", `container ${c.name} ${kind}: port ${action.port} is ${protocolOf(port)}`);
      }
    }
    const gw = ctx.gateway;
    for (const kind of ["livenessProbe", "readinessProbe"]) {
      if (!gw[kind]) f.fail("probe-path", `container ${gw.name} has no ${kind}`);
    }
    for (const kind of PROBES) {
      const probe = gw[kind];
      if (!probe) continue;
      if (!probe.httpGet) {
        f.fail("probe-path", `container ${gw.name} ${kind}: must be httpGet on the admin port (${PROBE_PATHS[kind].join(" or ")})`);
        continue;
      }
      const path_ = probe.httpGet.path ?? "/";
      if (!PROBE_PATHS[kind].includes(path_)) {
        f.fail("probe-path", `container ${gw.name} ${kind}: path ${path_} (expected ${PROBE_PATHS[kind].join(" or ")})`);
      }
      const port = containerPort(gw, probe.httpGet.port);
      if (!ctx.admin) f.fail("admin-port", `container ${gw.name} ${kind}: gw.yaml has no admin.address to probe`);
      else if (port && port.containerPort !== ctx.admin.port) {
        f.fail("admin-port", `container ${gw.name} ${kind}: port ${probe.httpGet.port} (${port.containerPort}) is not admin.address port ${ctx.admin.port}`);
      }
    }
    if (ctx.admin && isLoopback(ctx.admin.host)) {
      f.fail("admin-port", `admin.address ${ctx.admin.host}: the kubelet probes the pod's IP, not its loopback`);
    }
  },

  "broker probes can reach the broker"(ctx, f) {
    for (const broker of ctx.brokers) {
      if (!broker.livenessProbe) f.fail("broker-probe", `container ${broker.name} has no livenessProbe`);
      const loopbackOnly = new Set(brokerListeners(ctx.objects, ctx.podSpec, broker)
        .filter((l) => isLoopback(l.host)).map((l) => l.port));
      for (const kind of PROBES) {
        const action = broker[kind]?.httpGet ?? broker[kind]?.tcpSocket;
        const port = action && containerPort(broker, action.port);
        if (port && loopbackOnly.has(port.containerPort)) {
          f.fail("broker-probe", `container ${broker.name} ${kind}: port ${port.containerPort} listens on loopback only, which the kubelet cannot reach (probe with exec)`);
        }
      }
    }
  },

  "gateway listener ports = its containerPorts"(ctx, f) {
    const want = [];
    if (ctx.quic) want.push({ port: ctx.quic.port, protocol: "UDP", key: "listeners.quic.address" });
    if (ctx.tcp) want.push({ port: ctx.tcp.port, protocol: "TCP", key: "listeners.tcp.address" });
    if (ctx.admin) want.push({ port: ctx.admin.port, protocol: "TCP", key: "admin.address" });
    const ports = ctx.gateway.ports ?? [];
    for (const w of want) {
      if (!ports.some((p) => p.containerPort === w.port && protocolOf(p) === w.protocol)) {
        f.fail("listener-port", `gw.yaml ${w.key} port ${w.port}/${w.protocol} is not a containerPort of ${GATEWAY_CONTAINER}`);
      }
    }
    for (const p of ports) {
      if (!want.some((w) => w.port === p.containerPort && w.protocol === protocolOf(p))) {
        f.fail("listener-port", `containerPort ${p.name ?? ""} ${p.containerPort}/${protocolOf(p)} of ${GATEWAY_CONTAINER} is not a port in gw.yaml`);
      }
    }
  },

  "Services expose the listeners, with the right protocol, and only them"(ctx, f) {
    const exposed = new Set();
    for (const svc of ctx.objects.filter((o) => o?.kind === "Service")) {
      const name = `Service ${svc.metadata.name}`;
      const protocols = new Set((svc.spec?.ports ?? []).map(protocolOf));
      const type = svc.spec?.type ?? "ClusterIP";
      if (type === "LoadBalancer" && protocols.size > 1) {
        f.fail("service-port", `${name}: a LoadBalancer mixing ${[...protocols].join(" and ")} (many cloud balancers cannot); use one Service per protocol`);
      }
      if ((type === "LoadBalancer" || type === "NodePort") && svc.spec?.externalTrafficPolicy !== "Local") {
        f.fail("traffic-policy", `${name}: externalTrafficPolicy must be Local, or the gateway sees a node's address instead of the client's`);
      }
      for (const sp of svc.spec?.ports ?? []) {
        const target = sp.targetPort ?? sp.port;
        const port = containerPort(ctx.gateway, target);
        const broker = ctx.brokers.find((b) => containerPort(b, target));
        if (!port) {
          f.fail(broker ? "service-exposure" : "service-port",
            `${name} port ${sp.name ?? sp.port}: targetPort ${target} is ${broker ? `container ${broker.name}'s port: the broker is reached through the gateway only` : `not a port of ${GATEWAY_CONTAINER}`}`);
          continue;
        }
        if (protocolOf(port) !== protocolOf(sp)) {
          f.fail("service-port", `${name} port ${sp.name ?? sp.port}: protocol ${protocolOf(sp)}, but targetPort ${target} is ${protocolOf(port)}`);
          continue;
        }
        if (ctx.admin && port.containerPort === ctx.admin.port) {
          f.fail("service-exposure", `${name} exposes the admin port ${ctx.admin.port} (/connections lists clients): Prometheus scrapes the pod`);
          continue;
        }
        exposed.add(`${port.containerPort}/${protocolOf(port)}`);
      }
    }
    if (ctx.quic && !exposed.has(`${ctx.quic.port}/UDP`)) f.fail("service-port", `no Service exposes the QUIC listener ${ctx.quic.port}/UDP`);
    if (ctx.tcp && !exposed.has(`${ctx.tcp.port}/TCP`)) f.fail("service-port", `no Service exposes the TCP listener ${ctx.tcp.port}/TCP`);
  },

  "NetworkPolicy admits exactly the gateway's ports"(ctx, f) {
    const pods = ctx.podSpec.containers ?? [];
    for (const np of ctx.objects.filter((o) => o?.kind === "NetworkPolicy")) {
      const allowed = new Set();
      for (const rule of np.spec?.ingress ?? []) {
        if (!rule.ports) f.fail("netpol-port", `NetworkPolicy ${np.metadata.name}: an ingress rule without ports admits every port, the broker's included`);
        for (const p of rule.ports ?? []) {
          let number = p.port;
          if (typeof p.port === "string") {
            const c = pods.find((c) => containerPort(c, p.port));
            number = c ? containerPort(c, p.port).containerPort : null;
            if (number === null) f.fail("netpol-port", `NetworkPolicy ${np.metadata.name}: port name ${p.port} is no containerPort in the pod`);
          }
          if (number !== null) allowed.add(`${number}/${p.protocol ?? "TCP"}`);
        }
      }
      const want = new Set([ctx.quic && `${ctx.quic.port}/UDP`, ctx.tcp && `${ctx.tcp.port}/TCP`, ctx.admin && `${ctx.admin.port}/TCP`].filter(Boolean));
      for (const w of want) if (!allowed.has(w)) f.fail("netpol-port", `NetworkPolicy ${np.metadata.name} does not admit ${w}, a gateway port`);
      for (const a of allowed) if (!want.has(a)) f.fail("netpol-port", `NetworkPolicy ${np.metadata.name} admits ${a}, which is not a gateway port`);
    }
  },

  "TLS files in gw.yaml come from the mounted TLS Secret"(ctx, f) {
    const quic = ctx.gw?.listeners?.quic;
    if (!quic) return;
    for (const [field, wantKey] of [["cert", "tls.crt"], ["key", "tls.key"]]) {
      const value = quic[field];
      if (typeof value !== "string") {
        f.fail("tls-mount", `listeners.quic.${field} is not set`);
        continue;
      }
      const file = path.posix.resolve(ctx.configDir, value);
      const r = resolveFile(ctx.objects, ctx.podSpec, ctx.gateway, file);
      if (r.error) {
        f.fail("tls-mount", `listeners.quic.${field} ${value}: ${r.error}`);
        continue;
      }
      if (r.kind !== "Secret") f.fail("tls-mount", `listeners.quic.${field} ${value} comes from a ${r.kind} volume, not the TLS Secret`);
      else if (r.object.type !== "kubernetes.io/tls") f.fail("tls-mount", `Secret ${r.object.metadata.name} is of type ${r.object.type}, not kubernetes.io/tls`);
      else if (r.key !== wantKey) f.fail("tls-mount", `listeners.quic.${field} ${value} is the Secret's ${r.key}, expected ${wantKey}`);
      if (!r.mount.readOnly) f.fail("tls-mount", `volumeMount ${r.mount.name} (TLS) is not readOnly`);
      // The kubelet never updates a subPath mount: a renewed Secret would not reach the gateway's
      // certificate re-read (listeners.quic.cert_reload_interval).
      if (r.mount.subPath) f.fail("tls-mount", `volumeMount ${r.mount.name} (TLS) uses subPath: the kubelet would never update its files on rotation`);
    }
  },

  "stop budget: terminationGracePeriodSeconds and the broker's preStop wait cover the drain"(ctx, f) {
    if (ctx.drainMs === null || ctx.drainMs === undefined) return;
    const budget = Math.ceil(ctx.drainMs / 1000) + STOP_EXTRA_S;
    const grace = ctx.podSpec.terminationGracePeriodSeconds ?? 30;
    if (grace < budget) {
      f.fail("grace-period", `terminationGracePeriodSeconds ${grace} < drain_timeout ${ctx.drainMs / 1000} s + ${STOP_EXTRA_S} s (docs/operations.md)`);
    }
    for (const broker of ctx.brokers) {
      const wait = preStopSeconds(broker);
      if (wait === null) {
        f.fail("broker-prestop", `container ${broker.name}: no preStop wait (exec sleep N or sleep action); the broker would stop while the gateway drains`);
        continue;
      }
      if (wait < budget) f.fail("broker-prestop", `container ${broker.name}: preStop waits ${wait} s < drain_timeout + ${STOP_EXTRA_S} s = ${budget} s`);
      if (grace < wait + BROKER_STOP_S) {
        f.fail("grace-period", `terminationGracePeriodSeconds ${grace} leaves container ${broker.name} < ${BROKER_STOP_S} s to stop after its ${wait} s preStop wait`);
      }
    }
  },

  "upstream is the broker in the pod"(ctx, f) {
    if (!ctx.upstream) {
      f.fail("upstream", "gw.yaml has no upstream.address");
      return;
    }
    const { host, port } = ctx.upstream;
    if (!isLoopback(host)) f.fail("upstream", `upstream.address ${host}:${port} is not the pod's loopback, where the broker beside the gateway listens`);
    const declared = ctx.brokers.filter((b) => (b.ports ?? []).some((p) => p.containerPort === port && protocolOf(p) === "TCP"));
    if (declared.length === 0) f.fail("upstream", `upstream.address port ${port} is not a TCP containerPort of a broker container`);
    for (const b of declared) {
      const tcp = brokerListeners(ctx.objects, ctx.podSpec, b).filter((l) => l.type === "tcp");
      if (tcp.length > 0 && !tcp.some((l) => l.port === port)) {
        f.fail("upstream", `container ${b.name} listens on ${tcp.map((l) => `${l.port} (${l.from})`).join(", ")}, not on upstream port ${port}`);
      }
    }
  },

  "security contexts"(ctx, f) {
    const pod = ctx.podSpec.securityContext ?? {};
    if (ctx.podSpec.hostNetwork || ctx.podSpec.hostPID || ctx.podSpec.hostIPC) f.fail("security-context", "the pod shares a host namespace");
    for (const c of ctx.podSpec.containers ?? []) {
      const sc = c.securityContext ?? {};
      const eff = (k) => sc[k] ?? pod[k];
      const where = `container ${c.name}`;
      if (eff("runAsNonRoot") !== true) f.fail("security-context", `${where}: runAsNonRoot is not true`);
      const uid = eff("runAsUser");
      if (uid === undefined || uid === 0) f.fail("security-context", `${where}: runAsUser ${uid ?? "unset"} (a numeric non-root user is needed)`);
      if (sc.privileged) f.fail("security-context", `${where}: privileged`);
      if (sc.allowPrivilegeEscalation !== false) f.fail("security-context", `${where}: allowPrivilegeEscalation is not false`);
      if (!(sc.capabilities?.drop ?? []).includes("ALL")) f.fail("security-context", `${where}: capabilities.drop lacks ALL`);
      if ((sc.capabilities?.add ?? []).length) f.fail("security-context", `${where}: adds capabilities ${sc.capabilities.add.join(", ")}`);
      if (eff("seccompProfile")?.type !== "RuntimeDefault") f.fail("security-context", `${where}: seccompProfile is not RuntimeDefault`);
      if (c === ctx.gateway) {
        if (uid !== GATEWAY_UID || eff("runAsGroup") !== GATEWAY_UID) {
          f.fail("security-context", `${where}: runAsUser/runAsGroup ${uid}/${eff("runAsGroup")}, the image's user is ${GATEWAY_UID}:${GATEWAY_UID}`);
        }
        if (sc.readOnlyRootFilesystem !== true) f.fail("security-context", `${where}: readOnlyRootFilesystem is not true`);
      }
    }
  },

  "resources: requests, memory limits, the gateway's sized for limits.max_connections"(ctx, f) {
    for (const c of ctx.podSpec.containers ?? []) {
      const r = c.resources ?? {};
      for (const k of ["cpu", "memory"]) if (r.requests?.[k] === undefined) f.fail("resources", `container ${c.name}: no requests.${k}`);
      if (r.limits?.memory === undefined) f.fail("resources", `container ${c.name}: no limits.memory`);
    }
    const limit = parseBytes(ctx.gateway.resources?.limits?.memory);
    const need = ctx.maxConnections * RSS_PER_CONNECTION;
    if (limit !== null && limit < need) {
      f.fail("resources", `${GATEWAY_CONTAINER} limits.memory ${ctx.gateway.resources.limits.memory} < limits.max_connections ${ctx.maxConnections} x ${RSS_PER_CONNECTION / 1000} kB = ${(need / 2 ** 20).toFixed(0)} MiB (docs/operations.md, sizing)`);
    }
  },

  "metrics: Prometheus annotations name the admin port"(ctx, f) {
    const a = ctx.template.metadata?.annotations ?? {};
    if (a["prometheus.io/scrape"] !== "true") f.fail("metrics", "pod annotation prometheus.io/scrape is not \"true\"");
    if (ctx.admin && a["prometheus.io/port"] !== String(ctx.admin.port)) {
      f.fail("metrics", `pod annotation prometheus.io/port ${a["prometheus.io/port"]} is not admin.address port ${ctx.admin.port}`);
    }
    if ((a["prometheus.io/path"] ?? "/metrics") !== "/metrics") f.fail("metrics", `prometheus.io/path ${a["prometheus.io/path"]} (the gateway serves /metrics)`);
  },

  "gateway image and writable paths"(ctx, f) {
    const image = ctx.gateway.image ?? "";
    const repo = image.split("@")[0].replace(/:[^/:]+$/, "").split("/").pop();
    if (repo !== GATEWAY_IMAGE) f.fail("image", `container ${GATEWAY_CONTAINER} image ${image} is not a ${GATEWAY_IMAGE} image`);
    for (const [name, h] of Object.entries(ctx.gw?.handlers ?? {})) {
      if (h?.type !== "file" || typeof h.path !== "string") continue;
      const file = path.posix.resolve(ctx.configDir, h.path);
      const mount = (ctx.gateway.volumeMounts ?? []).find((m) => !m.subPath && file.startsWith(`${m.mountPath.replace(/\/+$/, "")}/`));
      const volume = mount && (ctx.podSpec.volumes ?? []).find((v) => v.name === mount.name);
      if (!volume || mount.readOnly || !(volume.emptyDir || volume.persistentVolumeClaim)) {
        f.fail("writable", `handlers.${name}.path ${h.path}: not on a writable emptyDir or PVC mount (the root filesystem is read-only)`);
      }
    }
  },
};

// Writes the files the gateway container would see under `root` (its ConfigMap and Secret
// volumes), points gw.yaml's absolute file paths there, and runs `mqttd-gw --check-config`.
function checkConfigWithGateway(ctx, f, gatewayBinary, scratch) {
  if (!ctx.configSource || !ctx.gw) return;
  const root = fs.mkdtempSync(path.join(scratch, "pod-"));
  try {
    for (const mount of ctx.gateway.volumeMounts ?? []) {
      const volume = (ctx.podSpec.volumes ?? []).find((v) => v.name === mount.name);
      const source = volume?.configMap ?? volume?.secret;
      if (!source) {
        fs.mkdirSync(path.join(root, mount.mountPath), { recursive: true });
        continue;
      }
      const obj = findObject(ctx.objects, volume.configMap ? "ConfigMap" : "Secret", source.name ?? source.secretName);
      if (!obj) continue; // reported by the mount checks
      const decode = (v, b64) => (b64 ? Buffer.from(v, "base64") : Buffer.from(v));
      const files = new Map();
      for (const [k, v] of Object.entries(obj.data ?? {})) files.set(k, decode(v, obj.kind === "Secret"));
      for (const [k, v] of Object.entries(obj.binaryData ?? {})) files.set(k, decode(v, true));
      for (const [k, v] of Object.entries(obj.stringData ?? {})) files.set(k, decode(v, false));
      const entries = source.items ? source.items.map((i) => [i.path, files.get(i.key)]) : [...files];
      for (const [rel, content] of entries) {
        if (content === undefined) continue;
        if (mount.subPath && rel !== mount.subPath) continue;
        const dest = path.join(root, mount.subPath ? mount.mountPath : path.posix.join(mount.mountPath, rel));
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        fs.writeFileSync(dest, content);
      }
    }
    // Re-root absolute paths in place, so line:column in the gateway's errors stay right.
    const doc = YAML.parseDocument(ctx.configText);
    const edits = [];
    const reroot = (keyPath) => {
      const node = doc.getIn(keyPath, true);
      if (node && typeof node.value === "string" && node.value.startsWith("/") && node.range) {
        edits.push({ from: node.range[0], to: node.range[1], text: JSON.stringify(path.join(root, node.value)) });
      }
    };
    reroot(["listeners", "quic", "cert"]);
    reroot(["listeners", "quic", "key"]);
    reroot(["listeners", "quic", "ticket_key_file"]);
    for (const name of Object.keys(ctx.gw.handlers ?? {})) {
      reroot(["handlers", name, "path"]);
      reroot(["handlers", name, "command", 0]);
    }
    let text = ctx.configText;
    for (const e of edits.sort((a, b) => b.from - a.from)) text = text.slice(0, e.from) + e.text + text.slice(e.to);
    const file = path.join(root, ctx.configPath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    const run = spawnSync(gatewayBinary, ["--check-config", "-c", file], { encoding: "utf8", timeout: 30_000 });
    if (run.status !== 0) {
      const out = `${run.stderr ?? ""}${run.stdout ?? ""}${run.error ? run.error.message : ""}`.split(root).join("").trim();
      f.fail("check-config", `mqttd-gw --check-config on the rendered gw.yaml failed (status ${run.status}):\n    ${out.replace(/\n/g, "\n    ")}`);
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

// All consistency checks on one rendered overlay; adds to `findings`.
export function checkConsistency(objects, findings, { gatewayBinary, scratch }) {
  const ctx = podContext(objects, findings);
  if (!ctx) return;
  for (const [name, check] of Object.entries(checks)) {
    const before = findings.errors.length;
    check(ctx, findings);
    if (findings.errors.length === before) findings.passed.push(name);
  }
  const before = findings.errors.length;
  checkConfigWithGateway(ctx, findings, gatewayBinary, scratch);
  if (findings.errors.length === before && ctx.gw) findings.passed.push("mqttd-gw --check-config");
}
