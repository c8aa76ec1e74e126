import pino, { type Logger, type LevelWithSilent } from 'pino';

/** Paths that may hold a secret or a token; pino replaces them before anything is written. */
export const REDACTED_PATHS = [
  'secret',
  '*.secret',
  'password',
  '*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(level: LevelWithSilent, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}

export type { Logger };
