/**
 * The header: logo, the page links, language switch, account menu (change password) and log
 * out. When the full row does not fit (narrow screens, or a long translation) it collapses to a
 * burger that opens a drawer holding the same links and controls. The width the full row needs
 * is measured from an invisible copy, not guessed, so the switch point follows the language.
 */
import {
  Badge,
  Box,
  Burger,
  Button,
  Divider,
  Drawer,
  Group,
  Menu,
  NavLink,
  Stack,
  Text,
  UnstyledButton,
} from '@mantine/core';
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSession } from '../api/session.tsx';
import { navigate } from '../lib/router.ts';
import { ChangePasswordModal } from './change-password-modal.tsx';
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

/** Least space between the left (logo + links) and right (account) groups of the full row. */
const MIN_GAP = 24;

function isActive(current: string, target: string): boolean {
  return target === '/' ? current === '/' || current === '/overview' : current.startsWith(target);
}

function navTestId(path: string): string {
  return `nav-${path === '/' ? 'overview' : path.slice(1)}`;
}

/** Width of an element's content box, kept current with a ResizeObserver (read before paint). */
function useContentWidth<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const read = () => {
      const cs = getComputedStyle(el);
      setWidth(
        el.getBoundingClientRect().width - Number.parseFloat(cs.paddingLeft) - Number.parseFloat(cs.paddingRight),
      );
    };
    read();
    const ro = new ResizeObserver(read);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

function NavButtons({ path, withIds }: { path: string; withIds: boolean }) {
  const { t } = useTranslation();
  return (
    <Group gap={4} component="nav" wrap="nowrap">
      {NAV.map((n) => (
        <Button
          key={n.path}
          variant={isActive(path, n.path) ? 'light' : 'subtle'}
          color={isActive(path, n.path) ? 'indigo' : 'gray'}
          size="compact-sm"
          px={8}
          onClick={() => navigate(n.path)}
          data-testid={withIds ? navTestId(n.path) : undefined}
          tabIndex={withIds ? undefined : -1}
        >
          {t(n.key)}
        </Button>
      ))}
    </Group>
  );
}

function UserBadge({ name, role, withChevron }: { name: string; role: string; withChevron?: boolean }) {
  const { t } = useTranslation();
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" fw={500}>
        {name}
      </Text>
      <Badge size="sm" variant="light" color="gray" title={t('header.role', { role })}>
        {role}
      </Badge>
      {withChevron && (
        <svg
          width="12"
          height="12"
          viewBox="0 0 24 24"
          fill="none"
          stroke="currentColor"
          strokeWidth="2"
          aria-hidden="true"
        >
          <path d="m6 9 6 6 6-6" />
        </svg>
      )}
    </Group>
  );
}

