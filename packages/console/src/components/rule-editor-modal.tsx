/**
 * Rule editor: YAML text validated by the server as you type (errors listed with their line
 * numbers), a dry run against the last 24 h of stored events, and save (create or update).
 * Matched events are attacker data and rendered as text.
 */
import { Alert, Badge, Button, Group, List, Modal, Stack, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Rule, type RuleError, rulesApi } from '../api/detection.ts';
import type { KyokaEvent } from '../api/types.ts';
import { fieldText } from '../lib/flatten.ts';
import { ErrorAlert } from './error-alert.tsx';

const TEMPLATE = `title: New rule
id: my-new-rule
level: medium
tags: [attack.t1110]
detection:
  selection:
    event.dataset: opencanary
  condition: selection
`;

interface Props {
  /** A rule to edit, 'new', or null when closed. */
  rule: Rule | 'new' | null;
  onClose(): void;
  onSaved(): void;
}

export function RuleEditorModal({ rule, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [yaml, setYaml] = useState('');
  const [errors, setErrors] = useState<RuleError[] | null>(null);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<{ total: number; matches: KyokaEvent[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setResult(null);
    setError(null);
    setErrors(null);
    if (rule === null) return;
    if (rule === 'new') {
      setYaml(TEMPLATE);
      return;
    }
    if (rule.yaml) {
      setYaml(rule.yaml);
      return;
    }
    setYaml('');
    rulesApi
      .get(rule.id)
      .then((r) => setYaml(r.yaml ?? ''))
      .catch(setError);
  }, [rule]);

  // Validate shortly after typing stops.
  useEffect(() => {
    if (rule === null || !yaml) return;
    const timer = setTimeout(() => {
      rulesApi
        .validate(yaml)
        .then((r) => setErrors(r.ok ? [] : r.errors))
        .catch(setError);
    }, 400);
    return () => clearTimeout(timer);
  }, [yaml, rule]);

  async function runTest() {
    setTesting(true);
    try {
      setResult(await rulesApi.test(yaml));
      setError(null);
    } catch (err) {
      setError(err);
    } finally {
      setTesting(false);
    }
  }

  async function save() {
    setBusy(true);
    try {
      if (rule === 'new') await rulesApi.create(yaml);
      else if (rule) await rulesApi.update(rule.id, { yaml });
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  const readOnly = rule !== null && rule !== 'new' && rule.source === 'file';
  return (
    <Modal opened={rule !== null} onClose={onClose} title={t('rules.editorTitle')} size="xl" centered>
      <Stack>
        {readOnly && (
          <Alert color="gray" variant="light">
            {t('rules.fileReadOnly')}
          </Alert>
        )}
        <Textarea
          label={t('rules.yaml')}
          value={yaml}
          onChange={(e) => setYaml(e.currentTarget.value)}
          autosize
          minRows={12}
          maxRows={24}
          spellCheck={false}
          styles={{ input: { fontFamily: 'monospace' } }}
          readOnly={readOnly}
          data-testid="rule-yaml"
        />
        {errors && errors.length === 0 && (
          <Badge color="green" variant="light" data-testid="rule-valid">
            {t('rules.valid')}
          </Badge>
        )}
        {errors && errors.length > 0 && (
          <Alert color="red" variant="light" data-testid="rule-errors">
            <List size="sm">
              {errors.map((e, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: errors have no identity
                <List.Item key={i}>{t('rules.line', { line: e.line, message: e.message })}</List.Item>
              ))}
            </List>
          </Alert>
        )}
        <ErrorAlert error={error} />
        {result && (
          <Stack gap={4} data-testid="rule-test-result">
            <Text size="sm" fw={600}>
              {t('rules.testResult', { total: result.total })}
            </Text>
            {result.matches.slice(0, 20).map((e) => (
              <Text key={e.id} size="xs" className="kyoka-mono" style={{ wordBreak: 'break-all' }}>
                {fieldText(e, '@timestamp')} {fieldText(e, 'event.action')} {fieldText(e, 'source.ip')}{' '}
                {fieldText(e, 'user.name')}
              </Text>
            ))}
          </Stack>
        )}
        <Group justify="flex-end">
          <Button variant="default" loading={testing} onClick={() => void runTest()} disabled={!yaml}>
            {t('rules.test')}
          </Button>
          {!readOnly && (
            <Button loading={busy} onClick={() => void save()} disabled={!yaml || (errors?.length ?? 0) > 0}>
              {t('rules.save')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
