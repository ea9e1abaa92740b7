import { ContainerImage, Microservice, MicroserviceProps } from '../../constructs';
import { GUARANTEED, IMAGE, SIDECAR_IMAGE, expectConfigError, one, setup, synth } from './helpers';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

function microservice(props: Partial<MicroserviceProps>) {
  const { chart } = setup();
  const web = new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, ...props });
  return { chart, web };
}

describe('ContainerImage value', () => {
  test('of and fromDigest build references', () => {
    expect(ContainerImage.of('nats', '2.10.22-alpine').reference).toBe('nats:2.10.22-alpine');
    expect(ContainerImage.fromDigest('ghcr.io/acme/order', DIGEST).reference).toBe(`ghcr.io/acme/order@${DIGEST}`);
    expect(String(ContainerImage.of('nats', '2.10'))).toBe('nats:2.10');
  });

  test('parse splits repository, tag and digest', () => {
    const tagged = ContainerImage.parse('ghcr.io/acme/order:1.2.3');
    expect([tagged.repository, tagged.tag, tagged.digest]).toEqual(['ghcr.io/acme/order', '1.2.3', undefined]);
    const digested = ContainerImage.parse(`ghcr.io/acme/order@${DIGEST}`);
    expect([digested.repository, digested.tag, digested.digest]).toEqual(['ghcr.io/acme/order', undefined, DIGEST]);
    const both = ContainerImage.parse(`nats:2.10@${DIGEST}`);
    expect([both.repository, both.tag, both.digest]).toEqual(['nats', '2.10', DIGEST]);
    expect(both.reference).toBe(`nats:2.10@${DIGEST}`);
  });

  test('parse does not mistake a registry port for a tag', () => {
    const untagged = ContainerImage.parse('registry.local:5000/acme/order');
    expect([untagged.repository, untagged.tag]).toEqual(['registry.local:5000/acme/order', undefined]);
    const tagged = ContainerImage.parse('registry.local:5000/acme/order:7');
    expect([tagged.repository, tagged.tag]).toEqual(['registry.local:5000/acme/order', '7']);
    expect(tagged.problems()).toEqual([]);
  });

  test('version is the tag, or the first 12 hex digits of the digest', () => {
    expect(ContainerImage.of('nats', '2.10.22').version).toBe('2.10.22');
    expect(ContainerImage.fromDigest('nats', DIGEST).version).toBe('0123456789ab');
    expect(ContainerImage.parse(`nats:2.10@${DIGEST}`).version).toBe('2.10');
  });

  test('pinned references have no problems', () => {
    for (const ref of ['nats:2.10.22-alpine', `ghcr.io/acme/order@${DIGEST}`, `nats:latest@${DIGEST}`, 'docker.io/library/redis:7_2', 'a/b__c/d-e:V1']) {
      expect(ContainerImage.parse(ref).problems()).toEqual([]);
    }
  });

  test('problems lists each problem with the reference as received value', () => {
    expect(ContainerImage.parse('Acme/Order').problems()).toEqual([
      { field: '', received: '"Acme/Order"', allowed: 'a lower-case image repository such as ghcr.io/acme/order' },
      { field: '', received: '"Acme/Order"', allowed: 'an image pinned to a version tag or a sha256 digest' },
    ]);
  });

  test('a tag of 128 characters is accepted, 129 refused', () => {
    expect(ContainerImage.of('nats', `1${'a'.repeat(127)}`).problems()).toEqual([]);
    expect(ContainerImage.of('nats', `1${'a'.repeat(128)}`).problems().map((p) => p.allowed))
      .toEqual(['a tag of letters, digits, _ . - (at most 128 characters)']);
  });
});

