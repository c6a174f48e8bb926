import { ApiError, acknowledge, getInbox, PRECEDENCES, type InboxItem, type Precedence } from './api';
import { button, describeError, el } from './dom';
import { relativeTo, timeElement } from './format';
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

export function createInboxPanel(): InboxPanel {
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
  }

  function reorder(): void {
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

  function render(item: InboxItem): HTMLElement {
    const actions = el('div', { className: 'item-actions' });
    if (item.acknowledged) {
      actions.append(el('span', { className: 'acked', text: t('inbox.acknowledged') }));
    } else {
      const error = el('span', { className: 'field-error' });
      const ack = button(t('inbox.acknowledge'), () => void onAcknowledge(item.messageId, ack, error), {
        testId: 'ack',
        className: 'secondary',
      });
      actions.append(ack, error);
    }

    const details = el('details', {}, [
      el('summary', { text: t('inbox.showMessage') }),
      el('div', { className: 'message-body', text: item.body, autoDir: true }),
    ]);
    details.addEventListener('toggle', () => {
      details.querySelector('summary')!.textContent = details.open ? t('inbox.hideMessage') : t('inbox.showMessage');
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
        renderDeadline(item),
        details,
        actions,
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
    list,
  ]);

  return { element, accept, highestCursor: () => highest };
}
