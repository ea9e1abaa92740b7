/**
 * The environment the kubelet gives a container, for running a generated config unchanged on
 * the real nats-server (not a test file itself): `envFrom` Secrets first, then `env` in order,
 * each `value` with its `$(VAR)` references expanded from the variables defined before it (an
 * undefined reference stays as written, `$$` is a literal `$`), `secretKeyRef` from the given
 * Secrets and `fieldRef` metadata.name as the pod name. That is the order
 * Kubernetes' makeEnvironmentVariables resolves them in.
 */
export function kubeletEnv(container: any, secrets: Record<string, Record<string, string>>, podName: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (!from.secretRef) throw new Error(`kubeletEnv: only envFrom secretRef is modelled (received ${JSON.stringify(from)})`);
    const data = secrets[from.secretRef.name];
    if (!data) throw new Error(`kubeletEnv: no Secret ${from.secretRef.name}`);
    Object.assign(env, data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) {
      env[e.name] = expand(e.value, env);
    } else if (e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.secretKeyRef;
      const value = secrets[ref.name]?.[ref.key];
      if (value === undefined) throw new Error(`kubeletEnv: no key ${ref.key} in Secret ${ref.name}`);
      env[e.name] = value;
    } else if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.name') {
      env[e.name] = podName;
    } else {
      throw new Error(`kubeletEnv: unmodelled env source ${JSON.stringify(e)}`);
    }
  }
  return env;
}

/** Kubernetes' `$(VAR)` expansion against the variables defined so far. */
export function expand(value: string, defined: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole, name: string | undefined) => {
    if (name === undefined) return '$';
    return Object.prototype.hasOwnProperty.call(defined, name) ? defined[name] : whole;
  });
}

/** The nats-server container of a synthesized NatsCluster StatefulSet (the one run with --config). */
export function serverContainer(manifests: any[], statefulSetName: string): any {
  const sts = manifests.find((m) => m.kind === 'StatefulSet' && m.metadata.name === statefulSetName);
  if (!sts) throw new Error(`no StatefulSet ${statefulSetName}`);
  return sts.spec.template.spec.containers.find((c: any) => (c.args ?? []).includes('--config'));
}
