import { Chart, Size } from 'cdk8s';
import {
  Cpu, DEFAULT_SIDECAR_RESOURCES, Microservice, NamespaceBaseline, NamespaceBaselineProps, NatsCluster, NatsMeshMode, PodSecurityLevel, PortProtocol,
  Resources,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, Fixture, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// The `mesh` prop of NamespaceBaseline (constructs/platform/namespace-baseline.ts): injection
// label or revision, sidecar resources counted in the quota and declared on the pods.

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };
const PROXY_ANNOTATIONS = ['sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyCPULimit', 'sidecar.istio.io/proxyMemory', 'sidecar.istio.io/proxyMemoryLimit'];

function baseline(props: NamespaceBaselineProps = {}, f: Fixture = setup()) {
  const ns = new NamespaceBaseline(f.chart, 'ns', props);
  return { ...f, ns };
}

/** web: 2 replicas + surge 1 = 3 pods of 250m/256Mi. */
function web(chart: Chart, props: { podAnnotations?: { [key: string]: string } } = {}): Microservice {
  return new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, replicas: 2, ports: [HTTP], ...props });
}

const hard = (m: any[]) => one(m, 'ResourceQuota', 'workloads').spec.hard;
const podAnnotations = (controller: any) => controller.spec.template.metadata.annotations;
const namespaceLabels = (m: any[]) => one(m, 'Namespace').metadata.labels;

describe('NamespaceBaseline mesh: enrolment labels', () => {
  test('mesh without a revision: istio-injection=enabled, default sidecar resources', () => {
    const { chart, ns } = baseline({ mesh: { cni: true } });
    const labels = namespaceLabels(synth(chart));
    expect(labels['istio-injection']).toBe('enabled');
    expect(labels).not.toHaveProperty('istio.io/rev');
    expect(ns.sidecarResources).toBe(DEFAULT_SIDECAR_RESOURCES);
    expect([ns.sidecarResourcesFor('shop'), ns.sidecarResourcesFor('billing')]).toEqual([DEFAULT_SIDECAR_RESOURCES, undefined]);
  });

  test('mesh with a revision: istio.io/rev=<revision> and no istio-injection label', () => {
    const labels = namespaceLabels(synth(baseline({ mesh: { cni: true, revision: '1-23' } }).chart));
    expect(labels['istio.io/rev']).toBe('1-23');
    expect(labels).not.toHaveProperty('istio-injection');
  });

  test('mesh with the revision given as a label: only istio.io/rev is written', () => {
    const labels = namespaceLabels(synth(baseline({ mesh: { cni: true }, labels: { 'istio.io/rev': 'canary' } }).chart));
    expect(labels['istio.io/rev']).toBe('canary');
    expect(labels).not.toHaveProperty('istio-injection');
  });

  test('without mesh: no injection label and no sidecar resources', () => {
    const { chart, ns } = baseline();
    const labels = namespaceLabels(synth(chart));
    expect(labels).not.toHaveProperty('istio-injection');
    expect(labels).not.toHaveProperty('istio.io/rev');
    expect(ns.sidecarResources).toBeUndefined();
  });

  test('rule: a namespace carries istio-injection or istio.io/rev, never both', () => {
    expectConfigError(() => baseline({ labels: { 'istio-injection': 'enabled' }, mesh: { cni: true, revision: '1-23' } }),
      '[test] c/ns: labels: received "istio-injection: enabled and istio.io/rev: 1-23"; allowed: one of istio-injection and istio.io/rev: with both, Istio ignores the revision label');
    // The same through the labels prop alone.
    expectConfigError(() => baseline({ labels: { 'istio-injection': 'enabled', 'istio.io/rev': 'canary' } }),
      '[test] c/ns: labels: received "istio-injection: enabled and istio.io/rev: canary"; allowed: one of istio-injection and istio.io/rev: with both, Istio ignores the revision label');
  });

  test('rule: no istio-injection=disabled on a namespace enrolled in the mesh', () => {
    expectConfigError(() => baseline({ labels: { 'istio-injection': 'disabled' }, mesh: { cni: true } }),
      '[test] c/ns: labels: received "istio-injection: disabled"; allowed: no opt-out label on a namespace enrolled in the mesh (mesh)');
  });

  test('rule: the revision is a label value such as 1-23', () => {
    expectConfigError(() => baseline({ mesh: { cni: true, revision: '1.23' } }),
      '[test] c/ns: mesh.revision: received "1.23"; allowed: a revision name such as 1-23 (a label value)');
  });

  test('rule: sidecar resources are valid resources', () => {
    const sidecar = Resources.of({ requests: { cpu: Cpu.cores(2), memory: Size.mebibytes(128) }, limits: { cpu: Cpu.cores(1), memory: Size.mebibytes(512) } });
    expectConfigError(() => baseline({ mesh: { cni: true, sidecarResources: sidecar } }),
      '[test] c/ns: mesh.sidecarResources.requests.cpu: received 2 (limit 1); allowed: a request no larger than the limit');
  });
});

