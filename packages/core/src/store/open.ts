/**
 * The store factory: picks the store from a location. A location with a
 * registered scheme (`memory:<name>`, and later e.g. `postgres://…`) goes to
 * that scheme's driver; `file:` URLs and plain paths are SQLite files.
 * Verification workers and followers open their own handles through here,
 * from the store's `location`, without knowing which store it is.
 */
import { fileURLToPath } from 'node:url';
import { fail } from '@casetrail/verify';
import { MemoryStore } from './memory/memory-store.js';
import { SqliteStore, type StoreOptions } from './sqlite/sqlite-store.js';
import type { LedgerStore } from './store.js';

export type { StoreOptions } from './sqlite/sqlite-store.js';

/** How a scheme's stores are created and opened. */
export interface StoreDriver {
  create(location: string, origin: string, options: StoreOptions): LedgerStore | Promise<LedgerStore>;
  open(location: string, options: StoreOptions): LedgerStore | Promise<LedgerStore>;
}

const drivers = new Map<string, StoreDriver>([['memory', { create: (l, o, opts) => MemoryStore.create(l, o, opts), open: (l, opts) => MemoryStore.open(l, opts) }]]);

/**
 * Registers the driver of a location scheme (`scheme:…`), for a store kept
 * elsewhere than in a file. `file` is SQLite and cannot be replaced.
 */
export function registerStoreDriver(scheme: string, driver: StoreDriver): void {
  if (typeof scheme !== 'string' || !/^[a-z][a-z0-9+.-]+$/.test(scheme) || scheme === 'file') {
    fail('INVALID_ARGUMENT', 'scheme must be a lowercase URL scheme of two or more characters, other than "file"', { field: 'scheme' });
  }
  if (driver === null || typeof driver !== 'object' || typeof driver.create !== 'function' || typeof driver.open !== 'function') {
    fail('INVALID_ARGUMENT', 'driver must have create(location, origin, options) and open(location, options)', { field: 'driver' });
  }
  drivers.set(scheme, driver);
}

/** The driver of a location's scheme, or undefined for a file (a path or a file: URL). */
function route(location: string): { driver: StoreDriver } | { path: string } {
  if (typeof location !== 'string' || location.length === 0) fail('INVALID_ARGUMENT', 'location must be a non-empty path or URL', { field: 'location' });
  // One-letter schemes are Windows drive letters (C:\…), not URLs.
  const m = /^([a-z][a-z0-9+.-]+):/.exec(location);
  if (m === null) return { path: location };
  if (m[1] === 'file') return { path: fileURLToPath(location) };
  // A path may contain a colon: only a registered scheme makes a URL.
  const driver = drivers.get(m[1]!);
  return driver === undefined ? { path: location } : { driver };
}

/** Creates a new, empty ledger store at `location`; LEDGER_EXISTS if there is one. */
export async function createStore(location: string, origin: string, options: StoreOptions = {}): Promise<LedgerStore> {
  const r = route(location);
  return 'path' in r ? SqliteStore.create(r.path, origin, options) : r.driver.create(location, origin, options);
}

/** Opens the ledger store at `location`; LEDGER_NOT_FOUND if there is none. */
export async function openStore(location: string, options: StoreOptions = {}): Promise<LedgerStore> {
  const r = route(location);
  return 'path' in r ? SqliteStore.open(r.path, options) : r.driver.open(location, options);
}

/** The store options among a ledger's options. */
export function storeOptionsOf(o: StoreOptions): StoreOptions {
  return {
    ...(o.readonly === undefined ? {} : { readonly: o.readonly }),
    ...(o.durability === undefined ? {} : { durability: o.durability }),
    ...(o.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: o.busyTimeoutMs }),
  };
}
