/**
 * The types of the props every workload takes (the containers' fields, then the pod's), checked
 * by Microservice, StatefulService and NodeAgent before anything else (see
 * constructs/core/runtime-types.ts). Values are checked further by the workloads, with messages of
 * their own. Not part of the package's exports.
 */
import { BOOL, Check, Fields, STRINGS, STRING_MAP, WHOLE_SECONDS, instance, isFieldsObject, list, map, oneOf, required, rule, shape, str } from '../core/runtime-types';
import { Probe } from './probe';
import { Volume } from './volume';
import { TaintEffect, TolerationOperator, TopologySpread } from './workload';

/** A key of a Secret or ConfigMap read into a variable. */
const KEY_REF: Check = shape({ name: required(str()), from: required(str()), key: required(str()), optional: BOOL },
  'a key reference { name, from, key }');

/** What a probe must be. */
const PROBE: Check = instance(Probe, 'a Probe such as Probe.httpGet("/ready", 8080)');

/** The types of a container's fields (its image, resources, ports, probes and mounts are checked further by the workload). */
export const CONTAINER_FIELDS: Fields = {
  name: str(),
  command: STRINGS,
  args: STRINGS,
  ports: list(rule('a port { name, port, protocol }', isFieldsObject), 'a list of ports { name, port, protocol }'),
  env: map(str('a string (numbers and booleans quoted: "8080")'), 'an object of variable names to string values'),
  allowPlaintextEnv: map(str('why the variable is no secret (a text)'), 'an object of variable names of env to the reason each is no secret'),
  fieldEnv: map(str('a pod field path such as metadata.name'), 'an object of variable names to pod field paths'),
  secretEnv: list(KEY_REF, 'a list of key references { name, from, key }'),
  configMapEnv: list(KEY_REF, 'a list of key references { name, from, key }'),
  envFromConfigMaps: STRINGS,
  envFromSecrets: STRINGS,
  readiness: PROBE,
  liveness: PROBE,
  startup: PROBE,
  preStop: STRINGS,
  mounts: list(shape({
    volume: required(instance(Volume, 'a Volume such as Volume.fromSecret("tls", "my-tls")')),
    mountPath: required(str('an absolute path')),
    readOnly: BOOL,
    subPath: str(),
  }, 'a mount { volume, mountPath }'), 'a list of mounts { volume, mountPath }'),
  writablePaths: STRINGS,
  readOnlyRootFilesystem: BOOL,
  workingDir: str(),
};

/** A sidecar or init container. */
const CONTAINER: Check = shape(CONTAINER_FIELDS, 'a container { name, image, resources, ... }');

/** The types of what every workload accepts: the main container's fields, then the pod's; the concrete workloads add their own. */
export const WORKLOAD_FIELDS: Fields = {
  ...CONTAINER_FIELDS,
  sidecars: list(CONTAINER, 'a list of containers { name, image, resources, ... }'),
  initContainers: list(CONTAINER, 'a list of containers { name, image, resources, ... }'),
  labels: STRING_MAP,
  podAnnotations: STRING_MAP,
  podLabels: STRING_MAP,
  shareProcessNamespace: BOOL,
  version: str(),
  app: str(),
  serviceAccountName: str(),
  mountServiceAccountToken: BOOL,
  spread: oneOf(Object.values(TopologySpread), 'TopologySpread'),
  nodeSelector: STRING_MAP,
  tolerations: list(shape({
    key: str(),
    operator: oneOf(Object.values(TolerationOperator), 'TolerationOperator'),
    value: str(),
    effect: oneOf(Object.values(TaintEffect), 'TaintEffect'),
  }, 'a toleration { key, operator, value, effect }'), 'a list of tolerations { key, operator, value, effect }'),
  priorityClassName: str(),
  terminationGracePeriod: WHOLE_SECONDS,
  identity: rule('an identity { runAsUser, runAsGroup, fsGroup }', isFieldsObject),
  exposed: BOOL,
};

/** How many pods may be down at once, as a workload's `disruptionBudget` takes it (its numbers are checked by the workload). */
export const DISRUPTION_BUDGET = rule('a disruption budget { maxUnavailable } or { minAvailable }', isFieldsObject);
