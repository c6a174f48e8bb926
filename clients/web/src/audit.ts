import { ApiError, getConsistency, getTrail, type TrailPage } from './api';
import { button, describeError, el } from './dom';
import { formatLocal } from './format';
import { t } from './i18n';
import { checkCheckpoint, decodeEvent, fromBase64, leafHash, toHex, verifyConsistency, verifyInclusion } from './verify';

const SAVED_KEY = 'liaison.audit.checkpoint';
/** The ids of the checkpoint keys this device trusts: pinned at the first checkpoint that verified, changed only by the auditor. */
const PINNED_KEYS = 'liaison.audit.keys';

function pinnedKeys(): string[] | null {
  try {
    const text = localStorage.getItem(PINNED_KEYS);
    const ids: unknown = text ? JSON.parse(text) : null;
    return Array.isArray(ids) && ids.every((id) => typeof id === 'string') ? ids : null;
  } catch {
    return null;
  }
}

function pinKey(keyId: string): void {
  localStorage.setItem(PINNED_KEYS, JSON.stringify([...new Set([...(pinnedKeys() ?? []), keyId])]));
}

interface Saved {
  treeSize: number;
  rootHash: string;
  keyId: string;
}

/**
 * The auditor's workspace: trails by object, agency and time range; every event decoded from the logged bytes and
 * checked in this browser against the signed checkpoint; a checkpoint kept on this device and the log's consistency
 * with it; the trail as a bundle to download for offline verification.
 */
