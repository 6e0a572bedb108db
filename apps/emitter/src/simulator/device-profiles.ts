/** A device and wallet combination a registration keeps for its whole life. */
export interface DeviceProfile {
  readonly device_os: 'ios' | 'android';
  readonly device_app_vendor: string;
  readonly wallet_type: string;
  /** Whether the wallet fetches the pass file (Google-hosted passes have none to fetch). */
  readonly fetches: boolean;
}

/** The wallets of domain.md ("Related platform facts"). */
export const DEVICE_PROFILES = {
  iphone: { device_os: 'ios', device_app_vendor: 'passbook', wallet_type: 'apple_wallet', fetches: true },
  android_wallet_passes: { device_os: 'android', device_app_vendor: 'wallet_passes', wallet_type: 'wallet_passes', fetches: true },
  android_passworks: { device_os: 'android', device_app_vendor: 'passworks_wallet', wallet_type: 'passworks_wallet', fetches: true },
  android_pass2u: { device_os: 'android', device_app_vendor: 'pass2u', wallet_type: 'pass2u', fetches: true },
  android_passwallet: { device_os: 'android', device_app_vendor: 'passwallet', wallet_type: 'passwallet', fetches: true },
  google_pay: { device_os: 'android', device_app_vendor: 'google_wallet', wallet_type: 'google_pay', fetches: false },
} as const satisfies Record<string, DeviceProfile>;

/** A key of {@link DEVICE_PROFILES}. */
export type DeviceProfileName = keyof typeof DEVICE_PROFILES;

/** How often each file-based wallet is picked for a random install: Apple Wallet dominates. */
export const FILE_WALLET_WEIGHTS: readonly (readonly [DeviceProfileName, number])[] = [
  ['iphone', 60],
  ['android_wallet_passes', 14],
  ['android_passworks', 8],
  ['android_pass2u', 9],
  ['android_passwallet', 9],
];
