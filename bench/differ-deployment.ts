import type { KubeObject } from '#contracts';

/** A Deployment shaped like the recorded ones (online-boutique): env, probes, resources, managedFields. ~4 KiB. */
export function deployment(i: number, version: number): KubeObject {
  const name = `svc-${i}`;
  const ns = `team-${i % 50}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ns,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1_000_000 + version * 1_000_000 + i),
      generation: version + 1,
      creationTimestamp: '2025-03-21T14:09:22Z',
      labels: { app: name, 'app.kubernetes.io/version': `1.${version}.0` },
      annotations: {
        'deployment.kubernetes.io/revision': String(version + 1),
        'meta.helm.sh/release-name': ns,
      },
      managedFields: [
        {
          manager: 'helm',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-05-30T23:35:41Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:template': {} } },
        },
        {
          manager: 'horizontal-pod-autoscaler',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-06-04T02:40:59Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          subresource: 'scale',
        },
        {
          manager: 'kubectl-set',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-06-05T02:47:55Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"server"}': { 'f:image': {} } } } },
            },
          },
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-05-30T23:36:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:replicas': {} } },
          subresource: 'status',
        },
      ],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          creationTimestamp: null,
          labels: { app: name },
          annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' },
        },
        spec: {
          serviceAccountName: name,
          securityContext: { fsGroup: 1000, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            {
              name: 'server',
              image: `us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/${name}:v0.10.${version}`,
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              readinessProbe: {
                initialDelaySeconds: 10,
                httpGet: { path: '/_healthz', port: 8080, scheme: 'HTTP' },
                timeoutSeconds: 1,
                periodSeconds: 10,
                successThreshold: 1,
                failureThreshold: 3,
              },
              livenessProbe: {
                initialDelaySeconds: 10,
                httpGet: { path: '/_healthz', port: 8080, scheme: 'HTTP' },
                timeoutSeconds: 1,
                periodSeconds: 10,
                successThreshold: 1,
                failureThreshold: 3,
              },
              env: [
                { name: 'PORT', value: '8080' },
                { name: 'PRODUCT_CATALOG_SERVICE_ADDR', value: 'productcatalogservice:3550' },
                { name: 'CURRENCY_SERVICE_ADDR', value: 'currencyservice:7000' },
                { name: 'CART_SERVICE_ADDR', value: 'cartservice:7070' },
                { name: 'RECOMMENDATION_SERVICE_ADDR', value: 'recommendationservice:8080' },
                { name: 'SHIPPING_SERVICE_ADDR', value: 'shippingservice:50051' },
                { name: 'CHECKOUT_SERVICE_ADDR', value: 'checkoutservice:5050' },
                { name: 'AD_SERVICE_ADDR', value: 'adservice:9555' },
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'password' } } },
              ],
              resources: {
                requests: { cpu: '100m', memory: '64Mi' },
                limits: { cpu: '200m', memory: '128Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
              },
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    },
    status: {
      observedGeneration: version + 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    },
  };
}
