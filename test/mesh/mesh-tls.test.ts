import { Chart } from 'cdk8s';
import {
  IstioApiVersion, MeshTls, Microservice, MicroserviceProps, MtlsMode, PortProtocol, Workload,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// MeshTls (constructs/mesh/mesh-tls.ts): the namespace's PeerAuthentication `default`, port
// exceptions per workload, the mesh-wide policy; one test per rule with its full message.

const HTTP = { name: 'http', port: 8080, servicePort: 80, protocol: PortProtocol.HTTP };
const NATS = { name: 'nats', port: 4222, protocol: PortProtocol.TCP };
const METRICS = { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false };

function service(chart: Chart, name: string, props: Partial<MicroserviceProps> = {}): Microservice {
  return new Microservice(chart, name, { image: IMAGE, resources: GUARANTEED, ports: [HTTP, NATS, METRICS], ...props });
}

const peerAuthentications = (m: any[]) => allOfKind(m, 'PeerAuthentication');

describe('MeshTls: the namespace policy', () => {
  test('STRICT: PeerAuthentication default in the chart namespace, without a selector', () => {
    const { chart } = setup();
    const tls = new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT });
    const m = synth(chart);
    expect(peerAuthentications(m)).toEqual([{
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'shop' },
      spec: { mtls: { mode: 'STRICT' } },
    }]);
    expect([tls.mode, tls.namespaceName, tls.apiVersion, tls.isMeshWide, tls.portExceptions, tls.exceptionPolicies])
      .toEqual([MtlsMode.STRICT, 'shop', IstioApiVersion.V1, false, [], []]);
  });

  test.each([MtlsMode.PERMISSIVE, MtlsMode.DISABLE])('mode %s is written as given', (mode) => {
    const { chart } = setup();
    new MeshTls(chart, 'tls', { mode });
    expect(one(synth(chart), 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode } });
  });

  test('the namespace prop places the policy in another namespace (also from a chart without one)', () => {
    const { chart } = setup(null);
    const tls = new MeshTls(chart, 'tls', { mode: MtlsMode.PERMISSIVE, namespace: 'billing' });
    expect(one(synth(chart), 'PeerAuthentication', 'default').metadata).toEqual({ name: 'default', namespace: 'billing' });
    expect(tls.namespaceName).toBe('billing');
  });

  test('apiVersion V1BETA1 writes security.istio.io/v1beta1 with the same spec', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, apiVersion: IstioApiVersion.V1BETA1, portExceptions: [{ workload: api, ports: [4222] }] });
    const m = peerAuthentications(synth(chart));
    expect(m.map((o) => [o.apiVersion, o.kind, o.metadata.name])).toEqual([
      ['security.istio.io/v1beta1', 'PeerAuthentication', 'default'],
      ['security.istio.io/v1beta1', 'PeerAuthentication', 'api-mtls'],
    ]);
    expect(m[1].spec).toEqual({ selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } }, portLevelMtls: { 4222: { mode: 'PERMISSIVE' } } });
  });
});

describe('MeshTls: port exceptions', () => {
  test('one PeerAuthentication per workload, selecting its pods, with port-level modes on container ports (PERMISSIVE by default)', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    const nats = service(chart, 'nats-bridge');
    const tls = new MeshTls(chart, 'tls', {
      mode: MtlsMode.STRICT,
      portExceptions: [
        { workload: api, ports: [9100, 4222] },
        { workload: nats, ports: [4222], mode: MtlsMode.DISABLE },
      ],
    });
    const m = synth(chart);
    expect(peerAuthentications(m).map((o) => o.metadata.name)).toEqual(['default', 'api-mtls', 'nats-bridge-mtls']);
    expect(one(m, 'PeerAuthentication', 'api-mtls')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'api-mtls', namespace: 'shop' },
      // No mtls: the other ports inherit the namespace's mode.
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'api' } },
        portLevelMtls: { 4222: { mode: 'PERMISSIVE' }, 9100: { mode: 'PERMISSIVE' } },
      },
    });
    expect(Object.keys(one(m, 'PeerAuthentication', 'api-mtls').spec.portLevelMtls)).toEqual(['4222', '9100']);
    expect(one(m, 'PeerAuthentication', 'nats-bridge-mtls').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'nats-bridge' } },
      portLevelMtls: { 4222: { mode: 'DISABLE' } },
    });
    expect(tls.portExceptions).toEqual([
      { workload: api, ports: [9100, 4222], mode: MtlsMode.PERMISSIVE },
      { workload: nats, ports: [4222], mode: MtlsMode.DISABLE },
    ]);
    expect(tls.exceptionPolicies).toHaveLength(2);
    expect([tls.modeFor(api, 4222), tls.modeFor(api, 8080), tls.modeFor(nats, 4222), tls.modeFor(nats, 9100)])
      .toEqual([MtlsMode.PERMISSIVE, MtlsMode.STRICT, MtlsMode.DISABLE, MtlsMode.STRICT]);
  });

  test('a STRICT exception in a PERMISSIVE namespace', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    new MeshTls(chart, 'tls', { mode: MtlsMode.PERMISSIVE, portExceptions: [{ workload: api, ports: [8080], mode: MtlsMode.STRICT }] });
    expect(one(synth(chart), 'PeerAuthentication', 'api-mtls').spec.portLevelMtls).toEqual({ 8080: { mode: 'STRICT' } });
  });
});

