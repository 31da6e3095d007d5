// The kind contract as the kind modules beside this file import it: it is defined in
// fn/contract/kind.ts, at the bottom of the layers, so that the stages, renderers and rules that
// read kinds need not import fn/kinds/ (ARCHITECTURE.md).
export * from '../contract/kind.js';
