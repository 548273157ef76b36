import { Tag } from 'antd';
import type { Incident } from '../api/types';

const COLORS: Record<Incident['severity'], string> = { info: 'blue', warning: 'orange', critical: 'red' };

export const SeverityTag = ({ severity }: { severity: Incident['severity'] }) => (
  <Tag color={COLORS[severity]}>{severity}</Tag>
);

export const StatusTag = ({ status }: { status: Incident['status'] }) => (
  <Tag color={status === 'open' ? 'red' : 'green'}>{status}</Tag>
);
