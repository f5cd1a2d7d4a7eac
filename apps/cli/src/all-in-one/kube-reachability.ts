import { KubeApiClient } from '../../../watcher/src/kube/kube-api.client.js';
import { loadKubeConfig, type KubeConnectionOptions } from '../../../watcher/src/kube/kube-config.loader.js';

export type KubeReachability = { reachable: true; server: string } | { reachable: false; reason: string };

/**
 * Whether the kubeconfig's current context answers, within a few seconds: all-in-one watches a cluster when
 * one is there and plays the demo otherwise, so a laptop without a cluster still shows the product working.
 */
export async function probeKube(options: KubeConnectionOptions, timeoutMs = 4_000): Promise<KubeReachability> {
  let client: KubeApiClient;
  try {
    client = new KubeApiClient(loadKubeConfig(options), timeoutMs);
  } catch (err) {
    return { reachable: false, reason: err instanceof Error ? err.message : String(err) };
  }
  try {
    await client.getJson('/version', {}, AbortSignal.timeout(timeoutMs));
    return { reachable: true, server: client.server };
  } catch (err) {
    return { reachable: false, reason: `${client.server} did not answer: ${err instanceof Error ? err.message : String(err)}` };
  }
}
