/**
 * What a plain-JavaScript caller gets for props of the wrong type (no compiler to catch them):
 * the library's ConfigError with the construct path and field, never a TypeError from inside,
 * and never the wrong value written into the manifests.
 */
import { Duration, Size } from 'cdk8s';
import {
  Cpu, Microservice, NamespaceBaseline, NodeAgent, PodSecurityLevel, PortProtocol, Probe, Resources, StatefulService, Volume, Workload,
} from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, expectConfigError, js, setup } from './helpers';

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };

function microservice(props: object) {
  const { chart } = setup();
  return new Microservice(chart, 'web', js({ image: IMAGE, resources: GUARANTEED, ports: [HTTP], ...props }));
}

describe('Microservice', () => {
  test('no props at all, and a missing required prop', () => {
    const { chart } = setup();
    expectConfigError(() => new Microservice(chart, 'web', js(undefined)),
      '[test] c/web: props: received nothing; allowed: the props of a Microservice: { image, resources, ... }');
    expectConfigError(() => new Microservice(setup().chart, 'web', js({ resources: GUARANTEED })),
      '[test] c/web: image: received nothing; allowed: a ContainerImage');
  });

  test('Cpu.parse of text that is no CPU quantity: reported where it is used', () => {
    const resources = Resources.of({
      requests: { cpu: Cpu.parse('250mi'), memory: Size.mebibytes(64) },
      limits: { cpu: Cpu.millis(500), memory: Size.mebibytes(64) },
    });
    expectConfigError(() => microservice({ resources }),
      '[test] c/web: resources.requests.cpu: received "250mi"; allowed: a CPU quantity like 250m, 0.5 or 2');
    expectConfigError(() => microservice({ resources: Resources.guaranteed({ cpu: Cpu.millis(js('250')), memory: Size.mebibytes(64) }) }),
      '[test] c/web: resources.requests.cpu: received Cpu.millis("250"); allowed: a number of millicores');
  });

  test('a string where a Size or a Cpu belongs', () => {
    expectConfigError(() => microservice({ resources: Resources.guaranteed(js({ cpu: Cpu.millis(100), memory: '256Mi' })) }),
      '[test] c/web: resources.requests.memory: received "256Mi"; allowed: a Size such as Size.mebibytes(256)');
    expectConfigError(() => microservice({ resources: Resources.of(js({ requests: { cpu: '100m', memory: Size.mebibytes(1) }, limits: { cpu: Cpu.millis(100), memory: Size.mebibytes(1) } })) }),
      '[test] c/web: resources.requests.cpu: received "100m"; allowed: a Cpu such as Cpu.millis(250), Cpu.cores(0.5) or Cpu.parse("250m")');
  });

  test('a string where a number belongs', () => {
    expectConfigError(() => microservice({ replicas: '3' }), '[test] c/web: replicas: received "3"; allowed: an integer >= 1');
    expectConfigError(() => microservice({ ports: [{ ...HTTP, port: '8080' }] }), '[test] c/web: ports[0].port: received "8080"; allowed: an integer from 1 to 65535');
  });

  test('a string where a list belongs', () => {
    expectConfigError(() => microservice({ args: '--port 8080' }), '[test] c/web: args: received "--port 8080"; allowed: a list of strings');
    expectConfigError(() => microservice({ secretEnv: { name: 'A', from: 's', key: 'k' } }),
      '[test] c/web: secretEnv: received {"name":"A","from":"s","key":"k"}; allowed: a list of key references { name, from, key }');
  });

  test('a string where a boolean belongs ("false" would be truthy)', () => {
    expectConfigError(() => microservice({ exposed: 'false' }), '[test] c/web: exposed: received "false"; allowed: true or false');
    expectConfigError(() => microservice({ ports: [{ ...HTTP, expose: 'false' }] }), '[test] c/web: ports[0].expose: received "false"; allowed: true or false');
  });

  test('a value that is not one of the enum\'s', () => {
    expectConfigError(() => microservice({ spread: 'ZONES' }),
      '[test] c/web: spread: received "ZONES"; allowed: one of none, zones, zones-and-nodes, nodes (TopologySpread)');
    expectConfigError(() => microservice({ tolerations: [{ key: 'gpu', effect: 'noschedule' }] }),
      '[test] c/web: tolerations[0].effect: received "noschedule"; allowed: one of NoSchedule, PreferNoSchedule, NoExecute (TaintEffect)');
  });

  test('env values are strings: a number would be written unquoted, which the API server refuses', () => {
    expectConfigError(() => microservice({ env: { PORT: 8080 } }), '[test] c/web: env.PORT: received 8080; allowed: a string (numbers and booleans quoted: "8080")');
    expectConfigError(() => microservice({ sidecars: [{ name: 'helper', image: SIDECAR_IMAGE, resources: GUARANTEED, env: { DEBUG: true } }] }),
      '[test] c/web: sidecars[0].env.DEBUG: received true; allowed: a string (numbers and booleans quoted: "8080")');
    expectConfigError(() => microservice({ labels: { 'app.kubernetes.io/part-of': 3 } }),
      '[test] c/web: labels["app.kubernetes.io/part-of"]: received 3; allowed: a string');
  });

  test('Durations: a number is not one, and what Kubernetes counts in seconds must be whole seconds', () => {
    expectConfigError(() => microservice({ terminationGracePeriod: 30 }),
      '[test] c/web: terminationGracePeriod: received 30; allowed: a Duration such as Duration.seconds(30)');
    expectConfigError(() => microservice({ terminationGracePeriod: Duration.millis(2500) }),
      '[test] c/web: terminationGracePeriod: received 2 seconds 500 millis; allowed: a Duration of whole seconds, such as Duration.seconds(30) (Kubernetes counts this in seconds)');
  });

  test('autoscaling needs its bounds', () => {
    expectConfigError(() => microservice({ autoscaling: { maxReplicas: 3 } }), '[test] c/web: autoscaling.minReplicas: received nothing; allowed: an integer >= 1');
  });

  test('probes: what they were made from is checked where they are used', () => {
    expectConfigError(() => microservice({ readiness: Probe.httpGet('/ready', js('8080')) }),
      '[test] c/web: readiness.port: received "8080"; allowed: a port number from 1 to 65535');
    expectConfigError(() => microservice({ liveness: Probe.exec(js('pg_isready')) }),
      '[test] c/web: liveness.command: received "pg_isready"; allowed: a list of strings');
    expectConfigError(() => microservice({ readiness: Probe.httpGet('/ready', 8080, { period: Duration.millis(1500) }) }),
      '[test] c/web: readiness.timing.period: received 1 second 500 millis; allowed: a Duration of whole seconds, such as Duration.seconds(30) (Kubernetes counts this in seconds)');
    expectConfigError(() => microservice({ readiness: Probe.httpGet('/ready', 8080, js({ failureThreshold: '3' })) }),
      '[test] c/web: readiness.timing.failureThreshold: received "3"; allowed: an integer >= 1');
  });

  test('volumes: what they were made from is checked where they are mounted', () => {
    expectConfigError(() => microservice({ mounts: [{ volume: Volume.emptyDir('cache', js({ sizeLimit: '1Gi' })), mountPath: '/cache' }] }),
      '[test] c/web: mounts[0].volume.options.sizeLimit: received "1Gi"; allowed: a Size such as Size.mebibytes(256)');
    expectConfigError(() => microservice({ mounts: [{ volume: Volume.fromSecret('tls', 'web-tls', js({ keys: 'ca.crt' })), mountPath: '/tls' }] }),
      '[test] c/web: mounts[0].volume.options.keys: received "ca.crt"; allowed: a list of strings');
    expectConfigError(() => microservice({ mounts: [{ volume: 'cache', mountPath: '/cache' }] }),
      '[test] c/web: mounts[0].volume: received "cache"; allowed: a Volume such as Volume.fromSecret("tls", "my-tls")');
  });
});

