export * from './app-index';
export * from './errors';
export * from './quantity';
