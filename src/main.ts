// Entry point of `cdk8s synth` (see cdk8s.yaml): every environment into <CDK8S_OUTDIR or dist>/<env>/
// through the library's synth entry point. CDK8S_ENVIRONMENTS=dev,prod limits the set.
import { synthEnvironmentsMain } from '../constructs';
import { SYNTH_OPTIONS, declarePlatform } from './app';
import { ENVIRONMENTS } from './environments';

synthEnvironmentsMain(ENVIRONMENTS, declarePlatform, SYNTH_OPTIONS);
