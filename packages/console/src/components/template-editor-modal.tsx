/**
 * Template editor: name, description, a checklist of OpenCanary services with their ports,
 * and the remaining OpenCanary keys (banners, skins…) as JSON. Checked here the way the
 * server checks it; the server's answer is shown too.
 */
import {
  Alert,
  Button,
  Checkbox,
  Group,
  Modal,
  NumberInput,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { sensorsApi, type Template } from '../api/sensors.ts';
import { checkRows, confFromRows, extraFromConf, rowsFromConf, type ServiceRow } from '../lib/honeypot-services.ts';
import { ErrorAlert } from './error-alert.tsx';

interface Props {
  /** null: closed; 'new': a new template; otherwise the template to edit. */
  template: Template | 'new' | null;
  onClose(): void;
  onSaved(): void;
}

function parseExtra(text: string): Record<string, unknown> | null {
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function EditorForm({ template, onClose, onSaved }: { template: Template | 'new'; onClose(): void; onSaved(): void }) {
  const { t } = useTranslation();
  const existing = template === 'new' ? null : template;
  const [name, setName] = useState(existing?.name ?? '');
  const [description, setDescription] = useState(existing?.description ?? '');
  const [rows, setRows] = useState<ServiceRow[]>(rowsFromConf(existing?.conf ?? {}));
  const initialExtra = extraFromConf(existing?.conf ?? {});
  const [extra, setExtra] = useState(Object.keys(initialExtra).length ? JSON.stringify(initialExtra, null, 2) : '');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const rowErrors = checkRows(rows);
  const extraObj = parseExtra(extra);
  const nameError = submitted && !name.trim() ? t('templates.nameRequired') : null;
  const invalid = !name.trim() || Object.keys(rowErrors).length > 0 || extraObj === null;

  const errText = (key: string): string | null => {
    const e = rowErrors[key];
    if (!e) return null;
    const [msg, other] = e.split('|');
    return t(msg as string, { other });
  };
  const update = (i: number, patch: Partial<ServiceRow>) =>
    setRows((cur) => cur.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (invalid || extraObj === null) return;
    const body = { name: name.trim(), description: description.trim(), conf: confFromRows(rows, extraObj) };
    setBusy(true);
    setError(null);
    try {
      if (existing) await sensorsApi.updateTemplate(existing.id, body);
      else await sensorsApi.createTemplate(body);
      onSaved();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate data-testid="template-form">
      <Stack>
        <ErrorAlert error={error} />
        {submitted && invalid && (
          <Alert color="red" variant="light" data-testid="template-invalid">
            {t('templates.fixErrors')}
          </Alert>
        )}
        <TextInput
          label={t('templates.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={nameError}
          maxLength={64}
          required
          data-autofocus
          data-testid="template-name"
        />
        <TextInput
          label={t('templates.description')}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          maxLength={1000}
        />
        <Text size="sm" fw={500}>
          {t('templates.services')}
        </Text>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} spacing="xs">
          {rows.map((r, i) => (
            <Group key={r.name} gap="xs" wrap="nowrap" align="flex-start" data-service-row={r.name}>
              <Checkbox
                label={r.name}
                checked={r.enabled}
                onChange={(e) => update(i, { enabled: e.currentTarget.checked })}
                w={120}
                mt={8}
                data-testid={`svc-${r.name}`}
              />
              {r.port !== '' || rowErrors[`${r.name}.port`] ? (
                <NumberInput
                  aria-label={`${r.name} ${t('templates.port')}`}
                  value={r.port}
                  onChange={(v) => update(i, { port: v })}
                  min={1}
                  max={65535}
                  allowDecimal={false}
                  w={110}
                  error={errText(`${r.name}.port`)}
                  data-testid={`port-${r.name}`}
                />
              ) : null}
            </Group>
          ))}
        </SimpleGrid>
        <Textarea
          label={t('templates.extra')}
          value={extra}
          onChange={(e) => setExtra(e.currentTarget.value)}
          autosize
          minRows={3}
          maxRows={12}
          ff="monospace"
          error={extraObj === null ? t('templates.errJson') : null}
          data-testid="template-extra"
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} data-testid="template-save">
            {t('templates.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

export function TemplateEditorModal({ template, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const title =
    template === null || template === 'new'
      ? t('templates.editorNew')
      : t('templates.editorEdit', { name: template.name });
  return (
    <Modal opened={template !== null} onClose={onClose} title={title} centered size="xl">
      {template !== null && (
        <EditorForm
          key={template === 'new' ? 'new' : template.id}
          template={template}
          onClose={onClose}
          onSaved={onSaved}
        />
      )}
    </Modal>
  );
}
