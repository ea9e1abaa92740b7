/**
 * One scale-benchmark run, in a process of its own (scripts/bench.js starts it):
 *
 *   node -r ts-node/register/transpile-only test/bench/run-scale.ts <services>
 *
 * Builds the generated platform of <services> microservices (test/bench/scale-platform.ts) and
 * synthesizes it into a temporary folder through synthEnvironments (one file per chart and
 * architecture.md; "construct" is the build, "synth" the rest), then prints one line
 * `BENCH_RESULT {json}` with the construct, synth and total seconds, the peak RSS
 * (process.resourceUsage().maxRSS, read right after synth) and the number of objects written
 * (counted after the timing, from the files). Exits 1 when construction or synthesis fails.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentIdentity, synthEnvironments } from '../../constructs';
import { buildScalePlatform, expectedObjectCount } from './scale-platform';

/** The one environment of the benchmark (the generated platform sets its own namespaces). */
const BENCH_ENVIRONMENT: EnvironmentIdentity = { name: 'bench', namespace: 'bench', clusterDomain: 'cluster.local' };

export interface ScaleRunResult {
  readonly services: number;
  readonly constructSeconds: number;
  readonly synthSeconds: number;
  readonly totalSeconds: number;
  /** process.resourceUsage().maxRSS right after synth, in KiB. */
  readonly maxRssKiB: number;
  readonly objects: number;
  readonly expectedObjects: number;
  readonly files: number;
}

/**
 * Objects in every file in `dir` (each document has one top-level `kind:` line; counted from
 * the text, so a CPU profile of the run stays about the synth), and the file count.
 */
export function countObjects(dir: string): { objects: number; files: number } {
  let objects = 0;
  let files = 0;
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (!fs.statSync(p).isFile()) continue;
    files++;
    objects += (fs.readFileSync(p, 'utf8').match(/^kind: /gm) ?? []).length;
  }
  return { objects, files };
}

export function runScale(services: number): ScaleRunResult {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-scale-'));
  try {
    // Through the synth entry point apps use: build, validation, synth, architecture.md, the
    // move into place.
    const t0 = process.hrtime.bigint();
    let t1 = t0;
    synthEnvironments([BENCH_ENVIRONMENT], (app) => {
      buildScalePlatform(app, services);
      t1 = process.hrtime.bigint();
    }, { outdir });
    const t2 = process.hrtime.bigint();
    const maxRssKiB = process.resourceUsage().maxRSS;
    const { objects, files } = countObjects(path.join(outdir, BENCH_ENVIRONMENT.name));
    return {
      services,
      constructSeconds: Number(t1 - t0) / 1e9,
      synthSeconds: Number(t2 - t1) / 1e9,
      totalSeconds: Number(t2 - t0) / 1e9,
      maxRssKiB,
      objects,
      expectedObjects: expectedObjectCount(services),
      files,
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const arg = process.argv[2];
  const services = Number(arg);
  if (!Number.isInteger(services) || services < 1) {
    console.error(`usage: run-scale.ts <services> (a positive integer), got ${JSON.stringify(arg)}`);
    process.exit(2);
  }
  try {
    console.log(`BENCH_RESULT ${JSON.stringify(runScale(services))}`);
  } catch (e) {
    console.error((e as Error).stack ?? String(e));
    process.exitCode = 1;
  }
}
