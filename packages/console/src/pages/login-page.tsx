import { Alert, Box, Button, Center, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { useSession } from '../api/session.tsx';
import { LanguageSwitch } from '../components/language-switch.tsx';
import { Logo } from '../components/logo.tsx';

export function LoginPage() {
  const { t } = useTranslation();
  const { login } = useSession();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username || !password) {
      setError(t('login.required'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await login(username, password);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) setError(t('login.invalid'));
      else if (err instanceof ApiError && err.status === 429) setError(t('login.rateLimited'));
      else setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <Box
      mih="100vh"
      style={{ background: 'linear-gradient(160deg, var(--mantine-color-indigo-0), var(--mantine-color-gray-0) 60%)' }}
    >
      <Group justify="flex-end" p="md">
        <LanguageSwitch />
      </Group>
      <Center mt={{ base: 16, sm: 60 }} px="md">
        <Paper withBorder shadow="md" p={{ base: 'lg', sm: 32 }} radius="lg" w={400} maw="100%">
          <Stack gap="lg">
            <Stack gap={6} align="center">
              <Logo size="lg" />
              <Title order={3} mt="sm">
                {t('login.title')}
              </Title>
              <Text c="dimmed" size="sm">
                {t('login.subtitle')}
              </Text>
            </Stack>
            <form onSubmit={submit} noValidate data-testid="login-form">
              <Stack gap="md">
                {error && (
                  <Alert color="red" variant="light" data-testid="login-error" role="alert">
                    {error}
                  </Alert>
                )}
                <TextInput
                  label={t('login.username')}
                  name="username"
                  autoComplete="username"
                  value={username}
                  onChange={(e) => setUsername(e.currentTarget.value)}
                  autoFocus
                />
                <PasswordInput
                  label={t('login.password')}
                  name="password"
                  autoComplete="current-password"
                  value={password}
                  onChange={(e) => setPassword(e.currentTarget.value)}
                />
                <Button type="submit" loading={busy} fullWidth mt="xs" data-testid="login-submit">
                  {t('login.submit')}
                </Button>
              </Stack>
            </form>
          </Stack>
        </Paper>
      </Center>
    </Box>
  );
}
