import './styles.css';
import { getMe, setUnauthorizedHandler, signIn, signOut, type InboxItem, type Me } from './api';
import { createComposePanel } from './compose';
import { button, describeError, el } from './dom';
import { InboxFeed, type ConnectionState } from './hub';
import { language, LANGUAGES, setLanguage, t } from './i18n';
import { createInboxPanel } from './inbox';
import { createSearchPanel } from './search';
import { createSentPanel } from './sent';
import { createDeskBoardPanel } from './desks';
import { createAuditPanel } from './audit';
import { notificationButton } from './attention';
import { createAdminPanel } from './admin';

const app = document.getElementById('app')!;
document.title = t('title.plain');

/** Officers and desk staff send; auditors never do, whatever other role they hold (the relay refuses them anyway). */
function maySend(me: Me): boolean {
  return me.roles.some((role) => role === 'officer' || role === 'desk-operator') && !me.roles.includes('auditor');
}

function languagePicker(): HTMLElement {
  const select = el('select', { testId: 'language', attrs: { 'aria-label': t('app.language') } });
  for (const { code, name } of LANGUAGES) select.append(el('option', { text: name, attrs: { value: code, lang: code } }));
  select.value = language();
  select.addEventListener('change', () => setLanguage(select.value));
  return select;
}

function header(children: Node[]): HTMLElement {
  return el('header', { className: 'topbar' }, [
    el('h1', { className: 'brand', text: 'LiaisonNet' }),
    el('div', { className: 'topbar-right' }, [...children, languagePicker()]),
  ]);
}

function signInButton(): HTMLButtonElement {
  return button(t('app.signIn'), signIn, { testId: 'signin', className: 'primary' });
}

function renderSignedOut(): void {
  app.replaceChildren(header([signInButton()]));
}

function renderLoadError(error: unknown): void {
  app.replaceChildren(
    header([]),
    el('main', { className: 'notice' }, [
      el('p', { text: t('app.unreachable', { error: describeError(error) }) }),
      button(t('app.tryAgain'), () => void boot(), { className: 'primary' }),
    ]),
  );
}

function renderApp(me: Me): void {
  const connection = el('span', { testId: 'connection-status', className: 'connection' });
  function setConnection(state: ConnectionState, detail?: string): void {
    connection.dataset.state = state;
    const label = t(`connection.${state}`);
    connection.textContent = detail ? `${label} (${detail})` : label;
    connection.title = t('connection.title');
  }

  const identity = el('span', { testId: 'me', className: 'me' }, [
    el('strong', { text: me.displayName, autoDir: true }),
    el('span', { className: 'muted', text: ` · ${me.agency} · ${me.country}` }),
  ]);
  const security = el('a', { text: t('app.secondFactor'), testId: 'second-factor', className: 'topbar-link', attrs: { href: me.securityUrl } });
  const signOutButton = button(t('app.signOut'), () => {
    signOutButton.disabled = true;
    feed.stop();
    signOut();
  }, { testId: 'signout', className: 'secondary' });

  const panels = el('main', { className: 'panels' });
  let startReply: ((item: InboxItem) => void) | null = null;
  const inbox = createInboxPanel(maySend(me) ? (item) => startReply?.(item) : null);
  // Shown only to the staff of a desk: it stays hidden while the user staffs none.
  const desks = createDeskBoardPanel();
  if (maySend(me)) {
    // The callback only runs on user action, by which time `search` exists.
    const sent = createSentPanel();
    const compose = createComposePanel(() => search.refresh(), `liaison.draft.${me.subject}`, sent.refresh);
    compose.element.classList.add('compose-panel');
    startReply = (item) => {
      compose.replyTo({
        messageId: item.messageId, subject: item.subject, caseId: item.caseId ?? '',
        sender: { address: item.senderId, label: item.senderName, detail: '' },
      });
      panels.classList.add('compose-open');
    };
    const search = createSearchPanel({
      isRecipient: compose.hasRecipient,
      addRecipient: (officer) => {
        compose.addRecipient(officer);
        panels.classList.add('compose-open');
      },
    });
    // On a phone the inbox comes first and the form opens on demand.
    const toggle = button(t('app.newMessage'), () => panels.classList.toggle('compose-open'), {
      testId: 'compose-toggle', className: 'secondary compose-toggle',
    });
    panels.append(desks.element, el('div', { className: 'compose-bar' }, [toggle]), search.element, compose.element, inbox.element, sent.element);
  } else {
    panels.append(desks.element, inbox.element, createSearchPanel({ isRecipient: () => false, addRecipient: null }).element);
  }
  if (me.roles.includes('agency-admin') || me.roles.includes('system-admin')) {
    // The agency's officers and accounts: administrators only (the services refuse anyone else anyway).
    panels.append(createAdminPanel());
  }
  if (me.roles.includes('auditor')) {
    // Trails, verified in this browser: auditors only (the audit service refuses anyone else anyway).
    panels.append(createAuditPanel());
  }

  let ended = false;

  const feed = new InboxFeed({
    highestCursor: inbox.highestCursor,
    onItem: (item) => void inbox.accept(item),
    onState: setConnection,
    onSessionLost: sessionEnded,
  });

  app.replaceChildren(header([connection, identity, security, notificationButton(), signOutButton].filter((n): n is HTMLElement => n !== null)), panels);

  function sessionEnded(): void {
    if (ended) return;
    ended = true;
    feed.stop();
    setConnection('disconnected', t('connection.signedOut'));
    // Keep the page (and any unsent draft) readable instead of wiping it, so an
    // officer can copy the text before signing in again.
    app.insertBefore(
      el('div', { className: 'session-banner', attrs: { role: 'alert' } }, [
        el('span', { text: t('app.sessionEnded') }),
        signInButton(),
      ]),
      app.children[1] ?? null,
    );
  }
  setUnauthorizedHandler(sessionEnded);

  setConnection('connecting');
  feed.start();
}

async function boot(): Promise<void> {
  let me: Me | null;
  try {
    me = await getMe();
  } catch (error) {
    renderLoadError(error);
    return;
  }
  if (me) renderApp(me);
  else renderSignedOut();
}

void boot();
