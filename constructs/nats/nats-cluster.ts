import { Chart, Duration, Lazy, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { k8s } from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import * as certManager from '../imports/cert-manager.io';
import * as monitoring from '../imports/monitoring.coreos.com';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsSubdomain } from '../core/names';
import { BOOL, SIZE, STRINGS, STRING_MAP, WHOLE_SECONDS, checkProps, instance, int, list, num, oneOf, required, shape, str } from '../core/runtime-types';
import { Cpu } from '../workloads/cpu';
import { ContainerSpec, KeyRefEnv } from '../workloads/container';
import { ContainerImage } from '../workloads/image';
import { Microservice } from '../workloads/microservice';
import { PortProtocol, WorkloadPort } from '../workloads/port';
import { Probe } from '../workloads/probe';
import { sizeBytes, sizeProblem, sizeQuantity } from '../core/quantity';
import { RESOURCE_AMOUNTS, ResourceAmounts, Resources } from '../workloads/resources';
import { PodManagementPolicy, StatefulService } from '../workloads/stateful-service';
import { Volume, VolumeMount } from '../workloads/volume';
import { IWorkload, TopologySpread } from '../workloads/workload';
import { ISTIO_DEFAULT_TERMINATION_DRAIN, PROXY_CONFIG_ANNOTATION, meshProxyConfigAnnotation, parseMeshProxyConfig } from '../mesh/proxy-config';
import { NatsAccount, NatsAuth, NatsExportKind, NatsPermissions, NatsUser, SecretKeyRef, subjectProblem, subjectWithin } from './nats-auth';
import { ConfBlock, ConfDuration, ConfLazy, ConfValue, ConfVariable, keysNewerThan, renderNatsConf } from './nats-conf';
import { NATS_SYSTEMS } from '../checks/nats';
import { graphNatsPermissions } from './nats-graph-permissions';
import { NATS_TLS, NatsListenersTls, NatsTls } from './nats-tls';
import { NatsServerVersion } from './nats-version';

/** Default images: the server and the chart's sidecars, pinned. */
export const NATS_IMAGES = {
  SERVER: ContainerImage.of('nats', '2.10.22-alpine'),
  RELOADER: ContainerImage.of('natsio/nats-server-config-reloader', '0.16.0'),
  EXPORTER: ContainerImage.of('natsio/prometheus-nats-exporter', '0.15.0'),
  BOX: ContainerImage.of('natsio/nats-box', '0.14.5'),
};

/** Ports nats-server listens on (the official chart's numbers). */
export const NATS_PORTS = {
  CLIENT: 4222,
  CLUSTER: 6222,
  MONITOR: 8222,
  LEAFNODES: 7422,
  GATEWAY: 7222,
  WEBSOCKET: 8080,
  MQTT: 1883,
  METRICS: 7777,
};

/** How the NATS pods sit in an Istio mesh. */
export enum NatsMeshMode {
  /** No mesh settings (no Istio in the cluster). */
  NONE = 'none',
  /**
   * In the mesh with a sidecar: every NATS port is declared TCP (NATS speaks first, protocol
   * sniffing would hang), the route port is left out of capture so peers reach each other
   * directly during start-up. The pods' `proxy.istio.io/config` keeps the sidecar draining for
   * the whole lame duck (`terminationDrainDuration` = lameDuckDuration + lameDuckGracePeriod,
   * within the termination grace period; Istio's default of 5s would drop every client at once
   * while the server is still moving them one by one) and starts the server only once the
   * sidecar is ready (`holdApplicationUntilProxyStarts`: leafnode remotes and gateways connect
   * through it at start-up).
   */
  INSIDE = 'inside',
  /** Outside the mesh: sidecar injection off for the NATS pods; clients in the mesh need a PeerAuthentication exception. */
  OUTSIDE = 'outside',
}

/** JetStream storage of each server. */
export interface JetStreamOptions {
  /**
   * Size of each server's volume for file storage; `max_file_store` is set to 90% of it.
   * @default Size.gibibytes(10)
   */
  readonly fileStorage?: Size;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /**
   * `max_memory_store` of each server; at most half the server's memory limit.
   * @default a quarter of the memory limit
   */
  readonly memoryStorage?: Size;
  /** @default - no domain */
  readonly domain?: string;
  /**
   * How often file storage is flushed to disk (nats-server 2.10+).
   * @default - the server's default (2 minutes)
   */
  readonly syncInterval?: Duration;
  /**
   * Reject unknown fields in JetStream API requests (key from nats-server 2.11, default on in 2.12).
   * @default - the server's default
   */
  readonly strict?: boolean;
}

/** A leafnode connection from this cluster to another NATS system. */
export interface LeafnodeRemote {
  /** URLs of the remote's leafnode listener (`nats-leaf://` or `tls://host:7422`). */
  readonly urls: string[];
  /** Local account the remote's messages arrive in. @default - the global account */
  readonly account?: string;
  /** A `.creds` file from a Secret (key), mounted read-only. @default - no credentials */
  readonly credentialsFrom?: { readonly secretName: string; readonly key: string };
  /** Use the cluster's leafnode TLS settings for this remote. @default false */
  readonly tls?: boolean;
}

/** A remote cluster this cluster connects to through gateways. */
export interface GatewayRemote {
  /** The remote cluster's name (its gateway name). */
  readonly name: string;
  /** URLs of its gateway listener. */
  readonly urls: string[];
}

/** How browsers reach the WebSocket listener from outside the cluster. */
export interface NatsWebsocketIngress {
  /** Host name, e.g. `nats-ws.example.com`. */
  readonly host: string;
  /** @default - the cluster's default IngressClass */
  readonly ingressClassName?: string;
  /** TLS Secret for the host, terminated by the Ingress controller. @default - plain HTTP */
  readonly tlsSecretName?: string;
}

/**
 * Authorization of the routes between the servers of a cluster (`cluster { authorization }`),
 * with credentials from a Secret the platform team provisions.
 *
 * nats-server 2.9 takes a route's credentials only from its URL (`nats://user:password@host:6222`)
 * and does not expand variables inside strings, so the route URLs are composed by Kubernetes:
 * the Secret is read whole into the server's environment (`envFrom`, resolved before any `env`
 * entry), and `NATS_ROUTES` is an `env` value that refers to its keys (`$(NATS_ROUTE_USER)`,
 * `$(NATS_ROUTE_PASSWORD)`), which nats.conf reads as `routes: $NATS_ROUTES`. Neither the
 * ConfigMap nor the pod spec holds the credentials.
 */
export interface NatsRouteAuth {
  /**
   * A Secret in the cluster's namespace with exactly the keys `NATS_ROUTE_USER` and
   * `NATS_ROUTE_PASSWORD` (every key of it becomes an environment variable of the server, so keep
   * it for this purpose). The password goes into the route URLs and is read as config syntax:
   * letters and digits only, starting with a letter (`p$(openssl rand -hex 24)`). A missing key
   * stops the server at start-up (an undefined variable), it never runs with open routes.
   */
  readonly secretName: string;
}

/** The environment variables of route authorization (`NatsRouteAuth`). */
export const NATS_ROUTE_ENV = {
  /** Key of the route Secret: the user every server presents and accepts on its routes. */
  USER: 'NATS_ROUTE_USER',
  /** Key of the route Secret: its password. */
  PASSWORD: 'NATS_ROUTE_PASSWORD',
  /** The route URLs with the credentials, composed by Kubernetes from the two keys (nats.conf `routes: $NATS_ROUTES`). */
  ROUTES: 'NATS_ROUTES',
};

/** Server limits. */
export interface NatsLimits {
  /** @default - the server's 1MB */
  readonly maxPayload?: Size;
  /** @default - the server's 64MB */
  readonly maxPending?: Size;
  /** @default - the server's 64k */
  readonly maxConnections?: number;
}

