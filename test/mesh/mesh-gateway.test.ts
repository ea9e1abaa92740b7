import { Chart } from 'cdk8s';
import {
  GatewayInstall, GatewayTlsMode, GatewayTlsProtocolVersion, IstioApiVersion, MeshGateway, MeshGatewayProps,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { allOfKind, expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// MeshGateway (constructs/mesh/mesh-gateway.ts): the Istio Gateway, the optional Gateway API
// Gateway, fromAttributes; one test per rule with its full message.

const HOSTS = ['shop.example.com', '*.api.example.com'];
const TLS = { credentialName: 'shop-tls' };

function gateway(chart: Chart, id: string, props: Partial<MeshGatewayProps> = {}): MeshGateway {
  return new MeshGateway(chart, id, { hosts: HOSTS, tls: TLS, ...props });
}

const HTTPS_SERVER = {
  hosts: HOSTS,
  port: { number: 443, name: 'https', protocol: 'HTTPS' },
  tls: { mode: 'SIMPLE', credentialName: 'shop-tls', minProtocolVersion: 'TLSV1_2' },
};
const REDIRECT_SERVER = {
  hosts: HOSTS,
  port: { number: 80, name: 'http-redirect', protocol: 'HTTP' },
  tls: { httpsRedirect: true },
};

describe('MeshGateway: the Istio Gateway', () => {
  test('defaults: networking.istio.io/v1 in the chart namespace, HTTPS on 443, redirect on 80', () => {
    const { chart } = setup();
    const gw = gateway(chart, 'public');
    const m = synth(chart);
    expect(m).toEqual([{
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'public', namespace: 'shop' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [HTTPS_SERVER, REDIRECT_SERVER] },
    }]);
    expect({
      gatewayName: gw.gatewayName, gatewayNamespace: gw.gatewayNamespace, reference: gw.reference, hosts: gw.hosts,
      workloadNamespace: gw.workloadNamespace, workloadSelector: gw.workloadSelector, principal: gw.principal,
      serviceAccount: gw.serviceAccount, trustDomain: gw.trustDomain, apiVersion: gw.apiVersion, tlsMode: gw.tlsMode,
      credentialName: gw.credentialName, minProtocolVersion: gw.minProtocolVersion, httpRedirect: gw.httpRedirect,
      serverPorts: gw.serverPorts, gatewayApiEnabled: gw.gatewayApiEnabled, gatewayApiParentRef: gw.gatewayApiParentRef,
      gatewayApiName: gw.gatewayApiName, gatewayApiPrincipal: gw.gatewayApiPrincipal, gatewayApiRouteNamespaces: gw.gatewayApiRouteNamespaces,
    }).toEqual({
      gatewayName: 'public', gatewayNamespace: 'shop', reference: 'shop/public', hosts: HOSTS,
      workloadNamespace: 'istio-ingress', workloadSelector: { istio: 'ingressgateway' },
      principal: 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway',
      serviceAccount: 'istio-ingressgateway', trustDomain: 'cluster.local', apiVersion: IstioApiVersion.V1,
      tlsMode: GatewayTlsMode.SIMPLE, credentialName: 'shop-tls', minProtocolVersion: GatewayTlsProtocolVersion.TLSV1_2,
      httpRedirect: true, serverPorts: [443, 80], gatewayApiEnabled: false, gatewayApiParentRef: undefined,
      gatewayApiName: undefined, gatewayApiPrincipal: undefined, gatewayApiRouteNamespaces: [],
    });
    expect(gw.resource.name).toBe('public');
    expect(MeshGateway.isMeshGateway(gw)).toBe(true);
    expect(MeshGateway.isMeshGateway(chart)).toBe(false);
  });

  test('apiVersion V1BETA1 writes networking.istio.io/v1beta1 with the same spec', () => {
    const { chart } = setup();
    gateway(chart, 'public', { apiVersion: IstioApiVersion.V1BETA1 });
    const gw = one(synth(chart), 'Gateway', 'public');
    expect(gw.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(gw.spec).toEqual({ selector: { istio: 'ingressgateway' }, servers: [HTTPS_SERVER, REDIRECT_SERVER] });
  });

  test('every setting: name, namespace, workload, identity, mutual TLS 1.3, no port 80', () => {
    const { chart } = setup(null);
    const gw = gateway(chart, 'gw', {
      name: 'partners', namespace: 'edge', hosts: ['partners.example.com'],
      workloadSelector: { app: 'partner-gateway', istio: 'partner' }, workloadNamespace: 'partner-ingress',
      serviceAccount: 'partner-gateway', trustDomain: 'prod.example.org', httpRedirect: false,
      tls: { credentialName: 'partners-mtls', mode: GatewayTlsMode.MUTUAL, minProtocolVersion: GatewayTlsProtocolVersion.TLSV1_3 },
    });
    expect(synth(chart)).toEqual([{
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'partners', namespace: 'edge' },
      spec: {
        selector: { app: 'partner-gateway', istio: 'partner' },
        servers: [{
          hosts: ['partners.example.com'],
          port: { number: 443, name: 'https', protocol: 'HTTPS' },
          tls: { mode: 'MUTUAL', credentialName: 'partners-mtls', minProtocolVersion: 'TLSV1_3' },
        }],
      },
    }]);
    expect([gw.reference, gw.principal, gw.serverPorts, gw.httpRedirect])
      .toEqual(['edge/partners', 'prod.example.org/ns/partner-ingress/sa/partner-gateway', [443], false]);
  });

  test('hostServes: exact hosts, wildcards over any depth, `*`, Istio namespace prefixes', () => {
    expect(MeshGateway.hostServes('shop.example.com', 'shop.example.com')).toBe(true);
    expect(MeshGateway.hostServes('shop.example.com', 'Shop.Example.com')).toBe(true);
    expect(MeshGateway.hostServes('shop.example.com', 'api.example.com')).toBe(false);
    expect(MeshGateway.hostServes('*.example.com', 'shop.example.com')).toBe(true);
    expect(MeshGateway.hostServes('*.example.com', 'a.b.example.com')).toBe(true);
    expect(MeshGateway.hostServes('*.example.com', 'example.com')).toBe(false);
    expect(MeshGateway.hostServes('*.example.com', '*.api.example.com')).toBe(true);
    expect(MeshGateway.hostServes('*.api.example.com', '*.example.com')).toBe(false);
    expect(MeshGateway.hostServes('shop.example.com', '*.example.com')).toBe(false);
    expect(MeshGateway.hostServes('*', 'anything.example.com')).toBe(true);
    expect(MeshGateway.hostServes('shop/shop.example.com', 'shop.example.com')).toBe(true);
    expect(MeshGateway.hostServes('./*.example.com', 'x.example.com')).toBe(true);
  });

  test('hostProblem: undefined for exact and wildcard hosts, what is allowed otherwise', () => {
    expect(MeshGateway.hostProblem('shop.example.com')).toBeUndefined();
    expect(MeshGateway.hostProblem('*.example.com')).toBeUndefined();
    expect(MeshGateway.hostProblem('shop')).toMatch(/^a lower-case DNS name/);
    expect(MeshGateway.hostProblem('a.*.example.com')).toMatch(/^a wildcard only as the whole first label/);
  });
});

describe('MeshGateway: Gateway API output', () => {
  const ROUTES = {
    kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
    namespaces: {
      from: 'Selector',
      selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['shop'] }] },
    },
  };
  const CERT = { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'shop-tls' }] };

  test('gatewayApi: a Gateway in the workload namespace, an HTTPS listener per host, HTTP redirected', () => {
    const { chart } = setup();
    const gw = gateway(chart, 'public', { gatewayApi: true });
    const m = synth(chart);
    expect(m.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'networking.istio.io/v1 Gateway shop/public',
      'gateway.networking.k8s.io/v1 Gateway istio-ingress/public',
      'gateway.networking.k8s.io/v1 HTTPRoute istio-ingress/public-https-redirect',
    ]);
    expect(m[1].spec).toEqual({
      gatewayClassName: 'istio',
      listeners: [
        { name: 'https-shop.example.com', hostname: 'shop.example.com', port: 443, protocol: 'HTTPS', tls: CERT, allowedRoutes: ROUTES },
        { name: 'https--api.example.com', hostname: '*.api.example.com', port: 443, protocol: 'HTTPS', tls: CERT, allowedRoutes: ROUTES },
        {
          name: 'http', port: 80, protocol: 'HTTP',
          allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], namespaces: { from: 'Same' } },
        },
      ],
    });
    expect(m[2].spec).toEqual({
      parentRefs: [{ name: 'public', namespace: 'istio-ingress', sectionName: 'http' }],
      hostnames: HOSTS,
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
    expect([gw.gatewayApiEnabled, gw.gatewayApiName, gw.gatewayApiNamespace, gw.gatewayApiClassName, gw.gatewayApiRouteNamespaces])
      .toEqual([true, 'public', 'istio-ingress', 'istio', ['shop']]);
    expect(gw.gatewayApiParentRef).toEqual({ name: 'public', namespace: 'istio-ingress' });
    expect(MeshGateway.gatewayApiParentRefOf(gw)).toEqual({ name: 'public', namespace: 'istio-ingress' });
    expect(gw.gatewayApiPrincipal).toBe('cluster.local/ns/istio-ingress/sa/public-istio');
    expect(gw.gatewayApiListenerName('*.api.example.com')).toBe('https--api.example.com');
    expect(gw.gatewayApiListenerName('shop.example.com')).toBe('https-shop.example.com');
    expect(gw.gatewayApiListenerName('other.example.com')).toBeUndefined();
  });

  test('gatewayApiClassName alone turns the output on; route namespaces as given; no HTTP listener without redirect', () => {
    const { chart } = setup();
    const gw = gateway(chart, 'public', { gatewayApiClassName: 'edge', gatewayApiRouteNamespaces: ['shop', 'billing'], httpRedirect: false });
    const m = synth(chart);
    expect(allOfKind(m, 'HTTPRoute')).toEqual([]);
    const api = m.find((o) => o.apiVersion === 'gateway.networking.k8s.io/v1' && o.kind === 'Gateway');
    expect(api.spec.gatewayClassName).toBe('edge');
    expect(api.spec.listeners.map((l: any) => l.name)).toEqual(['https-shop.example.com', 'https--api.example.com']);
    expect(api.spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values).toEqual(['shop', 'billing']);
    expect([gw.gatewayApiEnabled, gw.gatewayApiPrincipal]).toEqual([true, 'cluster.local/ns/istio-ingress/sa/public-edge']);
    expect(gw.gatewayApiListenerName('shop.example.com')).toBe('https-shop.example.com');
  });

  test('no gatewayApi: no listener names', () => {
    const { chart } = setup();
    expect(gateway(chart, 'public').gatewayApiListenerName('shop.example.com')).toBeUndefined();
  });
});

