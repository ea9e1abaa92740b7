import { Size } from 'cdk8s';
import {
  Cpu, Microservice, MicroserviceProps, NodeAgent, podQosClass, QosClass, ResourceTotals, Resources, StatefulService,
} from '../../constructs';
import {
  BURSTABLE, GUARANTEED, IMAGE, SIDECAR_IMAGE, expectConfigError, one, podSpec, setup, synth,
} from './helpers';

const MI = 2 ** 20;

/** toKube() with quantities as their text. */
function kube(r: Resources) {
  const text = (q: { [k: string]: { value: string | number } } | undefined) =>
    Object.fromEntries(Object.entries(q ?? {}).map(([k, v]) => [k, v.value]));
  const k = r.toKube();
  return { requests: text(k.requests as any), limits: text(k.limits as any) };
}

function microservice(props: Partial<MicroserviceProps>) {
  const { chart } = setup();
  const web = new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ...props });
  return { chart, web };
}

describe('Resources value', () => {
  test('guaranteed uses the same amounts for requests and limits', () => {
    const r = Resources.guaranteed({ cpu: Cpu.millis(500), memory: Size.gibibytes(1) });
    expect(kube(r)).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '500m', memory: '1Gi' },
    });
    expect(r.isGuaranteed()).toBe(true);
    expect(r.qosClass).toBe(QosClass.GUARANTEED);
  });

  test('toKube renders ephemeral-storage only when set, in the largest whole binary unit', () => {
    const r = Resources.of({
      requests: { cpu: Cpu.cores(1), memory: Size.mebibytes(1536), ephemeralStorage: Size.mebibytes(512) },
      limits: { cpu: Cpu.cores(2), memory: Size.gibibytes(2), ephemeralStorage: Size.gibibytes(1) },
    });
    expect(kube(r)).toEqual({
      requests: { 'cpu': '1', 'memory': '1536Mi', 'ephemeral-storage': '512Mi' },
      limits: { 'cpu': '2', 'memory': '2Gi', 'ephemeral-storage': '1Gi' },
    });
    expect(kube(BURSTABLE).requests).not.toHaveProperty('ephemeral-storage');
  });

  test('QoS class is Burstable when CPU or memory requests differ from the limits', () => {
    expect(BURSTABLE.qosClass).toBe(QosClass.BURSTABLE);
    const cpuOnly = Resources.of({
      requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(256) },
      limits: { cpu: Cpu.millis(200), memory: Size.mebibytes(256) },
    });
    const memoryOnly = Resources.of({
      requests: { cpu: Cpu.millis(200), memory: Size.mebibytes(128) },
      limits: { cpu: Cpu.millis(200), memory: Size.mebibytes(256) },
    });
    expect(cpuOnly.qosClass).toBe(QosClass.BURSTABLE);
    expect(memoryOnly.qosClass).toBe(QosClass.BURSTABLE);
  });

  test('equal amounts written in different units are Guaranteed; ephemeral storage does not affect QoS', () => {
    const r = Resources.of({
      requests: { cpu: Cpu.cores(1), memory: Size.mebibytes(1024), ephemeralStorage: Size.mebibytes(100) },
      limits: { cpu: Cpu.millis(1000), memory: Size.gibibytes(1), ephemeralStorage: Size.gibibytes(1) },
    });
    expect(r.qosClass).toBe(QosClass.GUARANTEED);
  });

  test('podQosClass: Guaranteed only if every container is; BestEffort without containers', () => {
    expect(podQosClass([GUARANTEED, GUARANTEED])).toBe(QosClass.GUARANTEED);
    expect(podQosClass([GUARANTEED, BURSTABLE])).toBe(QosClass.BURSTABLE);
    expect(podQosClass([])).toBe(QosClass.BEST_EFFORT);
  });

  test('toString is human-readable', () => {
    expect(GUARANTEED.toString()).toBe('cpu 250m/250m, memory 256Mi/256Mi');
    const r = Resources.of({
      requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) },
      limits: { cpu: Cpu.cores(1), memory: Size.mebibytes(512), ephemeralStorage: Size.gibibytes(1) },
    });
    expect(r.toString()).toBe('cpu 100m/1, memory 128Mi/512Mi, ephemeral-storage -/1Gi');
  });

  test('problems is empty for usable resources, including a zero request', () => {
    expect(GUARANTEED.problems()).toEqual([]);
    expect(Resources.of({
      requests: { cpu: Cpu.ZERO, memory: Size.mebibytes(0) },
      limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(64) },
    }).problems()).toEqual([]);
  });

  test('problems lists every problem, not only the first', () => {
    const r = Resources.of({
      requests: { cpu: Cpu.millis(900), memory: Size.gibibytes(2) },
      limits: { cpu: Cpu.millis(500), memory: Size.gibibytes(1) },
    });
    expect(r.problems().map((p) => p.field)).toEqual(['requests.cpu', 'requests.memory']);
  });
});

