import { accountAction, ApiError, createAccount, getHistory, getOfficerForEdit, importOfficers, listAccounts, saveOfficer, type Account, type OfficerEdit } from './api';
import { button, describeError, el } from './dom';
import { formatLocal } from './format';
import { t } from './i18n';

const ROLES = ['officer', 'desk-operator', 'auditor', 'agency-admin'] as const;

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = Object.entries(error.problem?.errors ?? {}).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
    return fields.length > 0 ? fields.join('; ') : error.message;
  }
  return describeError(error);
}

/**
 * The agency administrator's workspace: officer files checked row by row before anything is applied, the agency's file
 * to download, and its accounts (create with a one-time password, disable, enable, reset the second factor).
 */
export function createAdminPanel(): HTMLElement {
  // Import: a dry run first; Apply only once the same file has passed it.
  const file = el('input', { testId: 'import-file', attrs: { type: 'file', accept: '.csv,.json,text/csv,application/json', 'aria-label': t('admin.file') } });
  const report = el('div', { className: 'send-status', testId: 'import-report', attrs: { role: 'status' } });
  const errors = el('tbody');
  const errorTable = el('table', { className: 'trail', testId: 'import-errors' }, [
    el('thead', {}, [el('tr', {}, [t('admin.line'), t('admin.field'), t('admin.problem')].map((h) => el('th', { text: h })))]),
    errors,
  ]);
  errorTable.hidden = true;
  let checked: { format: 'csv' | 'json'; content: string } | null = null;
  const apply = button(t('admin.apply'), () => void run(false), { testId: 'import-apply', className: 'primary' });
  apply.disabled = true;

  async function read(): Promise<{ format: 'csv' | 'json'; content: string } | null> {
    const chosen = file.files?.[0];
    if (!chosen) return null;
    return { format: chosen.name.toLowerCase().endsWith('.json') ? 'json' : 'csv', content: await chosen.text() };
  }

  async function run(dryRun: boolean): Promise<void> {
    const input = dryRun ? await read() : checked;
    if (!input) {
      report.textContent = t('admin.chooseFile');
      return;
    }
    report.className = 'send-status';
    report.textContent = t('compose.sending');
    apply.disabled = true;
    try {
      const result = await importOfficers(input.format, input.content, dryRun);
      errors.replaceChildren(...result.errors.map((e) => {
        const row = el('tr', { testId: 'import-error' }, [el('td', { text: String(e.line) }), el('td', { text: e.field }), el('td', { text: e.message, autoDir: true })]);
        row.dataset.line = String(e.line);
        row.dataset.field = e.field;
        return row;
      }));
      errorTable.hidden = result.errors.length === 0;
      report.dataset.applied = String(result.applied);
      if (result.errors.length > 0) {
        report.className = 'send-status error';
        report.textContent = t('admin.rejected', { count: result.errors.length });
      } else if (result.applied) {
        report.className = 'send-status ok';
        report.textContent = t('admin.applied', { created: result.created, updated: result.updated });
        checked = null;
      } else {
        report.className = 'send-status ok';
        report.textContent = t('admin.checked', { rows: result.rows, created: result.created, updated: result.updated });
        checked = input;
        apply.disabled = false;
      }
    } catch (error) {
      report.className = 'send-status error';
      report.textContent = errorText(error);
    }
  }
  file.addEventListener('change', () => {
    checked = null;
    apply.disabled = true;
  });

  // One officer, edited against the version read: a change made meanwhile by someone else is refused, not overwritten.
  const editId = el('input', { testId: 'edit-id', attrs: { type: 'text', id: 'edit-id', maxlength: '64', 'aria-label': t('admin.officerId') } });
  const rank = el('input', { testId: 'edit-rank', autoDir: true, attrs: { type: 'text', id: 'edit-rank', maxlength: '100' } });
  const posting = el('input', { testId: 'edit-posting', autoDir: true, attrs: { type: 'text', id: 'edit-posting', maxlength: '500' } });
  const specialities = el('input', { testId: 'edit-specialities', attrs: { type: 'text', id: 'edit-specialities', maxlength: '1000' } });
  const editStatus = el('div', { className: 'send-status', testId: 'edit-status', attrs: { role: 'status' } });
  const history = el('ol', { className: 'history', testId: 'history' });
  const editForm = el('form', { className: 'trail-form', testId: 'edit-officer' }, [
    el('label', { text: t('admin.rank'), attrs: { for: 'edit-rank' } }), rank,
    el('label', { text: t('admin.posting'), attrs: { for: 'edit-posting' } }), posting,
    el('label', { text: t('card.specialities'), attrs: { for: 'edit-specialities' } }), specialities,
    el('button', { className: 'primary', text: t('admin.save'), testId: 'edit-save', attrs: { type: 'submit' } }),
  ]);
  editForm.hidden = true;
  let editing: OfficerEdit | null = null;

  async function showHistory(id: string): Promise<void> {
    const versions = await getHistory('officer', id);
    history.replaceChildren(...versions.map((v) => {
      const item = el('li', { testId: 'history-version', text: t('admin.version', { version: v.version, at: formatLocal(v.changedAt), who: v.changedBy }) });
      item.dataset.version = String(v.version);
      return item;
    }));
  }

  async function load(): Promise<void> {
    editStatus.textContent = '';
    try {
      editing = await getOfficerForEdit(editId.value.trim());
      rank.value = editing.rank;
      posting.value = editing.posting;
      specialities.value = editing.specialities.join(', ');
      editForm.hidden = false;
      await showHistory(editing.id);
    } catch (error) {
      editForm.hidden = true;
      editStatus.className = 'send-status error';
      editStatus.textContent = errorText(error);
    }
  }

  editForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!editing) return;
    const changed: OfficerEdit = {
      ...editing, rank: rank.value.trim(), posting: posting.value.trim(),
      specialities: specialities.value.split(',').map((s) => s.trim()).filter((s) => s.length > 0),
    };
    void (async () => {
      try {
        const saved = await saveOfficer(changed);
        editing = { ...changed, version: saved.version };
        editStatus.className = 'send-status ok';
        editStatus.dataset.version = String(saved.version);
        editStatus.textContent = t('admin.savedVersion', { version: saved.version });
        await showHistory(changed.id);
      } catch (error) {
        editStatus.className = 'send-status error';
        editStatus.textContent = errorText(error);
      }
    })();
  });

  // Accounts of the agency.
  const accounts = el('tbody');
  const accountStatus = el('div', { className: 'send-status', testId: 'account-status', attrs: { role: 'status' } });
  async function loadAccounts(): Promise<void> {
    try {
      accounts.replaceChildren(...(await listAccounts()).map(renderAccount));
    } catch (error) {
      accountStatus.textContent = errorText(error);
    }
  }
  function renderAccount(account: Account): HTMLElement {
    const act = (action: 'disable' | 'enable' | 'reset-second-factor') => async (): Promise<void> => {
      try {
        await accountAction(account.id, action);
        await loadAccounts();
      } catch (error) {
        accountStatus.className = 'send-status error';
        accountStatus.textContent = errorText(error);
      }
    };
    const row = el('tr', { testId: 'account' }, [
      el('td', { text: account.userName }),
      el('td', { text: account.displayName, autoDir: true }),
      el('td', { text: account.roles.join(', ') }),
      el('td', { text: account.desks.join(', ') }),
      el('td', {}, [
        account.disabled
          ? button(t('admin.enable'), () => void act('enable')(), { className: 'secondary small', testId: 'account-enable' })
          : button(t('admin.disable'), () => void act('disable')(), { className: 'secondary small', testId: 'account-disable' }),
        account.secondFactorEnabled ? button(t('admin.resetSecondFactor'), () => void act('reset-second-factor')(), { className: 'secondary small' }) : null,
      ]),
    ]);
    row.dataset.user = account.userName;
    row.dataset.disabled = String(account.disabled);
    return row;
  }

  const userName = el('input', { testId: 'new-user', attrs: { type: 'text', id: 'new-user', maxlength: '64' } });
  const displayName = el('input', { testId: 'new-name', autoDir: true, attrs: { type: 'text', id: 'new-name', maxlength: '200' } });
  const accountId = el('input', { testId: 'new-id', attrs: { type: 'text', id: 'new-id', maxlength: '64' } });
  const desks = el('input', { testId: 'new-desks', attrs: { type: 'text', id: 'new-desks', maxlength: '1000' } });
  const roleBoxes = ROLES.map((role) => {
    const box = el('input', { attrs: { type: 'checkbox', value: role, id: `role-${role}` } });
    box.checked = role === 'officer';
    return { role, box, label: el('label', { attrs: { for: `role-${role}` } }, [box, el('span', { text: ` ${t(`role.${role}`)}` })]) };
  });
  const createForm = el('form', { className: 'trail-form', testId: 'new-account' }, [
    el('label', { text: t('admin.userName'), attrs: { for: 'new-user' } }), userName,
    el('label', { text: t('admin.displayName'), attrs: { for: 'new-name' } }), displayName,
    el('label', { text: t('admin.accountId'), attrs: { for: 'new-id' } }), accountId,
    el('label', { text: t('admin.desks'), attrs: { for: 'new-desks' } }), desks,
    el('span', { text: t('admin.roles') }), el('span', {}, roleBoxes.map((r) => r.label)),
    el('button', { className: 'primary', text: t('admin.create'), testId: 'new-account-create', attrs: { type: 'submit' } }),
  ]);
  createForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const created = await createAccount({
          userName: userName.value.trim(), displayName: displayName.value.trim(), accountId: accountId.value.trim(),
          roles: roleBoxes.filter((r) => r.box.checked).map((r) => r.role),
          desks: desks.value.split(/[\s,;]+/).filter((d) => d.length > 0),
        });
        accountStatus.className = 'send-status ok';
        // Shown once, never stored: the administrator hands it over by another channel.
        accountStatus.textContent = t('admin.created', { user: created.account.userName, password: created.initialPassword });
        await loadAccounts();
      } catch (error) {
        accountStatus.className = 'send-status error';
        accountStatus.textContent = errorText(error);
      }
    })();
  });
  void loadAccounts();

  return el('section', { className: 'panel admin', attrs: { 'aria-labelledby': 'admin-title' } }, [
    el('h2', { text: t('admin.title'), attrs: { id: 'admin-title' } }),
    el('h3', { text: t('admin.officers') }),
    el('div', { className: 'actions' }, [
      file,
      button(t('admin.check'), () => void run(true), { testId: 'import-check', className: 'secondary' }),
      apply,
      el('a', { text: t('admin.export'), className: 'button secondary', testId: 'export', attrs: { href: '/api/admin/officers/export?format=csv', download: '' } }),
    ]),
    report,
    errorTable,
    el('h3', { text: t('admin.editOfficer') }),
    el('div', { className: 'actions' }, [editId, button(t('admin.load'), () => void load(), { testId: 'edit-load', className: 'secondary' })]),
    editForm,
    editStatus,
    history,
    el('h3', { text: t('admin.accounts') }),
    createForm,
    accountStatus,
    el('table', { className: 'trail', testId: 'accounts' }, [
      el('thead', {}, [el('tr', {}, [t('admin.userName'), t('admin.displayName'), t('admin.roles'), t('admin.desks'), ''].map((h) => el('th', { text: h })))]),
      accounts,
    ]),
  ]);
}
