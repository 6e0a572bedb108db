// A pass's projected state: plain data (no Node or driver type), so the inspector (src/ui) imports it as the API sends it.

/** One device registration of a pass (`event_extra.registration_id`). */
export interface Registration {
  readonly registration_id: string;
  /** `ios`, `android`, `wp`, or null when no event said. */
  readonly device_os: string | null;
  /** The wallet app (`event_extra.device_app_vendor`: passbook, google_wallet, ...). */
  readonly wallet: string | null;
  readonly wallet_type: string | null;
  readonly installed_at: string | null;
  readonly last_fetched_at: string | null;
  readonly uninstalled_at: string | null;
  /** Installed (or fetching) and not uninstalled. */
  readonly live: boolean;
}

/** The projection of one pass: its state after its stored events, applied in `event_at` order. */
export interface PassState {
  readonly pass_id: string;
  readonly campaign_id: string;
  readonly distribution_id: string;
  readonly serial_number: string;
  readonly created_at: string;
  readonly updated_at: string;
  readonly voided: boolean;
  readonly redeemed_count: number;
  readonly redeemed_at: string | null;
  /** The latest device fetch any event reported. */
  readonly last_fetched_at: string | null;
  readonly last_event: string;
  readonly last_event_at: string;
  /** The sort key of the last event applied (see `sortKeyOf`). */
  readonly last_sort_key: string;
  readonly event_count: number;
  /** How many registrations are live. */
  readonly installed_devices: number;
  /** Every registration seen, by `registration_id`. */
  readonly registrations: readonly Registration[];
  readonly metadata: Readonly<Record<string, unknown>>;
}
