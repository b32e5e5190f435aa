/** Top-level layout and routing: login page for anonymous users, the app shell otherwise. */
import { AppShell, Center, Loader } from '@mantine/core';
import { useEffect } from 'react';
import { safeNext, useSession } from './api/session.tsx';
import { AppHeader } from './components/app-header.tsx';
import { navigate, useLocation } from './lib/router.ts';
import { AgentsPage } from './pages/agents-page.tsx';
import { AlertsPage } from './pages/alerts-page.tsx';
import { DecisionsPage } from './pages/decisions-page.tsx';
import { HoneypotPage } from './pages/honeypot-page.tsx';
import { KeysPage } from './pages/keys-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { RulesPage } from './pages/rules-page.tsx';
import { SearchPage } from './pages/search-page.tsx';
import { SensorsPage } from './pages/sensors-page.tsx';
import { TemplatesPage } from './pages/templates-page.tsx';
import { WafPage } from './pages/waf-page.tsx';

function Page({ path }: { path: string }) {
  switch (path) {
    case '/':
    case '/overview':
      return <OverviewPage />;
    case '/search':
      return <SearchPage />;
    case '/keys':
      return <KeysPage />;
    case '/sensors':
      return <SensorsPage />;
    case '/templates':
      return <TemplatesPage />;
    case '/alerts':
      return <AlertsPage />;
    case '/rules':
      return <RulesPage />;
    case '/decisions':
      return <DecisionsPage />;
    case '/honeypot':
      return <HoneypotPage />;
    case '/agents':
      return <AgentsPage />;
    case '/waf':
      return <WafPage />;
    default:
      return <NotFoundPage />;
  }
}

export function App() {
  const { status } = useSession();
  const { path, query } = useLocation();
  const next = query.get('next');

  useEffect(() => {
    if (status === 'authenticated' && path === '/login') navigate(safeNext(next), { replace: true });
  }, [status, path, next]);

  if (status === 'loading') {
    return (
      <Center h="100vh">
        <Loader />
      </Center>
    );
  }
  if (status === 'anonymous' || path === '/login') return <LoginPage />;

  return (
    <AppShell header={{ height: 60 }} padding="lg">
      <AppShell.Header>
        <AppHeader path={path} />
      </AppShell.Header>
      <AppShell.Main>
        <Page path={path} />
      </AppShell.Main>
    </AppShell>
  );
}