describe('MeshGateway: the gateway workload as installed (GatewayInstall)', () => {
  const workloadOf = (gw: { workloadNamespace: string; workloadSelector: { [k: string]: string }; principal: string }) =>
    [gw.workloadNamespace, gw.workloadSelector, gw.principal];
  const build = (props: Partial<MeshGatewayProps>) => () => gateway(setup().chart, 'public', props);

  test('istioctl default profile: istio-system, istio: ingressgateway, istio-ingressgateway-service-account', () => {
    const { chart } = setup();
    const gw = gateway(chart, 'public', { install: GatewayInstall.ISTIOCTL_DEFAULT });
    expect(one(synth(chart), 'Gateway', 'public').spec.selector).toEqual({ istio: 'ingressgateway' });
    expect(workloadOf(gw)).toEqual(['istio-system', { istio: 'ingressgateway' }, 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
    expect([gw.serviceAccount, gw.install, `${gw.install}`]).toEqual(['istio-ingressgateway-service-account', GatewayInstall.ISTIOCTL_DEFAULT, 'istioctl default profile']);
  });

  test('istio/gateway Helm chart: istio: <release without istio->, ServiceAccount <release>, the release namespace', () => {
    const { chart } = setup();
    const docs = gateway(chart, 'public', { install: GatewayInstall.helmGatewayChart('istio-ingress', 'istio-ingress') });
    expect(workloadOf(docs)).toEqual(['istio-ingress', { istio: 'ingress' }, 'cluster.local/ns/istio-ingress/sa/istio-ingress']);
    const edge = gateway(chart, 'edge', { hosts: ['edge.example.com'], install: GatewayInstall.helmGatewayChart('edge-gateway', 'edge') });
    expect(workloadOf(edge)).toEqual(['edge', { istio: 'edge-gateway' }, 'cluster.local/ns/edge/sa/edge-gateway']);
    expect(`${edge.install}`).toBe('istio/gateway Helm chart release edge-gateway in edge');
  });

  test('the default is the chart\'s release istio-ingressgateway in istio-ingress (what the separate props defaulted to)', () => {
    const { chart } = setup();
    const gw = gateway(chart, 'public');
    expect(workloadOf(gw)).toEqual(['istio-ingress', { istio: 'ingressgateway' }, 'cluster.local/ns/istio-ingress/sa/istio-ingressgateway']);
    expect(workloadOf(gw)).toEqual(workloadOf(gateway(chart, 'same', { hosts: ['same.example.com'], install: GatewayInstall.helmGatewayChart('istio-ingressgateway', 'istio-ingress') })));
  });

  test('custom: namespace, labels and ServiceAccount as given; fromAttributes takes it too', () => {
    const { chart } = setup();
    const install = GatewayInstall.custom({ namespace: 'partner-ingress', selector: { app: 'partner-gateway' }, serviceAccount: 'partner-gateway' });
    const gw = gateway(chart, 'partners', { hosts: ['partners.example.com'], install });
    expect(workloadOf(gw)).toEqual(['partner-ingress', { app: 'partner-gateway' }, 'cluster.local/ns/partner-ingress/sa/partner-gateway']);
    const shared = MeshGateway.fromAttributes(chart, 'shared', {
      gatewayName: 'shared', gatewayNamespace: 'istio-system', hosts: ['*.example.com'], install: GatewayInstall.ISTIOCTL_DEFAULT,
    });
    expect(workloadOf(shared)).toEqual(['istio-system', { istio: 'ingressgateway' }, 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account']);
  });

  test('rule: install, or the deprecated separate props, not both', () => {
    expectConfigError(build({ install: GatewayInstall.ISTIOCTL_DEFAULT, workloadNamespace: 'istio-ingress' }),
      '[test] c/public: workloadNamespace: received "istio-ingress"; allowed: nothing with install (istioctl default profile): '
      + "it sets the gateway workload's namespace, pod labels and ServiceAccount together");
  });

  test('rule: a Helm release name', () => {
    expectConfigError(build({ install: GatewayInstall.helmGatewayChart('Istio_Ingress', 'istio-ingress') }),
      '[test] c/public: install: received "Istio_Ingress"; allowed: a Helm release name (a DNS-1123 label of at most 53 characters)');
  });

  test('rule: the install\'s values are checked like the props, under install.*', () => {
    expectConfigError(build({ install: GatewayInstall.custom({ namespace: 'edge', selector: {}, serviceAccount: 'edge' }) }),
      '[test] c/public: install.selector: received {}; allowed: at least one label (an empty selector picks every gateway workload of the mesh)');
    expectConfigError(build({ install: GatewayInstall.helmGatewayChart('edge', 'Edge') }),
      '[test] c/public: install.namespace: received "Edge"; allowed: a DNS-1123 label of at most 63 characters');
    expectConfigError(build({ install: GatewayInstall.custom({ namespace: 'edge', selector: { app: 'edge' }, serviceAccount: 'default' }) }),
      "[test] c/public: install.serviceAccount: received \"default\"; allowed: the DNS-1123 name of the gateway workload's own ServiceAccount, not 'default'");
  });

  test('rule: install is a GatewayInstall', () => {
    expectConfigError(build({ install: { namespace: 'edge' } as unknown as GatewayInstall }),
      '[test] c/public: install: received {"namespace":"edge"}; allowed: GatewayInstall.ISTIOCTL_DEFAULT, GatewayInstall.helmGatewayChart(release, namespace) or GatewayInstall.custom({...})');
  });
});

describe('MeshGateway.fromAttributes', () => {
  test('defaults: the istio-ingress workload, ports 443 and 80, no Gateway API', () => {
    const { chart } = setup();
    const gw = MeshGateway.fromAttributes(chart, 'shared', { gatewayName: 'shared', gatewayNamespace: 'istio-ingress', hosts: ['*/*.example.com'] });
    expect([gw.reference, gw.hosts, gw.workloadNamespace, gw.workloadSelector, gw.principal]).toEqual([
      'istio-ingress/shared', ['*/*.example.com'], 'istio-ingress', { istio: 'ingressgateway' },
      'cluster.local/ns/istio-ingress/sa/istio-ingressgateway',
    ]);
    expect(MeshGateway.serverPortsOf(gw)).toEqual([443, 80]);
    expect(MeshGateway.gatewayApiParentRefOf(gw)).toBeUndefined();
    expect(MeshGateway.isMeshGateway(gw)).toBe(false);
    expect(synth(chart)).toEqual([]);
  });

  test('every attribute', () => {
    const { chart } = setup();
    const gw = MeshGateway.fromAttributes(chart, 'shared', {
      gatewayName: 'shared', gatewayNamespace: 'edge', hosts: ['shop.example.com'], workloadNamespace: 'gw',
      workloadSelector: { app: 'gw' }, serviceAccount: 'gw-sa', trustDomain: 'example.org', serverPorts: [8443],
      gatewayApiName: 'shared-api',
    });
    expect([gw.workloadNamespace, gw.workloadSelector, gw.principal]).toEqual(['gw', { app: 'gw' }, 'example.org/ns/gw/sa/gw-sa']);
    expect(MeshGateway.serverPortsOf(gw)).toEqual([8443]);
    expect(MeshGateway.gatewayApiParentRefOf(gw)).toEqual({ name: 'shared-api', namespace: 'gw' });
    const other = MeshGateway.fromAttributes(chart, 'other', {
      gatewayName: 'other', gatewayNamespace: 'edge', hosts: ['a.example.com'], gatewayApiName: 'o', gatewayApiNamespace: 'routes',
    });
    expect(MeshGateway.gatewayApiParentRefOf(other)).toEqual({ name: 'o', namespace: 'routes' });
  });
});

describe('MeshGateway: schema validation', () => {
  const validator = loadSchemaValidator();

  test('the schemas are present (nothing is silently left unchecked)', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each<[string, Partial<MeshGatewayProps>]>([
    ['defaults', {}],
    ['v1beta1', { apiVersion: IstioApiVersion.V1BETA1 }],
    ['mutual TLS 1.3 without port 80, v1beta1', {
      apiVersion: IstioApiVersion.V1BETA1, httpRedirect: false,
      tls: { credentialName: 'c', mode: GatewayTlsMode.MUTUAL, minProtocolVersion: GatewayTlsProtocolVersion.TLSV1_3 },
    }],
    ['Gateway API with the redirect route', { gatewayApi: true }],
    ['Gateway API without port 80, two route namespaces', { gatewayApi: true, httpRedirect: false, gatewayApiRouteNamespaces: ['shop', 'web'] }],
  ])('every object validates (Istio 1.23.6 and 1.30.3, Gateway API v1.2.1): %s', (_, props) => {
    const { chart } = setup();
    gateway(chart, 'public', props);
    const m = synth(chart);
    expect(m.length).toBeGreaterThan(0);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
    expect(validator.missing).toEqual([]);
  });
});

describe('MeshGateway: rules checked in the constructor', () => {
  const build = (props: Partial<MeshGatewayProps>, namespace: string | null = 'shop') => () => gateway(setup(namespace).chart, 'public', props);
  const HOST = "a lower-case DNS name with at least two labels (shop.example.com) or a wildcard over a domain (*.example.com): labels of a-z, 0-9 and '-' that neither start nor end with '-', at most 63 characters each and 253 in all";

  test('hosts: at least one', () => {
    expectConfigError(build({ hosts: [] }),
      '[test] c/public: hosts: received []; allowed: at least one host (shop.example.com or *.example.com)');
  });

  test('hosts: DNS syntax, lower case, at least two labels', () => {
    for (const bad of ['Shop.example.com', 'shop_1.example.com', 'shop', '-shop.example.com', 'shop.example.com.', `${'a'.repeat(64)}.example.com`]) {
      expectConfigError(build({ hosts: ['ok.example.com', bad] }), `[test] c/public: hosts[1]: received ${JSON.stringify(bad)}; allowed: ${HOST}`);
    }
  });

  test('hosts: a wildcard only as the whole first label', () => {
    for (const bad of ['shop.*.example.com', '*shop.example.com', 'shop*.example.com', '*.*.example.com', '*']) {
      expectConfigError(build({ hosts: [bad] }),
        `[test] c/public: hosts[0]: received ${JSON.stringify(bad)}; allowed: a wildcard only as the whole first label, followed by a domain (*.example.com): Istio and the Gateway API match no partial, inner or bare wildcards`);
    }
  });

  test('hosts: each once', () => {
    expectConfigError(build({ hosts: ['shop.example.com', '*.example.com', 'shop.example.com'] }),
      '[test] c/public: hosts[2]: received "shop.example.com"; allowed: each host once (it is also hosts[0])');
  });

  test('tls: required (for JavaScript callers)', () => {
    expectConfigError(build({ tls: undefined }),
      '[test] c/public: tls: received nothing; allowed: TLS for the HTTPS server: the name of a Secret in istio-ingress (credentialName)');
  });

  test('tls.credentialName: the name of a Secret in the workload namespace', () => {
    const allowed = "allowed: the name of a Secret in the gateway workload's namespace istio-ingress (a DNS-1123 name): Istio reads credentials only there";
    expectConfigError(build({ tls: { credentialName: '' } }), `[test] c/public: tls.credentialName: received ""; ${allowed}`);
    expectConfigError(build({ tls: { credentialName: 'Shop_TLS' } }), `[test] c/public: tls.credentialName: received "Shop_TLS"; ${allowed}`);
  });

  test('tls.mode: SIMPLE or MUTUAL', () => {
    expectConfigError(build({ tls: { credentialName: 'c', mode: 'PASSTHROUGH' as GatewayTlsMode } }),
      '[test] c/public: tls.mode: received "PASSTHROUGH"; allowed: SIMPLE or MUTUAL');
  });

  test('tls.minProtocolVersion: TLSV1_2 or TLSV1_3', () => {
    expectConfigError(build({ tls: { credentialName: 'c', minProtocolVersion: 'TLSV1_0' as GatewayTlsProtocolVersion } }),
      '[test] c/public: tls.minProtocolVersion: received "TLSV1_0"; allowed: TLSV1_2 or TLSV1_3');
  });

  test('name: a DNS label', () => {
    expectConfigError(build({ name: 'Public' }), '[test] c/public: name: received "Public"; allowed: a DNS-1123 label of at most 63 characters');
  });

  test('namespace: given or from the chart', () => {
    expectConfigError(build({}, null),
      '[test] c/public: namespace: received nothing; allowed: a DNS-1123 label of at most 63 characters (or a chart with a namespace)');
  });

  test('apiVersion: v1 or v1beta1', () => {
    expectConfigError(build({ apiVersion: 'v1alpha3' as IstioApiVersion }), '[test] c/public: apiVersion: received "v1alpha3"; allowed: v1 or v1beta1');
  });

  test('workloadSelector: at least one label', () => {
    expectConfigError(build({ workloadSelector: {} }),
      '[test] c/public: workloadSelector: received {}; allowed: at least one label (an empty selector picks every gateway workload of the mesh)');
  });

  test('workloadSelector: valid label keys and values', () => {
    expectConfigError(build({ workloadSelector: { istio: 'ingress gateway' } }),
      '[test] c/public: workloadSelector: received {"istio":"ingress gateway"}; allowed: label keys and values as Kubernetes accepts them (e.g. istio: ingressgateway)');
  });

  test('workloadNamespace: a DNS label', () => {
    expectConfigError(build({ workloadNamespace: 'istio_ingress' }),
      '[test] c/public: workloadNamespace: received "istio_ingress"; allowed: a DNS-1123 label of at most 63 characters');
  });

  test("serviceAccount: the workload's own, not 'default'", () => {
    expectConfigError(build({ serviceAccount: 'default' }),
      "[test] c/public: serviceAccount: received \"default\"; allowed: the DNS-1123 name of the gateway workload's own ServiceAccount, not 'default'");
  });

  test('trustDomain: a DNS name', () => {
    expectConfigError(build({ trustDomain: 'cluster local' }),
      '[test] c/public: trustDomain: received "cluster local"; allowed: the mesh trust domain, a DNS name such as cluster.local');
  });

  test('gatewayApi: no mutual TLS (not in the v1.2 standard channel)', () => {
    expectConfigError(build({ gatewayApi: true, tls: { credentialName: 'c', mode: GatewayTlsMode.MUTUAL } }),
      '[test] c/public: tls.mode: received "MUTUAL"; allowed: SIMPLE with gatewayApi: the Gateway API v1.2 standard channel cannot ask clients for certificates');
  });

  test('gatewayApi: minimum TLS 1.2 (the listener cannot be raised)', () => {
    expectConfigError(build({ gatewayApi: true, tls: { credentialName: 'c', minProtocolVersion: GatewayTlsProtocolVersion.TLSV1_3 } }),
      '[test] c/public: tls.minProtocolVersion: received "TLSV1_3"; allowed: TLSV1_2 with gatewayApi: a Gateway API listener has no standard minimum-version setting, so it would accept TLS 1.2 anyway');
  });

  test('gatewayApiClassName: not with gatewayApi false', () => {
    expectConfigError(build({ gatewayApi: false, gatewayApiClassName: 'istio' }),
      '[test] c/public: gatewayApiClassName: received "istio"; allowed: nothing with gatewayApi false (the class is only for the Gateway API Gateway)');
  });

  test('gatewayApiClassName: a GatewayClass name', () => {
    expectConfigError(build({ gatewayApiClassName: 'Istio' }),
      '[test] c/public: gatewayApiClassName: received "Istio"; allowed: the name of a GatewayClass (a DNS-1123 name)');
  });

  test('gatewayApiRouteNamespaces: not without gatewayApi', () => {
    expectConfigError(build({ gatewayApiRouteNamespaces: ['shop'] }),
      '[test] c/public: gatewayApiRouteNamespaces: received ["shop"]; allowed: nothing without gatewayApi (they are only for the Gateway API Gateway)');
  });

  test('gatewayApiRouteNamespaces: at least one', () => {
    expectConfigError(build({ gatewayApi: true, gatewayApiRouteNamespaces: [] }),
      '[test] c/public: gatewayApiRouteNamespaces: received []; allowed: at least one namespace');
  });

  test('gatewayApiRouteNamespaces: DNS labels', () => {
    expectConfigError(build({ gatewayApi: true, gatewayApiRouteNamespaces: ['shop', 'Web'] }),
      '[test] c/public: gatewayApiRouteNamespaces[1]: received "Web"; allowed: a DNS-1123 label of at most 63 characters');
  });

  test("gatewayApiRouteNamespaces: not the gateway's own namespace while port 80 redirects", () => {
    expectConfigError(build({ gatewayApi: true, gatewayApiRouteNamespaces: ['istio-ingress'] }),
      "[test] c/public: gatewayApiRouteNamespaces[0]: received \"istio-ingress\"; allowed: a namespace other than the gateway's own (istio-ingress) with httpRedirect: its routes would also attach to the plain-HTTP listener");
    expect(() => build({ gatewayApi: true, httpRedirect: false, gatewayApiRouteNamespaces: ['istio-ingress'] })()).not.toThrow();
  });

  test('gatewayApi: hosts short enough for their listener name', () => {
    const long = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}`;
    expect(build({ hosts: [long] })).not.toThrow();
    expectConfigError(build({ gatewayApi: true, hosts: [long] }),
      `[test] c/public: hosts[0]: received "${long}"; allowed: a host of at most 246 characters with gatewayApi (its listener name https-<host> is limited to 253)`);
  });
});

describe('MeshGateway.fromAttributes: rules', () => {
  const attrs = { gatewayName: 'shared', gatewayNamespace: 'istio-ingress', hosts: ['*.example.com'] };
  test('gatewayName: a DNS name', () => {
    expectConfigError(() => MeshGateway.fromAttributes(setup().chart, 'gw', { ...attrs, gatewayName: 'Shared' }),
      '[test] c/gw: gatewayName: received "Shared"; allowed: a DNS-1123 name');
  });
  test('gatewayNamespace: a DNS label', () => {
    expectConfigError(() => MeshGateway.fromAttributes(setup().chart, 'gw', { ...attrs, gatewayNamespace: '' }),
      '[test] c/gw: gatewayNamespace: received ""; allowed: a DNS-1123 label of at most 63 characters');
  });
  test('hosts: at least one', () => {
    expectConfigError(() => MeshGateway.fromAttributes(setup().chart, 'gw', { ...attrs, hosts: [] }),
      '[test] c/gw: hosts: received []; allowed: at least one host');
  });
});

describe('MeshGateway: rules across the app', () => {
  test('IST0145: two Gateways with the same workload selector serving one host on one port', () => {
    const { app, chart } = setup();
    gateway(chart, 'public', { hosts: ['shop.example.com'] });
    const web = new Chart(app, 'd', { namespace: 'web' });
    gateway(web, 'storefront', { hosts: ['www.example.com', 'shop.example.com'] });
    expect(validationErrors(web)).toEqual([
      '[test] d/storefront: hosts: received "shop.example.com" on port 443; allowed: a host that no other Gateway for the same gateway workload (selector istio=ingressgateway) serves on the same port: Gateway shop/public (c/public) serves "shop.example.com" on port 443 (IST0145: Istio applies only one of the conflicting servers)',
    ]);
  });

  test('IST0145: overlapping wildcards conflict too, on the port both serve', () => {
    const { chart } = setup();
    gateway(chart, 'public', { hosts: ['*.example.com'], httpRedirect: false, workloadSelector: { istio: 'ingressgateway', app: 'gw' } });
    gateway(chart, 'api', { hosts: ['api.example.com'], workloadSelector: { app: 'gw', istio: 'ingressgateway' } });
    expect(validationErrors(chart)).toEqual([
      '[test] c/api: hosts: received "api.example.com" on port 443; allowed: a host that no other Gateway for the same gateway workload (selector app=gw,istio=ingressgateway) serves on the same port: Gateway shop/public (c/public) serves "*.example.com" on port 443 (IST0145: Istio applies only one of the conflicting servers)',
    ]);
  });

  test('IST0145: other selectors or disjoint hosts are fine', () => {
    const { chart } = setup();
    gateway(chart, 'public', { hosts: ['shop.example.com', '*.api.example.com'] });
    gateway(chart, 'internal', { hosts: ['shop.example.com'], workloadSelector: { istio: 'internal-gateway' } });
    gateway(chart, 'docs', { hosts: ['docs.example.com', 'api.example.com'] });
    expect(validationErrors(chart)).toEqual([]);
  });

  test('two Gateways with one name in one namespace', () => {
    const { chart } = setup();
    gateway(chart, 'public', { hosts: ['a.example.com'] });
    gateway(chart, 'public2', { name: 'public', hosts: ['b.example.com'] });
    expect(validationErrors(chart)).toEqual([
      '[test] c/public2: name: received "public"; allowed: a Gateway name not used by another Gateway in namespace shop: c/public is also shop/public',
    ]);
  });

  test('two Gateway API Gateways with one name in the workload namespace', () => {
    const { app, chart } = setup();
    gateway(chart, 'public', { hosts: ['a.example.com'], gatewayApi: true });
    const web = new Chart(app, 'd', { namespace: 'web' });
    gateway(web, 'public', { hosts: ['b.example.com'], gatewayApi: true, workloadSelector: { istio: 'web-gateway' } });
    expect(validationErrors(web)).toEqual([
      '[test] d/public: name: received "public"; allowed: a name no other Gateway API Gateway uses in istio-ingress: c/public also writes Gateway istio-ingress/public',
    ]);
  });
});