describe('MeshTls: mesh-wide policy and effective modes', () => {
  test('meshWide: PeerAuthentication default in istio-system, without a selector', () => {
    const { chart } = setup();
    const mesh = MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.STRICT });
    expect(peerAuthentications(synth(chart))).toEqual([{
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthentication',
      metadata: { name: 'default', namespace: 'istio-system' },
      spec: { mtls: { mode: 'STRICT' } },
    }]);
    expect([mesh.isMeshWide, mesh.namespaceName]).toEqual([true, 'istio-system']);
    expect(MeshTls.meshWideOf(chart)).toBe(mesh);
    expect(MeshTls.of(chart, 'istio-system')).toBeUndefined();
  });

  test('meshWide with another root namespace and v1beta1', () => {
    const { chart } = setup();
    MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.PERMISSIVE, rootNamespace: 'mesh-root', apiVersion: IstioApiVersion.V1BETA1 });
    const pa = one(synth(chart), 'PeerAuthentication', 'default');
    expect([pa.apiVersion, pa.metadata.namespace, pa.spec]).toEqual(['security.istio.io/v1beta1', 'mesh-root', { mtls: { mode: 'PERMISSIVE' } }]);
  });

  test('effectiveMode: port exception, then namespace, then mesh-wide, then PERMISSIVE', () => {
    const { app, chart } = setup();
    const api = service(chart, 'api');
    const web = service(chart, 'web');
    const other = service(new Chart(app, 'other', { namespace: 'billing' }), 'ledger');
    expect(MeshTls.effectiveMode(chart, api, 8080)).toBe(MtlsMode.PERMISSIVE);
    MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.STRICT });
    expect(MeshTls.effectiveMode(chart, other, 8080)).toBe(MtlsMode.STRICT);
    const tls = new MeshTls(chart, 'tls', { mode: MtlsMode.PERMISSIVE, portExceptions: [{ workload: api, ports: [4222], mode: MtlsMode.STRICT }] });
    expect(MeshTls.of(app, 'shop')).toBe(tls);
    expect([
      MeshTls.effectiveMode(chart, api, 4222), MeshTls.effectiveMode(chart, api, 8080),
      MeshTls.effectiveMode(chart, web, 4222), MeshTls.effectiveMode(chart, other, 4222),
    ]).toEqual([MtlsMode.STRICT, MtlsMode.PERMISSIVE, MtlsMode.PERMISSIVE, MtlsMode.STRICT]);
  });
});

describe('MeshTls: schema', () => {
  const validator = loadSchemaValidator();

  test('the shared schemas are present', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each([IstioApiVersion.V1, IstioApiVersion.V1BETA1])('every object validates against both Istio bundles (%s)', (apiVersion) => {
    const { chart } = setup();
    const api = service(chart, 'api');
    new MeshTls(chart, 'tls', {
      mode: MtlsMode.STRICT, apiVersion,
      portExceptions: [{ workload: api, ports: [4222, 9100], mode: MtlsMode.DISABLE }],
    });
    MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.PERMISSIVE, apiVersion });
    const m = synth(chart);
    expect(peerAuthentications(m)).toHaveLength(3);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
  });
});

