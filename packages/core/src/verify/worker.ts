/**
 * Worker thread of workers.ts: opens its own read-only handle of the store
 * through the factory, and runs the single-row checks on the seq ranges it
 * is sent, packing each result as it is made.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkEntryRow } from '@casetrail/verify';
import { installNodeCrypto } from '../node/node-crypto.js';
import { openStore } from '../store/open.js';
import { ResultPacker, transferList, type RecycledBuffers } from './packing.js';

installNodeCrypto();
const port = parentPort!;
const { location, origin } = workerData as { location: string; origin: string };
const store = await openStore(location, { readonly: true });

port.on('message', ({ from, to, recycled }: { from: number; to: number; recycled?: RecycledBuffers }) => {
  store
    .read((view) => {
      const packer = new ResultPacker(to - from, recycled);
      for (const row of view.entries(from, to)) packer.add(checkEntryRow(row, origin));
      return packer.finish();
    })
    .then(
      (packed) => {
        port.postMessage({ from, packed }, transferList(packed));
      },
      (e: unknown) => port.postMessage({ from, error: e instanceof Error ? e.message : String(e) }),
    );
});
