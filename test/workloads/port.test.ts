import {
  ISTIO_RESERVED_PORTS, Microservice, MicroserviceProps, PortProtocol, WorkloadPort, portProblems,
} from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, expectConfigError, one, setup, synth } from './helpers';

const http = (over: Partial<WorkloadPort> = {}): WorkloadPort => ({ name: 'http', port: 8080, protocol: PortProtocol.HTTP, ...over });

function microservice(props: Partial<MicroserviceProps>) {
  const { chart } = setup();
  const web = new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ...props });
  return { chart, web };
}

describe('PortProtocol', () => {
  test('names are the appProtocol values', () => {
    expect([PortProtocol.HTTP, PortProtocol.HTTP2, PortProtocol.HTTPS, PortProtocol.GRPC, PortProtocol.TCP, PortProtocol.TLS].map(String))
      .toEqual(['http', 'http2', 'https', 'grpc', 'tcp', 'tls']);
  });
});

describe('portProblems', () => {
  test('a valid port has none', () => {
    expect(portProblems(http())).toEqual([]);
    expect(portProblems(http({ name: 'a'.repeat(15), servicePort: 80 }))).toEqual([]);
    expect(portProblems(http({ name: 'h2-c1' }))).toEqual([]);
  });

  test.each(['HTTP', '1234', 'a--b', '-http', 'http-', 'a'.repeat(16), '', 'my_port'])('name %j is refused', (name) => {
    expect(portProblems(http({ name }))).toEqual([{
      field: 'name',
      received: JSON.stringify(name),
      allowed: 'an IANA service name: 1-15 lower-case letters, digits and single dashes, with a letter',
    }]);
  });

  test.each([0, -1, 65536, 80.5])('port number %p is refused', (port) => {
    expect(portProblems(http({ port }))).toEqual([{ field: 'port', received: String(port), allowed: 'an integer from 1 to 65535' }]);
  });

  test('port numbers 1 and 65535 are accepted', () => {
    expect(portProblems(http({ port: 1 }))).toEqual([]);
    expect(portProblems(http({ port: 65535 }))).toEqual([]);
  });

  test('Istio reserved range is 15000-15090 inclusive, for container and Service ports', () => {
    expect(ISTIO_RESERVED_PORTS).toEqual({ from: 15000, to: 15090 });
    const allowed = "a port outside 15000-15090, which Istio's sidecar reserves";
    expect(portProblems(http({ port: 14999 }))).toEqual([]);
    expect(portProblems(http({ port: 15091 }))).toEqual([]);
    expect(portProblems(http({ port: 15000 }))).toEqual([{ field: 'port', received: '15000', allowed }]);
    expect(portProblems(http({ port: 15090 }))).toEqual([{ field: 'port', received: '15090', allowed }]);
    expect(portProblems(http({ servicePort: 15021 }))).toEqual([{ field: 'servicePort', received: '15021', allowed }]);
  });

  test('protocol must be a PortProtocol', () => {
    expect(portProblems(http({ protocol: 'http' as any }))).toEqual([{
      field: 'protocol', received: 'http', allowed: 'a PortProtocol (HTTP, HTTP2, HTTPS, GRPC, TCP, TLS)',
    }]);
  });
});

