import { ApiError, acknowledge, forward, getInbox, markRead, PRECEDENCES, reply, requestPermission, type InboxItem, type Precedence, type ReplyCode } from './api';
import { button, describeError, el } from './dom';
import { relativeTo, timeElement } from './format';
import { setFaviconCount, notifyUrgent } from './attention';
import { t, tn } from './i18n';

const URGENT: ReadonlySet<Precedence> = new Set<Precedence>(['FLASH', 'IMMEDIATE']);
const DEADLINE_REFRESH_MS = 30_000;
const PAGE_SIZE = 50;

export interface InboxPanel {
  element: HTMLElement;
  /** Shows the item unless its cursor was already seen; true when it was shown. */
  accept: (item: InboxItem) => boolean;
  highestCursor: () => number;
}

interface Entry {
  item: InboxItem;
  node: HTMLElement;
}

function precedenceClass(precedence: string): string {
  // Guards the class attribute against a precedence value this build does not know.
  const known = (PRECEDENCES as readonly string[]).includes(precedence) ? precedence : 'ROUTINE';
  return `prec-${known.toLowerCase()}`;
}

function needsAttention(item: InboxItem): boolean {
  return !item.acknowledged && URGENT.has(item.precedence);
}

function isOverdue(item: InboxItem, now: number): boolean {
  return !item.acknowledged && item.acknowledgeBy !== '' && Date.parse(item.acknowledgeBy) < now;
}

const RANK: Record<string, number> = { FLASH: 0, IMMEDIATE: 1 };

/**
 * Urgency first: unacknowledged FLASH, then IMMEDIATE, earliest deadline first, stay on top whatever arrived later;
 * everything else follows, newest first.
 */
function compare(a: InboxItem, b: InboxItem): number {
  const pinnedA = needsAttention(a);
  const pinnedB = needsAttention(b);
  if (pinnedA !== pinnedB) return pinnedA ? -1 : 1;
  if (pinnedA) {
    const byPrecedence = (RANK[a.precedence] ?? 9) - (RANK[b.precedence] ?? 9);
    if (byPrecedence !== 0) return byPrecedence;
    const byDeadline = Date.parse(a.acknowledgeBy) - Date.parse(b.acknowledgeBy);
    if (byDeadline !== 0) return byDeadline;
  }
  return b.cursor - a.cursor;
}

/** Items of one thread: the same case, or linked to each other by the messages they answer. */
function threadOf(items: InboxItem[], start: InboxItem): Set<string> {
  const members = new Set<string>([start.messageId]);
  for (let grown = true; grown;) {
    grown = false;
    for (const item of items) {
      if (members.has(item.messageId)) continue;
      const linked = (start.caseId && item.caseId === start.caseId) || (item.inReplyTo && members.has(item.inReplyTo))
        || items.some((m) => members.has(m.messageId) && m.inReplyTo === item.messageId);
      if (linked) {
        members.add(item.messageId);
        grown = true;
      }
    }
  }
  return members;
}

