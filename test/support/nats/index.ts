// Harness for running generated nats.conf files as real NATS servers/clusters in tests.
export {
  assertHarnessPrerequisites, checkConfig, runStandalone, startNatsCluster, sweepStaleRuns,
} from './netns-cluster';
export type {
  CheckConfigResult, NatsCluster, NatsClusterOptions, NatsPod, NatsPodSpec, StreamState,
} from './netns-cluster';
export { DEFAULT_CONFIG_PATH } from './mounts';
export { makeTestPki } from './tls';
export type { TestPki } from './tls';
export { FatalWaitError, waitFor } from './util';
