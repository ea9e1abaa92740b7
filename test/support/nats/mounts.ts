// Builds the per-pod filesystem view: the pod's private directories on the host and the shell
// snippet that bind-mounts them over the absolute paths the config uses (inside a private mount
// namespace, so the host's own files are never touched).
import * as fs from 'fs';
import * as path from 'path';
import { shQuote } from './util';

/** Where the config file is placed in every pod (like a ConfigMap volume on Kubernetes). */
export const DEFAULT_CONFIG_PATH = '/etc/nats-config/nats.conf';

/** Mount targets that would hide the system itself; refused. */
const FORBIDDEN_TARGETS = new Set([
  '/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/proc', '/root',
  '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/var', '/var/run', '/var/lib', '/var/tmp', '/etc/netns',
]);

export interface MountPlan {
  /** `mkdir -p T && mount --bind S T` for every mount (parents first), then read-only remounts. */
  script: string;
  /** Host directories used as mount sources (under the pod's root dir). */
  sources: string[];
}

interface Mount {
  target: string;
  source: string;
  readOnly: boolean;
}

function checkTarget(p: string, what: string, podRoot: string): string {
  if (!path.isAbsolute(p)) throw new Error(`${what} must be an absolute path: '${p}'`);
  const norm = path.posix.normalize(p).replace(/\/+$/, '') || '/';
  if (FORBIDDEN_TARGETS.has(norm)) throw new Error(`${what} '${p}' would hide a system directory; use a dedicated directory`);
  const rel = path.relative(norm, podRoot);
  if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
    throw new Error(`${what} '${p}' would hide the harness's own temp dir ${podRoot}`);
  }
  return norm;
}

const isUnder = (child: string, parent: string) => child === parent || child.startsWith(`${parent}/`);

/**
 * Materializes `files` (absolute pod path -> content) and empty `mountDirs` below `podRoot`
 * and returns the mount script. A file inside one of `mountDirs` is written into that (writable)
 * directory; every other file's directory becomes a read-only mount, like a Secret/ConfigMap volume.
 */
export function prepareMounts(podRoot: string, files: Record<string, string>, mountDirs: readonly string[]): MountPlan {
  const mounts: Mount[] = [];
  const dirs = mountDirs.map((d) => checkTarget(d, 'mountDirs entry', podRoot));
  dirs.forEach((target, i) => {
    const source = path.join(podRoot, `dir-${i}`);
    fs.mkdirSync(source, { recursive: true });
    mounts.push({ target, source, readOnly: false });
  });

  const fileDirs = new Map<string, string>(); // target dir -> source dir
  for (const [filePath, content] of Object.entries(files)) {
    const target = checkTarget(filePath, 'files entry', podRoot);
    const owner = dirs.filter((d) => isUnder(target, d)).sort((a, b) => b.length - a.length)[0];
    let hostPath: string;
    if (owner !== undefined) {
      hostPath = path.join(mounts.find((m) => m.target === owner)!.source, path.relative(owner, target));
    } else {
      const dir = checkTarget(path.posix.dirname(target), `directory of '${filePath}'`, podRoot);
      if (!fileDirs.has(dir)) {
        const source = path.join(podRoot, `files-${fileDirs.size}`);
        fileDirs.set(dir, source);
        mounts.push({ target: dir, source, readOnly: true });
      }
      hostPath = path.join(fileDirs.get(dir)!, path.posix.basename(target));
    }
    fs.mkdirSync(path.dirname(hostPath), { recursive: true });
    fs.writeFileSync(hostPath, content, { mode: 0o600 });
  }

  // Parents before children, so a nested mount point is created inside the outer mount.
  mounts.sort((a, b) => a.target.split('/').length - b.target.split('/').length || a.target.localeCompare(b.target));
  const binds = mounts.map((m) => {
    // `mkdir -p` creates the mount point when the host lacks it (e.g. /data, /etc/nats-config,
    // /etc/nats-certs/client): an empty directory on the host, left in place afterwards because
    // another run's private mount namespace may be using it. Existing host files are only
    // shadowed inside this pod's mount namespace, never modified.
    const q = shQuote(m.target);
    return `mkdir -p ${q} && mount --bind ${shQuote(m.source)} ${q}`;
  });
  // Read-only remounts last, so nested mount points could still be created above.
  const remounts = mounts.filter((m) => m.readOnly).map((m) => `mount -o remount,bind,ro ${shQuote(m.target)}`);
  const steps = [...binds, ...remounts];
  return { script: steps.join(' && ') || 'true', sources: mounts.map((m) => m.source) };
}
