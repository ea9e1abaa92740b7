// The reference platform (src/) against what a real cluster does with it: Pod Security with the
// sidecar injection (Istio CNI), the node agents' quota, the log shipper reading root-owned logs
// and keeping its read positions on the node, and the ledger's crash recovery.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Testing } from 'cdk8s';
import { collectWarnings, markEnvironment } from '../../constructs';
import { buildEnvironment } from '../../src/app';
import { ENVIRONMENTS, PlatformEnvironment, validateEnvironment } from '../../src/environments';
import { NodeAgentsChart } from '../../src/node-agents-chart';
import { loadSchemaValidator } from '../support/schema-validator';
import { allOfKind, one, podSpec, synth } from '../workloads/helpers';

const dev = ENVIRONMENTS.find((e) => e.name === 'dev')!;

/** The node agents' chart of an environment, on its own. */
function nodeAgents(env: PlatformEnvironment): { app: App; objects: any[] } {
  const app = Testing.app();
  markEnvironment(app, env.name);
  const chart = new NodeAgentsChart(app, 'node-agents', env);
  return { app, objects: synth(chart) };
}

/** Whether a ResourceQuota applies to pods of `priorityClassName` (PriorityClass scopes only, as the API server matches them). */
function quotaAppliesTo(quota: any, priorityClassName: string): boolean {
  return (quota.spec.scopeSelector?.matchExpressions ?? []).every((e: any) =>
    (e.operator === 'In' ? e.values.includes(priorityClassName) : e.operator === 'NotIn' ? !e.values.includes(priorityClassName) : false));
}

describe('environments: the cluster runs Istio CNI', () => {
  test('every environment sets mesh.cni', () => {
    expect(ENVIRONMENTS.map((e) => [e.name, e.mesh.cni])).toEqual(ENVIRONMENTS.map((e) => [e.name, true]));
  });

  test('rule: mesh.cni is true (the restricted platform namespace is enrolled in the mesh)', () => {
    const allowed = 'true: the platform namespace enforces Pod Security "restricted" and is enrolled in the mesh, which needs Istio CNI on the cluster '
      + '(without it, Istio injects the istio-init container, which runs as root with NET_ADMIN and NET_RAW)';
    expect(validateEnvironment({ ...dev, mesh: { ...dev.mesh, cni: false } }, 'src/environments/dev.ts'))
      .toEqual([`[dev] src/environments/dev.ts: mesh.cni: received false; allowed: ${allowed}`]);
    expect(validateEnvironment({ ...dev, mesh: { ...dev.mesh, cni: undefined as any } }, 'src/environments/dev.ts'))
      .toEqual([`[dev] src/environments/dev.ts: mesh.cni: received nothing; allowed: ${allowed}`]);
  });
});

describe('reference platform (dev): the platform namespace and the ledger', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-cluster-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = buildEnvironment(dev, dir);
  const platform = app.charts.find((c) => c.node.id === 'platform')!;
  const objects = synth(platform);

  test('the platform namespace enforces restricted while enrolled in the mesh (Istio CNI)', () => {
    const labels = one(objects, 'Namespace').metadata.labels;
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(labels['istio-injection']).toBe('enabled');
  });

  test('Prometheus reaches the sidecars\' metrics ports through the NetworkPolicies', () => {
    const ports = one(objects, 'NetworkPolicy', 'allow-from-monitoring').spec.ingress[0].ports.map((p: any) => p.port);
    expect(ports).toEqual(expect.arrayContaining([15020, 15090]));
  });

  test('the ledger starts for up to 10 minutes (crash recovery) before its liveness probe applies', () => {
    const container = podSpec(one(objects, 'StatefulSet', 'payment-ledger')).containers[0];
    expect(container.startupProbe).toEqual({
      exec: { command: ['pg_isready', '-U', 'ledger', '-d', 'ledger', '-h', '127.0.0.1'] }, periodSeconds: 10, failureThreshold: 60,
    });
    expect(container.livenessProbe).toMatchObject({ periodSeconds: 20, failureThreshold: 6 });
    expect(collectWarnings(app).filter((w) => w.includes('payment-ledger'))).toEqual([]);
  });
});

describe.each(ENVIRONMENTS.map((e) => [e.name, e] as [string, PlatformEnvironment]))('reference log shipper (%s)', (_, env) => {
  const { app, objects } = nodeAgents(env);
  const ds = one(objects, 'DaemonSet', 'log-shipper');
  const spec = podSpec(ds);
  const shipper = spec.containers[0];

  test('reads the root-owned container logs as root, every capability dropped, read-only root filesystem', () => {
    expect(shipper.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true,
      runAsNonRoot: false, runAsUser: 0, capabilities: { drop: ['ALL'] },
    });
    expect(one(objects, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(() => app.synth()).not.toThrow();
  });

  test('/var/log read-only; the tail DB in the writable state directory on the node, no emptyDir', () => {
    expect(shipper.volumeMounts).toEqual(expect.arrayContaining([
      { name: 'varlog', mountPath: '/var/log', readOnly: true },
      { name: 'state', mountPath: '/var/lib/fluent-bit', readOnly: false },
    ]));
    expect(spec.volumes.filter((v: any) => v.hostPath)).toEqual([
      { name: 'varlog', hostPath: { path: '/var/log', type: 'Directory' } },
      { name: 'state', hostPath: { path: '/var/lib/fluent-bit', type: 'DirectoryOrCreate' } },
    ]);
    expect(spec.volumes.filter((v: any) => v.emptyDir)).toEqual([]);
    const config: string = one(objects, 'ConfigMap', 'log-shipper-config').data['fluent-bit.conf'];
    const db = /^\s+DB\s+(\S+)$/m.exec(config)![1];
    expect(db).toBe('/var/lib/fluent-bit/tail.db');
    expect(path.posix.dirname(db)).toBe(shipper.volumeMounts.find((m: any) => m.name === 'state').mountPath);
  });

  test('runs as system-node-critical, and no quota of its namespace limits its pods', () => {
    expect(spec.priorityClassName).toBe('system-node-critical');
    const applying = allOfKind(objects, 'ResourceQuota').filter((q) => quotaAppliesTo(q, spec.priorityClassName));
    expect(applying.map((q) => q.metadata.name).sort()).toEqual(['node-agents', 'storage']);
    for (const q of applying) {
      expect(Object.keys(q.spec.hard ?? {}).filter((k) => k === 'pods' || /cpu|memory|ephemeral/.test(k))).toEqual([]);
    }
  });

  test('every object validates against the Kubernetes 1.27 schema', () => {
    const validator = loadSchemaValidator();
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});