export function createAuditPanel(): HTMLElement {
  const objectId = el('input', { testId: 'trail-object', attrs: { id: 'trail-object', type: 'text', maxlength: '200' } });
  const agency = el('input', { testId: 'trail-agency', attrs: { id: 'trail-agency', type: 'text', maxlength: '50' } });
  const from = el('input', { testId: 'trail-from', attrs: { id: 'trail-from', type: 'datetime-local' } });
  const to = el('input', { testId: 'trail-to', attrs: { id: 'trail-to', type: 'datetime-local' } });
  const status = el('div', { className: 'send-status', testId: 'trail-status', attrs: { role: 'status' } });
  const verdict = el('div', { className: 'verdict', testId: 'trail-verdict', attrs: { role: 'status' } });
  const rows = el('tbody');
  const table = el('table', { className: 'trail', testId: 'trail' }, [
    el('thead', {}, [el('tr', {}, [t('audit.when'), t('audit.actor'), t('audit.action'), t('audit.object'), t('audit.check')].map((h) => el('th', { text: h })))]),
    rows,
  ]);
  const download = el('a', { testId: 'trail-download', text: t('audit.download'), className: 'button secondary' });
  download.hidden = true;
  const consistency = el('div', { className: 'send-status', testId: 'consistency-status', attrs: { role: 'status' } });
  const keyStatus = el('div', { className: 'send-status', testId: 'key-status', attrs: { role: 'status' } });
  let last: TrailPage | null = null;

  const more = button(t('audit.more'), () => void fetchPage(true), { className: 'secondary', testId: 'trail-more' });
  more.hidden = true;
  // Every page shown so far; each is verified against the checkpoint it came with.
  let pages: TrailPage[] = [];

  function query(pageToken: string): Record<string, string> {
    return {
      objectId: objectId.value.trim(), agency: agency.value.trim(), pageToken,
      from: from.value ? new Date(from.value).toISOString() : '', to: to.value ? new Date(to.value).toISOString() : '',
    };
  }

  async function fetchPage(next: boolean): Promise<void> {
    status.className = 'send-status';
    status.textContent = t('search.searching');
    try {
      const page = await getTrail(query(next ? (last?.nextPageToken ?? '') : ''));
      pages = next ? [...pages, page] : [page];
      last = page;
      status.textContent = '';
      await render();
      more.hidden = page.nextPageToken === null;
      download.hidden = objectId.value.trim() === '';
      download.href = `/api/audit/bundle?objectId=${encodeURIComponent(objectId.value.trim())}`;
      download.setAttribute('download', '');
    } catch (error) {
      status.className = 'send-status error';
      status.textContent = error instanceof ApiError ? error.message : describeError(error);
    }
  }

  /**
   * A server that could serve any key could sign any log: the key is pinned on this device at the first checkpoint that
   * verifies, and a checkpoint signed by another key fails until the auditor, having compared its id by another channel,
   * chooses to trust it.
   */
  function keyProblem(page: TrailPage): string | null {
    const keyId = page.checkpoint.keyId;
    const pinned = pinnedKeys();
    if (pinned === null) {
      pinKey(keyId);
      keyStatus.textContent = t('audit.keyPinned', { key: keyId });
      return null;
    }
    if (pinned.includes(keyId)) {
      keyStatus.textContent = t('audit.keyTrusted', { key: keyId });
      return null;
    }
    keyStatus.replaceChildren(
      el('span', { text: t('audit.keyChanged', { key: keyId, pinned: pinned.join(', ') }) }),
      button(t('audit.trustKey', { key: keyId }), () => {
        pinKey(keyId);
        void render();
      }, { className: 'secondary small', testId: 'trust-key' }),
    );
    return t('audit.unpinnedKey', { key: keyId });
  }

  /** Checks one page's entries against its checkpoint and appends them; returns how many fail. */
  async function renderPage(page: TrailPage): Promise<number> {
    const failing = await checkCheckpoint(page.checkpoint, page.keys);
    const signature = failing ? t(failing) : keyProblem(page);
    const root = fromBase64(page.checkpoint.rootHash);
    let failures = 0;
    for (const entry of page.entries) {
      const data = fromBase64(entry.data);
      let problem: string | null = null;
      let event = null;
      try {
        event = decodeEvent(data);
      } catch {
        problem = t('audit.undecodable');
      }
      if (!problem && toHex(await leafHash(data)) !== toHex(fromBase64(entry.leafHash))) problem = t('audit.badLeaf');
      if (!problem && !(await verifyInclusion(entry.index, page.checkpoint.treeSize, fromBase64(entry.leafHash), entry.proof.map(fromBase64), root))) {
        problem = t('audit.badProof');
      }
      if (!problem && signature) problem = t('audit.badCheckpoint', { why: signature });
      if (problem) failures += 1;
      const row = el('tr', { testId: 'trail-entry' }, [
        el('td', { text: event ? formatLocal(event.occurredAt) : '' }),
        el('td', { text: event?.actor ?? '', autoDir: true }),
        el('td', { text: event?.action ?? '' }),
        el('td', { text: event ? `${event.objectType} ${event.objectId}` : '', autoDir: true }),
        el('td', { className: problem ? 'check-failed' : 'check-ok', text: problem ? `✗ ${problem}` : '✓' }),
      ]);
      row.dataset.verified = String(problem === null);
      row.dataset.action = event?.action ?? '';
      row.dataset.index = String(entry.index);
      rows.append(row);
    }
    return failures;
  }

  async function render(): Promise<void> {
    rows.replaceChildren();
    keyStatus.textContent = '';
    let failures = 0;
    for (const page of pages) failures += await renderPage(page);
    const total = pages.reduce((sum, p) => sum + p.entries.length, 0);
    const newest = pages[pages.length - 1]?.checkpoint;
    verdict.className = `verdict ${failures === 0 ? 'ok' : 'failed'}`;
    verdict.dataset.verified = String(failures === 0);
    verdict.textContent = failures === 0
      ? t('audit.allVerified', { count: total, size: newest?.treeSize ?? 0, key: newest?.keyId ?? '' })
      : t('audit.someFailed', { count: failures, total });
  }

  function save(): void {
    if (!last) return;
    const saved: Saved = { treeSize: last.checkpoint.treeSize, rootHash: last.checkpoint.rootHash, keyId: last.checkpoint.keyId };
    localStorage.setItem(SAVED_KEY, JSON.stringify(saved));
    consistency.textContent = t('audit.saved', { size: saved.treeSize });
  }

  async function check(): Promise<void> {
    const text = localStorage.getItem(SAVED_KEY);
    if (!text) {
      consistency.textContent = t('audit.nothingSaved');
      return;
    }
    const saved = JSON.parse(text) as Saved;
    try {
      const { checkpoint, proof } = await getConsistency(saved.treeSize);
      const failing = last ? await checkCheckpoint(checkpoint, last.keys) : null;
      const trusted = failing === null && (pinnedKeys() ?? [checkpoint.keyId]).includes(checkpoint.keyId);
      const extends_ = proof.firstSize === saved.treeSize && proof.secondSize === checkpoint.treeSize
        && (await verifyConsistency(saved.treeSize, checkpoint.treeSize, fromBase64(saved.rootHash), fromBase64(checkpoint.rootHash), proof.hashes.map(fromBase64)));
      consistency.className = `send-status ${extends_ && trusted ? 'ok' : 'error'}`;
      consistency.dataset.consistent = String(extends_ && trusted);
      consistency.textContent = extends_ && trusted
        ? t('audit.consistent', { first: saved.treeSize, second: checkpoint.treeSize })
        : t('audit.inconsistent', { first: saved.treeSize });
    } catch (error) {
      consistency.className = 'send-status error';
      consistency.textContent = error instanceof ApiError ? error.message : describeError(error);
    }
  }

  const form = el('form', { className: 'trail-form' }, [
    el('label', { className: 'field-label', text: t('audit.object'), attrs: { for: 'trail-object' } }), objectId,
    el('label', { className: 'field-label', text: t('audit.agency'), attrs: { for: 'trail-agency' } }), agency,
    el('label', { className: 'field-label', text: t('audit.from'), attrs: { for: 'trail-from' } }), from,
    el('label', { className: 'field-label', text: t('audit.to'), attrs: { for: 'trail-to' } }), to,
    el('button', { className: 'primary', testId: 'trail-show', text: t('audit.show'), attrs: { type: 'submit' } }),
  ]);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void fetchPage(false);
  });

  return el('section', { className: 'panel audit', attrs: { 'aria-labelledby': 'audit-title' } }, [
    el('h2', { text: t('audit.title'), attrs: { id: 'audit-title' } }),
    form,
    status,
    verdict,
    keyStatus,
    table,
    more,
    el('div', { className: 'actions' }, [
      download,
      button(t('audit.save'), save, { className: 'secondary', testId: 'checkpoint-save' }),
      button(t('audit.checkConsistency'), () => void check(), { className: 'secondary', testId: 'checkpoint-check' }),
    ]),
    consistency,
  ]);
}
