import { Alert, Badge, Button, Card, Col, DatePicker, Input, Row, Select, Space, Switch, Tag, Typography } from 'antd';
import dayjs from 'dayjs';
import { useMemo } from 'react';
import { api } from '../api/client';
import type { K2Event } from '../api/types';
import { EventDrawer } from '../components/EventDrawer';
import { EventTable } from '../components/EventTable';
import { FacetsPanel } from '../components/FacetsPanel';
import { HistogramChart } from '../components/HistogramChart';
import { useI18n } from '../i18n/i18n';
import { FILTER_KEYS, filterParams, hasFilters, readEventQuery, type FilterKey } from '../query';
import { useLocation, useSetSearch } from '../router';
import { useAsync } from '../useAsync';
import { useLiveTail } from '../useLiveTail';
import { usePagedEvents } from '../usePagedEvents';

const PRESETS = [
  { key: '15m', minutes: 15 },
  { key: '1h', minutes: 60 },
  { key: '24h', minutes: 24 * 60 },
  { key: '7d', minutes: 7 * 24 * 60 },
];

/** Search, facets, histogram, results, detail and live tail; the whole query lives in the URL. */
export function EventsPage() {
  const { t } = useI18n();
  const { search } = useLocation();
  const setSearch = useSetSearch();
  const query = useMemo(() => readEventQuery(search), [search]);
  const live = search.get('live') === '1';
  const openId = search.get('event') ?? undefined;
  const key = JSON.stringify(query);

  const page = usePagedEvents(query);
  const histogram = useAsync(() => api.histogram({ ...filterParams(query), buckets: 60 }), key);
  // The tail streams what arrives from now on: a time range would only hide it.
  const tailParams = useMemo(() => ({ ...filterParams(query), from: undefined, to: undefined }), [query]);
  const tail = useLiveTail(live, tailParams);
  const fresh = useMemo(() => new Set(tail.events.map((e) => e.id)), [tail.events]);
  const rows: K2Event[] = useMemo(() => {
    const seen = new Set(page.items.map((e) => e.id));
    return [...tail.events.filter((e) => !seen.has(e.id)), ...page.items];
  }, [tail.events, page.items]);

  const toggle = (field: FilterKey, value: string, on: boolean) => {
    const values = query.filters[field].filter((v) => v !== value);
    setSearch({ [field]: on ? [...values, value] : values });
  };
  const range = query.from && query.to ? ([dayjs(query.from), dayjs(query.to)] as const) : null;
  const chips = FILTER_KEYS.flatMap((k) => query.filters[k].map((v) => ({ k, v })));

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Input.Search
          key={query.q}
          data-testid="search"
          defaultValue={query.q}
          placeholder={t('events.search')}
          allowClear
          enterButton
          style={{ width: 420 }}
          onSearch={(q) => setSearch({ q })}
        />
        <DatePicker.RangePicker
          showTime
          value={range ? [range[0], range[1]] : null}
          placeholder={[t('events.range'), t('events.range')]}
          presets={PRESETS.map((p) => ({
            label: p.key,
            value: () => [dayjs().subtract(p.minutes, 'minute'), dayjs()],
          }))}
          onChange={(v) => setSearch({ from: v?.[0]?.toDate().toISOString(), to: v?.[1]?.toDate().toISOString() })}
        />
        <Select
          value={query.sort}
          style={{ width: 150 }}
          onChange={(sort) => setSearch({ sort: sort === 'desc' ? undefined : sort })}
          options={[
            { value: 'desc', label: t('events.newest') },
            { value: 'asc', label: t('events.oldest') },
          ]}
        />
        <Space>
          <Switch data-testid="live-tail" checked={live} onChange={(on) => setSearch({ live: on ? '1' : undefined })} />
          <span>{t('events.live')}</span>
          {live && <Badge status={tail.state === 'live' ? 'processing' : 'warning'} text={t(`tail.${tail.state}`)} />}
        </Space>
        {hasFilters(query) && (
          <Button
            onClick={() =>
              setSearch(Object.fromEntries(['q', 'from', 'to', ...FILTER_KEYS].map((k) => [k, undefined])))
            }
          >
            {t('events.clear')}
          </Button>
        )}
      </Space>
      {chips.length > 0 && (
        <Space wrap data-testid="active-filters">
          {chips.map(({ k, v }) => (
            <Tag key={`${k}=${v}`} closable onClose={() => toggle(k, v, false)}>
              {`${k}: ${v}`}
            </Tag>
          ))}
        </Space>
      )}
      <Row gutter={16} wrap={false}>
        <Col flex="260px">
          <FacetsPanel query={query} onToggle={toggle} />
        </Col>
        <Col flex="auto" style={{ minWidth: 0 }}>
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Card
              size="small"
              title={t('events.histogram')}
              extra={
                (query.from || query.to) && (
                  <Button size="small" onClick={() => setSearch({ from: undefined, to: undefined })}>
                    {t('events.resetZoom')}
                  </Button>
                )
              }
            >
              {histogram.data && (
                <HistogramChart histogram={histogram.data} onZoom={(from, to) => setSearch({ from, to })} />
              )}
            </Card>
            {(page.error ?? histogram.error) && (
              <Alert type="error" title={t('error.load', { message: (page.error ?? histogram.error)!.message })} />
            )}
            <Typography.Text type="secondary" data-testid="result-count">
              {t('events.count', { n: rows.length })}
            </Typography.Text>
            <EventTable events={rows} loading={page.loading} fresh={fresh} onOpen={(e) => setSearch({ event: e.id })} />
            {page.nextCursor && (
              <Button block onClick={page.loadMore} loading={page.loading}>
                {t('events.loadMore')}
              </Button>
            )}
          </Space>
        </Col>
      </Row>
      <EventDrawer id={openId} onClose={() => setSearch({ event: undefined })} />
    </Space>
  );
}
