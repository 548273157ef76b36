/** One kernel log record: its text, and where known its sequence number and time since boot. */
export interface KernelRecord {
  seq?: number;
  /** Microseconds since boot. */
  usec?: number;
  message: string;
}

// /dev/kmsg: "pri,seq,usec,flags[,more];message" (see Documentation/ABI/testing/dev-kmsg).
const KMSG = /^(\d{1,10}),(\d{1,20}),(\d{1,20}),[^;]{0,64};/;
// dmesg: "[12345.678901] message", optionally after "<pri>".
const DMESG = /^(?:<\d{1,10}>)?\[\s{0,12}(\d{1,12})\.(\d{1,9})\]\s?/;

/**
 * Parses a line of /dev/kmsg or dmesg output; any other line is taken whole as a message.
 * /dev/kmsg continuation lines (" KEY=value" dictionary entries) yield undefined.
 */
export function parseKernelRecord(line: string): KernelRecord | undefined {
  if (line.startsWith(' ')) return undefined;
  const k = KMSG.exec(line);
  if (k) {
    const seq = Number(k[2]);
    const usec = Number(k[3]);
    return {
      ...(Number.isSafeInteger(seq) ? { seq } : {}),
      ...(Number.isSafeInteger(usec) ? { usec } : {}),
      message: line.slice(k[0].length),
    };
  }
  const d = DMESG.exec(line);
  if (d) {
    const usec = Number(d[1]) * 1e6 + Number(d[2]!.padEnd(6, '0').slice(0, 6));
    return { ...(Number.isSafeInteger(usec) ? { usec } : {}), message: line.slice(d[0].length) };
  }
  return { message: line };
}
