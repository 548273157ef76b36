import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

/** Field names whose values never reach a log line, at any depth pino can address. */
const SECRET_PATHS = ['token', 'password', 'secret', 'authorization', 'headers.authorization', 'webhookUrl'];
const REDACT = SECRET_PATHS.flatMap((p) => [p, `*.${p}`, `*.*.${p}`]);

export function createLogger(options: { name: string; level?: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination(2),
  );
}
