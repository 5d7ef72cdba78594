// What the executor loads for search runs and boundary files: one module, imported only by `run`.
export { openSearchScheduler } from './searchScheduler.js';
export { writeRunBoundary } from './boundaryRecord.js';
