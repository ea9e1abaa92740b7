import { Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import {
  ContainerImage, NamespaceBaseline, NodeAgent, PodSecurityLevel, PortProtocol, Probe, Volume,
} from '../constructs';
import { PlatformEnvironment } from './environments';

/**
 * Node agents live in a namespace of their own: reading /var/log needs a host path, and the
 * container logs need root, both of which the platform namespace's restricted pod security
 * refuses.
 */
export class NodeAgentsChart extends Chart {
  public readonly logShipper: NodeAgent;

  constructor(scope: Construct, id: string, env: PlatformEnvironment) {
    super(scope, id, { namespace: env.agentsNamespace, labels: { 'app.kubernetes.io/part-of': 'shop', 'shop.example.com/environment': env.name } });
    const sink = env.logShipper.sink;

    new NamespaceBaseline(this, 'namespace', {
      podSecurity: PodSecurityLevel.PRIVILEGED,
      monitoringNamespaces: [env.monitoringNamespace],
      egress: [{ name: 'log-sink', cidr: sink.cidr, ports: [{ port: sink.port }] }],
    });

    const config = new kplus.ConfigMap(this, 'log-shipper-config', {
      metadata: { name: 'log-shipper-config' },
      data: { 'fluent-bit.conf': fluentBitConfig(env) },
    });

    this.logShipper = new NodeAgent(this, 'log-shipper', {
      image: ContainerImage.of('cr.fluentbit.io/fluent/fluent-bit', env.logShipper.imageTag),
      resources: env.sizes[env.logShipper.size],
      args: ['--config=/fluent-bit/etc/fluent-bit.conf'],
      ports: [{ name: 'http-metrics', port: 2020, protocol: PortProtocol.HTTP }],
      readiness: Probe.httpGet('/api/v1/health', 2020),
      liveness: Probe.httpGet('/api/v1/health', 2020, { failureThreshold: 6 }),
      // containerd writes the container logs owned by root with mode 0640: root reads them as
      // their owner, with every capability dropped (DAC_READ_SEARCH would only matter for files
      // root does not own, which the shipper does not tail).
      runAsRoot: true,
      hostPaths: [{ name: 'varlog', hostPath: '/var/log' }],
      // The tail input's read positions (DB) survive restarts and upgrades on the node, so a new
      // pod neither ships every log again nor skips what was written in between.
      stateDirectory: { hostPath: STATE_DIR },
      mounts: [{ volume: Volume.fromConfigMap('config', config.name), mountPath: '/fluent-bit/etc' }],
      tolerateAllTaints: true,
      expectedNodes: env.logShipper.expectedNodes,
    });
  }
}

/** The log shipper's directory on each node: its tail database (`DB`). */
const STATE_DIR = '/var/lib/fluent-bit';

/** fluent-bit: tail container logs, forward them to the environment's log sink. */
function fluentBitConfig(env: PlatformEnvironment): string {
  const s = env.logShipper.sink;
  return [
    '[SERVICE]',
    '    Flush         5',
    '    Log_Level     info',
    '    HTTP_Server   On',
    '    HTTP_Listen   0.0.0.0',
    '    HTTP_Port     2020',
    '    Health_Check  On',
    '',
    '[INPUT]',
    '    Name              tail',
    '    Path              /var/log/containers/*.log',
    '    multiline.parser  cri, docker',
    '    Tag               kube.*',
    `    DB                ${STATE_DIR}/tail.db`,
    '    Mem_Buf_Limit     16MB',
    '    Skip_Long_Lines   On',
    '',
    '[FILTER]',
    '    Name    record_modifier',
    '    Match   *',
    `    Record  environment ${env.name}`,
    '',
    '[OUTPUT]',
    '    Name   forward',
    '    Match  *',
    `    Host   ${s.host}`,
    `    Port   ${s.port}`,
    '',
  ].join('\n');
}