export function createInboxPanel(startReply: ((item: InboxItem) => void) | null = null): InboxPanel {
  const entries = new Map<string, Entry>();
  let highest = 0;

  const list = el('div', { className: 'inbox-list' });
  const empty = el('p', { className: 'muted', text: t('inbox.empty') });
  const summary = el('span', { className: 'attention', attrs: { role: 'status' } });
  const reloadStatus = el('span', { className: 'muted' });

  function updateSummary(): void {
    let waiting = 0;
    let attention = 0;
    const now = Date.now();
    for (const { item } of entries.values()) {
      if (needsAttention(item)) waiting += 1;
      if (needsAttention(item) || isOverdue(item, now)) attention += 1;
    }
    summary.textContent = waiting > 0 ? tn('inbox.urgent', waiting) : '';
    empty.hidden = entries.size > 0;
    // The tab says how many urgent or overdue items wait, so a FLASH is not missed behind another tab.
    document.title = attention > 0 ? t('title.attention', { count: attention }) : t('title.plain');
    document.documentElement.dataset.attention = String(attention);
    setFaviconCount(attention);
  }

  let thread: Set<string> | null = null;
  // Notifications are for what arrives while the page is open, not for what the first load finds.
  let live = false;
  window.setTimeout(() => (live = true), 5_000);
  const threadBar = el('p', { className: 'thread-bar', testId: 'thread-bar' });
  threadBar.hidden = true;

  /** Shows only the messages of the item's thread, oldest first, until the user asks for everything again. */
  function showThread(item: InboxItem): void {
    thread = threadOf([...entries.values()].map((e) => e.item), item);
    threadBar.replaceChildren(
      el('span', { text: item.caseId ? t('inbox.threadOfCase', { id: item.caseId }) : t('inbox.threadOfReplies') }),
      button(t('inbox.showAll'), () => {
        thread = null;
        threadBar.hidden = true;
        reorder();
      }, { testId: 'thread-close', className: 'secondary small' }),
    );
    threadBar.hidden = false;
    reorder();
  }

  function reorder(): void {
    if (thread) {
      const members = [...entries.values()].filter((e) => thread!.has(e.item.messageId)).sort((a, b) => a.item.cursor - b.item.cursor);
      list.replaceChildren(...members.map((entry) => entry.node));
      return;
    }
    const sorted = [...entries.values()].sort((a, b) => compare(a.item, b.item));
    list.replaceChildren(...sorted.map((entry) => entry.node));
  }

  function renderDeadline(item: InboxItem): HTMLElement | null {
    if (item.acknowledged || !item.acknowledgeBy) return null;
    const relative = relativeTo(item.acknowledgeBy, Date.now());
    const node = el('p', { className: 'deadline' }, [
      el('span', { text: t('inbox.acknowledgeBy') }),
      timeElement(item.acknowledgeBy),
      relative ? el('span', { className: 'relative', text: ` (${relative.past ? t('inbox.overdue') : ''}${relative.text})` }) : null,
    ]);
    node.classList.toggle('overdue', relative?.past ?? false);
    node.dataset.deadline = item.acknowledgeBy;
    return node;
  }

  function replyButtons(item: InboxItem, error: HTMLElement): HTMLElement[] {
    if (item.role === 'information' || item.replyCode) return [];
    const reason = el('input', {
      testId: 'reply-reason', autoDir: true,
      attrs: { type: 'text', 'aria-label': t('inbox.reason'), placeholder: t('inbox.reasonPlaceholder'), maxlength: '500' },
    });
    reason.hidden = true;
    const buttons = (['WILCO', 'HAVCO', 'CANTCO'] as const).map((code) =>
      button(code, () => {
        if (code === 'CANTCO' && reason.value.trim() === '') {
          // CANTCO says why: ask for the reason first.
          reason.hidden = false;
          reason.focus();
          error.textContent = t('inbox.cantcoNeedsReason');
          return;
        }
        void onReply(item.messageId, code, code === 'CANTCO' ? reason.value.trim() : '', error);
      }, { testId: `reply-${code.toLowerCase()}`, className: 'secondary small', attrs: { title: t(`reply.${code}`) } }));
    return [...buttons, reason];
  }

  function metaLine(item: InboxItem): HTMLElement | null {
    const parts: Node[] = [];
    if (item.handlingCode && item.handlingCode !== 'H0') {
      parts.push(el('span', { className: 'handling', testId: 'item-handling', text: `${item.handlingCode}: ${t(`handling.${item.handlingCode}`)}` }));
      if (item.handlingNote) parts.push(el('span', { text: item.handlingNote, autoDir: true }));
    }
    if (item.evaluation?.sourceReliability) {
      const { sourceReliability: source, informationAssessment: information } = item.evaluation;
      parts.push(el('span', {
        className: 'evaluation', testId: 'item-evaluation',
        text: `${source}${information}: ${t(`evaluation.source.${source}`)}; ${t(`evaluation.information.${information}`)}`,
      }));
    }
    if (item.classification) parts.push(el('span', { className: 'classification', text: item.classification, autoDir: true }));
    if (item.caseId) parts.push(el('span', { className: 'muted', text: t('inbox.case', { id: item.caseId }) }));
    if (item.viaDesk) parts.push(el('span', { className: 'muted', text: t('sent.viaDesk', { desk: item.viaDesk }) }));
    return parts.length > 0 ? el('p', { className: 'item-meta' }, parts) : null;
  }

  /**
   * Passing a message on: to officer ids. An H2 message the relay refuses to pass outside the agency offers to ask its
   * originator, whose grant or refusal shows here when it comes.
   */
  function forwardForm(item: InboxItem): HTMLElement {
    const recipientsInput = el('input', {
      testId: 'forward-to', attrs: { type: 'text', 'aria-label': t('forward.to'), placeholder: t('forward.toPlaceholder'), maxlength: '1000' },
    });
    const note = el('input', { testId: 'forward-note', autoDir: true, attrs: { type: 'text', 'aria-label': t('forward.note'), placeholder: t('forward.note'), maxlength: '2000' } });
    const status = el('div', { className: 'send-status', testId: 'forward-status', attrs: { role: 'status' } });
    let clientMessageId: string | null = null;
    const ids = (): string[] => recipientsInput.value.split(/[\s,;]+/).map((id) => id.trim()).filter((id) => id.length > 0);
    const ask = button(t('forward.ask'), () => void askOriginator(), { testId: 'forward-ask', className: 'secondary small' });
    ask.hidden = true;

    async function send(): Promise<void> {
      status.textContent = t('compose.sending');
      ask.hidden = true;
      clientMessageId ??= crypto.randomUUID();
      try {
        await forward(item.messageId, clientMessageId, ids(), note.value);
        clientMessageId = null;
        status.className = 'send-status ok';
        status.textContent = t('forward.done');
      } catch (err) {
        status.className = 'send-status error';
        status.textContent = err instanceof ApiError ? err.message : describeError(err);
        // The relay refuses an H2 message outside the agency until its originator grants it.
        if (err instanceof ApiError && err.status === 403 && item.handlingCode === 'H2') {
          ask.hidden = false;
          clientMessageId = null;
        }
      }
    }

    async function askOriginator(): Promise<void> {
      try {
        await requestPermission(item.messageId, ids(), note.value);
        ask.hidden = true;
        status.className = 'send-status';
        status.textContent = t('forward.asked');
      } catch (err) {
        status.className = 'send-status error';
        status.textContent = err instanceof ApiError ? err.message : describeError(err);
      }
    }

    const form = el('form', { className: 'forward-form', testId: 'forward-form' }, [
      recipientsInput, note, el('button', { className: 'secondary small', testId: 'forward-send', text: t('forward.send'), attrs: { type: 'submit' } }), ask, status,
    ]);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void send();
    });
    const details = el('details', { className: 'forward' }, [el('summary', { text: t('forward.title'), testId: 'forward-open' }), form]);
    return details;
  }

  function render(item: InboxItem): HTMLElement {
    const actions = el('div', { className: 'item-actions' });
    const error = el('span', { className: 'field-error' });
    if (item.acknowledged) {
      actions.append(el('span', { className: 'acked', text: item.replyCode ? `${t('inbox.acknowledged')} · ${item.replyCode}` : t('inbox.acknowledged') }));
      actions.append(...replyButtons(item, error), error);
    } else {
      const ack = button(t('inbox.acknowledge'), () => void onAcknowledge(item.messageId, ack, error), {
        testId: 'ack',
        className: 'secondary',
      });
      actions.append(ack, ...replyButtons(item, error), error);
    }
    if (startReply) actions.append(button(t('inbox.reply'), () => startReply(item), { testId: 'reply', className: 'secondary small' }));
    if (item.caseId || item.inReplyTo) {
      actions.append(button(t('inbox.thread'), () => showThread(item), { testId: 'thread', className: 'secondary small' }));
    }

    const details = el('details', {}, [
      el('summary', { text: t('inbox.showMessage'), testId: 'message-open' }),
      el('div', { className: 'message-body', text: item.body, autoDir: true }),
    ]);
    details.addEventListener('toggle', () => {
      details.querySelector('summary')!.textContent = details.open ? t('inbox.hideMessage') : t('inbox.showMessage');
      if (details.open && !item.read) {
        // Opening it is reading it: the sender's receipt says so.
        item.read = true;
        void markRead(item.messageId).catch(() => (item.read = false));
      }
    });

    const node = el(
      'article',
      { testId: 'inbox-item', className: `inbox-item ${precedenceClass(item.precedence)}` },
      [
        el('header', { className: 'item-head' }, [
          el('span', { className: `badge ${precedenceClass(item.precedence)}`, text: t(`precedence.${item.precedence}`) }),
          el('span', { className: 'sender', text: item.senderName, autoDir: true }),
          timeElement(item.sentAt),
        ]),
        el('h3', { className: 'subject', text: item.subject, autoDir: true }),
        metaLine(item),
        renderDeadline(item),
        details,
        actions,
        forwardForm(item),
      ],
    );
    node.classList.toggle('needs-ack', needsAttention(item));
    node.dataset.cursor = String(item.cursor);
    node.dataset.messageId = item.messageId;
    node.dataset.acknowledged = String(item.acknowledged);
    return node;
  }

  function replace(entry: Entry, item: InboxItem): void {
    const wasOpen = entry.node.querySelector('details')?.open ?? false;
    const node = render(item);
    if (wasOpen) node.querySelector('details')!.open = true;
    entry.node.replaceWith(node);
    entry.item = item;
    entry.node = node;
    reorder();
    updateSummary();
  }

  async function onAcknowledge(messageId: string, ack: HTMLButtonElement, error: HTMLElement): Promise<void> {
    ack.disabled = true;
    error.textContent = '';
    try {
      await acknowledge(messageId);
      const entry = entries.get(messageId);
      if (entry) replace(entry, { ...entry.item, acknowledged: true });
    } catch (err) {
      ack.disabled = false;
      error.textContent = t('inbox.notAcknowledged', { error: err instanceof ApiError ? err.message : describeError(err) });
    }
  }

  async function onReply(messageId: string, code: ReplyCode, reason: string, error: HTMLElement): Promise<void> {
    error.textContent = '';
    try {
      await reply(messageId, code, reason);
      const entry = entries.get(messageId);
      if (entry) replace(entry, { ...entry.item, acknowledged: true, replyCode: code });
    } catch (err) {
      error.textContent = t('inbox.notReplied', { error: err instanceof ApiError ? err.message : describeError(err) });
    }
  }

  function accept(item: InboxItem): boolean {
    // The hub replays from the cursor we report and a reload may overlap with it;
    // the cursor is the single source of truth for "already shown".
    if (item.cursor <= highest) return false;
    highest = item.cursor;

    const existing = entries.get(item.messageId);
    if (existing) {
      // A later cursor for a message already on screen carries its newer state.
      replace(existing, item);
      return true;
    }
    const node = render(item);
    entries.set(item.messageId, { item, node });
    reorder();
    updateSummary();
    if (needsAttention(item) && live) notifyUrgent(item.precedence, item.senderName, item.subject);
    return true;
  }

  async function reload(): Promise<void> {
    reloadButton.disabled = true;
    reloadStatus.textContent = t('inbox.loading');
    let added = 0;
    try {
      let after = highest;
      for (;;) {
        const page = await getInbox(after, PAGE_SIZE);
        const items = [...page.items].sort((a, b) => a.cursor - b.cursor);
        for (const item of items) if (accept(item)) added += 1;
        const last = items.at(-1)?.cursor ?? after;
        const next = page.nextCursor ?? last;
        if (items.length < PAGE_SIZE || next <= after) break;
        after = next;
      }
      reloadStatus.textContent = added > 0 ? tn('inbox.new', added) : t('inbox.upToDate');
    } catch (err) {
      reloadStatus.textContent = t('inbox.reloadFailed', { error: describeError(err) });
    } finally {
      reloadButton.disabled = false;
    }
  }

  const reloadButton = button(t('inbox.reload'), () => void reload(), { testId: 'inbox-reload', className: 'secondary small' });

  window.setInterval(() => {
    for (const { item, node } of entries.values()) {
      if (item.acknowledged || !item.acknowledgeBy) continue;
      const current = node.querySelector('.deadline');
      const next = renderDeadline(item);
      if (current && next) current.replaceWith(next);
    }
    updateSummary();
  }, DEADLINE_REFRESH_MS);

  updateSummary();

  const element = el('section', { className: 'panel inbox', attrs: { 'aria-labelledby': 'inbox-title' } }, [
    el('div', { className: 'panel-head' }, [
      el('h2', { text: t('inbox.title'), attrs: { id: 'inbox-title' } }),
      summary,
      el('span', { className: 'spacer' }),
      reloadStatus,
      reloadButton,
    ]),
    empty,
    threadBar,
    list,
  ]);

  return { element, accept, highestCursor: () => highest };
}
