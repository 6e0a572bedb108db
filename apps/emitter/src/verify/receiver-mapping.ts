/**
 * The one place that knows the reference receiver's read API: its routes and
 * how its JSON maps onto what `verify` compares. Adjust this file, and only
 * this file, when the receiver's API changes.
 *
 * Written against apps/receiver's read API:
 * - `GET /api/passes/:pass_id?timeline_limit=N` -> `{ data: { ...state, registrations: [{ registration_id, device_os, wallet, live, ... }], last_event, last_event_at, timeline: [{ event, event_at, ... }], timeline_truncated } }`
 * - `GET /api/passes?campaign_id=..&limit=..&cursor=..` -> `{ data: [state], next_cursor }`
 * - `GET /api/stats?campaign_id=..` -> `{ data: { total, by_event: [{ event, count }] } }`
 * Every route is behind `Authorization: Bearer <admin token>`.
 */

/** A live registration as the receiver reports it. */
export interface ObservedRegistration {
  readonly registration_id: string;
  readonly device_os: string | null;
  readonly wallet: string | null;
}

/** What the receiver says about one pass; a field is `undefined` when its JSON did not have it. */
export interface ObservedPass {
  readonly campaign_id?: string;
  readonly redeemed_count?: number;
  readonly voided?: boolean;
  readonly last_fetched_at?: string | null;
  /** Live registrations only. */
  readonly registrations?: readonly ObservedRegistration[];
  readonly last_event?: { readonly event: string; readonly event_at: string };
  /** Stored events per name (from the timeline). */
  readonly event_counts?: Readonly<Record<string, number>>;
}

/** The largest timeline asked for: every event of a simulated pass fits. */
const TIMELINE_LIMIT = 10_000;

/** The receiver's routes, relative to its base URL. */
export const receiverRoutes = {
  pass: (passId: string): string => `/api/passes/${encodeURIComponent(passId)}?timeline_limit=${TIMELINE_LIMIT}`,
  passList: (campaignId: string, cursor: string | null): string =>
    `/api/passes?campaign_id=${encodeURIComponent(campaignId)}&limit=1000${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
  stats: (campaignId: string): string => `/api/stats?campaign_id=${encodeURIComponent(campaignId)}`,
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === 'object' && !Array.isArray(value);
const unwrap = (value: unknown): Json => (isObject(value) && isObject(value['data']) ? value['data'] : isObject(value) ? value : {});
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** Maps `GET /api/passes/:pass_id` to what verify compares. */
export function mapPassState(json: unknown): ObservedPass {
  const state = unwrap(json);
  const registrations = Array.isArray(state['registrations'])
    ? state['registrations']
        .filter(isObject)
        .filter((registration) => registration['live'] !== false && (registration['uninstalled_at'] ?? null) === null)
        .map((registration) => ({
          registration_id: String(registration['registration_id']),
          device_os: text(registration['device_os']),
          wallet: text(registration['wallet'] ?? registration['device_app_vendor']),
        }))
    : undefined;
  const timeline = Array.isArray(state['timeline']) && state['timeline_truncated'] !== true ? state['timeline'].filter(isObject) : undefined;
  let counts: Record<string, number> | undefined;
  if (timeline !== undefined) {
    counts = {};
    for (const entry of timeline) {
      const name = String(entry['event']);
      counts[name] = (counts[name] ?? 0) + 1;
    }
  }
  const lastEvent = isObject(state['last_event'])
    ? { event: String(state['last_event']['event']), event_at: String(state['last_event']['event_at']) }
    : typeof state['last_event'] === 'string' && typeof state['last_event_at'] === 'string'
      ? { event: state['last_event'], event_at: state['last_event_at'] }
      : undefined;
  return {
    ...(typeof state['campaign_id'] === 'string' ? { campaign_id: state['campaign_id'] } : {}),
    ...(typeof state['redeemed_count'] === 'number' ? { redeemed_count: state['redeemed_count'] } : {}),
    ...(typeof state['voided'] === 'boolean' ? { voided: state['voided'] } : {}),
    ...('last_fetched_at' in state ? { last_fetched_at: text(state['last_fetched_at']) } : {}),
    ...(registrations === undefined ? {} : { registrations }),
    ...(lastEvent === undefined ? {} : { last_event: lastEvent }),
    ...(counts === undefined ? {} : { event_counts: counts }),
  };
}

/** Maps one page of `GET /api/passes` to its pass ids and the next cursor. */
export function mapPassList(json: unknown): { readonly pass_ids: readonly string[]; readonly next_cursor: string | null } {
  const page = isObject(json) ? json : {};
  const data = Array.isArray(page['data']) ? page['data'].filter(isObject) : [];
  return { pass_ids: data.map((pass) => String(pass['pass_id'])), next_cursor: text(page['next_cursor']) };
}

/** Maps `GET /api/stats` to stored events per name. */
export function mapStats(json: unknown): Readonly<Record<string, number>> {
  const stats = unwrap(json);
  const byEvent = stats['by_event'];
  const counts: Record<string, number> = {};
  if (Array.isArray(byEvent)) {
    for (const row of byEvent.filter(isObject)) counts[String(row['event'])] = Number(row['count']);
  } else if (isObject(byEvent)) {
    for (const [name, count] of Object.entries(byEvent)) counts[name] = Number(count);
  }
  return counts;
}