describe('StatefulService', () => {
  test('a string where a Size belongs, a string where a list belongs, an unknown policy', () => {
    const stateful = (props: object) => new StatefulService(setup().chart, 'db', js({ image: IMAGE, resources: GUARANTEED, ...props }));
    expectConfigError(() => stateful({ volumeClaims: [{ name: 'data', size: '10Gi', mountPath: '/data' }] }),
      '[test] c/db: volumeClaims[0].size: received "10Gi"; allowed: a Size such as Size.gibibytes(10)');
    expectConfigError(() => stateful({ volumeClaims: 'data' }),
      '[test] c/db: volumeClaims: received "data"; allowed: a list of volume claims { name, size, mountPath }');
    expectConfigError(() => stateful({ podManagementPolicy: 'parallel' }),
      '[test] c/db: podManagementPolicy: received "parallel"; allowed: one of OrderedReady, Parallel (PodManagementPolicy)');
    expectConfigError(() => stateful({ clientService: 'no' }), '[test] c/db: clientService: received "no"; allowed: true or false');
  });
});

describe('NodeAgent', () => {
  test('host paths as a string, a boolean as a string', () => {
    const agent = (props: object) => {
      const { chart } = setup('agents');
      new NamespaceBaseline(chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED });
      return new NodeAgent(chart, 'agent', js({ image: IMAGE, resources: GUARANTEED, ...props }));
    };
    expectConfigError(() => agent({ hostPaths: '/var/log' }),
      '[test] c/agent: hostPaths: received "/var/log"; allowed: a list of host paths { name, hostPath, mountPath }');
    expectConfigError(() => agent({ runAsRoot: 'yes' }), '[test] c/agent: runAsRoot: received "yes"; allowed: true or false');
    expectConfigError(() => agent({ stateDirectory: '/var/lib/agent' }),
      '[test] c/agent: stateDirectory: received "/var/lib/agent"; allowed: a state directory { hostPath, mountPath }');
  });
});

describe('Workload.fromAttributes', () => {
  test('a boolean as a string ("false" would leave the workload in the mesh), a port number as a string', () => {
    const { chart } = setup();
    expectConfigError(() => Workload.fromAttributes(chart, 'a', js({ name: 'reports', namespace: 'analytics', inMesh: 'false' })),
      '[test] c/a: inMesh: received "false"; allowed: true or false');
    expectConfigError(() => Workload.fromAttributes(chart, 'b', js({ name: 'reports', namespace: 'analytics', ports: [{ name: 'http', port: '8080', protocol: PortProtocol.HTTP }] })),
      '[test] c/b: ports[0].port: received "8080"; allowed: a port from 1 to 65535');
    expectConfigError(() => Workload.fromAttributes(chart, 'c', js({ name: 'reports', namespace: 'analytics', podLabels: 'app=reports' })),
      '[test] c/c: podLabels: received "app=reports"; allowed: an object of names to strings');
  });
});
