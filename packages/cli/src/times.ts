/**
 * Times for people (docs/cli.md "Times"): shown and read in the zone of
 * --tz, $TZ or UTC, always with the offset. Shared with the offline verifier
 * casetrail-verify (@casetrail/verify/cli).
 */
export { zoneOf, formatTime, parseTime, type Zone } from '@casetrail/verify/cli';
