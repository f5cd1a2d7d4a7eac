import { z } from 'zod';

/**
 * IA_CLUSTER_ID: the cluster every event is stamped with, so several clusters can share one Kafka. One rule for
 * every role, since the correlator looks up what the watcher stamped.
 */
export const clusterId = z.string().regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, . _ - only');
