import { ApiError, getDesks, getLists, getOfficer, searchDirectory, type Desk, type DistributionList, type Officer, type OfficerCard, type Recipient } from './api';
import { button, describeError, el } from './dom';
import { dutyText } from './format';
import { t, tn } from './i18n';

const DEBOUNCE_MS = 250;
const MIN_QUERY_LENGTH = 2;

export interface SearchPanelOptions {
  isRecipient: (address: string) => boolean;
  /** Null for a user who does not send: the results then offer no "Send to". */
  addRecipient: ((recipient: Recipient) => void) | null;
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

  function addButton(recipient: Recipient, name: string): HTMLButtonElement | null {
    const addRecipient = options.addRecipient;
    if (!addRecipient) return null;
    const add = button(t('search.sendTo'), () => {
      addRecipient(recipient);
      refresh();
    }, { testId: 'add-recipient', className: 'secondary' });
    add.setAttribute('aria-label', t('search.sendToName', { name }));
    addButtons.set(recipient.address, add);
    syncButton(recipient.address, add);
    return add;
  }

  // Desks and lists are few: loaded once, then matched as the user types.
  let places: Promise<{ desks: Desk[]; lists: DistributionList[] }> | null = null;
  function desksAndLists(): Promise<{ desks: Desk[]; lists: DistributionList[] }> {
    places ??= Promise.all([getDesks(), getLists()]).then(([desks, lists]) => ({ desks, lists })).catch((error: unknown) => {
      places = null;
      throw error;
    });
    return places;
  }

  function matches(query: string, ...texts: string[]): boolean {
    const folded = query.toLocaleLowerCase();
    return texts.some((text) => text.toLocaleLowerCase().includes(folded));
  }

  function renderDesk(desk: Desk): HTMLLIElement {
    const recipient: Recipient = { address: `desk:${desk.id}`, label: desk.name, detail: t('desk.kind') };
    return el('li', { testId: 'desk-result', className: 'result' }, [
      el('div', { className: 'result-text' }, [
        el('div', { className: 'names' }, [el('span', { className: 'name', text: desk.name, autoDir: true })]),
        el('div', { className: 'meta' }, [el('span', { text: t('desk.kind') }), el('span', { className: 'country', text: desk.agency })]),
        el('div', { className: 'meta', testId: 'on-duty', text: dutyText(desk), autoDir: true }),
      ]),
      addButton(recipient, desk.name),
    ]);
  }

  function renderList(list: DistributionList): HTMLLIElement {
    const recipient: Recipient = { address: `list:${list.id}`, label: list.name, detail: tn('list.desks', list.desks.length) };
    return el('li', { testId: 'list-result', className: 'result' }, [
      el('div', { className: 'result-text' }, [
        el('div', { className: 'names' }, [el('span', { className: 'name', text: list.name, autoDir: true })]),
        el('div', { className: 'meta' }, [el('span', { text: t('list.kind') }), el('span', { text: tn('list.desks', list.desks.length) })]),
      ]),
      addButton(recipient, list.name),
    ]);
  }

  function renderOfficer(officer: Officer): HTMLLIElement {
    const add = addButton({ address: officer.id, label: officer.displayName, detail: officer.country }, officer.latinName || officer.displayName);

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

    const duty = (officer.onDutyAt ?? []).length > 0
      ? el('div', { className: 'meta on-duty', text: t('search.onDutyAt', { desks: officer.onDutyAt!.join(', ') }) })
      : null;
    const card = el('details', { className: 'officer-card', testId: 'officer-card' }, [el('summary', { text: t('card.open'), testId: 'card-open' })]);
    card.addEventListener('toggle', () => {
      if (card.open && card.children.length === 1) void fillCard(card, officer.id);
    });
    return el('li', { testId: 'search-result', className: 'result' }, [
      el('div', { className: 'result-text' }, [names, rank, agency, posting, duty, extras, card]),
      add,
    ]);
  }

