import { Chart, Duration, Size } from 'cdk8s';
import {
  ConsumerAckPolicy, ConsumerDeliverPolicy, JetStreamConsumer, JetStreamStream, KeyValueStore, NatsCluster, ObjectStore,
  StreamDiscard, StreamRetention, StreamStorage,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

const API = 'jetstream.nats.io/v1beta2';
const URL = 'nats://nats.shop.svc.cluster.local:4222';

/** Chart `c` (namespace shop, environment test) with a 3-server JetStream cluster `nats`. */
function fixture() {
  const f = setup();
  const nats = new NatsCluster(f.chart, 'nats', { replicas: 3, routeAuth: { secretName: 'nats-routes' } });
  return { ...f, nats };
}

/** The JetStream objects a chart synthesizes. */
function jetStreamObjects(chart: Chart): any[] {
  return synth(chart).filter((o) => o.apiVersion === API);
}

function orders(f: ReturnType<typeof fixture>, extra: Partial<ConstructorParameters<typeof JetStreamStream>[2]> = {}) {
  return new JetStreamStream(f.chart, 'orders', { cluster: f.nats, name: 'ORDERS', subjects: ['orders.>'], ...extra });
}

describe('JetStreamStream', () => {
  test('emits a NACK Stream with storage, replicas, retention and discard pinned', () => {
    const f = fixture();
    const s = orders(f);
    const obj = one(jetStreamObjects(f.chart), 'Stream');
    expect(obj).toEqual({
      apiVersion: API,
      kind: 'Stream',
      metadata: { name: 'orders', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
      spec: {
        name: 'ORDERS',
        subjects: ['orders.>'],
        storage: 'file',
        replicas: 3,
        retention: 'limits',
        discard: 'old',
        preventDelete: true,
        servers: [URL],
      },
    });
    expect(s.storage).toBe(StreamStorage.FILE);
    expect(s.replicas).toBe(3);
    expect(s.account).toBe('$G');
    expect(s.preventDelete).toBe(true);
    expect(s.resourceName).toBe('orders');
  });

  test('renders limits as bytes and durations as Go durations', () => {
    const f = fixture();
    new JetStreamStream(f.chart, 'audit', {
      cluster: f.nats,
      name: 'AUDIT_V2',
      subjects: ['audit.>', 'security.events'],
      storage: StreamStorage.MEMORY,
      replicas: 1,
      retention: StreamRetention.INTEREST,
      discard: StreamDiscard.NEW,
      maxAge: Duration.days(30),
      duplicateWindow: Duration.millis(90_500),
      maxBytes: Size.mebibytes(64),
      maxMsgs: 1000,
      maxMsgSize: Size.kibibytes(512),
      description: 'audit trail',
      preventDelete: false,
      nackAccount: 'audit-connection',
    });
    const obj = one(jetStreamObjects(f.chart), 'Stream');
    expect(obj.metadata.name).toBe('audit-v2');
    expect(obj.spec).toEqual({
      name: 'AUDIT_V2',
      description: 'audit trail',
      subjects: ['audit.>', 'security.events'],
      storage: 'memory',
      replicas: 1,
      retention: 'interest',
      discard: 'new',
      maxAge: '720h',
      maxBytes: 64 * 2 ** 20,
      maxMsgs: 1000,
      maxMsgSize: 512 * 1024,
      duplicateWindow: '1m30s500ms',
      account: 'audit-connection',
      preventDelete: false,
      servers: [URL],
    });
  });

  test('replicas default to the JetStream servers when fewer than 3', () => {
    const f = setup();
    const solo = new NatsCluster(f.chart, 'solo');
    const s = new JetStreamStream(f.chart, 'orders', { cluster: solo, name: 'ORDERS', subjects: ['orders.>'] });
    expect(s.replicas).toBe(1);
  });

  test('the account defaults to the cluster\'s only account', () => {
    const f = setup();
    const nats = new NatsCluster(f.chart, 'nats', {
      replicas: 3,
      routeAuth: { secretName: 'nats-routes' },
      auth: { accounts: [{ name: 'APP', users: [{ name: 'svc', passwordFrom: { secretName: 'nats-users', key: 'svc' } }] }] },
    });
    const s = new JetStreamStream(f.chart, 'orders', { cluster: nats, name: 'ORDERS', subjects: ['orders.>'] });
    expect(s.account).toBe('APP');
    // The NATS account is not a NACK Account resource: spec.account stays unset.
    expect(one(jetStreamObjects(f.chart), 'Stream').spec.account).toBeUndefined();
  });

  test('streams of different accounts may share subjects', () => {
    const f = setup();
    const nats = NatsCluster.fromAttributes(f.chart, 'nats', {
      clusterName: 'nats', clientUrl: URL, jetStreamServers: 3, accountNames: ['A', 'B'],
    });
    new JetStreamStream(f.chart, 'a', { cluster: nats, name: 'ORDERS', subjects: ['orders.>'], account: 'A' });
    new JetStreamStream(f.chart, 'b', { cluster: nats, name: 'ORDERS_B', subjects: ['orders.>'], account: 'B' });
    expect(validationErrors(f.chart)).toEqual([]);
  });
});

describe('JetStreamConsumer', () => {
  test('emits a pull Consumer with ackPolicy explicit, ackWait 30s, deliverPolicy all and the stream\'s replicas', () => {
    const f = fixture();
    const stream = orders(f);
    const c = new JetStreamConsumer(f.chart, 'shipping', { stream, durableName: 'shipping', filterSubjects: ['orders.paid'] });
    expect(one(jetStreamObjects(f.chart), 'Consumer')).toEqual({
      apiVersion: API,
      kind: 'Consumer',
      metadata: { name: 'orders-shipping', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
      spec: {
        streamName: 'ORDERS',
        durableName: 'shipping',
        deliverPolicy: 'all',
        ackPolicy: 'explicit',
        ackWait: '30s',
        filterSubject: 'orders.paid',
        replicas: 3,
        servers: [URL],
      },
    });
    expect(c.pull).toBe(true);
    expect(c.ackPolicy).toBe(ConsumerAckPolicy.EXPLICIT);
    expect(c.ackWait.toSeconds()).toBe(30);
    expect(c.replicas).toBe(3);
  });

  test('several filters are written as filterSubjects; a deliverSubject makes a push consumer', () => {
    const f = fixture();
    const stream = orders(f, { nackAccount: 'orders-connection' });
    const c = new JetStreamConsumer(f.chart, 'audit', {
      stream,
      durableName: 'audit_log',
      filterSubjects: ['orders.paid', 'orders.refunded'],
      ackPolicy: ConsumerAckPolicy.ALL,
      ackWait: Duration.minutes(2),
      deliverPolicy: ConsumerDeliverPolicy.BY_START_SEQUENCE,
      startSequence: 42,
      maxDeliver: 5,
      maxAckPending: 100,
      replicas: 1,
      deliverSubject: 'deliver.audit',
      deliverGroup: 'auditors',
      description: 'audit copy',
    });
    expect(c.pull).toBe(false);
    expect(one(jetStreamObjects(f.chart), 'Consumer').spec).toEqual({
      streamName: 'ORDERS',
      durableName: 'audit_log',
      description: 'audit copy',
      deliverPolicy: 'byStartSequence',
      optStartSeq: 42,
      deliverSubject: 'deliver.audit',
      deliverGroup: 'auditors',
      ackPolicy: 'all',
      ackWait: '2m',
      maxDeliver: 5,
      filterSubjects: ['orders.paid', 'orders.refunded'],
      maxAckPending: 100,
      replicas: 1,
      account: 'orders-connection',
      servers: [URL],
    });
  });

  test('a start time is written as RFC 3339', () => {
    const f = fixture();
    new JetStreamConsumer(f.chart, 'replay', {
      stream: orders(f), durableName: 'replay', deliverPolicy: ConsumerDeliverPolicy.BY_START_TIME, startTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    });
    const spec = one(jetStreamObjects(f.chart), 'Consumer').spec;
    expect(spec.deliverPolicy).toBe('byStartTime');
    expect(spec.optStartTime).toBe('2024-01-02T03:04:05.000Z');
  });

  test('attaches to an existing stream', () => {
    const f = setup();
    const nats = NatsCluster.fromAttributes(f.chart, 'nats', { clusterName: 'nats', clientUrl: URL });
    const stream = JetStreamStream.fromAttributes(f.chart, 'orders', {
      cluster: nats, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 3, retention: StreamRetention.WORK_QUEUE,
    });
    new JetStreamConsumer(f.chart, 'worker', { stream, durableName: 'worker' });
    const objs = jetStreamObjects(f.chart);
    expect(objs.map((o) => o.kind)).toEqual(['Consumer']);
    expect(objs[0].spec).toMatchObject({ streamName: 'ORDERS', replicas: 3, ackPolicy: 'explicit', ackWait: '30s' });
  });

  test('consumers of a work-queue stream with disjoint filters are accepted', () => {
    const f = fixture();
    const stream = orders(f, { retention: StreamRetention.WORK_QUEUE });
    new JetStreamConsumer(f.chart, 'paid', { stream, durableName: 'paid', filterSubjects: ['orders.paid'] });
    new JetStreamConsumer(f.chart, 'refunded', { stream, durableName: 'refunded', filterSubjects: ['orders.refunded'] });
    expect(validationErrors(f.chart)).toEqual([]);
  });
});

describe('KeyValueStore and ObjectStore', () => {
  test('KeyValue with history, storage and replicas pinned', () => {
    const f = fixture();
    const kv = new KeyValueStore(f.chart, 'sessions', { cluster: f.nats, bucket: 'user_sessions', ttl: Duration.minutes(90) });
    expect(one(jetStreamObjects(f.chart), 'KeyValue')).toEqual({
      apiVersion: API,
      kind: 'KeyValue',
      metadata: { name: 'user-sessions', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
      spec: {
        bucket: 'user_sessions',
        history: 1,
        ttl: '1h30m',
        storage: 'file',
        replicas: 3,
        preventDelete: true,
        servers: [URL],
      },
    });
    expect(kv.streamName).toBe('KV_user_sessions');
  });

  test('KeyValue with every setting', () => {
    const f = fixture();
    new KeyValueStore(f.chart, 'config', {
      cluster: f.nats, bucket: 'config', history: 64, maxBytes: Size.mebibytes(10), maxValueSize: Size.kibibytes(64),
      storage: StreamStorage.MEMORY, replicas: 1, description: 'flags', preventDelete: false, nackAccount: 'ops',
    });
    expect(one(jetStreamObjects(f.chart), 'KeyValue').spec).toEqual({
      bucket: 'config', description: 'flags', history: 64, maxBytes: 10 * 2 ** 20, maxValueSize: 64 * 1024,
      storage: 'memory', replicas: 1, account: 'ops', preventDelete: false, servers: [URL],
    });
  });

  test('ObjectStore with storage and replicas pinned', () => {
    const f = fixture();
    new ObjectStore(f.chart, 'files', { cluster: f.nats, bucket: 'Invoices', maxBytes: Size.gibibytes(1), ttl: Duration.days(365) });
    expect(one(jetStreamObjects(f.chart), 'ObjectStore')).toEqual({
      apiVersion: API,
      kind: 'ObjectStore',
      metadata: { name: 'invoices', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
      spec: {
        bucket: 'Invoices',
        ttl: '8760h',
        maxBytes: 2 ** 30,
        storage: 'file',
        replicas: 3,
        preventDelete: true,
        servers: [URL],
      },
    });
  });
});

describe('schema', () => {
  const validator = loadSchemaValidator();

  test('the validator knows the NACK kinds (an unknown field is reported)', () => {
    expect(validator.missing).toEqual([]);
    expect(validator.validate({ apiVersion: API, kind: 'Stream', metadata: { name: 'x' }, spec: { bogus: 1 } })).not.toEqual([]);
  });

  test('every emitted JetStream object validates strictly against the NACK v0.22 CRDs', () => {
    const f = fixture();
    const stream = orders(f, { maxAge: Duration.days(7), maxBytes: Size.gibibytes(1), duplicateWindow: Duration.minutes(5), description: 'orders' });
    const wq = new JetStreamStream(f.chart, 'jobs', {
      cluster: f.nats, name: 'JOBS', subjects: ['jobs.*'], retention: StreamRetention.WORK_QUEUE, storage: StreamStorage.MEMORY,
      maxBytes: Size.mebibytes(64), maxMsgs: 10, maxMsgSize: Size.kibibytes(64), discard: StreamDiscard.NEW, nackAccount: 'jobs',
    });
    new JetStreamConsumer(f.chart, 'shipping', { stream, durableName: 'shipping', filterSubjects: ['orders.paid'] });
    new JetStreamConsumer(f.chart, 'multi', { stream, durableName: 'multi', filterSubjects: ['orders.a', 'orders.b'], replicas: 1 });
    new JetStreamConsumer(f.chart, 'push', {
      stream, durableName: 'push', deliverSubject: 'deliver.push', deliverGroup: 'g', ackPolicy: ConsumerAckPolicy.NONE,
      deliverPolicy: ConsumerDeliverPolicy.BY_START_TIME, startTime: new Date(Date.UTC(2024, 0, 1)),
    });
    new JetStreamConsumer(f.chart, 'worker', { stream: wq, durableName: 'worker', maxDeliver: 3, maxAckPending: 10, ackWait: Duration.seconds(10) });
    new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions', history: 5, ttl: Duration.hours(1), maxBytes: Size.mebibytes(100), maxValueSize: Size.kibibytes(8), description: 'd' });
    new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'files', ttl: Duration.days(1), maxBytes: Size.gibibytes(1), description: 'd', nackAccount: 'files' });
    const objs = jetStreamObjects(f.chart);
    expect(objs.map((o) => o.kind).sort()).toEqual(['Consumer', 'Consumer', 'Consumer', 'Consumer', 'KeyValue', 'ObjectStore', 'Stream', 'Stream']);
    expect(objs.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});

describe('JetStream validation (one test per rule)', () => {
  test('the cluster runs JetStream', () => {
    const f = setup();
    const plain = new NatsCluster(f.chart, 'plain', { enableJetStream: false });
    expectConfigError(() => new JetStreamStream(f.chart, 'orders', { cluster: plain, name: 'ORDERS', subjects: ['orders.>'] }),
      '[test] c/orders: cluster: received "plain (JetStream disabled: 0 JetStream servers)"; allowed: a NATS cluster that runs JetStream (enableJetStream, or jetStreamServers for an existing cluster)');
  });

  test('stream names are valid for nats-server', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { name: 'orders.v2' }),
      '[test] c/orders: name: received "orders.v2"; allowed: a name of 1 to 255 characters without spaces, ".", "*", ">", "/" or "\\" (nats-server refuses others)');
  });

  test('stream names leave a Kubernetes object name', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { name: '___' }),
      '[test] c/orders: name: received "___"; allowed: a name that leaves a Kubernetes object name when lower-cased, with other characters than letters, digits and "-" turned into "-" (at least one letter or digit, at most 253 characters)');
  });

  test('a stream has at least one subject', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { subjects: [] }), '[test] c/orders: subjects: received []; allowed: at least one subject, such as orders.>');
  });

  test('stream subjects are valid', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { subjects: ['orders..new'] }),
      '[test] c/orders: subjects[0]: received "orders..new"; allowed: dot-separated tokens, none empty');
  });

  test('stream subjects stay out of the JetStream and system APIs', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { subjects: ['*.created'] }),
      '[test] c/orders: subjects[0]: received "*.created"; allowed: a subject outside the JetStream and system APIs ($JS.>, $JSC.>, $NRG.>, $SYS.>): nats-server refuses a stream that would capture them (it would answer the server\'s own requests)');
  });

  test('a stream\'s subjects do not overlap each other', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { subjects: ['orders.>', 'orders.new'] }),
      '[test] c/orders: subjects[1]: received "orders.new"; allowed: a subject that does not overlap the stream\'s other subjects (it overlaps subjects[0] "orders.>"; nats-server refuses overlapping subjects in one stream)');
  });

  test('replicas are 1 to 5', () => {
    expectConfigError(() => orders(fixture(), { replicas: 6 }), '[test] c/orders: replicas: received 6; allowed: an integer from 1 to 5 (nats-server\'s replica limit)');
    expectConfigError(() => orders(fixture(), { replicas: 0 }), '[test] c/orders: replicas: received 0; allowed: an integer from 1 to 5 (nats-server\'s replica limit)');
  });

  test('replicas are at most the cluster\'s JetStream servers', () => {
    const f = setup();
    const solo = new NatsCluster(f.chart, 'solo');
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: solo, bucket: 'sessions', replicas: 3 }),
      '[test] c/kv: replicas: received 3; allowed: at most 1, the JetStream servers of cluster solo (each replica needs a server of its own)');
  });

  test('the account is one of the cluster\'s', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { account: 'ORDERS' }), '[test] c/orders: account: received "ORDERS"; allowed: one of the accounts of cluster nats: $G');
  });

  test('the account is named when the cluster has several', () => {
    const f = setup();
    const nats = NatsCluster.fromAttributes(f.chart, 'nats', { clusterName: 'nats', clientUrl: URL, jetStreamServers: 3, accountNames: ['A', 'B'] });
    expectConfigError(() => new ObjectStore(f.chart, 'os', { cluster: nats, bucket: 'files' }),
      '[test] c/os: account: received nothing; allowed: one of the accounts of cluster nats (A, B): it has several, so name the one the resource belongs to');
  });

  test('maxAge is at least 100ms', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxAge: Duration.millis(50) }),
      '[test] c/orders: maxAge: received "50ms"; allowed: a whole number of milliseconds, at least 100ms (nats-server refuses shorter ages)');
  });

  test('duplicateWindow is at most maxAge', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxAge: Duration.minutes(1), duplicateWindow: Duration.minutes(2) }),
      '[test] c/orders: duplicateWindow: received "2m"; allowed: at most maxAge (1m): nats-server refuses a duplicate window longer than the age limit');
  });

  test('maxBytes is above zero', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxBytes: Size.mebibytes(0) }),
      '[test] c/orders: maxBytes: received 0; allowed: a whole number of bytes above zero');
  });

  test('maxBytes fits on one server', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxBytes: Size.gibibytes(20), replicas: 1 }),
      '[test] c/orders: maxBytes: received 20Gi; allowed: at most 9Gi, the max_file_store of one server of cluster nats (each replica is stored whole on one server)');
  });

  test('maxMsgs is at least 1', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxMsgs: 0 }), '[test] c/orders: maxMsgs: received 0; allowed: an integer of at least 1 (leave it out for no limit)');
  });

  test('descriptions are at most 4096 characters', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { description: 'x'.repeat(4097) }),
      '[test] c/orders: description: received "4097 characters"; allowed: at most 4096 characters (nats-server\'s limit)');
  });

  test('subjects do not overlap another stream\'s in the same cluster and account', () => {
    const f = fixture();
    orders(f);
    new JetStreamStream(f.chart, 'payments', { cluster: f.nats, name: 'PAYMENTS', subjects: ['payments.>', 'orders.*.paid'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/payments: subjects[1]: received "orders.*.paid" of stream PAYMENTS, which overlaps "orders.>" of stream ORDERS (c/orders); allowed: subjects that no other stream of account $G of cluster nats captures (nats-server refuses a stream whose subjects overlap another\'s)',
    ]);
  });

  test('stream subjects do not overlap a key-value bucket\'s', () => {
    const f = fixture();
    new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions' });
    new JetStreamStream(f.chart, 'tap', { cluster: f.nats, name: 'TAP', subjects: ['$KV.sessions.>'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/tap: subjects[0]: received "$KV.sessions.>" of stream TAP, which overlaps "$KV.sessions.>" of key-value bucket sessions (c/kv); allowed: subjects that no other stream of account $G of cluster nats captures (nats-server refuses a stream whose subjects overlap another\'s)',
    ]);
  });

  test('stream names are unique in a cluster and account', () => {
    const f = fixture();
    new KeyValueStore(f.chart, 'a', { cluster: f.nats, bucket: 'sessions' });
    new KeyValueStore(f.chart, 'b', { cluster: f.nats, bucket: 'sessions' });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/b: bucket: received "sessions" (stream KV_sessions); allowed: a stream name not yet used in account $G of cluster nats (c/a declares stream KV_sessions too; both would manage one stream)',
    ]);
  });

  test('Kubernetes object names are unique per kind and namespace', () => {
    const f = fixture();
    orders(f);
    new JetStreamStream(f.chart, 'lower', { cluster: f.nats, name: 'orders', subjects: ['shop.orders.>'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/lower: name: received "orders" (object name orders); allowed: a name whose Stream object name is unused in namespace shop (c/orders has it too; one would overwrite the other)',
    ]);
  });

  test('maxBytes × replicas fit the cluster\'s file storage', () => {
    const f = fixture();
    orders(f, { maxBytes: Size.gibibytes(8) });
    new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions', maxBytes: Size.gibibytes(1) });
    new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'files', maxBytes: Size.gibibytes(2) });
    new JetStreamStream(f.chart, 'cache', { cluster: f.nats, name: 'CACHE', subjects: ['cache.>'], storage: StreamStorage.MEMORY, maxBytes: Size.mebibytes(200) });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/os: maxBytes: received 2Gi × 3 replicas, bringing the file storage reserved on cluster nats to 33Gi (largest reservations: stream ORDERS 8Gi × 3 = 24Gi, object store files 2Gi × 3 = 6Gi, key-value bucket sessions 1Gi × 3 = 3Gi); allowed: at most 27Gi reserved in total (max_file_store 9Gi × 3 JetStream servers): lower maxBytes or replicas, or give the servers more file storage',
    ]);
  });

  test('maxBytes × replicas fit the cluster\'s memory storage', () => {
    const f = fixture();
    new JetStreamStream(f.chart, 'cache', { cluster: f.nats, name: 'CACHE', subjects: ['cache.>'], storage: StreamStorage.MEMORY, maxBytes: Size.mebibytes(200) });
    new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'hot', storage: StreamStorage.MEMORY, maxBytes: Size.mebibytes(100) });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/kv: maxBytes: received 100Mi × 3 replicas, bringing the memory storage reserved on cluster nats to 900Mi (largest reservations: stream CACHE 200Mi × 3 = 600Mi, key-value bucket hot 100Mi × 3 = 300Mi); allowed: at most 768Mi reserved in total (max_memory_store 256Mi × 3 JetStream servers): lower maxBytes or replicas, or give the servers more memory storage',
    ]);
  });

  test('storage is not checked when the cluster\'s store size is unknown', () => {
    const f = setup();
    const nats = NatsCluster.fromAttributes(f.chart, 'nats', { clusterName: 'nats', clientUrl: URL, jetStreamServers: 3 });
    new JetStreamStream(f.chart, 'a', { cluster: nats, name: 'A', subjects: ['a'], maxBytes: Size.tebibytes(10) });
    expect(validationErrors(f.chart)).toEqual([]);
  });

  test('consumer durable names are valid for nats-server', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'ship ping' }),
      '[test] c/c1: durableName: received "ship ping"; allowed: a name of 1 to 255 characters without spaces, ".", "*", ">", "/" or "\\" (nats-server refuses others)');
  });

  test('consumer filter subjects are within the stream\'s subjects', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', filterSubjects: ['payments.>'] }),
      '[test] c/c1: filterSubjects[0]: received "payments.>"; allowed: a subject within the subjects of stream ORDERS ("orders.>"): nats-server refuses a filter the stream cannot hold');
  });

  test('consumer filter subjects do not overlap each other', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', filterSubjects: ['orders.*', 'orders.new'] }),
      '[test] c/c1: filterSubjects[1]: received "orders.new"; allowed: a filter that does not overlap the others (it overlaps filterSubjects[0] "orders.*"; nats-server refuses overlapping filters)');
  });

  test('several filter subjects need nats-server 2.10', () => {
    const f = setup();
    const old = NatsCluster.fromAttributes(f.chart, 'old', { clusterName: 'old', clientUrl: URL, jetStreamServers: 3, serverVersion: '2.9.10' });
    const stream = new JetStreamStream(f.chart, 'orders', { cluster: old, name: 'ORDERS', subjects: ['orders.>'] });
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream, durableName: 'c1', filterSubjects: ['orders.a', 'orders.b'] }),
      '[test] c/c1: filterSubjects: received ["orders.a","orders.b"]; allowed: one filter subject on nats-server 2.9.10 (several need 2.10)');
  });

  test('consumer replicas are at most the stream\'s', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f, { replicas: 1 }), durableName: 'c1', replicas: 3 }),
      '[test] c/c1: replicas: received 3; allowed: at most 1, the replicas of stream ORDERS (nats-server refuses more)');
  });

  test('consumer replicas equal the stream\'s on interest and work-queue streams', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f, { retention: StreamRetention.INTEREST }), durableName: 'c1', replicas: 1 }),
      '[test] c/c1: replicas: received 1; allowed: exactly 3, the replicas of stream ORDERS: nats-server requires equal replicas on interest streams');
  });

  test('consumers of a work-queue stream ack explicitly', () => {
    const f = fixture();
    const stream = orders(f, { retention: StreamRetention.WORK_QUEUE });
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream, durableName: 'c1', ackPolicy: ConsumerAckPolicy.NONE }),
      '[test] c/c1: ackPolicy: received "NONE"; allowed: EXPLICIT on work-queue stream ORDERS (nats-server refuses other ack policies there: a message leaves the queue when its consumer acks it)');
  });

  test('consumers of a work-queue stream deliver all', () => {
    const f = fixture();
    const stream = orders(f, { retention: StreamRetention.WORK_QUEUE });
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream, durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.NEW }),
      '[test] c/c1: deliverPolicy: received "NEW"; allowed: ALL on work-queue stream ORDERS (nats-server refuses other deliver policies there)');
  });

  test('consumers of a work-queue stream do not overlap', () => {
    const f = fixture();
    const stream = orders(f, { retention: StreamRetention.WORK_QUEUE });
    new JetStreamConsumer(f.chart, 'all', { stream, durableName: 'all' });
    new JetStreamConsumer(f.chart, 'paid', { stream, durableName: 'paid', filterSubjects: ['orders.paid'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/paid: filterSubjects: received "orders.paid", which overlaps "orders.>" (no filter: the whole stream) of consumer all at c/all; allowed: filters no other consumer of work-queue stream ORDERS reads (nats-server gives each message of a work queue to one consumer, and refuses overlapping ones)',
    ]);
  });

  test('durable names are unique per stream', () => {
    const f = fixture();
    const stream = orders(f);
    new JetStreamConsumer(f.chart, 'a', { stream, durableName: 'worker', filterSubjects: ['orders.a'] });
    new JetStreamConsumer(f.chart, 'b', { stream, durableName: 'worker', filterSubjects: ['orders.b'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/b: durableName: received "worker"; allowed: a durable name unused on stream ORDERS (c/a uses it too)',
    ]);
  });

  test('BY_START_SEQUENCE needs startSequence', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.BY_START_SEQUENCE }),
      '[test] c/c1: startSequence: received nothing; allowed: a stream sequence of at least 1 with deliverPolicy BY_START_SEQUENCE');
  });

  test('startSequence only with BY_START_SEQUENCE', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', startSequence: 5 }),
      '[test] c/c1: startSequence: received 5; allowed: no startSequence with deliverPolicy ALL (only with BY_START_SEQUENCE)');
  });

  test('BY_START_TIME needs startTime', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.BY_START_TIME }),
      '[test] c/c1: startTime: received nothing; allowed: a time with deliverPolicy BY_START_TIME');
  });

  test('LAST_PER_SUBJECT needs filter subjects', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.LAST_PER_SUBJECT }),
      '[test] c/c1: filterSubjects: received nothing; allowed: at least one filter subject with deliverPolicy LAST_PER_SUBJECT (nats-server refuses it without)');
  });

  test('maxAckPending needs an ack policy', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', ackPolicy: ConsumerAckPolicy.NONE, maxAckPending: 10 }),
      '[test] c/c1: maxAckPending: received 10; allowed: no maxAckPending with ackPolicy NONE (nothing is pending an ack; nats-server refuses it on push consumers)');
  });

  test('maxDeliver is at least 1', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', maxDeliver: 0 }),
      '[test] c/c1: maxDeliver: received 0; allowed: an integer of at least 1 (leave it out for unlimited)');
  });

  test('ackWait is above zero', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', ackWait: Duration.seconds(0) }),
      '[test] c/c1: ackWait: received "0s"; allowed: a whole number of milliseconds, at least 1ms');
  });

  test('a push consumer delivers to a literal subject', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverSubject: 'deliver.*' }),
      '[test] c/c1: deliverSubject: received "deliver.*"; allowed: a literal subject (no * or >)');
  });

  test('a push consumer does not deliver into its own stream', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverSubject: 'orders.deliver' }),
      '[test] c/c1: deliverSubject: received "orders.deliver"; allowed: a subject stream ORDERS does not capture (it captures "orders.>"; nats-server refuses a delivery cycle)');
  });

  test('deliverGroup only on push consumers', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverGroup: 'workers' }),
      '[test] c/c1: deliverGroup: received "workers"; allowed: a deliverGroup only with deliverSubject (a queue group of a push consumer)');
  });

  test('bucket names are letters, digits, "_" and "-"', () => {
    const f = fixture();
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'user.sessions' }),
      '[test] c/kv: bucket: received "user.sessions"; allowed: a bucket name of letters, digits, "_" and "-" (^[a-zA-Z0-9_-]+$), at most 251 characters');
    expectConfigError(() => new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'my files' }),
      '[test] c/os: bucket: received "my files"; allowed: a bucket name of letters, digits, "_" and "-" (^[a-zA-Z0-9_-]+$), at most 251 characters');
  });

  test('history is 1 to 64', () => {
    const f = fixture();
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions', history: 65 }),
      '[test] c/kv: history: received 65; allowed: an integer from 1 to 64 (values kept per key)');
    expectConfigError(() => new KeyValueStore(f.chart, 'kv2', { cluster: f.nats, bucket: 'sessions', history: 0 }),
      '[test] c/kv2: history: received 0; allowed: an integer from 1 to 64 (values kept per key)');
  });

  test('a bucket ttl is at least 100ms', () => {
    const f = fixture();
    expectConfigError(() => new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'files', ttl: Duration.millis(10) }),
      '[test] c/os: ttl: received "10ms"; allowed: a whole number of milliseconds, at least 100ms (nats-server refuses shorter ages)');
  });
});

