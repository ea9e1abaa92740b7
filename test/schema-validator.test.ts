import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSchemaValidator, SchemaValidator } from './support/schema-validator';

// Loaded once: parsing the shared schemas is the expensive part.
const validator: SchemaValidator = loadSchemaValidator();
const schemasPresent = validator.missing.length === 0;
if (!schemasPresent) {
  console.warn(`Schema tests skipped; could not check:\n- ${validator.missing.join('\n- ')}`);
}
/** Tests that need ../shared; skipped (with the warning above) when it is absent. */
const withSchemas = schemasPresent ? it : it.skip;

function deployment(container: Record<string, unknown> = {}, spec: Record<string, unknown> = {}): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'apps', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.27',
              ports: [{ containerPort: 8080, name: 'http' }],
              resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: 1, memory: '128Mi' } },
              ...container,
            },
          ],
        },
      },
      ...spec,
    },
  };
}

function virtualService(http: Record<string, unknown>): any {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { name: 'web', namespace: 'apps' },
    spec: {
      hosts: ['web.example.com'],
      gateways: ['istio-ingress/public'],
      http: [{ match: [{ uri: { prefix: '/' } }], route: [{ destination: { host: 'web', port: { number: 80 } } }], ...http }],
    },
  };
}

describe('schema validator: core kinds', () => {
  withSchemas('accepts a valid Deployment', () => {
    expect(validator.validate(deployment())).toEqual([]);
  });

  withSchemas('rejects an unknown container field and names it', () => {
    const errors = validator.validate(deployment({ bogus: true }));
    expect(errors).toEqual(['Deployment/web: /spec/template/spec/containers/0 unknown field "bogus"']);
  });

  withSchemas('rejects a container without the required name', () => {
    const obj = deployment();
    delete obj.spec.template.spec.containers[0].name;
    expect(validator.validate(obj)).toEqual([
      "Deployment/web: /spec/template/spec/containers/0 must have required property 'name'",
    ]);
  });

  withSchemas('rejects a wrong type (replicas: "3")', () => {
    expect(validator.validate(deployment({}, { replicas: '3' }))).toEqual(['Deployment/web: /spec/replicas must be integer']);
  });

  withSchemas('accepts IntOrString as integer or percentage string, nothing else', () => {
    for (const maxSurge of [1, '25%']) {
      const obj = deployment({}, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 0 } } });
      expect(validator.validate(obj)).toEqual([]);
    }
    const bad = deployment({}, { strategy: { rollingUpdate: { maxSurge: true } } });
    expect(validator.validate(bad)).toEqual(['Deployment/web: /spec/strategy/rollingUpdate/maxSurge must be string or integer']);
  });

  withSchemas('accepts Quantity as string or number', () => {
    for (const cpu of ['500m', 1]) {
      expect(validator.validate(deployment({ resources: { requests: { cpu } } }))).toEqual([]);
    }
    expect(validator.validate(deployment({ resources: { requests: { cpu: { value: 1 } } } }))).toHaveLength(1);
  });

  withSchemas('rejects unknown fields in metadata and at the top level', () => {
    const obj = { ...deployment(), extra: 1 };
    obj.metadata = { ...obj.metadata, label: { app: 'web' } };
    expect(validator.validate(obj).sort()).toEqual([
      'Deployment/web: / unknown field "extra"',
      'Deployment/web: /metadata unknown field "label"',
    ]);
  });

  withSchemas('rejects an unknown kind', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(validator.validate(obj)).toEqual(['Widget/w: no schema for example.com/v1/Widget']);
  });

  withSchemas('rejects something that is not a Kubernetes object', () => {
    expect(validator.validate({ metadata: { name: 'x' } })).toEqual([
      '<no kind>/x: not a Kubernetes object (apiVersion and kind must be strings)',
    ]);
  });
});

