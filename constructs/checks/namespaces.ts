/**
 * Cross-construct rules of a namespace, run once per app over the index: a namespace baseline
 * against the workloads that run in its namespace (host paths only under PRIVILEGED pod
 * security; a hard budget that holds what the workloads need at peak). Also the lookups the
 * layers share: the workloads of a namespace, and the sidecar resources of an enrolled one.
 */
import { Chart, Size } from 'cdk8s';
import { AppIndex, IAppCheck, IndexKey } from '../core/app-index';
import { sizeBytes, sizeQuantity } from '../core/quantity';
import { Cpu } from '../workloads/cpu';
import type { NamespaceBaseline } from '../platform/namespace-baseline';
import type { Resources } from '../workloads/resources';
import type { IMeshSidecarSource, Workload, WorkloadFootprint } from '../workloads/workload';

const MI = 1024 * 1024;
/** PodSecurityLevel.PRIVILEGED, read as its value (the checks import no construct at run time). */
const PRIVILEGED = 'privileged';

const byNamespace = (w: Workload) => w.namespace;

/** The workloads of this library in `namespace`, in the order they were created. */
export function workloadsIn(index: AppIndex, namespace: string | undefined): readonly Workload[] {
  return index.find(WORKLOADS, byNamespace, namespace);
}

/** The sidecar resources of `namespace`, from whatever enrols it in the mesh; undefined when nothing does. */
export function meshSidecarResources(index: AppIndex, namespace: string | undefined): Resources | undefined {
  for (const source of index.list(SIDECAR_SOURCES)) {
    const r = source.sidecarResourcesFor(namespace);
    if (r) return r;
  }
  return undefined;
}

const baselineCheck: IAppCheck = {
  name: 'namespaces: host paths and the hard budget',
  run(index, report) {
    for (const b of index.list(NAMESPACE_BASELINES)) {
      if (b.podSecurity !== PRIVILEGED) {
        for (const w of workloadsIn(index, b.namespaceName)) {
          if (w.footprint().usesHostPaths) {
            report.add(b, 'hostPaths', `host path volumes in namespace ${b.namespaceName} (pod security "${b.podSecurity}")`,
              'host paths only in a namespace whose baseline has podSecurity PRIVILEGED (put node agents in a namespace of their own)', w);
          }
        }
      }
      const budget = b.budget;
      if (!budget) continue;
      const needs = b.needs();
      const top = (metric: (f: WorkloadFootprint) => number, format: (n: number) => string) => needs.workloads
        .map((f) => ({ f, v: metric(f) })).sort((x, y) => y.v - x.v).slice(0, 3)
        .map(({ f, v }) => `${f.name} ${format(v)}`).join(', ');
      const fmtCpu = (m: number) => Cpu.millis(m).toQuantity();
      const fmtMem = (bytes: number) => sizeQuantity(Size.mebibytes(Math.ceil(bytes / MI)));
      if (needs.totals.limitsCpu > budget.cpu.millicores) {
        report.add(b, 'budget.cpu', `workloads needing ${fmtCpu(needs.totals.limitsCpu)} of CPU limits at peak (largest: ${top((f) => f.podResources.limitsCpu * f.maxPods, fmtCpu)})`,
          `at most the budget of ${budget.cpu.toQuantity()}: raise the budget or shrink the workloads`);
      }
      if (needs.totals.limitsMemory > sizeBytes(budget.memory)) {
        report.add(b, 'budget.memory', `workloads needing ${fmtMem(needs.totals.limitsMemory)} of memory limits at peak (largest: ${top((f) => f.podResources.limitsMemory * f.maxPods, fmtMem)})`,
          `at most the budget of ${sizeQuantity(budget.memory)}: raise the budget or shrink the workloads`);
      }
      if (budget.pods !== undefined && needs.pods > budget.pods) {
        report.add(b, 'budget.pods', `workloads needing ${needs.pods} pods at peak (replicas, autoscaling maximum and rollout surge)`, `at most the budget of ${budget.pods}`);
      }
      if (budget.storage && needs.storageBytes > sizeBytes(budget.storage)) {
        report.add(b, 'budget.storage', `volume claims totalling ${fmtMem(needs.storageBytes)}`, `at most the budget of ${sizeQuantity(budget.storage)}`);
      }
    }
  },
};

/**
 * Namespaces first. `kubectl apply -f dist/<env>/` applies files in name order, so a Namespace in a
 * later file than the objects that live in it fails the first apply (`namespaces "shop" not
 * found`). A baseline writes its Namespace in a chart of its own, and every chart of that
 * namespace depends on it; with dependencies, cdk8s numbers the chart files in dependency order
 * (`0000-namespace-shop.k8s.yaml`, `0001-platform.k8s.yaml`, ...). cdk8s turns a chart dependency
 * into one between every pair of their objects, so the namespace's chart holds nothing else.
 * It runs with the checks, which `App.synth()` runs before it orders the charts; it reports nothing.
 */
const namespacesFirst: IAppCheck = {
  name: 'namespaces: their chart before the charts that use them',
  run(index) {
    for (const b of index.list(NAMESPACE_BASELINES)) {
      const first = b.namespaceChart;
      for (const c of b.node.root.node.children) {
        if (!Chart.isChart(c) || c === first || c.namespace !== b.namespaceName) continue;
        if (!c.node.dependencies.includes(first)) c.addDependency(first);
      }
    }
  },
};

/** Workloads of this library (Microservice, StatefulService, NodeAgent, NATS servers). */
export const WORKLOADS = new IndexKey<Workload>('workloads');
/** What enrols namespaces in the mesh and sizes their sidecars. */
export const SIDECAR_SOURCES = new IndexKey<IMeshSidecarSource>('mesh sidecar sources');
/** Namespace baselines. */
export const NAMESPACE_BASELINES = new IndexKey<NamespaceBaseline>('namespace baselines', [baselineCheck, namespacesFirst]);