describe('port validation on workloads (one test per rule)', () => {
  test('port name', () => {
    expectConfigError(() => microservice({ ports: [http({ name: 'HTTP' })] }),
      '[test] c/web: ports[0].name: received "HTTP"; allowed: an IANA service name: 1-15 lower-case letters, digits and single dashes, with a letter');
  });

  test('port number range', () => {
    expectConfigError(() => microservice({ ports: [http(), { name: 'metrics', port: 70000, protocol: PortProtocol.HTTP }] }),
      '[test] c/web: ports[1].port: received 70000; allowed: an integer from 1 to 65535');
  });

  test('service port number range', () => {
    expectConfigError(() => microservice({ ports: [http({ servicePort: 0 })] }),
      '[test] c/web: ports[0].servicePort: received 0; allowed: an integer from 1 to 65535');
  });

  test('Istio reserved range', () => {
    expectConfigError(() => microservice({ ports: [http({ port: 15020 })] }),
      "[test] c/web: ports[0].port: received 15020; allowed: a port outside 15000-15090, which Istio's sidecar reserves");
  });

  test('protocol', () => {
    expectConfigError(() => microservice({ ports: [http({ protocol: undefined as any })] }),
      '[test] c/web: ports[0].protocol: received undefined; allowed: a PortProtocol (HTTP, HTTP2, HTTPS, GRPC, TCP, TLS)');
  });

  test('sidecar ports are checked with their field prefix', () => {
    expectConfigError(() => microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, ports: [http({ port: 15001 })] }] }),
      "[test] c/web: sidecars[0].ports[0].port: received 15001; allowed: a port outside 15000-15090, which Istio's sidecar reserves");
  });

  test('port names are unique within the pod', () => {
    expectConfigError(() => microservice({
      ports: [http()],
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, ports: [http({ port: 9090 })] }],
    }), '[test] c/web: ports: received "http:9090"; allowed: port names and numbers unique within the pod');
  });

  test('port numbers are unique within the pod', () => {
    expectConfigError(() => microservice({
      ports: [http(), { name: 'admin', port: 8080, protocol: PortProtocol.HTTP }],
    }), '[test] c/web: ports: received "admin:8080"; allowed: port names and numbers unique within the pod');
  });

  // Two ports sharing a Service port number make a Service the API server rejects
  // (spec.ports[1]: Duplicate value); the library must refuse it at synth time.
  test('Service port numbers are unique within the Service', () => {
    expectConfigError(() => microservice({
      ports: [http({ servicePort: 80 }), { name: 'grpc', port: 9090, servicePort: 80, protocol: PortProtocol.GRPC }],
    }), '[test] c/web: ports: received "grpc on Service port 80"; allowed: a distinct Service port for every exposed port');
  });

  test('a Service port may not reuse another port\'s container port number as its own', () => {
    expectConfigError(() => microservice({
      ports: [{ name: 'web', port: 80, protocol: PortProtocol.HTTP }, { name: 'grpc', port: 9090, servicePort: 80, protocol: PortProtocol.GRPC }],
    }), '[test] c/web: ports: received "grpc on Service port 80"; allowed: a distinct Service port for every exposed port');
  });
});

describe('ports on the pod and the Service', () => {
  test('container ports are named TCP ports', () => {
    const { chart } = microservice({ ports: [http(), { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC }] });
    const c = one(synth(chart), 'Deployment').spec.template.spec.containers[0];
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
      { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  test('every Service port carries appProtocol and targets the container port by name', () => {
    const { chart } = microservice({
      ports: [
        http({ servicePort: 80 }),
        { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC },
        { name: 'nats', port: 4222, protocol: PortProtocol.TCP },
      ],
    });
    const svc = one(synth(chart), 'Service', 'web');
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      { name: 'grpc', port: 9090, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'nats', port: 4222, targetPort: 'nats', protocol: 'TCP', appProtocol: 'tcp' },
    ]);
  });

  test('ports with expose false are on the container but not on the Service', () => {
    const { chart } = microservice({ ports: [http(), { name: 'metrics', port: 9100, protocol: PortProtocol.HTTP, expose: false }] });
    const out = synth(chart);
    expect(one(out, 'Service').spec.ports.map((p: any) => p.name)).toEqual(['http']);
    expect(one(out, 'Deployment').spec.template.spec.containers[0].ports.map((p: any) => p.name)).toEqual(['http', 'metrics']);
  });

  test('sidecar ports are exposed on the Service too', () => {
    const { chart, web } = microservice({
      ports: [http()],
      sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED, ports: [{ name: 'admin', port: 9901, protocol: PortProtocol.HTTP }] }],
    });
    expect(web.ports.map((p) => p.name)).toEqual(['http', 'admin']);
    expect(one(synth(chart), 'Service').spec.ports.map((p: any) => [p.name, p.appProtocol])).toEqual([['http', 'http'], ['admin', 'http']]);
  });

  test('no Service when no port is exposed', () => {
    const { chart, web } = microservice({ ports: [http({ expose: false })] });
    expect(web.service).toBeUndefined();
    expect(synth(chart).filter((m) => m.kind === 'Service')).toEqual([]);
  });
});
