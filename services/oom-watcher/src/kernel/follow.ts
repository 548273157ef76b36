import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import type { Logger } from '@k2/log';

export interface FollowHooks {
  onLine(line: string): void;
  /** A line longer than the limit was skipped. */
  onOversized(): void;
}

export interface FollowOptions {
  path: string;
  /** How often to look for more once the end is reached. */
  pollMs?: number;
  /** Longer lines are skipped whole; /dev/kmsg records are at most a few KiB. */
  maxLineBytes?: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads a file line by line and keeps following it as it grows, like `tail -f`: /dev/kmsg
 * (opened non-blocking, one record per read), or a regular file, reopened from the start when
 * it is truncated or replaced. Invalid UTF-8 becomes U+FFFD.
 */
export class LineFollower {
  private handle: FileHandle | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Inside a line that is already too long: drop bytes up to its end. */
  private skipping = false;

  constructor(
    private readonly options: FollowOptions,
    private readonly hooks: FollowHooks,
    private readonly log: Logger,
  ) {}

  get open(): boolean {
    return this.handle !== undefined;
  }

  start(): void {
    this.stopped = false;
    this.loop ??= this.run().finally(() => (this.loop = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const buffer = Buffer.alloc(64 * 1024);
    let failures = 0;
    while (!this.stopped) {
      try {
        const handle = await open(this.options.path, constants.O_RDONLY | constants.O_NONBLOCK);
        this.handle = handle;
        failures = 0;
        try {
          await this.follow(handle, buffer);
        } finally {
          this.handle = undefined;
          await handle.close().catch(() => {});
        }
      } catch (err) {
        this.log.warn({ err: String(err), path: this.options.path }, 'cannot read kernel messages; retrying');
        await this.sleep(Math.min(30_000, 1_000 * 2 ** Math.min(failures++, 5)));
      }
    }
  }

  /** Returns to reopen the file (truncated or replaced), throws on a read error. */
  private async follow(handle: FileHandle, buffer: Buffer): Promise<void> {
    const device = (await handle.stat()).isCharacterDevice();
    let position = 0;
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
    while (!this.stopped) {
      let bytesRead: number;
      try {
        // A device is read at its own position (/dev/kmsg is not seekable); a file at ours.
        ({ bytesRead } = await handle.read(buffer, 0, buffer.length, device ? null : position));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') bytesRead = 0;
        // The ring buffer overwrote records before we read them; reading goes on with the next.
        else if (code === 'EPIPE') continue;
        else throw err;
      }
      if (bytesRead > 0) {
        position += bytesRead;
        this.consume(buffer.subarray(0, bytesRead));
        continue;
      }
      if (!device && (await this.replaced(handle, position))) return;
      await this.sleep(this.options.pollMs ?? 500);
    }
  }

  private async replaced(handle: FileHandle, position: number): Promise<boolean> {
    const [mine, current] = await Promise.all([handle.stat(), stat(this.options.path).catch(() => undefined)]);
    return mine.size < position || (current !== undefined && current.ino !== mine.ino);
  }

  private consume(chunk: Buffer): void {
    const limit = this.options.maxLineBytes ?? 64 * 1024;
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.skipping || this.pendingBytes + piece.length > limit) {
        if (!this.skipping) this.hooks.onOversized();
        this.skipping = false;
        this.pending = [];
        this.pendingBytes = 0;
        continue;
      }
      const line = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]) : piece;
      this.pending = [];
      this.pendingBytes = 0;
      this.hooks.onLine(decoder.decode(line).replace(/\r$/, ''));
    }
    if (start >= chunk.length || this.skipping) return;
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > limit) {
      this.hooks.onOversized();
      this.skipping = true;
      this.pending = [];
      this.pendingBytes = 0;
      return;
    }
    // Copied: the read buffer is reused.
    this.pending.push(Buffer.from(rest));
    this.pendingBytes += rest.length;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
