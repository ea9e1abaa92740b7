import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadSchemaValidator, SchemaValidator, VENDOR_DIR } from './support/schema-validator';

// Loaded once: parsing the vendored schemas is the expensive part. Nothing here is skipped: when
// a schema file is missing, loading throws and every test below fails with that error (counted as
// failed tests, not as a suite that did not run).
const validator: SchemaValidator = (() => {
  try {
    return loadSchemaValidator();
  } catch (err) {
    return { missing: [(err as Error).message], validate: () => { throw err; } };
  }
})();

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
  it('accepts a valid Deployment', () => {
    expect(validator.validate(deployment())).toEqual([]);
  });

  it('rejects an unknown container field and names it', () => {
    const errors = validator.validate(deployment({ bogus: true }));
    expect(errors).toEqual(['Deployment/web: /spec/template/spec/containers/0 unknown field "bogus"']);
  });

  it('rejects a container without the required name', () => {
    const obj = deployment();
    delete obj.spec.template.spec.containers[0].name;
    expect(validator.validate(obj)).toEqual([
      "Deployment/web: /spec/template/spec/containers/0 must have required property 'name'",
    ]);
  });

  it('rejects a wrong type (replicas: "3")', () => {
    expect(validator.validate(deployment({}, { replicas: '3' }))).toEqual(['Deployment/web: /spec/replicas must be integer']);
  });

  it('accepts IntOrString as integer or percentage string, nothing else', () => {
    for (const maxSurge of [1, '25%']) {
      const obj = deployment({}, { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 0 } } });
      expect(validator.validate(obj)).toEqual([]);
    }
    const bad = deployment({}, { strategy: { rollingUpdate: { maxSurge: true } } });
    expect(validator.validate(bad)).toEqual(['Deployment/web: /spec/strategy/rollingUpdate/maxSurge must be string or integer']);
  });

  it('accepts Quantity as string or number', () => {
    for (const cpu of ['500m', 1]) {
      expect(validator.validate(deployment({ resources: { requests: { cpu } } }))).toEqual([]);
    }
    expect(validator.validate(deployment({ resources: { requests: { cpu: { value: 1 } } } }))).toHaveLength(1);
  });

  it('rejects unknown fields in metadata and at the top level', () => {
    const obj = { ...deployment(), extra: 1 };
    obj.metadata = { ...obj.metadata, label: { app: 'web' } };
    expect(validator.validate(obj).sort()).toEqual([
      'Deployment/web: / unknown field "extra"',
      'Deployment/web: /metadata unknown field "label"',
    ]);
  });

  it('rejects an unknown kind', () => {
    const obj = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } };
    expect(validator.validate(obj)).toEqual(['Widget/w: no schema for example.com/v1/Widget']);
  });

  it('rejects something that is not a Kubernetes object', () => {
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

  it('accepts a valid NACK Stream', () => {
    expect(validator.validate(stream({}))).toEqual([]);
  });

  it('rejects a NACK Stream with an unknown spec field', () => {
    expect(validator.validate(stream({ maxAgee: '1h' }))).toEqual(['Stream/orders: /spec unknown field "maxAgee"']);
  });

  it('rejects a NACK Stream with invalid metadata (checked against core ObjectMeta)', () => {
    const obj = { ...stream({}), metadata: { name: 'orders', labels: { tier: 1 } } };
    expect(validator.validate(obj)).toEqual(['Stream/orders: /metadata/labels/tier must be string']);
  });

  it('rejects a NACK version that is not served', () => {
    const obj = { ...stream({}), apiVersion: 'jetstream.nats.io/v1beta1' };
    expect(validator.validate(obj)).toEqual([
      '[nack-v0.22-jetstream-crds.yaml] Stream/orders: apiVersion jetstream.nats.io/v1beta1 is not served (served versions: v1beta2)',
    ]);
  });

  it('accepts a valid Istio VirtualService on both Istio bundles', () => {
    expect(validator.validate(virtualService({ timeout: '5s', retries: { attempts: 3, perTryTimeout: '2s' } }))).toEqual([]);
  });

  it('rejects an unknown VirtualService field once per Istio bundle, naming the bundle', () => {
    const errors = validator.validate(virtualService({ retry: { attempts: 3 } }));
    expect(errors).toEqual([
      '[istio-1.23.6-crd-all.gen.yaml] VirtualService/web: /spec/http/0 unknown field "retry"',
      '[istio-1.30.3-crd-all.gen.yaml] VirtualService/web: /spec/http/0 unknown field "retry"',
    ]);
  });

  it('validates a cert-manager Certificate', () => {
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

  it('validates a Prometheus Operator PodMonitor', () => {
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

  it('validates many objects of several kinds with one cached validator', () => {
    const objects = Array.from({ length: 100 }, (_, i) => [
      { ...deployment(), metadata: { name: `web-${i}` } },
      { ...stream({}), metadata: { name: `orders-${i}` } },
      { ...virtualService({}), metadata: { name: `web-${i}` } },
    ]).flat();
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});

describe('the vendored schemas', () => {
  it('are all loaded, and known-bad objects are rejected (nothing passes unchecked)', () => {
    expect(validator.missing).toEqual([]);
    expect(validator.validate(deployment({ bogus: true }))).toEqual(['Deployment/web: /spec/template/spec/containers/0 unknown field "bogus"']);
    const stream = { apiVersion: 'jetstream.nats.io/v1beta2', kind: 'Stream', metadata: { name: 's' }, spec: { name: 'S', bogus: 1 } };
    expect(validator.validate(stream)).toEqual(['Stream/s: /spec unknown field "bogus"']);
    expect(validator.validate(virtualService({ retry: {} }))).toHaveLength(2); // one per Istio bundle
    const gateway = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g' }, spec: { gatewayClassName: 'istio', listeners: [], bogus: 1 } };
    expect(validator.validate(gateway)).toContain('Gateway/g: /spec unknown field "bogus"');
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'm' }, spec: { bogus: 1 } };
    expect(validator.validate(monitor)).toContain('ServiceMonitor/m: /spec unknown field "bogus"');
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      'Widget/w: no schema for example.com/v1/Widget',
    ]);
  });

  it('are read from the repository\'s vendor/ (the default unless NATS_MESH_SCHEMA_DIR is set)', () => {
    expect(VENDOR_DIR).toBe(path.resolve(__dirname, '../vendor'));
    const fromVendor = loadSchemaValidator({ schemaDir: VENDOR_DIR });
    expect(fromVendor.missing).toEqual([]);
    expect(fromVendor.validate(deployment({ bogus: true }))).toHaveLength(1);
  });

  it('are each listed in vendor/README.md with their sha256', () => {
    const readme = fs.readFileSync(path.join(VENDOR_DIR, 'README.md'), 'utf8');
    // Table rows: | `crds/<file>` | upstream | version | licence | `<sha256>` |
    const listed = new Map<string, { licence: string; sha256: string }>();
    for (const row of readme.split('\n').filter((l) => /^\| `(crds|schemas)\//.test(l))) {
      const cells = row.split('|').slice(1, -1).map((c) => c.trim());
      listed.set(cells[0].replace(/`/g, ''), { licence: cells[3], sha256: cells[4].replace(/`/g, '') });
    }
    const files = ['crds', 'schemas'].flatMap((dir) => fs.readdirSync(path.join(VENDOR_DIR, dir)).map((f) => `${dir}/${f}`)).sort();
    expect(files).toContain('schemas/k8s-v1.27.0-definitions.json');
    expect(files.filter((f) => f.startsWith('crds/'))).toHaveLength(7);
    expect([...listed.keys()].sort()).toEqual(files);
    for (const file of files) {
      const sha256 = crypto.createHash('sha256').update(fs.readFileSync(path.join(VENDOR_DIR, file))).digest('hex');
      expect({ file, sha256, licence: listed.get(file)!.licence }).toEqual({ file, sha256: listed.get(file)!.sha256, licence: 'Apache-2.0' });
    }
  });

  it('are required: a missing schema folder is an error, not a silent pass', () => {
    expect(() => loadSchemaValidator({ schemaDir: '/nonexistent' })).toThrow(
      'Schema validation is impossible: /nonexistent (from the schemaDir option) must hold schemas/k8s-v1.27.0-definitions.json and crds/*.yaml, like vendor/.\n'
      + '- Schema directory /nonexistent not found: no Kubernetes object was schema-checked (neither built-in kinds nor custom resources).');
  });
});

describe('schema validator: missing schemas (allowMissing)', () => {
  it('does not throw and names what it could not check when the directory is absent', () => {
    const partial = loadSchemaValidator({ schemaDir: '/nonexistent', allowMissing: true });
    expect(partial.missing).toEqual([
      'Schema directory /nonexistent not found: no Kubernetes object was schema-checked (neither built-in kinds nor custom resources).',
    ]);
    console.warn(`Expected for this test; could not check:\n- ${partial.missing.join('\n- ')}`);

    // Nothing can be judged, so nothing fails; each unchecked kind is recorded once.
    expect(partial.validate(deployment({ bogus: true }))).toEqual([]);
    expect(partial.validate(deployment())).toEqual([]);
    expect(partial.missing).toContain('apps/v1/Deployment objects were not schema-checked: no schema for them was loaded.');
    expect(partial.missing).toHaveLength(2);
  });

  it('checks core kinds only when the CRDs are absent', () => {
    // A temporary schema dir that links (does not copy) the core definitions and has no crds/.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-schemas-'));
    try {
      fs.mkdirSync(path.join(tmp, 'schemas'));
      fs.symlinkSync(
        path.join(VENDOR_DIR, 'schemas', 'k8s-v1.27.0-definitions.json'),
        path.join(tmp, 'schemas', 'k8s-v1.27.0-definitions.json'),
      );
      expect(() => loadSchemaValidator({ schemaDir: tmp })).toThrow(/^Schema validation is impossible: .*\n- CRD directory .*crds could not be read \(not found\)/);

      const coreOnly = loadSchemaValidator({ schemaDir: tmp, allowMissing: true });
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

  it('honours NATS_MESH_SCHEMA_DIR', () => {
    const previous = process.env.NATS_MESH_SCHEMA_DIR;
    process.env.NATS_MESH_SCHEMA_DIR = '/nonexistent-env';
    try {
      expect(() => loadSchemaValidator()).toThrow(/^Schema validation is impossible: \/nonexistent-env \(from NATS_MESH_SCHEMA_DIR\) must hold/);
      expect(loadSchemaValidator({ allowMissing: true }).missing[0]).toMatch(/\/nonexistent-env not found/);
    } finally {
      if (previous === undefined) delete process.env.NATS_MESH_SCHEMA_DIR;
      else process.env.NATS_MESH_SCHEMA_DIR = previous;
    }
  });
});