/** A user of a NatsCluster, as the service graph and its checks see it. */
export interface NatsClusterUser {
  /** The user's name. */
  readonly name: string;
  /** Its account. */
  readonly account: string;
  /** Its permissions are derived from the service graph (`NatsUser.permissionsFromGraph`). */
  readonly permissionsFromGraph: boolean;
  /** The environment variable its password or nkey reaches the server through (one of `secretEnv`). */
  readonly variable: string;
}

/** Properties of a NatsCluster. */
export interface NatsClusterProps {
  /** Name of the StatefulSet, Services and ConfigMap. @default - the construct id */
  readonly name?: string;
  /** Servers; 1 is a standalone server, more form a cluster. @default 1 */
  readonly replicas?: number;
  /** @default NATS_IMAGES.SERVER */
  readonly image?: ContainerImage;
  /**
   * The nats-server version the config targets: keys newer than it are refused.
   * @default - the version in the image tag
   */
  readonly serverVersion?: string;
  /**
   * CPU and memory of each server (requests = limits; GOMEMLIMIT is set to 90% of the memory).
   * @default 500m CPU, 1Gi memory
   */
  readonly resources?: ResourceAmounts;
  /** @default - JetStream with default storage */
  readonly jetStream?: JetStreamOptions;
  /** @default true */
  readonly enableJetStream?: boolean;
  /** DNS domain of the Kubernetes cluster, for route URLs. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /** @default - plain listeners */
  readonly tls?: NatsListenersTls;
  /**
   * Route authorization with credentials from a Secret. A cluster (replicas > 1) needs it unless
   * its route listener has TLS (`tls.cluster`, always mutual): otherwise any pod that reaches
   * port 6222 joins the cluster and receives every message and JetStream replica. Both may be set.
   * @default - none (refused for a cluster without tls.cluster)
   */
  readonly routeAuth?: NatsRouteAuth;
  /** @default - no authentication */
  readonly auth?: NatsAuth;
  /** Open a leafnode listener for other systems to connect to. @default false */
  readonly leafnodeListener?: boolean;
  /** @default - none */
  readonly leafnodeRemotes?: LeafnodeRemote[];
  /** @default - no gateway */
  readonly gateways?: GatewayRemote[];
  /** Open a WebSocket listener. @default false */
  readonly websocket?: boolean;
  /** Browser origins allowed on the WebSocket listener. @default - any */
  readonly websocketAllowedOrigins?: string[];
  /** An Ingress that exposes the WebSocket listener to browsers (needs `websocket`). @default - none */
  readonly websocketIngress?: NatsWebsocketIngress;
  /** Open an MQTT listener (needs JetStream). @default false */
  readonly mqtt?: boolean;
  /** @default - the server's */
  readonly limits?: NatsLimits;
  /** @default Duration.seconds(30) */
  readonly lameDuckDuration?: Duration;
  /** @default Duration.seconds(10) */
  readonly lameDuckGracePeriod?: Duration;
  /** @default Duration.seconds(60) */
  readonly terminationGracePeriod?: Duration;
  /** @default true */
  readonly configReloader?: boolean;
  /** Prometheus exporter sidecar on 7777. @default true */
  readonly exporter?: boolean;
  /** PodMonitor for the exporter (Prometheus Operator). @default true when the exporter runs */
  readonly podMonitor?: boolean;
  /** Troubleshooting Deployment with the nats CLI. @default false */
  readonly natsBox?: boolean;
  /** @default TopologySpread.ZONES_AND_NODES for clusters, NONE for one server */
  readonly spread?: TopologySpread;
  /** @default NatsMeshMode.NONE */
  readonly mesh?: NatsMeshMode;
  /**
   * Annotations of the server pods, over the ones the cluster sets. With `mesh: INSIDE`, a
   * `proxy.istio.io/config` of your own replaces the cluster's: it must keep a
   * `terminationDrainDuration` of at least lameDuckDuration (checked).
   * @default - only the cluster's own
   */
  readonly podAnnotations?: { [key: string]: string };
  /** Allow 2 or 4 JetStream servers (no more fault tolerance than 1 or 3). @default false */
  readonly allowEvenClusterSize?: boolean;
}

/**
 * A NATS system that JetStream resources and clients refer to: one defined in this app
 * (NatsCluster) or one that exists elsewhere (`NatsCluster.fromAttributes`).
 */
export interface INatsCluster extends IConstruct {
  /** Cluster name (StatefulSet and cluster/gateway name). */
  readonly clusterName: string;
  /** Namespace. */
  readonly namespaceName?: string;
  /** URL clients use. */
  readonly clientUrl: string;
  /** Servers running JetStream (0 when JetStream is off). */
  readonly jetStreamServers: number;
  /** `max_file_store` of each server, bytes (0 when unknown). */
  readonly maxFileStoreBytes: number;
  /** `max_memory_store` of each server, bytes (0 when unknown). */
  readonly maxMemoryStoreBytes: number;
  /** The nats-server version. */
  readonly serverVersion: NatsServerVersion;
  /** Names of the cluster's accounts ('$G', the global account, without auth). */
  readonly accountNames: string[];
  /** The port clients connect to. */
  readonly clientPort: number;
  /** The workload running the servers, when it is defined in this app (clients' calls go to it). */
  readonly serverWorkload?: IWorkload;
}

/** What an existing NATS system is. */
export interface NatsClusterAttributes {
  readonly clusterName: string;
  readonly clientUrl: string;
  /** @default 0 */
  readonly jetStreamServers?: number;
  /** @default 0 (unknown: storage reservations are not checked) */
  readonly maxFileStoreBytes?: number;
  /** @default 0 */
  readonly maxMemoryStoreBytes?: number;
  /** @default '2.10.0' */
  readonly serverVersion?: string;
  /** @default ['$G'] */
  readonly accountNames?: string[];
  /** @default - unknown */
  readonly namespaceName?: string;
}

/** The types of what `NatsCluster.fromAttributes` takes. */
const NATS_CLUSTER_ATTRIBUTES = shape({
  clusterName: required(str()),
  clientUrl: required(str('a client URL such as nats://nats.shop.svc.cluster.local:4222')),
  jetStreamServers: int(0),
  maxFileStoreBytes: num('a number of bytes'),
  maxMemoryStoreBytes: num('a number of bytes'),
  serverVersion: str('a nats-server version such as 2.10.22'),
  accountNames: STRINGS,
  namespaceName: str(),
}, 'the attributes of a NATS cluster: { clusterName, clientUrl, ... }');

class ExistingNatsCluster extends Construct implements INatsCluster {
  public readonly clientPort: number;
  public readonly serverWorkload?: IWorkload;
  public readonly clusterName: string;
  public readonly namespaceName?: string;
  public readonly clientUrl: string;
  public readonly jetStreamServers: number;
  public readonly maxFileStoreBytes: number;
  public readonly maxMemoryStoreBytes: number;
  public readonly serverVersion: NatsServerVersion;
  public readonly accountNames: string[];

  constructor(scope: Construct, id: string, a: NatsClusterAttributes) {
    checkProps(scope, id, a, NATS_CLUSTER_ATTRIBUTES);
    super(scope, id);
    this.clusterName = a.clusterName;
    this.namespaceName = a.namespaceName;
    this.clientUrl = a.clientUrl;
    this.jetStreamServers = a.jetStreamServers ?? 0;
    this.maxFileStoreBytes = a.maxFileStoreBytes ?? 0;
    this.maxMemoryStoreBytes = a.maxMemoryStoreBytes ?? 0;
    try {
      this.serverVersion = NatsServerVersion.of(a.serverVersion ?? '2.10.0');
    } catch {
      throw configError(this, 'serverVersion', a.serverVersion, 'a nats-server version such as 2.10.22');
    }
    this.accountNames = a.accountNames ?? ['$G'];
    const port = /:(\d+)\/?$/.exec(a.clientUrl);
    this.clientPort = port ? Number(port[1]) : NATS_PORTS.CLIENT;
    AppIndex.of(this).add(NATS_SYSTEMS, { cluster: this }, this);
  }
}