describe('ResourceTotals', () => {
  test('add counts requests, limits and ephemeral storage per container times count', () => {
    const r = Resources.of({
      requests: { cpu: Cpu.millis(100), memory: Size.mebibytes(128), ephemeralStorage: Size.mebibytes(64) },
      limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(512), ephemeralStorage: Size.mebibytes(256) },
    });
    const t = ResourceTotals.zero().add(r, 3).add(GUARANTEED);
    expect(t.requestsCpu).toBe(550);
    expect(t.limitsCpu).toBe(1750);
    expect(t.requestsMemory).toBe((3 * 128 + 256) * MI);
    expect(t.limitsMemory).toBe((3 * 512 + 256) * MI);
    expect(t.requestsEphemeral).toBe(3 * 64 * MI);
    expect(t.limitsEphemeral).toBe(3 * 256 * MI);
  });

  test('plus and times', () => {
    const single = ResourceTotals.zero().add(GUARANTEED);
    const t = single.plus(single).times(2);
    expect(t.requestsCpu).toBe(1000);
    expect(t.limitsMemory).toBe(1024 * MI);
    expect(single.requestsCpu).toBe(250);
  });
});

describe('resources on workloads', () => {
  test('every container (main, sidecar, init) renders its own requests and limits', () => {
    const { chart } = microservice({
      resources: BURSTABLE,
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }],
      initContainers: [{
        name: 'migrate',
        image: SIDECAR_IMAGE,
        resources: Resources.guaranteed({ cpu: Cpu.millis(50), memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(100) }),
      }],
    });
    const spec = podSpec(one(synth(chart), 'Deployment'));
    expect(spec.containers.map((c: any) => [c.name, c.resources])).toEqual([
      ['web', { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } }],
      ['proxy', { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '250m', memory: '256Mi' } }],
    ]);
    expect(spec.initContainers.map((c: any) => [c.name, c.resources])).toEqual([
      ['migrate', {
        requests: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '100Mi' },
        limits: { 'cpu': '50m', 'memory': '64Mi', 'ephemeral-storage': '100Mi' },
      }],
    ]);
  });

  test('containerResources lists main, sidecars and init containers in that order', () => {
    const init = Resources.guaranteed({ cpu: Cpu.millis(10), memory: Size.mebibytes(16) });
    const { web } = microservice({
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: BURSTABLE }],
      initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: init }],
    });
    expect(web.containerResources).toEqual([GUARANTEED, BURSTABLE, init]);
  });
});

describe('QoS class of workload pods', () => {
  const qos = (m: any) => ({ label: m.spec.template.metadata.labels['nats-mesh.io/qos-class'] });

  test('Guaranteed when every container has requests equal to limits', () => {
    const { chart, web } = microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }] });
    expect(web.qosClass).toBe(QosClass.GUARANTEED);
    expect(qos(one(synth(chart), 'Deployment'))).toEqual({ label: 'Guaranteed' });
  });

  test('Burstable when the main container is burstable', () => {
    const { chart, web } = microservice({ resources: BURSTABLE });
    expect(web.qosClass).toBe(QosClass.BURSTABLE);
    expect(qos(one(synth(chart), 'Deployment'))).toEqual({ label: 'Burstable' });
  });

  test('a burstable sidecar makes the pod Burstable', () => {
    const { chart, web } = microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: BURSTABLE }] });
    expect(web.qosClass).toBe(QosClass.BURSTABLE);
    expect(qos(one(synth(chart), 'Deployment'))).toEqual({ label: 'Burstable' });
  });

  test('a burstable init container makes the pod Burstable', () => {
    const { chart, web } = microservice({ initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: BURSTABLE }] });
    expect(web.qosClass).toBe(QosClass.BURSTABLE);
    expect(qos(one(synth(chart), 'Deployment'))).toEqual({ label: 'Burstable' });
  });

  test('the label is set on StatefulService and NodeAgent pods too', () => {
    const { chart } = setup();
    new StatefulService(chart, 'db', { image: IMAGE, resources: BURSTABLE });
    new NodeAgent(chart, 'agent', { image: IMAGE, resources: GUARANTEED });
    const out = synth(chart);
    expect(qos(one(out, 'StatefulSet'))).toEqual({ label: 'Burstable' });
    expect(qos(one(out, 'DaemonSet'))).toEqual({ label: 'Guaranteed' });
  });
});

