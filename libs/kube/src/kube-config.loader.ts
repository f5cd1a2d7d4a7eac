import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeConnectionOptions {
  /** Path of a kubeconfig file; without it KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Use the pod's service account (token, CA, KUBERNETES_SERVICE_HOST) and ignore kubeconfig files. */
  inCluster?: boolean;
}

/**
 * Loads the client library's KubeConfig; fails with a message that names what to set. The library is imported
 * here, on first use, not with #kube: it takes about a second and 45 MB to load, and every role reaches #kube
 * (the differ for HASH_PREFIX, the CLI's replay for the redactor) while only the watcher talks to a cluster.
 */
export async function loadKubeConfig(options: KubeConnectionOptions): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  if (options.inCluster) kc.loadFromCluster();
  else if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
  else kc.loadFromDefault();
  if (options.context) kc.setCurrentContext(options.context);
  if (!kc.getCurrentCluster()) {
    throw new Error(
      'no Kubernetes cluster configured: set KUBECONFIG (and IA_KUBE_CONTEXT), or IA_KUBE_IN_CLUSTER=true in a pod',
    );
  }
  return kc;
}
