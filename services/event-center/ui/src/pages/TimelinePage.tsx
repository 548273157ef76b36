import { Alert, Button, Card, Empty, Form, Input, Space, Tag, Timeline, Typography } from 'antd';
import { api } from '../api/client';
import type { TimelineItem } from '../api/types';
import { SeverityTag } from '../components/Severity';
import { formatTime } from '../format';
import { useI18n, type Translate } from '../i18n/i18n';
import { useLocation, useSetSearch } from '../router';
import { useAsync } from '../useAsync';

const FIELDS = ['cluster', 'namespace', 'kind', 'name'] as const;
type Field = (typeof FIELDS)[number];

/** Everything about one pod or workload, oldest first: events, OOM kills and incident records. */
export function TimelinePage() {
  const { t } = useI18n();
  const { search } = useLocation();
  const setSearch = useSetSearch();
  const object = Object.fromEntries(FIELDS.map((f) => [f, search.get(f) ?? ''])) as Record<Field, string>;
  const complete = FIELDS.every((f) => object[f] !== '');
  const timeline = useAsync(
    () => (complete ? api.timeline(object) : Promise.resolve(undefined)),
    JSON.stringify(object),
  );
  const [form] = Form.useForm<Record<Field, string>>();

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="middle">
      <Form
        form={form}
        layout="inline"
        initialValues={object}
        key={JSON.stringify(object)}
        onFinish={(values) => setSearch(Object.fromEntries(FIELDS.map((f) => [f, values[f]?.trim()])))}
      >
        {FIELDS.map((f) => (
          <Form.Item key={f} name={f} label={t(`timeline.${f}`)} rules={[{ required: true, message: '' }]}>
            <Input style={{ width: 160 }} />
          </Form.Item>
        ))}
        <Button type="primary" htmlType="submit">
          {t('timeline.show')}
        </Button>
      </Form>
      {!complete && <Typography.Text type="secondary">{t('timeline.prompt')}</Typography.Text>}
      {timeline.error && <Alert type="error" title={t('error.load', { message: timeline.error.message })} />}
      {complete && timeline.data && (
        <Card
          size="small"
          loading={timeline.loading}
          title={`${object.cluster} / ${object.namespace} / ${object.kind}/${object.name}`}
          data-testid="object-timeline"
        >
          {timeline.data.items.length === 0 ? (
            <Empty description={t('timeline.empty')} />
          ) : (
            <Timeline items={timeline.data.items.map((item, key) => ({ key, ...renderItem(item, t) }))} />
          )}
        </Card>
      )}
    </Space>
  );
}

function renderItem(item: TimelineItem, t: Translate) {
  const when = <Typography.Text type="secondary">{formatTime(item.at)}</Typography.Text>;
  if (item.type === 'incident' && item.incident) {
    const i = item.incident;
    return {
      color: i.status === 'resolved' ? 'green' : 'red',
      content: (
        <Space orientation="vertical" size={0}>
          {when}
          <Space>
            <Tag color="volcano">{t('timeline.incident')}</Tag>
            <SeverityTag severity={i.severity} />
            <Typography.Text strong>{i.transition}</Typography.Text>
          </Space>
          <Typography.Text>{i.summary}</Typography.Text>
        </Space>
      ),
    };
  }
  const e = item.event!;
  return {
    color: item.type === 'oom' ? 'red' : e.type === 'Warning' ? 'orange' : 'gray',
    content: (
      <Space orientation="vertical" size={0}>
        {when}
        <Space>
          <Tag color={item.type === 'oom' ? 'red' : undefined}>
            {item.type === 'oom' ? t('timeline.oom') : t('timeline.event')}
          </Tag>
          <Typography.Text strong>{e.reason}</Typography.Text>
          <Typography.Text type="secondary">{`${e.involvedObject.kind}/${e.involvedObject.name}`}</Typography.Text>
        </Space>
        <Typography.Text>{e.message}</Typography.Text>
      </Space>
    ),
  };
}
