import { useEffect, useState } from 'react';
import { api, type Params } from './api/client';
import type { K2Event } from './api/types';

/** How many tailed events are kept; older ones fall off. */
const KEEP = 500;

export type TailState = 'off' | 'connecting' | 'live' | 'error';

/** While `on`, events matching `params` stream in over SSE (`event: k2event`), newest first. */
export function useLiveTail(on: boolean, params: Params): { events: K2Event[]; state: TailState } {
  const [events, setEvents] = useState<K2Event[]>([]);
  const [state, setState] = useState<TailState>('off');
  const key = JSON.stringify(params);
  useEffect(() => {
    setEvents([]);
    if (!on) {
      setState('off');
      return;
    }
    setState('connecting');
    const source = new EventSource(api.tailUrl(JSON.parse(key) as Params));
    source.onopen = () => setState('live');
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'error' : 'connecting');
    source.addEventListener('k2event', (message) => {
      const event = JSON.parse((message as MessageEvent<string>).data) as K2Event;
      setEvents((list) => [event, ...list.filter((e) => e.id !== event.id)].slice(0, KEEP));
    });
    return () => source.close();
  }, [on, key]);
  return { events, state };
}
