import { Badge, Box, Button, Group, Text, Tooltip } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.tsx';
import { navigate } from '../lib/router.ts';
import { LanguageSwitch } from './language-switch.tsx';
import { Logo } from './logo.tsx';

const NAV = [
  { path: '/', key: 'nav.overview' },
  { path: '/search', key: 'nav.search' },
  { path: '/alerts', key: 'nav.alerts' },
  { path: '/rules', key: 'nav.rules' },
  { path: '/decisions', key: 'nav.decisions' },
  { path: '/honeypot', key: 'nav.honeypot' },
  { path: '/sensors', key: 'nav.sensors' },
  { path: '/templates', key: 'nav.templates' },
  { path: '/agents', key: 'nav.agents' },
  { path: '/waf', key: 'nav.waf' },
  { path: '/keys', key: 'nav.keys' },
] as const;

function isActive(current: string, target: string): boolean {
  return target === '/' ? current === '/' || current === '/overview' : current.startsWith(target);
}

export function AppHeader({ path }: { path: string }) {
  const { t } = useTranslation();
  const { user, logout } = useSession();
  return (
    <Group h="100%" px="lg" justify="space-between" wrap="nowrap">
      <Group gap="lg" wrap="nowrap">
        <Logo />
        <Group gap={4} component="nav" wrap="nowrap">
          {NAV.map((n) => (
            <Button
              key={n.path}
              variant={isActive(path, n.path) ? 'light' : 'subtle'}
              color={isActive(path, n.path) ? 'indigo' : 'gray'}
              size="compact-sm"
              px={8}
              onClick={() => navigate(n.path)}
              data-testid={`nav-${n.path === '/' ? 'overview' : n.path.slice(1)}`}
            >
              {t(n.key)}
            </Button>
          ))}
        </Group>
      </Group>
      <Group gap="md" wrap="nowrap">
        <LanguageSwitch />
        {user && (
          <Tooltip label={t('header.role', { role: user.role })}>
            <Group gap={6} wrap="nowrap" data-testid="current-user">
              <Text size="sm" fw={500}>
                {user.name}
              </Text>
              <Badge size="sm" variant="light" color="gray">
                {user.role}
              </Badge>
            </Group>
          </Tooltip>
        )}
        <Box>
          <Button variant="default" size="xs" onClick={() => void logout()} data-testid="logout">
            {t('header.logout')}
          </Button>
        </Box>
      </Group>
    </Group>
  );
}
