import { Alert, Button, Card, Form, Input, Typography } from 'antd';
import { useState } from 'react';
import { api } from '../api/client';
import type { Me } from '../api/types';
import { saveToken } from '../auth';
import { useI18n } from '../i18n/i18n';

/** Asks for an API token, checks it with /me, and keeps it for this tab. */
export function SignIn({ onSignedIn }: { onSignedIn(me: Me): void }) {
  const { t } = useI18n();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async ({ token }: { token: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const me = await api.me(token.trim());
      saveToken(token.trim());
      onSignedIn(me);
    } catch (err) {
      setError(t('auth.invalid', { message: (err as Error).message }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('auth.title')} style={{ maxWidth: 440, margin: '80px auto' }} data-testid="sign-in">
      <Form layout="vertical" onFinish={submit}>
        <Form.Item name="token" label={t('auth.token')} rules={[{ required: true, message: '' }]}>
          <Input.Password autoFocus autoComplete="off" data-testid="token" />
        </Form.Item>
        {error && <Alert type="error" title={error} style={{ marginBottom: 16 }} />}
        <Button type="primary" htmlType="submit" loading={busy} block>
          {t('auth.submit')}
        </Button>
      </Form>
      <Typography.Paragraph type="secondary" style={{ marginTop: 16, marginBottom: 0 }}>
        {t('auth.hint')}
      </Typography.Paragraph>
    </Card>
  );
}
