// What the rejection list and the stats read: plain data (no Node or driver type), so the inspector (src/ui) imports it as the API sends it.

/** A `rejections` row. */
export interface RejectionRow {
  readonly id: number;
  readonly received_at: number;
  readonly status: number;
  readonly code: string;
  readonly event: string | null;
  readonly client_address: string | null;
  readonly request_id: string | null;
  readonly body_bytes: number;
  readonly body_prefix: string;
  /** The reason as the sender was told it (null on rows stored before it was kept). */
  readonly message: string | null;
  /** An `invalid_event`'s problems as answered, at most 20. */
  readonly issues: ReadonlyArray<{ readonly path: string; readonly message: string }> | null;
}

/** Deliveries counted per UTC hour they were answered: in all, per day, and per hour for the newest week that has any. */
export interface CountsOverTime {
  readonly total: number;
  readonly by_day: ReadonlyArray<{ readonly day: string; readonly count: number }>;
  readonly by_hour: ReadonlyArray<{ readonly hour: string; readonly count: number }>;
}

/**
 * Stored events counted per event name, per campaign, per UTC day and hour
 * of `event_at` (`by_hour`: the newest week of the window that has events, per
 * event name), with each campaign's stored passes; and the duplicates and
 * rejections answered over time.
 */
export interface Stats {
  readonly total: number;
  readonly by_event: ReadonlyArray<{ readonly event: string; readonly count: number }>;
  readonly by_campaign: ReadonlyArray<{ readonly campaign_id: string; readonly count: number; readonly passes: number }>;
  readonly by_day: ReadonlyArray<{ readonly day: string; readonly count: number }>;
  readonly by_hour: ReadonlyArray<{ readonly hour: string; readonly event: string; readonly count: number }>;
  readonly duplicates: CountsOverTime;
  readonly rejections: CountsOverTime;
}
