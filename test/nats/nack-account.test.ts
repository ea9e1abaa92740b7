import { Chart } from 'cdk8s';
import {
  CertIssuerKind, JetStreamConsumer, JetStreamStream, KeyValueStore, NackAccount, NackAccountProps, NatsAuth, NatsCluster,
  NatsClusterProps, NatsTls, ObjectStore, collectWarnings,
} from '../../constructs';
import { loadSchemaValidator } from '../support/schema-validator';
import { expectConfigError, one, setup, synth, validationErrors } from '../workloads/helpers';

// The NACK Account (connection profile) and one test per validation rule of NackAccount
// (constructs/nats/nack-account.ts) with its message.

const API = 'jetstream.nats.io/v1beta2';
const P = '[test] c/acct';
const USERS = 'nats-users';

/** Two accounts: SHOP with the services and NACK's user, AUDIT with its reader; passwords from `nats-users`. */
const AUTH: NatsAuth = {
  accounts: [
    {
      name: 'SHOP',
      users: [
        { name: 'order', passwordFrom: { secretName: USERS, key: 'order' } },
        { name: 'nack', passwordFrom: { secretName: USERS, key: 'nack' } },
      ],
    },
    { name: 'AUDIT', users: [{ name: 'auditor', passwordFrom: { secretName: USERS, key: 'auditor' } }] },
  ],
};
const NACK_USER = { secretName: USERS, userKey: 'nack-username', passwordKey: 'nack' };

/** Chart `c` (namespace shop, environment test) with a 3-server JetStream cluster `nats` with AUTH. */
function fixture(props: NatsClusterProps = {}) {
  const f = setup();
  const nats = new NatsCluster(f.chart, 'nats', { replicas: 3, routeAuth: { secretName: 'nats-routes' }, auth: AUTH, ...props });
  return { ...f, nats };
}

function account(f: ReturnType<typeof fixture>, extra: Partial<NackAccountProps> = {}): NackAccount {
  return new NackAccount(f.chart, 'acct', { cluster: f.nats, name: 'shop', user: NACK_USER, ...extra });
}

/** The NACK Account objects a chart synthesizes. */
function accounts(chart: Chart): any[] {
  return synth(chart).filter((o) => o.apiVersion === API && o.kind === 'Account');
}

const withTls = (verifyClients = false) => ({
  tls: { client: NatsTls.fromCertManager('internal-ca', CertIssuerKind.CLUSTER_ISSUER, { verifyClients }) },
});

