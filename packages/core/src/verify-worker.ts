/**
 * Worker thread of verify-workers.ts: opens the ledger read-only and runs the
 * single-row checks on the seq ranges it is sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { installNodeCrypto } from './node-crypto.js';
import { SqliteStore } from './store/sqlite-store.js';
import { ResultPacker, checkRowLocally } from './verify-local.js';

installNodeCrypto();
const port = parentPort!;
const store = SqliteStore.open((workerData as { path: string }).path, { readonly: true });

port.on('message', ({ from, to }: { from: number; to: number }) => {
  try {
    const packer = new ResultPacker(to - from);
    for (const row of store.iterateEntries(from, to)) packer.add(checkRowLocally(row));
    const packed = packer.finish();
    const buffers = [packed.hashes.buffer, packed.numbers.buffer, packed.nodes.buffer, packed.nodeLengths.buffer] as ArrayBuffer[];
    port.postMessage({ from, packed }, buffers);
  } catch (e) {
    port.postMessage({ from, error: e instanceof Error ? e.message : String(e) });
  }
});
