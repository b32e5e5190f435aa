import { SegmentedControl } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LANGUAGES, type Language, setLanguage } from '../i18n/index.ts';

/** `withId={false}` for a copy that is only measured (no test id, not focusable). */
export function LanguageSwitch({ withId = true }: { withId?: boolean }) {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      size="xs"
      aria-label={t('common.language')}
      data-testid={withId ? 'language-switch' : undefined}
      value={i18n.language === 'zh' ? 'zh' : 'en'}
      onChange={(v) => setLanguage(v as Language)}
      data={LANGUAGES.map((l) => ({ value: l.code, label: l.label }))}
    />
  );
}
