// `npm run synth`: every environment into dist/<env>/ (CDK8S_ENVIRONMENTS=prod for one), warnings
// printed with environment and construct path, every problem in one block and exit code 1 on
// failure, and the previous dist/ kept unless all environments synthesized.
import { synthEnvironmentsMain } from 'cdk8s-nats-mesh';
import { ENVIRONMENTS, validateEnvironment } from './environments';
import { buildOrders } from './orders';

synthEnvironmentsMain(ENVIRONMENTS, buildOrders, { validate: validateEnvironment });
