import { ApiObject } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as nack from '../imports/jetstream.nats.io';
import { addWarning, configError } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { JETSTREAM_OBJECTS, NACK_ACCOUNTS } from '../checks/jetstream';
import { AppIndex } from '../core/app-index';
import { checkProps, required, shape, str } from '../core/runtime-types';
import { NATS_CLUSTER_REF, nackMetadata } from './jetstream-storage';
import { SecretKeyRef } from './nats-auth';
import { INatsCluster, NatsCluster } from './nats-cluster';

/**
 * A NATS user's name and password, both read by NACK from one Secret in the Account's namespace
 * (NACK takes the user name from a Secret key too, not from the Account).
 */
export interface NackUserCredentials {
  /** The Secret holding both. */
  readonly secretName: string;
  /** Key whose value is the user name (`nack`). */
  readonly userKey: string;
  /** Key whose value is the password; on a NatsCluster, the `passwordFrom` key of one of its users. */
  readonly passwordKey: string;
}

/**
 * What NACK trusts and presents on a TLS client listener: keys of one Secret in the Account's
 * namespace (NACK writes them to files). For a cert-manager certificate of a NatsCluster, the
 * Secret `<cluster>-client-tls`, whose `ca.crt` is the issuing CA.
 */
export interface NackAccountTls {
  /** The Secret. */
  readonly secretName: string;
  /**
   * Key of the CA bundle that signed the server's certificate.
   * @default 'ca.crt'
   */
  readonly caKey?: string;
  /**
   * Key of a client certificate, for a listener that verifies clients (with `keyKey`).
   * @default - no client certificate
   */
  readonly certKey?: string;
  /**
   * Key of the client certificate's private key (with `certKey`).
   * @default - no client certificate
   */
  readonly keyKey?: string;
}

/** Properties of a NackAccount. */
export interface NackAccountProps {
  /** The NATS system NACK connects to: servers are its client URL. */
  readonly cluster: INatsCluster;
  /**
   * Kubernetes object name, which JetStream resources name in `nackAccount`: a DNS subdomain
   * (lower-case letters, digits, "-" and ".").
   */
  readonly name: string;
  /**
   * Log in as this user with a password. Exactly one of `user` and `credsFrom`.
   * @default - no user and password (set `credsFrom`)
   */
  readonly user?: NackUserCredentials;
  /**
   * Log in with a `.creds` file (a user JWT and its nkey seed), for a system in operator mode:
   * the key of a Secret holding it. Exactly one of `user` and `credsFrom`.
   * @default - no credentials file (set `user`)
   */
  readonly credsFrom?: SecretKeyRef;
  /**
   * The NATS account the credentials log in to: JetStream resources connecting through this
   * Account are created there, so their `account` must be this one.
   * @default - on a NatsCluster, the account of the user whose password `user` names; else the
   * cluster's only account; else not checked
   */
  readonly account?: string;
  /**
   * The CA (and optionally a client certificate) for a client listener with TLS.
   * @default - no TLS settings: a plain connection, or NACK's own TLS settings
   */
  readonly tls?: NackAccountTls;
}

/** The types of a NackAccount's props (names and keys are checked further by the construct). */
const NACK_ACCOUNT_PROPS = shape({
  cluster: required(NATS_CLUSTER_REF),
  user: shape({}, 'a user { secretName, userKey, passwordKey }'),
  credsFrom: shape({}, 'a Secret key { secretName, key }'),
  account: str(),
  tls: shape({}, 'TLS settings { secretName, caKey, certKey, keyKey }'),
}, 'the props of a NackAccount: { cluster, name, user or credsFrom, ... }');

/** A Secret key (also a file name: NACK writes TLS and creds keys to files named after them). */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

function checkObjectName(scope: IConstruct, field: string, name: string, what: string): void {
  if (!isDnsSubdomain(name)) {
    throw configError(scope, field, name, `${what}: a DNS subdomain of at most 253 characters (lower-case letters, digits, "-" and ".")`);
  }
}

function checkSecretKey(scope: IConstruct, field: string, key: string): void {
  if (typeof key !== 'string' || !SECRET_KEY.test(key) || key.length > 253 || key === '.' || key === '..') {
    throw configError(scope, field, key, 'a Secret key of at most 253 letters, digits, "-", "_" and "." (not "." or "..")');
  }
}

