import { ApiObject, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  PeerAuthentication, PeerAuthenticationSpec, PeerAuthenticationSpecMtlsMode, PeerAuthenticationSpecPortLevelMtls,
  PeerAuthenticationSpecPortLevelMtlsMode, PeerAuthenticationV1Beta1, PeerAuthenticationV1Beta1Spec,
} from '../imports/security.istio.io';
import { MESH_TLS, effectiveMtlsMode, meshTlsOf, meshWideTlsOf } from '../checks/mesh';
import { AppIndex } from '../core/app-index';
import { configError } from '../core/errors';
import { isDnsLabel } from '../core/names';
import { checkProps, isFieldsObject, list, rule, shape, str } from '../core/runtime-types';
import { Workload } from '../workloads/workload';
import { IstioApiVersion } from './istio-api-version';

/**
 * How a sidecar treats incoming connections (PeerAuthentication `mtls.mode`).
 */
export enum MtlsMode {
  /** Mutual TLS only: plain-text clients (workloads outside the mesh) are refused. */
  STRICT = 'STRICT',
  /** Mutual TLS and plain text both accepted: the step between no mesh and STRICT. */
  PERMISSIVE = 'PERMISSIVE',
  /**
   * Plain text only. Rarely right: it also turns mesh clients' mutual TLS off, and with it the
   * identities that authorization policies match. Prefer PERMISSIVE for clients outside the mesh.
   */
  DISABLE = 'DISABLE',
}

/**
 * Ports of one workload whose mutual TLS mode differs from the namespace's, typically a port that
 * clients outside the mesh must reach in plain text.
 */
export interface MtlsPortException {
  /** The workload (in the MeshTls namespace, with a sidecar). */
  readonly workload: Workload;
  /** Container ports of the workload (PeerAuthentication matches the port the pod listens on, not the Service port). */
  readonly ports: number[];
  /** @default MtlsMode.PERMISSIVE */
  readonly mode?: MtlsMode;
}

/** Properties of a MeshTls. */
export interface MeshTlsProps {
  /** The namespace's mode. */
  readonly mode: MtlsMode;
  /** @default - the chart's namespace */
  readonly namespace?: string;
  /**
   * Workloads with ports in another mode (one PeerAuthentication per workload, selecting it).
   * @default - none
   */
  readonly portExceptions?: MtlsPortException[];
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

/** Options of the mesh-wide policy. */
export interface MeshWideTlsOptions {
  /** The mesh's mode (each namespace's MeshTls overrides it for that namespace). */
  readonly mode: MtlsMode;
  /**
   * Istio's root namespace (meshConfig.rootNamespace).
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;
  /** @default IstioApiVersion.V1 */
  readonly apiVersion?: IstioApiVersion;
}

const MESH_TLS_SYMBOL = Symbol.for('cdk8s-nats-mesh.MeshTls');
const MODES = Object.values(MtlsMode) as string[];
const VERSIONS = Object.values(IstioApiVersion) as string[];

/** The types of a MeshTls's props (modes, workloads and ports are checked further by the construct). */
const MESH_TLS_PROPS = shape({
  namespace: str(),
  portExceptions: list(rule('a port exception { workload, ports, mode }', isFieldsObject), 'a list of port exceptions { workload, ports, mode }'),
}, 'the props of a MeshTls: { mode, namespace, portExceptions, ... }');

/** The types of the options of `MeshTls.meshWide`. */
const MESH_WIDE_OPTIONS = shape({ rootNamespace: str() }, 'the options of a mesh-wide MeshTls: { mode, rootNamespace, apiVersion }');

/** Set while `MeshTls.meshWide` constructs its policy. */
let constructingMeshWide = false;

/**
 * Mutual TLS of a namespace: its PeerAuthentication `default` (no selector), and one
 * PeerAuthentication per workload with port exceptions (port-level mTLS needs a selector).
 * STRICT is safe only when every client of the namespace's workloads is in the mesh: go
 * PERMISSIVE, then STRICT, per environment; ServiceAuthorization checks its declared callers
 * against the mode.
 */
export class MeshTls extends Construct {
  /**
   * The mesh-wide policy: PeerAuthentication `default` in the root namespace, without a selector
   * (Istio ignores selectors there). A namespace's MeshTls overrides it.
   */
  public static meshWide(scope: Construct, id: string, options: MeshWideTlsOptions): MeshTls {
    checkProps(scope, id, options, MESH_WIDE_OPTIONS);
    constructingMeshWide = true;
    try {
      return new MeshTls(scope, id, { mode: options.mode, namespace: options.rootNamespace ?? 'istio-system', apiVersion: options.apiVersion });
    } finally {
      constructingMeshWide = false;
    }
  }

