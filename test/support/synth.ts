import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthEnvironments } from '../../constructs';
import { SYNTH_OPTIONS, declarePlatform } from '../../src/app';
import { PlatformEnvironment } from '../../src/environments';

/** Synthesizes environments through the same entry point as `cdk8s synth` (src/main.ts) into a fresh temp folder. */
export function synthToTemp(envs: readonly PlatformEnvironment[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nats-mesh-synth-'));
  synthEnvironments(envs, declarePlatform, { ...SYNTH_OPTIONS, outdir: dir });
  return dir;
}

/** Every file below `dir`, relative path to content, in sorted order. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}
