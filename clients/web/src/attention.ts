// How the page draws attention to urgent items when the user looks elsewhere: a count in the favicon, and a browser
// notification for each new FLASH or IMMEDIATE once the user has allowed them.
import { t } from './i18n';

let icon: HTMLLinkElement | null = null;

/** A round badge with the number of urgent or overdue items (none: the plain mark). */
export function setFaviconCount(count: number): void {
  icon ??= document.querySelector<HTMLLinkElement>('link[rel="icon"]') ?? document.head.appendChild(Object.assign(document.createElement('link'), { rel: 'icon' }));
  const label = count > 99 ? '99+' : String(count);
  const svg = count > 0
    ? `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#b00020"/><text x="16" y="22" font-size="${label.length > 2 ? 12 : 17}" text-anchor="middle" fill="#fff" font-family="sans-serif" font-weight="bold">${label}</text></svg>`
    : '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><text x="16" y="22" font-size="16" text-anchor="middle" fill="#fff" font-family="sans-serif" font-weight="bold">L</text></svg>';
  icon.type = 'image/svg+xml';
  icon.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
  icon.dataset.count = String(count);
}

/** A button asking for permission to notify, while the browser has not been asked. */
export function notificationButton(): HTMLButtonElement | null {
  if (!('Notification' in window) || Notification.permission !== 'default') return null;
  const node = document.createElement('button');
  node.type = 'button';
  node.className = 'secondary small';
  node.dataset.testid = 'allow-notifications';
  node.textContent = t('app.allowNotifications');
  node.addEventListener('click', () => void Notification.requestPermission().then(() => node.remove()));
  return node;
}

export function notifyUrgent(precedence: string, sender: string, subject: string): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  // The tag folds repeats of one message into one notification.
  new Notification(t('app.notificationTitle', { precedence: t(`precedence.${precedence}`), sender }), { body: subject, tag: `${precedence}:${subject}` });
}
