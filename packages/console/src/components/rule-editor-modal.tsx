/**
 * Rule editor: YAML text validated by the server as you type (errors listed with their line
 * numbers; saving and testing wait until the current text validated clean), a dry run against
 * the last 24 h of stored events listing what it would have matched, and save (create or
 * update). Matched events are attacker data and rendered as text only.
 */
import { Alert, Badge, Button, Group, List, Loader, Modal, Stack, Table, Text, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { type Rule, type RuleError, type RuleTestResult, rulesApi } from '../api/detection.ts';
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
  const [result, setResult] = useState<RuleTestResult | null>(null);
  /** The text the current `errors` belong to (null while the latest edit is not validated yet). */
  const [validated, setValidated] = useState<string | null>(null);
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
    let live = true;
    setValidated(null);
    const timer = setTimeout(() => {
      rulesApi
        .validate(yaml)
        .then((r) => {
          if (!live) return;
          setErrors(r.ok ? [] : r.errors);
          setValidated(yaml);
        })
        .catch((err) => live && setError(err));
    }, 400);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [yaml, rule]);

  async function runTest() {
    setTesting(true);
    setResult(null);
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
  const checking = !!yaml && validated !== yaml;
  const clean = !checking && errors !== null && errors.length === 0;
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
        {checking && (
          <Group gap="xs" data-testid="rule-checking">
            <Loader size="xs" />
            <Text size="sm" c="dimmed">
              {t('rules.checking')}
            </Text>
          </Group>
        )}
        {clean && (
          <Badge color="green" variant="light" data-testid="rule-valid">
            {t('rules.valid')}
          </Badge>
        )}
        {!checking && errors && errors.length > 0 && (
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
        {result && <TestResult result={result} />}
        <Group justify="flex-end">
          <Button
            variant="default"
            loading={testing}
            onClick={() => void runTest()}
            disabled={!clean}
            data-testid="rule-test"
          >
            {t('rules.test')}
          </Button>
          {!readOnly && (
            <Button loading={busy} onClick={() => void save()} disabled={!clean} data-testid="rule-save">
              {t('rules.save')}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}

const SHOWN = 50;

/** What the rule would have matched: the count, then the first matched events as text. */
function TestResult({ result }: { result: RuleTestResult }) {
  const { t } = useTranslation();
  const shown = result.matches.slice(0, SHOWN);
  return (
    <Stack gap={4} data-testid="rule-test-result">
      <Text size="sm" fw={600} data-testid="rule-test-total" data-total={result.total}>
        {t('rules.testResult', { count: result.total, scanned: result.scanned ?? 0 })}
      </Text>
      {result.total > shown.length && (
        <Text size="xs" c="dimmed">
          {t('rules.testShown', { shown: shown.length })}
        </Text>
      )}
      {shown.length > 0 && (
        <Table.ScrollContainer minWidth={600} mah={320}>
          <Table withTableBorder fz="xs" verticalSpacing={4} data-testid="rule-test-matches">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('rules.col.time')}</Table.Th>
                <Table.Th>{t('rules.col.action')}</Table.Th>
                <Table.Th>{t('rules.col.source')}</Table.Th>
                <Table.Th>{t('rules.col.user')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((e) => (
                <Table.Tr key={e.id} data-testid="rule-test-match" data-event-id={e.id}>
                  <Table.Td className="kyoka-mono">{fieldText(e, '@timestamp')}</Table.Td>
                  <Table.Td>{fieldText(e, 'event.action')}</Table.Td>
                  <Table.Td className="kyoka-mono">{fieldText(e, 'source.ip')}</Table.Td>
                  <Table.Td style={{ wordBreak: 'break-all' }}>{fieldText(e, 'user.name')}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
