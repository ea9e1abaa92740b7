import { Duration } from 'cdk8s';
import { ISTIO_DEFAULT_TERMINATION_DRAIN, PROXY_CONFIG_ANNOTATION, meshProxyConfigAnnotation, parseMeshProxyConfig } from '../../constructs';

// The `proxy.istio.io/config` pod annotation (constructs/mesh/proxy-config.ts): written as the JSON
// Istio 1.23's injector reads (protobuf JSON: durations "40s", booleans true/false), and the two
// keys the library checks read back from JSON, YAML flow mappings and block YAML.

describe('meshProxyConfigAnnotation', () => {
  test('JSON with the keys given, durations as seconds with an s', () => {
    expect(meshProxyConfigAnnotation({ terminationDrainDuration: Duration.seconds(40), holdApplicationUntilProxyStarts: true }))
      .toEqual({ 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts":true,"terminationDrainDuration":"40s"}' });
    expect(meshProxyConfigAnnotation({ terminationDrainDuration: Duration.millis(2500) }))
      .toEqual({ [PROXY_CONFIG_ANNOTATION]: '{"terminationDrainDuration":"2.5s"}' });
    expect(meshProxyConfigAnnotation({ holdApplicationUntilProxyStarts: false })).toEqual({ [PROXY_CONFIG_ANNOTATION]: '{"holdApplicationUntilProxyStarts":false}' });
    expect(meshProxyConfigAnnotation({})).toEqual({});
    expect(ISTIO_DEFAULT_TERMINATION_DRAIN.toSeconds()).toBe(5);
  });
});

describe('parseMeshProxyConfig', () => {
  test.each([
    ['JSON', '{"terminationDrainDuration":"40s","holdApplicationUntilProxyStarts":true}', { terminationDrainDurationMillis: 40_000, holdApplicationUntilProxyStarts: true }],
    ['block YAML, nested keys skipped', 'holdApplicationUntilProxyStarts: yes\nterminationDrainDuration: 1.25s # drain\nproxyMetadata:\n  TERMINATION_DRAIN_DURATION: 1s\n',
      { terminationDrainDurationMillis: 1250, holdApplicationUntilProxyStarts: true }],
    ['a YAML flow mapping', '{ terminationDrainDuration: "45s", holdApplicationUntilProxyStarts: false }', { terminationDrainDurationMillis: 45_000, holdApplicationUntilProxyStarts: false }],
    ['other keys only', 'concurrency: 2\n', { terminationDrainDurationMillis: undefined, holdApplicationUntilProxyStarts: undefined }],
  ])('%s', (_, text, config) => {
    expect(parseMeshProxyConfig(text)).toEqual({ config });
  });

  test.each([
    ['a Go duration', 'terminationDrainDuration: 1m', 'terminationDrainDuration as seconds with an "s", such as 40s (received "1m": Istio refuses other forms and the injection fails)'],
    ['a number', '{"terminationDrainDuration":40}', 'terminationDrainDuration as seconds with an "s", such as 40s (received 40: Istio refuses other forms and the injection fails)'],
    ['a quoted boolean', '{"holdApplicationUntilProxyStarts":"true"}', 'holdApplicationUntilProxyStarts as true or false (received "true": Istio refuses other values and the injection fails)'],
    ['not a mapping', '- terminationDrainDuration', 'a ProxyConfig in YAML or JSON that Istio can parse (the injection fails otherwise)'],
  ])('refused: %s', (_, text, problem) => {
    expect(parseMeshProxyConfig(text)).toEqual({ problem });
  });
});
