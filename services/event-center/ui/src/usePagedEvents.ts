import { useCallback, useEffect, useState } from 'react';
import { api } from './api/client';
import type { K2Event } from './api/types';
import { filterParams, type EventQuery } from './query';

const PAGE = 50;

/** The search results for a query, page by page (cursor), restarting when the query changes. */
export function usePagedEvents(query: EventQuery) {
  const [state, setState] = useState<{ items: K2Event[]; nextCursor?: string; loading: boolean; error?: Error }>({
    items: [],
    loading: true,
  });
  const key = JSON.stringify(query);
  const fetchPage = useCallback(
    (cursor?: string) => api.events({ ...filterParams(query), sort: query.sort, limit: PAGE, cursor }),
    // `key` stands for the query's content.
    [key],
  );
  useEffect(() => {
    let current = true;
    setState({ items: [], loading: true });
    fetchPage().then(
      (page) => current && setState({ items: page.items, nextCursor: page.nextCursor, loading: false }),
      (error: Error) => current && setState({ items: [], loading: false, error }),
    );
    return () => {
      current = false;
    };
  }, [fetchPage]);
  const loadMore = useCallback(() => {
    if (!state.nextCursor) return;
    setState((s) => ({ ...s, loading: true }));
    fetchPage(state.nextCursor).then(
      (page) => setState((s) => ({ items: [...s.items, ...page.items], nextCursor: page.nextCursor, loading: false })),
      (error: Error) => setState((s) => ({ ...s, loading: false, error })),
    );
  }, [fetchPage, state.nextCursor]);
  return { ...state, loadMore };
}
