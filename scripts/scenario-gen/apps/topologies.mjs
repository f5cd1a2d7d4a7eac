// Four real applications as they are deployed on Kubernetes, written from their public manifests (not copied):
//
//   otel-demo          OpenTelemetry demo, Helm chart open-telemetry/opentelemetry-helm-charts
//                      charts/opentelemetry-demo 0.41.0 (app 3.0.0), AI components disabled. Apache-2.0.
//   hotel-reservation  DeathStarBench hotelReservation, kubernetes/ (kompose) manifests, namespace hotel-res,
//                      service discovery through Consul. Apache-2.0.
//   bookinfo           Istio samples/bookinfo platform/kube/bookinfo.yaml (+ bookinfo-mysql.yaml and
//                      bookinfo-ratings-v2-mysql.yaml), Istio ingress gateway, sidecars injected. Apache-2.0.
//   robot-shop         Instana robot-shop K8s/helm chart 1.1.0 (+ K8s/autoscale.sh HPAs, the `load` generator),
//                      behind an ingress-nginx Ingress. Apache-2.0.
//
// Names, namespaces, labels, images, ports, env and resources are the real ones. What the manifests reveal of
// the calls is what they really reveal: the OpenTelemetry demo's `*_ADDR` env vars; nothing for Bookinfo (host
// names hard-coded in code), hotelReservation (gRPC through Consul; only database addresses in its config) and
// Robot Shop (defaults in code). The call graph below (`calls`) is the real one, read from the applications'
// sources; it drives the traffic, never the manifests. A few things an operator adds are marked "operator":
// Secrets for credentials the samples keep in plain env, a ConfigMap for settings, HPAs, replica counts.
//
// `model`: baseMs (own service time), capRps (requests/s one pod serves at full utilization), cpuPerReq (cores
// per request/s), cpuIdle, memMi (working set), startMi (start-up footprint), healthPaths (HTTP paths answered).
// `calls[].mode`: propagate (the caller fails too), degrade (the caller answers anyway), async (fire and forget).

const b64 = (s) => Buffer.from(s).toString('base64');

function def(ns, name, o) {
  return {
    ...o,
    ns,
    name,
    service: o.service === undefined ? name : o.service,
    replicas: o.replicas ?? 1,
    calls: (o.calls ?? []).map(([to, perReq, mode = 'propagate', extra = {}]) => ({
      to: to.includes('/') ? to : `${ns}/${to}`,
      perReq,
      mode,
      ...extra,
    })),
    consumes: o.consumes ?? { configMaps: [], secrets: [] },
    role: o.role ?? 'app',
  };
}

const probeHttp = (path, port, extra = {}) => ({ httpGet: { path, port }, ...extra });

// ---- OpenTelemetry demo ------------------------------------------------------------------------------------

