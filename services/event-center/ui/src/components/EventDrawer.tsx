import { Alert, Descriptions, Drawer, Space, Tag, Typography } from 'antd';
import { api } from '../api/client';
import { formatTime, timelineLink } from '../format';
import { useI18n } from '../i18n/i18n';
import { linkProps } from '../router';
import { useAsync } from '../useAsync';

/** One event, fetched by id (so a permalink opens it), with the raw record as JSON text. */
export function EventDrawer({ id, onClose }: { id: string | undefined; onClose(): void }) {
  const { t } = useI18n();
  const event = useAsync(() => (id ? api.event(id) : Promise.resolve(undefined)), id ?? '');
  const e = event.data;
  return (
    <Drawer open={id !== undefined} onClose={onClose} size={720} title={t('detail.title')} data-testid="event-drawer">
      {event.error && <Alert type="error" title={t('error.load', { message: event.error.message })} />}
      {e && (
        <Space orientation="vertical" style={{ width: '100%' }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t('col.type')}>
              <Tag color={e.type === 'Warning' ? 'orange' : 'default'}>{e.type}</Tag>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.reason')}>{e.reason}</Descriptions.Item>
            <Descriptions.Item label={t('col.message')}>
              <Typography.Paragraph className="k2-detail-message" style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                {e.message}
              </Typography.Paragraph>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.where')}>{`${e.cluster} / ${e.namespace}`}</Descriptions.Item>
            <Descriptions.Item label={t('col.object')}>
              <a {...linkProps(timelineLink(e.cluster, e.namespace, e.involvedObject.kind, e.involvedObject.name))}>
                {`${e.involvedObject.kind}/${e.involvedObject.name}`}
              </a>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.workload')}>
              <a {...linkProps(timelineLink(e.cluster, e.namespace, e.workload.kind, e.workload.name))}>
                {`${e.workload.kind}/${e.workload.name}`}
              </a>
            </Descriptions.Item>
            <Descriptions.Item label={t('detail.source')}>
              {[e.source.component, e.source.host].filter(Boolean).join(' @ ')}
            </Descriptions.Item>
            <Descriptions.Item label={t('detail.firstSeen')}>{formatTime(e.firstSeen)}</Descriptions.Item>
            <Descriptions.Item label={t('col.time')}>{formatTime(e.lastSeen)}</Descriptions.Item>
            <Descriptions.Item label={t('col.count')}>{e.count}</Descriptions.Item>
          </Descriptions>
          <Typography.Text strong>{t('detail.raw')}</Typography.Text>
          <pre data-testid="raw-event" style={{ background: '#f6f6f6', padding: 12, overflow: 'auto', fontSize: 12 }}>
            {JSON.stringify(e, null, 2)}
          </pre>
        </Space>
      )}
    </Drawer>
  );
}
