import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeApiClient, loadKubeConfig, type KubeConnectionOptions } from '#kube';

export type KubeReachability = { reachable: true; server: string } | { reachable: false; reason: string };

/**
 * Whether the kubeconfig's current context answers, within a few seconds: all-in-one watches a cluster when
 * one is there and plays the demo otherwise, so a laptop without a cluster still shows the product working.
 */
export async function probeKube(
  options: KubeConnectionOptions,
  timeoutMs = 4_000,
): Promise<KubeReachability> {
  const anyConfig =
    options.kubeconfig ||
    process.env.KUBECONFIG ||
    existsSync(join(homedir(), '.kube', 'config')) ||
    process.env.KUBERNETES_SERVICE_HOST;
  // Without any of these the client library falls back to http://localhost:8080, which says nothing useful.
  if (!anyConfig)
    return { reachable: false, reason: 'no kubeconfig (KUBECONFIG, ~/.kube/config) and not in a pod' };
  let client: KubeApiClient;
  try {
    client = new KubeApiClient(await loadKubeConfig(options), timeoutMs);
  } catch (err) {
    return { reachable: false, reason: err instanceof Error ? err.message : String(err) };
  }
  try {
    await client.getJson('/version', {}, AbortSignal.timeout(timeoutMs));
    return { reachable: true, server: client.server };
  } catch (err) {
    return {
      reachable: false,
      reason: `${client.server} did not answer: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
}
