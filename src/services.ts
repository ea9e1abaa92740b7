import { PortProtocol, Probe, WorkloadPort } from '../constructs';
import { ServiceName } from './environments';

/** What each e-commerce service is, independent of environment. */
export interface ServiceBlueprint {
  readonly description: string;
  readonly port: WorkloadPort;
  /** Reachable through the ingress gateway. */
  readonly exposed: boolean;
  readonly readiness: Probe;
  readonly liveness: Probe;
  /** Credentials, read from Secrets that the platform team provisions (never in manifests). */
  readonly secretEnv?: { readonly name: string; readonly from: string; readonly key: string }[];
}

const http = (path: string) => ({
  readiness: Probe.httpGet(`${path}/ready`, 8080),
  liveness: Probe.httpGet(`${path}/live`, 8080, { failureThreshold: 6 }),
});

export const SERVICES: Record<ServiceName, ServiceBlueprint> = {
  user: {
    description: 'accounts, sessions and addresses',
    port: { name: 'http', port: 8080, protocol: PortProtocol.HTTP },
    exposed: true,
    ...http('/health'),
    secretEnv: [{ name: 'SESSION_SIGNING_KEY', from: 'user-session', key: 'signing-key' }],
  },
  product: {
    description: 'catalogue and prices',
    port: { name: 'http', port: 8080, protocol: PortProtocol.HTTP },
    exposed: true,
    ...http('/health'),
  },
  order: {
    description: 'checkout; publishes order.new',
    port: { name: 'http', port: 8080, protocol: PortProtocol.HTTP },
    exposed: true,
    ...http('/health'),
  },
  inventory: {
    description: 'stock levels; answers inventory.check',
    port: { name: 'grpc', port: 9090, protocol: PortProtocol.GRPC },
    exposed: false,
    readiness: Probe.tcpSocket(9090),
    liveness: Probe.tcpSocket(9090, { failureThreshold: 6 }),
  },
  payment: {
    description: 'charges and refunds; writes the payment ledger',
    port: { name: 'http', port: 8080, protocol: PortProtocol.HTTP },
    exposed: false,
    ...http('/health'),
    secretEnv: [
      { name: 'PAYMENT_PROVIDER_API_KEY', from: 'payment-provider', key: 'api-key' },
      { name: 'LEDGER_PASSWORD', from: 'payment-ledger-credentials', key: 'password' },
    ],
  },
};
