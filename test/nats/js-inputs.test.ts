/**
 * What a plain-JavaScript caller gets for NATS and JetStream props of the wrong type: the
 * library's ConfigError with the construct path and field, never a TypeError from inside.
 */
import { Duration, Size } from 'cdk8s';
import {
  CertIssuerKind, Cpu, JetStreamConsumer, JetStreamStream, KeyValueStore, NackAccount, NatsCluster, NatsTls, ObjectStore,
} from '../../constructs';
import { expectConfigError, js, setup } from '../workloads/helpers';


function cluster(props: object) {
  return new NatsCluster(setup().chart, 'nats', js(props));
}

describe('NatsCluster', () => {
  test('a string where a Size belongs, and CPU text that is no quantity', () => {
    expectConfigError(() => cluster({ resources: { cpu: Cpu.cores(1), memory: '2Gi' } }),
      '[test] c/nats: resources.memory: received "2Gi"; allowed: a Size such as Size.mebibytes(256)');
    expectConfigError(() => cluster({ resources: { cpu: Cpu.parse('1 core'), memory: Size.gibibytes(2) } }),
      '[test] c/nats: resources.cpu: received "1 core"; allowed: a CPU quantity like 250m, 0.5 or 2');
    expectConfigError(() => cluster({ jetStream: { fileStorage: 20 } }),
      '[test] c/nats: jetStream.fileStorage: received 20; allowed: a Size such as Size.mebibytes(256)');
  });

  test('a string where a Duration belongs, an unknown mesh mode, a string where a list belongs', () => {
    expectConfigError(() => cluster({ lameDuckDuration: '30s' }),
      '[test] c/nats: lameDuckDuration: received "30s"; allowed: a Duration such as Duration.seconds(30)');
    expectConfigError(() => cluster({ mesh: 'INSIDE' }), '[test] c/nats: mesh: received "INSIDE"; allowed: one of none, inside, outside (NatsMeshMode)');
    expectConfigError(() => cluster({ auth: { accounts: [{ name: 'SHOP', users: 'order' }] } }),
      '[test] c/nats: auth.accounts[0].users: received "order"; allowed: a list of users { name, passwordFrom or nkeyFrom }');
    expectConfigError(() => cluster({ natsBox: 'true' }), '[test] c/nats: natsBox: received "true"; allowed: true or false');
  });

  test('TLS: a NatsTls, with cert-manager durations in whole hours', () => {
    expectConfigError(() => cluster({ tls: { client: 'nats-client-tls' } }),
      '[test] c/nats: tls.client: received "nats-client-tls"; allowed: NatsTls.fromSecret(secretName) or NatsTls.fromCertManager(issuerName)');
    expectConfigError(() => cluster({ tls: { client: NatsTls.fromCertManager('ca', CertIssuerKind.CLUSTER_ISSUER, { duration: Duration.minutes(90) }) } }),
      '[test] c/nats: tls.client.options.duration: received 1 hour 30 minutes; allowed: a Duration of whole hours, such as Duration.days(90)');
  });

  test('fromAttributes: required attributes, numbers as strings, a version that is none', () => {
    const { chart } = setup();
    expectConfigError(() => NatsCluster.fromAttributes(chart, 'a', js({ clusterName: 'nats' })),
      '[test] c/a: clientUrl: received nothing; allowed: a client URL such as nats://nats.shop.svc.cluster.local:4222');
    expectConfigError(() => NatsCluster.fromAttributes(chart, 'b', js({ clusterName: 'nats', clientUrl: 'nats://nats:4222', jetStreamServers: '3' })),
      '[test] c/b: jetStreamServers: received "3"; allowed: an integer >= 0');
    expectConfigError(() => NatsCluster.fromAttributes(chart, 'c', js({ clusterName: 'nats', clientUrl: 'nats://nats:4222', serverVersion: 'latest' })),
      '[test] c/c: serverVersion: received "latest"; allowed: a nats-server version such as 2.10.22');
  });
});

