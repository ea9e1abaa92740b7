#!/usr/bin/env bash
# Proves the published package works for another app: `npm pack`s the repo, installs the tarball in
# a temporary consumer project beside the same cdk8s, cdk8s-plus-27 and constructs versions,
# type-checks the consumer (test/fixtures/consumer/) with strict tsc against the installed
# declarations, compiles and runs it, and checks that it synthesized a Deployment, a StatefulSet
# and a DaemonSet. Then installs examples/consumer (its own package.json) from the same tarball and
# synthesizes its two environments, and a failing selection. Last line on success:
# "check-pack: OK". KEEP_PACK_DIR=1 keeps the temp folder.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
fixture="$root/test/fixtures/consumer"
tsc="$root/node_modules/typescript/bin/tsc"
work=$(mktemp -d "${TMPDIR:-/tmp}/check-pack.XXXXXX")
if [ "${KEEP_PACK_DIR:-}" = 1 ]; then
  echo "check-pack: keeping $work"
else
  trap 'rm -rf "$work"' EXIT
fi
step() { echo "check-pack: $*"; }
fail() { echo "check-pack: FAILED: $*" >&2; exit 1; }

# 1. Pack (npm runs `prepare`, i.e. tsc) and check that the tarball holds the library only.
step "npm pack"
(cd "$root" && npm pack --pack-destination "$work")
tarballs=("$work"/*.tgz)
[ "${#tarballs[@]}" -eq 1 ] && [ -f "${tarballs[0]}" ] || fail "npm pack did not produce one tarball"
tarball=${tarballs[0]}
contents=$(tar -tzf "$tarball")
for f in package/package.json package/lib/constructs/index.js package/lib/constructs/index.d.ts; do
  grep -qx "$f" <<<"$contents" || fail "$(basename "$tarball") lacks $f"
done
unexpected=$(grep -vE '^package/(package\.json|README\.md|LICENSE[^/]*|NOTICE[^/]*|lib/constructs/.+\.(js|d\.ts))$' <<<"$contents" || true)
[ -z "$unexpected" ] || fail "$(basename "$tarball") holds files that are not part of the library:
$unexpected"
step "$(basename "$tarball"): $(wc -l <<<"$contents") files"

# 2. A consumer project that depends on the tarball and on the versions this repo builds against.
consumer="$work/consumer"
mkdir "$consumer"
cp "$fixture/app.ts.tmpl" "$consumer/app.ts"
cp "$fixture/tsconfig.json.tmpl" "$consumer/tsconfig.json"
node -e '
  const [root, tarball, out] = process.argv.slice(1);
  const fs = require("fs"), path = require("path");
  const version = (name) => JSON.parse(fs.readFileSync(path.join(root, "node_modules", name, "package.json"), "utf8")).version;
  const dependencies = { "cdk8s-nats-mesh": `file:${tarball}` };
  for (const name of ["cdk8s", "cdk8s-plus-27", "constructs"]) dependencies[name] = version(name);
  fs.writeFileSync(out, JSON.stringify({ name: "consumer", version: "0.0.0", private: true, dependencies }, null, 2) + "\n");
' "$root" "$tarball" "$consumer/package.json"
step "npm install in the consumer ($(node -p 'Object.entries(require(process.argv[1]).dependencies).map(([n, v]) => `${n}@${v.startsWith("file:") ? "tarball" : v}`).join(", ")' "$consumer/package.json"))"
(cd "$consumer" && npm install --no-audit --no-fund --prefer-offline)

# 3. Strict type-check against the installed declarations, through "exports" (node16) and through
#    "types" (node10), then compile.
step "tsc --noEmit (module node16, package exports)"
(cd "$consumer" && node "$tsc" -p tsconfig.json --noEmit)
step "tsc --noEmit (module commonjs, moduleResolution node10, package types)"
(cd "$consumer" && node "$tsc" -p tsconfig.json --noEmit --module commonjs --moduleResolution node10)
step "tsc (emit)"
(cd "$consumer" && node "$tsc" -p tsconfig.json)

# 4. Run it (CommonJS require), and import the package from ESM too.
step "run the consumer app"
(cd "$consumer" && CDK8S_OUTDIR="$consumer/out" node build/app.js)
(cd "$consumer" && node --input-type=module -e '
  import { Microservice, StatefulService, NodeAgent } from "cdk8s-nats-mesh";
  for (const [name, c] of Object.entries({ Microservice, StatefulService, NodeAgent })) {
    if (typeof c !== "function") { console.error(`ESM import: ${name} is ${typeof c}`); process.exit(1); }
  }
') || fail "the package does not import from an ES module"

shopt -s nullglob
manifests=("$consumer"/out/*.yaml)
[ "${#manifests[@]}" -gt 0 ] || fail "the consumer app wrote no manifests"
kinds=$(sed -n 's/^kind: *//p' "${manifests[@]}" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }')
step "synthesized kinds: $kinds"
for kind in Deployment StatefulSet DaemonSet; do
  grep -qE "(^| )$kind=" <<<"$kinds" || fail "no $kind in the consumer's output"
