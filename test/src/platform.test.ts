import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { IstioApiVersion } from '../../constructs';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS } from '../../src/environments';
import { loadSchemaValidator } from '../support/schema-validator';
import { readTree, synthToTemp } from '../support/synth';

// One synthesis of every environment through the same code path as `cdk8s synth`.
const outdir = synthToTemp(ENVIRONMENTS);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));
const files = readTree(outdir);
const objectsOf = (env: string): any[] => Object.entries(files)
  .filter(([f]) => f.startsWith(`${env}/`) && f.endsWith('.yaml'))
  .flatMap(([, text]) => parseAllDocuments(text).map((d) => d.toJSON()).filter((o) => o));
const validator = loadSchemaValidator();
const byKind = (objs: any[], kind: string) => objs.filter((o) => o.kind === kind);

describe.each(ENVIRONMENTS.map((e) => e.name))('environment %s', (env) => {
  const objects = objectsOf(env);

  test('manifests match the reviewed snapshot', () => {
    const own = Object.fromEntries(Object.entries(files).filter(([f]) => f.startsWith(`${env}/`)));
    expect(Object.keys(own)).toEqual([
      // Each namespace in a file of its own, before the files of what lives in it.
      `${env}/0000-namespace-${ENVIRONMENTS.find((e) => e.name === env)!.namespace}.k8s.yaml`, `${env}/0001-messaging.k8s.yaml`,
      `${env}/0002-platform.k8s.yaml`, `${env}/0003-mesh.k8s.yaml`,
      `${env}/0004-namespace-${ENVIRONMENTS.find((e) => e.name === env)!.agentsNamespace}.k8s.yaml`, `${env}/0005-node-agents.k8s.yaml`,
      `${env}/architecture.md`,
    ]);
    expect(own).toMatchSnapshot();
  });

  test('every object validates strictly against Kubernetes 1.27 and the CRDs', () => {
    if (validator.missing.length) {
      console.warn(`schema validation incomplete for ${env}:\n${validator.missing.join('\n')}`);
    }
    expect(objects.length).toBeGreaterThan(20);
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });

  test('every container has CPU, memory and ephemeral-storage requests and limits', () => {
    const pods = objects.filter((o) => o.spec?.template?.spec).map((o) => o.spec.template.spec);
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect([c.name, Object.keys(c.resources.requests).sort()]).toEqual([c.name, ['cpu', 'ephemeral-storage', 'memory']]);
        expect([c.name, Object.keys(c.resources.limits).sort()]).toEqual([c.name, ['cpu', 'ephemeral-storage', 'memory']]);
      }
    }
  });

  test('every pod meets restricted pod security, but the log shipper: root without capabilities, logs read-only, a state directory of its own', () => {
    for (const o of objects.filter((x) => x.spec?.template?.spec)) {
      const pod = o.spec.template.spec;
      const agent = o.kind === 'DaemonSet';
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const c of pod.containers) {
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
        expect(c.securityContext.capabilities.add).toBeUndefined();
        // Container logs on the nodes are root-owned: only the node agent reads them as root.
        expect(c.securityContext.runAsNonRoot).toBe(!agent);
        expect(c.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$|@sha256:[a-f0-9]{64}$/);
        expect(c.image).not.toMatch(/:latest$/);
      }
      const hostPaths = (pod.volumes ?? []).filter((v: any) => v.hostPath);
      if (!agent) expect(hostPaths).toEqual([]);
      for (const v of hostPaths) {
        for (const c of pod.containers) {
          for (const m of (c.volumeMounts ?? []).filter((x: any) => x.name === v.name)) {
            // Writable only for its own state directory (the tail position database).
            if (!m.readOnly) expect(v.hostPath.path).toBe('/var/lib/fluent-bit');
          }
        }
      }
      if (agent) expect(hostPaths.map((v: any) => [v.hostPath.path, v.hostPath.type])).toContainEqual(['/var/lib/fluent-bit', 'DirectoryOrCreate']);
    }
  });

  test('every Service port declares its protocol', () => {
    const ports = byKind(objects, 'Service').flatMap((s) => s.spec.ports);
    expect(ports.length).toBeGreaterThan(0);
    for (const p of ports) expect(['http', 'http2', 'https', 'grpc', 'tcp', 'tls']).toContain(p.appProtocol);
  });

  test('every replicated workload has a PodDisruptionBudget', () => {
    const pdbs = byKind(objects, 'PodDisruptionBudget').map((p) => p.metadata.name);
    const hpas = new Map(byKind(objects, 'HorizontalPodAutoscaler').map((h) => [h.metadata.name, h.spec.minReplicas]));
    for (const w of [...byKind(objects, 'Deployment'), ...byKind(objects, 'StatefulSet')]) {
      const replicas = w.spec.replicas ?? hpas.get(w.metadata.name);
      expect(replicas).toBeDefined();
      expect([w.metadata.name, pdbs.includes(w.metadata.name)]).toEqual([w.metadata.name, replicas > 1]);
    }
  });
});