export function otelDemo(rng) {
  const ns = 'otel-demo';
  const app = '3.0.0';
  const chart = 'opentelemetry-demo-0.41.0';
  const img = (c) => `ghcr.io/open-telemetry/demo:${app}-${c}`;
  const labels = (c) => ({
    'helm.sh/chart': chart,
    'opentelemetry.io/name': c,
    'app.kubernetes.io/version': app,
    'app.kubernetes.io/component': c,
    'app.kubernetes.io/name': c,
    'app.kubernetes.io/part-of': 'opentelemetry-demo',
    'app.kubernetes.io/managed-by': 'Helm',
  });
  const podLabels = (c) => ({
    'opentelemetry.io/name': c,
    'app.kubernetes.io/version': app,
    'app.kubernetes.io/component': c,
    'app.kubernetes.io/name': c,
  });
  const otelEnv = (proto = 4317, crit) => [
    {
      name: 'OTEL_SERVICE_NAME',
      valueFrom: {
        fieldRef: { apiVersion: 'v1', fieldPath: "metadata.labels['app.kubernetes.io/component']" },
      },
    },
    { name: 'OTEL_COLLECTOR_NAME', value: 'otel-collector' },
    { name: 'OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE', value: 'cumulative' },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: `http://$(OTEL_COLLECTOR_NAME):${proto}` },
    {
      name: 'OTEL_RESOURCE_ATTRIBUTES',
      value: `service.version=${app}${crit ? `,service.criticality=${crit}` : ''}`,
    },
  ];
  const flagd = [
    { name: 'FLAGD_HOST', value: 'flagd' },
    { name: 'FLAGD_PORT', value: '8013' },
  ];
  const comp = (c, o) => {
    const port = o.port ?? 8080;
    return def(ns, c, {
      labels: labels(c),
      selector: { 'opentelemetry.io/name': c },
      podLabels: podLabels(c),
      podAnnotations: { 'resource.opentelemetry.io/service.namespace': 'opentelemetry-demo' },
      sa: 'otel-demo',
      servicePorts: o.noService ? undefined : [{ port, name: 'tcp-service', targetPort: port }],
      service: o.noService ? null : c,
      inRelease: true,
      containers: [
        {
          name: c,
          image: o.image ?? img(c),
          imagePullPolicy: 'IfNotPresent',
          ...(o.command ? { command: o.command } : {}),
          ...(o.noService ? {} : { ports: [{ containerPort: port, name: 'service' }] }),
          env: [
            ...otelEnv(o.proto, o.crit).slice(0, 3),
            ...(o.env ?? []),
            ...(o.flagd === false ? [] : flagd),
            ...otelEnv(o.proto, o.crit).slice(3),
          ],
          resources: { limits: { memory: o.mem } },
          ...(o.extraContainer ?? {}),
        },
        ...(o.sidecars ?? []),
      ],
      ...(o.init ? { initContainers: o.init } : {}),
      ...(o.volumes ? { volumes: o.volumes } : {}),
      ...o,
    });
  };
  const waitFor = (host, port) => [
    {
      name: `wait-for-${host}`,
      image: 'busybox:latest',
      command: [
        'sh',
        '-c',
        `until nc -z -v -w30 ${host} ${port}; do echo waiting for ${host}; sleep 2; done;`,
      ],
    },
  ];
  const dbPassword = `astro-${rng.hex(10)}`;
  const deps = [
    comp('frontend-proxy', {
      runtime: 'envoy',
      mem: '65Mi',
      crit: 'critical',
      replicas: 2,
      flagd: false,
      env: [
        { name: 'ENVOY_PORT', value: '8080' },
        { name: 'ENVOY_ADDR', value: '0.0.0.0' },
        { name: 'ENVOY_ADMIN_PORT', value: '10000' },
        { name: 'FLAGD_HOST', value: 'flagd' },
        { name: 'FLAGD_PORT', value: '8013' },
        { name: 'FLAGD_UI_HOST', value: 'flagd' },
        { name: 'FLAGD_UI_PORT', value: '4000' },
        { name: 'FRONTEND_HOST', value: 'frontend' },
        { name: 'FRONTEND_PORT', value: '8080' },
        { name: 'GRAFANA_HOST', value: 'grafana' },
        { name: 'GRAFANA_PORT', value: '80' },
        { name: 'IMAGE_PROVIDER_HOST', value: 'image-provider' },
        { name: 'IMAGE_PROVIDER_PORT', value: '8081' },
        { name: 'JAEGER_HOST', value: 'jaeger' },
        { name: 'JAEGER_UI_PORT', value: '16686' },
        { name: 'OTEL_COLLECTOR_HOST', value: '$(OTEL_COLLECTOR_NAME)' },
        { name: 'OTEL_COLLECTOR_PORT_GRPC', value: '4317' },
        { name: 'OTEL_COLLECTOR_PORT_HTTP', value: '4318' },
      ],
      calls: [
        ['frontend', 0.86],
        ['image-provider', 0.14],
      ],
      model: {
        baseMs: 1.2,
        capRps: 900,
        cpuPerReq: 0.0005,
        memMi: 38,
        startMi: 22,
        healthPaths: ['/ready', '/server_info'],
        process: 'envoy',
      },
    }),
    comp('frontend', {
      runtime: 'node',
      mem: '250Mi',
      crit: 'critical',
      replicas: 2,
      env: [
        { name: 'FRONTEND_PORT', value: '8080' },
        { name: 'FRONTEND_ADDR', value: 'frontend:8080' },
        { name: 'AD_ADDR', value: 'ad:8080' },
        { name: 'CART_ADDR', value: 'cart:8080' },
        { name: 'CHECKOUT_ADDR', value: 'checkout:8080' },
        { name: 'CURRENCY_ADDR', value: 'currency:8080' },
        { name: 'PRODUCT_CATALOG_ADDR', value: 'product-catalog:8080' },
        { name: 'RECOMMENDATION_ADDR', value: 'recommendation:8080' },
        { name: 'SHIPPING_ADDR', value: 'http://shipping:8080' },
        { name: 'OTEL_COLLECTOR_HOST', value: '$(OTEL_COLLECTOR_NAME)' },
        { name: 'WEB_OTEL_SERVICE_NAME', value: 'frontend-web' },
        {
          name: 'PUBLIC_OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
          value: 'http://localhost:8080/otlp-http/v1/traces',
        },
      ],
      calls: [
        ['product-catalog', 1.3],
        ['currency', 1.1],
        ['cart', 0.35],
        ['recommendation', 0.3],
        ['ad', 0.3],
        ['shipping', 0.08],
        ['checkout', 0.08],
        ['flagd', 0.5, 'degrade', { timeoutMs: 1000 }],
      ],
      model: {
        baseMs: 14,
        capRps: 70,
        cpuPerReq: 0.005,
        memMi: 165,
        startMi: 110,
        healthPaths: ['/', '/api/products'],
        process: 'node',
      },
      hpa: { min: 2, max: 5, cpu: 70 },
      cpuRequest: '250m',
    }),
    comp('image-provider', {
      runtime: 'nginx',
      mem: '50Mi',
      port: 8081,
      flagd: false,
      env: [
        { name: 'IMAGE_PROVIDER_PORT', value: '8081' },
        { name: 'OTEL_COLLECTOR_HOST', value: '$(OTEL_COLLECTOR_NAME)' },
      ],
      model: {
        baseMs: 2.5,
        capRps: 500,
        cpuPerReq: 0.0004,
        memMi: 14,
        startMi: 6,
        healthPaths: ['/status'],
        process: 'nginx',
      },
    }),
    comp('ad', {
      runtime: 'java',
      mem: '300Mi',
      crit: 'medium',
      env: [
        { name: 'AD_PORT', value: '8080' },
        { name: 'AD_PROMETHEUS_PORT', value: '9464' },
      ],
      proto: 4318,
      calls: [['flagd', 1, 'degrade', { timeoutMs: 500 }]],
      model: {
        baseMs: 5,
        capRps: 150,
        cpuPerReq: 0.003,
        memMi: 215,
        startMi: 150,
        healthPaths: [],
        process: 'java',
      },
    }),
    comp('cart', {
      runtime: 'dotnet',
      mem: '160Mi',
      crit: 'high',
      env: [
        { name: 'CART_PORT', value: '8080' },
        { name: 'ASPNETCORE_URLS', value: 'http://*:$(CART_PORT)' },
        { name: 'VALKEY_ADDR', value: 'valkey-cart:6379' },
      ],
      init: waitFor('valkey-cart', 6379),
      calls: [
        ['valkey-cart', 1.6],
        ['flagd', 1, 'degrade', { timeoutMs: 500 }],
      ],
      model: {
        baseMs: 3.5,
        capRps: 220,
        cpuPerReq: 0.002,
        memMi: 95,
        startMi: 60,
        healthPaths: [],
        process: 'cart',
      },
    }),
    comp('valkey-cart', {
      runtime: 'cpp',
      image: 'ghcr.io/valkey-io/valkey:9.0.4-alpine3.23',
      mem: '20Mi',
      port: 6379,
      flagd: false,
      role: 'cache',
      env: [],
      model: {
        baseMs: 0.35,
        capRps: 6000,
        cpuPerReq: 0.0001,
        memMi: 9,
        startMi: 4,
        healthPaths: [],
        process: 'valkey-server',
      },
    }),
    comp('checkout', {
      runtime: 'go',
      mem: '20Mi',
      crit: 'critical',
      proto: 4318,
      env: [
        { name: 'CHECKOUT_PORT', value: '8080' },
        { name: 'CART_ADDR', value: 'cart:8080' },
        { name: 'CURRENCY_ADDR', value: 'currency:8080' },
        { name: 'EMAIL_ADDR', value: 'http://email:8080' },
        { name: 'PAYMENT_ADDR', value: 'payment:8080' },
        { name: 'PRODUCT_CATALOG_ADDR', value: 'product-catalog:8080' },
        { name: 'SHIPPING_ADDR', value: 'http://shipping:8080' },
        { name: 'KAFKA_ADDR', value: 'kafka:9092' },
        { name: 'KAFKA_TOPIC', value: 'orders' },
        { name: 'GOMEMLIMIT', value: '16MiB' },
      ],
      init: waitFor('kafka', 9092),
      calls: [
        ['cart', 2],
        ['currency', 3],
        ['product-catalog', 3],
        ['shipping', 2],
        ['payment', 1],
        ['email', 1, 'degrade', { timeoutMs: 3000 }],
        ['kafka', 1, 'async'],
        ['flagd', 1, 'degrade', { timeoutMs: 500 }],
      ],
      model: {
        baseMs: 6,
        capRps: 160,
        cpuPerReq: 0.002,
        memMi: 12,
        startMi: 7,
        healthPaths: [],
        process: 'checkout',
      },
    }),
    comp('currency', {
      runtime: 'cpp',
      mem: '20Mi',
      crit: 'high',
      env: [
        { name: 'CURRENCY_PORT', value: '8080' },
        { name: 'IPV6_ENABLED', value: 'false' },
      ],
      flagd: false,
      model: {
        baseMs: 0.7,
        capRps: 700,
        cpuPerReq: 0.0005,
        memMi: 7,
        startMi: 4,
        healthPaths: [],
        process: 'currency',
      },
    }),
    comp('email', {
      runtime: 'ruby',
      mem: '100Mi',
      crit: 'low',
      proto: 4318,
      env: [
        { name: 'EMAIL_PORT', value: '8080' },
        { name: 'APP_ENV', value: 'production' },
      ],
      model: {
        baseMs: 22,
        capRps: 35,
        cpuPerReq: 0.01,
        memMi: 72,
        startMi: 45,
        healthPaths: [],
        process: 'ruby',
      },
    }),
    comp('payment', {
      runtime: 'node',
      mem: '140Mi',
      crit: 'critical',
      env: [{ name: 'PAYMENT_PORT', value: '8080' }],
      calls: [['flagd', 1, 'degrade', { timeoutMs: 500 }]],
      model: {
        baseMs: 5,
        capRps: 160,
        cpuPerReq: 0.002,
        memMi: 92,
        startMi: 60,
        healthPaths: [],
        process: 'node',
      },
    }),
    comp('product-catalog', {
      runtime: 'go',
      mem: '20Mi',
      crit: 'high',
      replicas: 2,
      env: [
        { name: 'PRODUCT_CATALOG_PORT', value: '8080' },
        { name: 'GOMEMLIMIT', value: '16MiB' },
        // operator: the chart's plain-text connection string moved to a Secret
        {
          name: 'DB_CONNECTION_STRING',
          valueFrom: { secretKeyRef: { name: 'astronomy-db-credentials', key: 'connection-string' } },
        },
        { name: 'OTEL_SEMCONV_STABILITY_OPT_IN', value: 'database' },
        { name: 'OTEL_CONFIG_FILE', value: '/otel-config.yml' },
      ],
      volumes: [
        {
          name: 'product-catalog-otel-config',
          configMap: { name: 'product-catalog-product-catalog-otel-config' },
        },
      ],
      extraContainer: {
        volumeMounts: [
          { name: 'product-catalog-otel-config', mountPath: '/otel-config.yml', subPath: 'otel-config.yml' },
        ],
      },
      init: waitFor('astronomy-db', 5432),
      calls: [
        ['astronomy-db', 1],
        ['flagd', 1, 'degrade', { timeoutMs: 500 }],
      ],
      consumes: {
        configMaps: [
          {
            name: 'product-catalog-product-catalog-otel-config',
            via: 'subPath',
            check: (d) =>
              /^\s*[^:\s#][^:]*$/m.test(d['otel-config.yml'] ?? '') ||
              /:\s*\{\s*$/m.test(d['otel-config.yml'] ?? '')
                ? { crash: { afterMs: [150, 900] } }
                : null,
          },
        ],
        secrets: [
          {
            name: 'astronomy-db-credentials',
            via: 'env',
            check: (d, world) =>
              Buffer.from(d.password, 'base64').toString() !== world.dbPassword(ns, 'astronomy-db')
                ? world.authFailure(ns, 'product-catalog')
                : null,
          },
        ],
      },
      model: {
        baseMs: 2.5,
        capRps: 320,
        cpuPerReq: 0.001,
        memMi: 13,
        startMi: 8,
        healthPaths: [],
        process: 'product-catalog',
      },
    }),
    comp('astronomy-db', {
      runtime: 'db',
      image: 'postgres:17.6',
      mem: '100Mi',
      port: 5432,
      flagd: false,
      role: 'db',
      strategy: { type: 'Recreate' },
      env: [
        { name: 'POSTGRES_USER', value: 'astronomy_user' },
        { name: 'POSTGRES_DB', value: 'astronomy_db' },
        {
          name: 'POSTGRES_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'astronomy-db-credentials', key: 'password' } },
        },
      ],
      volumes: [{ name: 'postgresql-init', configMap: { name: 'postgresql-init' } }],
      extraContainer: {
        volumeMounts: [{ name: 'postgresql-init', mountPath: '/docker-entrypoint-initdb.d' }],
      },
      model: {
        baseMs: 1.2,
        capRps: 1500,
        cpuPerReq: 0.0003,
        memMi: 55,
        startMi: 30,
        healthPaths: [],
        process: 'postgres',
      },
    }),
    comp('quote', {
      runtime: 'php',
      mem: '40Mi',
      crit: 'low',
      proto: 4318,
      flagd: false,
      env: [
        { name: 'QUOTE_PORT', value: '8080' },
        { name: 'OTEL_PHP_AUTOLOAD_ENABLED', value: 'true' },
        { name: 'IPV6_ENABLED', value: 'false' },
      ],
      model: {
        baseMs: 9,
        capRps: 70,
        cpuPerReq: 0.004,
        memMi: 27,
        startMi: 15,
        healthPaths: [],
        process: 'php',
      },
    }),
    comp('recommendation', {
      runtime: 'python',
      mem: '500Mi',
      crit: 'medium',
      env: [
        { name: 'RECOMMENDATION_PORT', value: '8080' },
        { name: 'PRODUCT_CATALOG_ADDR', value: 'product-catalog:8080' },
        { name: 'OTEL_PYTHON_LOG_CORRELATION', value: 'true' },
        { name: 'PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION', value: 'python' },
      ],
      calls: [
        ['product-catalog', 1],
        ['flagd', 1, 'degrade', { timeoutMs: 500 }],
      ],
      model: {
        baseMs: 14,
        capRps: 45,
        cpuPerReq: 0.008,
        memMi: 70,
        startMi: 50,
        healthPaths: [],
        process: 'python',
      },
    }),
    comp('shipping', {
      runtime: 'rust',
      mem: '20Mi',
      crit: 'high',
      proto: 4318,
      env: [
        { name: 'SHIPPING_PORT', value: '8080' },
        { name: 'QUOTE_ADDR', value: 'http://quote:8080' },
        { name: 'IPV6_ENABLED', value: 'false' },
      ],
      calls: [
        ['quote', 1],
        ['flagd', 1, 'degrade', { timeoutMs: 500 }],
      ],
      model: {
        baseMs: 2,
        capRps: 400,
        cpuPerReq: 0.0006,
        memMi: 6,
        startMi: 3,
        healthPaths: [],
        process: 'shipping',
      },
    }),
    comp('kafka', {
      runtime: 'jvm_broker',
      mem: '700Mi',
      port: 9092,
      flagd: false,
      role: 'queue',
      strategy: { type: 'Recreate' },
      env: [
        { name: 'KAFKA_ADVERTISED_LISTENERS', value: 'PLAINTEXT://kafka:9092' },
        { name: 'KAFKA_LISTENERS', value: 'PLAINTEXT://:9092,CONTROLLER://:9093' },
        { name: 'KAFKA_CONTROLLER_QUORUM_VOTERS', value: '1@kafka:9093' },
        { name: 'KAFKA_HEAP_OPTS', value: '-Xmx400M -Xms400M' },
      ],
      model: {
        baseMs: 1.5,
        capRps: 3000,
        cpuPerReq: 0.0005,
        memMi: 520,
        startMi: 430,
        healthPaths: [],
        process: 'java',
      },
    }),
    comp('accounting', {
      runtime: 'dotnet',
      mem: '160Mi',
      proto: 4318,
      noService: true,
      env: [{ name: 'KAFKA_ADDR', value: 'kafka:9092' }],
      init: waitFor('kafka', 9092),
      calls: [['kafka', 0, 'async']],
      model: {
        baseMs: 5,
        capRps: 100,
        cpuPerReq: 0.001,
        memMi: 85,
        startMi: 50,
        healthPaths: [],
        process: 'Accounting',
      },
    }),
    comp('fraud-detection', {
      runtime: 'java',
      mem: '300Mi',
      proto: 4318,
      noService: true,
      env: [{ name: 'KAFKA_ADDR', value: 'kafka:9092' }],
      init: waitFor('kafka', 9092),
      calls: [['kafka', 0, 'async']],
      model: {
        baseMs: 5,
        capRps: 100,
        cpuPerReq: 0.001,
        memMi: 230,
        startMi: 170,
        healthPaths: [],
        process: 'java',
      },
    }),
    comp('flagd', {
      runtime: 'go',
      image: 'ghcr.io/open-feature/flagd:v0.16.0',
      mem: '75Mi',
      port: 8013,
      flagd: false,
      proto: 4318,
      command: [
        '/flagd-build',
        'start',
        '--port',
        '8013',
        '--ofrep-port',
        '8016',
        '--uri',
        'file:./etc/flagd/demo.flagd.json',
      ],
      env: [{ name: 'GOMEMLIMIT', value: '60MiB' }],
      extraContainer: { volumeMounts: [{ name: 'config-rw', mountPath: '/etc/flagd' }] },
      sidecars: [
        {
          name: 'flagd-ui',
          image: img('flagd-ui'),
          ports: [{ containerPort: 4000, name: 'service' }],
          env: [
            { name: 'FLAGD_UI_PORT', value: '4000' },
            { name: 'PHX_HOST', value: 'localhost' },
          ],
          resources: { limits: { memory: '250Mi' } },
          volumeMounts: [{ mountPath: '/app/data', name: 'config-rw' }],
        },
      ],
      init: [
        {
          name: 'init-config',
          image: 'busybox',
          command: [
            'sh',
            '-c',
            'cp /config-ro/demo.flagd.json /config-rw/demo.flagd.json && cat /config-rw/demo.flagd.json',
          ],
          volumeMounts: [
            { mountPath: '/config-ro', name: 'config-ro' },
            { mountPath: '/config-rw', name: 'config-rw' },
          ],
        },
      ],
      volumes: [
        { name: 'config-rw', emptyDir: {} },
        { name: 'config-ro', configMap: { name: 'flagd-config' } },
      ],
      // flagd-config is copied by an init container: flagd sees an edit only when its pod restarts.
      consumes: {
        configMaps: [
          {
            name: 'flagd-config',
            via: 'init-copy',
            check: (d) => (safeJson(d['demo.flagd.json']) ? null : { crash: { afterMs: [80, 400] } }),
          },
        ],
        secrets: [],
      },
      model: {
        baseMs: 0.4,
        capRps: 3000,
        cpuPerReq: 0.0001,
        memMi: 28,
        startMi: 14,
        healthPaths: [],
        process: 'flagd-build',
        snapshot: (world, n, t) => flagsOf(world.config('ConfigMap', n, 'flagd-config', t)),
      },
    }),
    comp('load-generator', {
      runtime: 'python',
      mem: '1500Mi',
      noService: true,
      env: [
        { name: 'LOAD_GENERATOR_VUS', value: '5' },
        { name: 'K6_TARGET_URL', value: 'http://frontend-proxy:8080' },
        { name: 'K6_BROWSER_ENABLED', value: 'true' },
        { name: 'FLAGD_OFREP_PORT', value: '8016' },
      ],
      calls: [['frontend-proxy', 0, 'async']],
      model: {
        baseMs: 1,
        capRps: 100,
        cpuPerReq: 0,
        cpuIdle: 0.15,
        memMi: 600,
        startMi: 300,
        healthPaths: [],
        process: 'k6',
      },
    }),
    comp('jaeger', {
      runtime: 'go',
      image: 'jaegertracing/jaeger:2.19.0',
      mem: '1200Mi',
      port: 16686,
      flagd: false,
      role: 'infra',
      strategy: { type: 'Recreate' },
      labels: {
        'helm.sh/chart': 'jaeger-4.11.1',
        'app.kubernetes.io/name': 'jaeger',
        'app.kubernetes.io/instance': 'otel-demo',
        'app.kubernetes.io/version': '2.19.0',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/component': 'all-in-one',
      },
      selector: {
        'app.kubernetes.io/name': 'jaeger',
        'app.kubernetes.io/instance': 'otel-demo',
        'app.kubernetes.io/component': 'all-in-one',
      },
      podLabels: {
        'app.kubernetes.io/name': 'jaeger',
        'app.kubernetes.io/instance': 'otel-demo',
        'app.kubernetes.io/component': 'all-in-one',
      },
      env: [],
      model: {
        baseMs: 3,
        capRps: 500,
        cpuPerReq: 0.001,
        cpuIdle: 0.05,
        memMi: 400,
        startMi: 100,
        healthPaths: ['/'],
        process: 'jaeger',
      },
    }),
  ];
  for (const d of deps)
    if (d.name === 'flagd')
      d.containers[0].ports = [
        { containerPort: 8013, name: 'rpc' },
        { containerPort: 8016, name: 'ofrep' },
      ];
  for (const d of deps)
    if (
      [
        'ad',
        'cart',
        'checkout',
        'currency',
        'payment',
        'product-catalog',
        'recommendation',
        'flagd',
      ].includes(d.name)
    )
      d.model.protocol = 'grpc';
  const flagsJson = JSON.stringify(
    {
      $schema: 'https://flagd.dev/schema/v0/flags.json',
      flags: Object.fromEntries(
        Object.entries(FLAGS).map(([k, v]) => [
          k,
          { defaultVariant: 'off', description: v.description, state: 'ENABLED', variants: v.variants },
        ]),
      ),
    },
    null,
    2,
  );
  return {
    id: 'otel-demo',
    namespaces: [ns],
    stack: 'spanmetrics',
    mesh: null,
    entry: `${ns}/frontend-proxy`,
    entryAlertSubjects: [`${ns}/frontend-proxy`, `${ns}/frontend`],
    critical: [`${ns}/frontend-proxy`, `${ns}/frontend`, `${ns}/checkout`, `${ns}/payment`],
    ingress: null,
    sources: [{ from: 'load-generator', to: `${ns}/frontend-proxy`, share: 1 }],
    load: { rps: [10, 28] },
    release: {
      name: 'otel-demo',
      ns,
      chart: 'opentelemetry-demo',
      version: '0.41.0',
      appVersion: app,
      chartLabel: true,
    },
    manager: 'helm',
    deployments: deps,
    serviceAccounts: [
      {
        ns,
        name: 'otel-demo',
        labels: {
          'helm.sh/chart': chart,
          'app.kubernetes.io/version': app,
          'app.kubernetes.io/part-of': 'opentelemetry-demo',
          'app.kubernetes.io/managed-by': 'Helm',
        },
      },
    ],
    configMaps: [
      {
        ns,
        name: 'flagd-config',
        labels: {
          'helm.sh/chart': chart,
          'app.kubernetes.io/version': app,
          'app.kubernetes.io/part-of': 'opentelemetry-demo',
          'app.kubernetes.io/managed-by': 'Helm',
        },
        data: { 'demo.flagd.json': flagsJson },
      },
      {
        ns,
        name: 'product-catalog-product-catalog-otel-config',
        labels: { 'helm.sh/chart': chart, 'app.kubernetes.io/managed-by': 'Helm' },
        data: {
          'otel-config.yml':
            'file_format: "1.0"\nresource:\n  attributes:\n    - name: service.name\n      value: product-catalog\ntracer_provider:\n  processors:\n    - batch:\n        exporter:\n          otlp:\n            protocol: grpc\n            endpoint: http://otel-collector:4317\nmeter_provider:\n  readers:\n    - periodic:\n        interval: 60000\n        exporter:\n          otlp:\n            protocol: grpc\n            endpoint: http://otel-collector:4317\n',
        },
      },
      {
        ns,
        name: 'postgresql-init',
        labels: { 'helm.sh/chart': chart, 'app.kubernetes.io/managed-by': 'Helm' },
        data: {
          '10-init.sql':
            'CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, name TEXT, description TEXT, picture TEXT, price_units BIGINT, price_nanos INT, categories TEXT);\n',
        },
      },
      {
        ns,
        name: 'grafana-dashboards',
        labels: { 'helm.sh/chart': chart, 'app.kubernetes.io/managed-by': 'Helm', grafana_dashboard: '1' },
        data: { 'demo-dashboard.json': '{"title":"Demo Dashboard","panels":[],"schemaVersion":39}' },
      },
    ],
    secrets: [
      {
        ns,
        name: 'astronomy-db-credentials',
        labels: { 'app.kubernetes.io/part-of': 'opentelemetry-demo' },
        data: {
          username: b64('astronomy_user'),
          password: b64(dbPassword),
          'connection-string': b64(
            `postgres://astronomy_user:${dbPassword}@astronomy-db/astronomy_db?sslmode=disable`,
          ),
        },
        db: { name: 'astronomy-db', password: dbPassword },
      },
    ],
    daemonSets: [
      {
        ns,
        name: 'otel-collector-agent',
        labels: {
          'helm.sh/chart': 'opentelemetry-collector-0.165.0',
          'app.kubernetes.io/name': 'opentelemetry-collector',
          'app.kubernetes.io/instance': 'otel-demo',
          'app.kubernetes.io/version': '0.156.0',
          'app.kubernetes.io/managed-by': 'Helm',
          component: 'agent-collector',
        },
        selector: {
          'app.kubernetes.io/name': 'opentelemetry-collector',
          'app.kubernetes.io/instance': 'otel-demo',
          component: 'agent-collector',
        },
        image: 'otel/opentelemetry-collector-contrib:0.156.0',
        container: 'opentelemetry-collector',
      },
    ],
    statefulSets: [],
    extra: [],
    flags: FLAGS,
  };
}

/** The demo's feature flags that matter for requests, and what each does to which component when on. */
export const FLAGS = {
  adFailure: {
    description: 'Fail ad service',
    variants: { off: false, on: true },
    target: 'ad',
    effect: () => ({ err: 0.1 }),
  },
  adHighCpu: {
    description: 'Triggers high cpu load in the ad service',
    variants: { off: false, on: true },
    target: 'ad',
    effect: () => ({ cpuFactor: 6, latFactor: 5 }),
  },
  adManualGc: {
    description: 'Triggers full manual garbage collections in the ad service',
    variants: { off: false, on: true },
    target: 'ad',
    effect: () => ({ latAddMs: 900 }),
  },
  cartFailure: {
    description: 'Fail cart service n% of the time',
    variants: { '10%': 0.1, '100%': 1, '25%': 0.25, '50%': 0.5, '75%': 0.75, '90%': 0.9, off: 0 },
    target: 'cart',
    effect: (v) => ({ err: v }),
  },
  imageSlowLoad: {
    description: 'slow loading images in the frontend',
    variants: { '10sec': 10000, '5sec': 5000, off: 0 },
    target: 'image-provider',
    effect: (v) => ({ latAddMs: v }),
  },
  paymentFailure: {
    description: 'Fail payment service charge requests n%',
    variants: { '10%': 0.1, '100%': 1, '25%': 0.25, '50%': 0.5, '75%': 0.75, '90%': 0.9, off: 0 },
    target: 'payment',
    effect: (v) => ({ err: v }),
  },
  paymentUnreachable: {
    description: 'Payment service is unavailable',
    variants: { off: false, on: true },
    target: 'checkout',
    effect: () => ({ err: 0.97 }),
  },
  productCatalogFailure: {
    description: 'Fail product catalog service on a specific product',
    variants: { off: false, on: true },
    target: 'product-catalog',
    effect: () => ({ err: 0.1 }),
  },
  recommendationCacheFailure: {
    description: 'Fail recommendation service cache',
    variants: { off: false, on: true },
    target: 'recommendation',
    effect: () => ({ latFactor: 4, memFactor: 3 }),
  },
  kafkaQueueProblems: {
    description:
      'Overloads Kafka queue while simultaneously introducing a consumer side delay leading to a lag spike',
    variants: { off: 0, on: 100 },
    target: 'kafka',
    effect: () => ({ cpuFactor: 3 }),
  },
  loadGeneratorFloodHomepage: {
    description: 'Flood the frontend with a large amount of requests.',
    variants: { off: 0, on: 100 },
    target: 'frontend',
    effect: () => ({}),
  },
};

function safeJson(s) {
  try {
    return JSON.parse(s);
  } catch {
    return null;
  }
}

/** Flags that are on in a flagd-config data, with their values. */
export function flagsOf(data) {
  const doc = safeJson(data?.['demo.flagd.json'] ?? '');
  const on = {};
  for (const [k, f] of Object.entries(doc?.flags ?? {})) {
    if (f.state !== 'ENABLED') continue;
    const v = f.variants?.[f.defaultVariant];
    if (v && v !== 0) on[k] = v;
  }
  return on;
}

// ---- DeathStarBench hotelReservation -------------------------------------------------------------------------

export function hotelReservation(rng) {
  const ns = 'hotel-res';
  const kompose = { 'kompose.cmd': 'kompose convert', 'kompose.version': '1.22.0 (955b78124)' };
  const istioStats = {
    'sidecar.istio.io/statsInclusionPrefixes':
      'cluster.outbound,cluster_manager,listener_manager,http_mixer_filter,tcp_mixer_filter,server,cluster.xds-grp,listener,connection_manager',
    'sidecar.istio.io/statsInclusionRegexps': 'http.*',
  };
  const image = 'deathstarbench/hotel-reservation:latest';
  const svc = (name, o) =>
    def(ns, name, {
      labels: { 'io.kompose.service': name },
      annotations: kompose,
      selector: { 'io.kompose.service': name },
      podLabels: { 'io.kompose.service': name },
      podAnnotations: { ...kompose, ...istioStats, 'linkerd.io/inject': 'enabled' },
      servicePorts: [{ name: String(o.port), port: o.port, targetPort: o.port }],
      serviceLabels: { 'io.kompose.service': name },
      serviceAnnotations: kompose,
      containers: [
        {
          name: o.container ?? `hotel-reserv-${name}`,
          image: o.image ?? image,
          ...(o.command ? { command: [o.command] } : {}),
          ports: [{ containerPort: o.port }],
          ...(o.env ? { env: o.env } : {}),
          resources: { requests: { cpu: '100m' }, limits: { cpu: '1000m' } },
          ...(o.mounts ? { volumeMounts: o.mounts } : {}),
        },
      ],
      ...(o.volumes ? { volumes: o.volumes } : {}),
      ...(o.strategy ? { strategy: o.strategy } : {}),
      cpuRequest: '100m',
      cpuLimit: '1000m',
      ...o,
    });
  const configMount = {
    mounts: [
      {
        name: 'service-config',
        mountPath: '/go/src/github.com/harlow/go-micro-services/config.json',
        subPath: 'config.json',
      },
    ],
    volumes: [{ name: 'service-config', configMap: { name: 'service-config' } }],
  };
  // The Go services read config.json once at start-up (a subPath mount never sees an edit anyway): a wrong
  // database or cache address, or Consul's, makes the restarted service fail the way its code does.
  const needs = (keys, how) => ({
    configMaps: [
      {
        name: 'service-config',
        via: 'subPath',
        check: (d) => {
          const cfg = safeJson(d['config.json']);
          if (!cfg) return { crash: { afterMs: [60, 300] } };
          for (const [k, want] of keys) if (cfg[k] !== want) return how(k);
          return null;
        },
      },
    ],
    secrets: [],
  });
  const mongoFail = () => ({ crash: { afterMs: [9_500, 11_500], exitCode: 2 } }); // mgo.Dial times out, log.Panic
  const memcFail = () => ({ crash: { afterMs: [4_000, 25_000], exitCode: 2 } }); // log.Panic in the handler
  const consulFail = () => ({ crash: { afterMs: [1_000, 3_000], exitCode: 2 } }); // registration fails, log.Panic
  const app = (name, port, o) =>
    svc(name, { port, command: `./${name}`, runtime: 'go', ...configMount, ...o });
  const consulKey = ['consulAddress', 'consul:8500'];
  const deps = [
    app('frontend', 5000, {
      replicas: 2,
      calls: [
        ['search', 0.6],
        ['profile', 0.99],
        ['recommendation', 0.39],
        ['user', 0.01],
        ['reservation', 0.61],
        ['consul', 0.02, 'degrade'],
      ],
      consumes: needs([consulKey], consulFail),
      model: {
        baseMs: 1.8,
        capRps: 1400,
        cpuPerReq: 0.0007,
        memMi: 26,
        startMi: 12,
        healthPaths: [],
        process: 'frontend',
      },
      hpa: { min: 2, max: 4, cpu: 70 },
    }),
    app('search', 8082, {
      calls: [
        ['geo', 1],
        ['rate', 1],
        ['consul', 0.02, 'degrade'],
      ],
      consumes: needs([consulKey], consulFail),
      model: {
        baseMs: 0.8,
        capRps: 1800,
        cpuPerReq: 0.0004,
        memMi: 18,
        startMi: 9,
        healthPaths: [],
        process: 'search',
      },
    }),
    app('geo', 8083, {
      calls: [['mongodb-geo', 0.02]],
      consumes: needs([consulKey, ['GeoMongoAddress', 'mongodb-geo:27017']], (k) =>
        k === 'consulAddress' ? consulFail() : mongoFail(),
      ),
      model: {
        baseMs: 1.4,
        capRps: 1500,
        cpuPerReq: 0.0006,
        memMi: 22,
        startMi: 12,
        healthPaths: [],
        process: 'geo',
      },
    }),
    app('profile', 8081, {
      calls: [
        ['memcached-profile', 1],
        ['mongodb-profile', 0.06],
      ],
      consumes: needs(
        [
          consulKey,
          ['ProfileMongoAddress', 'mongodb-profile:27017'],
          ['ProfileMemcAddress', 'memcached-profile:11211'],
        ],
        (k) => (k === 'consulAddress' ? consulFail() : k.includes('Memc') ? memcFail() : mongoFail()),
      ),
      model: {
        baseMs: 1,
        capRps: 1800,
        cpuPerReq: 0.0005,
        memMi: 24,
        startMi: 10,
        healthPaths: [],
        process: 'profile',
      },
    }),
    app('rate', 8084, {
      calls: [
        ['memcached-rate', 1],
        ['mongodb-rate', 0.08],
      ],
      consumes: needs(
        [consulKey, ['RateMongoAddress', 'mongodb-rate:27017'], ['RateMemcAddress', 'memcached-rate:11211']],
        (k) => (k === 'consulAddress' ? consulFail() : k.includes('Memc') ? memcFail() : mongoFail()),
      ),
      model: {
        baseMs: 1,
        capRps: 1800,
        cpuPerReq: 0.0005,
        memMi: 21,
        startMi: 10,
        healthPaths: [],
        process: 'rate',
      },
    }),
    app('recommendation', 8085, {
      calls: [['mongodb-recommendation', 0.01]],
      consumes: needs([consulKey, ['RecommendMongoAddress', 'mongodb-recommendation:27017']], (k) =>
        k === 'consulAddress' ? consulFail() : mongoFail(),
      ),
      model: {
        baseMs: 1.6,
        capRps: 1500,
        cpuPerReq: 0.0006,
        memMi: 20,
        startMi: 10,
        healthPaths: [],
        process: 'recommendation',
      },
    }),
    app('user', 8086, {
      calls: [['mongodb-user', 0.01]],
      consumes: needs([consulKey, ['UserMongoAddress', 'mongodb-user:27017']], (k) =>
        k === 'consulAddress' ? consulFail() : mongoFail(),
      ),
      model: {
        baseMs: 0.5,
        capRps: 2500,
        cpuPerReq: 0.0003,
        memMi: 15,
        startMi: 8,
        healthPaths: [],
        process: 'user',
      },
    }),
    app('reservation', 8087, {
      calls: [
        ['memcached-reserve', 1],
        ['mongodb-reservation', 0.6],
      ],
      consumes: needs(
        [
          consulKey,
          ['ReserveMongoAddress', 'mongodb-reservation:27017'],
          ['ReserveMemcAddress', 'memcached-reserve:11211'],
        ],
        (k) => (k === 'consulAddress' ? consulFail() : k.includes('Memc') ? memcFail() : mongoFail()),
      ),
      model: {
        baseMs: 1.8,
        capRps: 1400,
        cpuPerReq: 0.0007,
        memMi: 23,
        startMi: 10,
        healthPaths: [],
        process: 'reservation',
      },
    }),
    svc('consul', {
      port: 8500,
      image: 'hashicorp/consul:latest',
      container: 'consul',
      runtime: 'go',
      role: 'infra',
      model: {
        baseMs: 0.6,
        capRps: 3000,
        cpuPerReq: 0.0002,
        cpuIdle: 0.01,
        memMi: 45,
        startMi: 25,
        healthPaths: ['/v1/status/leader'],
        process: 'consul',
      },
    }),
    svc('jaeger', {
      port: 16686,
      image: 'jaegertracing/all-in-one:1.57',
      container: 'hotel-reserv-jaeger',
      runtime: 'go',
      role: 'infra',
      model: {
        baseMs: 2,
        capRps: 800,
        cpuPerReq: 0.0005,
        cpuIdle: 0.03,
        memMi: 180,
        startMi: 60,
        healthPaths: ['/'],
        process: 'all-in-one',
      },
    }),
    ...['profile', 'rate', 'reserve'].map((x) =>
      svc(`memcached-${x}`, {
        port: 11211,
        image: 'memcached:1.6.7',
        container: `hotel-reserv-${x}-mmc`,
        runtime: 'cpp',
        role: 'cache',
        env: [
          { name: 'MEMCACHED_CACHE_SIZE', value: '128' },
          { name: 'MEMCACHED_THREADS', value: '2' },
        ],
        model: {
          baseMs: 0.25,
          capRps: 8000,
          cpuPerReq: 0.0001,
          memMi: 40,
          startMi: 3,
          healthPaths: [],
          process: 'memcached',
        },
      }),
    ),
    ...['geo', 'profile', 'rate', 'recommendation', 'reservation', 'user'].map((x) =>
      svc(`mongodb-${x}`, {
        port: 27017,
        image: 'mongo:4.4.6',
        container: `hotel-reserv-${x}-mongo`,
        runtime: 'db',
        role: 'db',
        strategy: { type: 'Recreate' },
        mounts: [{ mountPath: '/data/db', name: x }],
        volumes: [{ name: x, persistentVolumeClaim: { claimName: `${x}-pvc` } }],
        model: {
          baseMs: 1.8,
          capRps: 2500,
          cpuPerReq: 0.0004,
          memMi: 160,
          startMi: 80,
          healthPaths: [],
          process: 'mongod',
        },
      }),
    ),
  ];
  for (const d of deps)
    if (['search', 'geo', 'profile', 'rate', 'recommendation', 'user', 'reservation'].includes(d.name))
      d.model.protocol = 'grpc';
  for (const d of deps) if (d.name === 'frontend') d.model.healthPaths = ['/', '/hotels'];
  for (const d of deps)
    if (d.name === 'consul')
      d.containers[0].ports = [
        { containerPort: 8300 },
        { containerPort: 8400 },
        { containerPort: 8500 },
        { containerPort: 53, protocol: 'UDP' },
      ];
  const config = {
    consulAddress: 'consul:8500',
    jaegerAddress: 'jaeger:6831',
    FrontendPort: '5000',
    GeoPort: '8083',
    GeoMongoAddress: 'mongodb-geo:27017',
    ProfilePort: '8081',
    ProfileMongoAddress: 'mongodb-profile:27017',
    ProfileMemcAddress: 'memcached-profile:11211',
    RatePort: '8084',
    RateMongoAddress: 'mongodb-rate:27017',
    RateMemcAddress: 'memcached-rate:11211',
    RecommendPort: '8085',
    RecommendMongoAddress: 'mongodb-recommendation:27017',
    ReservePort: '8087',
    ReserveMongoAddress: 'mongodb-reservation:27017',
    ReserveMemcAddress: 'memcached-reserve:11211',
    SearchPort: '8082',
    UserPort: '8086',
    UserMongoAddress: 'mongodb-user:27017',
    KnativeDomainName: '',
  };
  void rng;
  return {
    id: 'hotel-reservation',
    namespaces: [ns],
    stack: 'linkerd',
    mesh: 'linkerd',
    entry: `${ns}/frontend`,
    entryAlertSubjects: [`${ns}/frontend`],
    critical: [`${ns}/frontend`, `${ns}/search`, `${ns}/reservation`],
    ingress: null,
    sources: [{ from: null, to: `${ns}/frontend`, share: 1 }],
    load: { rps: [60, 260], wave: 0, wiggle: 0.01 }, // wrk2 -R: a constant request rate
    release: null,
    manager: 'kubectl-client-side-apply',
    deployments: deps,
    serviceAccounts: [],
    configMaps: [
      {
        ns,
        name: 'service-config',
        labels: { 'app.kubernetes.io/part-of': 'hotel-reservation' },
        data: { 'config.json': JSON.stringify(config, null, 2) },
      },
    ],
    secrets: [],
    daemonSets: [],
    statefulSets: [],
    extra: [],
    hotelConfig: config,
  };
}

// ---- Istio Bookinfo ---------------------------------------------------------------------------------------------

export function bookinfo(rng) {
  const ns = 'bookinfo';
  const ver = '1.20.3';
  const reg = 'docker.io/istio';
  const rootPassword = `bk-${rng.hex(8)}`;
  const wl = (app, version, o) =>
    def(ns, `${app}-${version}`, {
      service: o.service === undefined ? app : o.service,
      serviceSelector: { app },
      labels: { app, version },
      selector: { app, version },
      podLabels: { app, version },
      sa: `bookinfo-${app}`,
      servicePorts: [{ port: o.port ?? 9080, name: o.portName ?? 'http' }],
      serviceLabels: { app, service: app },
      containers: [
        {
          name: app,
          image: `${reg}/examples-bookinfo-${o.imageName ?? `${app}-${version}`}:${ver}`,
          imagePullPolicy: 'IfNotPresent',
          ...(o.env ? { env: o.env } : {}),
          ...(o.args ? { args: o.args } : {}),
          ports: [{ containerPort: o.port ?? 9080 }],
          ...(o.mounts ? { volumeMounts: o.mounts } : {}),
        },
      ],
      ...(o.volumes ? { volumes: o.volumes } : {}),
      ...o,
    });
  const reviewsMounts = {
    mounts: [
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'wlp-output', mountPath: '/opt/ibm/wlp/output' },
    ],
    volumes: [
      { name: 'wlp-output', emptyDir: {} },
      { name: 'tmp', emptyDir: {} },
    ],
  };
  const reviewsModel = {
    baseMs: 7,
    capRps: 160,
    cpuPerReq: 0.004,
    cpuIdle: 0.006,
    memMi: 240,
    startMi: 170,
    healthPaths: ['/health'],
    process: 'java',
  };
  const deps = [
    wl('productpage', 'v1', {
      runtime: 'python',
      podAnnotations: {
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': '9080',
        'prometheus.io/path': '/metrics',
      },
      mounts: [{ name: 'tmp', mountPath: '/tmp' }],
      volumes: [{ name: 'tmp', emptyDir: {} }],
      calls: [
        ['details', 1, 'degrade', { timeoutMs: 3000 }],
        ['reviews', 1, 'degrade', { timeoutMs: 3000, retries: 1 }],
      ],
      model: {
        baseMs: 22,
        capRps: 45,
        cpuPerReq: 0.006,
        cpuIdle: 0.004,
        memMi: 95,
        startMi: 60,
        healthPaths: ['/health', '/productpage'],
        process: 'python',
      },
    }),
    wl('details', 'v1', {
      runtime: 'ruby',
      model: {
        baseMs: 3.5,
        capRps: 220,
        cpuPerReq: 0.002,
        cpuIdle: 0.002,
        memMi: 38,
        startMi: 25,
        healthPaths: ['/health'],
        process: 'ruby',
      },
    }),
    wl('reviews', 'v1', {
      runtime: 'java',
      env: [{ name: 'LOG_DIR', value: '/tmp/logs' }],
      ...reviewsMounts,
      imageName: 'reviews-v1',
      model: reviewsModel,
    }),
    wl('reviews', 'v2', {
      runtime: 'java',
      env: [{ name: 'LOG_DIR', value: '/tmp/logs' }],
      ...reviewsMounts,
      imageName: 'reviews-v2',
      calls: [['ratings', 1, 'degrade', { timeoutMs: 10_000 }]],
      model: reviewsModel,
    }),
    wl('reviews', 'v3', {
      runtime: 'java',
      env: [{ name: 'LOG_DIR', value: '/tmp/logs' }],
      ...reviewsMounts,
      imageName: 'reviews-v3',
      calls: [['ratings', 1, 'degrade', { timeoutMs: 2500 }]],
      model: reviewsModel,
    }),
    wl('ratings', 'v1', {
      runtime: 'node',
      model: {
        baseMs: 1.8,
        capRps: 350,
        cpuPerReq: 0.001,
        cpuIdle: 0.002,
        memMi: 32,
        startMi: 22,
        healthPaths: ['/health'],
        process: 'node',
      },
    }),
    wl('ratings', 'v2-mysql', {
      runtime: 'node',
      imageName: 'ratings-v2',
      env: [
        { name: 'DB_TYPE', value: 'mysql' },
        { name: 'MYSQL_DB_HOST', value: 'mysqldb' },
        { name: 'MYSQL_DB_PORT', value: '3306' },
        { name: 'MYSQL_DB_USER', value: 'root' },
        // operator: the sample's plain-text password read from the Secret bookinfo-mysql.yaml already creates
        {
          name: 'MYSQL_DB_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'mysql-credentials', key: 'rootpasswd' } },
        },
      ],
      calls: [['mysqldb', 1]],
      consumes: {
        configMaps: [],
        secrets: [
          {
            name: 'mysql-credentials',
            via: 'env',
            check: (d, world) =>
              Buffer.from(d.rootpasswd, 'base64').toString() !== world.dbPassword(ns, 'mysqldb')
                ? { err: 1 }
                : null,
          },
        ],
      },
      model: {
        baseMs: 2.5,
        capRps: 300,
        cpuPerReq: 0.0012,
        cpuIdle: 0.002,
        memMi: 36,
        startMi: 24,
        healthPaths: ['/health'],
        process: 'node',
      },
    }),
    wl('mysqldb', 'v1', {
      runtime: 'db',
      imageName: 'mysqldb',
      port: 3306,
      portName: 'tcp',
      role: 'db',
      sa: undefined,
      env: [
        {
          name: 'MYSQL_ROOT_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'mysql-credentials', key: 'rootpasswd' } },
        },
      ],
      args: ['--default-authentication-plugin', 'mysql_native_password'],
      mounts: [{ name: 'var-lib-mysql', mountPath: '/var/lib/mysql' }],
      volumes: [{ name: 'var-lib-mysql', emptyDir: {} }],
      model: {
        baseMs: 1,
        capRps: 2000,
        cpuPerReq: 0.0003,
        cpuIdle: 0.004,
        memMi: 380,
        startMi: 300,
        healthPaths: [],
        process: 'mysqld',
      },
    }),
  ];
  // The gateway in istio-system: the entry point users hit.
  const gw = def('istio-system', 'istio-ingressgateway', {
    labels: {
      app: 'istio-ingressgateway',
      istio: 'ingressgateway',
      'app.kubernetes.io/name': 'istio-ingressgateway',
      'app.kubernetes.io/part-of': 'istio',
      'app.kubernetes.io/version': '1.27.1',
      'helm.sh/chart': 'gateway-1.27.1',
      'istio.io/rev': 'default',
      'operator.istio.io/component': 'IngressGateways',
    },
    selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    podLabels: {
      app: 'istio-ingressgateway',
      istio: 'ingressgateway',
      'service.istio.io/canonical-name': 'istio-ingressgateway',
      'sidecar.istio.io/inject': 'false',
    },
    podAnnotations: {
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
    },
    sa: 'istio-ingressgateway-service-account',
    replicas: 2,
    servicePorts: [
      { name: 'status-port', port: 15021, targetPort: 15021 },
      { name: 'http2', port: 80, targetPort: 8080 },
      { name: 'https', port: 443, targetPort: 8443 },
    ],
    serviceType: 'LoadBalancer',
    containers: [
      {
        name: 'istio-proxy',
        image: 'docker.io/istio/proxyv2:1.27.1',
        args: [
          'proxy',
          'router',
          '--domain',
          '$(POD_NAMESPACE).svc.cluster.local',
          '--proxyLogLevel=warning',
          '--proxyComponentLogLevel=misc:error',
          '--log_output_level=default:info',
        ],
        ports: [
          { containerPort: 15021, protocol: 'TCP' },
          { containerPort: 8080, protocol: 'TCP' },
          { containerPort: 8443, protocol: 'TCP' },
          { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
        ],
        readinessProbe: {
          httpGet: { path: '/healthz/ready', port: 15021 },
          periodSeconds: 2,
          failureThreshold: 30,
          initialDelaySeconds: 1,
        },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } },
      },
    ],
    runtime: 'envoy',
    role: 'gateway',
    noMesh: true,
    calls: [['bookinfo/productpage', 1]],
    model: {
      baseMs: 0.9,
      capRps: 2500,
      cpuPerReq: 0.0004,
      cpuIdle: 0.01,
      memMi: 70,
      startMi: 40,
      healthPaths: ['/healthz/ready'],
      process: 'envoy',
    },
    cpuRequest: '100m',
    cpuLimit: '2000m',
  });
  const istiod = def('istio-system', 'istiod', {
    labels: {
      app: 'istiod',
      istio: 'pilot',
      'app.kubernetes.io/name': 'istiod',
      'app.kubernetes.io/part-of': 'istio',
      'app.kubernetes.io/version': '1.27.1',
      'helm.sh/chart': 'istiod-1.27.1',
      'istio.io/rev': 'default',
    },
    selector: { istio: 'pilot' },
    podLabels: {
      app: 'istiod',
      istio: 'pilot',
      'istio.io/rev': 'default',
      'sidecar.istio.io/inject': 'false',
    },
    sa: 'istiod',
    servicePorts: [
      { name: 'grpc-xds', port: 15010 },
      { name: 'https-dns', port: 15012 },
      { name: 'https-webhook', port: 443, targetPort: 15017 },
      { name: 'http-monitoring', port: 15014 },
    ],
    containers: [
      {
        name: 'discovery',
        image: 'docker.io/istio/pilot:1.27.1',
        args: [
          'discovery',
          '--monitoringAddr=:15014',
          '--log_output_level=default:info',
          '--domain',
          'cluster.local',
          '--keepaliveMaxServerConnectionAge',
          '30m',
        ],
        ports: [{ containerPort: 8080 }, { containerPort: 15010 }, { containerPort: 15017 }],
        readinessProbe: {
          httpGet: { path: '/ready', port: 8080 },
          initialDelaySeconds: 1,
          periodSeconds: 3,
          timeoutSeconds: 5,
        },
        resources: { requests: { cpu: '500m', memory: '2048Mi' } },
      },
    ],
    runtime: 'go',
    role: 'infra',
    noMesh: true,
    model: {
      baseMs: 1,
      capRps: 500,
      cpuPerReq: 0.001,
      cpuIdle: 0.03,
      memMi: 180,
      startMi: 80,
      healthPaths: ['/ready'],
      process: 'pilot-discovery',
    },
    cpuRequest: '500m',
  });
  return {
    id: 'bookinfo',
    namespaces: [ns, 'istio-system'],
    stack: 'istio',
    mesh: 'istio',
    entry: `${ns}/productpage-v1`,
    entryAlertSubjects: ['istio-system/istio-ingressgateway', `${ns}/productpage`],
    critical: ['istio-system/istio-ingressgateway', `${ns}/productpage`],
    ingress: null,
    sources: [{ from: null, to: 'istio-system/istio-ingressgateway', share: 1 }],
    load: { rps: [6, 30] },
    release: null,
    manager: 'kubectl-client-side-apply',
    deployments: [...deps, gw, istiod],
    serviceAccounts: [
      ...['details', 'ratings', 'reviews', 'productpage'].map((a) => ({
        ns,
        name: `bookinfo-${a}`,
        labels: { account: a },
      })),
      {
        ns: 'istio-system',
        name: 'istio-ingressgateway-service-account',
        labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
      },
      { ns: 'istio-system', name: 'istiod', labels: { app: 'istiod' } },
    ],
    configMaps: [
      {
        ns: 'istio-system',
        name: 'istio',
        labels: { app: 'istiod', 'istio.io/rev': 'default' },
        data: {
          mesh: 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\nenablePrometheusMerge: true\nrootNamespace: istio-system\ntrustDomain: cluster.local',
          meshNetworks: 'networks: {}',
        },
      },
    ],
    secrets: [
      {
        ns,
        name: 'mysql-credentials',
        labels: {},
        data: { rootpasswd: b64(rootPassword) },
        db: { name: 'mysqldb', password: rootPassword },
      },
    ],
    daemonSets: [],
    statefulSets: [],
    extra: [
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'Gateway',
        metadata: { name: 'bookinfo-gateway', namespace: ns },
        spec: {
          selector: { istio: 'ingressgateway' },
          servers: [{ port: { number: 8080, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }],
        },
      },
      {
        apiVersion: 'networking.istio.io/v1',
        kind: 'VirtualService',
        metadata: { name: 'bookinfo', namespace: ns },
        spec: {
          hosts: ['*'],
          gateways: ['bookinfo-gateway'],
          http: [
            {
              match: [
                { uri: { exact: '/productpage' } },
                { uri: { prefix: '/static' } },
                { uri: { exact: '/login' } },
                { uri: { exact: '/logout' } },
                { uri: { prefix: '/api/v1/products' } },
              ],
              route: [{ destination: { host: 'productpage', port: { number: 9080 } } }],
            },
          ],
        },
      },
    ],
  };
}

