export * from './kinds.js';
export * from './types.js';
export * from './topic.js';
export * from './codec.js';
export * from './validate.js';
