import { acknowledgeForDesk, ApiError, getMyDesks, replyForDesk, type DeskBoard, type DeskItem } from './api';
import { button, describeError, el } from './dom';
import { dutyText, formatLocal, nextDutyText, relativeTo } from './format';
import { t, tn } from './i18n';

const REFRESH_MS = 5_000;

export interface DeskBoardPanel {
  element: HTMLElement;
  refresh: () => void;
}

/** Open items first, the nearest deadline first: what the desk must act on now. */
function byDeadline(a: DeskItem, b: DeskItem): number {
  const openA = a.acknowledgedAt === null;
  const openB = b.acknowledgedAt === null;
  if (openA !== openB) return openA ? -1 : 1;
  return Date.parse(a.message.acknowledgeBy) - Date.parse(b.message.acknowledgeBy);
}

/**
 * The desks the user staffs: who is on duty there now and until when, the desk's open action items by deadline with
 * their countdown and where each escalation stands, and acknowledging or replying for the desk. At a shift change this
 * is the hand-over: everything still open.
 */
export function createDeskBoardPanel(): DeskBoardPanel {
  const boards = el('div', { className: 'desk-boards' });
  const status = el('span', { className: 'muted', attrs: { role: 'status' } });
  let running: Promise<void> | null = null;

  function renderItem(deskId: string, item: DeskItem): HTMLElement {
    const error = el('span', { className: 'field-error' });
    const act = async (action: () => Promise<void>): Promise<void> => {
      error.textContent = '';
      try {
        await action();
        refresh();
      } catch (err) {
        error.textContent = t('inbox.notReplied', { error: err instanceof ApiError ? err.message : describeError(err) });
      }
    };
    const message = item.message;
    const deadline = relativeTo(message.acknowledgeBy, Date.now());
    const open = item.acknowledgedAt === null;
    const node = el('article', { className: `desk-item prec-${message.precedence.toLowerCase()}`, testId: 'desk-item' }, [
      el('header', { className: 'item-head' }, [
        el('span', { className: `badge prec-${message.precedence.toLowerCase()}`, text: t(`precedence.${message.precedence}`) }),
        el('span', { className: 'sender', text: message.senderName, autoDir: true }),
        el('span', { className: 'muted', text: formatLocal(message.sentAt) }),
      ]),
      el('h3', { className: 'subject', text: message.subject, autoDir: true }),
      open && deadline
        ? el('p', { className: `deadline${deadline.past ? ' overdue' : ''}`, text: `${t('inbox.acknowledgeBy')}${formatLocal(message.acknowledgeBy)} (${deadline.past ? t('inbox.overdue') : ''}${deadline.text})` })
        : el('p', { className: 'acked', text: t('desk.acknowledgedBy', { who: item.acknowledgedBy, at: formatLocal(item.acknowledgedAt ?? '') }) }),
      item.reached.length > 1 ? el('p', { className: 'muted', testId: 'escalation', text: t('desk.escalated', { chain: item.reached.join(' → ') }) }) : null,
      el('div', { className: 'item-actions' }, [
        open ? button(t('desk.acknowledgeForDesk'), () => void act(() => acknowledgeForDesk(deskId, message.messageId)), { testId: 'desk-ack', className: 'secondary' }) : null,
        ...(message.role !== 'information' && !item.replyCode
          ? (['WILCO', 'HAVCO'] as const).map((code) =>
              button(code, () => void act(() => replyForDesk(deskId, message.messageId, code, '')), { testId: `desk-reply-${code.toLowerCase()}`, className: 'secondary small' }))
          : []),
        error,
      ]),
    ]);
    node.dataset.messageId = message.messageId;
    node.dataset.open = String(open);
    return node;
  }

  function renderBoard(board: DeskBoard): HTMLElement {
    const items = [...board.items].sort(byDeadline);
    const open = items.filter((i) => i.acknowledgedAt === null).length;
    const next = nextDutyText(board.desk);
    const node = el('section', { className: 'desk-board', testId: 'desk-board' }, [
      el('h3', { text: board.desk.name, autoDir: true }),
      el('p', { className: 'muted', testId: 'desk-duty', text: dutyText(board.desk) }),
      next ? el('p', { className: 'muted', testId: 'desk-next', text: next }) : null,
      el('p', { className: 'muted', text: open > 0 ? tn('desk.open', open) : t('desk.nothingOpen') }),
      ...items.map((item) => renderItem(board.desk.id, item)),
    ]);
    node.dataset.desk = board.desk.id;
    return node;
  }

  async function load(): Promise<void> {
    try {
      const mine = await getMyDesks();
      boards.replaceChildren(...mine.map(renderBoard));
      element.hidden = mine.length === 0;
      status.textContent = '';
    } catch (error) {
      status.textContent = t('sent.failed', { error: describeError(error) });
    }
  }

  function refresh(): void {
    running ??= load().finally(() => (running = null));
  }

  const element = el('section', { className: 'panel desks', attrs: { 'aria-labelledby': 'desks-title' } }, [
    el('div', { className: 'panel-head' }, [
      el('h2', { text: t('desk.title'), attrs: { id: 'desks-title' } }),
      el('span', { className: 'spacer' }),
      status,
      button(t('inbox.reload'), refresh, { className: 'secondary small', testId: 'desks-reload' }),
    ]),
    boards,
  ]);
  element.hidden = true;
  window.setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  refresh();
  return { element, refresh };
}
