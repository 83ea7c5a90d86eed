/**
 * Shared set-up of the CLI tests. The CLI runs against the built core
 * (`@casetrail/core` resolves to packages/core/dist), so both packages must be
 * built: the test run's global setup (vitest.global-setup.ts) builds them
 * before any test file, also for `vitest run <file>`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const binPath = join(repoRoot, 'packages/cli/dist/bin.js');
const coreDist = join(repoRoot, 'packages/core/dist/index.js');

/** Throws a clear error when the packages have not been built. */
export function requireBuild(): void {
  for (const f of [coreDist, binPath]) {
    if (!existsSync(f)) {
      throw new Error(`${f} is missing: build first with \`npx -y pnpm@10 run build\` (or \`npx tsc -b packages/core packages/cli\`); \`pnpm test\` builds before testing`);
    }
  }
}

const dirs: string[] = [];

/** A fresh temporary directory under os.tmpdir(), removed by cleanup(). */
export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'casetrail-cli-'));
  dirs.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** What a command printed and returned. */
export type Result = { code: number; out: string; err: string };

type Cli = typeof import('../src/index.js');

/**
 * A runner of `casetrail …argv` in-process, in `dir` unless told otherwise;
 * `transcript` collects every output (tests assert no secret was printed).
 */
export function runner(cli: Cli, dir: () => string, transcript: string[] = []) {
  return async (argv: string[], options: { stdin?: string | Uint8Array; env?: Record<string, string>; tty?: boolean; cwd?: string } = {}): Promise<Result> => {
    const io = cli.captureIo({ cwd: options.cwd ?? dir(), env: options.env ?? {}, ...(options.stdin === undefined ? {} : { stdin: options.stdin }), tty: options.tty === true });
    const code = await cli.run(argv, io);
    const r = { code, out: io.stdoutText(), err: io.stderrText() };
    transcript.push(r.out, r.err);
    return r;
  };
}

/** What a ledger holds, as far as a command could have changed it: size, latest checkpoint, last leaf. */
export async function ledgerState(path: string): Promise<{ size: number; note: string | undefined; lastLeaf: string | undefined }> {
  const core = await import('@casetrail/core');
  const l = await core.Ledger.open(path, { readonly: true });
  try {
    const size = await l.size();
    const note = (await l.latestCheckpoint())?.note;
    const lastLeaf = size > 0 ? core.toHex((await l.get(size - 1)).leafHash) : undefined;
    return { size, note, lastLeaf };
  } finally {
    await l.close();
  }
}

/** A step as a writer other than this library's append may have stored it. */
export interface PlantedStep {
  caseId: string;
  type: string;
  actor: string;
  data?: unknown;
  /** The payload bytes as stored, instead of `data` (e.g. JSON no writer of this library would accept). */
  payload?: Uint8Array;
}

/**
 * Writes a ledger the way a writer that does not apply the writer's rules of
 * format.md §4.1 would (an older casetrail, another implementation): each
 * step as a well-formed, correctly chained version 2 entry with its Merkle
 * nodes, and a checkpoint signed with the ledger's own key. It decodes and
 * verifies; only the library's append would have refused its ids.
 */
export async function plantLedger(path: string, origin: string, skey: string, steps: readonly PlantedStep[], time = 1_800_000_000_000): Promise<void> {
  const core = await import('@casetrail/core');
  const store = await core.createStore(path, origin);
  const acc = new core.MerkleAccumulator();
  const cases = new Map<string, { step: number; leaf: Uint8Array }>();
  let prev = core.genesisLink(origin);
  await store.write((tx) => {
    steps.forEach((s, seq) => {
      const payload = s.payload ?? core.encodePayload(s.data ?? null);
      const salt = core.newSalt();
      const tail = cases.get(s.caseId) ?? { step: 0, leaf: core.ZERO_HASH };
      const nonce = core.newNonce();
      const entry = { v: 2 as const, seq, prev, time: time + seq, caseId: s.caseId, step: tail.step + 1, casePrev: tail.leaf, type: s.type, actor: s.actor, commit: core.payloadCommitment(salt, payload), sigs: [], nonce };
      const bytes = core.encodeEntry(entry);
      const leaf = core.leafHash(bytes);
      tx.insertEntry({ seq, leaf, bytes, nodes: core.nodesBlob(acc.push(leaf)), case_id: s.caseId, step: entry.step, type: s.type, actor: s.actor, time: entry.time, salt, data: payload, nonce });
      cases.set(s.caseId, { step: entry.step, leaf });
      prev = leaf;
    });
  });
  const note = await core.signCheckpoint({ origin, size: steps.length, root: acc.root(), extensions: [] }, [core.parseSignerKey(skey)]);
  await store.write((tx) => tx.insertCheckpoint(steps.length, acc.root(), note));
  await store.close();
}

/**
 * A bundle carrying a payload together with the redaction that erased it
 * (format.md §9.3 item 6), made in the attacker's order: the holder of the
 * ledger keeps entry `seq`'s payload, the operator redacts it and exports
 * the case honestly, and the holder puts the payload back into its line.
 * @returns the hostile bundle's text, also written to `restored.bundle` in `dir`
 */
export async function restoredPayloadBundle(ct: ReturnType<typeof runner>, dir: string, ledger: string, caseId: string, seq = 0): Promise<string> {
  const core = await import('@casetrail/core');
  const before = await core.Ledger.open(join(dir, ledger), { readonly: true });
  const original = await before.get(seq);
  await before.close();
  if ((await ct(['redact', ledger, String(seq), '--reason', 'court order', '--actor', 'dpo'])).code !== 0) throw new Error('redact failed');
  if ((await ct(['export', ledger, '--case', caseId, '--out', 'honest.bundle'])).code !== 0) throw new Error('export failed');
  const ls = readFileSync(join(dir, 'honest.bundle'), 'utf8').split('\n');
  const at = ls.findIndex((l) => l.startsWith(`{"seq":${seq},`));
  const o = JSON.parse(ls[at]!);
  ls[at] = JSON.stringify({ seq: o.seq, entry: o.entry, proof: o.proof, payload: core.toBase64(original.payload!), salt: core.toBase64(original.salt!) });
  const text = ls.join('\n');
  writeFileSync(join(dir, 'restored.bundle'), text);
  return text;
}
