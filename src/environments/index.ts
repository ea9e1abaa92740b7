import { dev } from './dev';
import { prod } from './prod';
import { staging } from './staging';
import { PlatformEnvironment } from './types';

export * from './types';
export { defineEnvironment, BASE } from './base';
export { validateEnvironment } from './validate';

/** Every environment of the reference platform, in synthesis order. */
export const ENVIRONMENTS: readonly PlatformEnvironment[] = [dev, staging, prod];