describe('MeshTls: rules', () => {
  test('mode is an MtlsMode', () => {
    const { chart } = setup();
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: 'MUTUAL' as MtlsMode }),
      '[test] c/tls: mode: received "MUTUAL"; allowed: one of STRICT, PERMISSIVE, DISABLE (MtlsMode)');
  });

  test('apiVersion is an IstioApiVersion', () => {
    const { chart } = setup();
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, apiVersion: 'v1alpha3' as IstioApiVersion }),
      '[test] c/tls: apiVersion: received "v1alpha3"; allowed: one of v1, v1beta1 (IstioApiVersion)');
  });

  test('the namespace is known', () => {
    const { chart } = setup(null);
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT }),
      '[test] c/tls: namespace: received nothing; allowed: a namespace name (the namespace prop, or a chart with a namespace)');
  });

  test('the root namespace of the mesh-wide policy is a namespace name', () => {
    const { chart } = setup();
    expectConfigError(() => MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.STRICT, rootNamespace: 'Istio_System' }),
      '[test] c/mesh: rootNamespace: received "Istio_System"; allowed: a namespace name (Istio\'s root namespace)');
  });

  test('a port exception names a workload of this library', () => {
    const { chart } = setup();
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: {} as Workload, ports: [80] }] }),
      '[test] c/tls: portExceptions[0].workload: received {}; allowed: a workload of this library (Microservice, StatefulService, NodeAgent)');
  });

  test('a port exception names a workload of the policy\'s namespace', () => {
    const { app, chart } = setup();
    const ledger = service(new Chart(app, 'other', { namespace: 'billing' }), 'ledger');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: ledger, ports: [8080] }] }),
      '[test] c/tls: portExceptions[0].workload: received "ledger in namespace billing"; allowed: a workload in namespace shop (a PeerAuthentication selects pods of its own namespace only)');
  });

  test('a port exception names a workload with a sidecar', () => {
    const { chart } = setup();
    const plain = service(chart, 'plain', { podLabels: { 'sidecar.istio.io/inject': 'false' } });
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: plain, ports: [8080] }] }),
      '[test] c/tls: portExceptions[0].workload: received "plain"; allowed: a workload with a sidecar (its pods opt out of injection with sidecar.istio.io/inject=false: no proxy enforces mTLS there)');
  });

  test('a port exception\'s mode is an MtlsMode', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: api, ports: [8080], mode: 'OFF' as MtlsMode }] }),
      '[test] c/tls: portExceptions[0].mode: received "OFF"; allowed: one of STRICT, PERMISSIVE, DISABLE (MtlsMode)');
  });

  test('a port exception changes the mode', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.PERMISSIVE, portExceptions: [{ workload: api, ports: [8080] }] }),
      '[test] c/tls: portExceptions[0].mode: received "PERMISSIVE"; allowed: a mode other than the namespace\'s PERMISSIVE (the exception would change nothing)');
  });

  test('a port exception has ports', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: api, ports: [] }] }),
      '[test] c/tls: portExceptions[0].ports: received []; allowed: at least one container port of api (8080 (http), 4222 (nats), 9100 (metrics))');
  });

  test('port exceptions are container ports of the workload (not Service ports)', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: api, ports: [4222, 80] }] }),
      '[test] c/tls: portExceptions[0].ports[1]: received 80; allowed: a container port of api: 8080 (http), 4222 (nats), 9100 (metrics) (port-level mTLS matches the port the pod listens on, not the Service port)');
  });

  test('each port of an exception once', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT, portExceptions: [{ workload: api, ports: [4222, 4222] }] }),
      '[test] c/tls: portExceptions[0].ports[1]: received 4222; allowed: each port once');
  });

  test('each workload in one port exception', () => {
    const { chart } = setup();
    const api = service(chart, 'api');
    expectConfigError(() => new MeshTls(chart, 'tls', {
      mode: MtlsMode.STRICT,
      portExceptions: [{ workload: api, ports: [4222] }, { workload: api, ports: [9100], mode: MtlsMode.DISABLE }],
    }), '[test] c/tls: portExceptions[1].workload: received "api"; allowed: each workload once (portExceptions[0] already names it: list all of its ports there)');
  });

  test('one MeshTls per namespace', () => {
    const { app, chart } = setup();
    new MeshTls(chart, 'tls', { mode: MtlsMode.STRICT });
    const other = new Chart(app, 'other', { namespace: 'shop' });
    new MeshTls(other, 'tls', { mode: MtlsMode.PERMISSIVE });
    expect(validationErrors(chart)).toEqual([
      '[test] other/tls: namespace: received a second policy for namespace shop (c/tls already writes its PeerAuthentication default); allowed: one MeshTls per namespace (and one mesh-wide policy): of two namespace-wide PeerAuthentications Istio applies only the oldest',
    ]);
  });

  test('one mesh-wide policy (which is also the root namespace\'s)', () => {
    const { chart } = setup();
    MeshTls.meshWide(chart, 'mesh', { mode: MtlsMode.STRICT });
    MeshTls.meshWide(chart, 'mesh2', { mode: MtlsMode.PERMISSIVE });
    new MeshTls(chart, 'root', { mode: MtlsMode.STRICT, namespace: 'istio-system' });
    expect(validationErrors(chart)).toEqual([
      '[test] c/mesh2: rootNamespace: received a second policy for namespace istio-system (c/mesh already writes its PeerAuthentication default); allowed: one MeshTls per namespace (and one mesh-wide policy): of two namespace-wide PeerAuthentications Istio applies only the oldest',
      '[test] c/root: namespace: received a second policy for namespace istio-system (c/mesh already writes its PeerAuthentication default); allowed: one MeshTls per namespace (and one mesh-wide policy): of two namespace-wide PeerAuthentications Istio applies only the oldest',
    ]);
  });
});
