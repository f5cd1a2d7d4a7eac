export * from './kube-api.client.js';
export * from './kube-config.loader.js';
export * from './secret-redactor.js';
export * from './resource-names.js';
