import { Card, Checkbox, Empty, Space, Typography } from 'antd';
import { api } from '../api/client';
import type { FacetValue } from '../api/types';
import { useI18n } from '../i18n/i18n';
import { FACET_FIELDS, filterParams, type EventQuery, type FacetField } from '../query';
import { useAsync } from '../useAsync';

interface Props {
  query: EventQuery;
  onToggle(field: FacetField, value: string, on: boolean): void;
}

/**
 * Top values per field with counts. A field with a selection is counted without its own filter,
 * so its other values stay visible and can be added.
 */
export function FacetsPanel({ query, onToggle }: Props) {
  const { t } = useI18n();
  const selected = FACET_FIELDS.filter((f) => query.filters[f].length > 0);
  const facets = useAsync(async () => {
    const all = await api.facets({ ...filterParams(query), fields: FACET_FIELDS.join(',') });
    const own = await Promise.all(
      selected.map((f) => api.facets({ ...filterParams(query, f), fields: f }).then((r) => [f, r.facets[f]] as const)),
    );
    return { ...all.facets, ...Object.fromEntries(own) } as Record<string, FacetValue[] | undefined>;
  }, JSON.stringify(query));

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="facets">
      <Typography.Text strong>{t('events.facets')}</Typography.Text>
      {FACET_FIELDS.map((field) => {
        const values = facets.data?.[field] ?? [];
        const chosen = query.filters[field];
        // Selected values the counts no longer name (e.g. out of the top N) stay visible to unselect.
        const shown = [
          ...values,
          ...chosen.filter((v) => !values.some((x) => x.value === v)).map((value) => ({ value, count: 0 })),
        ];
        return (
          <Card
            key={field}
            size="small"
            title={t(`facet.${field}`)}
            data-testid={`facet-${field}`}
            loading={facets.loading && !facets.data}
          >
            {shown.length === 0 ? (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
            ) : (
              shown.map((v) => (
                <div key={v.value} style={{ display: 'flex', justifyContent: 'space-between', gap: 8 }}>
                  <Checkbox
                    checked={chosen.includes(v.value)}
                    onChange={(e) => onToggle(field, v.value, e.target.checked)}
                  >
                    <span style={{ wordBreak: 'break-all' }}>{v.value}</span>
                  </Checkbox>
                  <Typography.Text type="secondary" data-testid="facet-count">
                    {v.count}
                  </Typography.Text>
                </div>
              ))
            )}
          </Card>
        );
      })}
    </Space>
  );
}