describe('differences between environments', () => {
  const deployments = (env: string) => byKind(objectsOf(env), 'Deployment');
  test('dev is single-replica and unspread; prod is replicated and spread across zones', () => {
    for (const d of deployments('dev')) {
      expect(d.spec.replicas).toBe(1);
      expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    }
    for (const d of deployments('prod')) {
      expect(d.spec.replicas ?? 0).not.toBe(1);
      const keys = d.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey);
      expect(keys).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    }
    expect(byKind(objectsOf('prod'), 'HorizontalPodAutoscaler').map((h) => h.metadata.name).sort()).toEqual(['order', 'product']);
  });

  test('sizes differ: the order service is small in dev and large in prod', () => {
    const order = (env: string) => deployments(env).find((d) => d.metadata.name === 'order').spec.template.spec.containers[0].resources;
    expect(order('dev').limits.memory).toBe('128Mi');
    expect(order('prod').limits.memory).toBe('512Mi');
  });

  test('prod quota is its hard budget; dev quota is sized from its workloads', () => {
    const quota = (env: string) => byKind(objectsOf(env), 'ResourceQuota').find((q) => q.metadata.namespace.startsWith('shop')
      && q.metadata.namespace === (env === 'prod' ? 'shop' : `shop-${env}`)).spec.hard;
    expect(quota('prod')['limits.cpu']).toBe('128');
    expect(quota('prod')['limits.memory']).toBe('64Gi');
    // dev: five services and nats-box (1 replica + 1 surge each), the ledger and one NATS server, +20%.
    expect(quota('dev').pods).toBe(Math.ceil((6 * 2 + 1 + 1) * 1.2));
  });
});

describe('Istio API version as an environment setting', () => {
  test('an environment written with v1beta1 validates on Istio 1.23 and 1.30 and uses v1beta1 throughout', () => {
    const staging = ENVIRONMENTS.find((e) => e.name === 'staging')!;
    const env = { ...staging, mesh: { ...staging.mesh, apiVersion: IstioApiVersion.V1BETA1 } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-v1beta1-'));
    try {
      const objects = buildEnvironment(env, dir).charts.flatMap((c) => c.toJson());
      const istio = objects.filter((o) => /\.istio\.io\//.test(o.apiVersion));
      expect(istio.length).toBeGreaterThan(15);
      expect([...new Set(istio.map((o) => o.apiVersion))].sort()).toEqual(['networking.istio.io/v1beta1', 'security.istio.io/v1beta1']);
      expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the committed environments use v1', () => {
    const istio = ENVIRONMENTS.flatMap((e) => objectsOf(e.name)).filter((o) => /\.istio\.io\//.test(o.apiVersion));
    expect([...new Set(istio.map((o) => o.apiVersion))].sort()).toEqual(['networking.istio.io/v1', 'security.istio.io/v1']);
  });
});