describe('NamespaceBaseline mesh: sidecars in the quota', () => {
  test('not enrolled: web 3 x 250m/256Mi and NATS 1 x 570m/1120Mi, no sidecar', () => {
    const f = setup();
    web(f.chart);
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.OUTSIDE });
    baseline({ quotaHeadroomPercent: 0 }, f);
    expect(hard(synth(f.chart))).toEqual({
      'pods': 4,
      'requests.cpu': '1320m', // 3 x 250m + 570m
      'limits.cpu': '1320m',
      'requests.memory': '1888Mi', // 3 x 256Mi + 1120Mi
      'limits.memory': '1888Mi',
      'persistentvolumeclaims': 1,
      'requests.storage': '10Gi',
      // Only the NATS pod declares ephemeral storage: 256Mi server + 2 x 32Mi sidecars.
      'requests.ephemeral-storage': '320Mi',
      'limits.ephemeral-storage': '320Mi',
    });
  });

  test('enrolled: the default sidecar (100m-1 CPU, 128Mi-512Mi) is added to every web pod, not to NATS outside the mesh', () => {
    const f = setup();
    web(f.chart);
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.OUTSIDE });
    baseline({ mesh: { cni: true }, quotaHeadroomPercent: 0 }, f);
    expect(hard(synth(f.chart))).toEqual({
      'pods': 4,
      'requests.cpu': '1620m', // 3 x (250m + 100m) + 570m
      'limits.cpu': '4320m', // 3 x (250m + 1000m) + 570m
      'requests.memory': '2272Mi', // 3 x (256Mi + 128Mi) + 1120Mi
      'limits.memory': '3424Mi', // 3 x (256Mi + 512Mi) + 1120Mi
      'persistentvolumeclaims': 1,
      'requests.storage': '10Gi',
      // Only the NATS pod declares ephemeral storage: 256Mi server + 2 x 32Mi sidecars.
      'requests.ephemeral-storage': '320Mi',
      'limits.ephemeral-storage': '320Mi',
    });
  });

  test('enrolled: NATS inside the mesh gets a sidecar too', () => {
    const f = setup();
    web(f.chart);
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.INSIDE });
    baseline({ mesh: { cni: true }, quotaHeadroomPercent: 0 }, f);
    expect(hard(synth(f.chart))).toEqual({
      'pods': 4,
      'requests.cpu': '1720m', // 3 x 350m + 670m
      'limits.cpu': '5320m', // 3 x 1250m + 1570m
      'requests.memory': '2400Mi', // 3 x 384Mi + 1248Mi
      'limits.memory': '3936Mi', // 3 x 768Mi + 1632Mi
      'persistentvolumeclaims': 1,
      'requests.storage': '10Gi',
      // Only the NATS pod declares ephemeral storage: 256Mi server + 2 x 32Mi sidecars.
      'requests.ephemeral-storage': '320Mi',
      'limits.ephemeral-storage': '320Mi',
    });
  });

  test('custom sidecar resources, with the default 20% headroom', () => {
    const f = setup();
    web(f.chart);
    const sidecar = Resources.of({ requests: { cpu: Cpu.millis(50), memory: Size.mebibytes(64) }, limits: { cpu: Cpu.millis(200), memory: Size.mebibytes(256) } });
    const { ns } = baseline({ mesh: { cni: true, sidecarResources: sidecar } }, f);
    expect(ns.sidecarResources).toBe(sidecar);
    const h = hard(synth(f.chart));
    expect([h.pods, h['requests.cpu'], h['limits.cpu'], h['requests.memory'], h['limits.memory']])
      .toEqual([4, '1080m', '1620m', '1152Mi', '1844Mi']); // 3 x 300m, 450m, 320Mi, 512Mi; x 1.2, rounded up
  });

  test('rule: the budget holds the sidecars', () => {
    const budget = { cpu: Cpu.cores(2), memory: Size.gibibytes(4) };
    const plain = setup();
    web(plain.chart);
    baseline({ budget }, plain);
    expect(validationErrors(plain.chart)).toEqual([]); // 750m without sidecars

    const f = setup();
    web(f.chart);
    const { app } = baseline({ budget, mesh: { cni: true } }, f);
    const message = '[test] c/ns: budget.cpu: received workloads needing 3750m of CPU limits at peak (largest: web 3750m); allowed: at most the budget of 2: raise the budget or shrink the workloads';
    expect(validationErrors(f.chart)).toEqual([message]);
    expect(() => app.synth()).toThrow(message);
  });
});

