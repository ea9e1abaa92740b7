import { Duration } from 'cdk8s';
import { BOOL, Check, fieldsOf, instance, oneOf, rule, shape, str } from '../core/runtime-types';

/** Kind of a cert-manager issuer. */
export enum CertIssuerKind {
  /** Namespaced Issuer (in the cluster's namespace). */
  ISSUER = 'Issuer',
  /** Cluster-wide ClusterIssuer. */
  CLUSTER_ISSUER = 'ClusterIssuer',
}

/** Options of a listener's TLS. */
export interface NatsTlsOptions {
  /**
   * Require and verify client certificates (mutual TLS). Always on for cluster routes and
   * gateways, where both sides are servers.
   * @default false
   */
  readonly verifyClients?: boolean;
  /**
   * Key of the CA bundle in the Secret.
   * @default 'ca.crt'
   */
  readonly caKey?: string;
  /** @default Duration.hours(2160) (90 days), cert-manager only */
  readonly duration?: Duration;
  /** @default Duration.hours(360) (15 days), cert-manager only */
  readonly renewBefore?: Duration;
}

/**
 * Where a listener's certificate comes from: an existing `kubernetes.io/tls` Secret, or a
 * cert-manager Certificate the cluster creates (named `<cluster>-<listener>-tls`) from an issuer.
 */
export class NatsTls {
  /** An existing Secret with `tls.crt`, `tls.key` and a CA bundle. */
  public static fromSecret(secretName: string, options: NatsTlsOptions = {}): NatsTls {
    return new NatsTls(secretName, undefined, undefined, options);
  }

  /** A cert-manager Certificate issued by the named Issuer or ClusterIssuer. */
  public static fromCertManager(issuerName: string, issuerKind: CertIssuerKind = CertIssuerKind.CLUSTER_ISSUER, options: NatsTlsOptions = {}): NatsTls {
    return new NatsTls(undefined, issuerName, issuerKind, options);
  }

  private constructor(
    /** The existing Secret, if any. */
    public readonly secretName: string | undefined,
    /** The cert-manager issuer, if any. */
    public readonly issuerName: string | undefined,
    /** Kind of the issuer. */
    public readonly issuerKind: CertIssuerKind | undefined,
    /** Options. */
    public readonly options: NatsTlsOptions,
  ) {}
}

/** TLS per listener; a listener without an entry is plain. */
export interface NatsListenersTls {
  /** Client connections (4222). @default - plain */
  readonly client?: NatsTls;
  /** Routes between the servers of the cluster (6222), always mutual. @default - plain */
  readonly cluster?: NatsTls;
  /** Leafnode connections, listening and remotes (7422). @default - plain */
  readonly leafnodes?: NatsTls;
  /** Gateways to other clusters (7222), always mutual. @default - plain */
  readonly gateway?: NatsTls;
  /** WebSocket clients (8080). @default - plain (`no_tls: true`) */
  readonly websocket?: NatsTls;
  /** MQTT clients (1883). @default - plain */
  readonly mqtt?: NatsTls;
}

/** cert-manager takes durations in whole hours. */
const WHOLE_HOURS: Check = rule('a Duration of whole hours, such as Duration.days(90)',
  (d) => d instanceof Duration && Number.isInteger(d.toMinutes({ integral: false }) / 60) && d.toMinutes({ integral: false }) > 0);

const NATS_TLS_FIELDS = fieldsOf({
  secretName: str(),
  issuerName: str(),
  issuerKind: oneOf(Object.values(CertIssuerKind), 'CertIssuerKind'),
  options: shape({ verifyClients: BOOL, caKey: str(), duration: WHOLE_HOURS, renewBefore: WHOLE_HOURS }, 'options { verifyClients, caKey, duration, renewBefore }'),
});

/** What a listener's TLS must be, what it was made from included. */
export const NATS_TLS: Check = instance(NatsTls, 'NatsTls.fromSecret(secretName) or NatsTls.fromCertManager(issuerName)', NATS_TLS_FIELDS);
