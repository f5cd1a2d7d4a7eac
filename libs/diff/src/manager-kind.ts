import type { ActorKind } from '#contracts';

/**
 * Who a managedFields manager is. managedFields name the client, not the person (only audit logs know that), so
 * kubectl and UIs stand for a human, CD tools for a pipeline, controllers for the cluster itself.
 * CD checks come first: helm-controller and kustomize-controller are CD tools despite their suffix.
 */
export function managerKind(manager: string): ActorKind {
  const m = manager.toLowerCase();
  if (
    m === 'helm' ||
    m.startsWith('helm-') ||
    m.startsWith('argocd') ||
    m.startsWith('argo-cd') ||
    m.startsWith('flux') ||
    m === 'kustomize-controller' ||
    m === 'helm-controller' ||
    m.startsWith('spinnaker') ||
    m === 'terraform-provider-kubernetes' ||
    m === 'pulumi-kubernetes'
  ) {
    return 'cd';
  }
  if (
    m.startsWith('kubectl') ||
    m === 'k9s' ||
    m.startsWith('lens') ||
    m === 'kubernetes-dashboard' ||
    m === 'dashboard'
  ) {
    return 'human';
  }
  if (
    m === 'kube-controller-manager' ||
    m === 'horizontal-pod-autoscaler' ||
    m === 'kubelet' ||
    m === 'kube-scheduler' ||
    m === 'kube-apiserver' ||
    m === 'cluster-autoscaler' ||
    m === 'vpa-updater' ||
    m.endsWith('-controller') ||
    m.endsWith('-operator') ||
    m.endsWith('-controller-manager')
  ) {
    return 'controller';
  }
  return 'unknown';
}
