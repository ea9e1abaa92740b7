import { Chart } from 'cdk8s';
import { GatewayJwt, GatewayJwtProps, IMeshGateway, IstioApiVersion, MeshGateway, MeshGatewayProps } from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { expectConfigError, one, setup, synth } from '../workloads/helpers';

// GatewayJwt (constructs/mesh/gateway-jwt.ts): RequestAuthentication at the gateway workload and
// the DENY policy that makes the token required; one test per rule with its full message.

const ISSUER = 'https://auth.example.com/';
const JWKS = 'https://auth.example.com/.well-known/jwks.json';

function meshGateway(chart: Chart, props: Partial<MeshGatewayProps> = {}): MeshGateway {
  return new MeshGateway(chart, 'public', { hosts: ['shop.example.com', '*.api.example.com'], tls: { credentialName: 'shop-tls' }, ...props });
}

function jwt(chart: Chart, gateway: IMeshGateway, props: Partial<GatewayJwtProps> = {}): GatewayJwt {
  return new GatewayJwt(chart, 'jwt', { gateway, issuer: ISSUER, jwksUri: JWKS, ...props });
}

const withoutGateways = (m: any[]) => m.filter((o) => o.kind !== 'Gateway' && o.kind !== 'HTTPRoute');
const DENY_WITHOUT_TOKEN = { source: { notRequestPrincipals: ['*'] } };

