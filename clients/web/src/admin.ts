import { createDeskEditor, createOfficerEditor } from './admin-edit';
import { createAccountsSection } from './admin-accounts';
import { importOfficers } from './api';
import { button, el } from './dom';
import { t } from './i18n';
import { errorText } from './problems';

/**
 * The agency administrator's workspace: officer files checked row by row before anything is applied, the agency's file
 * to download, officers and desks (rosters included) edited against their version, and the agency's accounts.
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
    createOfficerEditor(),
    createDeskEditor(),
    createAccountsSection(),
  ]);
}
