import { getDeskForEdit, getHistory, getOfficerForEdit, saveDesk, saveOfficer, type DeskEdit, type OfficerEdit, type Shift } from './api';
import { button, el } from './dom';
import { formatLocal } from './format';
import { t } from './i18n';
import { errorText } from './problems';

interface Versioned {
  id: string;
  version: number;
}

interface EditorSpec<T extends Versioned> {
  entityType: 'officer' | 'desk';
  /** Prefix of the screen's test ids: "edit" gives edit-id, edit-load, edit-save, edit-status. */
  prefix: string;
  title: string;
  idLabel: string;
  load: (id: string) => Promise<T>;
  save: (entry: T) => Promise<{ version: number }>;
  /** The form's labelled inputs. */
  fields: Node[];
  fill: (entry: T) => void;
  read: (entry: T) => T;
}

/**
 * One entry edited against the version read: a change made meanwhile by someone else is refused (409), not
 * overwritten; every stored version is listed with who made it and when.
 */
function versionedEditor<T extends Versioned>(spec: EditorSpec<T>): HTMLElement {
  const id = el('input', { testId: `${spec.prefix}-id`, attrs: { type: 'text', maxlength: '64', 'aria-label': spec.idLabel } });
  const status = el('div', { className: 'send-status', testId: `${spec.prefix}-status`, attrs: { role: 'status' } });
  const history = el('ol', { className: 'history', testId: spec.entityType === 'officer' ? 'history' : `${spec.prefix}-history` });
  const form = el('form', { className: 'trail-form', testId: `${spec.prefix}-form` }, [
    ...spec.fields,
    el('button', { className: 'primary', text: t('admin.save'), testId: `${spec.prefix}-save`, attrs: { type: 'submit' } }),
  ]);
  form.hidden = true;
  let editing: T | null = null;

  async function showHistory(entryId: string): Promise<void> {
    const versions = await getHistory(spec.entityType, entryId);
    history.replaceChildren(...versions.map((v) => {
      const item = el('li', { testId: 'history-version', text: t('admin.version', { version: v.version, at: formatLocal(v.changedAt), who: v.changedBy }) });
      item.dataset.version = String(v.version);
      return item;
    }));
  }

  async function load(): Promise<void> {
    status.textContent = '';
    try {
      editing = await spec.load(id.value.trim());
      spec.fill(editing);
      form.hidden = false;
      await showHistory(editing.id);
    } catch (error) {
      form.hidden = true;
      status.className = 'send-status error';
      status.textContent = errorText(error);
    }
  }

  id.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void load();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!editing) return;
    const changed = spec.read(editing);
    void (async () => {
      try {
        const saved = await spec.save(changed);
        editing = { ...changed, version: saved.version };
        status.className = 'send-status ok';
        status.dataset.version = String(saved.version);
        status.textContent = t('admin.savedVersion', { version: saved.version });
        await showHistory(changed.id);
      } catch (error) {
        status.className = 'send-status error';
        status.textContent = errorText(error);
      }
    })();
  });

  return el('section', { className: 'editor' }, [
    el('h3', { text: spec.title }),
    el('div', { className: 'actions' }, [id, button(t('admin.load'), () => void load(), { testId: `${spec.prefix}-load`, className: 'secondary' })]),
    form,
    status,
    history,
  ]);
}

function input(idText: string, options: { autoDir?: boolean; maxLength?: number } = {}): HTMLInputElement {
  return el('input', { testId: idText, autoDir: options.autoDir ?? false, attrs: { type: 'text', id: idText, maxlength: String(options.maxLength ?? 200) } });
}

function labelled(label: string, control: HTMLInputElement | HTMLTextAreaElement): Node[] {
  return [el('label', { text: label, attrs: { for: control.id } }), control];
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** "ru native, en B2" to and from the directory's language skills. */
function languagesText(languages: OfficerEdit['languages']): string {
  return languages.map((l) => `${l.language} ${l.level}`).join(', ');
}

function parseLanguages(text: string): OfficerEdit['languages'] {
  return list(text).map((item) => {
    const [language = '', ...level] = item.split(/\s+/);
    return { language: language.toLowerCase(), level: level.join(' ') };
  });
}

/** One contact per line, "kind: value". */
function contactsText(contacts: OfficerEdit['contacts']): string {
  return contacts.map((c) => `${c.kind}: ${c.value}`).join('\n');
}

function parseContacts(text: string): OfficerEdit['contacts'] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line.length > 0).map((line) => {
    const colon = line.indexOf(':');
    return colon < 0 ? { kind: line, value: '' } : { kind: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() };
  });
}

function contactsArea(idText: string): HTMLTextAreaElement {
  return el('textarea', { testId: idText, attrs: { id: idText, rows: '3', maxlength: '4000' } });
}

