/** A live-tail client: collects `k2event` messages from an SSE response until closed. */
export interface SseClient {
  status: number;
  body?: unknown;
  events: { id: string; namespace: string; message: string }[];
  /** Comments seen (connected, heartbeat). */
  comments: number;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const client: SseClient = { status: res.status, events: [], comments: 0, close: () => abort.abort() };
  if (res.status !== 200) {
    client.body = await res.json();
    return client;
  }
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) client.comments++;
          const data = /^data: (.*)$/m.exec(block);
          if (/^event: k2event$/m.test(block) && data) client.events.push(JSON.parse(data[1] as string));
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return client;
}
