/**
 * Change the signed-in user's password (POST /api/v1/auth/password): current + new + confirm,
 * checked here first (length, match) so the common mistakes get a translated message.
 */
import { Alert, Button, Group, Modal, PasswordInput, Stack } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../api/client.ts';
import { authApi, MIN_PASSWORD_LENGTH } from '../api/endpoints.ts';
import { useSession } from '../api/session.tsx';

interface Props {
  opened: boolean;
  onClose(): void;
}

export function ChangePasswordModal({ opened, onClose }: Props) {
  const { t } = useTranslation();
  const { user } = useSession();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  function reset() {
    setCurrent('');
    setNext('');
    setConfirm('');
    setError(null);
    setDone(false);
  }

  function close() {
    reset();
    onClose();
  }

  function validate(): string | null {
    if (!current || !next || !confirm) return t('password.required');
    if (next.length < MIN_PASSWORD_LENGTH) return t('password.tooShort', { min: MIN_PASSWORD_LENGTH });
    if (next !== confirm) return t('password.mismatch');
    if (next === current) return t('password.same');
    return null;
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const invalid = validate();
    if (invalid) {
      setError(invalid);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await authApi.changePassword(current, next);
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 403 && /current password/i.test(err.message)) {
        setError(t('password.wrongCurrent'));
        setCurrent('');
      } else {
        setError(t('password.failed', { message: err instanceof Error ? err.message : String(err) }));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal opened={opened} onClose={close} title={t('password.title')} centered data-testid="password-modal">
      {done ? (
        <Stack>
          <Alert color="green" variant="light" data-testid="password-success" role="status">
            {t('password.success')}
          </Alert>
          <Group justify="flex-end">
            <Button onClick={close} data-testid="password-done">
              {t('common.close')}
            </Button>
          </Group>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate data-testid="password-form">
          {/* lets password managers tie the new password to the account */}
          <input type="text" name="username" autoComplete="username" value={user?.name ?? ''} readOnly hidden />
          <Stack>
            {error && (
              <Alert color="red" variant="light" data-testid="password-error" role="alert">
                {error}
              </Alert>
            )}
            <PasswordInput
              label={t('password.current')}
              name="current-password"
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.currentTarget.value)}
              data-testid="password-current"
              data-autofocus
            />
            <PasswordInput
              label={t('password.next')}
              description={t('password.hint', { min: MIN_PASSWORD_LENGTH })}
              name="new-password"
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.currentTarget.value)}
              data-testid="password-next"
            />
            <PasswordInput
              label={t('password.confirm')}
              name="confirm-password"
              autoComplete="new-password"
              value={confirm}
              onChange={(e) => setConfirm(e.currentTarget.value)}
              data-testid="password-confirm"
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                {t('common.cancel')}
              </Button>
              <Button type="submit" loading={busy} data-testid="password-submit">
                {t('password.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
