// A module of its own, without imports: the checks use it at load time, whatever order the
// modules of the checks load in.

/** What a messaging declaration says. */
export enum MessagingKind {
  /** Core NATS publish (requests included). */
  PUBLISH = 'publish',
  /** Core NATS subscription (a service answering requests included). */
  SUBSCRIBE = 'subscribe',
  /** Publish into a JetStream stream (with publish acknowledgements). */
  PUBLISH_TO_STREAM = 'publish-to-stream',
  /** Pull or push from a durable consumer. */
  CONSUME = 'consume',
  /** Read and write a key-value or object store. */
  USE_BUCKET = 'use-bucket',
}
