import { Duration } from 'cdk8s';
import {
  IstioApiVersion, LoadBalancer, Microservice, PortProtocol, ServiceRoute, ServiceRouteProps, TrafficPolicy, renderTrafficPolicy,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { GUARANTEED, IMAGE, expectConfigError, one, setup, synth } from '../workloads/helpers';

// TrafficPolicy (constructs/mesh/traffic-policy.ts): connection pool, outlier detection and load
// balancer in the DestinationRule of a ServiceRoute, for the service and per subset.

const HTTP = { name: 'http', port: 8080, protocol: PortProtocol.HTTP };
const HOST = 'order.shop.svc.cluster.local';
const validator = loadSchemaValidator();

function routeWith(policy: TrafficPolicy | undefined, props: Partial<ServiceRouteProps> = {}) {
  const { chart } = setup();
  const order = new Microservice(chart, 'order', { image: IMAGE, resources: GUARANTEED, ports: [HTTP], version: '3.1.4' });
  const canary = new Microservice(chart, 'order-canary', { app: 'order', version: '3.2.0', image: IMAGE, resources: GUARANTEED, ports: [HTTP] });
  const make = (extra: Partial<ServiceRouteProps> = {}) => new ServiceRoute(chart, 'route', { service: order, trafficPolicy: policy, ...props, ...extra });
  return { chart, order, canary, make };
}

/** The DestinationRule, after checking every object against the CRD schemas. */
function destinationRule(chart: Parameters<typeof synth>[0]): any {
  const m = synth(chart);
  for (const o of m) expect({ object: `${o.kind} ${o.metadata.name}`, errors: validator.validate(o) }).toEqual({ object: `${o.kind} ${o.metadata.name}`, errors: [] });
  return one(m, 'DestinationRule');
}

const FULL: TrafficPolicy = {
  connectionPool: {
    tcp: { maxConnections: 100, connectTimeout: Duration.millis(250) },
    http: { http1MaxPendingRequests: 50, http2MaxRequests: 1000, maxRequestsPerConnection: 10, idleTimeout: Duration.minutes(5) },
  },
  outlierDetection: { consecutive5xxErrors: 3, interval: Duration.seconds(10), baseEjectionTime: Duration.seconds(30), maxEjectionPercent: 50 },
  loadBalancer: LoadBalancer.LEAST_REQUEST,
};

const FULL_RENDERED = {
  connectionPool: {
    tcp: { maxConnections: 100, connectTimeout: '0.25s' },
    http: { http1MaxPendingRequests: 50, http2MaxRequests: 1000, maxRequestsPerConnection: 10, idleTimeout: '300s' },
  },
  outlierDetection: { consecutive5xxErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
  loadBalancer: { simple: 'LEAST_REQUEST' },
};

describe('TrafficPolicy: output', () => {
  test('every field, in a DestinationRule of its own when the route has no versions (both API versions)', () => {
    for (const apiVersion of [IstioApiVersion.V1, IstioApiVersion.V1BETA1]) {
      const { chart, make } = routeWith(FULL, { apiVersion });
      const route = make();
      expect(destinationRule(chart)).toEqual({
        apiVersion: `networking.istio.io/${apiVersion}`,
        kind: 'DestinationRule',
        metadata: { name: 'order', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'order', 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
        // No `tls`: auto mTLS decides (reference rule 19).
        spec: { host: HOST, trafficPolicy: FULL_RENDERED },
      });
      expect(route.destinationRule).toBeDefined();
    }
  });

  test('outlier detection: 5 consecutive errors unless given; Istio defaults for the rest', () => {
    const { chart, make } = routeWith({ outlierDetection: {} });
    make();
    expect(destinationRule(chart).spec.trafficPolicy).toEqual({ outlierDetection: { consecutive5xxErrors: 5 } });
  });

  test('load balancers: the simple ones and consistent hashing on a header', () => {
    for (const [lb, rendered] of [
      [LoadBalancer.ROUND_ROBIN, { simple: 'ROUND_ROBIN' }],
      [LoadBalancer.RANDOM, { simple: 'RANDOM' }],
      [LoadBalancer.PASSTHROUGH, { simple: 'PASSTHROUGH' }],
      [LoadBalancer.consistentHashByHeader('x-user-id'), { consistentHash: { httpHeaderName: 'x-user-id' } }],
    ] as const) {
      const { chart, make } = routeWith({ loadBalancer: lb });
      make();
      expect(destinationRule(chart).spec.trafficPolicy).toEqual({ loadBalancer: rendered });
    }
    expect(LoadBalancer.consistentHashByHeader('x-user-id').toString()).toBe('consistent hash of header x-user-id');
  });

  test('per subset: a version\'s policy lands on its subset, the route\'s on the host', () => {
    const { chart, order, canary, make } = routeWith({ loadBalancer: LoadBalancer.ROUND_ROBIN });
    make({
      versions: [
        { workload: order, weight: 95 },
        { workload: canary, weight: 5, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 10 } }, outlierDetection: { consecutive5xxErrors: 1 } } },
      ],
    });
    expect(destinationRule(chart).spec).toEqual({
      host: HOST,
      trafficPolicy: { loadBalancer: { simple: 'ROUND_ROBIN' } },
      subsets: [
        { name: 'v3-1-4', labels: { app: 'order', version: '3.1.4' } },
        {
          name: 'v3-2-0',
          labels: { app: 'order', version: '3.2.0' },
          trafficPolicy: { connectionPool: { http: { http2MaxRequests: 10 } }, outlierDetection: { consecutive5xxErrors: 1 } },
        },
      ],
    });
  });

  test('an empty policy sets nothing (and writes no DestinationRule without versions)', () => {
    expect(renderTrafficPolicy({ connectionPool: { tcp: {}, http: {} } })).toBeUndefined();
    expect(renderTrafficPolicy(undefined)).toBeUndefined();
    const { chart, make } = routeWith({});
    expect(make().destinationRule).toBeUndefined();
    expect(synth(chart).filter((o) => o.kind === 'DestinationRule')).toEqual([]);
  });
});

