// Entry point of `cdk8s synth` (see cdk8s.yaml): one App per environment, written to
// <CDK8S_OUTDIR or dist>/<env>/. PLATFORM_ENVIRONMENTS=dev,prod limits the set.
import { synthesizeEnvironments } from './app';
import { selectEnvironments } from './environments';

function main(): void {
  const outRoot = process.env.CDK8S_OUTDIR || 'dist';
  try {
    const envs = selectEnvironments(process.env.PLATFORM_ENVIRONMENTS);
    const written = synthesizeEnvironments(envs, outRoot, (w) => console.warn(`warning: ${w}`));
    console.log(`synthesized ${written.join(', ')} into ${outRoot}/`);
  } catch (e) {
    console.error(`synth failed: ${(e as Error).message}`);
    process.exit(1);
  }
}

main();
