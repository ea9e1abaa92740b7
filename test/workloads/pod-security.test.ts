import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Microservice, NodeAgent, PortProtocol, StatefulService, WorkloadProps } from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, allOfKind, everyContainer, expectConfigError, one, podSpec, setup, synth } from './helpers';

type Kind = 'Deployment' | 'StatefulSet' | 'DaemonSet';

/** One workload of each kind, each with a sidecar and an init container. */
function build(kind: Kind, extra: Partial<WorkloadProps> = {}) {
  const { chart } = setup();
  const props = {
    image: IMAGE,
    resources: GUARANTEED,
    ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }],
    sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }],
    initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: GUARANTEED }],
    ...extra,
  };
  switch (kind) {
    case 'Deployment': new Microservice(chart, 'w', props); break;
    case 'StatefulSet': new StatefulService(chart, 'w', props); break;
    case 'DaemonSet': new NodeAgent(chart, 'w', props); break;
  }
  const m = synth(chart);
  return { m, controller: one(m, kind, 'w'), spec: podSpec(one(m, kind, 'w')) };
}

const KINDS: Kind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

describe.each(KINDS)('restricted defaults on %s pods', (kind) => {
  test('pod security context: non-root uid/gid 65532, RuntimeDefault seccomp', () => {
    expect(build(kind).spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      fsGroupChangePolicy: 'OnRootMismatch',
      seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('every container (main, sidecar, init) is hardened with a read-only root filesystem', () => {
    const containers = everyContainer(build(kind).spec);
    expect(containers.map((c) => c.name)).toEqual(['w', 'proxy', 'init']);
    for (const c of containers) {
      expect(c.securityContext).toEqual({
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  test('every container pulls IfNotPresent', () => {
    expect(everyContainer(build(kind).spec).map((c) => c.imagePullPolicy)).toEqual(['IfNotPresent', 'IfNotPresent', 'IfNotPresent']);
  });

  test('no service account token on the pod or the ServiceAccount; no service links', () => {
    const { m, spec } = build(kind);
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.enableServiceLinks).toBe(false);
    expect(spec.serviceAccountName).toBe('w');
    const sa = one(m, 'ServiceAccount', 'w');
    expect(sa.automountServiceAccountToken).toBe(false);
    expect(sa.metadata.namespace).toBe('shop');
  });

  test('mountServiceAccountToken turns the token on for both pod and ServiceAccount', () => {
    const { m, spec } = build(kind, { mountServiceAccountToken: true });
    expect(spec.automountServiceAccountToken).toBe(true);
    expect(one(m, 'ServiceAccount').automountServiceAccountToken).toBe(true);
  });

  test('readOnlyRootFilesystem can be turned off per container only', () => {
    const { spec } = build(kind, { sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, readOnlyRootFilesystem: false }] });
    expect(everyContainer(spec).map((c) => [c.name, c.securityContext.readOnlyRootFilesystem])).toEqual([['w', true], ['proxy', false], ['init', true]]);
    expect(everyContainer(spec).every((c) => c.securityContext.runAsNonRoot && c.securityContext.allowPrivilegeEscalation === false)).toBe(true);
  });

  test('an existing ServiceAccount is used instead of a new one', () => {
    const { m, spec } = build(kind, { serviceAccountName: 'shared-reader' });
    expect(spec.serviceAccountName).toBe('shared-reader');
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(allOfKind(m, 'ServiceAccount')).toEqual([]);
  });

  test('identity overrides uid, gid and fsGroup; gid and fsGroup follow', () => {
    expect(build(kind, { identity: { runAsUser: 10001 } }).spec.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 65532, fsGroup: 65532 });
    expect(build(kind, { identity: { runAsUser: 10001, runAsGroup: 20002 } }).spec.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 20002, fsGroup: 20002 });
    expect(build(kind, { identity: { fsGroup: 30003 } }).spec.securityContext).toMatchObject({ runAsUser: 65532, runAsGroup: 65532, fsGroup: 30003 });
  });
});

describe('pod identity validation (one test per rule)', () => {
  const micro = (extra: Partial<WorkloadProps>) => {
    const { chart } = setup();
    return new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ...extra });
  };
  const allowed = "a positive integer other than 0 (root) and 1337 (Istio's proxy)";

  test('uid, gid and fsGroup 0 (root) are refused', () => {
    expectConfigError(() => micro({ identity: { runAsUser: 0 } }), `[test] c/web: identity.runAsUser: received 0; allowed: ${allowed}`);
    expectConfigError(() => micro({ identity: { runAsGroup: 0 } }), `[test] c/web: identity.runAsGroup: received 0; allowed: ${allowed}`);
    expectConfigError(() => micro({ identity: { fsGroup: -5 } }), `[test] c/web: identity.fsGroup: received -5; allowed: ${allowed}`);
  });

  test('uid 1337 (Istio\'s proxy) is refused', () => {
    expectConfigError(() => micro({ identity: { runAsUser: 1337 } }), `[test] c/web: identity.runAsUser: received 1337; allowed: ${allowed}`);
    expectConfigError(() => micro({ identity: { runAsUser: 1000, runAsGroup: 1337 } }), `[test] c/web: identity.runAsGroup: received 1337; allowed: ${allowed}`);
  });

  test('serviceAccountName is a DNS-1123 name other than default', () => {
    const msg = (v: string) => `[test] c/web: serviceAccountName: received "${v}"; allowed: a DNS-1123 name other than 'default' (each workload gets its own identity)`;
    expectConfigError(() => micro({ serviceAccountName: 'default' }), msg('default'));
    expectConfigError(() => micro({ serviceAccountName: 'My_SA' }), msg('My_SA'));
  });
});

describe('cdk8s-plus-27 ServiceAccount', () => {
  // The library relies on kplus.ServiceAccount defaulting automountServiceAccountToken to false
  // and on automountToken being rendered as-is; pin both in case a cdk8s-plus upgrade changes them.
  test('automountServiceAccountToken defaults to false', () => {
    const chart = new Chart(Testing.app(), 'plain');
    new kplus.ServiceAccount(chart, 'sa', { metadata: { name: 'sa' } });
    const [sa] = Testing.synth(chart);
    expect(sa.kind).toBe('ServiceAccount');
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  test('automountToken true is rendered', () => {
    const chart = new Chart(Testing.app(), 'plain');
    new kplus.ServiceAccount(chart, 'sa', { metadata: { name: 'sa' }, automountToken: true });
    expect(Testing.synth(chart)[0].automountServiceAccountToken).toBe(true);
  });
});