const SECRET_KEY_REF = shape({ secretName: required(str()), key: required(str()) }, 'a Secret key { secretName, key }');
const URLS = list(str('a URL'), 'a list of URLs');

/** The types of a NatsCluster's props (their values are checked by the construct). */
const NATS_CLUSTER_PROPS = shape({
  name: str(),
  image: instance(ContainerImage, 'a ContainerImage such as ContainerImage.of("nats", "2.10.22-alpine")'),
  serverVersion: str('a nats-server version such as 2.10.22'),
  resources: RESOURCE_AMOUNTS,
  jetStream: shape({
    fileStorage: SIZE, storageClassName: str(), memoryStorage: SIZE, domain: str(), syncInterval: WHOLE_SECONDS, strict: BOOL,
  }, 'JetStream options { fileStorage, memoryStorage, ... }'),
  enableJetStream: BOOL,
  clusterDomain: str(),
  tls: shape({ client: NATS_TLS, cluster: NATS_TLS, leafnodes: NATS_TLS, gateway: NATS_TLS, websocket: NATS_TLS, mqtt: NATS_TLS },
    'TLS per listener { client, cluster, leafnodes, gateway, websocket, mqtt }'),
  routeAuth: shape({}, 'route authorization { secretName }'),
  auth: shape({
    accounts: required(list(shape({
      name: str(),
      users: required(list(shape({
        name: str(),
        passwordFrom: SECRET_KEY_REF,
        nkeyFrom: SECRET_KEY_REF,
        permissions: shape({
          publishAllow: STRINGS, publishDeny: STRINGS, subscribeAllow: STRINGS, subscribeDeny: STRINGS, allowResponses: BOOL,
        }, 'permissions { publishAllow, publishDeny, subscribeAllow, subscribeDeny, allowResponses }'),
        permissionsFromGraph: BOOL,
      }, 'a user { name, passwordFrom or nkeyFrom }'), 'a list of users { name, passwordFrom or nkeyFrom }')),
      jetStream: BOOL,
      exports: list(shape({ subject: str(), kind: required(oneOf(Object.values(NatsExportKind), 'NatsExportKind')) }, 'an export { subject, kind }'),
        'a list of exports { subject, kind }'),
      imports: list(shape({
        account: required(str()), subject: str(), kind: required(oneOf(Object.values(NatsExportKind), 'NatsExportKind')), localSubject: str(),
      }, 'an import { account, subject, kind }'), 'a list of imports { account, subject, kind }'),
    }, 'an account { name, users }'), 'a list of accounts { name, users }')),
    systemAccount: str(),
    noAuthUser: str(),
  }, 'accounts and users { accounts, systemAccount, noAuthUser }'),
  leafnodeListener: BOOL,
  leafnodeRemotes: list(shape({ urls: URLS, account: str(), credentialsFrom: SECRET_KEY_REF, tls: BOOL },
    'a leafnode remote { urls, account, credentialsFrom, tls }'), 'a list of leafnode remotes { urls, ... }'),
  gateways: list(shape({ name: str(), urls: URLS }, 'a gateway { name, urls }'), 'a list of gateways { name, urls }'),
  websocket: BOOL,
  websocketAllowedOrigins: STRINGS,
  websocketIngress: shape({ host: str(), ingressClassName: str(), tlsSecretName: str() }, 'an Ingress { host, ingressClassName, tlsSecretName }'),
  mqtt: BOOL,
  limits: shape({ maxPayload: SIZE, maxPending: SIZE, maxConnections: int(1) }, 'limits { maxPayload, maxPending, maxConnections }'),
  lameDuckDuration: WHOLE_SECONDS,
  lameDuckGracePeriod: WHOLE_SECONDS,
  terminationGracePeriod: WHOLE_SECONDS,
  configReloader: BOOL,
  exporter: BOOL,
  podMonitor: BOOL,
  natsBox: BOOL,
  spread: oneOf(Object.values(TopologySpread), 'TopologySpread'),
  mesh: oneOf(Object.values(NatsMeshMode), 'NatsMeshMode'),
  podAnnotations: STRING_MAP,
  allowEvenClusterSize: BOOL,
}, 'the props of a NatsCluster: { replicas, resources, jetStream, ... }');

const CONFIG_DIR = '/etc/nats-config';
const CERT_DIR = '/etc/nats-certs';
const PID_FILE = '/var/run/nats/nats.pid';
/** Where clients (nats-box) mount the CA of the client listener. */
export const CLIENT_CA_DIR = '/etc/nats-ca';
const DATA_DIR = '/data';
const MI = 2 ** 20;

/**
 * A NATS server or cluster on Kubernetes with what the official chart deploys (ConfigMap with a
 * rendered nats.conf, headless and client Services, a Parallel StatefulSet with JetStream
 * volumes, PodDisruptionBudget, probes, lame-duck shutdown, config reloader, Prometheus exporter
 * and PodMonitor, optional nats-box) and what its users add by hand: restricted pod security,
 * requests = limits with GOMEMLIMIT, zone spreading, credentials from Secrets, and every rule
 * nats-server checks at start-up checked at synth time.
 *
 * Users with `permissionsFromGraph` get the least permissions the workloads logging in as them
 * declare (see `NatsUser.permissionsFromGraph`), resolved at synth: the ConfigMap and
 * `configText` render them from the graph as declared by then. The cluster declares the graph
 * edges it implies itself: its servers call each other on the route port (6222) when clustered,
 * and the nats-box calls them on the client port; the NATS checks of the graph
 * (constructs/checks/nats.ts) run once a cluster exists.
 */
export class NatsCluster extends Construct implements INatsCluster {
  /** A NATS system outside this app, for JetStream resources and clients to refer to. */
  public static fromAttributes(scope: Construct, id: string, attributes: NatsClusterAttributes): INatsCluster {
    return new ExistingNatsCluster(scope, id, attributes);
  }

  public readonly clusterName: string;
  public readonly namespaceName?: string;
  public readonly clientUrl: string;
  public readonly jetStreamServers: number;
  public readonly maxFileStoreBytes: number;
  public readonly maxMemoryStoreBytes: number;
  public readonly serverVersion: NatsServerVersion;
  public readonly accountNames: string[];
  /** Servers. */
  public readonly replicas: number;
  /** Name of the headless Service. */
  public readonly headlessServiceName: string;
  /** The users of every account (empty without auth). */
  public readonly users: NatsClusterUser[] = [];
  /** Environment variables the config reads from single Secret keys (users' passwords and nkeys), and where they come from. */
  public readonly secretEnv: KeyRefEnv[];
  /**
   * The Secret read whole into the server's environment for route authorization (`envFrom`:
   * keys NATS_ROUTE_USER and NATS_ROUTE_PASSWORD), when the cluster has it.
   */
  public readonly routeAuthSecretName?: string;
  /** Every `$NAME` the config reads besides SERVER_NAME: the secretEnv names, then the route authorization's. */
  public readonly configVariables: string[];
  /** Pod host names, in ordinal order (`<name>-<i>.<headless>.<ns>.svc.<domain>`). */
  public readonly podHostnames: string[];
  /** The StatefulService running the servers. */
  public readonly servers: StatefulService;
  /** The client port (4222). */
  public readonly clientPort: number = NATS_PORTS.CLIENT;
  /** The servers, as the workload clients call. */
  public get serverWorkload(): IWorkload {
    return this.servers;
  }
  /** The ConfigMap holding nats.conf. */
  public readonly configMap: kplus.ConfigMap;
  /** The nats-box Deployment, if any. */
  public readonly box?: Microservice;
  /** The WebSocket Ingress, if any. */
  public readonly websocketIngress?: k8s.KubeIngress;
  /** GOMEMLIMIT given to each server. */
  public readonly goMemLimit: string;
  /**
   * Secret and key of the CA clients need to verify the client listener (when it has TLS);
   * mount only that key (Volume.fromSecret with `keys`), not the server's private key.
   */
  public readonly clientCa?: SecretKeyRef;

