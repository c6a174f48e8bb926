// Thin client for the gateway's same-origin HTTP API. The browser session is a
// cookie held by the gateway; no token is ever visible to this code.

export type Precedence = 'FLASH' | 'IMMEDIATE' | 'PRIORITY' | 'ROUTINE';

export const PRECEDENCES: readonly Precedence[] = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'];

export interface Me {
  subject: string;
  displayName: string;
  country: string;
  agency: string;
  roles: string[];
  securityUrl: string;
}

export interface Officer {
  id: string;
  displayName: string;
  latinName: string;
  rank: string;
  country: string;
  agency: string;
  agencyName: string;
  posting: string;
  languages: string[];
  matchedOn: string;
  onDutyAt?: string[];
  unitName?: string;
}

export interface OfficerCard {
  summary: Officer;
  nameVariants: string[];
  specialities: string[];
  contacts: { kind: string; value: string }[];
  languageSkills: { language: string; level: string }[];
  restricted: { personalPhone: string | null; clearance: string | null; homeUnit: string | null } | null;
}

export interface SearchFilters {
  country?: string;
  language?: string;
  speciality?: string;
  onDutyNow?: boolean;
}

export function getOfficer(id: string): Promise<OfficerCard> {
  return request('GET', `/api/officers/${encodeURIComponent(id)}`);
}

export type ReplyCode = 'WILCO' | 'HAVCO' | 'CANTCO';

export interface Evaluation {
  sourceReliability: string;
  informationAssessment: string;
}

export interface InboxItem {
  cursor: number;
  messageId: string;
  senderId: string;
  senderName: string;
  precedence: Precedence;
  subject: string;
  body: string;
  sentAt: string;
  acknowledgeBy: string;
  acknowledged: boolean;
  role?: 'action' | 'information';
  read?: boolean;
  replyCode?: ReplyCode | null;
  handlingCode?: string;
  handlingNote?: string;
  evaluation?: Evaluation | null;
  classification?: string;
  caseId?: string;
  inReplyTo?: string;
  viaDesk?: string;
}

export interface Receipt {
  recipientId: string;
  role: 'action' | 'information';
  deliveredAt: string | null;
  readAt: string | null;
  acknowledgedAt: string | null;
  replyCode: ReplyCode | null;
  replyReason: string;
  viaDesk: string;
  acknowledgedBy: string;
}

export interface SentMessage {
  messageId: string;
  precedence: Precedence;
  subject: string;
  sentAt: string;
  acknowledgeBy: string;
  handlingCode: string;
  caseId: string;
  receipts: Receipt[];
}

/** Someone a message can be addressed to: an officer id, "desk:ID" or "list:ID", with what the form shows of it. */
export interface Recipient {
  address: string;
  label: string;
  detail: string;
}

export interface Desk {
  id: string;
  name: string;
  agency: string;
  country: string;
  timeZone: string;
  onDuty: {
    primary: string | null; primaryName: string | null; backup: string | null; backupName: string | null; shiftEnds: string | null; localTime: string;
    nextPrimaryName: string | null; nextBackupName: string | null; nextStarts: string | null;
  };
}

export interface DistributionList {
  id: string;
  name: string;
  desks: string[];
}

export interface SendMessageRequest {
  clientMessageId: string;
  recipients: string[];
  infoRecipients: string[];
  precedence: Precedence;
  subject: string;
  body: string;
  handlingCode: string;
  handlingNote: string;
  evaluation: Evaluation | null;
  classification: string;
  caseId: string;
  inReplyTo: string;
  expiresAt: string | null;
}

export interface SendMessageResult {
  messageId: string;
  acceptedAt: string;
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor: number | null;
}

export interface ProblemDetails {
  type?: string;
  title?: string;
  detail?: string;
  status?: number;
  errors?: Record<string, string[]>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: ProblemDetails | null,
  ) {
    super(problem?.detail || problem?.title || `Request failed (HTTP ${status})`);
    this.name = 'ApiError';
  }
}

export const LOGIN_URL = '/account/login?returnUrl=/';

// The gateway refuses state-changing API calls that lack this header; a cross-site
// form cannot add a custom header, which is what makes the cookie session safe.
export const CSRF_HEADER = 'X-Liaison-Csrf';

let onUnauthorized: () => void = () => {};

