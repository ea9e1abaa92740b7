// Entry point of `cdk8s synth` (see cdk8s.yaml): every environment into <CDK8S_OUTDIR or dist>/<env>/
// through the library's synth entry point. CDK8S_ENVIRONMENTS=dev,prod limits the set.
import { synthEnvironmentsMain } from '../constructs';
import { SYNTH_OPTIONS, declarePlatform } from './app';
import { ENVIRONMENTS } from './environments';

if (process.env.PLATFORM_ENVIRONMENTS !== undefined) {
  // The variable's old name: ignoring it would replace every environment instead of the named ones.
  console.error(`synth failed: PLATFORM_ENVIRONMENTS is now CDK8S_ENVIRONMENTS (received PLATFORM_ENVIRONMENTS=${JSON.stringify(process.env.PLATFORM_ENVIRONMENTS)}); nothing was written`);
  process.exitCode = 1;
} else {
  synthEnvironmentsMain(ENVIRONMENTS, declarePlatform, SYNTH_OPTIONS);
}