export function createOfficerEditor(): HTMLElement {
  const nativeName = input('edit-native-name', { autoDir: true });
  const latinName = input('edit-latin-name');
  const rank = input('edit-rank', { autoDir: true, maxLength: 100 });
  const posting = input('edit-posting', { autoDir: true, maxLength: 500 });
  const languages = input('edit-languages', { maxLength: 1000 });
  const specialities = input('edit-specialities', { maxLength: 1000 });
  const contacts = contactsArea('edit-contacts');
  return versionedEditor<OfficerEdit>({
    entityType: 'officer', prefix: 'edit', title: t('admin.editOfficer'), idLabel: t('admin.officerId'),
    load: getOfficerForEdit, save: saveOfficer,
    fields: [
      ...labelled(t('admin.nativeName'), nativeName), ...labelled(t('admin.latinName'), latinName),
      ...labelled(t('admin.rank'), rank), ...labelled(t('admin.posting'), posting),
      ...labelled(t('admin.languagesField', { example: 'ru native, en working' }), languages), ...labelled(t('card.specialities'), specialities),
      ...labelled(t('admin.contactsField', { example: 'phone: +7 …' }), contacts),
    ],
    fill: (o) => {
      nativeName.value = o.nativeName;
      latinName.value = o.latinName;
      rank.value = o.rank;
      posting.value = o.posting;
      languages.value = languagesText(o.languages);
      specialities.value = o.specialities.join(', ');
      contacts.value = contactsText(o.contacts);
    },
    read: (o) => ({
      ...o, nativeName: nativeName.value.trim(), latinName: latinName.value.trim(), rank: rank.value.trim(), posting: posting.value.trim(),
      languages: parseLanguages(languages.value), specialities: list(specialities.value), contacts: parseContacts(contacts.value),
    }),
  });
}

/** A roster as rows of inputs: the days a shift starts on, its local start and end, and who is primary and backup. */
function rosterTable(): { element: HTMLElement; fill: (roster: Shift[]) => void; read: () => Shift[] } {
  const body = el('tbody');
  function row(shift: Shift): HTMLElement {
    const cell = (name: string, value: string, label: string, size: number): HTMLElement =>
      el('td', {}, [el('input', { testId: `shift-${name}`, attrs: { type: 'text', value, size: String(size), maxlength: '64', 'aria-label': label } })]);
    const node = el('tr', { testId: 'shift' }, [
      cell('days', shift.days.join(' '), t('admin.shiftDays', { example: 'mon … sun' }), 16),
      cell('start', shift.start, t('admin.shiftStart'), 5),
      cell('end', shift.end, t('admin.shiftEnd'), 5),
      cell('primary', shift.primary, t('admin.shiftPrimary'), 18),
      cell('backup', shift.backup ?? '', t('admin.shiftBackup'), 18),
      el('td', {}, [button(t('admin.removeShift'), () => node.remove(), { className: 'secondary small', testId: 'shift-remove' })]),
    ]);
    return node;
  }
  const value = (tr: Element, name: string): string => (tr.querySelector<HTMLInputElement>(`[data-testid="shift-${name}"]`)?.value ?? '').trim();
  const element = el('div', { className: 'roster' }, [
    el('table', { className: 'trail', testId: 'roster' }, [
      el('thead', {}, [el('tr', {}, [t('admin.shiftDays', { example: 'mon … sun' }), t('admin.shiftStart'), t('admin.shiftEnd'), t('admin.shiftPrimary'), t('admin.shiftBackup'), '']
        .map((h) => el('th', { text: h })))]),
      body,
    ]),
    button(t('admin.addShift'), () => body.append(row({ days: [], start: '', end: '', primary: '', backup: null })), { className: 'secondary small', testId: 'shift-add' }),
  ]);
  return {
    element,
    fill: (roster) => body.replaceChildren(...roster.map(row)),
    read: () => [...body.querySelectorAll('tr')].map((tr) => ({
      days: value(tr, 'days').toLowerCase().split(/[\s,]+/).filter((d) => d.length > 0),
      start: value(tr, 'start'), end: value(tr, 'end'), primary: value(tr, 'primary'), backup: value(tr, 'backup') || null,
    })),
  };
}

export function createDeskEditor(): HTMLElement {
  const name = input('desk-edit-name', { autoDir: true });
  const timeZone = input('desk-edit-zone', { maxLength: 64 });
  const supervisor = input('desk-edit-supervisor', { maxLength: 64 });
  const escalationDesk = input('desk-edit-escalation', { maxLength: 64 });
  const contacts = contactsArea('desk-edit-contacts');
  const roster = rosterTable();
  return versionedEditor<DeskEdit>({
    entityType: 'desk', prefix: 'desk-edit', title: t('admin.editDesk'), idLabel: t('admin.deskId'),
    load: getDeskForEdit, save: saveDesk,
    fields: [
      ...labelled(t('admin.deskName'), name), ...labelled(t('admin.timeZone', { example: 'IANA, Asia/Kabul' }), timeZone),
      ...labelled(t('admin.supervisor'), supervisor), ...labelled(t('admin.escalationDesk'), escalationDesk),
      ...labelled(t('admin.contactsField', { example: 'phone: +7 …' }), contacts),
      el('span', { text: t('admin.roster') }), roster.element,
    ],
    fill: (d) => {
      name.value = d.name;
      timeZone.value = d.timeZone;
      supervisor.value = d.supervisor;
      escalationDesk.value = d.escalationDesk;
      contacts.value = contactsText(d.contacts);
      roster.fill(d.roster);
    },
    read: (d) => ({
      ...d, name: name.value.trim(), timeZone: timeZone.value.trim(), supervisor: supervisor.value.trim(), escalationDesk: escalationDesk.value.trim(),
      contacts: parseContacts(contacts.value), roster: roster.read(),
    }),
  });
}
