import { Alert, Segmented, Select, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { api } from '../api/client';
import type { Incident } from '../api/types';
import { IncidentDrawer } from '../components/IncidentDrawer';
import { SeverityTag, StatusTag } from '../components/Severity';
import { formatTime } from '../format';
import { useI18n } from '../i18n/i18n';
import { useLocation, useSetSearch } from '../router';
import { useAsync } from '../useAsync';

const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Open and resolved incidents, filtered by severity and namespace; the selection and the open one are in the URL. */
export function IncidentsPage() {
  const { t } = useI18n();
  const { search } = useLocation();
  const setSearch = useSetSearch();
  const status = search.get('status') ?? 'open';
  const severity = search.getAll('severity');
  const namespace = search.getAll('namespace');
  const openId = search.get('incident') ?? undefined;
  const list = useAsync(
    () => api.incidents({ status: status === 'all' ? undefined : status, severity, namespace, limit: 200 }),
    JSON.stringify([status, severity, namespace]),
  );

  const columns: ColumnsType<Incident> = [
    {
      title: t('col.severity'),
      dataIndex: 'severity',
      width: 100,
      render: (s: Incident['severity']) => <SeverityTag severity={s} />,
    },
    {
      title: t('col.status'),
      dataIndex: 'status',
      width: 100,
      render: (s: Incident['status']) => <StatusTag status={s} />,
    },
    {
      title: t('col.summary'),
      dataIndex: 'summary',
      render: (s: string, i) => (
        <Space>
          <span>{s}</span>
          {i.flapping && <Tag color="purple">{t('incident.flapping')}</Tag>}
        </Space>
      ),
    },
    { title: t('col.where'), width: 170, render: (_, i) => `${i.cluster} / ${i.namespace}` },
    { title: t('col.workload'), width: 200, render: (_, i) => `${i.workload.kind}/${i.workload.name}` },
    { title: t('col.class'), dataIndex: 'class', width: 130 },
    { title: t('col.affected'), width: 90, align: 'right', render: (_, i) => i.affected.length + i.otherAffected },
    { title: t('col.count'), dataIndex: 'count', width: 80, align: 'right' },
    { title: t('incident.lastSeen'), dataIndex: 'lastSeen', width: 170, render: (v: string) => formatTime(v) },
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Space wrap>
        <Segmented
          data-testid="incident-status"
          value={status}
          onChange={(v) => setSearch({ status: v === 'open' ? undefined : String(v) })}
          options={[
            { value: 'open', label: t('incidents.open') },
            { value: 'resolved', label: t('incidents.resolved') },
            { value: 'all', label: t('incidents.all') },
          ]}
        />
        <Select
          mode="multiple"
          allowClear
          style={{ minWidth: 240 }}
          placeholder={t('incidents.severity')}
          value={severity}
          onChange={(v: string[]) => setSearch({ severity: v })}
          options={SEVERITIES.map((s) => ({ value: s, label: s }))}
        />
        <Select
          mode="tags"
          allowClear
          style={{ minWidth: 240 }}
          placeholder={t('incidents.namespace')}
          value={namespace}
          onChange={(v: string[]) => setSearch({ namespace: v })}
          open={false}
          suffixIcon={null}
        />
      </Space>
      {list.error && <Alert type="error" title={t('error.load', { message: list.error.message })} />}
      <Table<Incident>
        data-testid="incidents-table"
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.loading}
        pagination={false}
        locale={{ emptyText: t('incidents.none') }}
        onRow={(i) => ({ onClick: () => setSearch({ incident: i.id }), style: { cursor: 'pointer' } })}
      />
      <IncidentDrawer id={openId} onClose={() => setSearch({ incident: undefined })} onAcked={list.reload} />
    </Space>
  );
}