  /** Secret volumes (certificates, leafnode credentials) mounted into the server. */
  private readonly certMounts: VolumeMount[] = [];
  /** Directories holding a listener's certificate, watched by the reloader. */
  private readonly tlsDirs: string[] = [];
  private readonly certificates = new Map<string, string>();
  /** The config model (users' graph-derived permissions are ConfLazy values) and its header. */
  private readonly model: ConfBlock;
  private readonly header: string;
  /** The text, when no user's permissions come from the graph (it never changes then). */
  private readonly staticText?: string;
  /** Identifies the rendered text among the index's memos (recomputed when the graph changes). */
  private readonly textKey = {};
  private readonly explicitPermissions = new Map<string, NatsPermissions>();

  constructor(scope: Construct, id: string, props: NatsClusterProps = {}) {
    super(scope, id);
    checkProps(scope, id, props, NATS_CLUSTER_PROPS);
    const name = props.name ?? id;
    this.clusterName = name;
    const chart = Chart.of(this);
    this.namespaceName = chart.namespace;
    const namespace = this.namespaceName ?? 'default';
    const domain = props.clusterDomain ?? 'cluster.local';
    const replicas = props.replicas ?? 1;
    if (!Number.isInteger(replicas) || replicas < 1) throw configError(this, 'replicas', replicas, 'an integer >= 1');
    this.replicas = replicas;
    const clustered = replicas > 1;
    const js = props.enableJetStream ?? true;
    this.headlessServiceName = `${name}-headless`;

    const image = props.image ?? NATS_IMAGES.SERVER;
    this.serverVersion = this.resolveVersion(props, image);
    const version = this.serverVersion;

    // Sizes: requests = limits, GOMEMLIMIT 90% of the limit, JetStream within both.
    const amounts = props.resources ?? { cpu: Cpu.millis(500), memory: Size.gibibytes(1) };
    // Logs are the server's only ephemeral writes (JetStream lives on its volume).
    const resources = Resources.guaranteed({ ...amounts, ephemeralStorage: amounts.ephemeralStorage ?? Size.mebibytes(256) });
    const memoryLimit = sizeBytes(amounts.memory);
    this.goMemLimit = `${Math.floor((memoryLimit * 0.9) / MI)}MiB`;
    const jsOptions = props.jetStream ?? {};
    const fileStorage = jsOptions.fileStorage ?? Size.gibibytes(10);
    const fileProblem = sizeProblem(fileStorage);
    if (js && (fileProblem || sizeBytes(fileStorage) < MI * 64)) {
      throw configError(this, 'jetStream.fileStorage', fileStorage, fileProblem ?? 'at least 64Mi');
    }
    const maxFile = js ? Math.floor(sizeBytes(fileStorage) * 0.9) : 0;
    const memoryStore = jsOptions.memoryStorage ?? Size.kibibytes(Math.floor(memoryLimit / 4 / MI) * 1024);
    const maxMemory = js ? sizeBytes(memoryStore) : 0;
    if (js && maxMemory * 2 > memoryLimit) {
      throw configError(this, 'jetStream.memoryStorage', `${sizeQuantity(memoryStore)} with a memory limit of ${sizeQuantity(amounts.memory)}`,
        'at most half the memory limit (the server needs the rest for connections, buffers and file-store caches)');
    }
    this.jetStreamServers = js ? replicas : 0;
    this.maxFileStoreBytes = maxFile;
    this.maxMemoryStoreBytes = maxMemory;

    if (js && clustered && replicas % 2 === 0 && !props.allowEvenClusterSize) {
      throw configError(this, 'replicas', replicas,
        'an odd JetStream cluster size (1, 3 or 5): RAFT needs a majority, so 2 servers tolerate no failure and 4 tolerate one, like 3 (set allowEvenClusterSize to accept it)');
    }

    // Lame duck shutdown must fit in the grace period Kubernetes gives.
    const ldm = props.lameDuckDuration ?? Duration.seconds(30);
    const ldmGrace = props.lameDuckGracePeriod ?? Duration.seconds(10);
    const termination = props.terminationGracePeriod ?? Duration.seconds(60);
    if (ldm.toSeconds() < 30) {
      throw configError(this, 'lameDuckDuration', `${ldm.toSeconds()}s`, 'at least 30s (nats-server refuses shorter lame duck durations)');
    }
    if (ldmGrace.toSeconds() >= ldm.toSeconds()) {
      throw configError(this, 'lameDuckGracePeriod', `${ldmGrace.toSeconds()}s`, `less than lameDuckDuration (${ldm.toSeconds()}s): nats-server refuses to start otherwise`);
    }
    if (termination.toSeconds() <= ldm.toSeconds()) {
      throw configError(this, 'terminationGracePeriod', `${termination.toSeconds()}s`, `more than lameDuckDuration (${ldm.toSeconds()}s), or Kubernetes kills the server before its clients have moved`);
    }
    const limits = props.limits ?? {};
    if (limits.maxPayload && sizeBytes(limits.maxPayload) > sizeBytes(limits.maxPending ?? Size.mebibytes(64))) {
      throw configError(this, 'limits.maxPayload', sizeQuantity(limits.maxPayload),
        `at most maxPending (${sizeQuantity(limits.maxPending ?? Size.mebibytes(64))}): nats-server refuses to start otherwise`);
    }
    if (limits.maxPayload && sizeBytes(limits.maxPayload) > 64 * MI) {
      throw configError(this, 'limits.maxPayload', sizeQuantity(limits.maxPayload), 'at most 64Mi (larger messages belong in an object store; nats-server warns above 8MB and every client buffers whole messages)');
    }
    if (props.mqtt && !js) {
      throw configError(this, 'mqtt', true, 'MQTT only with JetStream enabled (nats-server keeps MQTT sessions in streams)');
    }
    const gateways = props.gateways ?? [];
    gateways.forEach((g, i) => {
      if (g.name === name) throw configError(this, `gateways[${i}].name`, g.name, `the name of another cluster (this cluster's gateway is named ${name})`);
      if (!g.urls?.length) throw configError(this, `gateways[${i}].urls`, g.urls, 'at least one URL');
      g.urls.forEach((u, k) => this.checkRemoteUrl(`gateways[${i}].urls[${k}]`, u, ['nats', 'tls'], 'nats://nats.other-region.example.com:7222',
        'gateways between clusters authenticate with mutual TLS: tls.gateway'));
    });

    const tls = props.tls ?? {};
    const routeAuth = this.checkRouteAuth(props.routeAuth, clustered, gateways.length > 0, replicas, tls);
    this.routeAuthSecretName = routeAuth?.secretName;
    if (tls.client) this.clientCa = { secretName: tls.client.secretName ?? `${name}-client-tls`, key: tls.client.options.caKey ?? 'ca.crt' };
    const secretEnv: KeyRefEnv[] = [];
    const auth = props.auth ? this.renderAuth(props.auth, js, secretEnv) : undefined;
    this.accountNames = props.auth ? props.auth.accounts.map((a) => a.name) : ['$G'];
    this.secretEnv = secretEnv;
    const routeVariables = routeAuth ? [...(clustered ? [NATS_ROUTE_ENV.ROUTES] : []), NATS_ROUTE_ENV.USER, NATS_ROUTE_ENV.PASSWORD] : [];
    this.configVariables = [...secretEnv.map((e) => e.name), ...routeVariables];

    this.podHostnames = Array.from({ length: replicas }, (_, i) => `${name}-${i}.${this.headlessServiceName}.${namespace}.svc.${domain}`);
    // tls:// makes clients insist on TLS when the client listener requires it.
    this.clientUrl = `${tls.client ? 'tls' : 'nats'}://${name}.${namespace}.svc.${domain}:${NATS_PORTS.CLIENT}`;

    const tlsBlock = (listener: string, t: NatsTls | undefined, mutual: boolean) => t ? this.tlsBlock(listener, t, mutual, name, namespace, domain) : undefined;
    const wsTls = tlsBlock('websocket', tls.websocket, false);
    const model: ConfBlock = {
      server_name: new ConfVariable('SERVER_NAME'),
      port: NATS_PORTS.CLIENT,
      http_port: NATS_PORTS.MONITOR,
      pid_file: PID_FILE,
      lame_duck_duration: new ConfDuration(`${ldm.toSeconds()}s`),
      lame_duck_grace_period: new ConfDuration(`${ldmGrace.toSeconds()}s`),
      max_payload: limits.maxPayload ? sizeBytes(limits.maxPayload) : undefined,
      max_pending: limits.maxPending ? sizeBytes(limits.maxPending) : undefined,
      max_connections: limits.maxConnections,
      tls: tlsBlock('client', tls.client, false),
      cluster: clustered || gateways.length ? {
        name,
        port: NATS_PORTS.CLUSTER,
        no_advertise: true,
        // With route authorization the URLs carry the credentials: composed by Kubernetes (NatsRouteAuth).
        routes: clustered
          ? routeAuth ? new ConfVariable(NATS_ROUTE_ENV.ROUTES) : this.podHostnames.map((h) => `nats://${h}:${NATS_PORTS.CLUSTER}`)
          : undefined,
        authorization: routeAuth
          ? { user: new ConfVariable(NATS_ROUTE_ENV.USER), password: new ConfVariable(NATS_ROUTE_ENV.PASSWORD) }
          : undefined,
        tls: tlsBlock('cluster', tls.cluster, true),
      } : undefined,
      jetstream: js ? {
        // The server adds a `jetstream` folder itself; /data matches the official chart's volumes.
        store_dir: DATA_DIR,
        max_file_store: maxFile,
        max_memory_store: maxMemory,
        domain: jsOptions.domain,
        sync_interval: jsOptions.syncInterval ? new ConfDuration(`${jsOptions.syncInterval.toSeconds()}s`) : undefined,
        strict: jsOptions.strict,
      } : undefined,
      leafnodes: props.leafnodeListener || props.leafnodeRemotes?.length ? {
        port: props.leafnodeListener ? NATS_PORTS.LEAFNODES : undefined,
        no_advertise: true,
        tls: props.leafnodeListener ? tlsBlock('leafnodes', tls.leafnodes, false) : undefined,
        remotes: props.leafnodeRemotes?.length ? props.leafnodeRemotes.map((r, i) => this.leafRemote(r, i, tls.leafnodes, name, namespace, domain)) : undefined,
      } : undefined,
      gateway: gateways.length ? {
        name,
        port: NATS_PORTS.GATEWAY,
        tls: tlsBlock('gateway', tls.gateway, true),
        gateways: gateways.map((g) => ({ name: g.name, urls: g.urls })),
      } : undefined,
      websocket: props.websocket ? {
        port: NATS_PORTS.WEBSOCKET,
        no_tls: wsTls ? undefined : true,
        tls: wsTls,
        allowed_origins: props.websocketAllowedOrigins?.length ? props.websocketAllowedOrigins : undefined,
      } : undefined,
      mqtt: props.mqtt ? {
        port: NATS_PORTS.MQTT,
        tls: tlsBlock('mqtt', tls.mqtt, false),
        stream_replicas: clustered ? Math.min(replicas, 3) : undefined,
        consumer_replicas: clustered ? Math.min(replicas, 3) : undefined,
      } : undefined,
      ...auth,
    };
    if (tls.leafnodes && !props.leafnodeListener && !props.leafnodeRemotes?.some((r) => r.tls)) {
      throw configError(this, 'tls.leafnodes', 'a certificate', 'leafnode TLS only with a leafnode listener or a remote that uses TLS');
    }
    const newer = keysNewerThan(model, version);
    if (newer.length) {
      const p = newer[0];
      throw configError(this, p.path === 'jetstream.sync_interval' ? 'jetStream.syncInterval' : p.path === 'jetstream.strict' ? 'jetStream.strict' : p.path,
        `a setting that needs nats-server ${p.since} (nats.conf key ${p.path})`, `settings known to the target server ${version} (raise serverVersion with the image)`);
    }
    this.model = model;
    this.header = `nats.conf for ${name}, rendered by cdk8s-nats-mesh for nats-server ${version}.\nSERVER_NAME is the pod name; $NATS_* variables come from Secrets.`;
    // Rendered once now, so that what nats-server could not parse fails here; with users whose
    // permissions come from the graph, rendered again at synth (and whenever configText is read).
    const text = this.render();
    const fromGraph = this.users.some((u) => u.permissionsFromGraph);
    if (!fromGraph) this.staticText = text;

    this.configMap = new kplus.ConfigMap(this, 'Config', {
      metadata: { name: `${name}-config` },
      data: { 'nats.conf': fromGraph ? Lazy.any({ produce: () => this.configText }) as any : text },
    });

    this.servers = this.createServers(props, {
      name, image, resources, replicas, js, fileStorage, version, secretEnv, ldmTerminate: termination, ldm, ldmGrace, routeAuth,
    });

    // The graph edges the cluster implies: routes between its servers, the box's connection.
    if (clustered) this.servers.calls(this.servers, { ports: [NATS_PORTS.CLUSTER] });
    AppIndex.of(this).add(NATS_SYSTEMS, { cluster: this, users: this.users }, this);

    if ((props.podMonitor ?? true) && (props.exporter ?? true)) {
      new monitoring.PodMonitor(this, 'PodMonitor', {
        metadata: { name, labels: this.servers.labels },
        spec: {
          selector: { matchLabels: this.servers.selectorLabels },
          podMetricsEndpoints: [{ port: 'prom-metrics', path: '/metrics' }],
        },
      });
    }
    if (props.websocketIngress) {
      this.websocketIngress = this.createWebsocketIngress(name, props);
    }
    if (props.natsBox) {
      this.box = this.createBox(name, props.mesh ?? NatsMeshMode.NONE);
      this.box.calls(this.servers, { ports: [NATS_PORTS.CLIENT] });
    }
  }