describe('resources validation (one test per rule)', () => {
  const base = { cpu: Cpu.millis(100), memory: Size.mebibytes(128) };

  test('resources must be a Resources value', () => {
    expectConfigError(() => microservice({ resources: undefined as any }),
      '[test] c/web: resources: received nothing; allowed: Resources.of(...) or Resources.guaranteed(...) with CPU and memory');
  });

  test('requests and limits must both set cpu and memory', () => {
    expectConfigError(() => microservice({ resources: Resources.of({ requests: { memory: Size.mebibytes(128) } as any, limits: base }) }),
      '[test] c/web: resources.requests: received { memory }; allowed: both cpu and memory set');
    expectConfigError(() => microservice({ resources: Resources.of({ requests: base, limits: { cpu: Cpu.millis(100) } as any }) }),
      '[test] c/web: resources.limits: received { cpu }; allowed: both cpu and memory set');
  });

  test('cpu must be whole, non-negative millicores', () => {
    expectConfigError(() => microservice({ resources: Resources.of({ requests: { ...base, cpu: Cpu.millis(0.5) }, limits: base }) }),
      '[test] c/web: resources.requests.cpu: received 0.5m; allowed: whole millicores (Kubernetes has no finer CPU unit)');
    expectConfigError(() => microservice({ resources: Resources.of({ requests: base, limits: { ...base, cpu: Cpu.millis(-100) } }) }),
      '[test] c/web: resources.limits.cpu: received -100m; allowed: a non-negative amount');
  });

  test('memory must be a whole number of bytes', () => {
    expectConfigError(() => microservice({ resources: Resources.of({ requests: { ...base, memory: Size.kibibytes(0.5 / 1024) }, limits: base }) }),
      '[test] c/web: resources.requests.memory: received 0.5 bytes; allowed: a whole number of bytes');
  });

  test('ephemeral storage must be a whole number of bytes', () => {
    expectConfigError(() => microservice({ resources: Resources.of({ requests: base, limits: { ...base, ephemeralStorage: Size.kibibytes(0.5 / 1024) } }) }),
      '[test] c/web: resources.limits.ephemeralStorage: received 0.5 bytes; allowed: a whole number of bytes');
  });

  test('the cpu limit must be above zero', () => {
    expectConfigError(() => microservice({ resources: Resources.guaranteed({ cpu: Cpu.ZERO, memory: Size.mebibytes(128) }) }),
      '[test] c/web: resources.limits.cpu: received 0; allowed: more than zero');
  });

  test('the memory limit must be above zero', () => {
    expectConfigError(() => microservice({ resources: Resources.guaranteed({ cpu: Cpu.millis(100), memory: Size.mebibytes(0) }) }),
      '[test] c/web: resources.limits.memory: received 0; allowed: more than zero');
  });

  test('the cpu request must not exceed the cpu limit', () => {
    expectConfigError(() => microservice({
      resources: Resources.of({ requests: { ...base, cpu: Cpu.millis(500) }, limits: { ...base, cpu: Cpu.millis(250) } }),
    }), '[test] c/web: resources.requests.cpu: received 500m (limit 250m); allowed: a request no larger than the limit');
  });

  test('the memory request must not exceed the memory limit', () => {
    expectConfigError(() => microservice({
      resources: Resources.of({ requests: { ...base, memory: Size.gibibytes(1) }, limits: { ...base, memory: Size.mebibytes(512) } }),
    }), '[test] c/web: resources.requests.memory: received 1Gi (limit 512Mi); allowed: a request no larger than the limit');
  });

  test('the ephemeral-storage request must not exceed its limit', () => {
    expectConfigError(() => microservice({
      resources: Resources.of({
        requests: { ...base, ephemeralStorage: Size.gibibytes(2) },
        limits: { ...base, ephemeralStorage: Size.gibibytes(1) },
      }),
    }), '[test] c/web: resources.requests.ephemeralStorage: received 2Gi (limit 1Gi); allowed: a request no larger than the limit');
  });

  test('sidecar and init container resources are checked with their field prefix', () => {
    const bad = Resources.of({ requests: { ...base, cpu: Cpu.millis(300) }, limits: base });
    expectConfigError(() => microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: bad }] }),
      '[test] c/web: sidecars[0].resources.requests.cpu: received 300m (limit 100m); allowed: a request no larger than the limit');
    expectConfigError(() => microservice({ initContainers: [{ name: 'init', image: SIDECAR_IMAGE, resources: bad }] }),
      '[test] c/web: initContainers[0].resources.requests.cpu: received 300m (limit 100m); allowed: a request no larger than the limit');
  });
});
