import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConnectionOptions {
  /** Path of a kubeconfig file; without it KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** Context to use instead of the kubeconfig's current-context. */
  context?: string;
  /** Use the pod's service account (token, CA, KUBERNETES_SERVICE_HOST) and ignore kubeconfig files. */
  inCluster?: boolean;
}

/** Loads the client library's KubeConfig; fails with a message that names what to set. */
export function loadKubeConfig(options: KubeConnectionOptions): KubeConfig {
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