describe('NamespaceBaseline mesh: sidecar annotations on pods', () => {
  test('pods of an enrolled namespace declare the sidecar\'s resources, next to their own annotations', () => {
    const f = setup();
    const w = web(f.chart, { podAnnotations: { 'prometheus.io/scrape': 'false' } });
    baseline({ mesh: { cni: true } }, f);
    expect(podAnnotations(one(synth(f.chart), 'Deployment', w.name))).toEqual({
      'prometheus.io/scrape': 'false',
      'sidecar.istio.io/proxyCPU': '100m',
      'sidecar.istio.io/proxyCPULimit': '1',
      'sidecar.istio.io/proxyMemory': '128Mi',
      'sidecar.istio.io/proxyMemoryLimit': '512Mi',
    });
  });

  test('custom sidecar resources are what the annotations say', () => {
    const f = setup();
    web(f.chart);
    baseline({ mesh: { cni: true, sidecarResources: Resources.of({ requests: { cpu: Cpu.millis(50), memory: Size.mebibytes(64) }, limits: { cpu: Cpu.millis(200), memory: Size.mebibytes(256) } }) } }, f);
    expect(podAnnotations(one(synth(f.chart), 'Deployment', 'web'))).toEqual({
      'sidecar.istio.io/proxyCPU': '50m',
      'sidecar.istio.io/proxyCPULimit': '200m',
      'sidecar.istio.io/proxyMemory': '64Mi',
      'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
  });

  test('pods that opt out (NATS outside the mesh, its box) carry the inject=false label and no sidecar annotations', () => {
    const f = setup();
    web(f.chart);
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.OUTSIDE, natsBox: true });
    baseline({ mesh: { cni: true } }, f);
    const m = synth(f.chart);
    for (const controller of [one(m, 'StatefulSet', 'nats'), one(m, 'Deployment', 'nats-box')]) {
      expect(controller.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
      expect(Object.keys(podAnnotations(controller) ?? {})).toEqual([]);
    }
    expect(Object.keys(podAnnotations(one(m, 'Deployment', 'web')))).toEqual(PROXY_ANNOTATIONS);
  });

  test('NATS inside the mesh: sidecar annotations next to its port exclusions', () => {
    const f = setup();
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.INSIDE, replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    baseline({ mesh: { cni: true } }, f);
    const annotations = podAnnotations(one(synth(f.chart), 'StatefulSet', 'nats'));
    expect(annotations).toEqual({
      'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"40s"}',
      'traffic.sidecar.istio.io/excludeInboundPorts': '6222',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '6222',
      'sidecar.istio.io/proxyCPU': '100m',
      'sidecar.istio.io/proxyCPULimit': '1',
      'sidecar.istio.io/proxyMemory': '128Mi',
      'sidecar.istio.io/proxyMemoryLimit': '512Mi',
    });
  });

  test('only pods of the enrolled namespace, whichever chart declares the baseline', () => {
    const f = setup();
    web(f.chart);
    const billing = new Chart(f.app, 'billing', { namespace: 'billing' });
    new Microservice(billing, 'ledger', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
    new NamespaceBaseline(billing, 'ns', {}); // billing: not enrolled
    new NamespaceBaseline(new Chart(f.app, 'platform'), 'shop', { name: 'shop', mesh: { cni: true } }); // shop, from another chart
    expect(Object.keys(podAnnotations(one(synth(f.chart), 'Deployment', 'web')))).toEqual(PROXY_ANNOTATIONS);
    expect(podAnnotations(one(synth(billing), 'Deployment', 'ledger'))).toBeUndefined();
  });

  test('no enrolment: no sidecar annotations', () => {
    const f = setup();
    web(f.chart);
    baseline({}, f);
    expect(podAnnotations(one(synth(f.chart), 'Deployment', 'web'))).toBeUndefined();
  });
});

describe('NamespaceBaseline mesh: schema', () => {
  const validator = loadSchemaValidator();

  test('the shared schemas are present', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each([
    ['injection label', { mesh: { cni: true } }],
    ['revision', { mesh: { cni: true, revision: '1-23' } }],
  ] as Array<[string, NamespaceBaselineProps]>)('every object validates (%s, NATS inside and outside the mesh)', (_, props) => {
    const f = setup();
    web(f.chart);
    new NatsCluster(f.chart, 'nats', { mesh: NatsMeshMode.OUTSIDE, natsBox: true });
    new NatsCluster(f.chart, 'events', { mesh: NatsMeshMode.INSIDE, replicas: 3, routeAuth: { secretName: 'nats-routes' } });
    baseline(props, f);
    const m = synth(f.chart);
    expect(m.length).toBeGreaterThan(10);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
  });
});

describe('NamespaceBaseline mesh: QoS class with the injected sidecar', () => {
  test('a Guaranteed pod with a Burstable sidecar is labelled Burstable; without enrolment it stays Guaranteed', () => {
    const f = setup();
    const w = web(f.chart);
    baseline({ mesh: { cni: true } }, f);
    const labels = one(synth(f.chart), 'Deployment').spec.template.metadata.labels;
    expect([w.qosClass, w.effectiveQosClass(), labels['nats-mesh.io/qos-class']]).toEqual(['Guaranteed', 'Burstable', 'Burstable']);

    const g = setup();
    const plain = web(g.chart);
    baseline({}, g);
    expect([plain.effectiveQosClass(), one(synth(g.chart), 'Deployment').spec.template.metadata.labels['nats-mesh.io/qos-class']])
      .toEqual(['Guaranteed', 'Guaranteed']);
  });

  test('a Guaranteed sidecar keeps a Guaranteed pod Guaranteed', () => {
    const f = setup();
    const w = web(f.chart);
    baseline({ mesh: { cni: true, sidecarResources: Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(128) }) } }, f);
    expect(w.effectiveQosClass()).toBe('Guaranteed');
  });
});

describe('NamespaceBaseline mesh: the sidecars reach istiod under the default deny', () => {
  test('egress to istiod on 15012 in istio-system, or the control plane namespace given', () => {
    const policy = (props: NamespaceBaselineProps) => one(synth(baseline(props).chart), 'NetworkPolicy', 'allow-istio-control-plane').spec;
    expect(policy({ mesh: { cni: true } })).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } }, podSelector: { matchLabels: { app: 'istiod' } } }],
        ports: [{ port: 15012, protocol: 'TCP' }],
      }],
    });
    expect(policy({ mesh: { cni: true, controlPlaneNamespace: 'istio-1-23' } }).egress[0].to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('istio-1-23');
  });

  test('no such policy without mesh enrolment', () => {
    expect(synth(baseline().chart).filter((o) => o.metadata.name === 'allow-istio-control-plane')).toEqual([]);
  });

  test('rule: the control plane namespace is a namespace name', () => {
    expectConfigError(() => baseline({ mesh: { cni: true, controlPlaneNamespace: 'Istio System' } }),
      '[test] c/ns: mesh.controlPlaneNamespace: received "Istio System"; allowed: a namespace name');
  });
});

