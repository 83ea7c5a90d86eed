export * from './errors.js';
export * from './canonical-json.js';
export * from './calendar.js';
export * from './entry-model.js';
export * from './pack-model.js';
export { loadPack, packFromCanonical, packFromJson } from './pack-load.js';
