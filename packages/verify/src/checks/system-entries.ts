/**
 * System entries (format.md §4.1): entries of reserved `casetrail.` types
 * written by the library and the layers on it. A layer declares, for each
 * of its types, a validator that says whether an entry's payload is
 * well-formed for it; the writer applies it before appending, and a
 * verifier given it applies it again (format.md §8 item 12).
 */

/**
 * Says whether a system entry's data is well-formed for its type.
 * @returns undefined when it is, else what is wrong
 */
export type SystemTypeValidator = (data: unknown, entry: { caseId: string; type: string; actor: string }) => string | undefined;

/**
 * Why a system entry is not well-formed under its type's validator, or
 * undefined. A validator that throws has refused the entry.
 */
export function systemEntryProblem(validator: SystemTypeValidator, data: unknown, entry: { caseId: string; type: string; actor: string }): string | undefined {
  try {
    const problem = validator(data, { caseId: entry.caseId, type: entry.type, actor: entry.actor });
    return problem === undefined ? undefined : String(problem);
  } catch (e) {
    return `its validator threw: ${(e as Error)?.message ?? String(e)}`;
  }
}