/** Called when any request finds the session gone, so the page can offer sign-in again. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

async function readProblem(response: Response): Promise<ProblemDetails | null> {
  const type = response.headers.get('Content-Type') ?? '';
  if (!type.includes('json')) return null;
  try {
    return (await response.json()) as ProblemDetails;
  } catch {
    return null;
  }
}

async function request<T>(
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers[CSRF_HEADER] = '1';
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  if (options.signal) init.signal = options.signal;

  const response = await fetch(url, init);
  if (!response.ok) {
    const problem = await readProblem(response);
    if (response.status === 401) onUnauthorized();
    throw new ApiError(response.status, problem);
  }
  // 204 is the contract for acknowledge, but an empty 200 must not break the caller either.
  const text = await response.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** null means "not signed in"; other failures throw. */
export async function getMe(): Promise<Me | null> {
  const response = await fetch('/api/me', {
    credentials: 'same-origin',
    headers: { Accept: 'application/json' },
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new ApiError(response.status, await readProblem(response));
  return (await response.json()) as Me;
}

export function signIn(): void {
  window.location.assign(LOGIN_URL);
}

/**
 * Signs out with a top-level form POST, so that the browser follows the gateway's redirects to the identity server's
 * end-session endpoint and back: both sessions end, and the next sign-in asks for the password again.
 */
export function signOut(): void {
  const form = document.createElement('form');
  form.method = 'POST';
  form.action = '/account/logout';
  form.hidden = true;
  document.body.append(form);
  form.submit();
}

export function searchDirectory(query: string, signal: AbortSignal, filters: SearchFilters = {}): Promise<{ officers: Officer[] }> {
  const params = new URLSearchParams({ q: query, pageSize: '20' });
  if (filters.country) params.set('country', filters.country);
  if (filters.language) params.set('language', filters.language);
  if (filters.speciality) params.set('speciality', filters.speciality);
  if (filters.onDutyNow) params.set('onDutyNow', 'true');
  return request('GET', `/api/directory/search?${params.toString()}`, { signal });
}

export interface DeskItem {
  message: InboxItem;
  reached: string[];
  acknowledgedAt: string | null;
  acknowledgedBy: string;
  replyCode: ReplyCode | null;
}

export interface DeskBoard {
  desk: Desk;
  items: DeskItem[];
}

export function getMyDesks(): Promise<DeskBoard[]> {
  return request('GET', '/api/desks/mine');
}

export function acknowledgeForDesk(deskId: string, messageId: string): Promise<void> {
  return request('POST', `/api/desks/${encodeURIComponent(deskId)}/messages/${encodeURIComponent(messageId)}/acknowledge`);
}

export function replyForDesk(deskId: string, messageId: string, code: ReplyCode, reason: string): Promise<void> {
  return request('POST', `/api/desks/${encodeURIComponent(deskId)}/messages/${encodeURIComponent(messageId)}/reply`, { body: { code, reason } });
}

export function getDesks(): Promise<Desk[]> {
  return request('GET', '/api/desks');
}

export function getLists(): Promise<DistributionList[]> {
  return request('GET', '/api/lists');
}

export function sendMessage(message: SendMessageRequest): Promise<SendMessageResult> {
  return request('POST', '/api/messages', { body: message });
}

export function getInbox(after: number, limit = 50): Promise<InboxPage> {
  const params = new URLSearchParams({ after: String(after), limit: String(limit) });
  return request('GET', `/api/inbox?${params.toString()}`);
}

export function getSent(): Promise<{ messages: SentMessage[] }> {
  return request('GET', '/api/sent');
}

export function reply(messageId: string, code: ReplyCode, reason: string): Promise<void> {
  return request('POST', `/api/messages/${encodeURIComponent(messageId)}/reply`, { body: { code, reason } });
}

export interface Permission {
  id: string;
  messageId: string;
  requestedBy: string;
  recipients: string[];
  reason: string;
  status: 'pending' | 'granted' | 'refused';
  decidedBy: string;
  decisionReason: string;
}

export function forward(messageId: string, clientMessageId: string, recipients: string[], note: string): Promise<SendMessageResult> {
  return request('POST', `/api/messages/${encodeURIComponent(messageId)}/forward`, { body: { clientMessageId, recipients, note } });
}

export function listPermissions(messageId: string): Promise<Permission[]> {
  return request('GET', `/api/messages/${encodeURIComponent(messageId)}/permissions`);
}

export function requestPermission(messageId: string, recipients: string[], reason: string): Promise<Permission> {
  return request('POST', `/api/messages/${encodeURIComponent(messageId)}/permissions`, { body: { recipients, reason } });
}

export function decidePermission(permissionId: string, grant: boolean, reason: string): Promise<Permission> {
  return request('POST', `/api/permissions/${encodeURIComponent(permissionId)}/decision`, { body: { grant, reason } });
}

export interface TrailPage {
  entries: { index: number; data: string; leafHash: string; proof: string[] }[];
  checkpoint: { treeSize: number; rootHash: string; note: string; signature: string; keyId: string };
  keys: { keyId: string; spki: string }[];
  nextPageToken: string | null;
}

export function getTrail(query: Record<string, string>): Promise<TrailPage> {
  const params = new URLSearchParams(Object.entries(query).filter(([, value]) => value !== ''));
  return request('GET', `/api/audit/trail?${params.toString()}`);
}

export function getConsistency(first: number): Promise<{ checkpoint: TrailPage['checkpoint']; proof: { firstSize: number; secondSize: number; hashes: string[] } }> {
  return request('GET', `/api/audit/consistency?first=${first}`);
}

export interface ImportReport {
  rows: number;
  created: number;
  updated: number;
  applied: boolean;
  errors: { line: number; field: string; message: string }[];
}

export interface Account {
  id: string;
  userName: string;
  displayName: string;
  roles: string[];
  desks: string[];
  disabled: boolean;
  secondFactorEnabled: boolean;
}

export function importOfficers(format: 'csv' | 'json', content: string, dryRun: boolean): Promise<ImportReport> {
  return request('POST', '/api/admin/officers/import', { body: { format, content, dryRun } });
}

export interface OfficerEdit {
  id: string;
  nativeName: string;
  latinName: string;
  nameVariants: string[];
  rank: string;
  posting: string;
  centre: string;
  crossingPoint: string;
  unit: string;
  languages: { language: string; level: string }[];
  specialities: string[];
  contacts: { kind: string; value: string }[];
  restricted: { personalPhone: string | null; clearance: string | null; homeUnit: string | null } | null;
  version: number;
}

export interface EntryVersion {
  version: number;
  changedAt: string;
  changedBy: string;
  before: string;
  after: string;
}

export function getOfficerForEdit(id: string): Promise<OfficerEdit> {
  return request('GET', `/api/admin/officers/${encodeURIComponent(id)}`);
}

export function saveOfficer(officer: OfficerEdit): Promise<{ id: string; version: number }> {
  return request('PUT', `/api/admin/officers/${encodeURIComponent(officer.id)}`, { body: officer });
}

export function getHistory(entityType: 'officer' | 'desk', id: string): Promise<EntryVersion[]> {
  return request('GET', `/api/admin/history/${entityType}/${encodeURIComponent(id)}`);
}

export interface Shift {
  days: string[];
  start: string;
  end: string;
  primary: string;
  backup: string | null;
}

export interface DeskEdit {
  id: string;
  name: string;
  agency: string;
  centre: string;
  crossingPoint: string;
  timeZone: string;
  roster: Shift[];
  supervisor: string;
  escalationDesk: string;
  contacts: { kind: string; value: string }[];
  version: number;
}

export function getDeskForEdit(id: string): Promise<DeskEdit> {
  return request('GET', `/api/admin/desks/${encodeURIComponent(id)}`);
}

export function saveDesk(desk: DeskEdit): Promise<{ id: string; version: number }> {
  return request('PUT', `/api/admin/desks/${encodeURIComponent(desk.id)}`, { body: desk });
}

export function setAccess(accountId: string, roles: string[], desks: string[]): Promise<Account> {
  return request('PUT', `/api/admin/accounts/${encodeURIComponent(accountId)}/access`, { body: { roles, desks } });
}

export function listAccounts(): Promise<Account[]> {
  return request('GET', '/api/admin/accounts');
}

export function createAccount(account: { userName: string; displayName: string; accountId: string; roles: string[]; desks: string[] }): Promise<{ account: Account; initialPassword: string }> {
  return request('POST', '/api/admin/accounts', { body: account });
}

export function accountAction(accountId: string, action: 'disable' | 'enable' | 'reset-second-factor'): Promise<Account> {
  return request('POST', `/api/admin/accounts/${encodeURIComponent(accountId)}/${action}`);
}

export function markRead(messageId: string): Promise<void> {
  return request('POST', `/api/messages/${encodeURIComponent(messageId)}/read`);
}

export function acknowledge(messageId: string): Promise<void> {
  return request('POST', `/api/messages/${encodeURIComponent(messageId)}/acknowledge`);
}
