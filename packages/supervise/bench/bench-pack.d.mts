/** The types of bench-pack.mjs, for the tests that read it (tsconfig.test.json). */
/** The 20-rule pack of the supervision benchmarks, as pack YAML. */
export declare const PACK_YAML: string;