// ---- Robot Shop -----------------------------------------------------------------------------------------------

export function robotShop(rng) {
  const ns = 'robot-shop';
  const ver = '2.1.0';
  const helm = { 'meta.helm.sh/release-name': 'robot-shop', 'meta.helm.sh/release-namespace': ns };
  const dbPassword = `ship-${rng.hex(8)}`;
  const svc = (name, o) =>
    def(ns, name, {
      labels: { service: name, ...(o.extraLabels ?? {}) },
      annotations: helm,
      selector: { service: name, ...(o.extraLabels ?? {}) },
      podLabels: { service: name, ...(o.extraLabels ?? {}) },
      serviceSelector: { service: name },
      serviceLabels: { service: name },
      serviceAnnotations: helm,
      servicePorts: o.port ? [{ name: o.portName ?? 'http', port: o.port, targetPort: o.port }] : undefined,
      service: o.port ? name : null,
      inRelease: true,
      containers: [
        {
          name,
          image: o.image ?? `robotshop/rs-${name}:${ver}`,
          imagePullPolicy: 'IfNotPresent',
          ...(o.env ? { env: o.env } : {}),
          ...(o.envFrom ? { envFrom: o.envFrom } : {}),
          ...(o.port ? { ports: [{ containerPort: o.port }] } : {}),
          resources: {
            limits: { cpu: '200m', memory: o.mem ?? '100Mi' },
            requests: { cpu: '100m', memory: o.memReq ?? '50Mi' },
          },
          ...(o.probe ? { readinessProbe: o.probe } : {}),
        },
      ],
      cpuRequest: '100m',
      cpuLimit: '200m',
      ...o,
    });
  const instana = [{ name: 'INSTANA_AGENT_HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } }];
  const deps = [
    svc('web', {
      port: 8080,
      runtime: 'nginx',
      calls: [
        ['catalogue', 0.45],
        ['user', 0.15],
        ['cart', 0.2],
        ['ratings', 0.1],
        ['shipping', 0.05],
        ['payment', 0.02],
      ],
      model: {
        baseMs: 0.8,
        capRps: 400,
        cpuPerReq: 0.0003,
        cpuIdle: 0.002,
        memMi: 18,
        startMi: 8,
        healthPaths: ['/', '/index.html'],
        process: 'nginx',
      },
    }),
    svc('catalogue', {
      port: 8080,
      runtime: 'node',
      env: instana,
      calls: [['mongodb', 1]],
      model: {
        baseMs: 4,
        capRps: 140,
        cpuPerReq: 0.0012,
        cpuIdle: 0.003,
        memMi: 48,
        startMi: 30,
        healthPaths: ['/health'],
        process: 'node',
      },
    }),
    svc('user', {
      port: 8080,
      runtime: 'node',
      env: instana,
      calls: [
        ['mongodb', 0.8],
        ['redis', 0.5],
      ],
      model: {
        baseMs: 4,
        capRps: 140,
        cpuPerReq: 0.0012,
        cpuIdle: 0.003,
        memMi: 50,
        startMi: 30,
        healthPaths: ['/health'],
        process: 'node',
      },
    }),
    svc('cart', {
      port: 8080,
      runtime: 'node',
      env: instana,
      calls: [
        ['catalogue', 0.4],
        ['redis', 1],
      ],
      model: {
        baseMs: 3.5,
        capRps: 150,
        cpuPerReq: 0.0012,
        cpuIdle: 0.003,
        memMi: 52,
        startMi: 30,
        healthPaths: ['/health'],
        process: 'node',
      },
    }),
    svc('shipping', {
      port: 8080,
      runtime: 'java',
      mem: '1000Mi',
      memReq: '500Mi',
      // operator: Spring Boot's datasource password from a Secret instead of the baked-in one
      env: [
        {
          name: 'SPRING_DATASOURCE_PASSWORD',
          valueFrom: { secretKeyRef: { name: 'shipping-db-credentials', key: 'password' } },
        },
      ],
      probe: probeHttp('/health', 8080, {
        initialDelaySeconds: 5,
        periodSeconds: 5,
        failureThreshold: 30,
        successThreshold: 1,
      }),
      calls: [
        ['mysql', 1],
        ['cart', 0.3],
      ],
      consumes: {
        configMaps: [],
        secrets: [
          {
            name: 'shipping-db-credentials',
            via: 'env',
            check: (d, world) =>
              Buffer.from(d.password, 'base64').toString() !== world.dbPassword(ns, 'mysql')
                ? { crash: { afterMs: [18_000, 30_000] } }
                : null,
          },
        ],
      },
      model: {
        baseMs: 18,
        capRps: 60,
        cpuPerReq: 0.004,
        cpuIdle: 0.01,
        memMi: 420,
        startMi: 330,
        healthPaths: ['/health'],
        process: 'java',
        startMs: [25_000, 45_000],
      },
    }),
    svc('payment', {
      port: 8080,
      runtime: 'python',
      extraLabels: { stage: 'prod' },
      env: instana,
      // operator: the payment settings (the chart's PAYMENT_GATEWAY value, the code's defaults) in a ConfigMap
      envFrom: [{ configMapRef: { name: 'payment-config' } }],
      calls: [
        ['cart', 1],
        ['user', 1],
        ['rabbitmq', 1],
      ],
      consumes: {
        configMaps: [
          {
            name: 'payment-config',
            via: 'env',
            check: (d) => {
              const eff = {};
              if (d.AMQP_HOST !== 'rabbitmq') eff.err = 1; // pika cannot connect: every order fails with 500
              if (!/^https:\/\/(www\.)?paypal\.com\/?$/.test(d.PAYMENT_GATEWAY ?? '')) eff.err = 1;
              const delay = Number(d.PAYMENT_DELAY_MS ?? 0);
              if (delay > 0) eff.latAddMs = delay;
              return Object.keys(eff).length ? eff : null;
            },
          },
        ],
        secrets: [],
      },
      model: {
        baseMs: 28,
        capRps: 40,
        cpuPerReq: 0.006,
        cpuIdle: 0.004,
        memMi: 60,
        startMi: 40,
        healthPaths: ['/health'],
        process: 'python',
      },
    }),
    svc('ratings', {
      port: 80,
      runtime: 'php',
      probe: probeHttp('/_health', 80, {
        initialDelaySeconds: 5,
        periodSeconds: 5,
        failureThreshold: 30,
        successThreshold: 1,
      }),
      calls: [
        ['mysql', 1],
        ['catalogue', 0.3],
      ],
      model: {
        baseMs: 7,
        capRps: 100,
        cpuPerReq: 0.002,
        cpuIdle: 0.003,
        memMi: 40,
        startMi: 25,
        healthPaths: ['/_health'],
        process: 'php-fpm',
      },
    }),
    svc('dispatch', {
      runtime: 'go',
      env: instana,
      calls: [['rabbitmq', 0, 'async']],
      model: {
        baseMs: 1,
        capRps: 100,
        cpuPerReq: 0,
        cpuIdle: 0.004,
        memMi: 12,
        startMi: 6,
        healthPaths: [],
        process: 'dispatch',
      },
    }),
    svc('mongodb', {
      port: 27017,
      portName: 'mongo',
      runtime: 'db',
      role: 'db',
      mem: '200Mi',
      memReq: '100Mi',
      model: {
        baseMs: 1.5,
        capRps: 1500,
        cpuPerReq: 0.0004,
        cpuIdle: 0.006,
        memMi: 120,
        startMi: 70,
        healthPaths: [],
        process: 'mongod',
      },
    }),
    svc('mysql', {
      port: 3306,
      portName: 'mysql',
      runtime: 'db',
      role: 'db',
      image: `robotshop/rs-mysql-db:${ver}`,
      mem: '1024Mi',
      memReq: '700Mi',
      model: {
        baseMs: 2,
        capRps: 1200,
        cpuPerReq: 0.0005,
        cpuIdle: 0.008,
        memMi: 430,
        startMi: 350,
        healthPaths: [],
        process: 'mysqld',
      },
    }),
    svc('rabbitmq', {
      port: 5672,
      portName: 'tcp-amqp',
      runtime: 'db',
      role: 'queue',
      image: 'rabbitmq:3.7-management-alpine',
      mem: '512Mi',
      memReq: '256Mi',
      model: {
        baseMs: 0.8,
        capRps: 2000,
        cpuPerReq: 0.0003,
        cpuIdle: 0.01,
        memMi: 130,
        startMi: 90,
        healthPaths: [],
        process: 'beam.smp',
      },
    }),
    svc('load', {
      runtime: 'python',
      role: 'loadgen',
      image: 'robotshop/rs-load:latest',
      inRelease: false,
      annotations: {},
      mem: '200Mi',
      memReq: '100Mi',
      env: [
        { name: 'HOST', value: 'http://web:8080/' },
        { name: 'NUM_CLIENTS', value: '15' },
        { name: 'SILENT', value: '1' },
        { name: 'ERROR', value: '1' },
      ],
      calls: [['web', 0, 'async']],
      model: {
        baseMs: 1,
        capRps: 100,
        cpuPerReq: 0,
        cpuIdle: 0.08,
        memMi: 90,
        startMi: 50,
        healthPaths: [],
        process: 'locust',
      },
    }),
  ];
  const ingressCtl = def('ingress-nginx', 'ingress-nginx-controller', {
    labels: {
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/instance': 'ingress-nginx',
      'app.kubernetes.io/managed-by': 'Helm',
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/part-of': 'ingress-nginx',
      'app.kubernetes.io/version': '1.12.1',
      'helm.sh/chart': 'ingress-nginx-4.12.1',
    },
    annotations: {
      'meta.helm.sh/release-name': 'ingress-nginx',
      'meta.helm.sh/release-namespace': 'ingress-nginx',
    },
    selector: {
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/instance': 'ingress-nginx',
      'app.kubernetes.io/name': 'ingress-nginx',
    },
    podLabels: {
      'app.kubernetes.io/component': 'controller',
      'app.kubernetes.io/instance': 'ingress-nginx',
      'app.kubernetes.io/name': 'ingress-nginx',
      'app.kubernetes.io/part-of': 'ingress-nginx',
      'app.kubernetes.io/version': '1.12.1',
    },
    sa: 'ingress-nginx',
    replicas: 2,
    servicePorts: [
      { name: 'http', port: 80, targetPort: 'http' },
      { name: 'https', port: 443, targetPort: 'https' },
    ],
    serviceType: 'LoadBalancer',
    containers: [
      {
        name: 'controller',
        image: 'registry.k8s.io/ingress-nginx/controller:v1.12.1',
        args: [
          '/nginx-ingress-controller',
          '--publish-service=$(POD_NAMESPACE)/ingress-nginx-controller',
          '--election-id=ingress-nginx-leader',
          '--controller-class=k8s.io/ingress-nginx',
          '--ingress-class=nginx',
          '--configmap=$(POD_NAMESPACE)/ingress-nginx-controller',
        ],
        ports: [
          { name: 'http', containerPort: 80 },
          { name: 'https', containerPort: 443 },
          { name: 'metrics', containerPort: 10254 },
        ],
        readinessProbe: {
          httpGet: { path: '/healthz', port: 10254 },
          initialDelaySeconds: 10,
          periodSeconds: 10,
          failureThreshold: 3,
        },
        resources: { requests: { cpu: '100m', memory: '90Mi' } },
      },
    ],
    runtime: 'nginx',
    role: 'gateway',
    calls: [['robot-shop/web', 1]],
    model: {
      baseMs: 0.6,
      capRps: 2500,
      cpuPerReq: 0.0003,
      cpuIdle: 0.006,
      memMi: 110,
      startMi: 60,
      healthPaths: ['/healthz'],
      process: 'nginx',
    },
    cpuRequest: '100m',
  });
  return {
    id: 'robot-shop',
    namespaces: [ns, 'ingress-nginx'],
    stack: 'beyla',
    mesh: null,
    entry: `${ns}/web`,
    entryAlertSubjects: [`${ns}/web`],
    critical: [`${ns}/web`, `${ns}/payment`],
    ingress: {
      ns,
      name: 'robot-shop',
      service: 'web',
      errAlert: 'NginxIngressHighErrorRate',
      latAlert: 'NginxIngressHighLatency',
    },
    sources: [
      { from: 'load', to: `${ns}/web`, share: 0.65 },
      { from: 'ingress-nginx-controller', to: `${ns}/web`, share: 0.35 },
      { from: null, to: 'ingress-nginx/ingress-nginx-controller', share: 0.35 },
    ],
    load: { rps: [14, 40] },
    release: {
      name: 'robot-shop',
      ns,
      chart: 'robot-shop',
      version: '1.1.0',
      appVersion: ver,
      chartLabel: false,
    },
    manager: 'helm',
    deployments: [...deps, ingressCtl],
    serviceAccounts: [
      { ns: 'ingress-nginx', name: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } },
    ],
    configMaps: [
      {
        ns,
        name: 'payment-config',
        labels: { service: 'payment' },
        data: { PAYMENT_GATEWAY: 'https://paypal.com/', PAYMENT_DELAY_MS: '0', AMQP_HOST: 'rabbitmq' },
      },
      {
        ns: 'ingress-nginx',
        name: 'ingress-nginx-controller',
        labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
        data: { 'allow-snippet-annotations': 'false', 'proxy-read-timeout': '60' },
      },
    ],
    secrets: [
      {
        ns,
        name: 'shipping-db-credentials',
        labels: { service: 'shipping' },
        data: { username: b64('shipping'), password: b64(dbPassword) },
        db: { name: 'mysql', password: dbPassword },
      },
    ],
    daemonSets: [],
    statefulSets: [
      {
        ns,
        name: 'redis',
        labels: { service: 'redis' },
        selector: { service: 'redis' },
        image: 'redis:4.0.6',
        container: 'redis',
        port: 6379,
        service: 'redis',
        annotations: helm,
        model: { baseMs: 0.3, capRps: 8000, cpuPerReq: 0.0001 },
      },
    ],
    extra: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: {
          name: 'robot-shop',
          namespace: ns,
          annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': '8m' },
        },
        spec: {
          ingressClassName: 'nginx',
          rules: [
            {
              host: 'shop.example.com',
              http: {
                paths: [
                  {
                    path: '/',
                    pathType: 'Prefix',
                    backend: { service: { name: 'web', port: { number: 8080 } } },
                  },
                ],
              },
            },
          ],
        },
      },
    ],
    hpaAll: {
      names: ['cart', 'catalogue', 'dispatch', 'payment', 'ratings', 'shipping', 'user', 'web'],
      min: 1,
      max: 2,
      cpu: 50,
      manager: 'kubectl-autoscale',
    },
  };
}

export const APP_TOPOLOGIES = {
  'otel-demo': otelDemo,
  'hotel-reservation': hotelReservation,
  bookinfo,
  'robot-shop': robotShop,
};