describe('GatewayJwt: objects', () => {
  test('defaults: RequestAuthentication and a DENY policy for every gateway host, on the gateway workload', () => {
    const { chart } = setup();
    const gw = meshGateway(chart);
    const j = jwt(chart, gw);
    expect(withoutGateways(synth(chart))).toEqual([
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'RequestAuthentication',
        metadata: { name: 'jwt', namespace: 'istio-ingress' },
        spec: {
          selector: { matchLabels: { istio: 'ingressgateway' } },
          jwtRules: [{ issuer: ISSUER, jwks_uri: JWKS }],
        },
      },
      {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'jwt-require-jwt', namespace: 'istio-ingress' },
        spec: {
          action: 'DENY',
          selector: { matchLabels: { istio: 'ingressgateway' } },
          rules: [{
            from: [DENY_WITHOUT_TOKEN],
            to: [{ operation: { hosts: ['shop.example.com', 'shop.example.com:*', '*.api.example.com', '*.api.example.com:443', '*.api.example.com:80'] } }],
          }],
        },
      },
    ]);
    expect([j.name, j.namespace, j.issuer, j.jwksUri, j.audiences, j.forwardOriginalToken, j.hosts, j.paths, j.excludePaths, j.apiVersion])
      .toEqual(['jwt', 'istio-ingress', ISSUER, JWKS, [], false, ['shop.example.com', '*.api.example.com'], [], [], IstioApiVersion.V1]);
    expect([j.requestAuthentication.name, j.authorizationPolicy.name, j.gatewayApiRequestAuthentication, j.gatewayApiAuthorizationPolicy])
      .toEqual(['jwt', 'jwt-require-jwt', undefined, undefined]);
  });

  test('apiVersion V1BETA1 writes security.istio.io/v1beta1 with the same specs', () => {
    const { chart } = setup();
    jwt(chart, meshGateway(chart), { apiVersion: IstioApiVersion.V1BETA1 });
    const m = withoutGateways(synth(chart));
    expect(m.map((o) => `${o.apiVersion} ${o.kind}`)).toEqual(['security.istio.io/v1beta1 RequestAuthentication', 'security.istio.io/v1beta1 AuthorizationPolicy']);
    expect(m[1].spec.action).toBe('DENY');
    expect(m[1].spec.rules[0].from).toEqual([DENY_WITHOUT_TOKEN]);
  });

  test('every option: audiences, forwarded token, headers, some hosts, paths with exclusions, a name', () => {
    const { chart } = setup();
    const gw = meshGateway(chart, { workloadSelector: { app: 'edge' }, workloadNamespace: 'edge', httpRedirect: false });
    jwt(chart, gw, {
      name: 'orders-auth', audiences: ['orders', 'shop'], forwardOriginalToken: true,
      fromHeaders: [{ name: 'x-jwt-assertion' }, { name: 'Authorization', prefix: 'Bearer ' }],
      hosts: ['shop.example.com', 'v2.api.example.com', '*.api.example.com'], paths: ['/api/*', '/orders'], excludePaths: ['/api/health'],
    });
    const m = synth(chart);
    expect(one(m, 'RequestAuthentication', 'orders-auth')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: { name: 'orders-auth', namespace: 'edge' },
      spec: {
        selector: { matchLabels: { app: 'edge' } },
        jwtRules: [{
          issuer: ISSUER, jwks_uri: JWKS, audiences: ['orders', 'shop'], forwardOriginalToken: true,
          fromHeaders: [{ name: 'x-jwt-assertion' }, { name: 'Authorization', prefix: 'Bearer ' }],
        }],
      },
    });
    expect(one(m, 'AuthorizationPolicy', 'orders-auth-require-jwt').spec).toEqual({
      action: 'DENY',
      selector: { matchLabels: { app: 'edge' } },
      rules: [{
        from: [DENY_WITHOUT_TOKEN],
        to: [{
          operation: {
            hosts: ['shop.example.com', 'shop.example.com:*', 'v2.api.example.com', 'v2.api.example.com:*', '*.api.example.com', '*.api.example.com:443'],
            paths: ['/api/*', '/orders'],
            notPaths: ['/api/health'],
          },
        }],
      }],
    });
  });

  test('a gateway with Gateway API output: the same pair again for its workload, attached by targetRefs', () => {
    const { chart } = setup();
    const j = jwt(chart, meshGateway(chart, { gatewayApi: true }), { excludePaths: ['/healthz'] });
    const m = synth(chart);
    const targetRefs = [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public' }];
    expect(one(m, 'RequestAuthentication', 'jwt-gateway-api')).toEqual({
      apiVersion: 'security.istio.io/v1',
      kind: 'RequestAuthentication',
      metadata: { name: 'jwt-gateway-api', namespace: 'istio-ingress' },
      spec: { targetRefs, jwtRules: [{ issuer: ISSUER, jwks_uri: JWKS }] },
    });
    const policy = one(m, 'AuthorizationPolicy', 'jwt-gateway-api-require-jwt');
    expect(policy.metadata).toEqual({ name: 'jwt-gateway-api-require-jwt', namespace: 'istio-ingress' });
    expect(policy.spec).toEqual({
      action: 'DENY',
      targetRefs,
      rules: [{
        from: [DENY_WITHOUT_TOKEN],
        to: [{
          operation: {
            hosts: ['shop.example.com', 'shop.example.com:*', '*.api.example.com', '*.api.example.com:443', '*.api.example.com:80'],
            notPaths: ['/healthz'],
          },
        }],
      }],
    });
    expect(one(m, 'AuthorizationPolicy', 'jwt-require-jwt').spec.selector).toEqual({ matchLabels: { istio: 'ingressgateway' } });
    expect([j.gatewayApiRequestAuthentication?.name, j.gatewayApiAuthorizationPolicy?.name]).toEqual(['jwt-gateway-api', 'jwt-gateway-api-require-jwt']);
  });

  test('a gateway from attributes: namespace prefixes dropped, its ports for wildcards, its Gateway API Gateway', () => {
    const { chart } = setup();
    const gw = MeshGateway.fromAttributes(chart, 'shared', {
      gatewayName: 'shared', gatewayNamespace: 'edge', workloadNamespace: 'gw', workloadSelector: { app: 'gw' },
      hosts: ['shop/shop.example.com', '*/*.example.com', 'shop.example.com'], serverPorts: [8443], gatewayApiName: 'shared-api',
    });
    jwt(chart, gw);
    const m = synth(chart);
    const ra = one(m, 'RequestAuthentication', 'jwt');
    expect(ra.metadata).toEqual({ name: 'jwt', namespace: 'gw' });
    expect(ra.spec.selector).toEqual({ matchLabels: { app: 'gw' } });
    expect(one(m, 'AuthorizationPolicy', 'jwt-require-jwt').spec.rules[0].to[0].operation.hosts)
      .toEqual(['shop.example.com', 'shop.example.com:*', '*.example.com', '*.example.com:8443']);
    expect(one(m, 'AuthorizationPolicy', 'jwt-gateway-api-require-jwt').spec.targetRefs)
      .toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'shared-api' }]);
  });

  test("a gateway serving every host ('*'): the policy has no host condition", () => {
    const { chart } = setup();
    const gw = MeshGateway.fromAttributes(chart, 'any', { gatewayName: 'any', gatewayNamespace: 'edge', hosts: ['*'] });
    const j = jwt(chart, gw, { paths: ['/admin/*'] });
    expect(one(synth(chart), 'AuthorizationPolicy', 'jwt-require-jwt').spec.rules).toEqual([
      { from: [DENY_WITHOUT_TOKEN], to: [{ operation: { paths: ['/admin/*'] } }] },
    ]);
    expect(j.hosts).toEqual(['*']);
  });
});

