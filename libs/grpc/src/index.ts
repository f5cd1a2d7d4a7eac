export * from './proto-files.js';