  /**
   * The rendered nats.conf (identical for every server; SERVER_NAME comes from the pod name),
   * with the permissions of users with `permissionsFromGraph` derived from the graph as declared
   * when it is read. The ConfigMap holds it as rendered at synth.
   */
  public get configText(): string {
    if (this.staticText !== undefined) return this.staticText;
    return AppIndex.of(this).memo(this.textKey, () => this.render());
  }

  /**
   * The permissions of a user as the server gets them: written by hand, or derived from the
   * service graph as declared now (`NatsUser.permissionsFromGraph`); undefined for a user with
   * no restrictions or one the cluster does not have.
   */
  public permissionsOf(user: string): NatsPermissions | undefined {
    const u = this.users.find((x) => x.name === user);
    if (!u) return undefined;
    if (u.permissionsFromGraph) {
      const p = graphNatsPermissions(AppIndex.of(this), this, user);
      return {
        publishAllow: p.publishAllow.length ? p.publishAllow : undefined,
        publishDeny: p.publishAllow.length ? undefined : ['>'],
        subscribeAllow: p.subscribeAllow,
        allowResponses: p.allowResponses || undefined,
      };
    }
    return this.explicitPermissions.get(user);
  }

  private render(): string {
    try {
      return renderNatsConf(this.model, this.serverVersion, this.header);
    } catch (e) {
      throw configError(this, 'nats.conf', (e as Error).message, 'values nats-server can parse');
    }
  }

