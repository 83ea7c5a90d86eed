/**
 * The parts of casetrail that need no database and no Node-only module, as
 * `@casetrail/core/pure`: the whole of `@casetrail/verify`, re-exported so
 * that code written against `@casetrail/core/pure` keeps working. They run
 * in a browser as they are.
 */
export * from '@casetrail/verify';
