import { ApiError, acknowledge, getInbox, PRECEDENCES, type InboxItem, type Precedence } from './api';
import { button, describeError, el } from './dom';
import { relativeTo, timeElement } from './format';

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

export function createInboxPanel(): InboxPanel {
  const entries = new Map<string, Entry>();
  let highest = 0;

  const list = el('div', { className: 'inbox-list' });
  const empty = el('p', { className: 'muted', text: 'No messages yet.' });
  const summary = el('span', { className: 'attention', attrs: { role: 'status' } });
  const reloadStatus = el('span', { className: 'muted' });

  function updateSummary(): void {
    let waiting = 0;
    for (const { item } of entries.values()) if (needsAttention(item)) waiting += 1;
    summary.textContent = waiting > 0 ? `${waiting} urgent awaiting acknowledgement` : '';
    empty.hidden = entries.size > 0;
  }

  function renderDeadline(item: InboxItem): HTMLElement | null {
    if (item.acknowledged || !item.acknowledgeBy) return null;
    const relative = relativeTo(item.acknowledgeBy, Date.now());
    const node = el('p', { className: 'deadline' }, [
      el('span', { text: 'Acknowledge by ' }),
      timeElement(item.acknowledgeBy),
      relative ? el('span', { className: 'relative', text: ` (${relative.past ? 'overdue, ' : ''}${relative.text})` }) : null,
    ]);
    node.classList.toggle('overdue', relative?.past ?? false);
    node.dataset.deadline = item.acknowledgeBy;
    return node;
  }

  function render(item: InboxItem): HTMLElement {
    const actions = el('div', { className: 'item-actions' });
    if (item.acknowledged) {
      actions.append(el('span', { className: 'acked', text: '✓ Acknowledged' }));
    } else {
      const error = el('span', { className: 'field-error' });
      const ack = button('Acknowledge', () => void onAcknowledge(item.messageId, ack, error), {
        testId: 'ack',
        className: 'secondary',
      });
      actions.append(ack, error);
    }

    const details = el('details', {}, [
      el('summary', { text: 'Show message' }),
      el('div', { className: 'message-body', text: item.body, autoDir: true }),
    ]);
    details.addEventListener('toggle', () => {
      details.querySelector('summary')!.textContent = details.open ? 'Hide message' : 'Show message';
    });

    const node = el(
      'article',
      { testId: 'inbox-item', className: `inbox-item ${precedenceClass(item.precedence)}` },
      [
        el('header', { className: 'item-head' }, [
          el('span', { className: `badge ${precedenceClass(item.precedence)}`, text: item.precedence }),
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
      error.textContent = `Not acknowledged: ${err instanceof ApiError ? err.message : describeError(err)}`;
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
    // Cursors only grow, so the newest item always goes on top.
    list.prepend(node);
    updateSummary();
    return true;
  }

  async function reload(): Promise<void> {
    reloadButton.disabled = true;
    reloadStatus.textContent = 'Loading…';
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
      reloadStatus.textContent = added > 0 ? `${added} new` : 'Up to date';
    } catch (err) {
      reloadStatus.textContent = `Reload failed: ${describeError(err)}`;
    } finally {
      reloadButton.disabled = false;
    }
  }

  const reloadButton = button('Reload', () => void reload(), { testId: 'inbox-reload', className: 'secondary small' });

  window.setInterval(() => {
    for (const { item, node } of entries.values()) {
      if (item.acknowledged || !item.acknowledgeBy) continue;
      const current = node.querySelector('.deadline');
      const next = renderDeadline(item);
      if (current && next) current.replaceWith(next);
    }
  }, DEADLINE_REFRESH_MS);

  updateSummary();

  const element = el('section', { className: 'panel inbox', attrs: { 'aria-labelledby': 'inbox-title' } }, [
    el('div', { className: 'panel-head' }, [
      el('h2', { text: 'Inbox', attrs: { id: 'inbox-title' } }),
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