export function AppHeader({ path }: { path: string }) {
  const { t } = useTranslation();
  const { user, logout } = useSession();
  const row = useContentWidth<HTMLDivElement>();
  const full = useContentWidth<HTMLDivElement>();
  // The full row is also rendered invisibly at its natural width: when it is wider than the
  // header, the header collapses. Measuring (not a fixed breakpoint) follows the language.
  const compact = row.width > 0 && full.width > 0 && row.width < full.width;
  const [drawerOpen, setDrawerOpen] = useState(false);
  const [passwordOpen, setPasswordOpen] = useState(false);
  const roleLabel = user ? t(`roles.${user.role}`, { defaultValue: user.role }) : '';

  useEffect(() => {
    if (!compact) setDrawerOpen(false);
  }, [compact]);

  const go = (to: string) => {
    setDrawerOpen(false);
    navigate(to);
  };

  return (
    <>
      <Box
        ref={full.ref}
        aria-hidden
        inert
        style={{
          position: 'absolute',
          top: 0,
          left: 0,
          width: 'max-content',
          height: 0,
          overflow: 'hidden',
          visibility: 'hidden',
          pointerEvents: 'none',
        }}
      >
        <Group gap={MIN_GAP} wrap="nowrap" w="max-content">
          <Group gap="lg" wrap="nowrap">
            <Logo />
            <NavButtons path={path} withIds={false} />
          </Group>
          <Group gap="md" wrap="nowrap">
            <LanguageSwitch withId={false} />
            {user && <UserBadge name={user.name} role={roleLabel} withChevron />}
            <Button variant="default" size="xs" tabIndex={-1}>
              {t('header.logout')}
            </Button>
          </Group>
        </Group>
      </Box>
      <Group ref={row.ref} h="100%" px="lg" justify="space-between" wrap="nowrap" gap={0}>
        {compact ? (
          <>
            <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
              <Burger
                opened={drawerOpen}
                onClick={() => setDrawerOpen((o) => !o)}
                size="sm"
                aria-label={drawerOpen ? t('header.closeNav') : t('header.openNav')}
                data-testid="nav-burger"
              />
              <Logo />
            </Group>
            {user && (
              <Text size="sm" fw={500} truncate="end" maw="40%" data-testid="current-user">
                {user.name}
              </Text>
            )}
          </>
        ) : (
          <>
            <Group gap="lg" wrap="nowrap">
              <Logo />
              <NavButtons path={path} withIds />
            </Group>
            <Group gap="md" wrap="nowrap">
              <LanguageSwitch />
              {user && (
                <Menu position="bottom-end" shadow="md" width={220}>
                  <Menu.Target>
                    <UnstyledButton aria-label={t('header.userMenu')} data-testid="user-menu">
                      <Box data-testid="current-user">
                        <UserBadge name={user.name} role={roleLabel} withChevron />
                      </Box>
                    </UnstyledButton>
                  </Menu.Target>
                  <Menu.Dropdown>
                    <Menu.Label>{t('header.signedInAs', { name: user.name })}</Menu.Label>
                    <Menu.Item onClick={() => setPasswordOpen(true)} data-testid="change-password">
                      {t('header.changePassword')}
                    </Menu.Item>
                    <Menu.Divider />
                    <Menu.Item color="red" onClick={() => void logout()}>
                      {t('header.logout')}
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
              <Button variant="default" size="xs" onClick={() => void logout()} data-testid="logout">
                {t('header.logout')}
              </Button>
            </Group>
          </>
        )}
      </Group>
      <Drawer
        opened={compact && drawerOpen}
        onClose={() => setDrawerOpen(false)}
        size={300}
        padding="md"
        title={<Logo />}
        closeButtonProps={{ 'aria-label': t('header.closeNav') }}
        data-testid="nav-drawer"
      >
        <Stack gap="md">
          <Box component="nav">
            {NAV.map((n) => (
              <NavLink
                key={n.path}
                component="button"
                label={t(n.key)}
                active={isActive(path, n.path)}
                onClick={() => go(n.path)}
                data-testid={navTestId(n.path)}
              />
            ))}
          </Box>
          <Divider />
          {user && (
            <Group gap={6} wrap="nowrap">
              <Text size="sm" fw={500} truncate="end">
                {t('header.signedInAs', { name: user.name })}
              </Text>
              <Badge size="sm" variant="light" color="gray">
                {roleLabel}
              </Badge>
            </Group>
          )}
          <LanguageSwitch />
          <Button
            variant="default"
            onClick={() => {
              setDrawerOpen(false);
              setPasswordOpen(true);
            }}
            data-testid="change-password"
          >
            {t('header.changePassword')}
          </Button>
          <Button
            variant="default"
            color="red"
            onClick={() => {
              setDrawerOpen(false);
              void logout();
            }}
            data-testid="logout"
          >
            {t('header.logout')}
          </Button>
        </Stack>
      </Drawer>
      <ChangePasswordModal opened={passwordOpen} onClose={() => setPasswordOpen(false)} />
    </>
  );
}