describe('NackAccount', () => {
  test('emits a NACK Account with the cluster\'s client URL and the user\'s Secret keys', () => {
    const f = fixture();
    const a = account(f);
    expect(one(accounts(f.chart), 'Account')).toEqual({
      apiVersion: API,
      kind: 'Account',
      metadata: { name: 'shop', namespace: 'shop', labels: { 'app.kubernetes.io/managed-by': 'cdk8s-nats-mesh' } },
      spec: {
        servers: ['nats://nats.shop.svc.cluster.local:4222'],
        user: { secret: { name: USERS }, user: 'nack-username', password: 'nack' },
      },
    });
    expect(a.name).toBe('shop');
    expect(a.cluster).toBe(f.nats);
    expect(collectWarnings(f.app)).toEqual([]);
  });

  test('the NATS account is the one of the user whose password it names', () => {
    const f = fixture();
    expect(account(f).account).toBe('SHOP');
    const audit = new NackAccount(f.chart, 'audit', {
      cluster: f.nats, name: 'audit', user: { secretName: USERS, userKey: 'auditor-username', passwordKey: 'auditor' },
    });
    expect(audit.account).toBe('AUDIT');
  });

  test('TLS: the CA of the client listener\'s Secret (and a client certificate when given)', () => {
    const f = fixture(withTls());
    account(f, { tls: { secretName: 'nats-client-tls' } });
    new NackAccount(f.chart, 'mutual', {
      cluster: f.nats, name: 'shop-mutual', user: NACK_USER,
      tls: { secretName: 'nack-client-tls', caKey: 'ca.pem', certKey: 'tls.crt', keyKey: 'tls.key' },
    });
    const [plain, mutual] = accounts(f.chart);
    expect(plain.spec).toEqual({
      servers: [f.nats.clientUrl],
      user: { secret: { name: USERS }, user: 'nack-username', password: 'nack' },
      tls: { secret: { name: 'nats-client-tls' }, ca: 'ca.crt' },
    });
    expect(mutual.spec.tls).toEqual({ secret: { name: 'nack-client-tls' }, ca: 'ca.pem', cert: 'tls.crt', key: 'tls.key' });
    expect(collectWarnings(f.app)).toEqual([]);
  });

  test('a creds file for a system in operator mode', () => {
    const f = setup();
    const hub = NatsCluster.fromAttributes(f.chart, 'hub', {
      clusterName: 'hub', clientUrl: 'nats://hub.nats.svc.cluster.local:4222', jetStreamServers: 3, accountNames: ['APP'],
    });
    const a = new NackAccount(f.chart, 'acct', { cluster: hub, name: 'app', credsFrom: { secretName: 'nack-creds', key: 'nack.creds' } });
    expect(one(accounts(f.chart), 'Account').spec).toEqual({
      servers: ['nats://hub.nats.svc.cluster.local:4222'],
      creds: { secret: { name: 'nack-creds' }, file: 'nack.creds' },
    });
    expect(a.account).toBe('APP');
  });

  test('JetStream resources connect through it by name; consumers through their stream', () => {
    const f = fixture();
    account(f);
    const orders = new JetStreamStream(f.chart, 'orders', { cluster: f.nats, name: 'ORDERS', subjects: ['order.>'], account: 'SHOP', nackAccount: 'shop' });
    new JetStreamConsumer(f.chart, 'ship', { stream: orders, durableName: 'ship' });
    new KeyValueStore(f.chart, 'carts', { cluster: f.nats, bucket: 'carts', account: 'SHOP', nackAccount: 'shop' });
    new ObjectStore(f.chart, 'images', { cluster: f.nats, bucket: 'images', account: 'SHOP', nackAccount: 'shop' });
    expect(validationErrors(f.chart)).toEqual([]);
    const jetStream = synth(f.chart).filter((o) => o.apiVersion === API && o.kind !== 'Account');
    expect(jetStream.map((o) => [o.kind, o.spec.account])).toEqual([
      ['Stream', 'shop'], ['Consumer', 'shop'], ['KeyValue', 'shop'], ['ObjectStore', 'shop'],
    ]);
  });

  test('every emitted Account validates strictly against the NACK v0.22 CRD', () => {
    const validator = loadSchemaValidator();
    expect(validator.missing).toEqual([]);
    const f = fixture(withTls());
    account(f, { tls: { secretName: 'nats-client-tls', certKey: 'tls.crt', keyKey: 'tls.key' } });
    const hub = NatsCluster.fromAttributes(f.chart, 'hub', { clusterName: 'hub', clientUrl: 'nats://hub:4222', jetStreamServers: 1 });
    new NackAccount(f.chart, 'creds', { cluster: hub, name: 'hub', credsFrom: { secretName: 'hub-creds', key: 'nack.creds' } });
    const objs = accounts(f.chart);
    expect(objs).toHaveLength(2);
    expect(objs.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});

describe('NackAccount validation (one test per rule)', () => {
  test('the object name is a DNS subdomain', () => {
    const f = fixture();
    expectConfigError(() => account(f, { name: 'Shop_Main' }),
      `${P}: name: received "Shop_Main"; allowed: the name of the Account object: a DNS subdomain of at most 253 characters (lower-case letters, digits, "-" and ".")`);
  });

  test('exactly one of user and credsFrom', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: undefined }),
      `${P}: user: received nothing; allowed: exactly one of user (a user name and password in a Secret) and credsFrom (a .creds file in a Secret)`);
    expectConfigError(() => account(fixture(), { credsFrom: { secretName: 'c', key: 'nack.creds' } }),
      `${P}: user: received "a user and a credsFrom"; allowed: exactly one of user (a user name and password in a Secret) and credsFrom (a .creds file in a Secret)`);
  });

  test('Secret names are DNS subdomains', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: { ...NACK_USER, secretName: 'NATS users' } }),
      `${P}: user.secretName: received "NATS users"; allowed: the name of a Secret: a DNS subdomain of at most 253 characters (lower-case letters, digits, "-" and ".")`);
  });

  test('Secret keys are valid keys', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: { ...NACK_USER, userKey: 'nack/user' } }),
      `${P}: user.userKey: received "nack/user"; allowed: a Secret key of at most 253 letters, digits, "-", "_" and "." (not "." or "..")`);
  });

  test('the user name and the password come from different keys', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: { ...NACK_USER, userKey: 'nack' } }),
      `${P}: user.passwordKey: received "nack"; allowed: a key other than userKey ("nack"): NACK reads the user name and the password from different keys`);
  });

  test('on a NatsCluster, the password is one of its users\'', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: { ...NACK_USER, passwordKey: 'jetstream-controller' } }),
      `${P}: user.passwordKey: received "nats-users/jetstream-controller"; allowed: the password of a user of cluster nats (nats-users/order, nats-users/nack, nats-users/auditor): nats-server would refuse the login`);
  });

  test('a creds file only for a system in operator mode, not a NatsCluster', () => {
    const f = fixture();
    expectConfigError(() => account(f, { user: undefined, credsFrom: { secretName: 'nack-creds', key: 'nack.creds' } }),
      `${P}: credsFrom: received "nack-creds/nack.creds for cluster nats"; allowed: user (a password): a NatsCluster authenticates users by password or nkey, not by the JWT of a .creds file (credsFrom is for a system in operator mode, NatsCluster.fromAttributes)`);
  });

  test('the account is one of the cluster\'s', () => {
    const f = fixture();
    expectConfigError(() => account(f, { account: 'ORDERS' }),
      `${P}: account: received "ORDERS"; allowed: one of the accounts of cluster nats: SHOP, AUDIT`);
  });

  test('the account is the user\'s', () => {
    const f = fixture();
    expectConfigError(() => account(f, { account: 'AUDIT' }),
      `${P}: account: received "AUDIT"; allowed: SHOP, the account of the user whose password is nats-users/nack (NACK creates the resources in the account it logs in to)`);
  });

  test('a client certificate needs both certKey and keyKey', () => {
    const f = fixture(withTls(true));
    expectConfigError(() => account(f, { tls: { secretName: 'nack-tls', certKey: 'tls.crt' } }),
      `${P}: tls.keyKey: received nothing; allowed: certKey and keyKey together (a client certificate and its key), or neither`);
  });

  test('the CA, certificate and key are different keys', () => {
    const f = fixture(withTls(true));
    expectConfigError(() => account(f, { tls: { secretName: 'nack-tls', certKey: 'tls.crt', keyKey: 'tls.crt' } }),
      `${P}: tls: received ["ca.crt","tls.crt","tls.crt"]; allowed: different keys for the CA, the certificate and its key`);
  });

  test('no TLS settings for a plain client listener', () => {
    const f = fixture();
    expectConfigError(() => account(f, { tls: { secretName: 'nats-client-tls' } }),
      `${P}: tls: received "nats-client-tls"; allowed: no TLS settings: the client listener of cluster nats is plain, and NACK would refuse to connect without TLS`);
  });

  test('warning: a TLS client listener without tls', () => {
    const f = fixture(withTls());
    account(f);
    expect(collectWarnings(f.app)).toEqual([
      `${P}: no tls: the client listener of cluster nats uses TLS, so NACK must trust its CA through its own TLS settings`,
    ]);
  });

  test('warning: a listener that verifies clients without a client certificate', () => {
    const f = fixture(withTls(true));
    account(f, { tls: { secretName: 'nats-client-tls' } });
    expect(collectWarnings(f.app)).toEqual([
      `${P}: no client certificate (tls.certKey, tls.keyKey): the client listener of cluster nats verifies clients, so NACK must present one through its own TLS settings`,
    ]);
  });

  test('one Account object per name and namespace', () => {
    const f = fixture();
    account(f);
    new NackAccount(f.chart, 'again', { cluster: f.nats, name: 'shop', user: NACK_USER });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/again: name: received "shop"; allowed: a name unused by other Account objects in namespace shop (c/acct has it too; one would overwrite the other)',
    ]);
  });

  test('resources that connect through it are on its cluster', () => {
    const f = fixture();
    account(f);
    const other = NatsCluster.fromAttributes(f.chart, 'other', {
      clusterName: 'other', clientUrl: 'nats://other.nats.svc.cluster.local:4222', jetStreamServers: 3, accountNames: ['SHOP'],
    });
    new JetStreamStream(f.chart, 'orders', { cluster: other, name: 'ORDERS', subjects: ['order.>'], nackAccount: 'shop' });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/acct: cluster: received nats (nats://nats.shop.svc.cluster.local:4222), which c/orders (stream ORDERS) connects through, on cluster other (nats://other.nats.svc.cluster.local:4222); allowed: the cluster of every JetStream resource whose nackAccount names this Account (NACK would log in to one system with the credentials of another)',
    ]);
  });

  test('resources that connect through it are in its account', () => {
    const f = fixture();
    account(f);
    new KeyValueStore(f.chart, 'audit', { cluster: f.nats, bucket: 'audit', account: 'AUDIT', nackAccount: 'shop' });
    const existing = JetStreamStream.fromAttributes(f.chart, 'ledger', {
      cluster: f.nats, streamName: 'LEDGER', subjects: ['ledger.>'], replicas: 3, account: 'AUDIT', nackAccount: 'shop',
    });
    new JetStreamConsumer(f.chart, 'reader', { stream: existing, durableName: 'reader' });
    expect(validationErrors(f.chart)).toEqual([
      '[test] c/acct: account: received SHOP, which c/audit (stream KV_audit) connects through, declared in account AUDIT; allowed: the account of every JetStream resource whose nackAccount names this Account (NACK creates them in the account it logs in to, not in the one their checks assume)',
      '[test] c/acct: account: received SHOP, which c/reader (stream LEDGER (consumer reader)) connects through, declared in account AUDIT; allowed: the account of every JetStream resource whose nackAccount names this Account (NACK creates them in the account it logs in to, not in the one their checks assume)',
    ]);
  });
});
