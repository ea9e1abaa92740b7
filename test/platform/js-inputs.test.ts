/**
 * What a plain-JavaScript caller gets for NamespaceBaseline props and diagram options of the
 * wrong type: the library's ConfigError with the construct path and field.
 */
import { Size } from 'cdk8s';
import { Cpu, NamespaceBaseline, Resources, architectureDiagram } from '../../constructs';
import { expectConfigError, js, setup } from '../workloads/helpers';


function baseline(props: object) {
  return new NamespaceBaseline(setup().chart, 'ns', js(props));
}

test('a pod security level in the wrong case (it would be written as the label value)', () => {
  expectConfigError(() => baseline({ podSecurity: 'Restricted' }),
    '[test] c/ns: podSecurity: received "Restricted"; allowed: one of restricted, baseline, privileged (PodSecurityLevel)');
});

test('a budget: text where a Cpu belongs, CPU text that is no quantity', () => {
  expectConfigError(() => baseline({ budget: { cpu: '64', memory: Size.gibibytes(64) } }), '[test] c/ns: budget.cpu: received "64"; allowed: a Cpu such as Cpu.cores(64)');
  expectConfigError(() => baseline({ budget: { cpu: Cpu.parse('64 cores'), memory: Size.gibibytes(64) } }),
    '[test] c/ns: budget.cpu: received "64 cores"; allowed: a CPU quantity like 250m, 0.5 or 2');
  expectConfigError(() => baseline({ budget: { cpu: Cpu.cores(64), memory: '64Gi' } }), '[test] c/ns: budget.memory: received "64Gi"; allowed: a Size such as Size.gibibytes(64)');
});

test('a single port where a list belongs, an unknown protocol, resources that are not Resources', () => {
  expectConfigError(() => baseline({ egress: [{ name: 'sink', cidr: '10.0.0.0/8', ports: 443 }] }),
    '[test] c/ns: egress[0].ports: received 443; allowed: a list of ports { port, protocol }');
  expectConfigError(() => baseline({ egress: [{ name: 'dns', cidr: '10.0.0.0/8', ports: [{ port: 53, protocol: 'udp' }] }] }),
    '[test] c/ns: egress[0].ports[0].protocol: received "udp"; allowed: one of TCP, UDP (NetworkProtocol)');
  expectConfigError(() => baseline({ mesh: { cni: true, sidecarResources: { cpu: Cpu.millis(100), memory: Size.mebibytes(128) } } }),
    '[test] c/ns: mesh.sidecarResources: received {"cpu":"100m","memory":"128Mi"}; allowed: Resources.of(...) or Resources.guaranteed(...) with CPU and memory');
  expectConfigError(() => baseline({ containerDefaults: Resources.guaranteed({ cpu: Cpu.parse('1.5 cores'), memory: Size.mebibytes(64) }) }),
    '[test] c/ns: containerDefaults.requests.cpu: received "1.5 cores"; allowed: a CPU quantity like 250m, 0.5 or 2');
  expectConfigError(() => baseline({ allowWithinNamespace: 'yes' }), '[test] c/ns: allowWithinNamespace: received "yes"; allowed: true or false');
});

test('architectureDiagram: options of the wrong type', () => {
  const { chart } = setup();
  expectConfigError(() => architectureDiagram(chart, js({ title: 42 })), '[test] c: options.title: received 42; allowed: a string');
  expectConfigError(() => architectureDiagram(chart, js({ legend: 'no' })), '[test] c: options.legend: received "no"; allowed: true or false');
});