/** The config-variable spelling of a name, as NatsCluster derives `$NATS_PASSWORD_<ACCOUNT>_<USER>`. */
function variablePart(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

/** The client listener's TLS, read from a NatsCluster's rendered nats.conf; undefined when plain or unknown. */
function clientListenerTls(cluster: INatsCluster): { verify: boolean } | undefined {
  if (!(cluster instanceof NatsCluster)) return undefined;
  const block = /^tls \{\n((?:[ \t]+.*\n)*)\}/m.exec(cluster.configText);
  if (!block) return undefined;
  return { verify: /^\s*verify: true$/m.test(block[1]) };
}

/**
 * A NACK `Account` resource (jetstream.nats.io/v1beta2): a connection profile NACK uses for the
 * JetStream resources that name it in `nackAccount` (`spec.account`): the cluster's client URL,
 * the credentials of a NATS user and, for a TLS client listener, the CA to trust. It creates no
 * NATS account. Consumers connect through their stream's.
 *
 * NACK reads the Secrets from the Account's namespace; the KeyValue and ObjectStore kinds (and
 * Accounts, in the legacy controller only with `--crd-connect`) need its controller to run with
 * `--control-loop`. NACK's own user must be allowed to publish `$JS.API.>` and `_INBOX.>` and to
 * subscribe to `_INBOX.>` in the account: it keeps permissions written by hand, never
 * `permissionsFromGraph` (refused here), since it creates, updates and deletes every stream,
 * consumer and bucket of the account, and services get none of that.
 *
 * Checked at synth time: the object name and the Secret names and keys; exactly one of a user
 * with a password and a creds file; on a NatsCluster, that the password is one of its users' and
 * in the given account, that a creds file is not used (its users log in with passwords or
 * nkeys, not JWTs), and that TLS settings match its client listener (settings for a plain
 * listener are an error; none for a TLS listener, or no client certificate where it verifies
 * clients, is a warning: NACK's own TLS settings may cover it); and across the app: no other
 * Account object with its name in the namespace, and every JetStream resource naming it is on
 * its cluster and in its account.
 */
export class NackAccount extends Construct {
  /** Kubernetes object name, for `nackAccount`. */
  public readonly name: string;
  public readonly cluster: INatsCluster;
  /** The NATS account the credentials log in to, when known. */
  public readonly account?: string;
  /** The NACK Account object. */
  public readonly resource: ApiObject;
  /** Namespace of the Account object (resources naming it must be in the same one). */
  public readonly namespace?: string;

  constructor(scope: Construct, id: string, props: NackAccountProps) {
    checkProps(scope, id, props, NACK_ACCOUNT_PROPS);
    super(scope, id);
    const cluster = props.cluster;
    this.cluster = cluster;
    checkObjectName(this, 'name', props.name, 'the name of the Account object');
    this.name = props.name;

    if ((props.user === undefined) === (props.credsFrom === undefined)) {
      throw configError(this, 'user', props.user === undefined ? undefined : 'a user and a credsFrom',
        'exactly one of user (a user name and password in a Secret) and credsFrom (a .creds file in a Secret)');
    }
    const known = cluster instanceof NatsCluster;
    let userAccounts: string[] | undefined;
    if (props.user) {
      const u = props.user;
      checkObjectName(this, 'user.secretName', u.secretName, 'the name of a Secret');
      checkSecretKey(this, 'user.userKey', u.userKey);
      checkSecretKey(this, 'user.passwordKey', u.passwordKey);
      if (u.userKey === u.passwordKey) {
        throw configError(this, 'user.passwordKey', u.passwordKey, `a key other than userKey (${JSON.stringify(u.userKey)}): NACK reads the user name and the password from different keys`);
      }
      if (known && cluster.secretEnv.length) userAccounts = this.accountsOfPassword(cluster, u);
    } else {
      const c = props.credsFrom!;
      checkObjectName(this, 'credsFrom.secretName', c.secretName, 'the name of a Secret');
      checkSecretKey(this, 'credsFrom.key', c.key);
      if (known) {
        throw configError(this, 'credsFrom', `${c.secretName}/${c.key} for cluster ${cluster.clusterName}`,
          'user (a password): a NatsCluster authenticates users by password or nkey, not by the JWT of a .creds file (credsFrom is for a system in operator mode, NatsCluster.fromAttributes)');
      }
    }

    if (props.account !== undefined) {
      if (!cluster.accountNames.includes(props.account)) {
        throw configError(this, 'account', props.account, `one of the accounts of cluster ${cluster.clusterName}: ${cluster.accountNames.join(', ')}`);
      }
      if (userAccounts && !userAccounts.includes(props.account)) {
        throw configError(this, 'account', props.account,
          `${userAccounts.join(' or ')}, the account of the user whose password is ${props.user!.secretName}/${props.user!.passwordKey} (NACK creates the resources in the account it logs in to)`);
      }
    }
    this.account = props.account
      ?? (userAccounts?.length === 1 ? userAccounts[0] : undefined)
      ?? (cluster.accountNames.length === 1 ? cluster.accountNames[0] : undefined);

    const tls = props.tls;
    if (tls) {
      checkObjectName(this, 'tls.secretName', tls.secretName, 'the name of a Secret');
      checkSecretKey(this, 'tls.caKey', tls.caKey ?? 'ca.crt');
      if (tls.certKey !== undefined) checkSecretKey(this, 'tls.certKey', tls.certKey);
      if (tls.keyKey !== undefined) checkSecretKey(this, 'tls.keyKey', tls.keyKey);
      if ((tls.certKey === undefined) !== (tls.keyKey === undefined)) {
        throw configError(this, tls.certKey === undefined ? 'tls.certKey' : 'tls.keyKey', undefined,
          'certKey and keyKey together (a client certificate and its key), or neither');
      }
      const keys = [tls.caKey ?? 'ca.crt', tls.certKey, tls.keyKey].filter((k): k is string => k !== undefined);
      if (new Set(keys).size !== keys.length) {
        throw configError(this, 'tls', keys, 'different keys for the CA, the certificate and its key');
      }
    }
    const listener = clientListenerTls(cluster);
    if (known && !listener && tls) {
      throw configError(this, 'tls', tls.secretName,
        `no TLS settings: the client listener of cluster ${cluster.clusterName} is plain, and NACK would refuse to connect without TLS`);
    }
    if (listener && !tls) {
      addWarning(this, `no tls: the client listener of cluster ${cluster.clusterName} uses TLS, so NACK must trust its CA through its own TLS settings`);
    } else if (listener?.verify && tls && tls.certKey === undefined) {
      addWarning(this, `no client certificate (tls.certKey, tls.keyKey): the client listener of cluster ${cluster.clusterName} verifies clients, so NACK must present one through its own TLS settings`);
    }

    this.resource = new nack.Account(this, 'Resource', {
      metadata: nackMetadata(this.name),
      spec: {
        servers: [cluster.clientUrl],
        user: props.user ? { secret: { name: props.user.secretName }, user: props.user.userKey, password: props.user.passwordKey } : undefined,
        creds: props.credsFrom ? { secret: { name: props.credsFrom.secretName }, file: props.credsFrom.key } : undefined,
        tls: tls ? { secret: { name: tls.secretName }, ca: tls.caKey ?? 'ca.crt', cert: tls.certKey, key: tls.keyKey } : undefined,
      },
    });
    this.namespace = this.resource.metadata.namespace;
    // Its name and the resources connecting through it are checked in constructs/checks/jetstream.ts.
    const index = AppIndex.of(this);
    index.add(NACK_ACCOUNTS, this, this);
    index.add(JETSTREAM_OBJECTS, this.resource);
  }

  /** The accounts of the cluster's users whose password is the user's password key; fails when none is. */
  private accountsOfPassword(cluster: NatsCluster, u: NackUserCredentials): string[] {
    const variables = cluster.secretEnv
      .filter((e) => e.name.startsWith('NATS_PASSWORD_') && e.from === u.secretName && e.key === u.passwordKey)
      .map((e) => e.name);
    if (!variables.length) {
      const passwords = cluster.secretEnv.filter((e) => e.name.startsWith('NATS_PASSWORD_')).map((e) => `${e.from}/${e.key}`);
      throw configError(this, 'user.passwordKey', `${u.secretName}/${u.passwordKey}`,
        `the password of a user of cluster ${cluster.clusterName} (${passwords.join(', ') || 'it has no password users'}): nats-server would refuse the login`);
    }
    const fromGraph = cluster.users.find((x) => variables.includes(x.variable) && x.permissionsFromGraph);
    if (fromGraph) {
      throw configError(this, 'user.passwordKey', `${u.secretName}/${u.passwordKey} (user ${fromGraph.name}, whose permissions come from the service graph)`,
        `the password of a user with explicit permissions (publish $JS.API.> and its inbox): NACK creates, updates and deletes streams and consumers, which no workload declaration grants`);
    }
    return cluster.accountNames.filter((a) => variables.some((v) => v.startsWith(`NATS_PASSWORD_${variablePart(a)}_`)));
  }
}