describe('JetStream resources', () => {
  test('JetStreamStream: a missing cluster, a Duration and a Size as strings, an unknown retention', () => {
    const { chart } = setup();
    const nats = new NatsCluster(chart, 'nats');
    expectConfigError(() => new JetStreamStream(chart, 'a', js({ name: 'ORDERS', subjects: ['order.>'] })),
      '[test] c/a: cluster: received nothing; allowed: a NATS cluster (NatsCluster or NatsCluster.fromAttributes)');
    expectConfigError(() => new JetStreamStream(chart, 'b', js({ cluster: nats, name: 'ORDERS', subjects: ['order.>'], maxAge: '7d' })),
      '[test] c/b: maxAge: received "7d"; allowed: a Duration such as Duration.seconds(30)');
    expectConfigError(() => new JetStreamStream(chart, 'c', js({ cluster: nats, name: 'ORDERS', subjects: ['order.>'], maxBytes: '5Gi' })),
      '[test] c/c: maxBytes: received "5Gi"; allowed: a Size such as Size.gibibytes(1)');
    expectConfigError(() => new JetStreamStream(chart, 'd', js({ cluster: nats, name: 'ORDERS', subjects: ['order.>'], retention: 'WORK_QUEUE' })),
      '[test] c/d: retention: received "WORK_QUEUE"; allowed: one of limits, interest, workqueue (StreamRetention)');
    expectConfigError(() => JetStreamStream.fromAttributes(chart, 'e', js({ cluster: 'nats', streamName: 'ORDERS', subjects: ['order.>'], replicas: 1 })),
      '[test] c/e: cluster: received "nats"; allowed: a NATS cluster (NatsCluster or NatsCluster.fromAttributes)');
  });

  test('KeyValueStore and ObjectStore: a number where a Duration belongs, an unknown storage, a boolean as a string', () => {
    const { chart } = setup();
    const nats = new NatsCluster(chart, 'nats');
    expectConfigError(() => new KeyValueStore(chart, 'kv', js({ cluster: nats, bucket: 'carts', ttl: 60 })),
      '[test] c/kv: ttl: received 60; allowed: a Duration such as Duration.seconds(30)');
    expectConfigError(() => new KeyValueStore(chart, 'kv2', js({ cluster: nats, bucket: 'carts', preventDelete: 'false' })),
      '[test] c/kv2: preventDelete: received "false"; allowed: true or false');
    expectConfigError(() => new ObjectStore(chart, 'os', js({ cluster: nats, bucket: 'images', storage: 'disk' })),
      '[test] c/os: storage: received "disk"; allowed: one of file, memory (StreamStorage)');
  });

  test('JetStreamConsumer: a missing or named stream, a number where a Duration belongs, an unknown policy, a string for a date', () => {
    const { chart } = setup();
    const nats = new NatsCluster(chart, 'nats');
    const stream = new JetStreamStream(chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['order.>'] });
    expectConfigError(() => new JetStreamConsumer(chart, 'a', js({ durableName: 'charge' })),
      '[test] c/a: stream: received nothing; allowed: a JetStream stream (JetStreamStream or JetStreamStream.fromAttributes)');
    expectConfigError(() => new JetStreamConsumer(chart, 'b', js({ stream: 'ORDERS', durableName: 'charge' })),
      '[test] c/b: stream: received "ORDERS"; allowed: a JetStream stream (JetStreamStream or JetStreamStream.fromAttributes)');
    expectConfigError(() => new JetStreamConsumer(chart, 'c', js({ stream, durableName: 'charge', ackWait: 30 })),
      '[test] c/c: ackWait: received 30; allowed: a Duration such as Duration.seconds(30)');
    expectConfigError(() => new JetStreamConsumer(chart, 'd', js({ stream, durableName: 'charge', ackPolicy: 'EXPLICIT' })),
      '[test] c/d: ackPolicy: received "EXPLICIT"; allowed: one of explicit, all, none (ConsumerAckPolicy)');
    expectConfigError(() => new JetStreamConsumer(chart, 'e', js({ stream, durableName: 'charge', deliverPolicy: 'byStartTime', startTime: '2026-01-01' })),
      '[test] c/e: startTime: received "2026-01-01"; allowed: a Date');
    expectConfigError(() => new JetStreamConsumer(chart, 'f', js({ stream, durableName: 'charge', filterSubjects: 'order.new' })),
      '[test] c/f: filterSubjects: received "order.new"; allowed: a list of strings');
    expectConfigError(() => new JetStreamConsumer(chart, 'g', js({ stream, durableName: 'charge', maxDeliver: '5' })),
      '[test] c/g: maxDeliver: received "5"; allowed: an integer of at least 1 (leave it out for unlimited)');
  });

  test('NackAccount: a cluster given by name', () => {
    expectConfigError(() => new NackAccount(setup().chart, 'nack', js({ cluster: 'nats', name: 'nack', user: { secretName: 's', userKey: 'u', passwordKey: 'p' } })),
      '[test] c/nack: cluster: received "nats"; allowed: a NATS cluster (NatsCluster or NatsCluster.fromAttributes)');
  });
});
