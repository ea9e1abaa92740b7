import { Microservice, NatsCluster, Workload } from '../../constructs';
import { isDns1035Label, isDnsLabel, isDnsName, isDnsSubdomain } from '../../constructs/core/names';
import { GUARANTEED, IMAGE, expectConfigError, setup } from '../workloads/helpers';

/** `count` labels of `size` characters joined by '.', e.g. labels(2, 3) = 'aaa.aaa'. */
function labels(count: number, size: number): string {
  return Array.from({ length: count }, () => 'a'.repeat(size)).join('.');
}

const NOT_STRINGS = [undefined, null, 5, true, ['shop'], { name: 'shop' }];

describe('isDnsLabel', () => {
  test('takes lower-case letters, digits and inner hyphens, 1 to 63 characters', () => {
    for (const v of ['a', '0', 'shop', 'istio-system', '1-23', 'a1-b2', 'a'.repeat(63)]) expect(isDnsLabel(v)).toBe(true);
  });

  test('refuses the empty string, 64 characters, upper case, dots, outer hyphens and other characters', () => {
    for (const v of ['', 'a'.repeat(64), 'Shop', 'shop.local', '-shop', 'shop-', 'sh_op', 'sh op', 'café', '*']) expect(isDnsLabel(v)).toBe(false);
  });

  test('refuses what is not a string', () => {
    for (const v of NOT_STRINGS) expect(isDnsLabel(v)).toBe(false);
  });
});

describe('isDnsSubdomain', () => {
  test('takes labels joined by dots, up to 253 characters in all', () => {
    for (const v of ['a', 'shop', 'cluster.local', 'api.payments.example.com', 'v1.2-3', labels(4, 61), 'a'.repeat(253)]) {
      expect(isDnsSubdomain(v)).toBe(true);
    }
  });

  test('253 characters pass, 254 do not', () => {
    const at253 = labels(3, 63) + '.' + 'a'.repeat(61); // 3 * 63 + 3 dots + 61
    expect(at253.length).toBe(253);
    expect(isDnsSubdomain(at253)).toBe(true);
    expect(isDnsSubdomain(at253 + 'a')).toBe(false);
    expect(isDnsSubdomain('a'.repeat(254))).toBe(false);
  });

  test('sets no limit on a single label (Kubernetes sets none for object names)', () => {
    expect(isDnsSubdomain('a'.repeat(64) + '.local')).toBe(true);
  });

  test('refuses empty, leading, trailing and doubled dots, outer hyphens in any label, upper case and wildcards', () => {
    for (const v of ['', '.local', 'cluster.', 'cluster..local', 'a-.b', 'a.-b', 'Cluster.local', '*.example.com', 'a/b']) {
      expect(isDnsSubdomain(v)).toBe(false);
    }
  });

  test('refuses what is not a string', () => {
    for (const v of NOT_STRINGS) expect(isDnsSubdomain(v)).toBe(false);
  });
});

describe('isDnsName', () => {
  test('is a DNS subdomain whose labels are at most 63 characters each', () => {
    expect(isDnsName('cluster.local')).toBe(true);
    expect(isDnsName(labels(3, 63) + '.' + 'a'.repeat(61))).toBe(true);
    expect(isDnsName('a'.repeat(63) + '.local')).toBe(true);
    expect(isDnsName('a'.repeat(64) + '.local')).toBe(false);
    expect(isDnsName('shop.' + 'a'.repeat(64))).toBe(false);
    expect(isDnsName(labels(3, 63) + '.' + 'a'.repeat(62))).toBe(false); // 254 characters
    expect(isDnsName('cluster..local')).toBe(false);
    for (const v of NOT_STRINGS) expect(isDnsName(v)).toBe(false);
  });
});

describe('isDns1035Label', () => {
  test('is a DNS label that starts with a letter', () => {
    for (const v of ['a', 'web', 'web-2', 'a'.repeat(63)]) expect(isDns1035Label(v)).toBe(true);
    for (const v of ['', '2web', '0', 'a'.repeat(64), 'Web', 'web-', 'web.shop']) expect(isDns1035Label(v)).toBe(false);
    for (const v of NOT_STRINGS) expect(isDns1035Label(v)).toBe(false);
  });
});

describe('constructs refuse names Kubernetes refuses (an empty label between dots)', () => {
  test('a workload\'s ServiceAccount, a workload of another app, a NATS route Secret', () => {
    const { chart } = setup();
    expectConfigError(() => new Microservice(chart, 'web', { image: IMAGE, resources: GUARANTEED, serviceAccountName: 'web..api' }),
      '[test] c/web: serviceAccountName: received "web..api"; allowed: a DNS-1123 name other than \'default\' (each workload gets its own identity)');
    expectConfigError(() => Workload.fromAttributes(chart, 'reports', { name: 'reports.-v2', namespace: 'analytics' }),
      '[test] c/reports: name: received "reports.-v2"; allowed: a workload name (a DNS-1123 name)');
    expectConfigError(() => new NatsCluster(chart, 'nats', { replicas: 3, routeAuth: { secretName: 'nats.-routes' } }),
      '[test] c/nats: routeAuth.secretName: received "nats.-routes"; allowed: the name of a Secret in the cluster\'s namespace (a DNS-1123 name)');
  });
});
