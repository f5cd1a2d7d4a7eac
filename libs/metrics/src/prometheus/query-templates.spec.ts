import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkTemplate,
  isSamplesTemplate,
  promqlDuration,
  renderTemplate,
  REQUEST_TEMPLATES,
  RESOURCE_TEMPLATES,
  selectTemplates,
} from './query-templates.js';

const values = { namespace: 'shop', workload: 'cart', windowMs: 60_000, rangeMs: 3_660_000 };

describe('query templates', () => {
  it('fill every placeholder, escaped for a PromQL string or an RE2 pattern', () => {
    const t = 'x{a="{{namespace}}", b="{{workload}}", c=~"{{workload_re}}-.*"}[{{window}}] {{ range }}';
    expect(renderTemplate(t, values)).toBe('x{a="shop", b="cart", c=~"cart-.*"}[60s] 3660s');
    // A quote or a backslash cannot end the string early; a dot in a name matches only a dot.
    expect(renderTemplate(t, { ...values, namespace: 'a"b\\c', workload: 'web.v2' })).toBe(
      'x{a="a\\"b\\\\c", b="web.v2", c=~"web\\\\.v2-.*"}[60s] 3660s',
    );
  });

  it('write durations as PromQL does', () => {
    expect(promqlDuration(60_000)).toBe('60s');
    expect(promqlDuration(90_500)).toBe('90500ms');
    expect(promqlDuration(0)).toBe('1ms');
  });

  it('select each stack, resources apart from requests, overrides signal by signal', () => {
    const istio = selectTemplates('istio', 'cadvisor');
    expect(istio.map((t) => `${t.origin}/${t.signal}`)).toEqual([
      'istio/request_success_ratio',
      'istio/request_latency_ms',
      'cadvisor/container_cpu_usage_ratio',
      'cadvisor/container_memory_usage_ratio',
    ]);
    const mixed = selectTemplates('none', 'recorded', {
      request_latency_ms: 'my_latency{{namespace}}{{workload}}',
    });
    expect(mixed.map((t) => `${t.origin}/${t.signal}`)).toEqual([
      'override/request_latency_ms',
      'recorded/container_cpu_usage_ratio',
      'recorded/container_memory_usage_ratio',
    ]);
  });

  it('every stack template names the namespace and the workload, and only the recorded ones select raw samples', () => {
    for (const [stack, templates] of Object.entries({ ...REQUEST_TEMPLATES, ...RESOURCE_TEMPLATES })) {
      for (const [signal, promql] of Object.entries(templates)) {
        expect(checkTemplate(promql!), `${stack}/${signal}`).toBeUndefined();
        expect(isSamplesTemplate(promql!), `${stack}/${signal}`).toBe(stack === 'recorded');
      }
    }
    // Recorded series are FORMAT.md's metric lines, by their own names and labels.
    expect(renderTemplate(REQUEST_TEMPLATES.recorded.request_success_ratio!, values)).toBe(
      'request_success_ratio{namespace="shop", workload="cart"}[3660s]',
    );
  });

  it('refuse an override that would read other workloads or that uses an unknown placeholder', () => {
    expect(checkTemplate('up{namespace="{{namespace}}"}')).toMatch(/workload/);
    expect(checkTemplate('up{pod=~"{{workload_re}}-.*"}')).toMatch(/namespace/);
    expect(checkTemplate('up{namespace="{{namespace}}", w="{{workload}}"}[{{step}}]')).toMatch(
      /unknown placeholder\(s\) \{\{step\}\}/,
    );
  });

  it('match a Deployment, StatefulSet or DaemonSet pod of the workload by name, not a longer-named neighbour', () => {
    const cpu = renderTemplate(RESOURCE_TEMPLATES.cadvisor.container_cpu_usage_ratio!, values);
    const pattern = /pod=~"([^"]+)"/.exec(cpu)![1].replace(/\\\\/g, '\\');
    const re = new RegExp(`^(?:${pattern})$`); // PromQL anchors regex matchers
    for (const pod of ['cart-6d5f7c9b8-x4r9m', 'cart-0', 'cart-12', 'cart-x4r9m']) expect(pod).toMatch(re);
    for (const pod of ['cart-redis-6d5f7c9b8-x4r9m', 'cart-redis-0', 'carts-6d5f7c9b8-x4r9m', 'cart'])
      expect(pod).not.toMatch(re);
  });

  it('are documented verbatim in docs/metrics.md', () => {
    const doc = readFileSync(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
    for (const [stack, templates] of Object.entries({ ...REQUEST_TEMPLATES, ...RESOURCE_TEMPLATES }))
      for (const [signal, promql] of Object.entries(templates))
        expect(doc.includes(`\`\`\`promql\n${promql}\n\`\`\``), `${stack}/${signal}`).toBe(true);
  });
});
