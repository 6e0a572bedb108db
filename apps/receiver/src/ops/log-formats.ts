/** The log formats LOG_FORMAT accepts: pino's JSON lines, or readable lines for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;

/** One of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];