describe('GatewayJwt: schema validation', () => {
  const validator = loadSchemaValidator();

  test('the schemas are present (nothing is silently left unchecked)', () => {
    expect(validator.missing).toEqual([]);
  });

  test.each<[string, Partial<MeshGatewayProps>, Partial<GatewayJwtProps>]>([
    ['defaults', {}, {}],
    ['v1beta1, every option', {}, {
      apiVersion: IstioApiVersion.V1BETA1, audiences: ['a'], forwardOriginalToken: true, fromHeaders: [{ name: 'x-token', prefix: 'T ' }],
      hosts: ['shop.example.com'], paths: ['/api/*'], excludePaths: ['/api/health'],
    }],
    ['Gateway API gateway, v1', { gatewayApi: true }, { excludePaths: ['/healthz'] }],
    ['Gateway API gateway, v1beta1', { gatewayApi: true }, { apiVersion: IstioApiVersion.V1BETA1 }],
  ])('every object validates (Istio 1.23.6 and 1.30.3, Gateway API v1.2.1): %s', (_, gatewayProps, props) => {
    const { chart } = setup();
    jwt(chart, meshGateway(chart, gatewayProps), props);
    const m = synth(chart);
    expect(m.length).toBeGreaterThan(2);
    for (const o of m) expect(validator.validate(o)).toEqual([]);
    expect(validator.missing).toEqual([]);
  });
});

