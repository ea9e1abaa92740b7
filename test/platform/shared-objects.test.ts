import { ApiObject, Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { sharedObjectClashes } from '../../constructs';

// sharedObjectClashes (constructs/platform/environment.ts): no object written by two environments.

function env(name: string, namespace: string, configName: string) {
  const app = Testing.app();
  const own = new Chart(app, 'own', { namespace });
  new kplus.ConfigMap(own, 'settings', { metadata: { name: 'settings' } });
  const shared = new Chart(app, 'gateway', { namespace: 'istio-ingress' });
  new kplus.ConfigMap(shared, 'routes', { metadata: { name: configName } });
  return { environment: name, app };
}

test('objects in each environment\'s own namespace never clash, even with the same names', () => {
  expect(sharedObjectClashes([env('staging', 'shop-staging', 'staging-routes'), env('prod', 'shop', 'prod-routes')])).toEqual([]);
});

test('the same object in a namespace both environments write is refused, naming both', () => {
  expect(sharedObjectClashes([env('staging', 'shop-staging', 'routes'), env('prod', 'shop', 'routes')])).toEqual([
    '[prod] gateway/routes/Resource: metadata.name: received ConfigMap istio-ingress/routes, which environment staging also writes (gateway/routes/Resource); allowed: objects of one environment only: in a namespace that environments share on a cluster (or for a cluster-scoped kind), put the environment in the name, or the last environment applied replaces the other\'s object',
  ]);
});

test('a cluster-scoped object clashes whatever namespace its chart gives it', () => {
  const clusterRole = (name: string, namespace: string) => {
    const app = Testing.app();
    const chart = new Chart(app, 'own', { namespace });
    new ApiObject(chart, 'reader', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'shared-reader' } });
    return { environment: name, app };
  };
  expect(sharedObjectClashes([clusterRole('staging', 'shop-staging'), clusterRole('prod', 'shop')])).toEqual([
    '[prod] own/reader: metadata.name: received ClusterRole shared-reader (cluster-scoped), which environment staging also writes (own/reader); allowed: objects of one environment only: in a namespace that environments share on a cluster (or for a cluster-scoped kind), put the environment in the name, or the last environment applied replaces the other\'s object',
  ]);
});