  private resolveVersion(props: NatsClusterProps, image: ContainerImage): NatsServerVersion {
    if (props.serverVersion !== undefined) {
      try {
        return NatsServerVersion.of(props.serverVersion);
      } catch {
        throw configError(this, 'serverVersion', props.serverVersion, 'a nats-server version such as 2.10.22');
      }
    }
    const fromTag = NatsServerVersion.fromImageTag(image.tag);
    if (!fromTag) {
      throw configError(this, 'serverVersion', undefined, `a version: the image tag ${JSON.stringify(image.tag ?? image.digest)} names none, so set serverVersion`);
    }
    return fromTag;
  }

  private renderAuth(auth: NatsAuth, js: boolean, env: KeyRefEnv[]): ConfBlock {
    const names = new Set<string>();
    const system = auth.systemAccount ?? 'SYS';
    const accounts: { [name: string]: ConfValue } = {};
    const userNames = new Set<string>();
    const passwordUsers = new Set<string>();
    const variables = new Set<string>();
    auth.accounts.forEach((a: NatsAccount, i) => {
      const field = `auth.accounts[${i}]`;
      if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(a.name ?? '') || names.has(a.name)) {
        throw configError(this, `${field}.name`, a.name, 'a unique account name of letters, digits, "_" and "-"');
      }
      names.add(a.name);
      const users = a.users.map((u: NatsUser, j) => {
        const uf = `${field}.users[${j}]`;
        if ((u.passwordFrom === undefined) === (u.nkeyFrom === undefined)) {
          throw configError(this, uf, u.name, 'exactly one of passwordFrom and nkeyFrom (a Secret key): credentials are never written inline');
        }
        if (userNames.has(u.name)) throw configError(this, `${uf}.name`, u.name, 'a user name unique across accounts');
        userNames.add(u.name);
        const variable = `NATS_${u.passwordFrom ? 'PASSWORD' : 'NKEY'}_${a.name}_${u.name}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
        if (variables.has(variable)) {
          throw configError(this, `${uf}.name`, u.name, `a name that differs from the account's other users in more than case and punctuation (both would read $${variable})`);
        }
        variables.add(variable);
        if (u.passwordFrom) passwordUsers.add(u.name);
        const ref = (u.passwordFrom ?? u.nkeyFrom)!;
        env.push({ name: variable, from: ref.secretName, key: ref.key });
        const fromGraph = u.permissionsFromGraph === true;
        if (fromGraph && u.permissions !== undefined) {
          throw configError(this, `${uf}.permissions`, u.permissions,
            `no permissions with permissionsFromGraph: either permissions written by hand, or permissions derived from the workloads that log in as ${u.name} (permissionsFromGraph), not both`);
        }
        if (fromGraph && !/^[A-Za-z0-9_-]+$/.test(u.name)) {
          throw configError(this, `${uf}.name`, u.name,
            'a name of letters, digits, "_" and "-" with permissionsFromGraph (its inbox prefix _INBOX_<name> is one subject token; connectsToNats takes such names)');
        }
        this.users.push({ name: u.name, account: a.name, permissionsFromGraph: fromGraph, variable });
        if (u.permissions) this.explicitPermissions.set(u.name, u.permissions);
        return {
          user: u.passwordFrom ? u.name : undefined,
          password: u.passwordFrom ? new ConfVariable(variable) : undefined,
          nkey: u.nkeyFrom ? new ConfVariable(variable) : undefined,
          permissions: fromGraph
            ? new ConfLazy(() => permissionsBlock(this.permissionsOf(u.name)!))
            : u.permissions ? this.permissions(u.permissions, `${uf}.permissions`) : undefined,
        };
      });
      for (const [k, e] of (a.exports ?? []).entries()) {
        const p = subjectProblem(e.subject);
        if (p) throw configError(this, `${field}.exports[${k}].subject`, e.subject, p);
      }
      accounts[a.name] = {
        jetstream: a.name !== system && js && (a.jetStream ?? true) ? 'enabled' : undefined,
        users,
        exports: a.exports?.length ? a.exports.map((e) => ({ [e.kind]: e.subject })) : undefined,
        imports: a.imports?.length ? a.imports.map((im) => ({
          [im.kind]: im.kind === NatsExportKind.STREAM ? { account: im.account, subject: im.subject } : { account: im.account, subject: im.subject },
          to: im.localSubject,
        })) : undefined,
      };
    });
    auth.accounts.forEach((a, i) => (a.imports ?? []).forEach((im, k) => {
      const target = auth.accounts.find((x) => x.name === im.account);
      if (!target || !(target.exports ?? []).some((e) => e.kind === im.kind && subjectWithin(im.subject, e.subject))) {
        throw configError(this, `auth.accounts[${i}].imports[${k}]`, `${im.kind} ${im.subject} from ${im.account}`, `a subject that account ${im.account} exports as a ${im.kind}`);
      }
    }));
    if (!names.has(system)) accounts[system] = { users: [] };
    if (auth.noAuthUser !== undefined && !passwordUsers.has(auth.noAuthUser)) {
      throw configError(this, 'auth.noAuthUser', auth.noAuthUser, `one of the users with a password (${[...passwordUsers].join(', ') || 'none'}): nkey users have no name nats-server can match`);
    }
    return { accounts, system_account: system, no_auth_user: auth.noAuthUser };
  }

  private permissions(p: NatsPermissions, field: string): ConfBlock {
    for (const [key, list] of Object.entries({ publishAllow: p.publishAllow, publishDeny: p.publishDeny, subscribeAllow: p.subscribeAllow, subscribeDeny: p.subscribeDeny })) {
      (list ?? []).forEach((s, i) => {
        const problem = subjectProblem(s);
        if (problem) throw configError(this, `${field}.${key}[${i}]`, s, problem);
      });
    }
    return permissionsBlock(p);
  }

  /** A listener's tls block; mounts its Secret and creates its Certificate when cert-manager issues it. */
  private tlsBlock(listener: string, t: NatsTls, mutual: boolean, name: string, namespace: string, domain: string): ConfBlock {
    const dir = `${CERT_DIR}/${listener}`;
    const secretName = t.secretName ?? `${name}-${listener}-tls`;
    if (!this.certificates.has(listener)) {
      this.certificates.set(listener, secretName);
      this.certMounts.push({ volume: Volume.fromSecret(`tls-${listener}`, secretName), mountPath: dir });
      this.tlsDirs.push(dir);
      if (t.issuerName) {
        const headless = `${this.headlessServiceName}.${namespace}.svc.${domain}`;
        const client = [`${name}`, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${domain}`];
        new certManager.Certificate(this, `Certificate-${listener}`, {
          metadata: { name: secretName },
          spec: {
            secretName,
            issuerRef: { name: t.issuerName, kind: t.issuerKind, group: 'cert-manager.io' },
            dnsNames: [...client, `*.${headless}`, headless],
            duration: `${(t.options.duration ?? Duration.hours(2160)).toHours()}h`,
            renewBefore: `${(t.options.renewBefore ?? Duration.hours(360)).toHours()}h`,
            privateKey: { algorithm: certManager.CertificateSpecPrivateKeyAlgorithm.ECDSA, size: 256, rotationPolicy: certManager.CertificateSpecPrivateKeyRotationPolicy.ALWAYS },
            usages: [certManager.CertificateSpecUsages.SERVER_AUTH, certManager.CertificateSpecUsages.CLIENT_AUTH, certManager.CertificateSpecUsages.DIGITAL_SIGNATURE, certManager.CertificateSpecUsages.KEY_ENCIPHERMENT],
          },
        });
      }
    }
    return {
      cert_file: `${dir}/tls.crt`,
      key_file: `${dir}/tls.key`,
      ca_file: `${dir}/${t.options.caKey ?? 'ca.crt'}`,
      verify: mutual || t.options.verifyClients ? true : undefined,
      timeout: 3,
    };
  }

  private leafRemote(r: LeafnodeRemote, i: number, leafTls: NatsTls | undefined, name: string, namespace: string, domain: string): ConfBlock {
    if (!r.urls?.length) throw configError(this, `leafnodeRemotes[${i}].urls`, r.urls, 'at least one URL');
    r.urls.forEach((u, k) => this.checkRemoteUrl(`leafnodeRemotes[${i}].urls[${k}]`, u, ['nats-leaf', 'nats', 'tls', 'ws', 'wss'], 'nats-leaf://hub.example.com:7422',
      'use credentialsFrom: a Secret'));
    if (r.account !== undefined && !this.accountNames.includes(r.account)) {
      throw configError(this, `leafnodeRemotes[${i}].account`, r.account, `one of the cluster's accounts (${this.accountNames.join(', ')}): nats-server refuses to start otherwise`);
    }
    if (r.tls && !leafTls) throw configError(this, `leafnodeRemotes[${i}].tls`, true, 'tls.leafnodes set on the cluster');
    let credentials: string | undefined;
    if (r.credentialsFrom) {
      const dir = `/etc/nats-creds/remote-${i}`;
      this.certMounts.push({ volume: Volume.fromSecret(`leaf-creds-${i}`, r.credentialsFrom.secretName), mountPath: dir });
      credentials = `${dir}/${r.credentialsFrom.key}`;
    }
    return {
      urls: r.urls,
      account: r.account,
      credentials,
      tls: r.tls && leafTls ? this.tlsBlock('leafnodes', leafTls, false, name, namespace, domain) : undefined,
    };
  }

  /** A remote URL: the given schemes, a host and port, and no inline credentials (they would land in the ConfigMap). */
  private checkRemoteUrl(field: string, url: string, schemes: string[], example: string, credentialsHint: string) {
    const m = /^([a-z-]+):\/\/([^\s/]+?)(:\d+)?\/?$/.exec(url ?? '');
    if (m && m[2].includes('@')) {
      throw configError(this, field, url.replace(/\/\/[^@]*@/, '//***@'), `a URL without inline credentials (${credentialsHint}): they would be written into the ConfigMap`);
    }
    if (!m || !schemes.includes(m[1])) {
      throw configError(this, field, url, `a URL such as ${example} (schemes ${schemes.join(', ')})`);
    }
  }

  private createServers(props: NatsClusterProps, o: {
    name: string; image: ContainerImage; resources: Resources; replicas: number; js: boolean; fileStorage: Size;
    version: NatsServerVersion; secretEnv: KeyRefEnv[]; ldmTerminate: Duration; ldm: Duration; ldmGrace: Duration;
    routeAuth?: NatsRouteAuth;
  }): StatefulService {
    const mesh = props.mesh ?? NatsMeshMode.NONE;
    const ports: WorkloadPort[] = [
      { name: 'nats', port: NATS_PORTS.CLIENT, protocol: PortProtocol.TCP },
      { name: 'monitor', port: NATS_PORTS.MONITOR, protocol: PortProtocol.HTTP },
    ];
    if (o.replicas > 1 || props.gateways?.length) ports.push({ name: 'cluster', port: NATS_PORTS.CLUSTER, protocol: PortProtocol.TCP });
    if (props.leafnodeListener) ports.push({ name: 'leafnodes', port: NATS_PORTS.LEAFNODES, protocol: PortProtocol.TCP });
    if (props.gateways?.length) ports.push({ name: 'gateway', port: NATS_PORTS.GATEWAY, protocol: PortProtocol.TCP });
    if (props.websocket) ports.push({ name: 'websocket', port: NATS_PORTS.WEBSOCKET, protocol: props.tls?.websocket ? PortProtocol.HTTPS : PortProtocol.HTTP });
    if (props.mqtt) ports.push({ name: 'mqtt', port: NATS_PORTS.MQTT, protocol: PortProtocol.TCP });

    const configVolume = Volume.fromConfigMap('config', `${o.name}-config`);
    const pidVolume = Volume.emptyDir('pid', { sizeLimit: Size.mebibytes(1) });
    // /healthz query strings exist from 2.9.10; older servers get the plain endpoint.
    const healthQueries = o.version.atLeast(NatsServerVersion.V2_9_10);
    const health = (query: string) => `/healthz${healthQueries && o.js ? query : ''}`;
    const sidecars: ContainerSpec[] = [];
    if (props.configReloader ?? true) {
      sidecars.push({
        name: 'reloader',
        image: NATS_IMAGES.RELOADER,
        resources: Resources.guaranteed({ cpu: Cpu.millis(20), memory: Size.mebibytes(32), ephemeralStorage: Size.mebibytes(32) }),
        // Signals the server (through the shared pid file) when the config or a certificate changes.
        args: ['-pid', PID_FILE, '-config', `${CONFIG_DIR}/nats.conf`,
          ...this.tlsDirs.flatMap((d) => ['-config', `${d}/tls.crt`, '-config', `${d}/tls.key`])],
        mounts: [{ volume: configVolume, mountPath: CONFIG_DIR }, { volume: pidVolume, mountPath: '/var/run/nats' }, ...this.certMounts],
      });
    }
    if (props.exporter ?? true) {
      sidecars.push({
        name: 'exporter',
        image: NATS_IMAGES.EXPORTER,
        resources: Resources.guaranteed({ cpu: Cpu.millis(50), memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(32) }),
        args: ['-port=7777', '-connz', '-routez', '-subz', '-varz', '-prefix=nats', '-use_internal_server_id',
          ...(o.js ? ['-jsz=all'] : []), ...(props.leafnodeListener || props.leafnodeRemotes?.length ? ['-leafz'] : []),
          ...(props.gateways?.length ? ['-gatewayz'] : []), `http://localhost:${NATS_PORTS.MONITOR}/`],
        ports: [{ name: 'prom-metrics', port: NATS_PORTS.METRICS, protocol: PortProtocol.HTTP, expose: false }],
      });
    }
    const podLabels: { [k: string]: string } = {};
    let podAnnotations: { [k: string]: string } = {};
    if (mesh === NatsMeshMode.OUTSIDE) podLabels['sidecar.istio.io/inject'] = 'false';
    if (mesh === NatsMeshMode.INSIDE) {
      podAnnotations['traffic.sidecar.istio.io/excludeInboundPorts'] = String(NATS_PORTS.CLUSTER);
      podAnnotations['traffic.sidecar.istio.io/excludeOutboundPorts'] = String(NATS_PORTS.CLUSTER);
      // The sidecar forwards the clients' connections to 4222: it must outlive the lame duck, and
      // be ready before the server dials leafnode remotes and gateways through it.
      const drain = Math.min(o.ldm.toSeconds() + o.ldmGrace.toSeconds(), o.ldmTerminate.toSeconds());
      Object.assign(podAnnotations, meshProxyConfigAnnotation({ terminationDrainDuration: Duration.seconds(drain), holdApplicationUntilProxyStarts: true }));
      this.checkProxyConfig(props.podAnnotations, o.ldm);
    }
    podAnnotations = { ...podAnnotations, ...props.podAnnotations };
    const env: { [k: string]: string } = { GOMEMLIMIT: this.goMemLimit };
    if (o.routeAuth && o.replicas > 1) {
      // Expanded by the kubelet from the route Secret, which envFrom puts in the environment first.
      const cred = `$(${NATS_ROUTE_ENV.USER}):$(${NATS_ROUTE_ENV.PASSWORD})`;
      env[NATS_ROUTE_ENV.ROUTES] = `[${this.podHostnames.map((h) => `"nats://${cred}@${h}:${NATS_PORTS.CLUSTER}"`).join(', ')}]`;
    }
    const serverMounts: VolumeMount[] = [
      { volume: configVolume, mountPath: CONFIG_DIR },
      { volume: pidVolume, mountPath: '/var/run/nats' },
      ...this.certMounts,
    ];
    return new StatefulService(this, 'Servers', {
      name: o.name,
      image: o.image,
      resources: o.resources,
      replicas: o.replicas,
      args: ['--config', `${CONFIG_DIR}/nats.conf`],
      ports,
      fieldEnv: { SERVER_NAME: 'metadata.name' },
      env,
      secretEnv: o.secretEnv,
      envFromSecrets: o.routeAuth ? [o.routeAuth.secretName] : undefined,
      startup: Probe.httpGet('/healthz', NATS_PORTS.MONITOR, { initialDelay: Duration.seconds(10), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 90 }),
      readiness: Probe.httpGet(health('?js-server-only=true'), NATS_PORTS.MONITOR, { initialDelay: Duration.seconds(10), period: Duration.seconds(10), timeout: Duration.seconds(5), failureThreshold: 3 }),
      liveness: Probe.httpGet(health('?js-enabled-only=true'), NATS_PORTS.MONITOR, { initialDelay: Duration.seconds(10), period: Duration.seconds(30), timeout: Duration.seconds(5), failureThreshold: 3 }),
      preStop: ['nats-server', `-sl=ldm=${PID_FILE}`],
      mounts: serverMounts,
      sidecars,
      volumeClaims: o.js ? [{ name: 'jetstream', size: o.fileStorage, mountPath: DATA_DIR, storageClassName: props.jetStream?.storageClassName }] : undefined,
      podManagementPolicy: PodManagementPolicy.PARALLEL,
      publishNotReadyAddresses: true,
      headlessServiceName: this.headlessServiceName,
      clientServicePorts: ports.map((p) => p.name).filter((n) => !['cluster', 'monitor', 'gateway'].includes(n)),
      terminationGracePeriod: o.ldmTerminate,
      shareProcessNamespace: true,
      spread: props.spread ?? (o.replicas > 1 ? TopologySpread.ZONES_AND_NODES : TopologySpread.NONE),
      podLabels,
      podAnnotations: Object.keys(podAnnotations).length ? podAnnotations : undefined,
      version: o.version.toString(),
    });
  }

  /** Route authorization: required on a cluster without mutual TLS on its routes, only where routes are listened for. */
  private checkRouteAuth(routeAuth: NatsRouteAuth | undefined, clustered: boolean, gateways: boolean, replicas: number,
    tls: NatsListenersTls): NatsRouteAuth | undefined {
    if (routeAuth === undefined) {
      if (clustered && !tls.cluster) {
        throw configError(this, 'routeAuth', undefined,
          `route authorization (routeAuth: a Secret with NATS_ROUTE_USER and NATS_ROUTE_PASSWORD) or mutual TLS on the routes (tls.cluster) for a cluster of ${replicas} servers: `
          + 'otherwise any pod that reaches port 6222 joins the cluster and receives every message and JetStream replica');
      }
      return undefined;
    }
    if (!clustered && !gateways) {
      throw configError(this, 'routeAuth.secretName', routeAuth.secretName, 'route authorization only on a cluster (replicas > 1) or with gateways: a single server listens for no routes');
    }
    const name = routeAuth.secretName;
    if (!isDnsSubdomain(name)) {
      throw configError(this, 'routeAuth.secretName', name, 'the name of a Secret in the cluster\'s namespace (a DNS-1123 name)');
    }
    return routeAuth;
  }

  /** A proxy.istio.io/config of the user's: one Istio reads, whose drain outlasts the lame duck. */
  private checkProxyConfig(annotations: { [key: string]: string } | undefined, ldm: Duration): void {
    const text = annotations?.[PROXY_CONFIG_ANNOTATION];
    if (text === undefined) return;
    const field = `podAnnotations["${PROXY_CONFIG_ANNOTATION}"]`;
    const { config, problem } = parseMeshProxyConfig(text);
    if (problem) throw configError(this, field, text, problem);
    const given = config!.terminationDrainDurationMillis;
    const drain = given ?? ISTIO_DEFAULT_TERMINATION_DRAIN.toMilliseconds();
    if (drain < ldm.toMilliseconds()) {
      const received = given === undefined
        ? `no terminationDrainDuration (Istio's default, ${ISTIO_DEFAULT_TERMINATION_DRAIN.toSeconds()}s)`
        : `terminationDrainDuration ${drain / 1000}s`;
      throw configError(this, field, received,
        `a terminationDrainDuration of at least lameDuckDuration (${ldm.toSeconds()}s), such as ${ldm.toSeconds() + 10}s: clients reach the server through its sidecar, `
        + 'which closes every connection at once when its drain ends, while nats-server is still in lame duck moving its clients away one by one');
    }
  }

  private createWebsocketIngress(name: string, props: NatsClusterProps): k8s.KubeIngress {
    const ing = props.websocketIngress!;
    if (!props.websocket) throw configError(this, 'websocketIngress', ing.host, 'an Ingress only with the WebSocket listener (websocket: true)');
    if (!isDnsSubdomain(ing.host) || !/\.[a-z]{2,63}$/.test(ing.host)) throw configError(this, 'websocketIngress.host', ing.host, 'a lower-case DNS name such as nats-ws.example.com');
    if (ing.tlsSecretName !== undefined && !isDnsSubdomain(ing.tlsSecretName)) {
      throw configError(this, 'websocketIngress.tlsSecretName', ing.tlsSecretName, 'the name of a TLS Secret in the namespace');
    }
    if (ing.ingressClassName !== undefined && !isDnsSubdomain(ing.ingressClassName)) {
      throw configError(this, 'websocketIngress.ingressClassName', ing.ingressClassName, 'the name of an IngressClass');
    }
    return new k8s.KubeIngress(this, 'WebsocketIngress', {
      metadata: { name: `${name}-ws`, labels: this.servers.labels },
      spec: {
        ingressClassName: ing.ingressClassName,
        tls: ing.tlsSecretName ? [{ hosts: [ing.host], secretName: ing.tlsSecretName }] : undefined,
        rules: [{
          host: ing.host,
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'websocket' } } } }] },
        }],
      },
    });
  }

  private createBox(name: string, mesh: NatsMeshMode): Microservice {
    const ca = this.clientCa;
    return new Microservice(this, 'Box', {
      name: `${name}-box`,
      image: NATS_IMAGES.BOX,
      resources: Resources.guaranteed({ cpu: Cpu.millis(50), memory: Size.mebibytes(64), ephemeralStorage: Size.mebibytes(128) }),
      command: ['sh', '-ec', "trap 'exit 0' TERM INT; while :; do sleep 1; done"],
      env: { NATS_URL: this.clientUrl, HOME: '/tmp', ...(ca ? { NATS_CA: `${CLIENT_CA_DIR}/${ca.key}` } : {}) },
      // Only the CA: the box has no business with the server's private key.
      mounts: ca ? [{ volume: Volume.fromSecret('nats-ca', ca.secretName, { keys: [ca.key] }), mountPath: CLIENT_CA_DIR }] : undefined,
      writablePaths: ['/tmp'],
      podLabels: mesh === NatsMeshMode.OUTSIDE ? { 'sidecar.istio.io/inject': 'false' } : undefined,
      terminationGracePeriod: Duration.seconds(5),
    });
  }

}

/** The `permissions` block of a user. */
function permissionsBlock(p: NatsPermissions): ConfBlock {
  const side = (allow?: string[], deny?: string[]) => (allow || deny) ? { allow, deny } : undefined;
  return {
    publish: side(p.publishAllow, p.publishDeny),
    subscribe: side(p.subscribeAllow, p.subscribeDeny),
    allow_responses: p.allowResponses ? true : undefined,
  };
}
