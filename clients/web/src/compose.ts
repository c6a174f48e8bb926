import { ApiError, PRECEDENCES, sendMessage, type Precedence, type ProblemDetails, type Recipient } from './api';
import { button, describeError, el } from './dom';
import { formatLocal, formatUtc } from './format';
import { t } from './i18n';

export const BODY_LIMIT = 8000;

type Field = 'recipients' | 'precedence' | 'subject' | 'body' | 'handling' | 'evaluation' | 'classification' | 'case' | 'expires';
const FIELDS: readonly Field[] = ['recipients', 'precedence', 'subject', 'body', 'handling', 'evaluation', 'classification', 'case', 'expires'];
const HANDLING_CODES = ['H0', 'H1', 'H2', 'H3'] as const;
const SOURCES = ['A', 'B', 'C', 'X'] as const;
const ASSESSMENTS = ['1', '2', '3', '4'] as const;

/** A recipient of the draft: an action recipient must respond, an information recipient is only informed. */
interface Addressee extends Recipient {
  role: 'action' | 'information';
}

/** What a reply starts from: the message it answers, its sender, and its case. */
export interface ReplyTo {
  messageId: string;
  sender: Recipient;
  subject: string;
  caseId: string;
}

export interface ComposePanel {
  element: HTMLElement;
  addRecipient: (recipient: Recipient) => void;
  hasRecipient: (address: string) => boolean;
  /** Starts a reply: the sender as recipient, "Re:" subject, the same case, linked to the message it answers. */
  replyTo: (message: ReplyTo) => void;
}

// The relay names fields as "subject", "action_recipients[0]" or "evaluation.source_reliability"; fold them onto the form's fields.
const KEY_FIELDS: Record<string, Field> = {
  action_recipients: 'recipients', info_recipients: 'recipients', recipients: 'recipients', precedence: 'precedence', subject: 'subject', body: 'body',
  handling_code: 'handling', handling_note: 'handling', evaluation: 'evaluation', classification: 'classification', case_id: 'case', expires_at: 'expires',
};