describe('JetStream validation: the remaining rules', () => {
  const NACK_ACCOUNT = 'the name of a NACK Account resource (a DNS subdomain: lower-case letters, digits, "-" and ".")';

  test('nackAccount is a NACK Account resource name', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { nackAccount: 'Orders_Connection' }),
      `[test] c/orders: nackAccount: received "Orders_Connection"; allowed: ${NACK_ACCOUNT}`);
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions', nackAccount: 'ops.' }),
      `[test] c/kv: nackAccount: received "ops."; allowed: ${NACK_ACCOUNT}`);
    expectConfigError(() => new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'files', nackAccount: '-files' }),
      `[test] c/os: nackAccount: received "-files"; allowed: ${NACK_ACCOUNT}`);
    const ok = new JetStreamStream(f.chart, 'ok', { cluster: f.nats, name: 'OK', subjects: ['ok.>'], nackAccount: 'orders.connection-1' });
    expect(one(jetStreamObjects(f.chart), 'Stream').spec.account).toBe('orders.connection-1');
    expect(ok.nackAccount).toBe('orders.connection-1');
  });

  test('nackAccount of an existing stream is a NACK Account resource name', () => {
    const f = fixture();
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'existing', {
      cluster: f.nats, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 3, nackAccount: 'Orders Connection',
    }), `[test] c/existing: nackAccount: received "Orders Connection"; allowed: ${NACK_ACCOUNT}`);
  });

  test('an existing stream: name, object name and subjects', () => {
    const f = fixture();
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e1', { cluster: f.nats, streamName: 'orders v2', subjects: ['orders.>'], replicas: 3 }),
      '[test] c/e1: streamName: received "orders v2"; allowed: a name of 1 to 255 characters without spaces, ".", "*", ">", "/" or "\\" (nats-server refuses others)');
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e2', { cluster: f.nats, streamName: '__', subjects: ['orders.>'], replicas: 3 }),
      '[test] c/e2: streamName: received "__"; allowed: a name that leaves a Kubernetes object name when lower-cased, with other characters than letters, digits and "-" turned into "-" (at least one letter or digit, at most 253 characters)');
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e3', { cluster: f.nats, streamName: 'ORDERS', subjects: [], replicas: 3 }),
      '[test] c/e3: subjects: received []; allowed: at least one subject, such as orders.>');
  });

  test('an existing stream\'s replicas are 1 to the cluster\'s JetStream servers (5 when unknown)', () => {
    const f = fixture();
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e1', { cluster: f.nats, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 4 }),
      '[test] c/e1: replicas: received 4; allowed: an integer from 1 to 3');
    const unknown = NatsCluster.fromAttributes(f.chart, 'other', { clusterName: 'other', clientUrl: 'nats://other:4222' });
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e2', { cluster: unknown, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 0 }),
      '[test] c/e2: replicas: received 0; allowed: an integer from 1 to 5');
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e3', { cluster: unknown, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 6 }),
      '[test] c/e3: replicas: received 6; allowed: an integer from 1 to 5');
  });

  test('an existing stream\'s account is one of the cluster\'s', () => {
    const f = fixture();
    expectConfigError(() => JetStreamStream.fromAttributes(f.chart, 'e1', { cluster: f.nats, streamName: 'ORDERS', subjects: ['orders.>'], replicas: 3, account: 'ORDERS' }),
      '[test] c/e1: account: received "ORDERS"; allowed: one of the accounts of cluster nats: $G');
  });

  test('startTime only with BY_START_TIME', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', startTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) }),
      '[test] c/c1: startTime: received "2024-01-02T03:04:05.000Z"; allowed: no startTime with deliverPolicy ALL (only with BY_START_TIME)');
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c2', {
      stream: f.chart.node.findChild('orders') as JetStreamStream, durableName: 'c2', deliverPolicy: ConsumerDeliverPolicy.LAST_PER_SUBJECT,
      filterSubjects: ['orders.paid'], startTime: new Date(Date.UTC(2024, 0, 1)),
    }), '[test] c/c2: startTime: received "2024-01-01T00:00:00.000Z"; allowed: no startTime with deliverPolicy LAST_PER_SUBJECT (only with BY_START_TIME)');
  });

  test('an invalid startTime with another deliver policy', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.NEW, startTime: new Date('not a date') }),
      '[test] c/c1: startTime: received "an invalid date"; allowed: no startTime with deliverPolicy NEW (only with BY_START_TIME)');
  });

  test('startTime is a valid date', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', {
      stream: orders(f), durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.BY_START_TIME, startTime: new Date(Number.NaN),
    }), '[test] c/c1: startTime: received "an invalid date"; allowed: a valid date');
  });

  test('startSequence is at least 1', () => {
    const f = fixture();
    const stream = orders(f);
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream, durableName: 'c1', deliverPolicy: ConsumerDeliverPolicy.BY_START_SEQUENCE, startSequence: 0 }),
      '[test] c/c1: startSequence: received 0; allowed: a stream sequence of at least 1');
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c2', { stream, durableName: 'c2', deliverPolicy: ConsumerDeliverPolicy.BY_START_SEQUENCE, startSequence: 1.5 }),
      '[test] c/c2: startSequence: received 1.5; allowed: a stream sequence of at least 1');
  });

  test('consumer durable names leave a Kubernetes object name', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: '__' }),
      '[test] c/c1: durableName: received "__"; allowed: a name that leaves a Kubernetes object name when lower-cased, with other characters than letters, digits and "-" turned into "-" (at least one letter or digit, at most 253 characters)');
  });

  test('a consumer\'s object name is at most 253 characters', () => {
    const f = fixture();
    const durableName = 'x'.repeat(250);
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName }),
      `[test] c/c1: durableName: received "${durableName}"; allowed: a shorter name: the object name orders-${'x'.repeat(33)}... is over 253 characters`);
  });

  test('consumer filter subjects are valid subjects', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', filterSubjects: ['orders.>.paid'] }),
      '[test] c/c1: filterSubjects[0]: received "orders.>.paid"; allowed: ">" only as the last token');
  });

  test('consumer descriptions are at most 4096 characters', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', description: 'd'.repeat(5000) }),
      '[test] c/c1: description: received "5000 characters"; allowed: at most 4096 characters (nats-server\'s limit)');
  });

  test('maxAckPending is at least 1', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', maxAckPending: 0 }),
      '[test] c/c1: maxAckPending: received 0; allowed: an integer of at least 1');
  });

  test('consumer replicas are 1 to 5', () => {
    const f = fixture();
    const stream = orders(f);
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream, durableName: 'c1', replicas: 0 }),
      '[test] c/c1: replicas: received 0; allowed: an integer from 1 to 5 (nats-server\'s replica limit)');
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c2', { stream, durableName: 'c2', replicas: 6 }),
      '[test] c/c2: replicas: received 6; allowed: an integer from 1 to 5 (nats-server\'s replica limit)');
  });

  test('consumer replicas equal the stream\'s on work-queue streams', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f, { retention: StreamRetention.WORK_QUEUE }), durableName: 'c1', replicas: 1 }),
      '[test] c/c1: replicas: received 1; allowed: exactly 3, the replicas of stream ORDERS: nats-server requires equal replicas on work-queue streams');
  });

  test('deliverGroup is a queue group name', () => {
    const f = fixture();
    expectConfigError(() => new JetStreamConsumer(f.chart, 'c1', { stream: orders(f), durableName: 'c1', deliverSubject: 'deliver.c1', deliverGroup: 'ship.workers' }),
      '[test] c/c1: deliverGroup: received "ship.workers"; allowed: a queue group name without spaces, ".", "*" or ">"');
  });

  test('consumer object names are unique per namespace', () => {
    const f = fixture();
    const stream = orders(f);
    new JetStreamConsumer(f.chart, 'a', { stream, durableName: 'worker', filterSubjects: ['orders.a'] });
    new JetStreamConsumer(f.chart, 'b', { stream, durableName: 'Worker', filterSubjects: ['orders.b'] });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/b: durableName: received "Worker" (object name orders-worker); allowed: a name whose Consumer object name is unused in namespace shop (c/a has it too; one would overwrite the other)',
    ]);
  });

  test('duplicateWindow is at least 100ms', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { duplicateWindow: Duration.millis(50) }),
      '[test] c/orders: duplicateWindow: received "50ms"; allowed: a whole number of milliseconds, at least 100ms (nats-server refuses shorter windows)');
  });

  test('durations are whole milliseconds', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxAge: Duration.millis(150.5) }),
      '[test] c/orders: maxAge: received "150.5ms"; allowed: a whole number of milliseconds, at least 100ms (nats-server refuses shorter ages)');
  });

  test('maxMsgSize is above zero and below 2Gi', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxMsgSize: Size.gibibytes(2) }),
      '[test] c/orders: maxMsgSize: received 2Gi; allowed: a whole number of bytes above zero and below 2Gi');
    expectConfigError(() => new JetStreamStream(f.chart, 'b', { cluster: f.nats, name: 'B', subjects: ['b'], maxMsgSize: Size.kibibytes(0) }),
      '[test] c/b: maxMsgSize: received 0; allowed: a whole number of bytes above zero and below 2Gi');
  });

  test('maxValueSize is above zero and below 2Gi', () => {
    const f = fixture();
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'sessions', maxValueSize: Size.gibibytes(4) }),
      '[test] c/kv: maxValueSize: received 4Gi; allowed: a whole number of bytes above zero and below 2Gi');
  });

  test('sizes are whole bytes', () => {
    const f = fixture();
    expectConfigError(() => orders(f, { maxBytes: Size.kibibytes(0.0001) }),
      `[test] c/orders: maxBytes: received "${1024 * 0.0001} bytes"; allowed: a whole number of bytes above zero`);
  });

  test('maxBytes fits the memory store of one server', () => {
    const f = fixture();
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'hot', storage: StreamStorage.MEMORY, maxBytes: Size.mebibytes(300), replicas: 1 }),
      '[test] c/kv: maxBytes: received 300Mi; allowed: at most 256Mi, the max_memory_store of one server of cluster nats (each replica is stored whole on one server)');
  });

  test('bucket names are at most 251 characters', () => {
    const f = fixture();
    const bucket = 'b'.repeat(252);
    expectConfigError(() => new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket }),
      `[test] c/kv: bucket: received "${bucket}"; allowed: a bucket name of letters, digits, "_" and "-" (^[a-zA-Z0-9_-]+$), at most 251 characters`);
    expect(() => new KeyValueStore(f.chart, 'kv2', { cluster: f.nats, bucket: 'b'.repeat(251) })).not.toThrow();
  });
});

describe('output', () => {
  test('is deterministic', () => {
    const build = () => {
      const f = fixture();
      const s = orders(f, { maxBytes: Size.gibibytes(1) });
      new JetStreamConsumer(f.chart, 'c', { stream: s, durableName: 'c' });
      new KeyValueStore(f.chart, 'kv', { cluster: f.nats, bucket: 'kv' });
      new ObjectStore(f.chart, 'os', { cluster: f.nats, bucket: 'os' });
      return JSON.stringify(jetStreamObjects(f.chart));
    };
    expect(build()).toBe(build());
  });
});
