// Schema checks of rendered Kubernetes objects, without a cluster:
//  - kubernetes-models: each object built with its model class and validate()d (JSON schema of
//    the Kubernetes OpenAPI: types, enums, required fields);
//  - strict unknown-field check: the objects walked recursively against the models generated
//    for @kubernetes/client-node, failing on any field the API does not define (the API server
//    drops or rejects those; a misspelt `contianers` is otherwise silent). Its root import pulls
//    in an HTTP client that does not load on Node 20, so the generated models are imported
//    directly.
import * as clientModels from "@kubernetes/client-node/dist/gen/models/all.js";

// Field types in the models' attributeTypeMap that are not model classes.
const SCALARS = {
  string: (v) => typeof v === "string",
  number: (v) => typeof v === "number",
  boolean: (v) => typeof v === "boolean",
  Date: (v) => typeof v === "string",
  V1MicroTime: (v) => typeof v === "string",
  IntOrString: (v) => typeof v === "string" || Number.isInteger(v),
  any: () => true,
};

// resource.Quantity is typed string in the models, but the API takes `cpu: 1` as well.
const QUANTITY_PATH = /\.resources\.(limits|requests)\.[^.]+$|\.(sizeLimit|overhead\.[^.]+)$/;

function capitalize(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// apps/v1 + Deployment -> V1Deployment; v1 + Event -> CoreV1Event (group-qualified names first).
function clientModelFor(apiVersion, kind) {
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
  const groupName = capitalize(group.split(".")[0]);
  for (const name of [`${groupName}${capitalize(version)}${kind}`, `${capitalize(version)}${kind}`]) {
    const model = clientModels[name];
    if (model && typeof model.getAttributeTypeMap === "function") return name;
  }
  return null;
}

function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function suggestion(key, names) {
  let best = null;
  for (const name of names) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { name, d };
  }
  return best ? ` (did you mean '${best.name}'?)` : "";
}

function isPlainObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function walk(value, type, where, findings) {
  if (value === null || value === undefined) return; // null is "unset" for the API
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (!Array.isArray(value)) return findings.fail("field-type", `${where}: expected a list, got ${typeof value}`);
    value.forEach((item, i) => walk(item, array[1], `${where}[${i}]`, findings));
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (!isPlainObject(value)) return findings.fail("field-type", `${where}: expected a map, got ${typeof value}`);
    for (const [k, v] of Object.entries(value)) walk(v, map[1], `${where}.${k}`, findings);
    return;
  }
  if (type in SCALARS) {
    if (SCALARS[type](value)) return;
    if (type === "string" && typeof value === "number" && QUANTITY_PATH.test(where)) return;
    return findings.fail("field-type", `${where}: expected ${type}, got ${JSON.stringify(value)}`);
  }
  const model = clientModels[type];
  if (!model || typeof model.getAttributeTypeMap !== "function") {
    return findings.fail("field-type", `${where}: no model for type ${type} (validator bug)`);
  }
  if (!isPlainObject(value)) return findings.fail("field-type", `${where}: expected an object (${type}), got ${JSON.stringify(value)}`);
  // baseName is the JSON name; name is the TypeScript property (they differ, e.g. `_ref`).
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [key, v] of Object.entries(value)) {
    if (!fields.has(key)) {
      findings.fail("unknown-field", `${where}.${key}: not a field of ${type}${suggestion(key, fields.keys())}`);
      continue;
    }
    walk(v, fields.get(key), `${where}.${key}`, findings);
  }
}

// kubernetes-models classes, by apiVersion/kind (import paths follow the API group).
const modelClasses = new Map();
async function kubernetesModel(apiVersion, kind) {
  const id = `${apiVersion}/${kind}`;
  if (!modelClasses.has(id)) {
    let cls = null;
    try {
      cls = (await import(`kubernetes-models/${apiVersion}/${kind}`))[kind] ?? null;
    } catch {
      cls = null;
    }
    modelClasses.set(id, cls);
  }
  return modelClasses.get(id);
}

export function objectName(obj) {
  return `${obj?.kind ?? "?"}/${obj?.metadata?.name ?? "?"}`;
}

// Both checks on every object; findings get tags "schema", "unknown-field", "field-type".
export async function checkSchemas(objects, findings) {
  for (const obj of objects) {
    const name = objectName(obj);
    if (!isPlainObject(obj) || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
      findings.fail("schema", `${name}: not a Kubernetes object (apiVersion and kind needed)`);
      continue;
    }
    const cls = await kubernetesModel(obj.apiVersion, obj.kind);
    if (!cls) {
      findings.fail("schema", `${name}: no kubernetes-models class for ${obj.apiVersion} ${obj.kind}`);
    } else {
      try {
        new cls(structuredClone(obj)).validate();
      } catch (e) {
        findings.fail("schema", `${name}: ${e.message}`);
      }
    }
    const model = clientModelFor(obj.apiVersion, obj.kind);
    if (!model) findings.fail("unknown-field", `${name}: no client-node model for ${obj.apiVersion} ${obj.kind}`);
    else walk(obj, model, name, findings);
  }
}
