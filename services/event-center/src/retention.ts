import cron from 'node-cron';
import type { EventStore } from '@k2/event-store';
import type { Logger } from '@k2/log';

const DAY_MS = 86_400_000;

/** Deletes events older than `days` on a cron schedule; returns the stop. */
export function scheduleRetention(store: EventStore, days: number, schedule: string, log: Logger): () => void {
  if (!cron.validate(schedule))
    throw new Error(`eventCenter.retention.schedule: "${schedule}" is not a valid cron expression`);
  const task = cron.schedule(schedule, async () => {
    const before = new Date(Date.now() - days * DAY_MS);
    try {
      const removed = await store.purge(before);
      log.info({ before: before.toISOString(), removed }, 'event-center: retention purged old events');
    } catch (err) {
      log.error({ err }, 'event-center: retention purge failed; the next run tries again');
    }
  });
  return () => void task.stop();
}
