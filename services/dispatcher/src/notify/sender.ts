import type { Notification } from '@k2/contracts';

export type SendResult =
  | { ok: true; status?: number }
  | {
      ok: false;
      /** Network errors, timeouts, 5xx, 429 and provider throttle codes are retried; the rest is permanent. */
      retry: boolean;
      status?: number;
      error: string;
      /** The provider said when to come back (Retry-After) or how long it throttles. */
      retryAfterMs?: number;
      /** The provider throttles this robot: the rate limiter backs off too. */
      throttled?: boolean;
    };

/** One receiver integration; every provider hides behind this. */
export interface Sender {
  readonly kind: string;
  /** Gives up after the receiver's `timeout` (an HTTP request, an SMTP connection). */
  send(n: Notification): Promise<SendResult>;
  /** Secrets this sender holds, so error texts can be scrubbed of them. */
  readonly secrets: readonly string[];
  close?(): Promise<void>;
}
