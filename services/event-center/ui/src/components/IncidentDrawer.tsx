import { Alert, Button, Descriptions, Drawer, Input, List, Space, Tag, Timeline, Typography, message } from 'antd';
import { useState } from 'react';
import { api } from '../api/client';
import type { IncidentDetail } from '../api/types';
import { formatTime, timelineLink } from '../format';
import { useI18n, type Translate } from '../i18n/i18n';
import { linkProps } from '../router';
import { useAsync } from '../useAsync';
import { SeverityTag, StatusTag } from './Severity';

/** An incident: what it is, the objects it hit, its records and events in time order, and ack. */
export function IncidentDrawer({ id, onClose, onAcked }: { id?: string; onClose(): void; onAcked(): void }) {
  const { t } = useI18n();
  const detail = useAsync(() => (id ? api.incident(id) : Promise.resolve(undefined)), id ?? '');
  const [comment, setComment] = useState('');
  const [acking, setAcking] = useState(false);
  const [toast, toastHolder] = message.useMessage();
  const d = detail.data;

  const ack = async () => {
    if (!id) return;
    setAcking(true);
    try {
      await api.ack(id, comment.trim() || undefined);
      setComment('');
      toast.success(t('incident.acked'));
      detail.reload();
      onAcked();
    } catch (err) {
      toast.error(t('error.load', { message: (err as Error).message }));
    } finally {
      setAcking(false);
    }
  };

  return (
    <Drawer
      open={id !== undefined}
      onClose={onClose}
      size={760}
      title={t('incident.title')}
      data-testid="incident-drawer"
    >
      {toastHolder}
      {detail.error && <Alert type="error" title={t('error.load', { message: detail.error.message })} />}
      {d && (
        <Space orientation="vertical" style={{ width: '100%' }} size="middle">
          <Typography.Title level={5} style={{ margin: 0 }}>
            {d.incident.summary}
          </Typography.Title>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('col.severity')}>
              <SeverityTag severity={d.incident.severity} />
              {d.incident.flapping && <Tag color="purple">{t('incident.flapping')}</Tag>}
            </Descriptions.Item>
            <Descriptions.Item label={t('col.status')}>
              <StatusTag status={d.incident.status} />
            </Descriptions.Item>
            <Descriptions.Item
              label={t('col.where')}
            >{`${d.incident.cluster} / ${d.incident.namespace}`}</Descriptions.Item>
            <Descriptions.Item label={t('col.workload')}>
              <a
                {...linkProps(
                  timelineLink(
                    d.incident.cluster,
                    d.incident.namespace,
                    d.incident.workload.kind,
                    d.incident.workload.name,
                  ),
                )}
              >
                {`${d.incident.workload.kind}/${d.incident.workload.name}`}
              </a>
            </Descriptions.Item>
            <Descriptions.Item label={t('col.class')}>{d.incident.class}</Descriptions.Item>
            <Descriptions.Item label={t('col.count')}>{d.incident.count}</Descriptions.Item>
            <Descriptions.Item label={t('incident.firstSeen')}>{formatTime(d.incident.firstSeen)}</Descriptions.Item>
            <Descriptions.Item label={t('incident.lastSeen')}>{formatTime(d.incident.lastSeen)}</Descriptions.Item>
          </Descriptions>
          <Affected detail={d} t={t} />
          <Typography.Text strong>{t('incident.timeline')}</Typography.Text>
          <Timeline data-testid="incident-timeline" items={timelineItems(d)} />
          <Typography.Text strong>{t('incident.acks')}</Typography.Text>
          <List
            data-testid="acks"
            size="small"
            bordered
            locale={{ emptyText: t('incident.noAcks') }}
            dataSource={d.acks}
            renderItem={(a) => (
              <List.Item>
                <Space>
                  <Typography.Text strong>{a.by}</Typography.Text>
                  <Typography.Text type="secondary">{formatTime(a.at)}</Typography.Text>
                  {a.comment && <Typography.Text>{a.comment}</Typography.Text>}
                </Space>
              </List.Item>
            )}
          />
          <Space.Compact style={{ width: '100%' }}>
            <Input
              value={comment}
              maxLength={2000}
              placeholder={t('incident.ackComment')}
              onChange={(e) => setComment(e.target.value)}
              data-testid="ack-comment"
            />
            <Button type="primary" loading={acking} onClick={ack} data-testid="ack-button">
              {t('incident.ack')}
            </Button>
          </Space.Compact>
        </Space>
      )}
    </Drawer>
  );
}

function Affected({ detail, t }: { detail: IncidentDetail; t: Translate }) {
  const { incident } = detail;
  return (
    <>
      <Typography.Text strong>{t('incident.affected')}</Typography.Text>
      <List
        data-testid="affected"
        size="small"
        bordered
        dataSource={incident.affected}
        footer={incident.otherAffected > 0 ? t('incident.others', { n: incident.otherAffected }) : undefined}
        renderItem={(o) => (
          <List.Item extra={<Typography.Text type="secondary">×{o.count}</Typography.Text>}>
            <Space>
              <a
                {...linkProps(timelineLink(incident.cluster, incident.namespace, o.kind, o.name))}
              >{`${o.kind}/${o.name}`}</a>
              {o.container && <Tag>{o.container}</Tag>}
              {o.node && <Typography.Text type="secondary">{o.node}</Typography.Text>}
            </Space>
          </List.Item>
        )}
      />
    </>
  );
}

/** The incident's records (transitions) and its events, oldest first. */
function timelineItems(d: IncidentDetail) {
  const items = [
    ...d.history.map((i) => ({
      at: i.transitionAt,
      color: i.transition === 'resolved' ? 'green' : i.transition === 'escalated' ? 'red' : 'orange',
      content: (
        <Space orientation="vertical" size={0}>
          <Typography.Text type="secondary">{formatTime(i.transitionAt)}</Typography.Text>
          <Typography.Text strong>{`${i.transition} · ${i.severity}`}</Typography.Text>
          <Typography.Text>{i.summary}</Typography.Text>
        </Space>
      ),
    })),
    ...d.events.map((e) => ({
      at: e.lastSeen,
      color: e.type === 'Warning' ? 'orange' : 'gray',
      content: (
        <Space orientation="vertical" size={0}>
          <Typography.Text type="secondary">{`${formatTime(e.lastSeen)} · ${e.involvedObject.kind}/${e.involvedObject.name}`}</Typography.Text>
          <Typography.Text>{`${e.reason}: ${e.message}`}</Typography.Text>
        </Space>
      ),
    })),
  ];
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return items.map(({ color, content }, key) => ({ key, color, content }));
}
