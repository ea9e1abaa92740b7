import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import { PlatformEnvironment } from './types';

export * from './types';
export { defineEnvironment, BASE } from './base';
export { validateEnvironment } from './validate';

/** Every environment of the reference platform, in synthesis order. */
export const ENVIRONMENTS: readonly PlatformEnvironment[] = [dev, staging, prod];

/**
 * The environments to synthesize: all of them, or those named (comma-separated) in `selection`.
 * An unknown name is an error that lists the known ones.
 */
export function selectEnvironments(selection: string | undefined, all: readonly PlatformEnvironment[] = ENVIRONMENTS): PlatformEnvironment[] {
  if (!selection || !selection.trim()) return [...all];
  const known = all.map((e) => e.name);
  return selection.split(',').map((s) => s.trim()).filter((s) => s).map((name) => {
    const env = all.find((e) => e.name === name);
    if (!env) {
      throw new Error(`unknown environment ${JSON.stringify(name)} in PLATFORM_ENVIRONMENTS; known environments: ${known.join(', ')}`);
    }
    return env;
  });
}
