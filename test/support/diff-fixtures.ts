interface Container {
  name: string;
  image: string;
  env: { name: string; value: string }[];
  resources: { limits: Record<string, string> };
}

/** A Deployment as the API server returns it, trimmed to what the tests touch. */
export function deployment(
  overrides: {
    image?: string;
    env?: { name: string; value: string }[];
    replicas?: number;
    managedFields?: unknown[];
  } = {},
) {
  const containers: Container[] = [
    {
      name: 'server',
      image: overrides.image ?? 'registry.example/cart:v1',
      env: overrides.env ?? [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
      resources: { limits: { memory: '128Mi' } },
    },
    { name: 'sidecar', image: 'envoy:1.30', env: [], resources: { limits: {} } },
  ];
  const labels: Record<string, string> = { app: 'cart', 'app.kubernetes.io/version': '1.2.0' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'cart',
      namespace: 'shop',
      uid: 'u-cart',
      resourceVersion: '10',
      generation: 3,
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels,
      annotations: { 'deployment.kubernetes.io/revision': '4', 'meta.helm.sh/release-name': 'shop' },
      managedFields: overrides.managedFields ?? [
        {
          manager: 'helm',
          operation: 'Update',
          time: '2025-01-01T00:00:00Z',
          fieldsV1: { 'f:spec': { 'f:template': {} } },
        },
      ],
    },
    spec: {
      replicas: overrides.replicas ?? 2,
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'cart' } },
        spec: {
          containers,
        },
      },
    },
    status: { replicas: 2, readyReplicas: 2 },
  };
}
