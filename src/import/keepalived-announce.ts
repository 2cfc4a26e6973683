// keepalived's gratuitous ARP settings → our `announce` block. global_defs spells them with a
// `vrrp_` prefix (vrrp_garp_master_repeat), a vrrp_instance without it (garp_master_repeat);
// the instance's win, as in keepalived.
import type { AnnounceConfig } from '../config/types.js';
import type { NoteList } from './import-notes.js';
import type { Statement } from './keepalived-parser.js';
import { integer, secondsAsMs } from './keepalived-values.js';

export type AnnounceSettings = { -readonly [K in keyof AnnounceConfig]?: AnnounceConfig[K] };

/** Reads one setting if `keyword` (without its `vrrp_` prefix) is a GARP setting; false if not. */
export function readAnnounce(keyword: string, item: Statement, into: AnnounceSettings, notes: NoteList): boolean {
  switch (keyword) {
    case 'garp_master_repeat':
      into.count = integer(item, notes, 0, 100) ?? into.count;
      return true;
    case 'garp_interval':
      into.intervalMs = secondsAsMs(item, notes, 10, 10_000) ?? into.intervalMs;
      return true;
    case 'garp_master_refresh': {
      // Ours is 0 (off) or at least a second, so that a typo cannot flood the segment.
      const ms = secondsAsMs(item, notes, 0, 86_400_000);
      if (ms !== undefined) into.refreshIntervalMs = ms === 0 ? 0 : Math.max(1000, ms);
      return true;
    }
    case 'garp_master_delay':
      notes.add(item, 'not carried over: ipfailoverd sends one burst on becoming master and then refreshes it every announce.refreshIntervalMs (60 s unless set), not a second burst after a delay');
      return true;
    case 'garp_master_refresh_repeat':
      notes.add(item, 'not carried over: each refresh repeats the whole burst (announce.count announcements)');
      return true;
    case 'garp_lower_prio_delay':
    case 'garp_lower_prio_repeat':
    case 'gna_interval':
      notes.add(item, 'not carried over: ipfailoverd has one announcement interval for ARP and NA and none for lower-priority adverts');
      return true;
    default:
      return false;
  }
}
