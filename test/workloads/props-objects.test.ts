/**
 * Props need not be object literals: TypeScript accepts an instance of a class of props, or an
 * object made with Object.create on shared defaults, and so do the workloads (fields are read
 * through prototypes, getters included). Values taken whole (a Size, a Cpu) where an object of
 * options belongs are still refused.
 */
import { Size } from 'cdk8s';
import {
  Cpu, Microservice, MicroserviceProps, NamespaceBaseline, NodeAgent, NodeAgentProps, PodIdentity, PodSecurityLevel, PortProtocol,
  StatefulService, StatefulServiceProps, Volume, WorkloadPort,
} from '../../constructs';
import { GUARANTEED, IMAGE, expectConfigError, js, one, podSpec, setup, synth } from './helpers';

class HttpPort implements WorkloadPort {
  public readonly name = 'http';
  public readonly protocol = PortProtocol.HTTP;
  constructor(public readonly port: number) {}
}

class NonRoot implements PodIdentity {
  public readonly runAsUser = 10001;
  public readonly runAsGroup = 10001;
}

class WebProps implements MicroserviceProps {
  public readonly image = IMAGE;
  public readonly resources = GUARANTEED;
  public readonly ports = [new HttpPort(8080)];
  public readonly identity = new NonRoot();
  public readonly disruptionBudget = Object.create({ maxUnavailable: 1 });
  get replicas(): number {
    return 3;
  }
}

/** Defaults shared by several services, each made with Object.create on them. */
const DEFAULTS: Partial<MicroserviceProps> = { image: IMAGE, resources: GUARANTEED, env: { LOG_LEVEL: 'info' } };

describe('props that are no object literal', () => {
  test('an instance of a class of props: its fields, getters and nested instances are used', () => {
    const { chart } = setup();
    new Microservice(chart, 'web', new WebProps());
    const manifests = synth(chart);
    const deployment = one(manifests, 'Deployment');
    expect(deployment.spec.replicas).toBe(3);
    const pod = podSpec(deployment);
    expect(pod.containers[0].image).toBe(IMAGE.reference);
    expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(pod.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001 });
    expect(one(manifests, 'PodDisruptionBudget').spec.maxUnavailable).toBe(1);
  });

  test('an object made with Object.create on shared defaults: inherited fields are used', () => {
    const { chart } = setup();
    const props: MicroserviceProps = Object.assign(Object.create(DEFAULTS), { ports: [new HttpPort(9090)], replicas: 2 });
    new Microservice(chart, 'orders', props);
    const deployment = one(synth(chart), 'Deployment');
    expect(deployment.spec.replicas).toBe(2);
    const container = podSpec(deployment).containers[0];
    expect(container.image).toBe(IMAGE.reference);
    expect(container.resources.limits).toEqual({ cpu: '250m', memory: '256Mi' });
    expect(container.env).toEqual([{ name: 'LOG_LEVEL', value: 'info' }]);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
  });

  test('a StatefulService and a NodeAgent take them too', () => {
    const { chart } = setup();
    const stateful: StatefulServiceProps = Object.assign(Object.create({ image: IMAGE, resources: GUARANTEED }), {
      volumeClaims: [{ name: 'data', size: Size.gibibytes(1), mountPath: '/data' }],
    });
    new StatefulService(chart, 'db', stateful);
    const db = one(synth(chart), 'StatefulSet');
    expect(podSpec(db).containers[0].image).toBe(IMAGE.reference);
    expect(podSpec(db).containers[0].volumeMounts).toEqual([expect.objectContaining({ name: 'data', mountPath: '/data' })]);

    const f = setup('agents');
    new NamespaceBaseline(f.chart, 'ns', { podSecurity: PodSecurityLevel.PRIVILEGED });
    class AgentProps implements NodeAgentProps {
      public readonly image = IMAGE;
      public readonly resources = GUARANTEED;
      public readonly hostPaths = [{ name: 'logs', hostPath: '/var/log' }];
    }
    new NodeAgent(f.chart, 'agent', new AgentProps());
    const agent = podSpec(one(synth(f.chart), 'DaemonSet'));
    expect(agent.containers[0].volumeMounts).toEqual([expect.objectContaining({ name: 'logs', mountPath: '/var/log', readOnly: true })]);
  });

  test('volume options made by a class are used, not dropped', () => {
    class CacheOptions { public readonly sizeLimit = Size.mebibytes(64); }
    const { chart } = setup();
    new Microservice(chart, 'web', {
      image: IMAGE, resources: GUARANTEED, ports: [new HttpPort(8080)],
      mounts: [{ volume: Volume.emptyDir('cache', new CacheOptions()), mountPath: '/cache' }],
    });
    const volumes = podSpec(one(synth(chart), 'Deployment')).volumes;
    expect(volumes.find((v: any) => v.name === 'cache').emptyDir).toEqual({ sizeLimit: '64Mi' });
  });

  test('a value taken whole where an object of options belongs is still refused, with the same message', () => {
    const web = (props: object) => new Microservice(setup().chart, 'web', js({ image: IMAGE, resources: GUARANTEED, ...props }));
    expectConfigError(() => web({ identity: Size.mebibytes(1) }),
      '[test] c/web: identity: received 1Mi; allowed: an identity { runAsUser, runAsGroup, fsGroup }');
    expectConfigError(() => web({ ports: [Size.mebibytes(1)] }),
      '[test] c/web: ports[0]: received 1Mi; allowed: a port { name, port, protocol }');
    expectConfigError(() => web({ disruptionBudget: Cpu.millis(1) }),
      '[test] c/web: disruptionBudget: received 1m; allowed: a disruption budget { maxUnavailable } or { minAvailable }');
    expectConfigError(() => web({ mounts: [Size.mebibytes(1)] }),
      '[test] c/web: mounts[0]: received 1Mi; allowed: a mount { volume, mountPath }');
    expectConfigError(() => new Microservice(setup().chart, 'web', js(Size.gibibytes(1))),
      '[test] c/web: props: received 1Gi; allowed: the props of a Microservice: { image, resources, ... }');
  });
});