describe('schema validator: custom resources', () => {
  const stream = (spec: Record<string, unknown>) => ({
    apiVersion: 'jetstream.nats.io/v1beta2',
    kind: 'Stream',
    metadata: { name: 'orders', namespace: 'nats' },
    spec: { name: 'ORDERS', subjects: ['orders.>'], storage: 'file', replicas: 3, maxAge: '24h', ...spec },
  });

  withSchemas('accepts a valid NACK Stream', () => {
    expect(validator.validate(stream({}))).toEqual([]);
  });

  withSchemas('rejects a NACK Stream with an unknown spec field', () => {
    expect(validator.validate(stream({ maxAgee: '1h' }))).toEqual(['Stream/orders: /spec unknown field "maxAgee"']);
  });

  withSchemas('rejects a NACK Stream with invalid metadata (checked against core ObjectMeta)', () => {
    const obj = { ...stream({}), metadata: { name: 'orders', labels: { tier: 1 } } };
    expect(validator.validate(obj)).toEqual(['Stream/orders: /metadata/labels/tier must be string']);
  });

  withSchemas('rejects a NACK version that is not served', () => {
    const obj = { ...stream({}), apiVersion: 'jetstream.nats.io/v1beta1' };
    expect(validator.validate(obj)).toEqual([
      '[nack-v0.22-jetstream-crds.yaml] Stream/orders: apiVersion jetstream.nats.io/v1beta1 is not served (served versions: v1beta2)',
    ]);
  });

  withSchemas('accepts a valid Istio VirtualService on both Istio bundles', () => {
    expect(validator.validate(virtualService({ timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s' } }))).toEqual([]);
  });

  withSchemas('rejects an unknown VirtualService field once per Istio bundle, naming the bundle', () => {
    const errors = validator.validate(virtualService({ retry: { attempts: 3 } }));
    expect(errors).toEqual([
      '[istio-1.23.6-crd-all.gen.yaml] VirtualService/web: /spec/http/0 unknown field "retry"',
      '[istio-1.30.3-crd-all.gen.yaml] VirtualService/web: /spec/http/0 unknown field "retry"',
    ]);
  });

  withSchemas('validates a cert-manager Certificate', () => {
    const cert = {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: 'nats-tls', namespace: 'nats' },
      spec: {
        secretName: 'nats-tls',
        dnsNames: ['nats.nats.svc'],
        duration: '2160h',
        issuerRef: { name: 'ca', kind: 'ClusterIssuer' },
      },
    };
    expect(validator.validate(cert)).toEqual([]);
    const { secretName: _omitted, ...withoutSecret } = cert.spec;
    expect(validator.validate({ ...cert, spec: withoutSecret })).toEqual([
      "Certificate/nats-tls: /spec must have required property 'secretName'",
    ]);
  });

  withSchemas('validates a Prometheus Operator PodMonitor', () => {
    const monitor = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { name: 'nats', namespace: 'nats' },
      spec: {
        selector: { matchLabels: { app: 'nats' } },
        podMetricsEndpoints: [{ port: 'metrics', interval: '30s', path: '/metrics' }],
      },
    };
    expect(validator.validate(monitor)).toEqual([]);
    const bad = { ...monitor, spec: { ...monitor.spec, podMetricsEndpoints: [{ port: 7777 }] } };
    expect(validator.validate(bad)).toEqual(['PodMonitor/nats: /spec/podMetricsEndpoints/0/port must be string']);
  });

  withSchemas('validates many objects of several kinds with one cached validator', () => {
    const objects = Array.from({ length: 100 }, (_, i) => [
      { ...deployment(), metadata: { name: `web-${i}` } },
      { ...stream({}), metadata: { name: `orders-${i}` } },
      { ...virtualService({}), metadata: { name: `web-${i}` } },
    ]).flat();
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});

describe('schema validator: missing shared schemas', () => {
  it('does not throw and names what it could not check when the directory is absent', () => {
    const partial = loadSchemaValidator({ sharedDir: '/nonexistent' });
    expect(partial.missing).toEqual([
      'Shared schema directory /nonexistent not found: no Kubernetes object was schema-checked (neither built-in kinds nor custom resources).',
    ]);
    console.warn(`Expected for this test; could not check:\n- ${partial.missing.join('\n- ')}`);

    // Nothing can be judged, so nothing fails; each unchecked kind is recorded once.
    expect(partial.validate(deployment({ bogus: true }))).toEqual([]);
    expect(partial.validate(deployment())).toEqual([]);
    expect(partial.missing).toContain('apps/v1/Deployment objects were not schema-checked: no schema for them was loaded.');
    expect(partial.missing).toHaveLength(2);
  });

  withSchemas('checks core kinds only when the CRDs are absent', () => {
    // A temporary shared dir that links (does not copy) the core definitions and has no crds/.
    const realShared = path.resolve(__dirname, '../../shared');
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-schemas-'));
    try {
      fs.mkdirSync(path.join(tmp, 'schemas'));
      fs.symlinkSync(
        path.join(process.env.NATS_MESH_SHARED_DIR ?? realShared, 'schemas', 'k8s-v1.27.0-definitions.json'),
        path.join(tmp, 'schemas', 'k8s-v1.27.0-definitions.json'),
      );
      const coreOnly = loadSchemaValidator({ sharedDir: tmp });
      expect(coreOnly.missing).toHaveLength(1);
      expect(coreOnly.missing[0]).toMatch(/^CRD directory .*crds could not be read \(not found\): custom resources .* were not schema-checked\.$/);
      console.warn(`Expected for this test; could not check:\n- ${coreOnly.missing.join('\n- ')}`);

      expect(coreOnly.validate(deployment({ bogus: true }))).toHaveLength(1);
      const stream = { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 's' }, spec: { bogus: 1 } };
      expect(coreOnly.validate(stream)).toEqual([]);
      expect(coreOnly.missing).toContain('jetstream.nats.io/v1beta2/Stream objects were not schema-checked: no schema for them was loaded.');
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('honours NATS_MESH_SHARED_DIR', () => {
    const previous = process.env.NATS_MESH_SHARED_DIR;
    process.env.NATS_MESH_SHARED_DIR = '/nonexistent-env';
    try {
      expect(loadSchemaValidator().missing[0]).toMatch(/\/nonexistent-env not found/);
    } finally {
      if (previous === undefined) delete process.env.NATS_MESH_SHARED_DIR;
      else process.env.NATS_MESH_SHARED_DIR = previous;
    }
  });
});
