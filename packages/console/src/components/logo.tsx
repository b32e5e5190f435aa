import { Group, Text, ThemeIcon } from '@mantine/core';
import { useTranslation } from 'react-i18next';

export function Logo({ size = 'md' }: { size?: 'md' | 'lg' }) {
  const { t } = useTranslation();
  return (
    <Group gap={8} wrap="nowrap">
      <ThemeIcon
        size={size === 'lg' ? 38 : 30}
        radius="md"
        variant="gradient"
        gradient={{ from: 'indigo', to: 'cyan' }}
      >
        <Text fw={700} size={size === 'lg' ? 'lg' : 'md'} c="white">
          鏡
        </Text>
      </ThemeIcon>
      <Text fw={700} size={size === 'lg' ? 'xl' : 'lg'}>
        {t('app.name')}
      </Text>
    </Group>
  );
}