describe('TrafficPolicy: checks', () => {
  const ROUTE = '[test] c/route';

  test('counts: integers from 1', () => {
    const { make } = routeWith({ connectionPool: { tcp: { maxConnections: 0 } } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.connectionPool.tcp.maxConnections: received 0; allowed: an integer from 1 to 2147483647`);
  });

  test('maxRequestsPerConnection: 0 means unlimited, so it is refused', () => {
    const { make } = routeWith({ connectionPool: { http: { maxRequestsPerConnection: 0 } } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.connectionPool.http.maxRequestsPerConnection: received 0; allowed: an integer from 1 (0 means unlimited: leave it unset)`);
  });

  test('consecutive5xxErrors: an integer from 0 (0 disables)', () => {
    const { make } = routeWith({ outlierDetection: { consecutive5xxErrors: -1 } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.outlierDetection.consecutive5xxErrors: received -1; allowed: an integer from 0 to 2147483647`);
  });

  test('durations: whole milliseconds, at least 1ms', () => {
    const { make } = routeWith({ outlierDetection: { interval: Duration.millis(0) } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.outlierDetection.interval: received 0ms; allowed: a whole number of milliseconds, at least 1ms (Istio refuses shorter durations)`);
  });

  test('maxEjectionPercent: a whole percentage', () => {
    const { make } = routeWith({ outlierDetection: { maxEjectionPercent: 12.5 } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.outlierDetection.maxEjectionPercent: received 12.5; allowed: a whole percentage from 0 to 100`);
  });

  test('maxEjectionPercent: at most 100', () => {
    const { make } = routeWith({ outlierDetection: { maxEjectionPercent: 120 } });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.outlierDetection.maxEjectionPercent: received 120; allowed: a percentage from 0 to 100`);
  });

  test('loadBalancer: a LoadBalancer', () => {
    const { make } = routeWith({ loadBalancer: 'ROUND_ROBIN' as unknown as LoadBalancer });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.loadBalancer: received ROUND_ROBIN; allowed: a LoadBalancer (ROUND_ROBIN, LEAST_REQUEST, RANDOM, PASSTHROUGH, consistentHashByHeader(name))`);
  });

  test('consistent hash: a lower-case header name', () => {
    const { make } = routeWith({ loadBalancer: LoadBalancer.consistentHashByHeader('X-User') });
    expectConfigError(() => make(),
      `${ROUTE}: trafficPolicy.loadBalancer: received "X-User"; allowed: a lower-case HTTP header name to hash`);
  });

  test('per subset: problems name the version', () => {
    const { order, canary, make } = routeWith(undefined);
    expectConfigError(() => make({
      versions: [{ workload: order, weight: 50 }, { workload: canary, weight: 50, trafficPolicy: { connectionPool: { http: { http2MaxRequests: 1.5 } } } }],
    }), `${ROUTE}: versions[1].trafficPolicy.connectionPool.http.http2MaxRequests: received 1.5; allowed: an integer from 1 to 2147483647`);
  });
});
