export * from './secret-redactor.js';
export * from './resource-names.js';
