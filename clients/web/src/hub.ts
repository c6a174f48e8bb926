import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr';
import { CSRF_HEADER, getMe, type InboxItem } from './api';
import { t } from './i18n';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export interface InboxFeedOptions {
  /** Highest cursor already on screen; the server replays everything after it. */
  highestCursor: () => number;
  onItem: (item: InboxItem) => void;
  onState: (state: ConnectionState, detail?: string) => void;
  onSessionLost: () => void;
}

const MAX_RETRY_MS = 30_000;
/** Set with the gateway's hub: it pings every 5 s, so 10 s of silence means the link is gone. */
const KEEP_ALIVE_MS = 5_000;
const SERVER_TIMEOUT_MS = 10_000;

/**
 * Live inbox over /hubs/inbox. The hub is a replay-then-live stream keyed by cursor,
 * so every (re)connection re-subscribes from what is already shown and nothing is
 * missed across gaps; de-duplication stays with the caller's cursor check.
 */
export class InboxFeed {
  private readonly connection: HubConnection;
  private readonly options: InboxFeedOptions;
  private retryTimer: number | undefined;
  private attempt = 0;
  private stopped = false;

  constructor(options: InboxFeedOptions) {
    this.options = options;
    // Same-origin cookie auth: the negotiate request and the WebSocket upgrade carry
    // the session cookie, so no accessTokenFactory is involved. Negotiate (and the
    // long-polling/SSE fallbacks) are POSTs, so they carry the CSRF header like any
    // other state-changing call; browsers cannot add it to the WebSocket upgrade.
    this.connection = new HubConnectionBuilder()
      .withUrl('/hubs/inbox', { headers: { [CSRF_HEADER]: '1' } })
      .withAutomaticReconnect()
      // Pings both ways every few seconds: a dead link shows as reconnecting within seconds, not half a minute.
      .withKeepAliveInterval(KEEP_ALIVE_MS)
      .withServerTimeout(SERVER_TIMEOUT_MS)
      .configureLogging(LogLevel.Warning)
      .build();

    this.connection.on('MessageReceived', (item: InboxItem) => this.options.onItem(item));
    this.connection.onreconnecting(() => this.options.onState('reconnecting'));
    this.connection.onreconnected(() => void this.subscribe());
    // Fires once automatic reconnect has given up (or after a failed Subscribe);
    // an inbox that silently stops updating is worse than continued retries.
    this.connection.onclose(() => this.scheduleRetry());

    window.addEventListener('online', () => this.retryNow());
  }

  start(): void {
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    void this.connection.stop();
  }

  /** Skip the back-off, e.g. when the user asks or the network comes back. */
  retryNow(): void {
    if (this.stopped || this.connection.state !== HubConnectionState.Disconnected) return;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.connection.state !== HubConnectionState.Disconnected) return;
    this.options.onState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    try {
      await this.connection.start();
    } catch {
      // The client library reports a failed negotiate without its HTTP status, so ask
      // the gateway directly whether the session is still alive before retrying.
      if (await this.sessionIsGone()) {
        this.stopped = true;
        this.options.onSessionLost();
        return;
      }
      this.scheduleRetry();
      return;
    }
    await this.subscribe();
  }

  private async subscribe(): Promise<void> {
    try {
      await this.connection.invoke('Subscribe', this.options.highestCursor());
      this.attempt = 0;
      this.options.onState('connected');
    } catch {
      // Without a subscription the connection would stay open but deliver nothing.
      // Dropping it routes through onclose into a fresh connect + Subscribe.
      void this.connection.stop();
    }
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const base = Math.min(MAX_RETRY_MS, 1_000 * 2 ** this.attempt);
    // Jitter so that many officers behind one flapping link do not reconnect in lockstep.
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.attempt += 1;
    this.options.onState('disconnected', t('connection.retryIn', { seconds: Math.ceil(delay / 1000) }));
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private async sessionIsGone(): Promise<boolean> {
    try {
      return (await getMe()) === null;
    } catch {
      return false;
    }
  }
}