function fieldForKey(key: string): Field | null {
  const root = key.replace(/^\$\.?/, '').split(/[.[]/)[0]?.toLowerCase() ?? '';
  return KEY_FIELDS[root] ?? null;
}

/** What an unsent draft keeps on this device (never on the server) so that a reload does not lose it. */
interface Draft {
  recipients: Addressee[];
  precedence: string;
  subject: string;
  body: string;
  handlingCode?: string;
  handlingNote?: string;
  source?: string;
  assessment?: string;
  classification?: string;
  caseId?: string;
  expires?: string;
  inReplyTo?: string;
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
  const recipients = new Map<string, Addressee>();
  // One id per draft, reused for every retry of that draft, so a send whose
  // response was lost can be repeated without the gateway delivering it twice.
  let clientMessageId: string | null = null;
  let inReplyTo = '';
  const replyNote = el('p', { className: 'muted', testId: 'reply-note' });
  replyNote.hidden = true;
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

  function select(id: string, values: ReadonlyArray<readonly [string, string]>): HTMLSelectElement {
    const node = el('select', { testId: id, attrs: { id } });
    for (const [value, text] of values) node.append(el('option', { text, attrs: { value } }));
    return node;
  }

  // Each code is explained in words next to it, as officers of several services read them differently.
  const handling = select('handling', HANDLING_CODES.map((code) => [code, `${code} — ${t(`handling.${code}`)}`] as const));
  const handlingNote = el('input', { testId: 'handling-note', autoDir: true, attrs: { id: 'handling-note', type: 'text', maxlength: '500', 'aria-label': t('compose.handlingNote') } });
  const source = select('source', [['', t('compose.notEvaluated')], ...SOURCES.map((code) => [code, `${code} — ${t(`evaluation.source.${code}`)}`] as const)]);
  const assessment = select('assessment', [['', t('compose.notEvaluated')], ...ASSESSMENTS.map((code) => [code, `${code} — ${t(`evaluation.information.${code}`)}`] as const)]);
  const classification = el('input', { testId: 'classification', autoDir: true, attrs: { id: 'classification', type: 'text', maxlength: '64' } });
  const caseId = el('input', { testId: 'case', attrs: { id: 'case', type: 'text', maxlength: '64' } });
  const expires = el('input', { testId: 'expires', attrs: { id: 'expires', type: 'datetime-local' } });

  const fieldInputs: Record<Field, HTMLElement> = {
    recipients: chips, precedence, subject, body, handling, evaluation: source, classification, case: caseId, expires,
  };
  const errorElement = (field: Field): HTMLElement =>
    el('div', { className: 'field-error', testId: `error-${field}`, attrs: { id: `error-${field}` } });
  const fieldErrors = Object.fromEntries(FIELDS.map((field) => [field, errorElement(field)])) as Record<Field, HTMLElement>;
  const errorNode = (field: Field): HTMLElement => fieldErrors[field];

  function renderChips(): void {
    chips.replaceChildren(
      ...[...recipients.values()].map((recipient) => {
        const remove = button('×', () => {
          recipients.delete(recipient.address);
          renderChips();
          onRecipientsChanged();
          saveDraft();
        }, { className: 'chip-remove', attrs: { 'aria-label': t('compose.remove', { name: recipient.label }) } });
        // Action recipients must respond; information recipients are only informed.
        const role = button(recipient.role === 'action' ? t('compose.roleAction') : t('compose.roleInformation'), () => {
          recipient.role = recipient.role === 'action' ? 'information' : 'action';
          renderChips();
          saveDraft();
        }, { className: 'chip-role', testId: 'recipient-role', attrs: { 'aria-label': t('compose.switchRole', { name: recipient.label }) } });
        const chip = el('li', { className: 'chip', testId: 'recipient-chip' }, [
          el('span', { text: recipient.label, autoDir: true }),
          el('span', { className: 'muted', text: recipient.detail }),
          role,
          remove,
        ]);
        chip.dataset.address = recipient.address;
        chip.dataset.role = recipient.role;
        return chip;
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
    if (handling.value === 'H3' && handlingNote.value.trim() === '') errors.handling = [t('compose.needHandlingNote')];
    if ((source.value === '') !== (assessment.value === '')) errors.evaluation = [t('compose.needBothEvaluations')];
    if (expires.value !== '' && !(new Date(expires.value).getTime() > Date.now())) errors.expires = [t('compose.expiresInFuture')];
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
    handling.value = 'H0';
    handlingNote.value = '';
    source.value = '';
    assessment.value = '';
    classification.value = '';
    caseId.value = '';
    expires.value = '';
    inReplyTo = '';
    replyNote.hidden = true;
    updateHandling();
    clientMessageId = null;
    localStorage.removeItem(draftKey);
  }

  function updateHandling(): void {
    // An H3 message states its restrictions in words.
    handlingNote.hidden = handling.value !== 'H3';
  }

  function saveDraft(): void {
    const draft: Draft = {
      recipients: [...recipients.values()], precedence: precedence.value, subject: subject.value, body: body.value, handlingCode: handling.value,
      handlingNote: handlingNote.value, source: source.value, assessment: assessment.value, classification: classification.value, caseId: caseId.value,
      expires: expires.value, inReplyTo, clientMessageId,
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
    for (const recipient of draft.recipients ?? []) {
      if (typeof recipient.address === 'string') recipients.set(recipient.address, { ...recipient, role: recipient.role === 'information' ? 'information' : 'action' });
    }
    if ((PRECEDENCES as readonly string[]).includes(draft.precedence)) precedence.value = draft.precedence;
    subject.value = draft.subject ?? '';
    body.value = draft.body ?? '';
    handling.value = draft.handlingCode ?? 'H0';
    handlingNote.value = draft.handlingNote ?? '';
    source.value = draft.source ?? '';
    assessment.value = draft.assessment ?? '';
    classification.value = draft.classification ?? '';
    caseId.value = draft.caseId ?? '';
    expires.value = draft.expires ?? '';
    inReplyTo = draft.inReplyTo ?? '';
    replyNote.hidden = inReplyTo === '';
    replyNote.textContent = inReplyTo ? t('compose.replying') : '';
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
      const all = [...recipients.values()];
      const result = await sendMessage({
        clientMessageId,
        recipients: all.filter((r) => r.role === 'action').map((r) => r.address),
        infoRecipients: all.filter((r) => r.role === 'information').map((r) => r.address),
        precedence: precedence.value as Precedence,
        subject: subject.value,
        body: body.value,
        handlingCode: handling.value,
        handlingNote: handling.value === 'H3' ? handlingNote.value : '',
        evaluation: source.value !== '' ? { sourceReliability: source.value, informationAssessment: assessment.value } : null,
        classification: classification.value,
        caseId: caseId.value,
        inReplyTo,
        expiresAt: expires.value !== '' ? new Date(expires.value).toISOString() : null,
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
  handling.addEventListener('change', () => {
    updateHandling();
    saveDraft();
  });
  for (const input of [handlingNote, classification, caseId]) input.addEventListener('input', saveDraft);
  for (const input of [source, assessment, expires]) input.addEventListener('change', saveDraft);
  updateHandling();
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
    replyNote,
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
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.handling'), attrs: { for: 'handling' } }),
      handling,
      handlingNote,
      errorNode('handling'),
    ]),
    el('div', { className: 'field' }, [
      el('span', { className: 'field-label', text: t('compose.evaluation') }),
      el('div', { className: 'label-row' }, [
        el('label', { className: 'muted', text: t('compose.source'), attrs: { for: 'source' } }), source,
        el('label', { className: 'muted', text: t('compose.assessment'), attrs: { for: 'assessment' } }), assessment,
      ]),
      errorNode('evaluation'),
    ]),
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.classification'), attrs: { for: 'classification' } }),
      classification,
      errorNode('classification'),
    ]),
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.case'), attrs: { for: 'case' } }),
      caseId,
      errorNode('case'),
    ]),
    el('div', { className: 'field' }, [
      el('label', { className: 'field-label', text: t('compose.expires'), attrs: { for: 'expires' } }),
      expires,
      errorNode('expires'),
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
    addRecipient(recipient) {
      if (recipients.has(recipient.address)) return;
      recipients.set(recipient.address, { ...recipient, role: 'action' });
      renderChips();
      errorNode('recipients').replaceChildren();
      chips.removeAttribute('aria-invalid');
      onRecipientsChanged();
      saveDraft();
    },
    hasRecipient: (address) => recipients.has(address),
    replyTo(message) {
      resetDraft();
      recipients.set(message.sender.address, { ...message.sender, role: 'action' });
      renderChips();
      onRecipientsChanged();
      subject.value = message.subject.startsWith('Re: ') ? message.subject : `Re: ${message.subject}`.slice(0, 200);
      caseId.value = message.caseId;
      inReplyTo = message.messageId;
      replyNote.hidden = false;
      replyNote.textContent = t('compose.replying');
      saveDraft();
      body.focus();
    },
  };
}