  /** Whether `x` is a MeshTls. */
  public static isMeshTls(x: unknown): x is MeshTls {
    return typeof x === 'object' && x !== null && (x as any)[MESH_TLS_SYMBOL] === true;
  }

  /** The MeshTls of `namespace` anywhere in the app (not the mesh-wide one), if any. */
  public static of(scope: IConstruct, namespace?: string): MeshTls | undefined {
    return meshTlsOf(AppIndex.of(scope), namespace);
  }

  /** The mesh-wide MeshTls of the app, if any. */
  public static meshWideOf(scope: IConstruct): MeshTls | undefined {
    return meshWideTlsOf(AppIndex.of(scope));
  }

  /**
   * The mode a workload's port runs in: its port exception, else its namespace's MeshTls, else
   * the mesh-wide one, else Istio's default (PERMISSIVE).
   */
  public static effectiveMode(scope: IConstruct, workload: Workload, port: number): MtlsMode {
    return effectiveMtlsMode(AppIndex.of(scope), workload, port);
  }

  /** The mode of the namespace (or mesh). */
  public readonly mode: MtlsMode;
  /** Namespace of the policies (the root namespace for the mesh-wide policy). */
  public readonly namespaceName: string;
  /** The API version written. */
  public readonly apiVersion: IstioApiVersion;
  /** Whether this is the mesh-wide policy. */
  public readonly isMeshWide: boolean;
  /** Port exceptions, with their modes resolved. */
  public readonly portExceptions: MtlsPortException[];
  /** The PeerAuthentication `default`. */
  public readonly policy: ApiObject;
  /** One PeerAuthentication per workload with port exceptions, in the order given. */
  public readonly exceptionPolicies: ApiObject[];

  constructor(scope: Construct, id: string, props: MeshTlsProps) {
    checkProps(scope, id, props, MESH_TLS_PROPS);
    super(scope, id);
    Object.defineProperty(this, MESH_TLS_SYMBOL, { value: true });
    this.isMeshWide = constructingMeshWide;
    constructingMeshWide = false;

    if (!MODES.includes(props.mode)) {
      throw configError(this, 'mode', props.mode, `one of ${MODES.join(', ')} (MtlsMode)`);
    }
    this.mode = props.mode;
    this.apiVersion = props.apiVersion ?? IstioApiVersion.V1;
    if (!VERSIONS.includes(this.apiVersion)) {
      throw configError(this, 'apiVersion', this.apiVersion, `one of ${VERSIONS.join(', ')} (IstioApiVersion)`);
    }
    const namespace = props.namespace ?? Chart.of(this).namespace;
    if (!isDnsLabel(namespace)) {
      throw configError(this, this.isMeshWide ? 'rootNamespace' : 'namespace', namespace,
        this.isMeshWide ? 'a namespace name (Istio\'s root namespace)' : 'a namespace name (the namespace prop, or a chart with a namespace)');
    }
    this.namespaceName = namespace;

    this.portExceptions = (props.portExceptions ?? []).map((e, i) => this.checkException(e, i));
    this.portExceptions.forEach((e, i) => {
      const first = this.portExceptions.findIndex((o) => o.workload === e.workload);
      if (first !== i) {
        throw configError(this, `portExceptions[${i}].workload`, e.workload.name,
          `each workload once (portExceptions[${first}] already names it: list all of its ports there)`);
      }
    });

    this.policy = this.peerAuthentication('Default', 'default', {
      mtls: { mode: PeerAuthenticationSpecMtlsMode[this.mode] },
    });
    this.exceptionPolicies = this.portExceptions.map((e, i) => {
      const portLevelMtls: { [port: string]: PeerAuthenticationSpecPortLevelMtls } = {};
      for (const p of [...e.ports].sort((a, b) => a - b)) {
        portLevelMtls[String(p)] = { mode: PeerAuthenticationSpecPortLevelMtlsMode[e.mode!] };
      }
      return this.peerAuthentication(`Exception${i}`, `${e.workload.name}-mtls`, {
        selector: { matchLabels: { ...e.workload.selectorLabels } },
        portLevelMtls,
      });
    });

    // One per namespace: checked in constructs/checks/mesh.ts.
    AppIndex.of(this).add(MESH_TLS, this, this);
  }

