// A subordinate's case system in its own process: appends `count` steps to
// its ledger, `delayMs` apart, through the library (argv: ledger, key file,
// count, case prefix, delayMs, and optionally a file to wait for before the
// first append). Prints the final size.
import { existsSync } from 'node:fs';
import { Ledger } from '@casetrail/core';

const [ledger, keyFile, count, prefix, delayMs, waitFor] = process.argv.slice(2);
for (let i = 0; waitFor !== undefined && !existsSync(waitFor) && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
const l = await Ledger.open(ledger, { signer: { keyFile } });
try {
  for (let i = 0; i < Number(count); i++) {
    await l.append({ caseId: `${prefix}-${i % 3}`, type: i % 3 === 0 ? 'case.opened' : 'case.step', actor: `${prefix}:clerk`, data: { i } });
    await new Promise((r) => setTimeout(r, Number(delayMs)));
  }
  process.stdout.write(`${await l.size()}\n`);
} finally {
  await l.close();
}
