import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { K2Event } from '../api/types';
import { formatTime, timelineLink } from '../format';
import { useI18n } from '../i18n/i18n';
import { linkProps } from '../router';

interface Props {
  events: K2Event[];
  loading: boolean;
  /** Ids that arrived by live tail, briefly marked. */
  fresh?: Set<string>;
  onOpen(event: K2Event): void;
}

/** The results: Warnings highlighted; a click opens the detail. Cluster text is rendered as text only. */
export function EventTable({ events, loading, fresh, onOpen }: Props) {
  const { t } = useI18n();
  const columns: ColumnsType<K2Event> = [
    { title: t('col.time'), dataIndex: 'lastSeen', width: 170, render: (v: string) => formatTime(v) },
    {
      title: t('col.type'),
      dataIndex: 'type',
      width: 90,
      render: (v: K2Event['type']) => <Tag color={v === 'Warning' ? 'orange' : 'default'}>{v}</Tag>,
    },
    { title: t('col.where'), width: 170, render: (_, e) => `${e.cluster} / ${e.namespace}` },
    {
      title: t('col.object'),
      width: 220,
      render: (_, e) => (
        <a {...linkProps(timelineLink(e.cluster, e.namespace, e.involvedObject.kind, e.involvedObject.name))}>
          {`${e.involvedObject.kind}/${e.involvedObject.name}`}
        </a>
      ),
    },
    { title: t('col.reason'), dataIndex: 'reason', width: 140 },
    {
      title: t('col.message'),
      dataIndex: 'message',
      // Plain CSS ellipsis: antd's measured ellipsis costs a layout per row.
      render: (v: string) => (
        <span className="k2-message" title={v}>
          {v}
        </span>
      ),
    },
    { title: t('col.count'), dataIndex: 'count', width: 70, align: 'right' },
  ];
  return (
    <Table<K2Event>
      data-testid="events-table"
      rowKey="id"
      size="small"
      columns={columns}
      dataSource={events}
      loading={loading}
      pagination={false}
      locale={{ emptyText: t('events.none') }}
      rowClassName={(e) =>
        [e.type === 'Warning' ? 'k2-warning' : '', fresh?.has(e.id) ? 'k2-fresh' : ''].filter(Boolean).join(' ')
      }
      onRow={(e) => ({ onClick: () => onOpen(e), style: { cursor: 'pointer' } })}
    />
  );
}
