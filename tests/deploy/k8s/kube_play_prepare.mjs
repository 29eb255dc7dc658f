// Turns a rendered overlay into what `podman kube play` (4.3) can run here, changing only what
// podman cannot take (tests/deploy/kube_play_test.sh):
//   node kube_play_prepare.mjs RENDERED.yaml CONTAINER=IMAGE... > play.yaml
// - each named container gets the local image given (no registry here);
// - the TLS Secret becomes a ConfigMap with the same keys, and its volume a configMap volume:
//   podman 4.3.1's kube play panics on secret volumes (nil pointer in VolumeFromSecret);
// - Services and NetworkPolicies are left out: podman has no Service proxy or policy; the test
//   talks to the pod's own address, as a Service would.
// The Deployment, its probes, security contexts, mounts, args and the gw.yaml ConfigMap stay as
// rendered.
import fs from "node:fs";
import YAML from "yaml";

const [rendered, ...pairs] = process.argv.slice(2);
const images = Object.fromEntries(pairs.map((p) => p.split("=")));
const out = [];
for (const doc of YAML.parseAllDocuments(fs.readFileSync(rendered, "utf8"), { version: "1.1" })) {
  const obj = doc.toJS();
  if (!obj) continue;
  if (obj.kind === "Service" || obj.kind === "NetworkPolicy") continue;
  if (obj.kind === "Secret") {
    const data = Object.fromEntries(Object.entries(obj.data ?? {}).map(
      ([k, v]) => [k, Buffer.from(v.replace(/\s/g, ""), "base64").toString("utf8")]));
    out.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: obj.metadata.name }, data });
    continue;
  }
  if (obj.kind === "Deployment") {
    const pod = obj.spec.template.spec;
    for (const c of pod.containers) {
      if (!(c.name in images)) throw new Error(`no local image given for container ${c.name}`);
      c.image = images[c.name];
      c.imagePullPolicy = "IfNotPresent";
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret) {
        v.configMap = { name: v.secret.secretName, defaultMode: v.secret.defaultMode };
        delete v.secret;
      }
    }
  }
  out.push(obj);
}
process.stdout.write(out.map((o) => YAML.stringify(o)).join("---\n"));
