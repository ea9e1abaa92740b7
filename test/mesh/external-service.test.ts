import { Chart } from 'cdk8s';
import { ExternalService, ExternalServiceProps, IstioApiVersion, Microservice, NamespaceBaseline, PortProtocol, Workload } from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, allOfKind, expectConfigError, setup, synth, validationErrors } from '../workloads/helpers';

// ExternalService (constructs/mesh/external-service.ts): a dependency outside the cluster, its
// ServiceEntry and its callers' egress.

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };

function provider(chart: Chart, props: Partial<ExternalServiceProps> = {}): ExternalService {
  return new ExternalService(chart, 'provider', {
    name: 'payment-provider', hosts: ['api.payments.example.com'], ports: [{ port: 443, protocol: PortProtocol.TLS }],
    cidrs: ['203.0.113.0/24'], ...props,
  });
}

function shop() {
  const f = setup();
  new NamespaceBaseline(f.chart, 'ns', { mesh: { cni: true } });
  const payment = new Microservice(f.chart, 'payment', { image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  return { ...f, payment };
}

describe('ExternalService', () => {
  test('a ServiceEntry for the hosts, and an egress NetworkPolicy per caller to its addresses on the ports called', () => {
    const f = shop();
    const ext = provider(f.chart);
    ext.addCaller(f.payment);
    const ops = new Chart(f.app, 'ops', { namespace: 'ops' });
    ext.addCaller(Workload.fromAttributes(ops, 'reconciler', { name: 'reconciler', namespace: 'ops' }));
    const objects = synth(f.chart);
    expect(allOfKind(objects, 'ServiceEntry').map((o) => o.spec)).toEqual([{
      hosts: ['api.payments.example.com'], location: 'MESH_EXTERNAL', resolution: 'DNS',
      ports: [{ number: 443, name: 'tls-443', protocol: 'TLS' }], exportTo: ['.', 'ops'],
    }]);
    const policies = allOfKind(objects, 'NetworkPolicy').filter((o) => o.metadata.name.endsWith('-to-payment-provider'));
    expect(policies.map((p) => [p.metadata.namespace, p.metadata.name, p.spec])).toEqual([
      ['shop', 'allow-payment-to-payment-provider', {
        podSelector: { matchLabels: { app: 'payment' } }, policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
      }],
      ['ops', 'allow-reconciler-to-payment-provider', {
        podSelector: { matchLabels: { app: 'reconciler' } }, policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '203.0.113.0/24' } }], ports: [{ port: 443, protocol: 'TCP' }] }],
      }],
    ]);
  });

  test('through an egress gateway: the callers\' egress goes to its pods', () => {
    const f = shop();
    const ext = provider(f.chart, { cidrs: undefined, egressGateway: { namespace: 'istio-egress', selector: { istio: 'egressgateway' } } });
    ext.addCaller(f.payment);
    expect(ext.egressPolicies.map((p) => p.toJson().spec.egress[0].to)).toEqual([[{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-egress' } }, podSelector: { matchLabels: { istio: 'egressgateway' } },
    }]]);
  });

  test('the objects validate against Kubernetes 1.27 and both Istio releases, in v1 and v1beta1', () => {
    const validator = loadSchemaValidator();
    expect(validator.missing).toEqual([]);
    for (const apiVersion of [IstioApiVersion.V1, IstioApiVersion.V1BETA1]) {
      const f = shop();
      provider(f.chart, { apiVersion }).addCaller(f.payment);
      const objects = synth(f.chart).filter((o) => o.kind === 'ServiceEntry' || o.metadata.name.endsWith('-to-payment-provider'));
      expect(objects).toHaveLength(2);
      expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
    }
  });

  test('refused at synth: a caller whose namespace denies egress, with no address or egress gateway to open', () => {
    const f = shop();
    provider(f.chart, { cidrs: undefined }).addCaller(f.payment);
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/provider: addCaller(payment): received payment calling api.payments.example.com on port 443, with no address or egress gateway to open its egress to (NamespaceBaseline c/ns denies egress); allowed: cidrs (the addresses the hosts resolve to) or an egressGateway: NetworkPolicies match addresses, not names, so without one the call never leaves the namespace',
    ]);
  });

  test('hosts are DNS names without wildcards', () => {
    const f = setup();
    expectConfigError(() => provider(f.chart, { hosts: ['*.payments.example.com'] }),
      '[test] c/provider: hosts[0]: received "*.payments.example.com"; allowed: a fully qualified DNS name in lower case, without wildcards (the sidecar resolves it)');
  });

  test('addresses are IPv4 CIDRs', () => {
    const f = setup();
    expectConfigError(() => provider(f.chart, { cidrs: ['203.0.113.0'] }),
      '[test] c/provider: cidrs[0]: received "203.0.113.0"; allowed: an IPv4 CIDR such as 203.0.113.0/24');
  });

  test('a caller calls ports of the service', () => {
    const f = shop();
    expectConfigError(() => provider(f.chart).addCaller(f.payment, { ports: [80] }),
      '[test] c/provider: addCaller(payment).ports[0]: received 80; allowed: a port of payment-provider: 443');
  });
});

describe('ExternalService: what it accepts', () => {
  const TLS = [{ port: 443, protocol: PortProtocol.TLS }];
  test.each([
    ['name', { name: 'Bad' }, '[test] c/provider: name: received "Bad"; allowed: a DNS-1123 label of at most 63 characters'],
    ['hosts', { hosts: [] }, '[test] c/provider: hosts: received []; allowed: at least one DNS name, such as api.payments.example.com'],
    ['ports', { ports: [] }, '[test] c/provider: ports: received []; allowed: at least one port'],
    ['a port number', { ports: [{ port: 0, protocol: PortProtocol.TLS }] }, '[test] c/provider: ports[0].port: received 0; allowed: an integer from 1 to 65535'],
    ['a protocol', { ports: [{ port: 443, protocol: 'tls' as any }] },
      '[test] c/provider: ports[0].protocol: received "tls"; allowed: one of http, https, http2, grpc, tcp, tls (PortProtocol)'],
    ['each port once', { ports: [...TLS, { port: 443, protocol: PortProtocol.HTTPS }] }, '[test] c/provider: ports[1].port: received 443; allowed: each port once'],
    ['an egress gateway', { cidrs: undefined, egressGateway: { namespace: 'istio-egress', selector: {} } },
      '[test] c/provider: egressGateway: received {"namespace":"istio-egress","selector":{}}; allowed: a namespace and at least one label of the egress gateway\'s pods'],
    ['apiVersion', { apiVersion: 'v2' as any }, '[test] c/provider: apiVersion: received "v2"; allowed: one of v1, v1beta1 (IstioApiVersion)'],
  ])('%s', (_rule, props, message) => {
    const f = setup();
    expectConfigError(() => provider(f.chart, props), message);
  });

  test('a caller is a workload in a namespace', () => {
    const f = setup();
    expectConfigError(() => provider(f.chart).addCaller({} as any),
      '[test] c/provider: addCaller: received {}; allowed: a workload in a namespace (Microservice, StatefulService, NodeAgent or Workload.fromAttributes)');
  });
});
