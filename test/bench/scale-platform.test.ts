import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { buildScalePlatform, expectedObjectCount } from './scale-platform';

// The generated platform of the scale benchmark (npm run bench -- --services N). No timing here:
// only that it synthesizes without validation errors and writes the objects it should.
//
// Objects for N services: 10·N + 6·⌈N/10⌉ + ⌈N/5⌉ + 25 (10 per service, 6 per canary/stream group
// of 10, 1 per exposed service, 25 fixed; see expectedObjectCount). For N = 20: 200 + 12 + 4 + 25 = 241.
describe('scale benchmark platform', () => {
  const N = 20;
  let outdir: string;
  beforeEach(() => { outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-scale-test-')); });
  afterEach(() => fs.rmSync(outdir, { recursive: true, force: true }));

  test(`synthesizes ${N} services into three charts of namespace shop, after the namespace's own`, () => {
    const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
    buildScalePlatform(app, N);
    expect(() => app.synth()).not.toThrow();
    expect(fs.readdirSync(outdir).sort()).toEqual(['0000-namespace-shop.k8s.yaml', '0001-messaging.k8s.yaml', '0002-platform.k8s.yaml', '0003-mesh.k8s.yaml']);

    const objects = app.charts.flatMap((chart) => chart.toJson());
    const formula = (n: number) => 10 * n + 6 * Math.ceil(n / 10) + Math.ceil(n / 5) + 25;
    expect(formula(N)).toBe(241);
    expect(expectedObjectCount(N)).toBe(formula(N));
    expect(objects).toHaveLength(241);

    const count = (kind: string) => objects.filter((o) => o.kind === kind).length;
    expect(count('Deployment')).toBe(N + 2); // the services and the canaries of svc-0000, svc-0010
    expect(count('Stream')).toBe(2);
    expect(count('Consumer')).toBe(N);
    expect(count('VirtualService')).toBe(N);
    expect(count('DestinationRule')).toBe(N);
    expect(objects.filter((o) => o.kind === 'VirtualService' && o.spec.gateways).length).toBe(N / 5);
    expect(objects.filter((o) => o.metadata.namespace !== undefined).every((o) => o.metadata.namespace === 'shop')).toBe(true);
  });
});
