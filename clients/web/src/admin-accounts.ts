import { accountAction, createAccount, listAccounts, setAccess, type Account } from './api';
import { button, el } from './dom';
import { t } from './i18n';
import { errorText } from './problems';

const ROLES = ['officer', 'desk-operator', 'auditor', 'agency-admin'] as const;

/** One checkbox per role an agency administrator may give; ids carry a prefix so two forms can sit on one page. */
function roleBoxes(prefix: string): { element: HTMLElement; set: (roles: string[]) => void; read: () => string[] } {
  const boxes = ROLES.map((role) => {
    const box = el('input', { testId: `${prefix}-role-${role}`, attrs: { type: 'checkbox', value: role, id: `${prefix}-role-${role}` } });
    return { role, box, label: el('label', { attrs: { for: box.id } }, [box, el('span', { text: ` ${t(`role.${role}`)}` })]) };
  });
  return {
    element: el('span', {}, boxes.map((b) => b.label)),
    set: (roles) => boxes.forEach((b) => (b.box.checked = roles.includes(b.role))),
    read: () => boxes.filter((b) => b.box.checked).map((b) => b.role),
  };
}

function deskList(text: string): string[] {
  return text.split(/[\s,;]+/).filter((d) => d.length > 0);
}

/**
 * The agency's accounts: create one with a one-time password, change its roles and desks, disable, enable, reset the
 * second factor. The identity server keeps each administrator to their own agency and its desks.
 */
export function createAccountsSection(): HTMLElement {
  const accounts = el('tbody');
  const status = el('div', { className: 'send-status', testId: 'account-status', attrs: { role: 'status' } });
  const fail = (error: unknown): void => {
    status.className = 'send-status error';
    status.textContent = errorText(error);
  };

  async function loadAccounts(): Promise<void> {
    try {
      accounts.replaceChildren(...(await listAccounts()).map(renderAccount));
    } catch (error) {
      fail(error);
    }
  }

  // Roles and desks of one account, opened from its row.
  const accessRoles = roleBoxes('access');
  const accessDesks = el('input', { testId: 'access-desks', attrs: { type: 'text', id: 'access-desks', maxlength: '1000' } });
  const accessTitle = el('h4', { testId: 'access-title' });
  const accessForm = el('form', { className: 'trail-form', testId: 'access-form' }, [
    accessTitle, el('span'),
    el('span', { text: t('admin.roles') }), accessRoles.element,
    el('label', { text: t('admin.desks'), attrs: { for: 'access-desks' } }), accessDesks,
    el('button', { className: 'primary', text: t('admin.save'), testId: 'access-save', attrs: { type: 'submit' } }),
  ]);
  accessForm.hidden = true;
  let changing: Account | null = null;
  function openAccess(account: Account): void {
    changing = account;
    accessTitle.textContent = t('admin.accessOf', { user: account.userName });
    accessRoles.set(account.roles);
    accessDesks.value = account.desks.join(', ');
    accessForm.hidden = false;
    accessDesks.focus();
  }
  accessForm.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!changing) return;
    const account = changing;
    void (async () => {
      try {
        const saved = await setAccess(account.id, accessRoles.read(), deskList(accessDesks.value));
        status.className = 'send-status ok';
        status.textContent = t('admin.accessSaved', { user: saved.userName });
        accessForm.hidden = true;
        await loadAccounts();
      } catch (error) {
        fail(error);
      }
    })();
  });

  function renderAccount(account: Account): HTMLElement {
    const act = (action: 'disable' | 'enable' | 'reset-second-factor') => async (): Promise<void> => {
      try {
        await accountAction(account.id, action);
        await loadAccounts();
      } catch (error) {
        fail(error);
      }
    };
    const row = el('tr', { testId: 'account' }, [
      el('td', { text: account.userName }),
      el('td', { text: account.displayName, autoDir: true }),
      el('td', { text: account.roles.join(', '), testId: 'account-roles' }),
      el('td', { text: account.desks.join(', '), testId: 'account-desks' }),
      el('td', {}, [
        button(t('admin.changeAccess'), () => openAccess(account), { className: 'secondary small', testId: 'account-access' }),
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
  const newRoles = roleBoxes('new');
  newRoles.set(['officer']);
  const createForm = el('form', { className: 'trail-form', testId: 'new-account' }, [
    el('label', { text: t('admin.userName'), attrs: { for: 'new-user' } }), userName,
    el('label', { text: t('admin.displayName'), attrs: { for: 'new-name' } }), displayName,
    el('label', { text: t('admin.accountId'), attrs: { for: 'new-id' } }), accountId,
    el('label', { text: t('admin.desks'), attrs: { for: 'new-desks' } }), desks,
    el('span', { text: t('admin.roles') }), newRoles.element,
    el('button', { className: 'primary', text: t('admin.create'), testId: 'new-account-create', attrs: { type: 'submit' } }),
  ]);
  createForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const created = await createAccount({
          userName: userName.value.trim(), displayName: displayName.value.trim(), accountId: accountId.value.trim(),
          roles: newRoles.read(), desks: deskList(desks.value),
        });
        status.className = 'send-status ok';
        // Shown once, never stored: the administrator hands it over by another channel.
        status.textContent = t('admin.created', { user: created.account.userName, password: created.initialPassword });
        await loadAccounts();
      } catch (error) {
        fail(error);
      }
    })();
  });
  void loadAccounts();

  return el('section', { className: 'accounts' }, [
    el('h3', { text: t('admin.accounts') }),
    createForm,
    status,
    accessForm,
    el('table', { className: 'trail', testId: 'accounts' }, [
      el('thead', {}, [el('tr', {}, [t('admin.userName'), t('admin.displayName'), t('admin.roles'), t('admin.desks'), ''].map((h) => el('th', { text: h })))]),
      accounts,
    ]),
  ]);
}
