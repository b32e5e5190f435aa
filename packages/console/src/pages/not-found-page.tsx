import { Button, Center, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { navigate } from '../lib/router.ts';

export function NotFoundPage() {
  const { t } = useTranslation();
  return (
    <Center mt={80}>
      <Stack align="center">
        <Text size="3rem" fw={700} c="dimmed">
          404
        </Text>
        <Title order={3}>{t('notFound.title')}</Title>
        <Button variant="light" onClick={() => navigate('/')}>
          {t('notFound.back')}
        </Button>
      </Stack>
    </Center>
  );
}
