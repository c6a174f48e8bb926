import { ApiError, PRECEDENCES, sendMessage, type Officer, type Precedence, type ProblemDetails } from './api';
import { button, describeError, el } from './dom';
import { formatLocal, formatUtc } from './format';
import { t } from './i18n';

export const BODY_LIMIT = 8000;

type Field = 'recipients' | 'precedence' | 'subject' | 'body';
const FIELDS: readonly Field[] = ['recipients', 'precedence', 'subject', 'body'];

export interface ComposePanel {
  element: HTMLElement;
  addRecipient: (officer: Officer) => void;
  hasRecipient: (officerId: string) => boolean;
}

// ASP.NET reports field keys as "Subject", "recipients[0]" or "$.body" depending on
// where validation failed; fold them onto the form's fields.
function fieldForKey(key: string): Field | null {
  const root = key.replace(/^\$\.?/, '').split(/[.[]/)[0]?.toLowerCase() ?? '';
  return (FIELDS as readonly string[]).includes(root) ? (root as Field) : null;
}

/** What an unsent draft keeps on this device (never on the server) so that a reload does not lose it. */
interface Draft {
  recipients: Officer[];
  precedence: string;
  subject: string;
  body: string;
  clientMessageId: string | null;
}

function loadDraft(key: string): Draft | null {
  try {
    const text = localStorage.getItem(key);
    return text ? (JSON.parse(text) as Draft) : null;
  } catch {
    return null;
  }
}

/** <paramref name="draftKey"/> names the signed-in user's draft on this device. */
export function createComposePanel(onRecipientsChanged: () => void, draftKey: string, onSent: () => void = () => {}): ComposePanel {
  const recipients = new Map<string, Officer>();
  // One id per draft, reused for every retry of that draft, so a send whose
  // response was lost can be repeated without the gateway delivering it twice.
  let clientMessageId: string | null = null;
  let sending = false;

  const chips = el('ul', { className: 'chips', attrs: { 'aria-label': t('compose.recipients') } });
  const chipsEmpty = el('p', { className: 'muted', text: t('compose.noRecipients') });

  const precedence = el('select', { testId: 'precedence', attrs: { id: 'precedence' } });
  for (const value of PRECEDENCES) {
    const option = el('option', { text: t(`precedence.${value}`), attrs: { value } });
    option.className = `prec-${value.toLowerCase()}`;
    precedence.append(option);
  }
  precedence.value = 'ROUTINE';

  const subject = el('input', {
    testId: 'subject',
    autoDir: true,
    attrs: { id: 'subject', type: 'text', autocomplete: 'off' },
  });
  const body = el('textarea', { testId: 'body', autoDir: true, attrs: { id: 'body', rows: '10' } });
  const counter = el('span', { className: 'counter', testId: 'body-counter', attrs: { id: 'body-counter' } });
  const send = el('button', { testId: 'send', className: 'primary', text: t('compose.send') });
  send.type = 'submit';
  const status = el('div', { testId: 'send-status', className: 'send-status', attrs: { role: 'status' } });

  const fieldInputs: Record<Field, HTMLElement> = { recipients: chips, precedence, subject, body };
  const errorElement = (field: Field): HTMLElement =>
    el('div', { className: 'field-error', testId: `error-${field}`, attrs: { id: `error-${field}` } });
  const fieldErrors: Record<Field, HTMLElement> = {
    recipients: errorElement('recipients'),
    precedence: errorElement('precedence'),
    subject: errorElement('subject'),
    body: errorElement('body'),
  };
  const errorNode = (field: Field): HTMLElement => fieldErrors[field];

  function renderChips(): void {
    chips.replaceChildren(
      ...[...recipients.values()].map((officer) => {
        const label = officer.latinName || officer.displayName;
        const remove = button('×', () => {
          recipients.delete(officer.id);
          renderChips();
          onRecipientsChanged();
          saveDraft();
        }, { className: 'chip-remove', attrs: { 'aria-label': t('compose.remove', { name: label }) } });
        return el('li', { className: 'chip', testId: 'recipient-chip' }, [
          el('span', { text: officer.displayName, autoDir: true }),
          el('span', { className: 'muted', text: officer.country }),
          remove,
        ]);
      }),
    );
    chipsEmpty.hidden = recipients.size > 0;
  }

  function updatePrecedenceStyle(): void {
    precedence.className = `prec-select prec-${precedence.value.toLowerCase()}`;
  }

  // .length counts UTF-16 code units, the same unit as the server's string length,
  // so the counter agrees with server-side validation for Cyrillic and Arabic text.
  function updateCounter(): void {
    const length = body.value.length;
    counter.textContent = `${length} / ${BODY_LIMIT}`;
    counter.classList.toggle('over', length > BODY_LIMIT);
  }

  function clearErrors(): void {
    for (const field of FIELDS) {
      errorNode(field).replaceChildren();
      fieldInputs[field].removeAttribute('aria-invalid');
    }
  }

  function showFieldErrors(errors: Partial<Record<Field, string[]>>): void {
    for (const [field, messages] of Object.entries(errors) as [Field, string[]][]) {
      const node = errorNode(field);
      node.replaceChildren(...messages.map((message) => el('div', { text: message, autoDir: true })));
      fieldInputs[field].setAttribute('aria-invalid', 'true');
    }
  }

  function showProblem(problem: ProblemDetails | null, fallback: string): void {
    const placed: Partial<Record<Field, string[]>> = {};
    const other: string[] = [];
    for (const [key, messages] of Object.entries(problem?.errors ?? {})) {
      const field = fieldForKey(key);
      if (field) (placed[field] ??= []).push(...messages);
      else other.push(...messages.map((message) => (key ? `${key}: ${message}` : message)));
    }
    showFieldErrors(placed);

    const title = problem?.title || fallback;
    const detail = problem?.detail && problem.detail !== title ? problem.detail : null;
    status.className = 'send-status error';
    status.replaceChildren(el('strong', { text: title, autoDir: true }));
    if (detail) status.append(el('div', { text: detail, autoDir: true }));
    if (other.length > 0) {
      status.append(el('ul', {}, other.map((message) => el('li', { text: message, autoDir: true }))));
    }
  }

  function validate(): Partial<Record<Field, string[]>> | null {
    const errors: Partial<Record<Field, string[]>> = {};
    if (recipients.size === 0) errors.recipients = [t('compose.needRecipient')];
    if (subject.value.trim() === '') errors.subject = [t('compose.needSubject')];
    if (body.value.trim() === '') errors.body = [t('compose.needBody')];
    else if (body.value.length > BODY_LIMIT) errors.body = [t('compose.bodyTooLong', { count: BODY_LIMIT })];
    return Object.keys(errors).length > 0 ? errors : null;
  }

  function resetDraft(): void {
    recipients.clear();
    renderChips();
    onRecipientsChanged();
    precedence.value = 'ROUTINE';
    updatePrecedenceStyle();
    subject.value = '';
    body.value = '';
    updateCounter();
    clientMessageId = null;
    localStorage.removeItem(draftKey);
  }

  function saveDraft(): void {
    const draft: Draft = {
      recipients: [...recipients.values()], precedence: precedence.value, subject: subject.value, body: body.value, clientMessageId,
    };
    const empty = draft.recipients.length === 0 && draft.subject === '' && draft.body === '';
    try {
      if (empty) localStorage.removeItem(draftKey);
      else localStorage.setItem(draftKey, JSON.stringify(draft));
    } catch {
      // A full or disabled storage costs the draft's survival across a reload, nothing else.
    }
  }

  function restoreDraft(): boolean {
    const draft = loadDraft(draftKey);
    if (!draft) return false;
    for (const officer of draft.recipients ?? []) recipients.set(officer.id, officer);
    if ((PRECEDENCES as readonly string[]).includes(draft.precedence)) precedence.value = draft.precedence;
    subject.value = draft.subject ?? '';
    body.value = draft.body ?? '';
    clientMessageId = draft.clientMessageId ?? null;
    return true;
  }

  async function submit(): Promise<void> {
    if (sending) return;
    clearErrors();
    const invalid = validate();
    if (invalid) {
      showFieldErrors(invalid);
      status.className = 'send-status error';
      status.textContent = t('compose.fix');
      return;
    }

    clientMessageId ??= crypto.randomUUID();
    // Kept with the draft: pressing Send again after a reload retries the same message, never a second one.
    saveDraft();
    sending = true;
    send.disabled = true;
    status.className = 'send-status';
    status.textContent = t('compose.sending');
    try {
      const result = await sendMessage({
        clientMessageId,
        recipients: [...recipients.keys()],
        precedence: precedence.value as Precedence,
        subject: subject.value,
        body: body.value,
      });
      resetDraft();
      onSent();
      status.className = 'send-status ok';
      status.replaceChildren(
        el('strong', { text: t('compose.sent') }),
        el('span', {
          text: ` ${t('compose.accepted', { local: formatLocal(result.acceptedAt), utc: formatUtc(result.acceptedAt), id: result.messageId })}`,
        }),
      );
    } catch (error) {
      if (error instanceof ApiError) {
        showProblem(error.problem, error.message);
      } else {
        // The request may or may not have reached the gateway; the kept
        // clientMessageId makes pressing Send again safe.
        showProblem(null, t('compose.unreachable', { error: describeError(error) }));
      }
    } finally {
      sending = false;
      send.disabled = false;
    }
  }

  const restored = restoreDraft();
  precedence.addEventListener('change', () => {
    updatePrecedenceStyle();
    saveDraft();
  });
  body.addEventListener('input', () => {
    updateCounter();
    saveDraft();
  });
  subject.addEventListener('input', saveDraft);
  updatePrecedenceStyle();
  updateCounter();
  renderChips();
  if (restored) {
    status.className = 'send-status';
    status.textContent = t('compose.draftRestored');
  }

  subject.setAttribute('aria-describedby', 'error-subject');
  body.setAttribute('aria-describedby', 'error-body body-counter');
  precedence.setAttribute('aria-describedby', 'error-precedence');

  const form = el('form', { className: 'compose', attrs: { novalidate: '' } }, [
    el('div', { className: 'field' }, [
      el('span', { className: 'field-label', text: t('compose.to') }),
      chips,
      chipsEmpty,
      errorNode('recipients'),
    ]),
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.precedence'), attrs: { for: 'precedence' } }),
      precedence,
      errorNode('precedence'),
    ]),
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.subject'), attrs: { for: 'subject' } }),
      subject,
      errorNode('subject'),
    ]),
    el('div', { className: 'field' }, [
      el('div', { className: 'label-row' }, [
        el('label', { className: 'field-label', text: t('compose.message'), attrs: { for: 'body' } }),
        counter,
      ]),
      body,
      errorNode('body'),
    ]),
    el('div', { className: 'actions' }, [send]),
    status,
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  const element = el('section', { className: 'panel', attrs: { 'aria-labelledby': 'compose-title' } }, [
    el('h2', { text: t('compose.title'), attrs: { id: 'compose-title' } }),
    form,
  ]);

  return {
    element,
    addRecipient(officer) {
      if (recipients.has(officer.id)) return;
      recipients.set(officer.id, officer);
      renderChips();
      errorNode('recipients').replaceChildren();
      chips.removeAttribute('aria-invalid');
      onRecipientsChanged();
      saveDraft();
    },
    hasRecipient: (officerId) => recipients.has(officerId),
  };
}
