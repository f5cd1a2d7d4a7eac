import { Injectable } from '@nestjs/common';

export type ReadinessCheck = () =>
  Promise<{ ready: boolean; detail?: unknown }> | { ready: boolean; detail?: unknown };

/**
 * Components register what "ready" means for them (watcher: first lists done; differ: state restored;
 * correlator: graph rebuilt). /readyz is ready when all are.
 */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  names(): string[] {
    return [...this.checks.keys()];
  }

  async evaluate(): Promise<Record<string, { ready: boolean; detail?: unknown }>> {
    const out: Record<string, { ready: boolean; detail?: unknown }> = {};
    for (const [name, check] of this.checks) {
      try {
        out[name] = await check();
      } catch (err) {
        out[name] = { ready: false, detail: String(err) };
      }
    }
    return out;
  }
}