describe('image validation on workloads (one test per rule)', () => {
  test('an image needs a tag or digest', () => {
    expectConfigError(() => microservice({ image: ContainerImage.parse('ghcr.io/acme/web') }),
      '[test] c/web: image: received "ghcr.io/acme/web"; allowed: an image pinned to a version tag or a sha256 digest');
  });

  test('a tag without a version (main, stable, edge) is refused without a digest', () => {
    expectConfigError(() => microservice({ image: ContainerImage.of('ghcr.io/acme/web', 'main') }),
      '[test] c/web: image: received "ghcr.io/acme/web:main"; allowed: a version tag (with digits, such as 1.4.2) or a digest: a tag without a version moves');
    expect(ContainerImage.parse(`ghcr.io/acme/web:main@${DIGEST}`).problems()).toEqual([]);
  });

  test('the moving tag latest is refused without a digest', () => {
    expectConfigError(() => microservice({ image: ContainerImage.parse('ghcr.io/acme/web:latest') }),
      '[test] c/web: image: received "ghcr.io/acme/web:latest"; allowed: a version tag or digest, not the moving tag "latest"');
  });

  test('a digest must be sha256 with 64 hex digits', () => {
    expectConfigError(() => microservice({ image: ContainerImage.fromDigest('ghcr.io/acme/web', 'sha256:abc123') }),
      '[test] c/web: image: received "ghcr.io/acme/web@sha256:abc123"; allowed: a digest of the form sha256:<64 hex digits>');
    expectConfigError(() => microservice({ image: ContainerImage.fromDigest('ghcr.io/acme/web', `sha512:${'a'.repeat(64)}`) }),
      `[test] c/web: image: received "ghcr.io/acme/web@sha512:${'a'.repeat(64)}"; allowed: a digest of the form sha256:<64 hex digits>`);
  });

  test('the repository must be lower-case', () => {
    expectConfigError(() => microservice({ image: ContainerImage.of('ghcr.io/Acme/web', '1.0.0') }),
      '[test] c/web: image: received "ghcr.io/Acme/web:1.0.0"; allowed: a lower-case image repository such as ghcr.io/acme/order');
  });

  test('a tag must start with a letter, digit or underscore', () => {
    expectConfigError(() => microservice({ image: ContainerImage.of('ghcr.io/acme/web', '-rc1') }),
      '[test] c/web: image: received "ghcr.io/acme/web:-rc1"; allowed: a tag of letters, digits, _ . - (at most 128 characters)');
  });

  test('an image must be given', () => {
    expectConfigError(() => microservice({ image: undefined as any }),
      '[test] c/web: image: received nothing; allowed: a ContainerImage');
  });

  test('sidecar and init container images are checked with their field prefix', () => {
    expectConfigError(() => microservice({ sidecars: [{ name: 'proxy', image: ContainerImage.parse('envoy:latest'), resources: GUARANTEED }] }),
      '[test] c/web: sidecars[0].image: received "envoy:latest"; allowed: a version tag or digest, not the moving tag "latest"');
    expectConfigError(() => microservice({ initContainers: [{ name: 'init', image: ContainerImage.parse('busybox'), resources: GUARANTEED }] }),
      '[test] c/web: initContainers[0].image: received "busybox"; allowed: an image pinned to a version tag or a sha256 digest');
  });
});

describe('image on workloads', () => {
  test('containers run the full reference and the version labels follow the tag', () => {
    const { chart } = microservice({ sidecars: [{ name: 'proxy', image: SIDECAR_IMAGE, resources: GUARANTEED }] });
    const d = one(synth(chart), 'Deployment');
    expect(d.spec.template.spec.containers.map((c: any) => c.image)).toEqual(['ghcr.io/acme/web:1.4.2', 'ghcr.io/acme/helper:0.9.0']);
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe('1.4.2');
    expect(d.spec.template.metadata.labels.version).toBe('1.4.2');
  });

  test('a digest-only image labels the version with 12 hex digits', () => {
    const { chart, web } = microservice({ image: ContainerImage.fromDigest('ghcr.io/acme/web', DIGEST) });
    const d = one(synth(chart), 'Deployment');
    expect(web.version).toBe('0123456789ab');
    expect(d.spec.template.spec.containers[0].image).toBe(`ghcr.io/acme/web@${DIGEST}`);
    expect(d.spec.template.metadata.labels.version).toBe('0123456789ab');
  });

  test('the version prop overrides the label', () => {
    const { chart } = microservice({ version: 'v2' });
    const d = one(synth(chart), 'Deployment');
    expect(d.metadata.labels['app.kubernetes.io/version']).toBe('v2');
    expect(d.spec.template.metadata.labels.version).toBe('v2');
    expect(d.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/web:1.4.2');
  });

  // A label value has at most 63 characters and starts and ends with a letter or digit; image
  // tags may have 128 characters and start with '_' or end with '.' or '-'. The version label
  // (from the tag or the `version` prop) must be refused at synth time rather than rejected by
  // the API server.
  const fromTag = 'a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit (it defaults to the image tag: set `version`)';
  test.each([
    ['a 66-character tag', { image: ContainerImage.of('ghcr.io/acme/web', `1.4.2-${'a'.repeat(60)}`) }, `"1.4.2-${'a'.repeat(60)}"`, fromTag],
    ['a tag starting with _', { image: ContainerImage.of('ghcr.io/acme/web', '_rc1') }, '"_rc1"', fromTag],
    ['a tag ending with -', { image: ContainerImage.of('ghcr.io/acme/web', '1.4.2-') }, '"1.4.2-"', fromTag],
    ['a version prop with spaces', { version: 'release 2' }, '"release 2"',
      'a label value: at most 63 letters, digits, "-", "_" and ".", starting and ending with a letter or digit'],
  ])('a version label that Kubernetes would reject is refused: %s', (_, props, received, allowed) => {
    expectConfigError(() => microservice(props), `[test] c/web: version: received ${received}; allowed: ${allowed}`);
  });
});
