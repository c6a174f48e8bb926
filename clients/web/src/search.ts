import { ApiError, searchDirectory, type Officer } from './api';
import { button, describeError, el } from './dom';
import { t, tn } from './i18n';

const DEBOUNCE_MS = 250;
const MIN_QUERY_LENGTH = 2;

export interface SearchPanelOptions {
  isRecipient: (officerId: string) => boolean;
  /** Null for a user who does not send: the results then offer no "Send to". */
  addRecipient: ((officer: Officer) => void) | null;
}

export interface SearchPanel {
  element: HTMLElement;
  /** Re-evaluate the "Send to" buttons after the recipient list changed elsewhere. */
  refresh: () => void;
}

export function createSearchPanel(options: SearchPanelOptions): SearchPanel {
  const input = el('input', {
    testId: 'search-input',
    autoDir: true,
    attrs: {
      type: 'search',
      id: 'search-input',
      placeholder: t('search.placeholder'),
      autocomplete: 'off',
      spellcheck: 'false',
    },
  });
  const status = el('p', { className: 'muted', attrs: { role: 'status', 'aria-live': 'polite' } });
  const results = el('ul', { className: 'results' });
  const addButtons = new Map<string, HTMLButtonElement>();

  let debounceTimer: number | undefined;
  let inFlight: AbortController | undefined;

  function syncButton(officerId: string, node: HTMLButtonElement): void {
    const added = options.isRecipient(officerId);
    node.disabled = added;
    node.textContent = added ? t('search.added') : t('search.sendTo');
  }

  function refresh(): void {
    for (const [id, node] of addButtons) syncButton(id, node);
  }

  function renderOfficer(officer: Officer): HTMLLIElement {
    const addRecipient = options.addRecipient;
    const add = addRecipient
      ? button(t('search.sendTo'), () => {
          addRecipient(officer);
          refresh();
        }, { testId: 'add-recipient', className: 'secondary' })
      : null;
    if (add) {
      add.setAttribute('aria-label', t('search.sendToName', { name: officer.latinName || officer.displayName }));
      addButtons.set(officer.id, add);
      syncButton(officer.id, add);
    }

    // The native-script name leads; the Latin transliteration is what colleagues
    // from other countries can read, so it is always shown when it differs.
    const names = el('div', { className: 'names' }, [
      el('span', { className: 'name', text: officer.displayName, autoDir: true }),
      officer.latinName && officer.latinName !== officer.displayName
        ? el('span', { className: 'latin', text: officer.latinName, autoDir: true })
        : null,
    ]);
    const rank = el('div', { className: 'meta' }, [
      el('span', { text: officer.rank, autoDir: true }),
      el('span', { className: 'country', text: officer.country }),
    ]);
    const agency = el('div', { className: 'meta', text: officer.agencyName || officer.agency, autoDir: true });
    agency.title = officer.agency;
    const posting = el('div', { className: 'meta', text: officer.posting, autoDir: true });
    const extras = el('div', { className: 'meta muted' }, [
      (officer.languages ?? []).length > 0 ? el('span', { text: t('search.languages', { languages: officer.languages.join(', ') }) }) : null,
      // Explains why a result with an unfamiliar spelling shows up at all.
      officer.matchedOn && officer.matchedOn !== 'exact'
        ? el('span', { text: t('search.matchedOn', { match: t(`search.match.${officer.matchedOn}`) }) })
        : null,
    ]);

    return el('li', { testId: 'search-result', className: 'result' }, [
      el('div', { className: 'result-text' }, [names, rank, agency, posting, extras]),
      add,
    ]);
  }

  async function run(query: string): Promise<void> {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    status.textContent = t('search.searching');
    try {
      const { officers } = await searchDirectory(query, controller.signal);
      if (controller.signal.aborted) return;
      addButtons.clear();
      results.replaceChildren(...officers.map(renderOfficer));
      status.textContent = officers.length === 0 ? t('search.none') : tn('search.found', officers.length);
    } catch (error) {
      if (controller.signal.aborted) return;
      const message = error instanceof ApiError ? error.message : describeError(error);
      status.textContent = t('search.failed', { error: message });
    }
  }

  input.addEventListener('input', () => {
    window.clearTimeout(debounceTimer);
    const query = input.value.trim();
    if (query.length < MIN_QUERY_LENGTH) {
      inFlight?.abort();
      addButtons.clear();
      results.replaceChildren();
      status.textContent = query.length === 0 ? '' : t('search.tooShort', { count: MIN_QUERY_LENGTH });
      return;
    }
    debounceTimer = window.setTimeout(() => void run(query), DEBOUNCE_MS);
  });

  const element = el('section', { className: 'panel', attrs: { 'aria-labelledby': 'search-title' } }, [
    el('h2', { text: t('search.title'), attrs: { id: 'search-title' } }),
    el('label', { className: 'field-label', text: t('search.label'), attrs: { for: 'search-input' } }),
    input,
    status,
    results,
  ]);

  return { element, refresh };
}