  /** The mode of a workload's port under this policy (its port exception, else the namespace's mode). */
  public modeFor(workload: Workload, port: number): MtlsMode {
    const e = this.portExceptions.find((x) => x.workload === workload);
    return e && e.ports.includes(port) ? e.mode! : this.mode;
  }

  private checkException(e: MtlsPortException, i: number): MtlsPortException {
    const field = `portExceptions[${i}]`;
    if (!Workload.isWorkload(e.workload)) {
      throw configError(this, `${field}.workload`, e.workload, 'a workload of this library (Microservice, StatefulService, NodeAgent)');
    }
    const w = e.workload;
    if (w.namespace !== this.namespaceName) {
      throw configError(this, `${field}.workload`, `${w.name} in namespace ${w.namespace ?? '(none)'}`,
        `a workload in namespace ${this.namespaceName} (a PeerAuthentication selects pods of its own namespace only)`);
    }
    if (w.sidecarOptOut) {
      throw configError(this, `${field}.workload`, w.name,
        'a workload with a sidecar (its pods opt out of injection with sidecar.istio.io/inject=false: no proxy enforces mTLS there)');
    }
    const mode = e.mode ?? MtlsMode.PERMISSIVE;
    if (!MODES.includes(mode)) {
      throw configError(this, `${field}.mode`, mode, `one of ${MODES.join(', ')} (MtlsMode)`);
    }
    if (mode === this.mode) {
      throw configError(this, `${field}.mode`, mode, `a mode other than the namespace's ${this.mode} (the exception would change nothing)`);
    }
    const containerPorts = w.ports.map((p) => p.port);
    if (!Array.isArray(e.ports) || e.ports.length === 0) {
      throw configError(this, `${field}.ports`, e.ports, `at least one container port of ${w.name} (${describePorts(w)})`);
    }
    e.ports.forEach((p, j) => {
      if (!containerPorts.includes(p)) {
        throw configError(this, `${field}.ports[${j}]`, p, `a container port of ${w.name}: ${describePorts(w)} (port-level mTLS matches the port the pod listens on, not the Service port)`);
      }
      if (e.ports.indexOf(p) !== j) throw configError(this, `${field}.ports[${j}]`, p, 'each port once');
    });
    return { workload: w, ports: [...e.ports], mode };
  }

  private peerAuthentication(id: string, name: string, spec: PeerAuthenticationSpec): ApiObject {
    const metadata = { name, namespace: this.namespaceName };
    return this.apiVersion === IstioApiVersion.V1BETA1
      ? new PeerAuthenticationV1Beta1(this, id, { metadata, spec: spec as unknown as PeerAuthenticationV1Beta1Spec })
      : new PeerAuthentication(this, id, { metadata, spec });
  }
}

/** `8080 (http), 9090 (metrics)`. */
function describePorts(w: Workload): string {
  return w.ports.length ? w.ports.map((p) => `${p.port} (${p.name})`).join(', ') : 'none';
}
