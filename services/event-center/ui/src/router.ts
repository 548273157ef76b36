import { useCallback, useSyncExternalStore } from 'react';

/**
 * The URL is the state of every page (permalinks): pages read their query from it and change
 * it with navigate(). A tiny history-API router; three pages need no more.
 */
const listeners = new Set<() => void>();
const notify = () => listeners.forEach((l) => l());
window.addEventListener('popstate', notify);

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
};
const snapshot = () => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === snapshot()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  notify();
}

export interface Location {
  path: string;
  search: URLSearchParams;
}

export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, snapshot);
  const url = new URL(href, window.location.origin);
  return { path: url.pathname, search: url.searchParams };
}

/** Replaces some query parameters of the current page (undefined or [] removes one). */
export function useSetSearch(): (changes: Record<string, string | string[] | undefined>, replace?: boolean) => void {
  return useCallback((changes, replace = false) => {
    const search = new URLSearchParams(window.location.search);
    for (const [key, value] of Object.entries(changes)) {
      search.delete(key);
      for (const v of Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value])
        search.append(key, v);
    }
    const s = search.toString();
    navigate(`${window.location.pathname}${s ? `?${s}` : ''}`, { replace });
  }, []);
}

interface LinkClick {
  preventDefault(): void;
  stopPropagation(): void;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  button: number;
}

/** A link that navigates in the app (a modifier key still opens a new tab); clicks stay off clickable rows. */
export function linkProps(to: string) {
  return {
    href: to,
    onClick: (e: LinkClick) => {
      e.stopPropagation();
      if (e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      navigate(to);
    },
  };
}