  /** The officer's card: every field the directory shows this user, restricted ones only where it lets them. */
  async function fillCard(card: HTMLElement, id: string): Promise<void> {
    try {
      const officer: OfficerCard = await getOfficer(id);
      const rows: [string, string][] = [
        [t('card.names'), officer.nameVariants.join(' · ')],
        [t('card.languages'), officer.languageSkills.map((l) => `${l.language} (${t(`level.${l.level}`)})`).join(', ')],
        [t('card.specialities'), officer.specialities.join(', ')],
        ...officer.contacts.map((c): [string, string] => [t(`contact.${c.kind}`), c.value]),
      ];
      if (officer.summary.unitName) rows.push([t('card.unit'), officer.summary.unitName]);
      if (officer.restricted?.personalPhone) rows.push([t('card.personalPhone'), officer.restricted.personalPhone]);
      if (officer.restricted?.clearance) rows.push([t('card.clearance'), officer.restricted.clearance]);
      if (officer.restricted?.homeUnit) rows.push([t('card.homeUnit'), officer.restricted.homeUnit]);
      card.append(el('dl', {}, rows.filter(([, value]) => value !== '').flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: value, autoDir: true })])));
    } catch (error) {
      card.append(el('p', { className: 'field-error', text: describeError(error) }));
    }
  }

  async function run(query: string): Promise<void> {
    inFlight?.abort();
    const controller = new AbortController();
    inFlight = controller;
    status.textContent = t('search.searching');
    try {
      const [{ officers }, { desks, lists }] = await Promise.all([
        searchDirectory(query, controller.signal, { country: country.value, language: language.value, onDutyNow: onDuty.checked }),
        desksAndLists().catch(() => ({ desks: [] as Desk[], lists: [] as DistributionList[] })),
      ]);
      if (controller.signal.aborted) return;
      addButtons.clear();
      const bare = query.replace(/^(desk|list):/i, '');
      results.replaceChildren(
        ...desks.filter((d) => matches(bare, d.id, d.name, d.agency)).map(renderDesk),
        ...lists.filter((l) => matches(bare, l.id, l.name)).map(renderList),
        ...officers.map(renderOfficer),
      );
      const found = results.children.length;
      status.textContent = found === 0 ? t('search.none') : tn('search.found', found);
    } catch (error) {
      if (controller.signal.aborted) return;
      const message = error instanceof ApiError ? error.message : describeError(error);
      status.textContent = t('search.failed', { error: message });
    }
  }

  const country = el('select', { testId: 'filter-country', attrs: { 'aria-label': t('filter.country') } }, [
    el('option', { text: t('filter.anyCountry'), attrs: { value: '' } }),
    ...['KZ', 'UZ', 'KG', 'TJ', 'TM', 'AF'].map((code) => el('option', { text: t(`country.${code}`), attrs: { value: code } })),
  ]);
  const language = el('select', { testId: 'filter-language', attrs: { 'aria-label': t('filter.language') } }, [
    el('option', { text: t('filter.anyLanguage'), attrs: { value: '' } }),
    ...['ru', 'en', 'kk', 'uz', 'ky', 'tg', 'tk', 'fa', 'ps', 'zh'].map((code) => el('option', { text: t(`language.${code}`), attrs: { value: code } })),
  ]);
  const onDuty = el('input', { testId: 'filter-on-duty', attrs: { type: 'checkbox', id: 'filter-on-duty' } });
  const filters = el('div', { className: 'filters' }, [
    country, language, el('label', { className: 'muted', attrs: { for: 'filter-on-duty' } }, [onDuty, el('span', { text: ` ${t('filter.onDutyNow')}` })]),
  ]);
  const rerun = (): void => {
    const query = input.value.trim();
    if (query.length >= MIN_QUERY_LENGTH) void run(query);
  };
  for (const control of [country, language, onDuty]) control.addEventListener('change', rerun);

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
    filters,
    input,
    status,
    results,
  ]);

  return { element, refresh };
}
