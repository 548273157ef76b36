import type { ReceiverConfig } from '../route/config.js';

/** What every sender gets besides its own config section. */
export interface SenderContext {
  cfg: ReceiverConfig;
  env: NodeJS.ProcessEnv;
  /** A template failed at send time; the built-in text went out instead. */
  onTemplateFallback(receiver: string): void;
  /** Milliseconds since the epoch for signature timestamps; injectable so tests can check signatures byte for byte. */
  now?: () => number;
}
