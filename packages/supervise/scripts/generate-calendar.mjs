#!/usr/bin/env node
// Snapshots the mainland-China working-day table from chinese-days (pinned
// exactly in package.json) into calendars/cn-mainland.json. The engine never
// loads chinese-days: the snapshot is data, adopted into a ledger as a
// `casetrail.calendar.adopted` entry. Run: node scripts/generate-calendar.mjs
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const pkg = require('chinese-days/package.json');
const data = require('chinese-days/dist/chinese-days.json');

const FROM = '2020-01-01';
const TO = '2026-12-31';
const ZONE = 'Asia/Shanghai';

// The zone's offset must be fixed over the range (China has kept +08:00 since 1991).
const fmt = new Intl.DateTimeFormat('en-US', { timeZone: ZONE, timeZoneName: 'longOffset' });
for (let t = Date.parse(`${FROM}T00:00:00Z`); t <= Date.parse(`${TO}T23:59:59Z`); t += 86_400_000 * 7) {
  const name = fmt.formatToParts(new Date(t)).find((p) => p.type === 'timeZoneName')?.value;
  if (name !== 'GMT+08:00') throw new Error(`${ZONE} is not +08:00 at ${new Date(t).toISOString()}: ${name}`);
}

const inRange = (d) => d >= FROM && d <= TO;
const table = {
  id: 'cn-mainland',
  zone: ZONE,
  utcOffset: '+08:00',
  source: `chinese-days@${pkg.version}`,
  from: FROM,
  to: TO,
  holidays: Object.keys(data.holidays).filter(inRange).sort(),
  workdays: Object.keys(data.workdays).filter(inRange).sort(),
};
const out = fileURLToPath(new URL('../calendars/cn-mainland.json', import.meta.url));
writeFileSync(out, JSON.stringify(table, null, 2) + '\n');
console.log(`${out}: ${table.holidays.length} holidays, ${table.workdays.length} make-up working days, ${FROM}..${TO} (${table.source})`);
