import { Alert, Button } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" variant="light" title={t('common.error')} data-testid="error-alert">
      {errorMessage(error)}
      {onRetry && (
        <Button size="xs" variant="white" color="red" ml="md" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      )}
    </Alert>
  );
}
