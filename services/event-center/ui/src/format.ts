import dayjs from 'dayjs';

export const formatTime = (iso: string) => dayjs(iso).format('YYYY-MM-DD HH:mm:ss');

/** `?a=1&b=2` for in-app links from plain values. */
export const query = (params: Record<string, string>) => `?${new URLSearchParams(params).toString()}`;

export const timelineLink = (cluster: string, namespace: string, kind: string, name: string) =>
  `/timeline${query({ cluster, namespace, kind, name })}`;