describe('NamespaceBaseline mesh: Pod Security and Istio CNI', () => {
  // Without Istio CNI, Istio injects istio-init (uid 0, capabilities NET_ADMIN and NET_RAW) into every pod.
  const why = (level: string) => 'without Istio CNI every injected pod gets the istio-init container, which runs as root with the NET_ADMIN and NET_RAW capabilities, '
    + `and Pod Security "${level}" refuses it (only "privileged" admits it)`;

  test('with cni: true a namespace in the mesh keeps enforcing restricted, and audits and warns restricted', () => {
    const { chart, ns } = baseline({ mesh: { cni: true } });
    const labels = namespaceLabels(synth(chart));
    expect([labels['pod-security.kubernetes.io/enforce'], labels['pod-security.kubernetes.io/audit'], labels['pod-security.kubernetes.io/warn']])
      .toEqual(['restricted', 'restricted', 'restricted']);
    expect(ns.meshEnrolled).toBe(true);
  });

  test('rule: a restricted namespace is enrolled only with Istio CNI', () => {
    expectConfigError(() => baseline({ mesh: {} }),
      `[test] c/ns: mesh.cni: received "unset, with podSecurity restricted"; allowed: true, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why('restricted')}`);
    expectConfigError(() => baseline({ mesh: { cni: false, revision: '1-23' } }),
      `[test] c/ns: mesh.cni: received "false, with podSecurity restricted"; allowed: true, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why('restricted')}`);
  });

  test('rule: baseline pod security refuses istio-init too (NET_ADMIN and NET_RAW are not in its allowed capabilities)', () => {
    expectConfigError(() => baseline({ podSecurity: PodSecurityLevel.BASELINE, mesh: {} }),
      `[test] c/ns: mesh.cni: received "unset, with podSecurity baseline"; allowed: true, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why('baseline')}`);
    expect(() => baseline({ podSecurity: PodSecurityLevel.BASELINE, mesh: { cni: true } })).not.toThrow();
  });

  test('rule: enrolment through a label is held to the same rule', () => {
    expectConfigError(() => baseline({ labels: { 'istio-injection': 'enabled' } }),
      `[test] c/ns: labels: received "istio-injection: enabled, with podSecurity restricted"; allowed: mesh: { cni: true } instead of the label, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why('restricted')}`);
    expectConfigError(() => baseline({ labels: { 'istio.io/rev': 'canary' }, podSecurity: PodSecurityLevel.BASELINE }),
      `[test] c/ns: labels: received "istio.io/rev: canary, with podSecurity baseline"; allowed: mesh: { cni: true } instead of the label, when the cluster runs Istio CNI; otherwise podSecurity PRIVILEGED for this namespace: ${why('baseline')}`);
    // Not enrolled: an opt-out label, or no injection label at all.
    expect(() => baseline({ labels: { 'istio-injection': 'disabled' } })).not.toThrow();
    expect(baseline().ns.meshEnrolled).toBe(false);
  });

  test('rule: cni is true or false', () => {
    expectConfigError(() => baseline({ mesh: { cni: 'yes' as any } }), '[test] c/ns: mesh.cni: received "yes"; allowed: true or false');
  });

  test('a privileged namespace is enrolled without CNI (istio-init is admitted there)', () => {
    const { chart, ns } = baseline({ podSecurity: PodSecurityLevel.PRIVILEGED, mesh: {} });
    expect(namespaceLabels(synth(chart))['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(ns.meshEnrolled).toBe(true);
    expect(() => baseline({ podSecurity: PodSecurityLevel.PRIVILEGED, labels: { 'istio-injection': 'enabled' } })).not.toThrow();
  });
});

describe('NamespaceBaseline mesh: monitoring reaches the sidecars\' metrics', () => {
  const monitoringPorts = (m: any[]) => one(m, 'NetworkPolicy', 'allow-from-monitoring').spec.ingress[0].ports;

  test('enrolled: the monitoring namespaces reach 15020 (merged metrics) and 15090 (Envoy) besides the named metrics ports', () => {
    const f = setup();
    new Microservice(f.chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP, { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false }] });
    baseline({ mesh: { cni: true }, monitoringNamespaces: ['monitoring'] }, f);
    expect(one(synth(f.chart), 'NetworkPolicy', 'allow-from-monitoring').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ port: 'metrics', protocol: 'TCP' }, { port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }],
      }],
    });
  });

  test('enrolled without a named metrics port: the sidecar ports only', () => {
    const f = setup();
    web(f.chart);
    baseline({ mesh: { cni: true }, monitoringNamespaces: ['monitoring'] }, f);
    expect(monitoringPorts(synth(f.chart))).toEqual([{ port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }]);
  });

  test('enrolled through a label (privileged namespace): the sidecar ports too', () => {
    const f = setup();
    web(f.chart);
    baseline({ podSecurity: PodSecurityLevel.PRIVILEGED, labels: { 'istio.io/rev': '1-23' }, monitoringNamespaces: ['monitoring'] }, f);
    expect(monitoringPorts(synth(f.chart))).toEqual([{ port: 15020, protocol: 'TCP' }, { port: 15090, protocol: 'TCP' }]);
  });

  test('not enrolled: no sidecar ports', () => {
    const f = setup();
    web(f.chart);
    baseline({ monitoringNamespaces: ['monitoring'] }, f);
    expect(monitoringPorts(synth(f.chart))).toEqual([{ port: 'metrics', protocol: 'TCP' }]);
  });
});
