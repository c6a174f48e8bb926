import { ApiError, decidePermission, getSent, listPermissions, type Permission, type Receipt, type SentMessage } from './api';
import { button, describeError, el } from './dom';
import { formatLocal } from './format';
import { t } from './i18n';

const REFRESH_MS = 5_000;

export interface SentPanel {
  element: HTMLElement;
  /** Fetch again now (after a send). */
  refresh: () => void;
}

/** One recipient's state in words: delivered, read, acknowledged (by whom, for which desk), the reply code and its reason. */
function receiptLine(receipt: Receipt): HTMLElement {
  const steps: string[] = [];
  if (receipt.deliveredAt) steps.push(t('sent.delivered', { at: formatLocal(receipt.deliveredAt) }));
  if (receipt.readAt) steps.push(t('sent.read', { at: formatLocal(receipt.readAt) }));
  if (receipt.acknowledgedAt) {
    steps.push(receipt.acknowledgedBy && receipt.acknowledgedBy !== receipt.recipientId
      ? t('sent.acknowledgedBy', { at: formatLocal(receipt.acknowledgedAt), who: receipt.acknowledgedBy })
      : t('sent.acknowledged', { at: formatLocal(receipt.acknowledgedAt) }));
  }
  if (receipt.replyCode) steps.push(receipt.replyReason ? `${receipt.replyCode}: ${receipt.replyReason}` : receipt.replyCode);
  const state = receipt.replyCode ?? (receipt.acknowledgedAt ? 'acknowledged' : receipt.readAt ? 'read' : receipt.deliveredAt ? 'delivered' : 'accepted');
  const node = el('li', { className: `receipt state-${state.toLowerCase()}`, testId: 'receipt' }, [
    el('span', { className: 'recipient', text: receipt.recipientId }),
    receipt.viaDesk ? el('span', { className: 'muted', text: ` ${t('sent.viaDesk', { desk: receipt.viaDesk })}` }) : null,
    el('span', { className: 'receipt-steps', text: ` — ${steps.length > 0 ? steps.join(' · ') : t('sent.accepted')}`, autoDir: true }),
  ]);
  node.dataset.state = state.toLowerCase();
  node.dataset.recipient = receipt.recipientId;
  return node;
}

/** Requests to pass an H2 message on: the originator grants or refuses each one. */
function permissionLine(permission: Permission, onDecided: () => void): HTMLElement {
  const error = el('span', { className: 'field-error' });
  const decide = async (grant: boolean): Promise<void> => {
    try {
      await decidePermission(permission.id, grant, '');
      onDecided();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : describeError(err);
    }
  };
  const node = el('li', { className: 'permission', testId: 'permission' }, [
    el('span', { text: t('permission.asked', { who: permission.requestedBy, to: permission.recipients.join(', ') }) }),
    permission.reason ? el('span', { className: 'muted', text: ` — ${permission.reason}`, autoDir: true }) : null,
    permission.status === 'pending'
      ? el('span', {}, [
          button(t('permission.grant'), () => void decide(true), { testId: 'permission-grant', className: 'secondary small' }),
          button(t('permission.refuse'), () => void decide(false), { testId: 'permission-refuse', className: 'secondary small' }),
        ])
      : el('span', { className: 'muted', text: ` · ${t(`permission.${permission.status}`)}` }),
    error,
  ]);
  node.dataset.status = permission.status;
  return node;
}

function render(message: SentMessage, permissions: Permission[], onDecided: () => void): HTMLElement {
  const node = el('article', { className: `sent-item prec-${message.precedence.toLowerCase()}`, testId: 'sent-item' }, [
    el('header', { className: 'item-head' }, [
      el('span', { className: `badge prec-${message.precedence.toLowerCase()}`, text: t(`precedence.${message.precedence}`) }),
      el('span', { className: 'muted', text: formatLocal(message.sentAt) }),
      message.handlingCode !== 'H0' ? el('span', { className: 'handling', text: message.handlingCode }) : null,
    ]),
    el('h3', { className: 'subject', text: message.subject, autoDir: true }),
    el('ul', { className: 'receipts' }, message.receipts.map(receiptLine)),
    permissions.length > 0 ? el('ul', { className: 'permissions' }, permissions.map((p) => permissionLine(p, onDecided))) : null,
  ]);
  node.dataset.messageId = message.messageId;
  return node;
}

/** What the user sent, with every recipient's receipt, kept up to date every few seconds while the page is open. */
export function createSentPanel(): SentPanel {
  const list = el('div', { className: 'sent-list' });
  const status = el('span', { className: 'muted', attrs: { role: 'status' } });
  const empty = el('p', { className: 'muted', text: t('sent.empty') });
  let running: Promise<void> | null = null;

  async function load(): Promise<void> {
    try {
      const { messages } = await getSent();
      // Only H2 messages can have requests to pass them on.
      const permissions = await Promise.all(messages.map((m) => (m.handlingCode === 'H2' ? listPermissions(m.messageId).catch(() => []) : Promise.resolve([]))));
      list.replaceChildren(...messages.map((m, i) => render(m, permissions[i] ?? [], refresh)));
      empty.hidden = messages.length > 0;
      status.textContent = '';
    } catch (error) {
      status.textContent = t('sent.failed', { error: describeError(error) });
    }
  }

  function refresh(): void {
    running ??= load().finally(() => (running = null));
  }

  window.setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  refresh();

  const element = el('section', { className: 'panel sent', attrs: { 'aria-labelledby': 'sent-title' } }, [
    el('div', { className: 'panel-head' }, [
      el('h2', { text: t('sent.title'), attrs: { id: 'sent-title' } }),
      el('span', { className: 'spacer' }),
      status,
      button(t('inbox.reload'), refresh, { className: 'secondary small', testId: 'sent-reload' }),
    ]),
    empty,
    list,
  ]);
  return { element, refresh };
}
