// The README's TypeScript examples compile against the library as a consumer imports it
// ('cdk8s-nats-mesh' mapped to the sources), with the options a `cdk8s init` project has (strict,
// noUnusedLocals, noUnusedParameters), so the README stays true to the API and copies cleanly;
// those that synthesize run, and must synthesize without a problem.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
// Examples that import from the package (the others show files of the reference platform).
const examples = blocks.filter((b) => /from 'cdk8s-nats-mesh(\/pulumi)?'/.test(b));

test('the README has package examples', () => {
  expect(examples.length).toBeGreaterThanOrEqual(3);
});

test('every package example in the README type-checks', () => {
  const dir = fs.mkdtempSync(path.join(root, '.readme-check-'));
  try {
    // An import of the reader's own module (`./platform`) stands for code the example assumes.
    const stubbed = (code: string) => code.replace(/^import \{([^}]+)\} from '\.\/[^']+';.*$/gm,
      (_, names: string) => names.split(',').map((n) => `declare const ${n.trim()}: any;`).join(' '));
    examples.forEach((code, i) => fs.writeFileSync(path.join(dir, `example-${i}.ts`), `export {};\n${stubbed(code)}`));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: {
        noEmit: true, incremental: false, rootDir: '..', noUnusedLocals: true, noUnusedParameters: true, strict: true,
        paths: { 'cdk8s-nats-mesh': ['../constructs/index.ts'], 'cdk8s-nats-mesh/pulumi': ['../constructs/pulumi/index.ts'] },
      },
      include: ['*.ts'],
    }));
    const r = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`.replace(new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g'), 'README')).toBe('');
    expect(r.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// Examples that synthesize (`app.synth()` or the synth entry point) are complete programs.
const runnable = examples.filter((b) => /^app\.synth\(\);$|^synthEnvironmentsMain\(/m.test(b));

test('the README has runnable examples', () => {
  expect(runnable.length).toBeGreaterThanOrEqual(3);
});

test.each(runnable.map((code, i) => [i, code.split('\n').find((l) => /new (Chart|Microservice)\(|interface /.test(l))?.trim() ?? '', code]))(
  'runnable README example %i (%s) synthesizes',
  (_i, _first, code) => {
    const dir = fs.mkdtempSync(path.join(root, '.readme-check-'));
    try {
      fs.writeFileSync(path.join(dir, 'example.ts'), code as string);
      // 'cdk8s-nats-mesh' resolves to the sources, as the type-check above maps it.
      fs.writeFileSync(path.join(dir, 'resolve-package.js'), `const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'cdk8s-nats-mesh' ? ${JSON.stringify(path.join(root, 'constructs', 'index.ts'))} : request, ...rest);
};
`);
      const r = spawnSync(process.execPath, ['-r', './resolve-package.js', '-r', require.resolve('ts-node/register'), 'example.ts'], {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env, CDK8S_OUTDIR: path.join(dir, 'out'), CDK8S_ENVIRONMENTS: '', TS_NODE_TRANSPILE_ONLY: 'true',
          TS_NODE_PROJECT: path.join(root, 'tsconfig.json'),
        },
      });
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
      const written = fs.readdirSync(path.join(dir, 'out'), { recursive: true }).map(String);
      expect(written.filter((f) => f.endsWith('.k8s.yaml')).length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
