// Validates Kubernetes objects against Kubernetes' published OpenAPI schema (the
// kubernetes-models package): `node validate.mjs FILE...`, each file one JSON object, a List of
// them ({"items": [...]}), or a YAML stream of them (what `kubectl kustomize` prints). Prints one
// line per object; exits 1 when any is invalid.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const kinds = {
  "batch/v1/Job": "kubernetes-models/batch/v1/Job",
  "v1/Pod": "kubernetes-models/v1/Pod",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/ServiceAccount": "kubernetes-models/v1/ServiceAccount",
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "rbac.authorization.k8s.io/v1/Role": "kubernetes-models/rbac.authorization.k8s.io/v1/Role",
  "rbac.authorization.k8s.io/v1/RoleBinding": "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding",
};

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const objects = file.endsWith(".json")
    ? (({ items, ...one }) => items ?? [one])(JSON.parse(text))
    : parseAllDocuments(text).map((document) => document.toJSON()).filter((object) => object);
  for (const object of objects) {
    const kind = `${object.apiVersion}/${object.kind}`;
    const module = kinds[kind];
    if (!module) {
      console.log(`${file}: ${kind} ${object.metadata?.name}: no schema known here`);
      failed = true;
      continue;
    }
    const { [object.kind]: Model } = await import(module);
    try {
      new Model(object).validate();
      console.log(`${file}: ${kind} ${object.metadata?.name}: valid`);
    } catch (error) {
      console.log(`${file}: ${kind} ${object.metadata?.name}: INVALID: ${error.message}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
