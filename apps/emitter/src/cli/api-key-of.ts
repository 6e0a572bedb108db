import { API_KEY_ENV } from '@passworks-webhooks/core';
import { UsageError, type CliIo } from './cli-io.js';
import { text } from './parse-flags.js';

/** `--api-key`, or the first key of `PASSWORKS_API_KEY` (a comma-separated list for rotation). */
export function apiKeyOf(values: Record<string, string | boolean | undefined>, io: CliIo): string {
  const key = text(values, 'api-key') ?? io.env[API_KEY_ENV]?.split(',')[0]?.trim();
  if (key === undefined || key === '') throw new UsageError(`--api-key is required (or set ${API_KEY_ENV})`);
  return key;
}