describe('GatewayJwt: rules', () => {
  const build = (props: Partial<GatewayJwtProps>) => () => {
    const { chart } = setup();
    return jwt(chart, meshGateway(chart), props);
  };
  const PATH = 'a path starting with / and at most one *, at its end (/api/*): Istio matches paths exactly or by prefix';

  test('gateway: required (for JavaScript callers)', () => {
    expectConfigError(build({ gateway: undefined }), '[test] c/jwt: gateway: received nothing; allowed: a MeshGateway (or MeshGateway.fromAttributes)');
  });

  test('name: a DNS label', () => {
    expectConfigError(build({ name: 'JWT' }), '[test] c/jwt: name: received "JWT"; allowed: a DNS-1123 label of at most 63 characters');
  });

  test('apiVersion: v1 or v1beta1', () => {
    expectConfigError(build({ apiVersion: 'v1alpha1' as IstioApiVersion }), '[test] c/jwt: apiVersion: received "v1alpha1"; allowed: v1 or v1beta1');
  });

  test('issuer: non-empty, no whitespace', () => {
    const allowed = "allowed: the issuer named in the tokens' iss claim (non-empty, no whitespace)";
    expectConfigError(build({ issuer: '' }), `[test] c/jwt: issuer: received ""; ${allowed}`);
    expectConfigError(build({ issuer: 'https://auth.example.com/ ' }), `[test] c/jwt: issuer: received "https://auth.example.com/ "; ${allowed}`);
  });

  test('jwksUri: an https URL', () => {
    const allowed = "allowed: an https:// URL of the issuer's JSON Web Key Set (over plain http anyone on the path could swap the signing keys)";
    for (const bad of ['http://auth.example.com/jwks.json', 'auth.example.com/jwks.json', '', 'https://']) {
      expectConfigError(build({ jwksUri: bad }), `[test] c/jwt: jwksUri: received ${JSON.stringify(bad)}; ${allowed}`);
    }
  });

  test('audiences: at least one when given', () => {
    expectConfigError(build({ audiences: [] }), '[test] c/jwt: audiences: received []; allowed: at least one audience, or no audiences field to accept any');
  });

  test('audiences: non-empty, no whitespace', () => {
    expectConfigError(build({ audiences: ['shop', ''] }), '[test] c/jwt: audiences[1]: received ""; allowed: an audience (non-empty, no whitespace)');
  });

  test('audiences: each once', () => {
    expectConfigError(build({ audiences: ['shop', 'shop'] }), '[test] c/jwt: audiences[1]: received "shop"; allowed: each audience once (it is also audiences[0])');
  });

  test('fromHeaders: at least one when given', () => {
    expectConfigError(build({ fromHeaders: [] }), '[test] c/jwt: fromHeaders: received []; allowed: at least one header, or no fromHeaders field for Authorization: Bearer');
  });

  test('fromHeaders: HTTP header names', () => {
    expectConfigError(build({ fromHeaders: [{ name: 'x token' }] }),
      "[test] c/jwt: fromHeaders[0].name: received \"x token\"; allowed: an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)");
  });

  test('hosts: at least one when given', () => {
    expectConfigError(build({ hosts: [] }), '[test] c/jwt: hosts: received []; allowed: at least one host, or no hosts field for every host of the gateway');
  });

  test('hosts: gateway host syntax', () => {
    expectConfigError(build({ hosts: ['shop.*.example.com'] }),
      '[test] c/jwt: hosts[0]: received "shop.*.example.com"; allowed: a wildcard only as the whole first label, followed by a domain (*.example.com): Istio and the Gateway API match no partial, inner or bare wildcards');
  });

  test('hosts: each once', () => {
    expectConfigError(build({ hosts: ['shop.example.com', 'shop.example.com'] }),
      '[test] c/jwt: hosts[1]: received "shop.example.com"; allowed: each host once (it is also hosts[0])');
  });

  test('hosts: served by the gateway', () => {
    for (const bad of ['www.example.com', 'api.example.com', '*.example.com']) {
      expectConfigError(build({ hosts: [bad] }),
        `[test] c/jwt: hosts[0]: received ${JSON.stringify(bad)}; allowed: a host that gateway shop/public serves (shop.example.com, *.api.example.com): a token requirement elsewhere protects nothing`);
    }
    expect(build({ hosts: ['v1.api.example.com', '*.v2.api.example.com'] })).not.toThrow();
  });

  test('paths: at least one when given', () => {
    expectConfigError(build({ paths: [] }), '[test] c/jwt: paths: received []; allowed: at least one path, or no paths field');
  });

  test('paths: exact or prefix', () => {
    for (const bad of ['api/*', '/api/*/orders', '*/orders', '/api?x=1', '/a b']) {
      expectConfigError(build({ paths: ['/ok', bad] }), `[test] c/jwt: paths[1]: received ${JSON.stringify(bad)}; allowed: ${PATH}`);
    }
  });

  test('excludePaths: at least one when given, exact or prefix', () => {
    expectConfigError(build({ excludePaths: [] }), '[test] c/jwt: excludePaths: received []; allowed: at least one path, or no excludePaths field');
    expectConfigError(build({ excludePaths: ['healthz'] }), `[test] c/jwt: excludePaths[0]: received "healthz"; allowed: ${PATH}`);
  });
});
