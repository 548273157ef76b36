import { Button, ConfigProvider, Layout, Menu, Segmented, Space, Spin, Tag, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect, useState } from 'react';
import { api, onUnauthorized } from './api/client';
import type { Me } from './api/types';
import { clearToken, readToken } from './auth';
import { useI18n, type Lang } from './i18n/i18n';
import { EventsPage } from './pages/EventsPage';
import { IncidentsPage } from './pages/IncidentsPage';
import { SignIn } from './pages/SignIn';
import { TimelinePage } from './pages/TimelinePage';
import { navigate, useLocation } from './router';

const PAGES = [
  { path: '/', label: 'nav.events', Page: EventsPage },
  { path: '/incidents', label: 'nav.incidents', Page: IncidentsPage },
  { path: '/timeline', label: 'nav.timeline', Page: TimelinePage },
] as const;

export function App() {
  const { lang, setLang, t } = useI18n();
  const { path } = useLocation();
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(readToken() !== null);

  useEffect(() => onUnauthorized(() => setMe(null)), []);
  useEffect(() => {
    dayjs.locale(lang === 'zh-CN' ? 'zh-cn' : 'en');
  }, [lang]);
  useEffect(() => {
    if (readToken() === null) return;
    api
      .me()
      .then(setMe, () => setMe(null))
      .finally(() => setChecking(false));
  }, []);

  const current = PAGES.find((p) => p.path === path) ?? PAGES[0];
  let body;
  if (checking) body = <Spin style={{ display: 'block', margin: 80 }} />;
  else if (!me) body = <SignIn onSignedIn={setMe} />;
  else body = <current.Page />;

  return (
    <ConfigProvider locale={lang === 'zh-CN' ? zhCN : enUS}>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header style={{ display: 'flex', alignItems: 'center', gap: 24 }}>
          <Typography.Text style={{ color: '#fff', fontWeight: 600, whiteSpace: 'nowrap' }}>
            {t('app.title')}
          </Typography.Text>
          <Menu
            theme="dark"
            mode="horizontal"
            style={{ flex: 1, minWidth: 0 }}
            selectedKeys={[current.path]}
            onClick={(e) => navigate(e.key)}
            items={me ? PAGES.map((p) => ({ key: p.path, label: t(p.label) })) : []}
          />
          <Space>
            <Segmented<Lang>
              data-testid="lang"
              value={lang}
              onChange={setLang}
              options={[
                { value: 'zh-CN', label: '中文' },
                { value: 'en', label: 'English' },
              ]}
            />
            {me && (
              <>
                <Typography.Text style={{ color: '#fff' }} data-testid="user">
                  {me.user}
                </Typography.Text>
                {me.admin && <Tag color="gold">{t('auth.admin')}</Tag>}
                <Button
                  size="small"
                  onClick={() => {
                    clearToken();
                    setMe(null);
                  }}
                >
                  {t('auth.signOut')}
                </Button>
              </>
            )}
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>{body}</Layout.Content>
      </Layout>
    </ConfigProvider>
  );
}
