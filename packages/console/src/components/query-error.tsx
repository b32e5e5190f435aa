/** Bad-query feedback: the server's message, and the query text with the error position marked. */
import { Alert, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** Query text with the character at `position` (0-based) wrapped in <mark>, plus a caret line. */
export function QueryMarker({ query, position }: { query: string; position: number }) {
  const pos = Math.max(0, Math.min(position, query.length));
  const before = query.slice(0, pos);
  const at = query.slice(pos, pos + 1) || ' ';
  const after = query.slice(pos + 1);
  return (
    <pre className="kyoka-query-marker" data-testid="query-error-marker" aria-hidden="true">
      {before}
      <mark data-testid="query-error-char">{at}</mark>
      {after}
      {'\n'}
      {`${' '.repeat(pos)}^`}
    </pre>
  );
}

export function QueryError({ message }: { message: string }) {
  const { t } = useTranslation();
  return (
    <Alert color="red" variant="light" title={t('search.badQuery')} data-testid="query-error">
      <Text size="sm" span>
        {message}
      </Text>
    </Alert>
  );
}