done
# 5. examples/consumer: another team's app with its own package.json, installing the tarball,
#    synthesizing its two environments through synthEnvironmentsMain.
example="$work/example"
mkdir "$example"
(cd "$root/examples/consumer" && cp package.json tsconfig.json README.md ./*.ts "$example/")
cp "$tarball" "$example/cdk8s-nats-mesh.tgz"
node -e '
  const [root, example] = process.argv.slice(1);
  const fs = require("fs"), path = require("path");
  const pkg = JSON.parse(fs.readFileSync(path.join(example, "package.json"), "utf8"));
  const wanted = { ...pkg.dependencies, ...pkg.devDependencies };
  const drift = Object.entries(wanted).filter(([n, v]) => !v.startsWith("file:")
    && JSON.parse(fs.readFileSync(path.join(root, "node_modules", n, "package.json"), "utf8")).version !== v);
  if (drift.length) { console.error(`examples/consumer pins ${drift.map(([n, v]) => `${n}@${v}`).join(", ")}; this repository builds against other versions`); process.exit(1); }
' "$root" "$example" || fail "examples/consumer/package.json does not pin the versions this repository builds against"
step "npm install in examples/consumer (cdk8s-nats-mesh from the tarball)"
(cd "$example" && npm install --no-audit --no-fund --prefer-offline)
# The caller's selection or output folder must not leak into the example's runs.
clean_env=(env -u CDK8S_ENVIRONMENTS -u CDK8S_OUTDIR)
step "npm run synth in examples/consumer"
(cd "$example" && "${clean_env[@]}" npm run -s synth) || fail "examples/consumer: npm run synth failed"
for env in staging prod; do
  yaml=("$example/dist/$env"/*.k8s.yaml)
  [ -f "${yaml[0]}" ] && [ -f "$example/dist/$env/architecture.md" ] || fail "examples/consumer wrote no manifests or architecture.md for $env"
  step "example $env: $(sed -n 's/^kind: *//p' "${yaml[@]}" | sort | uniq -c | awk '{ printf "%s%s=%s", sep, $2, $1; sep=" " }')"
done
# Failing synths: one clean error block, exit code 1, the previous dist/ untouched and no staging
# folder left. An unknown selection fails before anything is staged; a build that throws for prod
# fails after staging's manifests were written.
before=$(cd "$example" && find dist -type f -exec sha256sum {} + | sort)
cat > "$example/build/broken.js" <<'JS'
const { synthEnvironmentsMain } = require('cdk8s-nats-mesh');
const { ENVIRONMENTS } = require('./environments');
const { buildOrders } = require('./orders');
synthEnvironmentsMain(ENVIRONMENTS, (app, env) => {
  buildOrders(app, env);
  if (env.name === 'prod') throw new Error('prod is broken on purpose');
});
JS
for run in "CDK8S_ENVIRONMENTS=staging,qa node build/main.js" "node build/broken.js"; do
  set +e
  failure=$(cd "$example" && "${clean_env[@]}" bash -c "$run" 2>&1)
  status=$?
  set -e
  [ "$status" -eq 1 ] || fail "examples/consumer: $run exited with $status, not 1"
  [ "$before" = "$(cd "$example" && find dist -type f -exec sha256sum {} + | sort)" ] || fail "examples/consumer: $run changed dist/"
  leftover=$(cd "$example" && find dist -maxdepth 1 -name '.synth-staging-*')
  [ -z "$leftover" ] || fail "examples/consumer: $run left $leftover"
  step "example failure (exit $status): ${failure//$'\n'/ | }"
done
step "OK"
