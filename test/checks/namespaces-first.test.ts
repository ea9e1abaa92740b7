import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { Microservice, NamespaceBaseline, PortProtocol } from '../../constructs';
import { GUARANTEED, IMAGE } from '../workloads/helpers';

// Namespaces first (constructs/checks/namespaces.ts): `kubectl apply -f <dir>` applies files in
// name order, so the chart that creates a namespace must be written before the charts using it.

test('the chart creating a namespace comes first in file order, whatever the charts are called', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'namespaces-first-'));
  try {
    const app = new App({ outdir, yamlOutputType: YamlOutputType.FILE_PER_CHART });
    const services = new Chart(app, 'a-services', { namespace: 'shop' });
    new Microservice(services, 'web', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }] });
    const other = new Chart(app, 'b-elsewhere', { namespace: 'tools' });
    new Microservice(other, 'tool', { image: IMAGE, resources: GUARANTEED, ports: [{ name: 'http', port: 8080, protocol: PortProtocol.HTTP }] });
    new NamespaceBaseline(new Chart(app, 'z-base', { namespace: 'shop' }), 'ns', {});
    app.synth();
    const files = fs.readdirSync(outdir).sort();
    expect(files).toEqual(['0000-namespace-shop.k8s.yaml', '0001-a-services.k8s.yaml', '0002-b-elsewhere.k8s.yaml', '0003-z-base.k8s.yaml']);
    // The namespace's chart holds the Namespace alone (cdk8s makes every object of a dependent
    // chart depend on every object of it: one object keeps that linear).
    const first = parseAllDocuments(fs.readFileSync(path.join(outdir, files[0]), 'utf8')).map((d) => d.toJSON());
    expect(first.map((o) => [o.kind, o.metadata.name])).toEqual([['Namespace', 'shop']]);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
});
