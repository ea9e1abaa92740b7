import { Size } from 'cdk8s';
import {
  GatewayInstall, ConfigError, ContainerImage, Cpu, ENVIRONMENT_NAME_PATTERN, IstioApiVersion, MtlsMode, NatsMeshMode, Resources, TopologySpread, describeValue, isIpv4Cidr, sizeBytes,
} from '../../constructs';
import { PlatformEnvironment, SERVICE_NAMES, SIZE_NAMES } from './types';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Checks an environment before any construct is built. Returns every problem found, each naming
 * the environment, the config field, the value received and what is allowed.
 */
export function validateEnvironment(env: PlatformEnvironment, source: string): string[] {
  const errors: string[] = [];
  const fail = (field: string, value: unknown, allowed: string) => errors.push(new ConfigError({
    environment: typeof env?.name === 'string' ? env.name : undefined,
    path: source,
    field,
    received: describeValue(value),
    allowed,
  }).message);
  const int = (field: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER) => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(field, value, max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`);
      return false;
    }
    return true;
  };
  const label = (field: string, value: unknown) => {
    if (typeof value !== 'string' || !DNS_LABEL.test(value) || value.length > 63) {
      fail(field, value, 'a DNS-1123 label (lower-case letters, digits, "-", at most 63 characters)');
    }
  };
  const tag = (field: string, value: unknown) => {
    // The same rules as the image reference the constructs build from the tag.
    if (typeof value !== 'string' || ContainerImage.of('registry.example/image', value).problems().length > 0) {
      fail(field, value, 'a pinned image tag with a version (not "latest", "main" or another moving tag)');
    }
  };
  const size = (field: string, value: unknown) => {
    if (!(typeof value === 'string' && (SIZE_NAMES as string[]).includes(value))) {
      fail(field, value, `one of the named sizes ${SIZE_NAMES.join(', ')}`);
    }
  };

  if (typeof env?.name !== 'string' || !ENVIRONMENT_NAME_PATTERN.test(env.name)) {
    fail('name', env?.name, 'lower-case letters, digits and "-", starting with a letter, at most 31 characters');
  }
  label('namespace', env.namespace);
  label('agentsNamespace', env.agentsNamespace);
  if (!(env.ingressGateway instanceof GatewayInstall)) {
    fail('ingressGateway', env.ingressGateway, 'a GatewayInstall: helmGatewayChart(release, namespace), ISTIOCTL_DEFAULT or custom(...)');
  }
  label('monitoringNamespace', env.monitoringNamespace);
  label('nack.namespace', env.nack?.namespace);
  label('nack.serviceAccount', env.nack?.serviceAccount);
  if (env.namespace === env.agentsNamespace) {
    fail('agentsNamespace', env.agentsNamespace, 'a namespace other than the platform namespace (node agents need host paths, which restricted pod security refuses)');
  }
  if (typeof env.clusterDomain !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(env.clusterDomain)) {
    fail('clusterDomain', env.clusterDomain, 'a DNS domain such as cluster.local');
  }
  if (typeof env.imageRegistry !== 'string' || !/^[a-z0-9.-]+(:[0-9]+)?(\/[a-z0-9._-]+)*$/.test(env.imageRegistry)) {
    fail('imageRegistry', env.imageRegistry, 'a lower-case registry and path such as ghcr.io/acme-shop');
  }
  if (!Object.values(TopologySpread).includes(env.spread)) {
    fail('spread', env.spread, `one of ${Object.values(TopologySpread).join(', ')}`);
  }
  int('quotaHeadroomPercent', env.quotaHeadroomPercent, 0, 500);

  for (const name of SIZE_NAMES) {
    const r = env.sizes?.[name];
    if (!(r instanceof Resources)) {
      fail(`sizes.${name}`, r, 'Resources.of(...) or Resources.guaranteed(...)');
      continue;
    }
    for (const p of r.problems()) errors.push(new ConfigError({ environment: env.name, path: source, field: `sizes.${name}.${p.field}`, received: p.received, allowed: p.allowed }).message);
  }
  for (const extra of Object.keys(env.services ?? {})) {
    if (!(SERVICE_NAMES as string[]).includes(extra)) fail(`services.${extra}`, extra, `settings for the platform's services only: ${SERVICE_NAMES.join(', ')}`);
  }
  for (const name of SERVICE_NAMES) {
    const s = env.services?.[name];
    const f = `services.${name}`;
    if (!s) { fail(f, s, 'settings for every service'); continue; }
    int(`${f}.replicas`, s.replicas, 1);
    size(`${f}.size`, s.size);
    tag(`${f}.imageTag`, s.imageTag);
    if (!['debug', 'info', 'warn'].includes(s.logLevel)) fail(`${f}.logLevel`, s.logLevel, 'debug, info or warn');
    if (s.autoscaling) {
      const a = s.autoscaling;
      const okMin = int(`${f}.autoscaling.minReplicas`, a.minReplicas, 1);
      const okMax = int(`${f}.autoscaling.maxReplicas`, a.maxReplicas, 1);
      if (okMin && okMax && a.maxReplicas < a.minReplicas) fail(`${f}.autoscaling.maxReplicas`, a.maxReplicas, `at least minReplicas (${a.minReplicas})`);
      int(`${f}.autoscaling.targetCpuUtilization`, a.targetCpuUtilization, 1, 100);
    }
  }
  const l = env.ledger;
  int('ledger.replicas', l?.replicas, 1);
  size('ledger.size', l?.size);
  tag('ledger.imageTag', l?.imageTag);
  if (!(l?.storage instanceof Size) || sizeBytes(l.storage) < 2 ** 30) fail('ledger.storage', l?.storage, 'a Size of at least 1Gi');
  if (l?.storageClassName !== undefined) label('ledger.storageClassName', l.storageClassName);

  const a = env.logShipper;
  size('logShipper.size', a?.size);
  tag('logShipper.imageTag', a?.imageTag);
  int('logShipper.expectedNodes', a?.expectedNodes, 1);
  int('logShipper.sink.port', a?.sink?.port, 1, 65535);
  if (typeof a?.sink?.cidr !== 'string' || !isIpv4Cidr(a.sink.cidr)) {
    fail('logShipper.sink.cidr', a?.sink?.cidr, 'an IPv4 CIDR such as 10.40.0.0/16');
  }
  const pp = env.paymentProvider;
  if (typeof pp?.host !== 'string' || !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$/.test(pp.host)) {
    fail('paymentProvider.host', pp?.host, 'a fully qualified DNS name such as api.payments.example.com');
  }
  int('paymentProvider.port', pp?.port, 1, 65535);
  if (typeof pp?.cidr !== 'string' || !isIpv4Cidr(pp.cidr)) {
    fail('paymentProvider.cidr', pp?.cidr, 'an IPv4 CIDR such as 203.0.113.0/24');
  }
  const n = env.nats;
  if (int('nats.replicas', n?.replicas, 1)) {
    int('nats.streamReplicas', n.streamReplicas, 1, Math.min(5, n.replicas));
  }
  tag('nats.imageTag', n?.imageTag);
  // Negated, so that an amount Cpu.parse could not read (NaN millicores) fails too.
  if (!(n?.cpu instanceof Cpu) || !(n.cpu.millicores >= 100)) fail('nats.cpu', n?.cpu, 'a Cpu of at least 100m');
  if (!(n?.memory instanceof Size) || sizeBytes(n.memory) < 256 * 2 ** 20) fail('nats.memory', n?.memory, 'a Size of at least 256Mi');
  if (!(n?.fileStorage instanceof Size) || sizeBytes(n.fileStorage) < 2 ** 30) fail('nats.fileStorage', n?.fileStorage, 'a Size of at least 1Gi');
  if (!(n?.memoryStorage instanceof Size)) fail('nats.memoryStorage', n?.memoryStorage, 'a Size');
  if (!(n?.ordersMaxBytes instanceof Size)) fail('nats.ordersMaxBytes', n?.ordersMaxBytes, 'a Size');
  if (n?.storageClassName !== undefined) label('nats.storageClassName', n.storageClassName);
  if (n?.tlsIssuer !== undefined) label('nats.tlsIssuer', n.tlsIssuer);
  if (!Object.values(NatsMeshMode).includes(n?.mesh)) fail('nats.mesh', n?.mesh, `one of ${Object.values(NatsMeshMode).join(', ')}`);
  if (typeof n?.natsBox !== 'boolean') fail('nats.natsBox', n?.natsBox, 'true or false');
  const m = env.mesh;
  if (!Object.values(IstioApiVersion).includes(m?.apiVersion)) fail('mesh.apiVersion', m?.apiVersion, `one of ${Object.values(IstioApiVersion).join(', ')}`);
  if (m?.revision !== undefined) label('mesh.revision', m.revision);
  if (m?.cni !== true) {
    fail('mesh.cni', m?.cni, 'true: the platform namespace enforces Pod Security "restricted" and is enrolled in the mesh, which needs Istio CNI on the cluster '
      + '(without it, Istio injects the istio-init container, which runs as root with NET_ADMIN and NET_RAW)');
  }
  if (!Object.values(MtlsMode).includes(m?.mtls)) fail('mesh.mtls', m?.mtls, `one of ${Object.values(MtlsMode).join(', ')}`);
  if (typeof m?.defaultDeny !== 'boolean') fail('mesh.defaultDeny', m?.defaultDeny, 'true or false');
  if (!Array.isArray(m?.hosts) || m.hosts.length === 0) {
    fail('mesh.hosts', m?.hosts, 'at least one host name such as shop.example.com');
  } else {
    m.hosts.forEach((h, i) => {
      if (typeof h !== 'string' || !/^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/.test(h)) fail(`mesh.hosts[${i}]`, h, 'a lower-case DNS name such as shop.example.com');
    });
  }
  if (typeof m?.tlsCredential !== 'string' || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(m.tlsCredential)) {
    fail('mesh.tlsCredential', m?.tlsCredential, 'the name of a TLS Secret in the ingress gateway\'s namespace');
  }
  if (!(m?.sidecar instanceof Resources)) {
    fail('mesh.sidecar', m?.sidecar, 'Resources.of(...) or Resources.guaranteed(...)');
  } else {
    for (const p of m.sidecar.problems()) errors.push(new ConfigError({ environment: env.name, path: source, field: `mesh.sidecar.${p.field}`, received: p.received, allowed: p.allowed }).message);
  }
  if (m?.jwt) {
    if (typeof m.jwt.issuer !== 'string' || !m.jwt.issuer.trim()) fail('mesh.jwt.issuer', m.jwt.issuer, 'the issuer of the tokens');
    if (typeof m.jwt.jwksUri !== 'string' || !m.jwt.jwksUri.startsWith('https://')) fail('mesh.jwt.jwksUri', m.jwt.jwksUri, 'an https:// URL of the issuer\'s keys');
    if (!Array.isArray(m.jwt.audiences) || m.jwt.audiences.some((a) => typeof a !== 'string' || !a.trim() || /\s/.test(a))) {
      fail('mesh.jwt.audiences', m.jwt.audiences, 'a list of audiences without spaces (empty: any audience)');
    }
  }
  if (m?.orderCanary) {
    tag('mesh.orderCanary.imageTag', m.orderCanary.imageTag);
    int('mesh.orderCanary.weight', m.orderCanary.weight, 1, 99);
    int('mesh.orderCanary.replicas', m.orderCanary.replicas, 1);
    if (m.orderCanary.imageTag === env.services?.order?.imageTag) {
      fail('mesh.orderCanary.imageTag', m.orderCanary.imageTag, `a version other than the stable order service's (${env.services.order.imageTag})`);
    }
  }
  if (env.budget) {
    const b = env.budget;
    if (!(b.cpu instanceof Cpu) || !(b.cpu.millicores > 0)) fail('budget.cpu', b.cpu, 'a Cpu above zero');
    if (!(b.memory instanceof Size) || sizeBytes(b.memory) <= 0) fail('budget.memory', b.memory, 'a Size above zero');
    int('budget.pods', b.pods, 1);
    if (!(b.storage instanceof Size) || sizeBytes(b.storage) <= 0) fail('budget.storage', b.storage, 'a Size above zero');
  }
  return errors;
}
