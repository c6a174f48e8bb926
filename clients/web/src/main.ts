import './styles.css';
import { getMe, setUnauthorizedHandler, signIn, signOut, type Me } from './api';
import { createComposePanel } from './compose';
import { button, describeError, el } from './dom';
import { InboxFeed, type ConnectionState } from './hub';
import { createInboxPanel } from './inbox';
import { createSearchPanel } from './search';

const app = document.getElementById('app')!;

const STATE_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  disconnected: 'Disconnected',
};

function header(children: Node[]): HTMLElement {
  return el('header', { className: 'topbar' }, [
    el('h1', { className: 'brand', text: 'LiaisonNet' }),
    el('div', { className: 'topbar-right' }, children),
  ]);
}

function signInButton(): HTMLButtonElement {
  return button('Sign in', signIn, { testId: 'signin', className: 'primary' });
}

function renderSignedOut(): void {
  app.replaceChildren(header([signInButton()]));
}

function renderLoadError(error: unknown): void {
  app.replaceChildren(
    header([]),
    el('main', { className: 'notice' }, [
      el('p', { text: `LiaisonNet is not reachable right now (${describeError(error)}).` }),
      button('Try again', () => void boot(), { className: 'primary' }),
    ]),
  );
}

function renderApp(me: Me): void {
  const connection = el('span', { testId: 'connection-status', className: 'connection' });
  function setConnection(state: ConnectionState, detail?: string): void {
    connection.dataset.state = state;
    connection.textContent = detail ? `${STATE_LABELS[state]} (${detail})` : STATE_LABELS[state];
    connection.title = 'Live inbox connection';
  }

  const identity = el('span', { testId: 'me', className: 'me' }, [
    el('strong', { text: me.displayName, autoDir: true }),
    el('span', { className: 'muted', text: ` · ${me.agency} · ${me.country}` }),
  ]);
  const signOutButton = button('Sign out', () => {
    signOutButton.disabled = true;
    feed.stop();
    signOut();
  }, { testId: 'signout', className: 'secondary' });

  // The callback only runs on user action, by which time `search` exists.
  const compose = createComposePanel(() => search.refresh());
  const search = createSearchPanel({ isRecipient: compose.hasRecipient, addRecipient: compose.addRecipient });
  const inbox = createInboxPanel();

  let ended = false;

  const feed = new InboxFeed({
    highestCursor: inbox.highestCursor,
    onItem: (item) => void inbox.accept(item),
    onState: setConnection,
    onSessionLost: sessionEnded,
  });

  app.replaceChildren(
    header([connection, identity, signOutButton]),
    el('main', { className: 'panels' }, [search.element, compose.element, inbox.element]),
  );

  function sessionEnded(): void {
    if (ended) return;
    ended = true;
    feed.stop();
    setConnection('disconnected', 'signed out');
    // Keep the page (and any unsent draft) readable instead of wiping it, so an
    // officer can copy the text before signing in again.
    app.insertBefore(
      el('div', { className: 'session-banner', attrs: { role: 'alert' } }, [
        el('span', { text: 'Your session has ended. Sign in again to continue.' }),
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
