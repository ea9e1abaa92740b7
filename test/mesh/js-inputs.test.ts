/**
 * What a plain-JavaScript caller gets for Istio props of the wrong type: the library's
 * ConfigError with the construct path and field, never a TypeError from inside, and never a
 * string such as "false" taken for true.
 */
import {
  DefaultDeny, ExternalService, GatewayJwt, MeshGateway, MeshTls, Microservice, MtlsMode, PortProtocol, ServiceAuthorization, ServiceRoute,
} from '../../constructs';
import { Testing } from 'cdk8s';
import { GUARANTEED, IMAGE, expectConfigError, js, setup } from '../workloads/helpers';

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };
const GATEWAY = { hosts: ['shop.example.com'], tls: { credentialName: 'shop-tls' } };

test('MeshGateway: a boolean as a string, a list in place of a name, a selector as text', () => {
  const { chart } = setup();
  expectConfigError(() => new MeshGateway(chart, 'a', js({ ...GATEWAY, httpRedirect: 'false' })), '[test] c/a: httpRedirect: received "false"; allowed: true or false');
  expectConfigError(() => new MeshGateway(chart, 'b', js({ ...GATEWAY, tls: { credentialName: ['shop-tls'] } })),
    '[test] c/b: tls.credentialName: received ["shop-tls"]; allowed: the name of a Secret');
  expectConfigError(() => new MeshGateway(chart, 'c', js({ ...GATEWAY, workloadSelector: 'istio=ingress' })),
    '[test] c/c: workloadSelector: received "istio=ingress"; allowed: an object of names to strings');
  expectConfigError(() => MeshGateway.fromAttributes(chart, 'd', js({ gatewayName: 'g', gatewayNamespace: 'istio-ingress', hosts: ['a.example.com'], serverPorts: ['443'] })),
    '[test] c/d: serverPorts[0]: received "443"; allowed: a port from 1 to 65535');
});

test('GatewayJwt: a missing gateway, a boolean as a string', () => {
  const { chart } = setup();
  expectConfigError(() => new GatewayJwt(chart, 'a', js({ issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/jwks' })),
    '[test] c/a: gateway: received nothing; allowed: a MeshGateway (or MeshGateway.fromAttributes)');
  const gateway = new MeshGateway(chart, 'gw', GATEWAY);
  expectConfigError(() => new GatewayJwt(chart, 'b', js({ gateway, issuer: 'https://auth.example.com/', jwksUri: 'https://auth.example.com/jwks', forwardOriginalToken: 'yes' })),
    '[test] c/b: forwardOriginalToken: received "yes"; allowed: true or false');
});

test('ServiceRoute: a gateway by name, a string where a list or a Duration belongs, a traffic policy part of the wrong type', () => {
  const { chart } = setup();
  const service = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  expectConfigError(() => new ServiceRoute(chart, 'a', js({ service, gateways: 'public' })),
    '[test] c/a: gateways: received "public"; allowed: a list of gateways (MeshGateway or MeshGateway.fromAttributes)');
  expectConfigError(() => new ServiceRoute(chart, 'b', js({ service, rules: [{ name: 'r', retries: { attempts: 1, retryOn: 'connect-failure' } }] })),
    '[test] c/b: rules[0].retries.retryOn: received "connect-failure"; allowed: a list of RetryOn values');
  expectConfigError(() => new ServiceRoute(chart, 'c', js({ service, rules: [{ name: 'r', timeout: '10s' }] })),
    '[test] c/c: rules[0].timeout: received "10s"; allowed: a Duration such as Duration.seconds(10)');
  expectConfigError(() => new ServiceRoute(chart, 'd', js({ service, trafficPolicy: { connectionPool: { tcp: 100 } } })),
    '[test] c/d: trafficPolicy.connectionPool.tcp: received 100; allowed: TCP limits { maxConnections, connectTimeout }');
  expectConfigError(() => new ServiceRoute(chart, 'e', js({ service, meshTraffic: 'true' })), '[test] c/e: meshTraffic: received "true"; allowed: true or false');
});

test('MeshTls: a list in place of a namespace, a mode in the wrong case, mesh-wide options', () => {
  const { chart } = setup();
  expectConfigError(() => new MeshTls(chart, 'a', js({ mode: MtlsMode.STRICT, namespace: ['shop'] })), '[test] c/a: namespace: received ["shop"]; allowed: a string');
  expectConfigError(() => new MeshTls(chart, 'b', js({ mode: 'strict' })), '[test] c/b: mode: received "strict"; allowed: one of STRICT, PERMISSIVE, DISABLE (MtlsMode)');
  expectConfigError(() => MeshTls.meshWide(chart, 'c', js({ mode: MtlsMode.STRICT, rootNamespace: 5 })), '[test] c/c: rootNamespace: received 5; allowed: a string');
});

test('ServiceAuthorization: a path where a list belongs, a boolean as a string', () => {
  const { chart } = setup();
  const target = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  expectConfigError(() => new ServiceAuthorization(chart, 'a', js({ target, callers: [{ principal: 'cluster.local/ns/shop/sa/web', paths: '/api/*' }] })),
    '[test] c/a: callers[0].paths: received "/api/*"; allowed: a list of paths');
  expectConfigError(() => new ServiceAuthorization(chart, 'b', js({ target, allowPeers: 'true' })), '[test] c/b: allowPeers: received "true"; allowed: true or false');
});

test('DefaultDeny and ExternalService: a single value where a list belongs', () => {
  const { chart } = setup();
  expectConfigError(() => new DefaultDeny(chart, 'deny', js({ metricsPorts: 9090 })), '[test] c/deny: metricsPorts: received 9090; allowed: a list of container ports');
  const ports = [{ port: 443, protocol: PortProtocol.TLS }];
  expectConfigError(() => new ExternalService(chart, 'a', js({ hosts: ['api.example.com'], ports, cidrs: '203.0.113.0/24' })),
    '[test] c/a: cidrs: received "203.0.113.0/24"; allowed: a list of IPv4 CIDRs');
  const provider = new ExternalService(chart, 'b', { hosts: ['api.example.com'], ports, cidrs: ['203.0.113.0/24'] });
  const web = new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  expectConfigError(() => provider.addCaller(web, js({ ports: 443 })), '[test] c/b: addCaller(web).ports: received 443; allowed: a list of ports');
});

test('objects of fields built by a class are taken like literals (route versions, external ports)', () => {
  const { chart } = setup();
  const order = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  const canary = new Microservice(chart, 'order-canary', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], app: 'order', version: 'v2' });
  class Weighted {
    constructor(public readonly workload: Microservice, public readonly weight: number) {}
  }
  new ServiceRoute(chart, 'route', { service: order, versions: [new Weighted(order, 90), new Weighted(canary, 10)] });
  class TlsPort {
    public readonly protocol = PortProtocol.TLS;
    constructor(public readonly port: number) {}
  }
  new ExternalService(chart, 'provider', { hosts: ['api.example.com'], ports: [new TlsPort(443)], cidrs: ['203.0.113.0/24'] });
  const objects = Testing.synth(chart);
  const virtualService = objects.find((o: any) => o.kind === 'VirtualService');
  expect(virtualService.spec.http[0].route.map((r: any) => r.weight)).toEqual([90, 10]);
  const entry = objects.find((o: any) => o.kind === 'ServiceEntry');
  expect(entry.spec.ports).toEqual([expect.objectContaining({ number: 443, protocol: 'TLS' })]);
});
